//! Decoding one frame with rxing, restricted to the symbologies on carrier labels.
//!
//! Passes, cheapest first, stopping at the first that finds a code: the aim box for
//! every symbology (shrunk to `fast_max_width` if wider), Code 128 over the whole frame
//! at full resolution as it is and turned a quarter (a label held on its side), QR and
//! DataMatrix over the whole frame shrunk, then Code 128 and DataMatrix with TRY_HARDER
//! in the aim box. Passes over the same image share its binarization. Most live frames hold no
//! code, so the cost of an empty frame is what matters most; `decode-bench` measures
//! it, and the decode rate, against ZXing-C++, and every choice of pass and reader here
//! was kept or dropped on its figures. The thorough pass can be switched off with
//! `thorough`.
//!
//! rxing has had panics and infinite loops on odd images. Every rxing call is under
//! `catch_unwind`, and a frame is decoded on its own worker thread that the caller
//! waits for only up to the time budget. A worker still running after the budget is
//! abandoned, not killed (Rust cannot kill a thread): it keeps its core until rxing
//! returns. So that stuck workers cannot pile up, the decoder refuses new frames while
//! `max_abandoned` of them are still running.

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rxing::common::HybridBinarizer;
use rxing::datamatrix::DataMatrixReader;
use rxing::maxicode::MaxiCodeReader;
use rxing::oned::{Code128Reader, OneDReader};
use rxing::pdf417::PDF417Reader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// QR, DataMatrix and MaxiCode.
    TwoDimensionalButPdf417,
    DataMatrix,
}

impl Kinds {
    /// The symbologies, in the order they are tried: the cheap 1D reader first.
    fn symbologies(self, maxicode: bool) -> Vec<Symbology> {
        let wanted: &[Symbology] = match self {
            Kinds::All => &[
                Symbology::Code128,
                Symbology::Qr,
                Symbology::DataMatrix,
                Symbology::Pdf417,
                Symbology::MaxiCode,
            ],
            Kinds::Linear => &[Symbology::Code128],
            Kinds::TwoDimensionalButPdf417 => {
                &[Symbology::Qr, Symbology::DataMatrix, Symbology::MaxiCode]
            }
            Kinds::DataMatrix => &[Symbology::DataMatrix],
        };
        wanted
            .iter()
            .copied()
            .filter(|s| maxicode || *s != Symbology::MaxiCode)
            .collect()
    }
}

/// One rxing call over part of the frame.
#[derive(Debug, Clone, Copy)]
struct Pass {
    region: Region,
    /// Shrunk to at most `fast_max_width`.
    shrink: bool,
    /// Turned a quarter clockwise first.
    turned: bool,
    /// Each run of this many rows averaged into one (1: every row kept).
    row_average: u32,
    kinds: Kinds,
    try_harder: bool,
}

const FAST_PASSES: [Pass; 4] = [
    Pass {
        region: Region::AimBox,
        shrink: true,
        turned: false,
        row_average: 1,
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
        row_average: 1,
        kinds: Kinds::Linear,
        try_harder: false,
    },
    // The same for a label held on its side: the 1D reader reads along rows only.
    Pass {
        region: Region::WholeFrame,
        shrink: false,
        turned: true,
        row_average: 1,
        kinds: Kinds::Linear,
        try_harder: false,
    },
    // The 2D codes over the whole frame, shrunk. Not PDF417: its detector looks for
    // the start and stop patterns in four orientations of the image, which made it the
    // dearest reader on an empty frame, and in the benchmark this pass read no PDF417
    // that the aim box pass did not. So a PDF417 is read in the aim box only.
    Pass {
        region: Region::WholeFrame,
        shrink: true,
        turned: false,
        row_average: 1,
        kinds: Kinds::TwoDimensionalButPdf417,
        try_harder: false,
    },
];

/// TRY_HARDER in the aim box, where a held-up code should be, for Code 128 and
/// DataMatrix.
///
/// Code 128 is then tried on every row, which reads blurred labels (the fast passes
/// look at 15 rows). The rows are first averaged four by four, which the upright bars
/// of a label survive (and its noise does not), so there are a quarter as many to try;
/// and upright only: rxing's TRY_HARDER would try every column too, doubling the cost,
/// and the fast passes read a label on its side.
///
/// DataMatrix gets a second detector, which reads the small, far, rotated or sideways
/// ones (a USPS label's) that the fast passes miss. In the benchmark QR read nothing
/// more with TRY_HARDER, nor did PDF417; over the whole frame it cost several times the
/// fast passes on every empty frame.
const THOROUGH_PASSES: [Pass; 2] = [
    Pass {
        region: Region::AimBox,
        shrink: false,
        turned: false,
        row_average: 4,
        kinds: Kinds::Linear,
        try_harder: true,
    },
    Pass {
        region: Region::AimBox,
        shrink: false,
        turned: false,
        row_average: 1,
        kinds: Kinds::DataMatrix,
        try_harder: true,
    },
];

