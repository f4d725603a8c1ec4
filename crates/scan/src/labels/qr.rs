//! The QR code of a package code, from rxing's QR encoder.

use rxing::qrcode::common::ErrorCorrectionLevel;
use rxing::qrcode::encoder::qrcode_encoder;

use super::LabelError;

/// Light modules required around a QR code on every side (ISO/IEC 18004).
pub const QUIET_ZONE_MODULES: usize = 4;

/// The modules of a QR code, without its quiet zone. Error correction level M (15%).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    size: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` (the package code) as a QR code, error correction level M.
    pub fn encode(text: &str) -> Result<QrMatrix, LabelError> {
        let code = qrcode_encoder::encode(text, ErrorCorrectionLevel::M)
            .map_err(|e| LabelError::Qr(e.to_string()))?;
        let matrix = code
            .getMatrix()
            .as_ref()
            .ok_or_else(|| LabelError::Qr("the encoder returned no matrix".into()))?;
        let size = matrix.getWidth() as usize;
        let mut dark = Vec::with_capacity(size * size);
        for y in 0..size {
            for x in 0..size {
                dark.push(matrix.get(x as u32, y as u32) == 1);
            }
        }
        Ok(QrMatrix { size, dark })
    }

    /// Modules per side (21 for version 1, 25 for version 2, …).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Modules per side including the quiet zone on both sides.
    pub fn size_with_quiet_zone(&self) -> usize {
        self.size + 2 * QUIET_ZONE_MODULES
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// Runs of dark modules per row, as `(row, first column, length)`: what the renderers
    /// draw, one rectangle per run.
    pub fn dark_runs(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        (0..self.size).flat_map(move |y| {
            let row = &self.dark[y * self.size..(y + 1) * self.size];
            let mut runs = Vec::new();
            let mut x = 0;
            while x < row.len() {
                if row[x] {
                    let start = x;
                    while x < row.len() && row[x] {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
            runs
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_code_is_a_version_1_symbol_with_finder_patterns() {
        let qr = QrMatrix::encode("PKG-7K3Q9").unwrap();
        assert_eq!(qr.size(), 21);
        // The three finder patterns: dark 7×7 outlines in three corners.
        for (cx, cy) in [(0, 0), (14, 0), (0, 14)] {
            for i in 0..7 {
                assert!(qr.is_dark(cx + i, cy) && qr.is_dark(cx, cy + i));
                assert!(qr.is_dark(cx + 6, cy + i) && qr.is_dark(cx + i, cy + 6));
            }
            assert!(!qr.is_dark(cx + 1, cy + 1));
        }
        assert!(!qr.is_dark(21, 0));
    }

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let qr = QrMatrix::encode("PKG-7K3Q9").unwrap();
        let mut from_runs = vec![false; qr.size() * qr.size()];
        for (y, x, len) in qr.dark_runs() {
            for dx in 0..len {
                from_runs[y * qr.size() + x + dx] = true;
            }
        }
        for y in 0..qr.size() {
            for x in 0..qr.size() {
                assert_eq!(from_runs[y * qr.size() + x], qr.is_dark(x, y));
            }
        }
    }

    #[test]
    fn longer_codes_need_bigger_symbols() {
        let qr = QrMatrix::encode(&"A1-".repeat(10)).unwrap();
        assert!(qr.size() > 21);
    }
}
