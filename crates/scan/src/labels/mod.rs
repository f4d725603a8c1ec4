//! Package labels: one layout, three formats.
//!
//! [`Layout::new`] places everything once, in millimetres: text is measured with the
//! bundled font (DejaVu Sans Condensed Bold) and shrunk, then truncated with `…`, until it
//! fits its slot. The PDF ([`Layout::to_pdf`]), the PNG preview ([`Layout::to_png`]) and
//! the ZPL for Zebra printers ([`Layout::to_zpl`]) are drawn from that layout, so they
//! show the same thing. [`render`] does both steps. [`print`] sends a label to a printer.
//!
//! See `docs/labels.md` for the layout, the ZPL commands used and printing setup.

mod font;
mod layout;
mod pdf;
mod png;
pub mod print;
mod qr;
mod zpl;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use layout::{Bar, Layout, MAX_QR_MODULE_MM, PlacedQr, PlacedText, TextRole};
pub use qr::QrMatrix;

/// What a label shows. Fields are printed as given (after Unicode NFC normalisation,
/// with control characters and runs of whitespace collapsed to one space); the desk
/// localises anything around them, such as a "Shelf" prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelData {
    /// The short human package code, also encoded, exactly, in the QR code. 1 to
    /// [`MAX_CODE_LEN`] ASCII letters, digits and hyphens. Printed whole: its line
    /// shrinks to fit but is never truncated.
    pub code: String,
    /// The resident's name.
    pub recipient: String,
    /// The unit (apartment) number.
    pub unit: String,
    /// The carrier's display name.
    pub carrier: String,
    /// When the package was received, preformatted in local time, e.g. "2026-11-22 14:05".
    pub received_at: String,
    /// Where the package is stored, if anywhere in particular.
    pub shelf: Option<String>,
}

/// The longest package code accepted, in characters.
pub const MAX_CODE_LEN: usize = 16;

/// Checks that a package code can be printed as text and in every format's QR field
/// without escaping: 1 to [`MAX_CODE_LEN`] ASCII letters, digits and hyphens.
pub fn validate_code(code: &str) -> Result<(), LabelError> {
    let invalid = |reason| {
        Err(LabelError::InvalidCode {
            code: code.chars().take(64).collect(),
            reason,
        })
    };
    if code.is_empty() {
        return invalid("it is empty");
    }
    if code.chars().count() > MAX_CODE_LEN {
        return invalid("it is longer than 16 characters");
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return invalid("only ASCII letters, digits and hyphens are allowed");
    }
    Ok(())
}

/// A label stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub enum LabelSize {
    /// DYMO 30334, 57 × 32 mm, landscape.
    #[serde(rename = "dymo-30334")]
    Dymo30334,
    /// 4 × 6 in (101.6 × 152.4 mm), portrait: the usual shipping label.
    #[serde(rename = "4x6")]
    FourBySix,
}

impl LabelSize {
    /// Every size, in a stable order.
    pub const ALL: [LabelSize; 2] = [LabelSize::Dymo30334, LabelSize::FourBySix];

    /// Width in millimetres.
    pub fn width_mm(self) -> f32 {
        match self {
            LabelSize::Dymo30334 => 57.0,
            LabelSize::FourBySix => 101.6,
        }
    }

    /// Height in millimetres.
    pub fn height_mm(self) -> f32 {
        match self {
            LabelSize::Dymo30334 => 32.0,
            LabelSize::FourBySix => 152.4,
        }
    }

    /// Width and height in printer dots (pixels) at `dpi`, rounded to the nearest dot:
    /// the ZPL `^PW`/`^LL` and the PNG's size.
    pub fn dots(self, dpi: Dpi) -> (u32, u32) {
        let k = dpi.dots_per_mm();
        (
            (self.width_mm() * k).round() as u32,
            (self.height_mm() * k).round() as u32,
        )
    }

    /// The name used on the command line and in settings: `dymo-30334` or `4x6`.
    pub fn name(self) -> &'static str {
        match self {
            LabelSize::Dymo30334 => "dymo-30334",
            LabelSize::FourBySix => "4x6",
        }
    }

    /// The CUPS `media` option for this size (a custom size, which CUPS matches to the
    /// driver's page size of the same dimensions).
    pub fn cups_media(self) -> &'static str {
        match self {
            LabelSize::Dymo30334 => "Custom.57x32mm",
            LabelSize::FourBySix => "Custom.4x6in",
        }
    }
}

impl fmt::Display for LabelSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LabelSize {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LabelSize::ALL
            .into_iter()
            .find(|size| size.name() == s)
            .ok_or_else(|| ParseError {
                what: "label size",
                value: s.to_owned(),
                expected: "dymo-30334 or 4x6",
            })
    }
}

/// A thermal printer's resolution. Stored in settings as the number (203 or 300).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub enum Dpi {
    /// 203 dpi (8 dots/mm).
    D203,
    /// 300 dpi (12 dots/mm).
    D300,
}

impl Dpi {
    /// Dots per inch.
    pub fn value(self) -> u16 {
        match self {
            Dpi::D203 => 203,
            Dpi::D300 => 300,
        }
    }

