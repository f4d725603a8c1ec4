//! The on-screen preview: an 8-bit greyscale PNG at the printer's resolution.

use std::io::Cursor;

use ab_glyph::{Font, PxScale, point};
use image::{GrayImage, ImageFormat, Luma};

use super::font;
use super::layout::{Bar, Layout};
use super::{Dpi, LabelError};

const WHITE: u8 = 255;

impl Layout {
    /// The label as a PNG of `size.dots(dpi)` pixels: anti-aliased text, the QR code on
    /// whole pixels.
    pub fn to_png(&self, dpi: Dpi) -> Result<Vec<u8>, LabelError> {
        let image = self.to_image(dpi);
        let mut out = Cursor::new(Vec::with_capacity(16 * 1024));
        image.write_to(&mut out, ImageFormat::Png)?;
        Ok(out.into_inner())
    }

    /// The label as a greyscale image (0 black, 255 white) of `size.dots(dpi)` pixels.
    pub fn to_image(&self, dpi: Dpi) -> GrayImage {
        let (width, height) = self.size.dots(dpi);
        let k = dpi.dots_per_mm();
        let mut image = GrayImage::from_pixel(width, height, Luma([WHITE]));

        let font = font::font();
        let units_per_em = font::units_per_em();
        for text in &self.texts {
            let em_px = text.size_mm * k;
            // ab_glyph scales so that ascent − descent spans the PxScale.
            let scale = PxScale::from(em_px * font.height_unscaled() / units_per_em);
            let baseline = text.baseline_mm * k;
            let mut pen = text.x_mm * k;
            for c in text.text.chars() {
                let id = font::glyph(c);
                let glyph = id.with_scale_and_position(scale, point(pen, baseline));
                pen += font::advance_em(id) * em_px;
                let Some(outlined) = font.outline_glyph(glyph) else {
                    continue;
                };
                let bounds = outlined.px_bounds();
                outlined.draw(|gx, gy, coverage| {
                    let x = bounds.min.x as i64 + i64::from(gx);
                    let y = bounds.min.y as i64 + i64::from(gy);
                    if x < 0 || y < 0 || x >= i64::from(width) || y >= i64::from(height) {
                        return;
                    }
                    let pixel = image.get_pixel_mut(x as u32, y as u32);
                    let ink = (coverage.clamp(0.0, 1.0) * f32::from(WHITE)).round() as u8;
                    pixel.0[0] = pixel.0[0].min(WHITE - ink);
                });
            }
        }

        for bar in &self.bars {
            let (x, y, width, height) = bar_dots(bar, k);
            fill(&mut image, x, y, width, height);
        }

        // Whole pixels per module, so every module is crisp; the symbol keeps its
        // top-left corner where the layout put it.
        let qr = &self.qr;
        let module = ((qr.module_mm * k).floor() as u32).max(1);
        let (sx, sy) = qr.symbol_origin_mm();
        let (ox, oy) = ((sx * k).round() as u32, (sy * k).round() as u32);
        for (row, column, run) in qr.matrix.dark_runs() {
            fill(
                &mut image,
                ox + column as u32 * module,
                oy + row as u32 * module,
                run as u32 * module,
                module,
            );
        }
        image
    }
}

/// A bar in whole dots at `k` dots/mm: at least one dot each way.
pub(crate) fn bar_dots(bar: &Bar, k: f32) -> (u32, u32, u32, u32) {
    let x = (bar.x_mm * k).round().max(0.0) as u32;
    let y = (bar.y_mm * k).round().max(0.0) as u32;
    let width = ((bar.width_mm * k).round() as u32).max(1);
    let height = ((bar.height_mm * k).round() as u32).max(1);
    (x, y, width, height)
}

/// Paints a black rectangle, clipped to the image.
fn fill(image: &mut GrayImage, x: u32, y: u32, width: u32, height: u32) {
    let x_end = x.saturating_add(width).min(image.width());
    let y_end = y.saturating_add(height).min(image.height());
    for py in y..y_end {
        for px in x..x_end {
            image.put_pixel(px, py, Luma([0]));
        }
    }
}
