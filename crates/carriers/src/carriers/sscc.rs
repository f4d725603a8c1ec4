//! SSCC (GS1 serial shipping container code): 18 digits, GS1 mod 10. Shippers put it on
//! labels of every carrier, so it names none; it is what a GS1 `00` barcode holds.

use std::borrow::Cow;

use super::{Candidate, all_digits};
use crate::checksum;

pub(super) fn recognise(n: &str) -> Option<Candidate> {
    (n.len() == 18 && all_digits(n)).then(|| Candidate {
        carrier: None,
        tracking_number: None,
        service: Some(Cow::Borrowed("SSCC (GS1 shipping container code)")),
        valid: checksum::gs1_mod10_verifies(n),
    })
}
