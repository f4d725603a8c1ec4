//! DHL:
//!
//! - Express waybill: 10 digits, the last one the first nine modulo 7
//!   ([`checksum::mod7_verifies`]);
//! - eCommerce: `GM`, `LX`, `RX` or `UV` + 10 to 39 digits (`GM` + 16 to 22 digits is the
//!   common Global Mail form). No check digit is published: valid when of that shape.
//!   (`LX` + exactly 8 digits is LaserShip's; S10 items ending in `DE` are in the S10
//!   module.)

use super::{Candidate, Carrier, all_digits};
use crate::checksum;

pub(super) fn recognise_express(n: &str) -> Option<Candidate> {
    (n.len() == 10 && all_digits(n))
        .then(|| Candidate::new(Carrier::Dhl, checksum::mod7_verifies(n)).service(Some("Express")))
}

pub(super) fn recognise_ecommerce(n: &str) -> Option<Candidate> {
    let (prefix, digits) = (n.get(..2)?, n.get(2..)?);
    (matches!(prefix, "GM" | "LX" | "RX" | "UV")
        && (10..=39).contains(&digits.len())
        && all_digits(digits))
    .then(|| Candidate::new(Carrier::Dhl, true).service(Some("eCommerce")))
}
