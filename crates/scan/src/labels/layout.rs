//! Where everything goes on a label, in millimetres from the top-left corner, computed
//! once and drawn by every format.

use super::font::{self, Fitted};
use super::qr::{QUIET_ZONE_MODULES, QrMatrix};
use super::{LabelData, LabelError, LabelSize, validate_code};

/// The largest QR module, in millimetres. ZPL's `^BQ` magnifies a module to at most 10
/// dots, which is 0.847 mm at 300 dpi; keeping every format within that makes the QR the
/// same size in all of them.
pub const MAX_QR_MODULE_MM: f32 = 0.84;

/// What a line of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextRole {
    Recipient,
    Unit,
    Carrier,
    Received,
    Shelf,
    Code,
}

/// A line of text, fitted to its slot.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedText {
    pub role: TextRole,
    /// The text as printed: cleaned, possibly truncated with `…`.
    pub text: String,
    /// Left edge of the text.
    pub x_mm: f32,
    /// Baseline.
    pub baseline_mm: f32,
    /// Em size (font size) in millimetres.
    pub size_mm: f32,
    /// Width of `text` at `size_mm` (sum of glyph advances).
    pub width_mm: f32,
    /// The slot's width: `width_mm` never exceeds it.
    pub max_width_mm: f32,
}

/// A filled rectangle: a rule across the label, or one side of the frame around the
/// shelf.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Left edge.
    pub x_mm: f32,
    /// Top edge.
    pub y_mm: f32,
    pub width_mm: f32,
    pub height_mm: f32,
}

/// The QR code and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedQr {
    /// Top-left corner of the quiet zone.
    pub x_mm: f32,
    pub y_mm: f32,
    /// Side of one module. Pixel formats round it down to whole dots.
    pub module_mm: f32,
    pub matrix: QrMatrix,
}

impl PlacedQr {
    /// Side of the symbol with its quiet zone.
    pub fn side_mm(&self) -> f32 {
        self.module_mm * self.matrix.size_with_quiet_zone() as f32
    }

    /// Top-left corner of the first module (inside the quiet zone).
    pub fn symbol_origin_mm(&self) -> (f32, f32) {
        let quiet = self.module_mm * QUIET_ZONE_MODULES as f32;
        (self.x_mm + quiet, self.y_mm + quiet)
    }
}

/// A label laid out: what every format draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub size: LabelSize,
    /// The package code, as encoded in the QR code.
    pub code: String,
    /// Non-empty lines only (an absent shelf or an empty field has none).
    pub texts: Vec<PlacedText>,
    pub bars: Vec<Bar>,
    pub qr: PlacedQr,
}

/// A text slot: where a field goes and how far it may shrink.
struct Slot {
    role: TextRole,
    x: f32,
    baseline: f32,
    nominal: f32,
    min: f32,
    max_width: f32,
}

/// Space between the shelf and its frame, and the frame's thickness.
const FRAME_PADDING_MM: f32 = 0.8;

