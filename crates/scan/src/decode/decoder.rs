//! Decoding one frame with rxing, restricted to the symbologies on carrier labels.
//!
//! Passes, cheapest first, stopping at the first that finds a code: the aim box
//! (shrunk to `fast_max_width` if wider), Code 128 over the whole frame at full
//! resolution as it is and turned a quarter (a label held on its side), the 2D
//! symbologies over the whole frame shrunk, then with TRY_HARDER the aim box for all
//! but PDF417. Most live frames hold no code, so the cost of an empty frame is what matters
//! most; `decode-bench` measures it, and the decode rate, against ZXing-C++. The
//! thorough pass can be switched off with `thorough`.
//!
//! rxing has had panics and infinite loops on odd images. Every rxing call is under
//! `catch_unwind`, and a frame is decoded on its own worker thread that the caller
//! waits for only up to the time budget. A worker still running after the budget is
//! abandoned, not killed (Rust cannot kill a thread): it keeps its core until rxing
//! returns. So that stuck workers cannot pile up, the decoder refuses new frames while
//! `max_abandoned` of them are still running.

use std::borrow::Cow;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rxing::common::HybridBinarizer;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader};
use rxing::{RXingResult, RXingResultMetadataType, RXingResultMetadataValue, Reader};
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
    /// The aim box and whole-frame 2D passes shrink their image to at most this width
    /// (Code 128's whole-frame passes stay at full resolution).
    pub fast_max_width: u32,
    /// Run the TRY_HARDER pass when the fast ones find nothing.
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

#[derive(Debug, Clone, Copy)]
enum Region {
    AimBox,
    WholeFrame,
}

/// Which of the enabled symbologies a pass looks for.
#[derive(Debug, Clone, Copy)]
enum Kinds {
    All,
    /// Code 128.
    Linear,
    /// QR, DataMatrix, PDF417 and MaxiCode.
    TwoDimensional,
    AllButPdf417,
}

/// One rxing call over part of the frame.
#[derive(Debug, Clone, Copy)]
struct Pass {
    region: Region,
    /// Shrunk to at most `fast_max_width`.
    shrink: bool,
    /// Turned a quarter clockwise first.
    turned: bool,
    kinds: Kinds,
    try_harder: bool,
}

const FAST_PASSES: [Pass; 4] = [
    Pass {
        region: Region::AimBox,
        shrink: true,
        turned: false,
        kinds: Kinds::All,
        try_harder: false,
    },
    // Code 128 over the whole frame at full resolution: the 1D reader scans only a few
    // rows, so this costs about a millisecond, and a long code reaching past the aim box
    // has bars too thin to survive shrinking.
    Pass {
        region: Region::WholeFrame,
        shrink: false,
        turned: false,
        kinds: Kinds::Linear,
        try_harder: false,
    },
    // The same for a label held on its side: the 1D reader reads along rows only.
    Pass {
        region: Region::WholeFrame,
        shrink: false,
        turned: true,
        kinds: Kinds::Linear,
        try_harder: false,
    },
    Pass {
        region: Region::WholeFrame,
        shrink: true,
        turned: false,
        kinds: Kinds::TwoDimensional,
        try_harder: false,
    },
];

/// TRY_HARDER in the aim box, where a held-up code should be: it reads blurred Code 128
/// (every row is tried), QR under perspective, and small, dim or rotated DataMatrix (a
/// second detector) that the fast passes miss. Not for PDF417, which it read no better,
/// nor over the whole frame: there it cost several times the fast passes on every
/// empty frame and, in the benchmark, found nothing more.
const THOROUGH_PASSES: [Pass; 1] = [Pass {
    region: Region::AimBox,
    shrink: false,
    turned: false,
    kinds: Kinds::AllButPdf417,
    try_harder: true,
}];

/// The image a pass decodes, and how its points map back into the frame.
struct PassImage<'a> {
    image: Cow<'a, Frame>,
    origin: (u32, u32),
    scale: u32,
    /// The height of the region before it was turned, when it was.
    turned_from_height: Option<u32>,
}

impl PassImage<'_> {
    fn to_frame(&self, (x, y): (f32, f32)) -> (f32, f32) {
        let (x, y) = match self.turned_from_height {
            // Undoes the quarter turn of `quarter_turn`.
            Some(height) => (y, height as f32 - 1.0 - x),
            None => (x, y),
        };
        (
            self.origin.0 as f32 + x * self.scale as f32,
            self.origin.1 as f32 + y * self.scale as f32,
        )
    }
}

fn pass_image<'a>(frame: &'a Frame, pass: Pass, options: &DecodeOptions) -> Option<PassImage<'a>> {
    let (image, origin) = match pass.region {
        Region::WholeFrame => (Cow::Borrowed(frame), (0, 0)),
        Region::AimBox => {
            let (x, y, w, h) = options.aim_box.rect(frame.width(), frame.height());
            (Cow::Owned(frame.crop(x, y, w, h)?), (x, y))
        }
    };
    let factor = if pass.shrink {
        image.width().div_ceil(options.fast_max_width.max(1)).max(1)
    } else {
        1
    };
    let image = if factor == 1 {
        image
    } else {
        Cow::Owned(image.downscale(factor)?)
    };
    if pass.turned {
        return Some(PassImage {
            turned_from_height: Some(image.height()),
            image: Cow::Owned(quarter_turn(&image)?),
            origin,
            scale: factor,
        });
    }
    Some(PassImage {
        image,
        origin,
        scale: factor,
        turned_from_height: None,
    })
}

