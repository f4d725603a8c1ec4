//! ZPL II for Zebra printers.
//!
//! ```text
//! ^XA                      start of label
//! ^CI28                    field data is UTF-8
//! ^PW812 ^LL1218 ^LH0,0    print width, label length (dots), home at the corner
//! ^FT x,y ^A0N,h,h ^FH ^FD…^FS   text: baseline origin, scalable font 0, hex escapes
//! ^FO x,y ^GB w,h,t ^FS    a bar: a box whose border t fills it (t = min(w, h))
//! ^FO x,y ^BQN,2,m ^FDMA,CODE^FS  QR code, model 2, m dots per module, level M
//! ^PQ1 ^XZ                 one copy, end of label
//! ```
//!
//! Text fields carry `^FH`, and every `^`, `~` and `_` in them is written as `_5E`, `_7E`
//! and `_5F`, so a name cannot end the field or start a command. Package codes are
//! letters, digits and hyphens only ([`super::validate_code`]), so the QR field needs no
//! escaping.

use std::fmt::Write;

use super::Dpi;
use super::layout::Layout;
use super::png::bar_dots;
use super::qr::QUIET_ZONE_MODULES;

/// ZPL's largest `^BQ` magnification.
const MAX_MAGNIFICATION: u32 = 10;

impl Layout {
    /// The label as a ZPL II program for a printer of `dpi`.
    pub fn to_zpl(&self, dpi: Dpi) -> String {
        let k = dpi.dots_per_mm();
        let dots = |mm: f32| (mm * k).round().max(0.0) as u32;
        let (width, height) = self.size.dots(dpi);
        let mut zpl = String::with_capacity(1024);
        // Writing to a String cannot fail.
        let _ = writeln!(zpl, "^XA");
        let _ = writeln!(zpl, "^CI28");
        let _ = writeln!(zpl, "^PW{width}");
        let _ = writeln!(zpl, "^LL{height}");
        let _ = writeln!(zpl, "^LH0,0");
        for text in &self.texts {
            let h = dots(text.size_mm).max(1);
            let _ = writeln!(
                zpl,
                "^FT{},{}^A0N,{h},{h}^FH^FD{}^FS",
                dots(text.x_mm),
                dots(text.baseline_mm),
                escape_field(&text.text)
            );
        }
        for bar in &self.bars {
            // A box whose border is as thick as its smaller side is filled.
            let (x, y, width, height) = bar_dots(bar, k);
            let _ = writeln!(
                zpl,
                "^FO{x},{y}^GB{width},{height},{}^FS",
                width.min(height)
            );
        }
        let qr = &self.qr;
        let magnification = ((qr.module_mm * k).floor() as u32).clamp(1, MAX_MAGNIFICATION);
        // ^BQ draws no quiet zone: the symbol starts inside it.
        let quiet = qr.module_mm * QUIET_ZONE_MODULES as f32;
        let _ = writeln!(
            zpl,
            "^FO{},{}^BQN,2,{magnification}^FDMA,{}^FS",
            dots(qr.x_mm + quiet),
            dots(qr.y_mm + quiet),
            self.code
        );
        let _ = writeln!(zpl, "^PQ1");
        let _ = writeln!(zpl, "^XZ");
        zpl
    }
}

/// Field data for a `^FH` field: `^`, `~` and the hex indicator `_` as hex escapes.
/// Other characters, accents included, stay UTF-8 (`^CI28`); UTF-8 continuation bytes
/// never equal `^` or `~`.
pub(crate) fn escape_field(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '^' => out.push_str("_5E"),
            '~' => out.push_str("_7E"),
            '_' => out.push_str("_5F"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_characters_are_hex_escaped() {
        assert_eq!(escape_field("A^XZ~JA_b"), "A_5EXZ_7EJA_5Fb");
        assert_eq!(escape_field("Hélène Côté"), "Hélène Côté");
        assert_eq!(escape_field("a\u{1b}b"), "a b");
    }
}