impl Layout {
    /// Lays out `data` on a label of `size`. Fails only on a package code that
    /// [`validate_code`] refuses.
    pub fn new(data: &LabelData, size: LabelSize) -> Result<Layout, LabelError> {
        validate_code(&data.code)?;
        let matrix = QrMatrix::encode(&data.code)?;
        let modules = matrix.size_with_quiet_zone() as f32;
        let slot = |role, x, baseline, nominal, min, max_width| Slot {
            role,
            x,
            baseline,
            nominal,
            min,
            max_width,
        };
        let rule = |x_mm, y_mm, width_mm, height_mm| Bar {
            x_mm,
            y_mm,
            width_mm,
            height_mm,
        };

        // Millimetres from the top-left corner; baselines for text, top-left corners for
        // the rest. The shelf slot's width leaves room for its frame.
        let (slots, mut bars, qr, frame_thickness) = match size {
            LabelSize::Dymo30334 => {
                // 57 × 32 mm, landscape: name, unit and details on the left, the QR code
                // top right with the framed shelf under it, the package code bottom left.
                let (x, w) = (2.0, 34.5);
                let module = (19.0 / modules).min(MAX_QR_MODULE_MM);
                let qr = PlacedQr {
                    x_mm: 56.0 - module * modules,
                    y_mm: 1.0,
                    module_mm: module,
                    matrix,
                };
                let frame = 0.3;
                let inset = FRAME_PADDING_MM + frame;
                let slots = vec![
                    slot(TextRole::Recipient, x, 6.0, 4.8, 2.5, w),
                    slot(TextRole::Unit, x, 12.0, 5.4, 3.0, w),
                    slot(TextRole::Carrier, x, 17.3, 3.0, 2.0, w),
                    slot(TextRole::Received, x, 20.8, 3.0, 2.0, w),
                    slot(TextRole::Code, x, 29.8, 6.0, 3.0, w),
                    slot(
                        TextRole::Shelf,
                        39.0 + inset,
                        28.4,
                        4.4,
                        2.2,
                        16.0 - 2.0 * inset,
                    ),
                ];
                let bars = vec![rule(x, 13.6, w, 0.3)];
                (slots, bars, qr, frame)
            }
            LabelSize::FourBySix => {
                // 4 × 6 in, portrait: large name and unit, details, the framed shelf,
                // then the QR code with the package code beside it.
                let (x, w) = (6.0, 89.6);
                let module = (50.0 / modules).min(MAX_QR_MODULE_MM);
                let qr = PlacedQr {
                    x_mm: x - module * QUIET_ZONE_MODULES as f32,
                    y_mm: 118.0,
                    module_mm: module,
                    matrix,
                };
                let qr_side = module * modules;
                let code_x = qr.x_mm + qr_side + 1.0;
                let code_size = 14.0;
                // The code's capitals centred on the symbol.
                let code_baseline = qr.y_mm + qr_side / 2.0 + code_size * 0.36;
                let frame = 0.8;
                let inset = FRAME_PADDING_MM + frame;
                let slots = vec![
                    slot(TextRole::Recipient, x, 22.0, 12.0, 5.0, w),
                    slot(TextRole::Unit, x, 46.0, 20.0, 8.0, w),
                    slot(TextRole::Carrier, x, 66.0, 8.0, 4.5, w),
                    slot(TextRole::Received, x, 79.0, 8.0, 4.5, w),
                    slot(TextRole::Shelf, x + inset, 97.0, 11.0, 5.0, w - 2.0 * inset),
                    slot(
                        TextRole::Code,
                        code_x,
                        code_baseline,
                        code_size,
                        6.0,
                        x + w - code_x,
                    ),
                ];
                let bars = vec![rule(x, 52.0, w, 0.8), rule(x, 110.0, w, 0.8)];
                (slots, bars, qr, frame)
            }
        };

        let shelf = data.shelf.as_deref().unwrap_or("");
        let fields = [
            (TextRole::Recipient, data.recipient.as_str()),
            (TextRole::Unit, data.unit.as_str()),
            (TextRole::Carrier, data.carrier.as_str()),
            (TextRole::Received, data.received_at.as_str()),
            (TextRole::Shelf, shelf),
            (TextRole::Code, data.code.as_str()),
        ];
        let mut texts = Vec::with_capacity(slots.len());
        for slot in slots {
            let raw = fields
                .iter()
                .find(|(role, _)| *role == slot.role)
                .map_or("", |(_, text)| text);
            let cleaned = font::clean(raw);
            if cleaned.is_empty() {
                continue;
            }
            // The package code is printed whole, however small; other lines are cut.
            let Fitted {
                text,
                size_mm,
                width_mm,
            } = if slot.role == TextRole::Code {
                font::fit_whole(&cleaned, slot.nominal, slot.max_width)
            } else {
                font::fit(&cleaned, slot.nominal, slot.min, slot.max_width)
            };
            if text.is_empty() {
                continue;
            }
            let placed = PlacedText {
                role: slot.role,
                text,
                x_mm: slot.x,
                baseline_mm: slot.baseline,
                size_mm,
                width_mm,
                max_width_mm: slot.max_width,
            };
            if placed.role == TextRole::Shelf {
                bars.extend(frame_around(&placed, frame_thickness));
            }
            texts.push(placed);
        }

        Ok(Layout {
            size,
            code: data.code.clone(),
            texts,
            bars,
            qr,
        })
    }

