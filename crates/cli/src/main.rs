//! `frontdesk-cli`: the desk's logic from a terminal, for support staff and black-box
//! tests. Each subcommand calls the same library code the desk app does.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use frontdesk_carriers::identify;
use frontdesk_scan::decode::{DecodeOptions, Frame, Pipeline};
use frontdesk_scan::labels::{self, Dpi, LabelData, LabelFormat, LabelSize};
use time::OffsetDateTime;
use time::macros::format_description;

#[derive(Debug, Parser)]
#[command(
    name = "frontdesk-cli",
    version,
    about = "Frontdesk's parcel logic from a terminal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Recognise tracking numbers: carrier, check digit, tracking link.
    ///
    /// Prints one JSON object per number, one per line, with the fields input,
    /// tracking_number, carrier (null when unknown), service, valid and tracking_url.
    Identify {
        /// Tracking numbers, or raw scanner output. With none, numbers are read from
        /// standard input, one per line (blank lines are skipped).
        numbers: Vec<String>,
    },
    /// Render a package label to a file, exactly as the desk prints it.
    ///
    /// The label shows the recipient, unit, carrier, date received, shelf and the package
    /// code, with a QR code encoding the code. See docs/labels.md.
    Label {
        /// The package code, also encoded in the QR code: 1 to 16 ASCII letters, digits
        /// and hyphens.
        #[arg(long)]
        code: String,
        /// The resident's name.
        #[arg(long)]
        recipient: String,
        /// The unit number.
        #[arg(long)]
        unit: String,
        /// The carrier's name as printed.
        #[arg(long)]
        carrier: String,
        /// Where the package is stored.
        #[arg(long)]
        shelf: Option<String>,
        /// When the package was received, printed as given [default: now, local time,
        /// as "YYYY-MM-DD HH:MM"; with " UTC" added when the local offset is unknown].
        #[arg(long)]
        received: Option<String>,
        /// Output format.
        #[arg(long, value_parser = PossibleValuesParser::new(["pdf", "png", "zpl"]).try_map(|s| s.parse::<LabelFormat>()))]
        format: LabelFormat,
        /// Label stock: DYMO 30334 (57 × 32 mm) or 4 × 6 in.
        #[arg(long, value_parser = PossibleValuesParser::new(["dymo-30334", "4x6"]).try_map(|s| s.parse::<LabelSize>()))]
        size: LabelSize,
        /// Printer resolution of PNG and ZPL output (a PDF has none).
        #[arg(long, default_value = "203", value_parser = PossibleValuesParser::new(["203", "300"]).try_map(|s| s.parse::<Dpi>()))]
        dpi: Dpi,
        /// The file to write; `-` writes to standard output.
        #[arg(long)]
        out: PathBuf,
    },
    /// Find the barcodes in image files (PNG or JPEG), as the desk's webcam pipeline
    /// decodes one camera frame.
    ///
    /// Prints one JSON object per file, one per line, in order: {"file", "codes": [{
    /// "symbology", "text", "position": [[x, y], …]}], "ms"}, with "codes" empty when
    /// nothing is found and "ms" the decode time of the frame (reading the file
    /// excluded). A file that cannot be read or decoded in time gives {"file",
    /// "error"} instead; the other files are still decoded, and the exit status is
    /// then 1. See docs/scanner-formats.md.
    Decode {
        /// Image files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Decode { files } => {
            let mut failed = 0;
            ignore_broken_pipe(decode_all(&files, &mut failed), "writing the decodes")?;
            if failed > 0 {
                anyhow::bail!("{failed} of {} files could not be decoded", files.len());
            }
            Ok(())
        }
        Command::Identify { numbers } => {
            ignore_broken_pipe(identify_all(numbers), "writing the identifications")
        }
        Command::Label {
            code,
            recipient,
            unit,
            carrier,
            shelf,
            received,
            format,
            size,
            dpi,
            out,
        } => {
            let data = LabelData {
                code,
                recipient,
                unit,
                carrier,
                received_at: received.unwrap_or_else(now_local),
                shelf,
            };
            let bytes = labels::render(&data, size, format, dpi)?;
            if out.as_os_str() == "-" {
                ignore_broken_pipe(
                    io::stdout().lock().write_all(&bytes),
                    "writing the label to standard output",
                )
            } else {
                std::fs::write(&out, &bytes)
                    .with_context(|| format!("writing the label to {}", out.display()))
            }
        }
    }
}

/// The current time as "YYYY-MM-DD HH:MM", local when the OS says what local is, else
/// UTC marked as such.
fn now_local() -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]");
    let formatted = |t: OffsetDateTime| t.format(&format).unwrap_or_default();
    match OffsetDateTime::now_local() {
        Ok(now) => formatted(now),
        Err(_) => format!("{} UTC", formatted(OffsetDateTime::now_utc())),
    }
}

/// Prints the identification of each number, or of each stdin line when none is given.
fn identify_all(numbers: Vec<String>) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    if numbers.is_empty() {
        let mut stdin = io::stdin().lock();
        let mut line = Vec::new();
        loop {
            line.clear();
            if stdin.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            // A scanner's bytes are not always UTF-8; what is not comes out replaced.
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']);
            if !text.trim().is_empty() {
                print_identification(&mut out, text)?;
            }
        }
    } else {
        for number in &numbers {
            print_identification(&mut out, number)?;
        }
    }
    out.flush()
}

fn print_identification(out: &mut impl Write, raw: &str) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &identify(raw))?;
    out.write_all(b"\n")?;
    // One line per number as soon as it is known, for a pipe read line by line.
    out.flush()
}

/// Prints one line per file; counts the files that gave an error line in `failed`.
fn decode_all(files: &[PathBuf], failed: &mut usize) -> io::Result<()> {
    let pipeline = Pipeline::new(DecodeOptions::default());
    let mut out = BufWriter::new(io::stdout().lock());
    for file in files {
        let name = file.display().to_string();
        let line = match Frame::from_file(file) {
            Err(e) => Err(e.to_string()),
            Ok(frame) => {
                let result = pipeline.decode_frame(&frame);
                let ms = (result.elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
                result
                    .reads
                    .map(|codes| serde_json::json!({"file": name, "codes": codes, "ms": ms}))
                    .map_err(|e| e.to_string())
            }
        };
        let line = line.unwrap_or_else(|error| {
            *failed += 1;
            serde_json::json!({"file": name, "error": error})
        });
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(())
}

/// A reader that stops early (`| head`) is not an error.
fn ignore_broken_pipe(result: io::Result<()>, what: &'static str) -> anyhow::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context(what),
    }
}
