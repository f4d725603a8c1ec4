//! The carriers, and which of their formats a normalised number matches.
//!
//! One module per carrier holds its formats. Formats that start with letters or a
//! distinctive prefix (`1Z`, `TBA`, S10, `C`/`D` + 14 digits, `1LS`, …) never collide.
//! Bare digit strings do; they are told apart by length and prefix, and where two
//! formats share a length, by check digit. The recognisers run in the order of
//! `RECOGNISERS`: the first match whose check digit verifies wins; if none verifies,
//! the first match wins (and is reported invalid). So the order is the precedence:
//!
//! | length | formats, in precedence order |
//! |---|---|
//! | 10 digits | DHL Express (mod 7) |
//! | 12 digits | FedEx (mod 11), then Purolator (Luhn) |
//! | 15 digits | FedEx Ground (GS1 mod 10) |
//! | 16 digits | Canada Post (GS1 mod 10) |
//! | 18 digits | SSCC (GS1 mod 10), carrier unknown |
//! | 20 digits | USPS (GS1 mod 10), then FedEx Ground Economy/SmartPost (GS1 mod 10 with `92` in front) |
//! | 22 digits | FedEx Ground if it starts `96`, else USPS IMpb (GS1 mod 10) |
//! | 26 digits | USPS IMpb (GS1 mod 10) |
//! | 30 digits | USPS, a `420` routing prefix whose tracking number did not parse (invalid) |
//! | 34 digits | the same for `420…`; otherwise the FedEx 34-digit barcode |
//!
//! Where two formats share a length, their check digits overlap:
//!
//! - A 12-digit number valid under both FedEx's and Purolator's check digits (about one
//!   in ten of either's numbers) is reported as FedEx; staff can change the carrier.
//!   For the same reason a mistyped number of one may read as a valid number of the
//!   other.
//! - The USPS and FedEx readings of 20 digits differ by exactly one in the check digit,
//!   so a USPS number whose check digit is one too high reads as a valid FedEx number
//!   (and a FedEx one whose check digit is one too low as a valid USPS number).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

mod amazon;
mod canada_post;
mod canpar;
mod dhl;
mod fedex;
mod lasership;
mod ontrac;
mod purolator;
mod s10;
mod sscc;
mod ups;
mod usps;

/// A parcel carrier whose tracking numbers are recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    Ups,
    Fedex,
    Usps,
    Dhl,
    Amazon,
    CanadaPost,
    Purolator,
    Ontrac,
    /// LaserShip merged with OnTrac and now trades as OnTrac; its numbers keep their
    /// own formats and are tracked on OnTrac's site.
    Lasership,
    Canpar,
}

impl Carrier {
    /// Every carrier, for a manual choice list.
    pub const ALL: [Carrier; 10] = [
        Carrier::Ups,
        Carrier::Fedex,
        Carrier::Usps,
        Carrier::Dhl,
        Carrier::Amazon,
        Carrier::CanadaPost,
        Carrier::Purolator,
        Carrier::Ontrac,
        Carrier::Lasership,
        Carrier::Canpar,
    ];

