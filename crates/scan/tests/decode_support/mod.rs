//! Generated webcam frames for the decode tests: codes from rxing's own encoders drawn
//! onto a 1280×720 canvas, and the image faults of a webcam written out by hand.

#![allow(dead_code)]

use std::io::Cursor;

use frontdesk_scan::decode::{Frame, Symbology};
use rxing::{BarcodeFormat, MultiFormatWriter, Writer};

pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 720;
pub const PAPER: f32 = 235.0;
pub const INK: f32 = 25.0;

pub const UPS: &str = "1Z12345E0205271686";
/// The UPS number with its check digit wrong.
pub const UPS_BAD_CHECK: &str = "1Z12345E0205271687";
pub const PACKAGE_CODE: &str = "7K3Q-9XTM";

/// A code's modules, without a quiet zone: `dark[y * width + x]`.
pub struct Modules {
    pub width: u32,
    pub height: u32,
    pub dark: Vec<bool>,
}

pub fn encode(symbology: Symbology, text: &str) -> Modules {
    let format = match symbology {
        Symbology::Code128 => BarcodeFormat::CODE_128,
        Symbology::Qr => BarcodeFormat::QR_CODE,
        Symbology::DataMatrix => BarcodeFormat::DATA_MATRIX,
        Symbology::Pdf417 => BarcodeFormat::PDF_417,
        Symbology::MaxiCode => panic!("rxing has no MaxiCode encoder"),
    };
    let matrix = MultiFormatWriter
        .encode(text, &format, 0, 0)
        .unwrap_or_else(|e| panic!("encoding {text:?} as {symbology:?}: {e}"));
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..matrix.height() {
        for x in 0..matrix.width() {
            if matrix.get(x, y) {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
    }
    // The encoders add quiet zones of their own choosing; keep only the symbol so that
    // the tests decide the module size and the margins.
    let (width, height) = (x1 - x0 + 1, y1 - y0 + 1);
    let dark = (0..height)
        .flat_map(|y| (0..width).map(move |x| (x, y)))
        .map(|(x, y)| matrix.get(x0 + x, y0 + y))
        .collect();
    Modules {
        width,
        height,
        dark,
    }
}

/// Where and how big a code is drawn.
#[derive(Clone, Copy)]
pub struct Placement {
    /// Centre of the symbol on the canvas.
    pub centre: (f32, f32),
    /// Pixels per module, across and down (a 1D code's height is in `module.1`
    /// per module row, and it has one row).
    pub module: (f32, f32),
    /// Counter-clockwise, in degrees.
    pub rotation_deg: f32,
}

/// A canvas of paper-grey pixels, as f32 for the transforms.
pub struct Canvas {
    pub pixels: Vec<f32>,
}

impl Canvas {
    pub fn blank() -> Canvas {
        Canvas {
            pixels: vec![PAPER; (WIDTH * HEIGHT) as usize],
        }
    }

    /// Draws `modules` with 4×4 supersampling, so non-integer module sizes and rotations
    /// give the grey edges a camera sees.
    pub fn draw(&mut self, modules: &Modules, at: Placement) {
        let (sin, cos) = at.rotation_deg.to_radians().sin_cos();
        let half_w = modules.width as f32 * at.module.0 / 2.0;
        let half_h = modules.height as f32 * at.module.1 / 2.0;
        let reach = (half_w.hypot(half_h) + 2.0) as i64;
        let (cx, cy) = at.centre;
        const SUB: usize = 4;
        for py in (cy as i64 - reach).max(0)..(cy as i64 + reach).min(HEIGHT as i64) {
            for px in (cx as i64 - reach).max(0)..(cx as i64 + reach).min(WIDTH as i64) {
                let mut dark = 0;
                for sy in 0..SUB {
                    for sx in 0..SUB {
                        let dx = px as f32 + (sx as f32 + 0.5) / SUB as f32 - cx;
                        let dy = py as f32 + (sy as f32 + 0.5) / SUB as f32 - cy;
                        // Into the symbol's own axes (inverse rotation).
                        let u = dx * cos - dy * sin + half_w;
                        let v = dx * sin + dy * cos + half_h;
                        if u < 0.0 || v < 0.0 {
                            continue;
                        }
                        let (mx, my) = ((u / at.module.0) as u32, (v / at.module.1) as u32);
                        if mx < modules.width
                            && my < modules.height
                            && modules.dark[(my * modules.width + mx) as usize]
                        {
                            dark += 1;
                        }
                    }
                }
                if dark > 0 {
                    let f = dark as f32 / (SUB * SUB) as f32;
                    let p = &mut self.pixels[py as usize * WIDTH as usize + px as usize];
                    *p = *p * (1.0 - f) + INK * f;
                }
            }
        }
    }

    /// Mean over a (2r+1)² box: an out-of-focus webcam.
    pub fn box_blur(&mut self, r: usize) {
        let (w, h) = (WIDTH as usize, HEIGHT as usize);
        let pass = |src: &[f32], horizontal: bool| -> Vec<f32> {
            let mut out = vec![0.0; src.len()];
            for y in 0..h {
                for x in 0..w {
                    let (mut sum, mut n) = (0.0, 0.0);
                    for d in -(r as i64)..=r as i64 {
                        let (sx, sy) = if horizontal {
                            (x as i64 + d, y as i64)
                        } else {
                            (x as i64, y as i64 + d)
                        };
                        if sx >= 0 && sy >= 0 && (sx as usize) < w && (sy as usize) < h {
                            sum += src[sy as usize * w + sx as usize];
                            n += 1.0;
                        }
                    }
                    out[y * w + x] = sum / n;
                }
            }
            out
        };
        let once = pass(&self.pixels, true);
        self.pixels = pass(&once, false);
    }

    /// Sensor noise: roughly gaussian (a sum of four uniforms), standard deviation `sigma`.
    pub fn noise(&mut self, sigma: f32, seed: u64) {
        let mut rng = Rng(seed | 1);
        for p in &mut self.pixels {
            // Four uniforms on [0, 1) have variance 4/12; scale to `sigma`.
            let sum: f32 = (0..4).map(|_| rng.unit()).sum::<f32>() - 2.0;
            *p += sum * sigma / (4.0f32 / 12.0).sqrt();
        }
    }

    /// Squeezes the range into `[low, high]`: a dim room, a glossy label.
    pub fn contrast(&mut self, low: f32, high: f32) {
        for p in &mut self.pixels {
            *p = low + (*p / 255.0) * (high - low);
        }
    }

    pub fn frame(&self) -> Frame {
        let luma = self
            .pixels
            .iter()
            .map(|p| p.round().clamp(0.0, 255.0) as u8)
            .collect();
        Frame::new(WIDTH, HEIGHT, luma).unwrap()
    }

    /// The frame after a JPEG round trip at `quality`, as from an MJPEG webcam.
    pub fn jpeg_frame(&self, quality: u8) -> Frame {
        let jpeg = jpeg_bytes(&self.frame(), quality);
        Frame::from_encoded(&jpeg, std::path::Path::new("frame.jpg")).unwrap()
    }
}

pub fn gray_image(frame: &Frame) -> image::GrayImage {
    image::GrayImage::from_raw(frame.width(), frame.height(), frame.luma().to_vec()).unwrap()
}

pub fn jpeg_bytes(frame: &Frame, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut out), quality)
        .encode_image(&gray_image(frame))
        .unwrap();
    out
}

pub fn png_bytes(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    gray_image(frame)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// xorshift64*: reproducible noise without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// A realistic placement of each symbology on a label held up to a 720p webcam.
pub fn realistic(symbology: Symbology, modules: &Modules) -> Placement {
    let module = match symbology {
        // ~190 modules of a UPS Code 128 over ~450 px, bars 100 px tall.
        Symbology::Code128 => (2.4, 100.0 / modules.height as f32),
        Symbology::Qr => (7.0, 7.0),
        Symbology::DataMatrix => (6.0, 6.0),
        // PDF417 rows are three modules tall.
        Symbology::Pdf417 => (2.5, 7.5),
        Symbology::MaxiCode => unreachable!(),
    };
    Placement {
        centre: (WIDTH as f32 / 2.0, HEIGHT as f32 / 2.0),
        module,
        rotation_deg: 0.0,
    }
}
