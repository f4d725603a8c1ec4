//! Webcam decode speed and decode rate: our per-frame decode (`Pipeline::decode_frame`
//! with `DecodeOptions::default()`, the call the app makes on each camera frame) against
//! ZXing-C++ (`zxing-cpp` from PyPI, through `scripts/bench/zxing_decode.py`) on the same
//! generated 1280×720 PNG frames, in the same run. Prints one JSON document on stdout and a
//! summary on stderr. Run in release, on a quiet machine:
//!
//!   cargo run --release -p frontdesk-e2e --bin decode-bench
//!
//! Needs the venv of `scripts/setup.sh --for-tests` (`ensure_zxing_cpp`);
//! `FRONTDESK_ZXING_PYTHON` names another interpreter that can import zxingcpp. Sizes:
//! `--variants N` (4) frames per symbology and condition, `--empty N` (40) frames without a
//! code; `--keep 1` keeps the frames and prints where.
//!
//! One core: the process pins itself to one CPU before decoding, and the ZXing-C++ child
//! inherits the pin. Frames are decoded one after another; our decoder runs each on its
//! worker thread while the caller waits, so one thread decodes at a time. Only the decode
//! is timed, not reading the file. Frames/s for empty frames is the number of empty frames
//! over the sum of their decode times.
//!
//! A code counts as decoded only when a read's text is exactly the expected one; a frame
//! whose reads are all other texts is a misread. GS1-128 is expected as a scanner with AIM
//! identifiers sends it: `]C1`, then the data with GS (ASCII 29) for each inner FNC1.

#[path = "../../../crates/scan/tests/decode_support/mod.rs"]
mod frame_gen;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use frame_gen::{Canvas, Rng, encode, png_bytes, realistic};
use frontdesk_e2e::bench::{arg, percentile};
use frontdesk_scan::decode::{DecodeOptions, Frame, Pipeline, Symbology};
use serde_json::{Value, json};

const SEED: u64 = 0x00DE_C0DE;
/// What ZXing-C++ is asked to look for: the formats our decoder reads by default.
const FORMATS: &str = "code128,qr,datamatrix,pdf417";

/// The codes on carrier labels, GS1-128 apart from plain Code 128 because its text
/// carries structure (the `]C1` identifier, GS separators) that a decoder can lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Code128Ups,
    Gs1_128,
    Qr,
    DataMatrix,
    Pdf417,
}

const KINDS: [Kind; 5] = [
    Kind::Code128Ups,
    Kind::Gs1_128,
    Kind::Qr,
    Kind::DataMatrix,
    Kind::Pdf417,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Code128Ups => "code128_ups",
            Kind::Gs1_128 => "gs1_128",
            Kind::Qr => "qr",
            Kind::DataMatrix => "datamatrix",
            Kind::Pdf417 => "pdf417",
        }
    }

    fn symbology(self) -> Symbology {
        match self {
            Kind::Code128Ups | Kind::Gs1_128 => Symbology::Code128,
            Kind::Qr => Symbology::Qr,
            Kind::DataMatrix => Symbology::DataMatrix,
            Kind::Pdf417 => Symbology::Pdf417,
        }
    }

    /// Quiet zone on the label, in narrow modules.
    fn quiet(self) -> f32 {
        match self {
            Kind::Code128Ups | Kind::Gs1_128 => 10.0,
            Kind::Qr => 4.0,
            Kind::DataMatrix | Kind::Pdf417 => 2.0,
        }
    }

    /// What to encode (rxing's writers take `ñ` for FNC1) and the text expected back.
    fn content(self, rng: &mut Rng, variant: usize) -> anyhow::Result<(String, String)> {
        const FNC1: char = '\u{f1}';
        const GS: char = '\u{1d}';
        Ok(match self {
            Kind::Code128Ups => {
                let shipper: String = (0..6).map(|_| alphanumeric(rng)).collect();
                let payload = format!("{shipper}{:02}{}", 1 + rng.next() % 3, digits(rng, 7));
                let check = frontdesk_carriers::checksum::ups_mod10_check_digit(&payload)
                    .context("UPS check digit")?;
                let number = format!("1Z{payload}{check}");
                anyhow::ensure!(
                    frontdesk_carriers::identify(&number).valid,
                    "{number} is not a valid UPS number"
                );
                (number.clone(), number)
            }
            Kind::Gs1_128 if variant.is_multiple_of(2) => {
                // An SSCC: AI 00, extension digit, company prefix and serial, check digit.
                let payload = digits(rng, 17);
                let check = frontdesk_carriers::checksum::gs1_mod10_check_digit(&payload)
                    .context("SSCC check digit")?;
                (
                    format!("{FNC1}00{payload}{check}"),
                    format!("]C100{payload}{check}"),
                )
            }
            Kind::Gs1_128 => {
                // USPS IMpb: AI 420 with the ZIP, which is variable-length and so closed by
                // FNC1, then the 22-digit tracking number.
                let zip = digits(rng, 5);
                let payload = format!("9400{}", digits(rng, 17));
                let check = frontdesk_carriers::checksum::gs1_mod10_check_digit(&payload)
                    .context("IMpb check digit")?;
                (
                    format!("{FNC1}420{zip}{FNC1}{payload}{check}"),
                    format!("]C1420{zip}{GS}{payload}{check}"),
                )
            }
            Kind::Qr => {
                let code = frontdesk_protocol::packages::package_code_from_bits(rng.next());
                (code.clone(), code)
            }
            Kind::DataMatrix => {
                let payload = format!("9205{}", digits(rng, 17));
                let check = frontdesk_carriers::checksum::gs1_mod10_check_digit(&payload)
                    .context("USPS check digit")?;
                let number = format!("{payload}{check}");
                (number.clone(), number)
            }
            Kind::Pdf417 => {
                let text = format!(
                    "FDX {} {} {} UNIT {}{}",
                    digits(rng, 4),
                    digits(rng, 4),
                    digits(rng, 4),
                    1 + rng.next() % 30,
                    char::from(b'A' + (rng.next() % 6) as u8)
                );
                (text.clone(), text)
            }
        })
    }
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + (rng.next() % 10) as u8))
        .collect()
}

