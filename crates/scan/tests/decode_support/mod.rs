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
    /// The label turned away from the camera, in degrees: about its vertical axis (the
    /// right edge further away when positive), then about its own horizontal axis (the
    /// bottom edge further away when positive). Seen through [`FOCAL_PX`].
    pub tilt_deg: (f32, f32),
}

/// The focal length of a 720p webcam with a ~70° horizontal field of view, in pixels:
/// how strongly a tilted label is foreshortened.
pub const FOCAL_PX: f32 = 900.0;

impl Placement {
    /// The homography from the symbol's plane (pixels from its centre, before tilt and
    /// rotation) to the canvas offset from `centre` before the in-plane rotation. The
    /// label's centre is at the focal distance, so an untilted symbol keeps its size.
    fn tilt_homography(&self) -> [[f32; 3]; 3] {
        let (sy, cy) = self.tilt_deg.0.to_radians().sin_cos();
        let (sx, cx) = self.tilt_deg.1.to_radians().sin_cos();
        // The plane's two axes after turning about the vertical axis, then the horizontal.
        let across = [cy, 0.0, sy];
        let down = [-sx * sy, cx, sx * cy];
        let f = FOCAL_PX;
        [
            [f * across[0], f * down[0], 0.0],
            [f * across[1], f * down[1], 0.0],
            [across[2], down[2], f],
        ]
    }

    fn extent(&self, modules: &Modules) -> (f32, f32) {
        (
            modules.width as f32 * self.module.0,
            modules.height as f32 * self.module.1,
        )
    }

    /// A point of the symbol's plane (pixels from its top-left corner, before tilt and
    /// rotation; may lie outside the symbol) on the canvas.
    pub fn to_canvas(self, modules: &Modules, (u, v): (f32, f32)) -> (f32, f32) {
        let (w, h) = self.extent(modules);
        let (u, v) = (u - w / 2.0, v - h / 2.0);
        let m = self.tilt_homography();
        let z = m[2][0] * u + m[2][1] * v + m[2][2];
        let a = (m[0][0] * u + m[0][1] * v) / z;
        let b = (m[1][0] * u + m[1][1] * v) / z;
        let (sin, cos) = self.rotation_deg.to_radians().sin_cos();
        (
            self.centre.0 + a * cos + b * sin,
            self.centre.1 - a * sin + b * cos,
        )
    }

    /// The inverse of [`Placement::to_canvas`]; `None` behind the camera's horizon.
    pub fn to_symbol(self, modules: &Modules, (x, y): (f32, f32)) -> Option<(f32, f32)> {
        let (sin, cos) = self.rotation_deg.to_radians().sin_cos();
        let (dx, dy) = (x - self.centre.0, y - self.centre.1);
        let (a, b) = (dx * cos - dy * sin, dx * sin + dy * cos);
        let inv = inverse(self.tilt_homography());
        let z = inv[2][0] * a + inv[2][1] * b + inv[2][2];
        if z <= 0.0 {
            return None;
        }
        let (w, h) = self.extent(modules);
        Some((
            (inv[0][0] * a + inv[0][1] * b + inv[0][2]) / z + w / 2.0,
            (inv[1][0] * a + inv[1][1] * b + inv[1][2]) / z + h / 2.0,
        ))
    }

    /// The symbol's corners on the canvas, grown by `margin` pixels of its own plane.
    pub fn corners(&self, modules: &Modules, margin: f32) -> [(f32, f32); 4] {
        let (w, h) = self.extent(modules);
        let (lo_u, lo_v, hi_u, hi_v) = (-margin, -margin, w + margin, h + margin);
        [(lo_u, lo_v), (hi_u, lo_v), (hi_u, hi_v), (lo_u, hi_v)].map(|p| self.to_canvas(modules, p))
    }

    /// How far from `centre` any point of the symbol lies on the canvas.
    pub fn reach(&self, modules: &Modules) -> f32 {
        self.corners(modules, 0.0)
            .iter()
            .map(|&(x, y)| (x - self.centre.0).hypot(y - self.centre.1))
            .fold(0.0, f32::max)
    }
}

