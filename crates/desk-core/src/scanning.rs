//! What a scan means at the desk, and how the desk tells a scanner from a person typing.
//!
//! A USB barcode scanner is a keyboard: it "types" the code in a burst and ends it with
//! Enter or Tab. The window tells a burst from typing with [`ScannerSettings`] (kept
//! here, so every desk of a building can be tuned the same way from Settings); what the
//! scanned text then *is* — a package code from one of our labels, or a carrier's
//! tracking number — is decided here by [`Store::lookup_scan`], with the carrier
//! recognition of `frontdesk_carriers`.

use frontdesk_carriers::{Carrier, identify};
use frontdesk_protocol::parse_package_code;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::instructions::Author;
use crate::packages::{PackageQuery, PackageView};
use crate::store::Store;

/// How the window recognises a keyboard-wedge scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScannerSettings {
    /// The longest pause between two keystrokes of one scan, in milliseconds.
    pub max_key_gap_ms: u32,
    /// The fewest characters a scan has (shorter bursts are typing).
    pub min_length: u32,
}

impl Default for ScannerSettings {
    /// Scanners send a character every 1–15 ms; the fastest typists rarely keep
    /// under 50 ms between keys for eight keys in a row.
    fn default() -> Self {
        Self {
            max_key_gap_ms: 40,
            min_length: 8,
        }
    }
}

impl ScannerSettings {
    pub const GAP_RANGE_MS: std::ops::RangeInclusive<u32> = 5..=200;
    pub const LENGTH_RANGE: std::ops::RangeInclusive<u32> = 4..=64;

    pub fn validate(self) -> DeskResult<Self> {
        if !Self::GAP_RANGE_MS.contains(&self.max_key_gap_ms) {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                format!(
                    "the pause between keys of a scan must be {} to {} ms",
                    Self::GAP_RANGE_MS.start(),
                    Self::GAP_RANGE_MS.end()
                ),
            ));
        }
        if !Self::LENGTH_RANGE.contains(&self.min_length) {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                format!(
                    "a scan must be at least {} to {} characters long",
                    Self::LENGTH_RANGE.start(),
                    Self::LENGTH_RANGE.end()
                ),
            ));
        }
        Ok(self)
    }
}

/// A carrier, for a manual choice list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CarrierOption {
    pub code: String,
    pub name: String,
}

/// Every carrier the desk recognises, in a stable order.
pub fn carrier_options() -> Vec<CarrierOption> {
    Carrier::ALL
        .into_iter()
        .map(|c| CarrierOption {
            code: c.code().to_owned(),
            name: c.name().to_owned(),
        })
        .collect()
}

/// The display name of a stored carrier code.
pub fn carrier_name(code: &str) -> Option<&'static str> {
    code.parse::<Carrier>().ok().map(Carrier::name)
}

/// A tracking number as the carrier recognition reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TrackingInfo {
    pub tracking_number: String,
    /// Carrier code, `None` when no format matched.
    pub carrier: Option<String>,
    pub carrier_name: Option<String>,
    pub service: Option<String>,
    /// The format matched and its check digit verified. A wrong check digit is shown,
    /// never corrected.
    pub valid: bool,
    pub tracking_url: Option<String>,
}

impl TrackingInfo {
    pub fn of(text: &str) -> Option<Self> {
        let id = identify(text);
        (!id.tracking_number.is_empty()).then(|| Self {
            carrier: id.carrier.map(|c| c.code().to_owned()),
            carrier_name: id.carrier.map(|c| c.name().to_owned()),
            tracking_number: id.tracking_number,
            service: id.service,
            valid: id.valid,
            tracking_url: id.tracking_url,
        })
    }
}

/// What a scanned or typed text is to the desk.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ScanLookup {
    pub input: String,
    /// The parcel whose label code this is (any status).
    pub package: Option<PackageView>,
    /// The text read as a tracking number; `None` when it is one of our package codes.
    pub tracking: Option<TrackingInfo>,
    /// Parcels still on the shelf with this tracking number: at intake a warning (taken
    /// in twice?), at pickup the parcels to hand over.
    pub on_shelf: Vec<PackageView>,
}

impl Store {
    /// Reads a scan: one of our label codes, or a carrier's tracking number (and the
    /// parcels on the shelf that have it). Queued writes are included.
    pub async fn lookup_scan(&self, text: &str, author: &Author<'_>) -> DeskResult<ScanLookup> {
        let input = text.to_owned();
        if let Some(code) = parse_package_code(text) {
            let found = self
                .packages(
                    &PackageQuery {
                        text: Some(code.clone()),
                        ..PackageQuery::default()
                    },
                    author,
                )
                .await?;
            return Ok(ScanLookup {
                input,
                package: found.into_iter().find(|v| v.package.code == code),
                tracking: None,
                on_shelf: Vec::new(),
            });
        }
        let Some(tracking) = TrackingInfo::of(text) else {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                "the scan is empty",
            ));
        };
        let on_shelf = self
            .packages(
                &PackageQuery {
                    on_shelf: true,
                    text: Some(tracking.tracking_number.clone()),
                    ..PackageQuery::default()
                },
                author,
            )
            .await?
            .into_iter()
            .filter(|v| v.package.tracking_number.as_ref() == Some(&tracking.tracking_number))
            .collect();
        Ok(ScanLookup {
            input,
            package: None,
            tracking: Some(tracking),
            on_shelf,
        })
    }
}
