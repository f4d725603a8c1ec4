//! Decoding one frame with rxing, restricted to the symbologies on carrier labels.
//!
//! Passes, cheapest first, stopping at the first that finds a code: the aim box
//! downscaled, the whole frame downscaled, the aim box at full resolution with
//! TRY_HARDER, the whole frame with TRY_HARDER. Most live frames hold no code, so
//! the cost of an empty frame is what matters most and the thorough passes are the
//! exception; they can be switched off for live frames with `thorough`.
//!
//! rxing has had panics and infinite loops on odd images. Every rxing call is under
//! `catch_unwind`, and a frame is decoded on its own worker thread that the caller
//! waits for only up to the time budget. A worker still running after the budget is
//! abandoned, not killed (Rust cannot kill a thread): it keeps its core until rxing
//! returns. So that stuck workers cannot pile up, the decoder refuses new frames while
//! `max_abandoned` of them are still running.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rxing::common::HybridBinarizer;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader};
use rxing::{RXingResult, Reader};
use serde::Serialize;

use super::frame::Frame;

/// The symbologies the desk reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Symbology {
    /// Code 128, including GS1-128.
    Code128,
    Qr,
    DataMatrix,
    Pdf417,
    MaxiCode,
}

impl Symbology {
    fn format(self) -> BarcodeFormat {
        match self {
            Symbology::Code128 => BarcodeFormat::CODE_128,
            Symbology::Qr => BarcodeFormat::QR_CODE,
            Symbology::DataMatrix => BarcodeFormat::DATA_MATRIX,
            Symbology::Pdf417 => BarcodeFormat::PDF_417,
            Symbology::MaxiCode => BarcodeFormat::MAXICODE,
        }
    }

    fn from_format(format: BarcodeFormat) -> Option<Symbology> {
        Some(match format {
            BarcodeFormat::CODE_128 => Symbology::Code128,
            BarcodeFormat::QR_CODE => Symbology::Qr,
            BarcodeFormat::DATA_MATRIX => Symbology::DataMatrix,
            BarcodeFormat::PDF_417 => Symbology::Pdf417,
            BarcodeFormat::MAXICODE => Symbology::MaxiCode,
            _ => return None,
        })
    }
}

/// A code found in a frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Read {
    pub symbology: Symbology,
    pub text: String,
    /// The points rxing located (finder patterns, bar ends), in full-frame pixels.
    pub position: Vec<(f32, f32)>,
}

/// The centre region tried first, as fractions of the frame's width and height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AimBox {
    pub width: f32,
    pub height: f32,
}

impl AimBox {
    /// The box's pixels in a `width × height` frame: `(x, y, w, h)`.
    pub fn rect(self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let w = ((width as f32 * self.width.clamp(0.0, 1.0)) as u32).clamp(1, width);
        let h = ((height as f32 * self.height.clamp(0.0, 1.0)) as u32).clamp(1, height);
        ((width - w) / 2, (height - h) / 2, w, h)
    }
}

#[derive(Debug, Clone)]
pub struct DecodeOptions {
    pub aim_box: AimBox,
    /// MaxiCode (UPS's 2D code) is off unless asked for: it costs time on every frame
    /// and the same label carries the tracking number in Code 128.
    pub maxicode: bool,
    /// The fast passes shrink their image to at most this width.
    pub fast_max_width: u32,
    /// Run the TRY_HARDER passes when the fast ones find nothing.
    pub thorough: bool,
    /// How long the caller waits for one frame's decode.
    pub budget: Duration,
    /// Abandoned workers still running beyond which new frames are refused.
    pub max_abandoned: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            aim_box: AimBox {
                width: 0.5,
                height: 0.6,
            },
            maxicode: false,
            fast_max_width: 640,
            thorough: true,
            budget: Duration::from_millis(1500),
            max_abandoned: 2,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("decoding gave up after {} ms", .budget.as_millis())]
    TimedOut { budget: Duration },
    #[error("{0} earlier decodes are still stuck; not starting another")]
    TooManyStuck(usize),
    #[error("could not start a decode worker: {0}")]
    Spawn(std::io::Error),
}

/// Decodes frames; cheap to clone (clones share the count of stuck workers).
#[derive(Debug, Clone)]
pub struct Decoder {
    options: Arc<DecodeOptions>,
    running_abandoned: Arc<AtomicUsize>,
}