fn inverse(m: [[f32; 3]; 3]) -> [[f32; 3]; 3] {
    let cofactor = |r: usize, c: usize| {
        let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
        let (c1, c2) = ((c + 1) % 3, (c + 2) % 3);
        m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]
    };
    let det = (0..3).map(|c| m[0][c] * cofactor(0, c)).sum::<f32>();
    let mut out = [[0.0; 3]; 3];
    for (r, row) in out.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            // The adjugate is the transposed cofactor matrix.
            *cell = cofactor(c, r) / det;
        }
    }
    out
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

    /// What a webcam pointed at a front desk sees when nobody holds up a label: uneven
    /// light, boxes and envelopes, the printed text of a slip without a code, and sensor
    /// noise. Seeded, so that a run is repeatable.
    pub fn scene(seed: u64) -> Canvas {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let (w, h) = (WIDTH as usize, HEIGHT as usize);
        let (top, bottom) = (90.0 + 60.0 * rng.unit(), 140.0 + 70.0 * rng.unit());
        let light_x = rng.unit() * WIDTH as f32;
        let mut pixels = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let base = top + (bottom - top) * y as f32 / h as f32;
                let falloff = 1.0 - 0.25 * ((x as f32 - light_x).abs() / WIDTH as f32);
                pixels.push(base * falloff);
            }
        }
        let mut canvas = Canvas { pixels };
        for _ in 0..3 + rng.next() % 4 {
            let (x, y) = (rng.unit() * WIDTH as f32, rng.unit() * HEIGHT as f32);
            let (bw, bh) = (80.0 + rng.unit() * 420.0, 60.0 + rng.unit() * 300.0);
            let shade = 60.0 + rng.unit() * 170.0;
            canvas.fill_rect(x, y, bw, bh, |_, _| shade);
        }
        // Rows of word-like blocks: the strokes of print, which a barcode finder must
        // not take for bars.
        let (sx, sy) = (rng.unit() * 700.0, rng.unit() * 400.0);
        canvas.fill_rect(sx, sy, 420.0, 260.0, |_, _| PAPER);
        let mut y = sy + 20.0;
        while y < sy + 240.0 {
            let mut x = sx + 20.0;
            while x < sx + 380.0 {
                let word = 15.0 + rng.unit() * 60.0;
                let glyph_seed = rng.next();
                canvas.fill_rect(x, y, word.min(sx + 400.0 - x), 12.0, move |gx, _| {
                    // Glyph stems about 2 px wide, 4 to 6 px apart.
                    let phase = (gx as u64).wrapping_add(glyph_seed) % 5;
                    if phase < 2 { INK } else { PAPER }
                });
                x += word + 8.0;
            }
            y += 22.0;
        }
        canvas.noise(3.0, seed ^ 0x5EED);
        canvas
    }

    /// Paints the axis-aligned rectangle at `(x, y)`, clipped to the canvas, with
    /// `shade(x, y)`.
    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, shade: impl Fn(usize, usize) -> f32) {
        let (x0, y0) = (x.max(0.0) as usize, y.max(0.0) as usize);
        let x1 = ((x + w).max(0.0) as usize).min(WIDTH as usize);
        let y1 = ((y + h).max(0.0) as usize).min(HEIGHT as usize);
        for py in y0..y1 {
            for px in x0..x1 {
                self.pixels[py * WIDTH as usize + px] = shade(px, py);
            }
        }
    }

    /// Draws `modules` with 4×4 supersampling, so non-integer module sizes, rotations
    /// and tilts give the grey edges a camera sees.
    pub fn draw(&mut self, modules: &Modules, at: Placement) {
        self.paint(modules, at, 0.0, INK, |u, v| {
            let (mx, my) = (u / at.module.0, v / at.module.1);
            mx >= 0.0
                && my >= 0.0
                && (mx as u32) < modules.width
                && (my as u32) < modules.height
                && modules.dark[(my as u32 * modules.width + mx as u32) as usize]
        });
    }

    /// The white label under a code: paper over the symbol and a quiet zone of `quiet`
    /// narrow modules around it.
    pub fn draw_label(&mut self, modules: &Modules, at: Placement, quiet: f32) {
        let margin = quiet * at.module.0.min(at.module.1);
        let (w, h) = at.extent(modules);
        self.paint(modules, at, margin, PAPER, |u, v| {
            u >= -margin && v >= -margin && u < w + margin && v < h + margin
        });
    }

    /// Blends `shade` into every pixel by the share of its 4×4 subsamples for which
    /// `covers(u, v)` holds, `(u, v)` being pixels of the symbol's plane from its
    /// top-left corner; the symbol and `margin` pixels around it are visited.
    fn paint(
        &mut self,
        modules: &Modules,
        at: Placement,
        margin: f32,
        shade: f32,
        covers: impl Fn(f32, f32) -> bool,
    ) {
        let corners = at.corners(modules, margin);
        let bound = |pick: fn(&(f32, f32)) -> f32, max: u32| {
            let values = corners.iter().map(pick);
            let lo = values.clone().fold(f32::INFINITY, f32::min);
            let hi = values.fold(f32::NEG_INFINITY, f32::max);
            (
                (lo - 2.0).max(0.0) as usize,
                ((hi + 2.0).max(0.0) as usize).min(max as usize),
            )
        };
        let (x0, x1) = bound(|p| p.0, WIDTH);
        let (y0, y1) = bound(|p| p.1, HEIGHT);
        const SUB: usize = 4;
        for py in y0..y1 {
            for px in x0..x1 {
                let mut hits = 0;
                for sy in 0..SUB {
                    for sx in 0..SUB {
                        let x = px as f32 + (sx as f32 + 0.5) / SUB as f32;
                        let y = py as f32 + (sy as f32 + 0.5) / SUB as f32;
                        if let Some((u, v)) = at.to_symbol(modules, (x, y))
                            && covers(u, v)
                        {
                            hits += 1;
                        }
                    }
                }
                if hits > 0 {
                    let f = hits as f32 / (SUB * SUB) as f32;
                    let p = &mut self.pixels[py * WIDTH as usize + px];
                    *p = *p * (1.0 - f) + shade * f;
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
        tilt_deg: (0.0, 0.0),
    }
}