/// The image a pass decodes, and how its points map back into the frame.
struct PassImage<'a> {
    image: Cow<'a, Frame>,
    origin: (u32, u32),
    scale: u32,
    /// Rows averaged into one, after the scale.
    row_average: u32,
    /// When it was turned: the region's height before, and the step of the columns it
    /// kept (see `quarter_turn`).
    turned: Option<(u32, u32)>,
}

impl PassImage<'_> {
    fn to_frame(&self, (x, y): (f32, f32)) -> (f32, f32) {
        let (x, y) = match self.turned {
            // Undoes the quarter turn of `quarter_turn`.
            Some((height, every)) => (y * every as f32, height as f32 - 1.0 - x),
            None => (x, y),
        };
        (
            self.origin.0 as f32 + x * self.scale as f32,
            self.origin.1 as f32 + y * (self.scale * self.row_average) as f32,
        )
    }
}

/// A turned pass keeps one column in this many. It is the Code 128 fast pass, whose
/// reader looks at 15 rows 1/32 of the height apart from the middle: over a 1280-pixel
/// region turned whole those are columns 640 ± 40·k, and over its 320 kept columns
/// they are rows 160 ± 10·k, the same columns. So it reads what a whole turn would, for
/// a quarter of the copying.
const TURNED_COLUMN_STEP: u32 = 4;

/// What a pass decodes: passes with the same one share its binarized image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ImageKey {
    region: Region,
    /// Shrunk by this factor (1: as it is).
    factor: u32,
    row_average: u32,
    turned: bool,
}

impl ImageKey {
    fn of(frame: &Frame, pass: Pass, options: &DecodeOptions) -> ImageKey {
        let width = match pass.region {
            Region::WholeFrame => frame.width(),
            Region::AimBox => options.aim_box.rect(frame.width(), frame.height()).2,
        };
        let factor = if pass.shrink {
            width.div_ceil(options.fast_max_width.max(1)).max(1)
        } else {
            1
        };
        ImageKey {
            region: pass.region,
            factor,
            row_average: pass.row_average.max(1),
            turned: pass.turned,
        }
    }
}

fn pass_image<'a>(
    frame: &'a Frame,
    key: ImageKey,
    options: &DecodeOptions,
) -> Option<PassImage<'a>> {
    let (image, origin) = match key.region {
        Region::WholeFrame => (Cow::Borrowed(frame), (0, 0)),
        Region::AimBox => {
            let (x, y, w, h) = options.aim_box.rect(frame.width(), frame.height());
            (Cow::Owned(frame.crop(x, y, w, h)?), (x, y))
        }
    };
    let image = if key.factor == 1 {
        image
    } else {
        Cow::Owned(image.downscale(key.factor)?)
    };
    let image = if key.row_average == 1 {
        image
    } else {
        Cow::Owned(image.average_rows(key.row_average)?)
    };
    if key.turned {
        return Some(PassImage {
            turned: Some((image.height(), TURNED_COLUMN_STEP)),
            image: Cow::Owned(quarter_turn(&image, TURNED_COLUMN_STEP)?),
            origin,
            scale: key.factor,
            row_average: key.row_average,
        });
    }
    Some(PassImage {
        image,
        origin,
        scale: key.factor,
        row_average: key.row_average,
        turned: None,
    })
}

/// `frame` turned a quarter clockwise (its left column becomes the top row), keeping
/// one column in `every`: row `r` of the result is column `r · every`.
fn quarter_turn(frame: &Frame, every: u32) -> Option<Frame> {
    let (width, height) = (frame.width() as usize, frame.height() as usize);
    let every = every.max(1) as usize;
    let rows = width.div_ceil(every);
    let luma = frame.luma();
    let mut turned = vec![0; rows * height];
    // A band of source rows at a time, so that the column reads stay in cache.
    const BAND: usize = 32;
    for y0 in (0..height).step_by(BAND) {
        for r in 0..rows {
            let column = r * every;
            let out = &mut turned[r * height..(r + 1) * height];
            for y in y0..(y0 + BAND).min(height) {
                out[height - 1 - y] = luma[y * width + column];
            }
        }
    }
    Frame::new(frame.height(), rows as u32, turned).ok()
}

type Bitmap = BinaryBitmap<HybridBinarizer<Luma8LuminanceSource>>;

/// A pass's image and its binarized form, kept for the frame's later passes over the
/// same image (the thorough pass looks at the aim box again).
struct Prepared<'a> {
    key: ImageKey,
    image: PassImage<'a>,
    bitmap: Bitmap,
}

