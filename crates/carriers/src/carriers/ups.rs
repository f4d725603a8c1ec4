//! UPS: `1Z` + 6-character shipper number + 2-character service code + 7-character
//! package number + 1 check digit (18 characters). Check: UPS mod 10 over the 15
//! characters after `1Z` ([`checksum::ups_mod10_verifies`]).

use super::{Candidate, Carrier};
use crate::checksum;

pub(super) fn recognise(n: &str) -> Option<Candidate> {
    let b = n.as_bytes();
    if b.len() != 18 || !n.starts_with("1Z") || !b[2..].iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let valid = checksum::ups_mod10_verifies(&n[2..]);
    Some(Candidate::new(Carrier::Ups, valid).service(service(&n[8..10])))
}

/// The service a 1Z number's service code stands for, for the codes whose meaning is
/// widely documented (US domestic and worldwide). Other codes give no service.
fn service(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "Next Day Air",
        "02" => "2nd Day Air",
        "03" => "Ground",
        "12" => "3 Day Select",
        "13" => "Next Day Air Saver",
        "15" => "Next Day Air Early",
        "42" => "Ground (signature required)",
        "44" => "Next Day Air (Saturday delivery)",
        "66" => "Worldwide Express",
        "72" => "Ground (collect on delivery)",
        "78" => "Ground (returns)",
        "90" => "Ground (returns)",
        _ => return None,
    })
}
