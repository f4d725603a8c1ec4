//! FedEx:
//!
//! - 12 digits (Express, and Ground since FedEx unified numbering): FedEx mod 11
//!   ([`checksum::fedex_mod11_verifies`]);
//! - 15 digits (Ground): GS1 mod 10;
//! - 20 digits (Ground Economy, formerly SmartPost, whose IMpb number is printed without
//!   its `92` channel identifier): GS1 mod 10 over `92` + the 20 digits. Delivered by
//!   USPS; the 22-digit `92…` form of the same number is recognised as USPS. Older
//!   numbers meant for a `91` prefix are not accepted: `91` and `92` readings differ by
//!   exactly one in the check digit, so accepting both would let a check digit that is
//!   off by one pass. Note that the bare USPS reading of the same 20 digits (tried
//!   first) differs from the `92` reading by one as well, the other way: a 20-digit
//!   number's check digit catches fewer errors than other formats'.
//! - 22 digits starting `96` (the Ground barcode: `96`, 2-digit SCNC, 3-digit service
//!   code, then the 15-digit Ground tracking number): the tracking number is the last 15
//!   digits, GS1 mod 10;
//! - 34 digits (the barcode under Express and Ground labels, not starting `420`): the
//!   last 14 digits carry the tracking number. When they start `00`, it is the last 12
//!   digits (FedEx mod 11); otherwise the last 15 digits are taken as a Ground number
//!   (GS1 mod 10).

use super::{Candidate, Carrier, all_digits};
use crate::checksum;

const GROUND: Option<&str> = Some("Ground");

pub(super) fn recognise_12(n: &str) -> Option<Candidate> {
    (n.len() == 12 && all_digits(n))
        .then(|| Candidate::new(Carrier::Fedex, checksum::fedex_mod11_verifies(n)))
}

pub(super) fn recognise_ground_15(n: &str) -> Option<Candidate> {
    (n.len() == 15 && all_digits(n))
        .then(|| Candidate::new(Carrier::Fedex, checksum::gs1_mod10_verifies(n)).service(GROUND))
}

pub(super) fn recognise_smartpost_20(n: &str) -> Option<Candidate> {
    if n.len() != 20 || !all_digits(n) {
        return None;
    }
    let valid = checksum::gs1_mod10_verifies(&format!("92{n}"));
    Some(Candidate::new(Carrier::Fedex, valid).service(Some("Ground Economy (SmartPost)")))
}

pub(super) fn recognise_ground_96(n: &str) -> Option<Candidate> {
    if n.len() != 22 || !n.starts_with("96") || !all_digits(n) {
        return None;
    }
    let tracking = &n[7..];
    Some(
        Candidate::new(Carrier::Fedex, checksum::gs1_mod10_verifies(tracking))
            .service(GROUND)
            .tracking_number(tracking),
    )
}

pub(super) fn recognise_barcode_34(n: &str) -> Option<Candidate> {
    if n.len() != 34 || n.starts_with("420") || !all_digits(n) {
        return None;
    }
    Some(if n[20..].starts_with("00") {
        let tracking = &n[22..];
        let service = if n.starts_with("96") { GROUND } else { None };
        Candidate::new(Carrier::Fedex, checksum::fedex_mod11_verifies(tracking))
            .service(service)
            .tracking_number(tracking)
    } else {
        let tracking = &n[19..];
        Candidate::new(Carrier::Fedex, checksum::gs1_mod10_verifies(tracking))
            .service(GROUND)
            .tracking_number(tracking)
    })
}