    /// The stable code (as serialised): `ups`, `fedex`, `canada_post`, …
    pub fn code(self) -> &'static str {
        match self {
            Carrier::Ups => "ups",
            Carrier::Fedex => "fedex",
            Carrier::Usps => "usps",
            Carrier::Dhl => "dhl",
            Carrier::Amazon => "amazon",
            Carrier::CanadaPost => "canada_post",
            Carrier::Purolator => "purolator",
            Carrier::Ontrac => "ontrac",
            Carrier::Lasership => "lasership",
            Carrier::Canpar => "canpar",
        }
    }

    /// The name to show staff.
    pub fn name(self) -> &'static str {
        match self {
            Carrier::Ups => "UPS",
            Carrier::Fedex => "FedEx",
            Carrier::Usps => "USPS",
            Carrier::Dhl => "DHL",
            Carrier::Amazon => "Amazon Logistics",
            Carrier::CanadaPost => "Canada Post",
            Carrier::Purolator => "Purolator",
            Carrier::Ontrac => "OnTrac",
            Carrier::Lasership => "OnTrac (LaserShip)",
            Carrier::Canpar => "Canpar",
        }
    }

    /// The carrier's public tracking page for `tracking_number` (which must be the
    /// normalised number: letters, digits and hyphens, nothing to escape).
    pub fn tracking_url(self, tracking_number: &str) -> String {
        let base = match self {
            Carrier::Ups => "https://www.ups.com/track?tracknum=",
            Carrier::Fedex => "https://www.fedex.com/fedextrack/?trknbr=",
            Carrier::Usps => "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
            Carrier::Dhl => {
                "https://www.dhl.com/global-en/home/tracking.html?submit=1&tracking-id="
            }
            Carrier::Amazon => "https://track.amazon.com/tracking/",
            Carrier::CanadaPost => {
                "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor="
            }
            Carrier::Purolator => "https://www.purolator.com/en/shipping/tracker?pin=",
            Carrier::Ontrac | Carrier::Lasership => "https://www.ontrac.com/tracking/?number=",
            Carrier::Canpar => "https://www.canpar.com/en/tracking/track.htm?barcode=",
        };
        format!("{base}{tracking_number}")
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A carrier code that is not one of [`Carrier::ALL`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCarrier(pub String);

impl fmt::Display for UnknownCarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown carrier code {:?}", self.0)
    }
}

impl std::error::Error for UnknownCarrier {}

impl FromStr for Carrier {
    type Err = UnknownCarrier;

    /// Parses a carrier code (`ups`, `canada_post`, …) as [`Carrier::code`] writes it.
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Carrier::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| UnknownCarrier(code.to_owned()))
    }
}

/// A format a normalised number matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// `None` for a known format that names no carrier (an SSCC, most S10 countries).
    pub carrier: Option<Carrier>,
    /// The tracking number inside the scanned one, when they differ (FedEx's 22- and
    /// 34-digit barcodes).
    pub tracking_number: Option<String>,
    pub service: Option<Cow<'static, str>>,
    /// The check digit verified, or the format has none.
    pub valid: bool,
}

impl Candidate {
    pub fn new(carrier: Carrier, valid: bool) -> Self {
        Candidate {
            carrier: Some(carrier),
            tracking_number: None,
            service: None,
            valid,
        }
    }

    pub fn service(mut self, service: Option<&'static str>) -> Self {
        self.service = service.map(Cow::Borrowed);
        self
    }

    pub fn tracking_number(mut self, number: &str) -> Self {
        self.tracking_number = Some(number.to_owned());
        self
    }
}

type Recogniser = fn(&str) -> Option<Candidate>;

/// Every format, in precedence order (see the module documentation).
const RECOGNISERS: &[Recogniser] = &[
    // Letters or a distinctive prefix: these never collide with each other.
    ups::recognise,
    amazon::recognise,
    s10::recognise,
    ontrac::recognise,
    lasership::recognise,
    canpar::recognise,
    purolator::recognise_alphanumeric,
    dhl::recognise_ecommerce,
    // Bare digits, by length; same-length formats in precedence order.
    dhl::recognise_express,
    fedex::recognise_12,
    purolator::recognise_numeric,
    fedex::recognise_ground_15,
    canada_post::recognise,
    sscc::recognise,
    usps::recognise_20,
    fedex::recognise_smartpost_20,
    fedex::recognise_ground_96,
    usps::recognise_impb,
    fedex::recognise_barcode_34,
];

/// The best format for a normalised, ASCII-only number.
pub(crate) fn recognise(number: &str) -> Option<Candidate> {
    let mut first = None;
    for recogniser in RECOGNISERS {
        if let Some(candidate) = recogniser(number) {
            if candidate.valid {
                return Some(candidate);
            }
            first.get_or_insert(candidate);
        }
    }
    first
}

/// Whether every byte is an ASCII digit (and there is at least one).
pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether every byte is an ASCII uppercase letter (and there is at least one).
pub(crate) fn all_letters(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for carrier in Carrier::ALL {
            assert_eq!(carrier.code().parse::<Carrier>(), Ok(carrier));
            let json = serde_json::to_string(&carrier).unwrap();
            assert_eq!(json, format!("\"{}\"", carrier.code()));
        }
        assert!("royal_mail".parse::<Carrier>().is_err());
    }
}