fn alphanumeric(rng: &mut Rng) -> char {
    const SET: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTVWXYZ";
    char::from(SET[(rng.next() % SET.len() as u64) as usize])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Condition {
    Clean,
    Blurred,
    Noisy,
    Rotated,
    Sideways,
    Perspective,
    LowContrast,
    Jpeg,
    Far,
}

const CONDITIONS: [Condition; 9] = [
    Condition::Clean,
    Condition::Blurred,
    Condition::Noisy,
    Condition::Rotated,
    Condition::Sideways,
    Condition::Perspective,
    Condition::LowContrast,
    Condition::Jpeg,
    Condition::Far,
];

impl Condition {
    fn name(self) -> &'static str {
        match self {
            Condition::Clean => "clean",
            Condition::Blurred => "blurred",
            Condition::Noisy => "noisy",
            Condition::Rotated => "rotated",
            Condition::Sideways => "sideways",
            Condition::Perspective => "perspective",
            Condition::LowContrast => "low_contrast",
            Condition::Jpeg => "jpeg_q60",
            Condition::Far => "far",
        }
    }

    /// What each condition does, for the report.
    fn description(self) -> &'static str {
        match self {
            Condition::Clean => "the label as drawn, sensor noise sigma 2",
            Condition::Blurred => "a 3x3 box blur applied twice (out of focus)",
            Condition::Noisy => "sensor noise sigma 14",
            Condition::Rotated => "rotated 10 to 20 degrees either way",
            Condition::Sideways => "held on its side: rotated 85 to 95 degrees either way",
            Condition::Perspective => {
                "turned 20 to 35 degrees about the vertical axis and up to 10 about the horizontal, seen through a 900 px focal length"
            }
            Condition::LowContrast => "the whole frame squeezed into grey levels 80..160",
            Condition::Jpeg => "a JPEG round trip at quality 60",
            Condition::Far => "modules 0.6 times the realistic size (held further away)",
        }
    }
}

/// One generated frame on disk and what it holds.
struct Sample {
    file: PathBuf,
    /// `None` for an empty frame.
    code: Option<(Kind, Condition, String)>,
}

