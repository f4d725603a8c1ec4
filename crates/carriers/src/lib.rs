//! Tracking numbers: what a scanner sends, normalised, and which carrier it belongs to.
//!
//! Pure logic, no I/O: the desk, the CLI and (later) the server call the same two
//! functions, so the rules live in one place.
//!
//! - [`normalize()`] turns scanner output (whitespace, lowercase, AIM symbology
//!   identifiers, GS1 separators and application identifiers, the USPS IMpb `420` + ZIP
//!   routing prefix) into a tracking number. See [`normalize`](mod@normalize).
//! - [`identify`] normalises, then recognises the carrier and format, checks the check
//!   digit and builds the carrier's tracking link. See [`carriers`](mod@carriers) for the
//!   formats and the precedence between formats that share a length.
//! - [`checksum`] holds the check-digit algorithms.
//!
//! ```
//! use frontdesk_carriers::{Carrier, identify};
//!
//! let id = identify(" 1z12345e0205271686 ");
//! assert_eq!(id.tracking_number, "1Z12345E0205271686");
//! assert_eq!(id.carrier, Some(Carrier::Ups));
//! assert!(id.valid);
//! assert_eq!(id.service.as_deref(), Some("2nd Day Air"));
//! ```

pub mod carriers;
pub mod checksum;
pub mod normalize;

pub use carriers::{Carrier, UnknownCarrier};
pub use normalize::normalize;

use serde::{Deserialize, Serialize};

/// What a scanned or typed tracking number is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identification {
    /// Exactly what was given.
    pub input: String,
    /// The tracking number: [`normalize()`]d, and for FedEx's 22- and 34-digit barcodes the
    /// 12- or 15-digit number inside them. Empty when the input held nothing.
    pub tracking_number: String,
    /// The carrier, or `None` when no format matched, or the format names no carrier
    /// (an SSCC, an S10 item from a post other than USPS, Canada Post or Deutsche Post).
    pub carrier: Option<Carrier>,
    /// The service, where the number encodes it (UPS service codes, FedEx Ground, S10
    /// service indicators, …).
    pub service: Option<String>,
    /// The number matched a known format and its check digit verified. Formats without a
    /// check digit (Amazon, LaserShip, Canpar, Purolator's alphanumeric form, DHL
    /// eCommerce) are valid when their shape matches. A wrong check digit gives `false`
    /// with the best-matching carrier still set; the number is never "corrected".
    /// Unrecognised input is never valid.
    pub valid: bool,
    /// The carrier's public tracking page for this number.
    pub tracking_url: Option<String>,
}

/// Normalises `raw` and recognises its carrier, format and check digit. Never fails:
/// anything unrecognised (empty, random text, non-ASCII) gives `carrier: None`.
pub fn identify(raw: &str) -> Identification {
    let normalized = normalize(raw);
    // Every format is ASCII; the recognisers rely on that to slice by byte.
    let found = if normalized.is_ascii() {
        carriers::recognise(&normalized)
    } else {
        None
    };
    let Some(found) = found else {
        return Identification {
            input: raw.to_owned(),
            tracking_number: normalized,
            carrier: None,
            service: None,
            valid: false,
            tracking_url: None,
        };
    };
    let tracking_number = found.tracking_number.unwrap_or(normalized);
    Identification {
        input: raw.to_owned(),
        tracking_url: found.carrier.map(|c| c.tracking_url(&tracking_number)),
        tracking_number,
        carrier: found.carrier,
        service: found.service.map(|s| s.into_owned()),
        valid: found.valid,
    }
}