    /// The line of a role, if the label has one.
    pub fn text(&self, role: TextRole) -> Option<&PlacedText> {
        self.texts.iter().find(|t| t.role == role)
    }
}

/// The four sides of a frame around a line of text: clear of its ascenders and
/// descenders by [`FRAME_PADDING_MM`].
fn frame_around(text: &PlacedText, thickness: f32) -> [Bar; 4] {
    let left = text.x_mm - FRAME_PADDING_MM - thickness;
    let right = text.x_mm + text.width_mm + FRAME_PADDING_MM;
    let top = text.baseline_mm - text.size_mm * font::ascent_em() - FRAME_PADDING_MM - thickness;
    let bottom = text.baseline_mm + text.size_mm * font::descent_em() + FRAME_PADDING_MM;
    let width = right + thickness - left;
    let height = bottom + thickness - top;
    [
        Bar {
            x_mm: left,
            y_mm: top,
            width_mm: width,
            height_mm: thickness,
        },
        Bar {
            x_mm: left,
            y_mm: bottom,
            width_mm: width,
            height_mm: thickness,
        },
        Bar {
            x_mm: left,
            y_mm: top,
            width_mm: thickness,
            height_mm: height,
        },
        Bar {
            x_mm: right,
            y_mm: top,
            width_mm: thickness,
            height_mm: height,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(recipient: &str, shelf: Option<&str>) -> LabelData {
        LabelData {
            code: "PKG-7K3Q9".into(),
            recipient: recipient.into(),
            unit: "1204".into(),
            carrier: "Purolator".into(),
            received_at: "2026-11-22 14:05".into(),
            shelf: shelf.map(str::to_owned),
        }
    }

    /// Top, bottom, left and right of a line's box (ascender to descender).
    fn extent(t: &PlacedText) -> (f32, f32, f32, f32) {
        (
            t.baseline_mm - t.size_mm * font::ascent_em(),
            t.baseline_mm + t.size_mm * font::descent_em(),
            t.x_mm,
            t.x_mm + t.width_mm,
        )
    }

    fn overlaps(a: (f32, f32, f32, f32), b: (f32, f32, f32, f32)) -> bool {
        a.0 < b.1 && b.0 < a.1 && a.2 < b.3 && b.2 < a.3
    }

    #[test]
    fn every_field_is_placed_inside_the_label_and_nothing_overlaps() {
        let long = "Marie-Ève-Geneviève Tremblay-Bélanger-Côté de la Montagne-Saint-Laurent";
        for size in LabelSize::ALL {
            for name in [
                "Hélène Bélanger-Côté",
                long,
                "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
            ] {
                for shelf in ["B3", "Étagère du fond, rangée B3, côté gauche"] {
                    let mut d = data(name, Some(shelf));
                    d.unit = long.into();
                    d.carrier = long.into();
                    let layout = Layout::new(&d, size).unwrap();
                    assert_eq!(layout.texts.len(), 6, "{size}: {:?}", layout.texts);
                    let qr = &layout.qr;
                    let mut boxes = vec![(
                        qr.y_mm,
                        qr.y_mm + qr.side_mm(),
                        qr.x_mm,
                        qr.x_mm + qr.side_mm(),
                    )];
                    for b in &layout.bars {
                        boxes.push((b.y_mm, b.y_mm + b.height_mm, b.x_mm, b.x_mm + b.width_mm));
                    }
                    for t in &layout.texts {
                        assert!(t.width_mm <= t.max_width_mm, "{t:?}");
                        boxes.push(extent(t));
                    }
                    for (i, a) in boxes.iter().enumerate() {
                        assert!(
                            a.0 >= 0.0
                                && a.1 <= size.height_mm()
                                && a.2 >= 0.0
                                && a.3 <= size.width_mm(),
                            "{size}: {a:?} leaves the label"
                        );
                        for (j, b) in boxes.iter().enumerate().skip(i + 1) {
                            // Boxes 1..=bars are bars: the frame's sides meet at its
                            // corners, which is fine.
                            let bars = 1..=layout.bars.len();
                            let both_bars = bars.contains(&i) && bars.contains(&j);
                            assert!(
                                both_bars || !overlaps(*a, *b),
                                "{size}: {a:?} overlaps {b:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_shelf_is_framed() {
        let layout = Layout::new(&data("Hélène", Some("B3")), LabelSize::Dymo30334).unwrap();
        let shelf = extent(layout.text(TextRole::Shelf).unwrap());
        // Four bars around it, beside the one rule.
        assert_eq!(layout.bars.len(), 5);
        let frame = &layout.bars[1..];
        let left = frame.iter().map(|b| b.x_mm).fold(f32::MAX, f32::min);
        let right = frame
            .iter()
            .map(|b| b.x_mm + b.width_mm)
            .fold(0.0, f32::max);
        let top = frame.iter().map(|b| b.y_mm).fold(f32::MAX, f32::min);
        let bottom = frame
            .iter()
            .map(|b| b.y_mm + b.height_mm)
            .fold(0.0, f32::max);
        assert!(left < shelf.2 && right > shelf.3 && top < shelf.0 && bottom > shelf.1);
        let without = Layout::new(&data("Hélène", None), LabelSize::Dymo30334).unwrap();
        assert_eq!(without.bars.len(), 1);
    }

    #[test]
    fn a_long_name_is_shrunk_then_truncated() {
        let long = "Marie-Ève-Geneviève Tremblay-Bélanger-Côté de la Montagne-Saint-Laurent";
        let layout = Layout::new(&data(long, None), LabelSize::Dymo30334).unwrap();
        let name = layout.text(TextRole::Recipient).unwrap();
        assert!(name.text.ends_with('…') && name.text.starts_with("Marie-Ève"));
        assert!(name.size_mm < 4.8);
        let short = Layout::new(&data("Li Na", None), LabelSize::Dymo30334).unwrap();
        assert_eq!(short.text(TextRole::Recipient).unwrap().size_mm, 4.8);
    }

    #[test]
    fn the_longest_widest_code_is_printed_whole_and_legible() {
        use super::super::MAX_CODE_LEN;
        // The widest character of the code alphabet, repeated to the longest code.
        let alphabet = ('A'..='Z').chain('a'..='z').chain('0'..='9').chain(['-']);
        let widest = alphabet
            .max_by(|a, b| {
                font::advance_em(font::glyph(*a)).total_cmp(&font::advance_em(font::glyph(*b)))
            })
            .unwrap();
        let code: String = std::iter::repeat_n(widest, MAX_CODE_LEN).collect();
        for size in LabelSize::ALL {
            let mut d = data("Hélène", None);
            d.code = code.clone();
            let layout = Layout::new(&d, size).unwrap();
            let line = layout.text(TextRole::Code).unwrap();
            assert_eq!(line.text, code, "{size}");
            assert!(
                line.width_mm <= line.max_width_mm + 1e-3,
                "{size}: {line:?}"
            );
            // About 6 pt: still readable on a thermal label.
            assert!(line.size_mm >= 2.0, "{size}: {line:?}");
        }
    }

    #[test]
    fn no_shelf_means_no_shelf_line() {
        let layout = Layout::new(&data("Hélène", None), LabelSize::FourBySix).unwrap();
        assert!(layout.text(TextRole::Shelf).is_none());
        let blank = Layout::new(&data("Hélène", Some("  ")), LabelSize::FourBySix).unwrap();
        assert!(blank.text(TextRole::Shelf).is_none());
    }

    #[test]
    fn the_qr_module_is_capped_for_zpl() {
        for size in LabelSize::ALL {
            let layout = Layout::new(&data("Hélène", None), size).unwrap();
            assert!(layout.qr.module_mm <= MAX_QR_MODULE_MM);
            assert!(layout.qr.module_mm >= 0.5, "{}", layout.qr.module_mm);
        }
    }

    #[test]
    fn an_invalid_code_is_refused() {
        let mut d = data("Hélène", None);
        d.code = "A^XZ".into();
        assert!(matches!(
            Layout::new(&d, LabelSize::FourBySix),
            Err(LabelError::InvalidCode { .. })
        ));
    }
}