/// The frame of `kind` under `condition`: a label with the code on a desk scene.
fn render(kind: Kind, condition: Condition, encoded: &str, rng: &mut Rng, seed: u64) -> Frame {
    let modules = encode(kind.symbology(), encoded);
    let mut at = realistic(kind.symbology(), &modules);
    // Held roughly centred, as the aim box asks.
    at.centre.0 += (rng.unit() - 0.5) * 160.0;
    at.centre.1 += (rng.unit() - 0.5) * 100.0;
    let sign = if rng.next().is_multiple_of(2) {
        1.0
    } else {
        -1.0
    };
    match condition {
        Condition::Rotated => at.rotation_deg = sign * (10.0 + 10.0 * rng.unit()),
        Condition::Sideways => at.rotation_deg = sign * (85.0 + 10.0 * rng.unit()),
        Condition::Perspective => {
            at.tilt_deg = (sign * (20.0 + 15.0 * rng.unit()), (rng.unit() - 0.5) * 20.0)
        }
        Condition::Far => at.module = (at.module.0 * 0.6, at.module.1 * 0.6),
        _ => {}
    }
    let mut canvas = Canvas::scene(seed);
    canvas.draw_label(&modules, at, kind.quiet());
    canvas.draw(&modules, at);
    canvas.noise(2.0, seed ^ 0xC0DE);
    match condition {
        Condition::Blurred => {
            canvas.box_blur(1);
            canvas.box_blur(1);
        }
        Condition::Noisy => canvas.noise(14.0, seed ^ 0x0015E),
        Condition::LowContrast => canvas.contrast(80.0, 160.0),
        _ => {}
    }
    match condition {
        Condition::Jpeg => canvas.jpeg_frame(60),
        _ => canvas.frame(),
    }
}

fn generate(dir: &Path, variants: usize, empty: usize) -> anyhow::Result<Vec<Sample>> {
    let mut rng = Rng(SEED);
    let mut samples = Vec::new();
    let mut seed = 0u64;
    for kind in KINDS {
        for condition in CONDITIONS {
            for variant in 0..variants {
                seed += 1;
                let (encoded, expected) = kind.content(&mut rng, variant)?;
                let frame = render(kind, condition, &encoded, &mut rng, seed);
                let file = dir.join(format!(
                    "{}-{}-{variant}.png",
                    kind.name(),
                    condition.name()
                ));
                std::fs::write(&file, png_bytes(&frame))?;
                samples.push(Sample {
                    file,
                    code: Some((kind, condition, expected)),
                });
            }
        }
    }
    for n in 0..empty {
        seed += 1;
        let canvas = Canvas::scene(seed);
        // A third of them through the JPEG of an MJPEG webcam.
        let frame = if n % 3 == 2 {
            canvas.jpeg_frame(60)
        } else {
            canvas.frame()
        };
        let file = dir.join(format!("empty-{n}.png"));
        std::fs::write(&file, png_bytes(&frame))?;
        samples.push(Sample { file, code: None });
    }
    Ok(samples)
}

/// One reader's result on one frame.
struct Outcome {
    ms: f64,
    /// `(symbology, text)` of each code found.
    codes: Vec<(String, String)>,
    /// Why the frame was not decoded (over budget), if it was not.
    error: Option<String>,
}

fn decode_ours(samples: &[Sample], options: DecodeOptions) -> anyhow::Result<Vec<Outcome>> {
    let pipeline = Pipeline::new(options);
    let frames = samples
        .iter()
        .map(|s| Frame::from_file(&s.file))
        .collect::<Result<Vec<_>, _>>()?;
    // Warm-up, untimed, as for ZXing-C++: one-off costs belong to no frame.
    if let Some(first) = frames.first() {
        let _ = pipeline.decode_frame(first);
    }
    Ok(frames
        .iter()
        .map(|frame| {
            let result = pipeline.decode_frame(frame);
            let ms = result.elapsed.as_secs_f64() * 1e3;
            match result.reads {
                Ok(reads) => Outcome {
                    ms,
                    codes: reads
                        .into_iter()
                        .map(|r| {
                            let symbology = serde_json::to_value(r.symbology)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default();
                            (symbology, r.text)
                        })
                        .collect(),
                    error: None,
                },
                Err(e) => Outcome {
                    ms,
                    codes: Vec::new(),
                    error: Some(e.to_string()),
                },
            }
        })
        .collect())
}

fn zxing_python() -> PathBuf {
    std::env::var_os("FRONTDESK_ZXING_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_default();
            Path::new(&home).join(".cache/frontdesk/zxing-venv/bin/python")
        })
}

