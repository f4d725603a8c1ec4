//! USPS:
//!
//! - IMpb tracking numbers: 22 or 26 digits starting with a channel identifier `91`–`95`
//!   (then a 3-digit service type code, the mailer ID and a serial), and the older
//!   20-digit numbers. Check: GS1 mod 10 over the whole number
//!   ([`checksum::gs1_mod10_verifies`]). A 22-digit number starting `96` is FedEx
//!   Ground's; other 22- and 26-digit numbers are taken as USPS and stand or fall by
//!   their check digit.
//! - The full IMpb barcode, `420` + ZIP (5 or 9 digits) + tracking number, 30 or 34
//!   digits: [`crate::normalize()`] already reduced it to the tracking number when it
//!   parses. One that did not parse is still USPS's, and invalid.
//! - S10 international items ending in `US` are in the S10 module.

use super::{Candidate, Carrier, all_digits};
use crate::checksum;

pub(super) fn recognise_20(n: &str) -> Option<Candidate> {
    (n.len() == 20 && all_digits(n))
        .then(|| Candidate::new(Carrier::Usps, checksum::gs1_mod10_verifies(n)))
}

pub(super) fn recognise_impb(n: &str) -> Option<Candidate> {
    if !all_digits(n) {
        return None;
    }
    match n.len() {
        22 if !n.starts_with("96") => Some(Candidate::new(
            Carrier::Usps,
            checksum::gs1_mod10_verifies(n),
        )),
        26 => Some(Candidate::new(
            Carrier::Usps,
            checksum::gs1_mod10_verifies(n),
        )),
        30 | 34 if n.starts_with("420") => Some(Candidate::new(Carrier::Usps, false)),
        _ => None,
    }
}
