//! UPU S10 international postal items: 2-letter service indicator + 8 serial digits +
//! 1 check digit + 2-letter ISO country code of the issuing post (`RR123456785CA`).
//! Check: S10 mod 11 ([`checksum::s10_verifies`]).
//!
//! The country names the carrier: `US` is USPS, `CA` is Canada Post, `DE` is DHL
//! (Deutsche Post's items are tracked by DHL). Other countries' items are recognised,
//! with their check digit, but name no carrier: in Canada or the US the national post
//! delivers them, and staff choose it.

use std::borrow::Cow;

use super::{Candidate, Carrier, all_digits, all_letters};
use crate::checksum;

pub(super) fn recognise(n: &str) -> Option<Candidate> {
    if n.len() != 13 {
        return None;
    }
    let (indicator, digits, country) = (n.get(..2)?, n.get(2..11)?, n.get(11..)?);
    if !all_letters(indicator) || !all_digits(digits) || !all_letters(country) {
        return None;
    }
    let carrier = match country {
        "US" => Some(Carrier::Usps),
        "CA" => Some(Carrier::CanadaPost),
        "DE" => Some(Carrier::Dhl),
        _ => None,
    };
    let kind = match indicator.as_bytes()[0] {
        b'E' => "International express (EMS)",
        b'C' => "International parcel",
        b'R' => "International registered mail",
        b'V' => "International insured mail",
        b'L' => "International tracked letter or packet",
        _ => "International mail",
    };
    let service = match carrier {
        Some(_) => Cow::Borrowed(kind),
        None => Cow::Owned(format!("{kind}, posted through {country}")),
    };
    Some(Candidate {
        carrier,
        tracking_number: None,
        service: Some(service),
        valid: checksum::s10_verifies(digits),
    })
}