    /// Dots per millimetre (203 dpi is 7.99).
    pub fn dots_per_mm(self) -> f32 {
        f32::from(self.value()) / 25.4
    }
}

impl From<Dpi> for u16 {
    fn from(dpi: Dpi) -> u16 {
        dpi.value()
    }
}

impl TryFrom<u16> for Dpi {
    type Error = ParseError;

    fn try_from(value: u16) -> Result<Self, Self::Error> {
        match value {
            203 => Ok(Dpi::D203),
            300 => Ok(Dpi::D300),
            other => Err(ParseError {
                what: "dpi",
                value: other.to_string(),
                expected: "203 or 300",
            }),
        }
    }
}

impl fmt::Display for Dpi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value())
    }
}

impl FromStr for Dpi {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseError {
            what: "dpi",
            value: s.to_owned(),
            expected: "203 or 300",
        };
        s.parse::<u16>().map_err(|_| bad())?.try_into()
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelFormat {
    /// One page at exactly the label size, the font embedded (subset).
    Pdf,
    /// 8-bit greyscale at the printer's resolution, for the on-screen preview.
    Png,
    /// ZPL II for Zebra printers.
    Zpl,
}

impl LabelFormat {
    /// Every format, in a stable order.
    pub const ALL: [LabelFormat; 3] = [LabelFormat::Pdf, LabelFormat::Png, LabelFormat::Zpl];

    /// `pdf`, `png` or `zpl`.
    pub fn name(self) -> &'static str {
        match self {
            LabelFormat::Pdf => "pdf",
            LabelFormat::Png => "png",
            LabelFormat::Zpl => "zpl",
        }
    }
}

impl fmt::Display for LabelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LabelFormat {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LabelFormat::ALL
            .into_iter()
            .find(|format| format.name() == s)
            .ok_or_else(|| ParseError {
                what: "label format",
                value: s.to_owned(),
                expected: "pdf, png or zpl",
            })
    }
}

/// Lays out and renders a label. `dpi` is the resolution of PNG and ZPL output; a PDF is
/// resolution-independent and ignores it.
pub fn render(
    data: &LabelData,
    size: LabelSize,
    format: LabelFormat,
    dpi: Dpi,
) -> Result<Vec<u8>, LabelError> {
    let layout = Layout::new(data, size)?;
    match format {
        LabelFormat::Pdf => layout.to_pdf(),
        LabelFormat::Png => layout.to_png(dpi),
        LabelFormat::Zpl => Ok(layout.to_zpl(dpi).into_bytes()),
    }
}

/// Why a label could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    /// The package code is not one the label can carry.
    #[error("package code {code:?} is not valid: {reason}")]
    InvalidCode { code: String, reason: &'static str },
    /// The QR encoder refused the code.
    #[error("could not encode the package code as a QR code: {0}")]
    Qr(String),
    /// The font could not be subset for embedding in the PDF.
    #[error("could not embed the label font in the PDF: {0}")]
    Font(String),
    /// The PNG encoder failed.
    #[error("could not encode the PNG: {0}")]
    Png(#[from] image::ImageError),
}

/// A size, resolution or format name that is not one of the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}: expected {expected}")]
pub struct ParseError {
    what: &'static str,
    value: String,
    expected: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_dots_match_the_stock_at_each_resolution() {
        assert_eq!(LabelSize::FourBySix.dots(Dpi::D203), (812, 1218));
        assert_eq!(LabelSize::FourBySix.dots(Dpi::D300), (1200, 1800));
        assert_eq!(LabelSize::Dymo30334.dots(Dpi::D203), (456, 256));
        assert_eq!(LabelSize::Dymo30334.dots(Dpi::D300), (673, 378));
    }

    #[test]
    fn names_parse_back() {
        for size in LabelSize::ALL {
            assert_eq!(size.name().parse::<LabelSize>(), Ok(size));
        }
        for format in LabelFormat::ALL {
            assert_eq!(format.name().parse::<LabelFormat>(), Ok(format));
        }
        assert_eq!("300".parse::<Dpi>(), Ok(Dpi::D300));
        assert!("600".parse::<Dpi>().is_err());
        assert!("a4".parse::<LabelSize>().is_err());
        let error = "jpeg".parse::<LabelFormat>().unwrap_err().to_string();
        assert_eq!(
            error,
            r#"unknown label format "jpeg": expected pdf, png or zpl"#
        );
    }

    #[test]
    fn codes_outside_the_alphabet_are_refused() {
        assert!(validate_code("PKG-7K3Q9").is_ok());
        assert!(validate_code("abc123").is_ok());
        let too_long = "A".repeat(MAX_CODE_LEN + 1);
        for bad in ["", "PKG 1", "A^B", "A~B", "É1", "A_B", &too_long] {
            assert!(validate_code(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(validate_code(&"A".repeat(MAX_CODE_LEN)).is_ok());
        let message = validate_code(&too_long).unwrap_err().to_string();
        assert!(message.contains(&MAX_CODE_LEN.to_string()), "{message}");
    }
}
