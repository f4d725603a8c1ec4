//! Amazon Logistics: `TBA`, `TBC` or `TBM` + 12 digits. There is no check digit, so a
//! number of that shape is always reported valid.

use super::{Candidate, Carrier, all_digits};

pub(super) fn recognise(n: &str) -> Option<Candidate> {
    let (prefix, serial) = (n.get(..3)?, n.get(3..)?);
    (matches!(prefix, "TBA" | "TBC" | "TBM") && serial.len() == 12 && all_digits(serial))
        .then(|| Candidate::new(Carrier::Amazon, true))
}
