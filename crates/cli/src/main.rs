//! `frontdesk-cli`: the desk's logic from a terminal, for support staff and black-box
//! tests. Each subcommand calls the same library code the desk app does.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use frontdesk_carriers::identify;

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
        Command::Identify { numbers } => ignore_broken_pipe(identify_all(numbers)),
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

/// A reader that stops early (`| head`) is not an error.
fn ignore_broken_pipe(result: io::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing the identifications"),
    }
}
