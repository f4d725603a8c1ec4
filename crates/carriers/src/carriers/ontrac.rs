//! OnTrac: `C` or `D` + 14 digits (13 serial digits and a check digit). Check: UPS mod
//! 10 over the 14 characters before the check digit, the letter included (C counts 4,
//! D counts 5), as [`checksum::ups_mod10_verifies`].

use super::{Candidate, Carrier, all_digits};
use crate::checksum;

pub(super) fn recognise(n: &str) -> Option<Candidate> {
    let digits = n.strip_prefix('C').or_else(|| n.strip_prefix('D'))?;
    (digits.len() == 14 && all_digits(digits))
        .then(|| Candidate::new(Carrier::Ontrac, checksum::ups_mod10_verifies(n)))
}