impl Decoder {
    pub fn new(options: DecodeOptions) -> Decoder {
        Decoder {
            options: Arc::new(options),
            running_abandoned: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn options(&self) -> &DecodeOptions {
        &self.options
    }

    /// Abandoned workers that have not returned yet.
    pub fn stuck_workers(&self) -> usize {
        self.running_abandoned.load(Ordering::SeqCst)
    }

    /// The codes in `frame`, within the time budget.
    pub fn decode(&self, frame: &Frame) -> Result<Vec<Read>, DecodeError> {
        let stuck = self.stuck_workers();
        if stuck >= self.options.max_abandoned {
            return Err(DecodeError::TooManyStuck(stuck));
        }
        let (send, receive) = mpsc::sync_channel(1);
        let frame = frame.clone();
        let options = Arc::clone(&self.options);
        // Set by the caller when it stops waiting, so the worker knows to count itself
        // out of the stuck ones when it finally returns.
        let abandoned = Arc::new(AtomicUsize::new(0));
        let worker_abandoned = Arc::clone(&abandoned);
        let running_abandoned = Arc::clone(&self.running_abandoned);
        std::thread::Builder::new()
            .name("frame-decode".into())
            .spawn(move || {
                let reads = decode_passes(&frame, &options);
                // Whoever moves `abandoned` from 0 first decides: the worker (finished in
                // time) or the caller (gave up).
                if worker_abandoned
                    .compare_exchange(0, 2, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    running_abandoned.fetch_sub(1, Ordering::SeqCst);
                    tracing::warn!("an abandoned frame decode returned");
                }
                let _ = send.send(reads);
            })
            .map_err(DecodeError::Spawn)?;
        match receive.recv_timeout(self.options.budget) {
            Ok(reads) => Ok(reads),
            Err(_) => {
                if abandoned
                    .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    self.running_abandoned.fetch_add(1, Ordering::SeqCst);
                    tracing::warn!(
                        budget_ms = self.options.budget.as_millis() as u64,
                        "frame decode over budget; worker abandoned"
                    );
                    Err(DecodeError::TimedOut {
                        budget: self.options.budget,
                    })
                } else {
                    // It finished just as the budget ran out.
                    Ok(receive.recv().unwrap_or_default())
                }
            }
        }
    }
}

/// One region of the frame, possibly shrunk, and how to map its points back.
struct Pass {
    image: Frame,
    origin: (u32, u32),
    scale: u32,
    try_harder: bool,
}

fn decode_passes(frame: &Frame, options: &DecodeOptions) -> Vec<Read> {
    let formats: HashSet<BarcodeFormat> = [
        Symbology::Code128,
        Symbology::Qr,
        Symbology::DataMatrix,
        Symbology::Pdf417,
    ]
    .into_iter()
    .chain(options.maxicode.then_some(Symbology::MaxiCode))
    .map(Symbology::format)
    .collect();
    let (ax, ay, aw, ah) = options.aim_box.rect(frame.width(), frame.height());
    let aim = frame.crop(ax, ay, aw, ah);
    let shrink = |image: &Frame| {
        let factor = image.width().div_ceil(options.fast_max_width.max(1)).max(1);
        image.downscale(factor).map(|small| (small, factor))
    };
    let mut passes: Vec<Box<dyn Fn() -> Option<Pass>>> = Vec::new();
    passes.push(Box::new(|| {
        let aim = aim.as_ref()?;
        let (image, scale) = shrink(aim)?;
        Some(Pass {
            image,
            origin: (ax, ay),
            scale,
            try_harder: false,
        })
    }));
    passes.push(Box::new(|| {
        let (image, scale) = shrink(frame)?;
        Some(Pass {
            image,
            origin: (0, 0),
            scale,
            try_harder: false,
        })
    }));
    if options.thorough {
        passes.push(Box::new(|| {
            Some(Pass {
                image: aim.clone()?,
                origin: (ax, ay),
                scale: 1,
                try_harder: true,
            })
        }));
        passes.push(Box::new(|| {
            Some(Pass {
                image: frame.clone(),
                origin: (0, 0),
                scale: 1,
                try_harder: true,
            })
        }));
    }
    for pass in passes.iter().filter_map(|make| make()) {
        let hints = DecodeHints {
            PossibleFormats: Some(formats.clone()),
            TryHarder: Some(pass.try_harder),
            ..DecodeHints::default()
        };
        if let Some(result) = guarded_decode(&pass.image, &hints) {
            let Some(symbology) = Symbology::from_format(*result.getBarcodeFormat()) else {
                continue;
            };
            let position = result
                .getPoints()
                .iter()
                .map(|p| {
                    (
                        pass.origin.0 as f32 + p.x * pass.scale as f32,
                        pass.origin.1 as f32 + p.y * pass.scale as f32,
                    )
                })
                .collect();
            return vec![Read {
                symbology,
                text: result.getText().to_owned(),
                position,
            }];
        }
    }
    Vec::new()
}

/// One rxing call; a panic inside rxing is logged and counts as nothing found.
fn guarded_decode(image: &Frame, hints: &DecodeHints) -> Option<RXingResult> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let source =
            Luma8LuminanceSource::new(image.luma().to_vec(), image.width(), image.height()).ok()?;
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        MultiFormatReader::default()
            .decode_with_hints(&mut bitmap, hints)
            .ok()
    }));
    match outcome {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(
                width = image.width(),
                height = image.height(),
                "rxing panicked on a frame"
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aim_box_is_centred_and_inside_the_frame() {
        let aim = AimBox {
            width: 0.5,
            height: 0.6,
        };
        assert_eq!(aim.rect(1280, 720), (320, 144, 640, 432));
        assert_eq!(aim.rect(1, 1), (0, 0, 1, 1));
        let all = AimBox {
            width: 2.0,
            height: -1.0,
        };
        assert_eq!(all.rect(100, 50), (0, 24, 100, 1));
    }

    #[test]
    fn an_empty_frame_has_no_codes() {
        let frame = Frame::new(64, 48, vec![255; 64 * 48]).unwrap();
        assert_eq!(
            Decoder::new(DecodeOptions::default())
                .decode(&frame)
                .unwrap(),
            vec![]
        );
    }
}
