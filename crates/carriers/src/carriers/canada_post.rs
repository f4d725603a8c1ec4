//! Canada Post: 16 digits (7-digit customer/origin header, 8-digit sequence, check
//! digit), GS1 mod 10 ([`checksum::gs1_mod10_verifies`]). Canada Post's S10 items
//! (`…CA`) are in the S10 module.

use super::{Candidate, Carrier, all_digits};
use crate::checksum;

pub(super) fn recognise(n: &str) -> Option<Candidate> {
    (n.len() == 16 && all_digits(n))
        .then(|| Candidate::new(Carrier::CanadaPost, checksum::gs1_mod10_verifies(n)))
}