/// `frame` turned a quarter clockwise: its left column becomes the top row.
fn quarter_turn(frame: &Frame) -> Option<Frame> {
    let (width, height) = (frame.width() as usize, frame.height() as usize);
    let luma = frame.luma();
    let mut turned = vec![0; luma.len()];
    // Tile by tile, so that the writes down each column stay in cache.
    const TILE: usize = 32;
    for y0 in (0..height).step_by(TILE) {
        for x0 in (0..width).step_by(TILE) {
            for y in y0..(y0 + TILE).min(height) {
                let row = &luma[y * width..(y + 1) * width];
                for (x, &pixel) in row.iter().enumerate().take((x0 + TILE).min(width)).skip(x0) {
                    turned[x * height + (height - 1 - y)] = pixel;
                }
            }
        }
    }
    Frame::new(frame.height(), frame.width(), turned).ok()
}

fn decode_passes(frame: &Frame, options: &DecodeOptions) -> Vec<Read> {
    let linear: HashSet<BarcodeFormat> = [Symbology::Code128.format()].into();
    let two_dimensional: HashSet<BarcodeFormat> =
        [Symbology::Qr, Symbology::DataMatrix, Symbology::Pdf417]
            .into_iter()
            .chain(options.maxicode.then_some(Symbology::MaxiCode))
            .map(Symbology::format)
            .collect();
    let all: HashSet<BarcodeFormat> = linear.union(&two_dimensional).copied().collect();
    let mut all_but_pdf417 = all.clone();
    all_but_pdf417.remove(&Symbology::Pdf417.format());
    let thorough: &[Pass] = if options.thorough {
        &THOROUGH_PASSES
    } else {
        &[]
    };
    for &pass in FAST_PASSES.iter().chain(thorough) {
        let Some(image) = pass_image(frame, pass, options) else {
            continue;
        };
        let formats = match pass.kinds {
            Kinds::All => &all,
            Kinds::Linear => &linear,
            Kinds::TwoDimensional => &two_dimensional,
            Kinds::AllButPdf417 => &all_but_pdf417,
        };
        let hints = DecodeHints {
            PossibleFormats: Some(formats.clone()),
            TryHarder: Some(pass.try_harder),
            // GS1-128 keeps its `]C1` and its GS separators, which the carrier rules need
            // to unwrap an SSCC or an IMpb; other Code 128 text is unchanged.
            AssumeGs1: Some(true),
            ..DecodeHints::default()
        };
        if let Some(result) = guarded_decode(&image.image, &hints) {
            let Some(symbology) = Symbology::from_format(*result.getBarcodeFormat()) else {
                continue;
            };
            let turned = pdf417_turn(&result);
            let size = (image.image.width() as f32, image.image.height() as f32);
            let position = result
                .getPoints()
                .iter()
                .map(|p| image.to_frame(unturn((p.x, p.y), turned, size)))
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

/// rxing's PDF417 reader finds a turned code by turning its bit matrix counter-clockwise
/// by 90, 180 or 270 degrees, and reports the points in the turned matrix: by how much.
fn pdf417_turn(result: &RXingResult) -> i32 {
    if *result.getBarcodeFormat() != BarcodeFormat::PDF_417 {
        return 0;
    }
    match result
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::ORIENTATION)
    {
        Some(RXingResultMetadataValue::Orientation(degrees)) => degrees.rem_euclid(360),
        _ => 0,
    }
}

/// A point of the matrix turned by `degrees`, in the `width × height` image it came from.
fn unturn((x, y): (f32, f32), degrees: i32, (width, height): (f32, f32)) -> (f32, f32) {
    match degrees {
        90 => (width - 1.0 - y, x),
        180 => (width - 1.0 - x, height - 1.0 - y),
        270 => (y, height - 1.0 - x),
        _ => (x, y),
    }
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
    fn a_quarter_turn_and_its_points_map_back_into_the_frame() {
        // 3 wide, 2 high:  0 1 2
        //                  3 4 5
        let frame = Frame::new(3, 2, (0..6).collect()).unwrap();
        let turned = quarter_turn(&frame).unwrap();
        assert_eq!((turned.width(), turned.height()), (2, 3));
        assert_eq!(turned.luma(), &[3, 0, 4, 1, 5, 2]);
        let image = PassImage {
            image: Cow::Owned(turned.clone()),
            origin: (10, 20),
            scale: 1,
            turned_from_height: Some(frame.height()),
        };
        for ty in 0..turned.height() {
            for tx in 0..turned.width() {
                let (x, y) = image.to_frame((tx as f32, ty as f32));
                let (x, y) = (x as u32 - 10, y as u32 - 20);
                assert_eq!(
                    turned.luma()[(ty * turned.width() + tx) as usize],
                    frame.luma()[(y * frame.width() + x) as usize]
                );
            }
        }
        // Bigger than a tile, and not a multiple of one.
        let frame = Frame::new(70, 45, (0..70 * 45).map(|i| (i % 251) as u8).collect()).unwrap();
        let turned = quarter_turn(&frame).unwrap();
        assert_eq!(turned.luma()[0], frame.luma()[44 * 70]);
        assert_eq!(turned.luma()[44], frame.luma()[0]);
        assert_eq!(turned.luma()[45 * 70 - 1], frame.luma()[69]);
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