/// ZXing-C++ on every sample, through the Python script; returns its self-description
/// and one outcome per sample, in order.
fn decode_zxing(samples: &[Sample]) -> anyhow::Result<(Value, Vec<Outcome>)> {
    let python = zxing_python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench/zxing_decode.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .arg(FORMATS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| {
            format!(
                "starting {} (install ZXing-C++ with scripts/setup.sh --for-tests, or set FRONTDESK_ZXING_PYTHON)",
                python.display()
            )
        })?;
    {
        // The script reads all paths before printing a frame, so this cannot deadlock.
        let mut stdin = child.stdin.take().context("the script's stdin")?;
        for sample in samples {
            writeln!(stdin, "{}", sample.file.display())?;
        }
    }
    let output = child.wait_with_output()?;
    anyhow::ensure!(
        output.status.success(),
        "{} {} failed: {}",
        python.display(),
        script.display(),
        output.status
    );
    let mut lines = std::str::from_utf8(&output.stdout)?.lines();
    let header: Value = serde_json::from_str(lines.next().context("no output from ZXing-C++")?)?;
    let mut outcomes = Vec::with_capacity(samples.len());
    for (line, sample) in lines.zip(samples) {
        let v: Value = serde_json::from_str(line)?;
        anyhow::ensure!(
            v["file"].as_str() == Some(&*sample.file.to_string_lossy()),
            "ZXing-C++ answered out of order: {line}"
        );
        let codes = v["codes"]
            .as_array()
            .context("codes")?
            .iter()
            .map(|c| {
                (
                    c["symbology"].as_str().unwrap_or_default().to_owned(),
                    c["text"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        outcomes.push(Outcome {
            ms: v["ms"].as_f64().context("ms")?,
            codes,
            error: None,
        });
    }
    anyhow::ensure!(
        outcomes.len() == samples.len(),
        "ZXing-C++ decoded {} of {} frames",
        outcomes.len(),
        samples.len()
    );
    Ok((header, outcomes))
}

#[derive(Default, Clone, Copy)]
struct Tally {
    frames: usize,
    decoded: usize,
    misread: usize,
}

impl Tally {
    fn rate(&self) -> f64 {
        self.decoded as f64 / self.frames.max(1) as f64
    }

    fn json(&self) -> Value {
        json!({
            "frames": self.frames,
            "decoded": self.decoded,
            "misread": self.misread,
            "rate": round(self.rate(), 3),
        })
    }
}

/// One reader's figures over all samples.
struct Scores {
    code_ms: Vec<f64>,
    empty_ms: Vec<f64>,
    all: Tally,
    by_kind: BTreeMap<Kind, Tally>,
    by_condition: BTreeMap<Condition, Tally>,
    by_cell: BTreeMap<(Kind, Condition), Tally>,
    false_positives: usize,
    not_decoded: usize,
    misreads: Vec<Value>,
}

fn score(samples: &[Sample], outcomes: &[Outcome]) -> Scores {
    let mut s = Scores {
        code_ms: Vec::new(),
        empty_ms: Vec::new(),
        all: Tally::default(),
        by_kind: BTreeMap::new(),
        by_condition: BTreeMap::new(),
        by_cell: BTreeMap::new(),
        false_positives: 0,
        not_decoded: 0,
        misreads: Vec::new(),
    };
    for (sample, outcome) in samples.iter().zip(outcomes) {
        if outcome.error.is_some() {
            s.not_decoded += 1;
        }
        let Some((kind, condition, expected)) = &sample.code else {
            s.empty_ms.push(outcome.ms);
            s.false_positives += usize::from(!outcome.codes.is_empty());
            continue;
        };
        s.code_ms.push(outcome.ms);
        let decoded = outcome.codes.iter().any(|(_, text)| text == expected);
        let misread = !decoded && !outcome.codes.is_empty();
        if misread && s.misreads.len() < 12 {
            s.misreads.push(json!({
                "frame": sample.file.file_name().map(|n| n.to_string_lossy().into_owned()),
                "expected": expected,
                "read": outcome.codes.iter().map(|(_, t)| t).collect::<Vec<_>>(),
            }));
        }
        for tally in [
            &mut s.all,
            s.by_kind.entry(*kind).or_default(),
            s.by_condition.entry(*condition).or_default(),
            s.by_cell.entry((*kind, *condition)).or_default(),
        ] {
            tally.frames += 1;
            tally.decoded += usize::from(decoded);
            tally.misread += usize::from(misread);
        }
    }
    s
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

impl Scores {
    fn median(samples: &[f64]) -> f64 {
        percentile(&mut samples.to_vec(), 0.5)
    }

    fn p90(samples: &[f64]) -> f64 {
        percentile(&mut samples.to_vec(), 0.9)
    }

    fn empty_fps(&self) -> f64 {
        self.empty_ms.len() as f64 / (self.empty_ms.iter().sum::<f64>() / 1e3)
    }

    fn json(&self, about: Value) -> Value {
        let by_kind: serde_json::Map<String, Value> = self
            .by_kind
            .iter()
            .map(|(k, t)| (k.name().to_owned(), t.json()))
            .collect();
        let by_condition: serde_json::Map<String, Value> = self
            .by_condition
            .iter()
            .map(|(c, t)| (c.name().to_owned(), t.json()))
            .collect();
        let by_cell: serde_json::Map<String, Value> = self
            .by_cell
            .iter()
            .map(|((k, c), t)| {
                (
                    format!("{}/{}", k.name(), c.name()),
                    json!(round(t.rate(), 3)),
                )
            })
            .collect();
        json!({
            "reader": about,
            "frames_with_code": {
                "median_ms": round(Self::median(&self.code_ms), 2),
                "p90_ms": round(Self::p90(&self.code_ms), 2),
            },
            "empty_frames": {
                "median_ms": round(Self::median(&self.empty_ms), 2),
                "p90_ms": round(Self::p90(&self.empty_ms), 2),
                "frames_per_second_one_core": round(self.empty_fps(), 1),
                "false_positives": self.false_positives,
            },
            "decode_rate": self.all.json(),
            "by_symbology": by_kind,
            "by_condition": by_condition,
            "rate_by_symbology_and_condition": by_cell,
            "frames_over_budget": self.not_decoded,
            "misreads": self.misreads,
        })
    }
}

/// Our rate minus theirs, per key.
fn rate_difference<K: Ord>(
    ours: &BTreeMap<K, Tally>,
    theirs: &BTreeMap<K, Tally>,
    name: impl Fn(&K) -> &'static str,
) -> serde_json::Map<String, Value> {
    ours.iter()
        .map(|(k, t)| {
            let other = theirs.get(k).map_or(0.0, Tally::rate);
            (name(k).to_owned(), json!(round(t.rate() - other, 3)))
        })
        .collect()
}

/// Pins this process to the last CPU it may run on; threads and children started later
/// inherit it. Returns that CPU, or `None` when the system refused.
fn pin_to_one_core() -> Option<usize> {
    use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
    use nix::unistd::Pid;
    let allowed = sched_getaffinity(Pid::from_raw(0)).ok()?;
    let cpu = (0..CpuSet::count())
        .rev()
        .find(|&c| allowed.is_set(c).unwrap_or(false))?;
    let mut one = CpuSet::new();
    one.set(cpu).ok()?;
    sched_setaffinity(Pid::from_raw(0), &one).ok()?;
    Some(cpu)
}

fn options_json(options: &DecodeOptions) -> Value {
    json!({
        "aim_box": [options.aim_box.width, options.aim_box.height],
        "fast_max_width": options.fast_max_width,
        "thorough": options.thorough,
        "maxicode": options.maxicode,
        "budget_ms": options.budget.as_millis() as u64,
    })
}

fn summary(name: &str, s: &Scores) {
    eprintln!(
        "{name:<24} with code: median {:>7.2} ms, p90 {:>7.2} ms | empty: median {:>7.2} ms, p90 {:>7.2} ms, {:>6.1} frames/s | decoded {}/{} ({:.1} %), misread {}, false positives {}",
        Scores::median(&s.code_ms),
        Scores::p90(&s.code_ms),
        Scores::median(&s.empty_ms),
        Scores::p90(&s.empty_ms),
        s.empty_fps(),
        s.all.decoded,
        s.all.frames,
        s.all.rate() * 100.0,
        s.all.misread,
        s.false_positives,
    );
}

/// Rates in percent, one row per symbology and one column per condition, for each reader.
fn rate_table(readers: &[(&str, &Scores)]) {
    eprint!("\n{:<14}", "decoded %");
    for c in CONDITIONS {
        eprint!("{:>13}", c.name());
    }
    eprintln!();
    for kind in KINDS {
        eprint!("{:<14}", kind.name());
        for c in CONDITIONS {
            let cell: Vec<String> = readers
                .iter()
                .map(|(_, s)| {
                    let rate = s.by_cell.get(&(kind, c)).map_or(0.0, Tally::rate);
                    format!("{:.0}", rate * 100.0)
                })
                .collect();
            eprint!("{:>13}", cell.join("/"));
        }
        eprintln!();
    }
    let names: Vec<&str> = readers.iter().map(|(n, _)| *n).collect();
    eprintln!("(cells: {})", names.join(" / "));
}

fn main() -> anyhow::Result<()> {
    let variants = arg("--variants", 4);
    let empty = arg("--empty", 40);
    let keep = arg("--keep", 0) == 1;
    let cores_online = std::thread::available_parallelism().map_or(0, |n| n.get());

    let dir = tempfile::tempdir()?;
    let started = std::time::Instant::now();
    let samples = generate(dir.path(), variants, empty)?;
    eprintln!(
        "{} frames generated in {:.1} s",
        samples.len(),
        started.elapsed().as_secs_f64()
    );

    let pinned = pin_to_one_core();
    let default_options = DecodeOptions::default();
    let fast_options = DecodeOptions {
        thorough: false,
        ..DecodeOptions::default()
    };
    let ours = score(&samples, &decode_ours(&samples, default_options.clone())?);
    let ours_fast = score(&samples, &decode_ours(&samples, fast_options.clone())?);
    let (zxing_about, zxing_outcomes) = decode_zxing(&samples)?;
    let zxing = score(&samples, &zxing_outcomes);

    let empty_goal_fps = 30.0;
    let report = json!({
        "frames": {
            "width": frame_gen::WIDTH,
            "height": frame_gen::HEIGHT,
            "with_code": samples.iter().filter(|s| s.code.is_some()).count(),
            "empty": empty,
            "variants_per_symbology_and_condition": variants,
            "seed": SEED,
            "conditions": CONDITIONS.iter().map(|c| (c.name().to_owned(), json!(c.description()))).collect::<serde_json::Map<_, _>>(),
            "empty_frames": "a desk scene (uneven light, boxes, a printed slip without a code, sensor noise); a third through JPEG q60",
        },
        "machine": {
            "cores_online": cores_online,
            "pinned_to_cpu": pinned,
            "how": "one process pinned to one CPU (ZXing-C++'s child inherits it); frames decoded one after another, one decoding thread at a time; only the decode is timed, after one untimed warm-up frame; frames/s = empty frames / sum of their decode times",
        },
        "ours": ours.json(json!({"decoder": "frontdesk-scan Pipeline::decode_frame (rxing)", "options": options_json(&default_options)})),
        "ours_without_thorough": ours_fast.json(json!({"decoder": "frontdesk-scan Pipeline::decode_frame (rxing)", "options": options_json(&fast_options)})),
        "zxing_cpp": zxing.json(zxing_about),
        "ours_vs_zxing_cpp": {
            "median_ms_ratio_frames_with_code": round(Scores::median(&ours.code_ms) / Scores::median(&zxing.code_ms), 3),
            "median_ms_ratio_empty_frames": round(Scores::median(&ours.empty_ms) / Scores::median(&zxing.empty_ms), 3),
            "rate_difference": round(ours.all.rate() - zxing.all.rate(), 3),
            "rate_difference_by_symbology": rate_difference(&ours.by_kind, &zxing.by_kind, |k| k.name()),
            "rate_difference_by_condition": rate_difference(&ours.by_condition, &zxing.by_condition, |c| c.name()),
        },
        "goals": {
            "empty_frames_at_least_30_per_second": ours.empty_fps() >= empty_goal_fps,
            "median_no_worse_than_zxing_cpp": Scores::median(&ours.code_ms) <= Scores::median(&zxing.code_ms)
                && Scores::median(&ours.empty_ms) <= Scores::median(&zxing.empty_ms),
            "rate_at_least_zxing_cpp": ours.all.rate() >= zxing.all.rate(),
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);

    eprintln!(
        "\n{} frames 1280x720 ({} with a code, {empty} empty), pinned to CPU {pinned:?} of {cores_online}",
        samples.len(),
        samples.len() - empty
    );
    summary("ours", &ours);
    summary("ours, thorough off", &ours_fast);
    summary("zxing-cpp", &zxing);
    rate_table(&[("ours", &ours), ("zxing-cpp", &zxing)]);
    if keep {
        let kept = dir.keep();
        eprintln!("frames kept in {}", kept.display());
    }
    Ok(())
}
