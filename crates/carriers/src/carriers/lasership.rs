//! LaserShip, now part of OnTrac (numbers are tracked on OnTrac's site):
//!
//! - `1LS` + 10 to 20 letters or digits, optionally followed by a piece suffix `-N`
//!   (`1LS7…`, `1LSC…` labels);
//! - `LX` + 8 digits.
//!
//! No check digit is documented for either, so a number of that shape is valid.

use super::{Candidate, Carrier, all_digits};

pub(super) fn recognise(n: &str) -> Option<Candidate> {
    let shaped = if let Some(rest) = n.strip_prefix("1LS") {
        let body = match rest.split_once('-') {
            Some((body, piece)) if all_digits(piece) && piece.len() <= 3 => body,
            Some(_) => return None,
            None => rest,
        };
        (10..=20).contains(&body.len()) && body.bytes().all(|b| b.is_ascii_alphanumeric())
    } else if let Some(rest) = n.strip_prefix("LX") {
        rest.len() == 8 && all_digits(rest)
    } else {
        false
    };
    shaped.then(|| Candidate::new(Carrier::Lasership, true))
}
