//! Canpar: one letter (`D` on most labels; `C`, `K`, `L`, `S`, `U`, `X` or `Z` also
//! occur) + 21 digits, 22 characters in all (`D` + account/shipment digits + a 3-digit
//! piece number). No check digit is published, so a number of that shape is valid.

use super::{Candidate, Carrier, all_digits};

pub(super) fn recognise(n: &str) -> Option<Candidate> {
    let b = n.as_bytes();
    (b.len() == 22 && b"CDKLSUXZ".contains(&b[0]) && all_digits(&n[1..]))
        .then(|| Candidate::new(Carrier::Canpar, true))
}
