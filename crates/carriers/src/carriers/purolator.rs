//! Purolator:
//!
//! - 12 digits with a Luhn check digit ([`checksum::luhn_verifies`]). FedEx also uses 12
//!   digits and comes first when both check digits verify (see the parent module);
//! - 3 letters + 9 digits (`ABC123456789`), with no published check digit: valid when
//!   of that shape.

use super::{Candidate, Carrier, all_digits, all_letters};
use crate::checksum;

pub(super) fn recognise_numeric(n: &str) -> Option<Candidate> {
    (n.len() == 12 && all_digits(n))
        .then(|| Candidate::new(Carrier::Purolator, checksum::luhn_verifies(n)))
}

pub(super) fn recognise_alphanumeric(n: &str) -> Option<Candidate> {
    let (letters, digits) = (n.get(..3)?, n.get(3..)?);
    (all_letters(letters) && digits.len() == 9 && all_digits(digits))
        .then(|| Candidate::new(Carrier::Purolator, true))
}
