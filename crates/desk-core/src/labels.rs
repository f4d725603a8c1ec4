//! Package labels at the desk: which printer and stock this desk uses, what a parcel's
//! label says, the on-screen preview and printing.
//!
//! Rendering and printing are `frontdesk_scan::labels` (one layout, PDF/PNG/ZPL); this
//! module only decides what goes on the label (from the parcel and the local
//! directory) and where it goes. A print failure is an error the desk shows with a
//! reprint: the parcel was already stored and queued before anything was printed.

use frontdesk_scan::labels::print::{PrinterConfig, Timeouts, print_label};
use frontdesk_scan::labels::{Dpi, LabelData, LabelSize, Layout};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::packages::PackageView;
use crate::scanning::carrier_name;

/// This desk's label printer and stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LabelSettings {
    pub printer: PrinterConfig,
    pub size: LabelSize,
    /// Print the label as soon as a parcel is registered.
    pub print_on_intake: bool,
}

impl Default for LabelSettings {
    fn default() -> Self {
        Self {
            printer: PrinterConfig::None,
            size: LabelSize::Dymo30334,
            print_on_intake: true,
        }
    }
}

impl LabelSettings {
    /// Checks what staff typed before it is kept, so a bad address is told at once
    /// rather than at the next intake.
    pub fn validate(self) -> DeskResult<Self> {
        let printer = match self.printer {
            PrinterConfig::Zpl { address, dpi } => {
                let address = address.trim().to_owned();
                frontdesk_scan::labels::print::parse_address(&address)
                    .map_err(|e| DeskError::new(DeskErrorCode::InvalidInput, e.to_string()))?;
                PrinterConfig::Zpl { address, dpi }
            }
            PrinterConfig::System { name } => PrinterConfig::System {
                name: name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
            },
            PrinterConfig::None => PrinterConfig::None,
        };
        Ok(Self { printer, ..self })
    }
}

pub(crate) fn print_error(e: impl std::fmt::Display) -> DeskError {
    DeskError::new(DeskErrorCode::PrintFailed, e.to_string())
}

/// When it was received, as printed: `YYYY-MM-DD HH:MM` at the desk's UTC offset.
pub fn label_time(at_ms: i64, utc_offset_minutes: i32) -> String {
    let offset =
        time::UtcOffset::from_whole_seconds(utc_offset_minutes.clamp(-18 * 60, 18 * 60) * 60)
            .unwrap_or(time::UtcOffset::UTC);
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// What the label of `view` shows. A parcel not yet assigned (bulk intake) prints its
/// code and carrier, with the recipient and unit left blank.
pub fn label_data(view: &PackageView, utc_offset_minutes: i32) -> LabelData {
    let p = &view.package;
    LabelData {
        code: p.code.clone(),
        recipient: view.recipient_name.clone().unwrap_or_default(),
        unit: view.unit_number.clone().unwrap_or_default(),
        carrier: p
            .carrier
            .as_deref()
            .map(|c| carrier_name(c).unwrap_or(c).to_owned())
            .unwrap_or_default(),
        received_at: label_time(p.received_at_ms, utc_offset_minutes),
        shelf: p.shelf.clone(),
    }
}

/// The preview's resolution: the printer's own for a Zebra, else 203 dpi (sharp enough
/// on screen, small to send).
fn preview_dpi(settings: &LabelSettings) -> Dpi {
    match settings.printer {
        PrinterConfig::Zpl { dpi, .. } => dpi,
        _ => Dpi::D203,
    }
}

/// The label as a PNG, as the printer would print it.
pub fn preview_png(data: &LabelData, settings: &LabelSettings) -> DeskResult<Vec<u8>> {
    Layout::new(data, settings.size)
        .and_then(|layout| layout.to_png(preview_dpi(settings)))
        .map_err(print_error)
}

/// Sends the label to this desk's printer.
pub async fn print(data: &LabelData, settings: &LabelSettings) -> DeskResult<()> {
    print_label(&settings.printer, data, settings.size, &Timeouts::default())
        .await
        .map_err(print_error)
}

/// A label that says it is a test, with a valid code so its QR code can be scanned back
/// at the pickup screen to check the scanner too.
pub fn test_label(now_ms: i64, utc_offset_minutes: i32) -> LabelData {
    LabelData {
        code: "TEST-0000".into(),
        recipient: "Frontdesk — test".into(),
        unit: "0000".into(),
        carrier: String::new(),
        received_at: label_time(now_ms, utc_offset_minutes),
        shelf: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_time_is_printed_at_the_desks_offset() {
        // 2026-11-22 19:05 UTC is 14:05 in Montréal (UTC−5 in November).
        let at = 1_795_374_300_000;
        assert_eq!(label_time(at, 0), "2026-11-22 19:05");
        assert_eq!(label_time(at, -300), "2026-11-22 14:05");
        assert_eq!(label_time(at, -20 * 60), label_time(at, -18 * 60));
    }

    #[test]
    fn a_bad_zebra_address_is_refused_when_saved() {
        let bad = LabelSettings {
            printer: PrinterConfig::Zpl {
                address: "printer:notaport".into(),
                dpi: Dpi::D203,
            },
            ..LabelSettings::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().code,
            DeskErrorCode::InvalidInput
        );
        let blank_name = LabelSettings {
            printer: PrinterConfig::System {
                name: Some("  ".into()),
            },
            ..LabelSettings::default()
        };
        assert_eq!(
            blank_name.validate().unwrap().printer,
            PrinterConfig::System { name: None }
        );
    }
}