fn decode_passes(frame: &Frame, options: &DecodeOptions) -> Vec<Read> {
    let thorough: &[Pass] = if options.thorough {
        &THOROUGH_PASSES
    } else {
        &[]
    };
    let mut prepared: Vec<Prepared<'_>> = Vec::new();
    for &pass in FAST_PASSES.iter().chain(thorough) {
        let key = ImageKey::of(frame, pass, options);
        let at = match prepared.iter().position(|p| p.key == key) {
            Some(at) => at,
            None => {
                let Some(image) = pass_image(frame, key, options) else {
                    continue;
                };
                let Some(source) = Luma8LuminanceSource::new(
                    image.image.luma().to_vec(),
                    image.image.width(),
                    image.image.height(),
                )
                .ok() else {
                    continue;
                };
                prepared.push(Prepared {
                    key,
                    image,
                    bitmap: BinaryBitmap::new(HybridBinarizer::new(source)),
                });
                prepared.len() - 1
            }
        };
        let hints = DecodeHints {
            TryHarder: Some(pass.try_harder),
            // GS1-128 keeps its `]C1` and its GS separators, which the carrier rules need
            // to unwrap an SSCC or an IMpb; other Code 128 text is unchanged.
            AssumeGs1: Some(true),
            ..DecodeHints::default()
        };
        let symbologies = pass.kinds.symbologies(options.maxicode);
        let Prepared { image, bitmap, .. } = &mut prepared[at];
        let found = match guarded_read(bitmap, &symbologies, &hints) {
            Guarded::Found(result) => result,
            Guarded::Nothing => continue,
            Guarded::Panicked => {
                tracing::warn!(
                    width = image.image.width(),
                    height = image.image.height(),
                    "rxing panicked on a frame"
                );
                // Whatever state the panic left the binarized image in is not reused.
                prepared.remove(at);
                continue;
            }
        };
        let Some(symbology) = Symbology::from_format(*found.getBarcodeFormat()) else {
            continue;
        };
        let turned = pdf417_turn(&found);
        let size = (image.image.width() as f32, image.image.height() as f32);
        let position = found
            .getPoints()
            .iter()
            .map(|p| image.to_frame(unturn((p.x, p.y), turned, size)))
            .collect();
        return vec![Read {
            symbology,
            text: found.getText().to_owned(),
            position,
        }];
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

enum Guarded {
    Found(RXingResult),
    Nothing,
    Panicked,
}

/// rxing's readers for `symbologies`, in order, on one binarized image, until one finds
/// a code; a panic inside rxing counts as nothing found.
///
/// For QR only the port of ZXing-C++'s reader runs. rxing's `MultiFormatReader` also
/// tries its port of ZXing's own after it, which on an empty frame costs as much again;
/// in `decode-bench` it read no code the first did not.
fn guarded_read(bitmap: &mut Bitmap, symbologies: &[Symbology], hints: &DecodeHints) -> Guarded {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        symbologies.iter().find_map(|symbology| {
            let read = match symbology {
                // The rows as they are, never the image turned (see THOROUGH_PASSES).
                Symbology::Code128 => Code128Reader._do_decode(bitmap, hints),
                Symbology::Qr => QrReader.decode_with_hints(bitmap, hints),
                Symbology::DataMatrix => DataMatrixReader.decode_with_hints(bitmap, hints),
                Symbology::Pdf417 => PDF417Reader.decode_with_hints(bitmap, hints),
                Symbology::MaxiCode => MaxiCodeReader::default().decode_with_hints(bitmap, hints),
            };
            read.ok()
        })
    }));
    match outcome {
        Ok(Some(result)) => Guarded::Found(result),
        Ok(None) => Guarded::Nothing,
        Err(_) => Guarded::Panicked,
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
        // Bigger than a band and not a multiple of one, odd widths for the steps.
        let big = Frame::new(70, 45, (0..70 * 45).map(|i| (i % 251) as u8).collect()).unwrap();
        for (frame, every) in [(&frame, 1), (&big, 1), (&big, 4), (&big, 3)] {
            let turned = quarter_turn(frame, every).unwrap();
            assert_eq!(
                (turned.width(), turned.height()),
                (frame.height(), frame.width().div_ceil(every))
            );
            let image = PassImage {
                image: Cow::Owned(turned.clone()),
                origin: (10, 20),
                scale: 1,
                row_average: 1,
                turned: Some((frame.height(), every)),
            };
            for ty in 0..turned.height() {
                for tx in 0..turned.width() {
                    let (x, y) = image.to_frame((tx as f32, ty as f32));
                    let (x, y) = (x as u32 - 10, y as u32 - 20);
                    assert_eq!(
                        turned.luma()[(ty * turned.width() + tx) as usize],
                        frame.luma()[(y * frame.width() + x) as usize],
                        "({tx}, {ty}) keeping every {every}"
                    );
                }
            }
        }
        assert_eq!(quarter_turn(&frame, 1).unwrap().luma(), &[3, 0, 4, 1, 5, 2]);
        assert_eq!(quarter_turn(&frame, 2).unwrap().luma(), &[3, 0, 5, 2]);
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
