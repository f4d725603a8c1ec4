//! Label rendering benchmark: milliseconds per label for each format and size, the
//! whole job the desk does per print (layout, QR code, text fitting, encoding), with
//! baselines measured in the same run. Prints one JSON document. Run in release, on a
//! quiet machine:
//!
//!   cargo run --release -p frontdesk-cli --bin label-bench
//!
//! Each case renders `--rounds` (200) labels, cycling through a few realistic ones
//! (accented and long names, with and without a shelf), after 5 uncounted warm-up
//! labels; the figures are percentiles of the single-label times. The baselines: the
//! QR encoding of the code alone, and the layout alone (QR code plus text fitting,
//! no output format).

use std::hint::black_box;
use std::time::Instant;

use frontdesk_scan::labels::{Dpi, LabelData, LabelFormat, LabelSize, Layout, QrMatrix, render};
use serde_json::{Value, json};

fn labels() -> Vec<LabelData> {
    let label =
        |code: &str, recipient: &str, unit: &str, carrier: &str, shelf: Option<&str>| LabelData {
            code: code.into(),
            recipient: recipient.into(),
            unit: unit.into(),
            carrier: carrier.into(),
            received_at: "2026-11-22 14:05".into(),
            shelf: shelf.map(str::to_owned),
        };
    vec![
        label(
            "PKG-7K3Q9",
            "Hélène Bélanger-Côté",
            "1204",
            "Purolator",
            Some("B3"),
        ),
        label("PKG-2M8XA", "Li Na", "PH-2", "Amazon", None),
        label(
            "PKG-QQ4RT",
            "Marie-Ève-Geneviève Tremblay-Bélanger-Côté de la Montagne",
            "807",
            "Postes Canada",
            Some("Étagère du fond, rangée C"),
        ),
        label("k7q-42m-x", "François Lévesque", "1510", "UPS", Some("A1")),
    ]
}

/// Milliseconds of each call of `work`, sorted; `work` gets the call's index.
fn time_each(rounds: usize, mut work: impl FnMut(usize)) -> Vec<f64> {
    for i in 0..5 {
        work(i);
    }
    let mut ms = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let started = Instant::now();
        work(i);
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    ms
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    (sorted[at] * 1000.0).round() / 1000.0
}

fn summary(ms: &[f64]) -> Value {
    json!({
        "ms_p50": percentile(ms, 0.50),
        "ms_p90": percentile(ms, 0.90),
        "ms_min": percentile(ms, 0.0),
    })
}

fn arg(name: &str, default: usize) -> anyhow::Result<usize> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => {
            let value = args
                .get(i + 1)
                .ok_or_else(|| anyhow::anyhow!("{name} needs a value"))?;
            let n: usize = value.parse()?;
            anyhow::ensure!(n > 0, "{name} must be at least 1");
            Ok(n)
        }
        None => Ok(default),
    }
}

fn main() -> anyhow::Result<()> {
    let rounds = arg("--rounds", 200)?;
    let set = labels();
    let pick = |i: usize| &set[i % set.len()];

    let mut cases = Vec::new();
    for size in LabelSize::ALL {
        for (format, dpi) in [
            (LabelFormat::Pdf, None),
            (LabelFormat::Png, Some(Dpi::D203)),
            (LabelFormat::Png, Some(Dpi::D300)),
            (LabelFormat::Zpl, Some(Dpi::D203)),
            (LabelFormat::Zpl, Some(Dpi::D300)),
        ] {
            let render_dpi = dpi.unwrap_or(Dpi::D203);
            let bytes = render(pick(0), size, format, render_dpi)?.len();
            let ms = time_each(rounds, |i| {
                let out = render(black_box(pick(i)), size, format, render_dpi);
                black_box(out.expect("the benchmark's labels render"));
            });
            let mut case = summary(&ms);
            case["size"] = json!(size.name());
            case["format"] = json!(format.name());
            case["dpi"] = json!(dpi.map(Dpi::value));
            case["bytes"] = json!(bytes);
            cases.push(case);
        }
    }

    let qr = time_each(rounds, |i| {
        black_box(QrMatrix::encode(black_box(&pick(i).code)).expect("valid code"));
    });
    let mut layout = serde_json::Map::new();
    for size in LabelSize::ALL {
        let ms = time_each(rounds, |i| {
            black_box(Layout::new(black_box(pick(i)), size).expect("valid label"));
        });
        layout.insert(size.name().to_owned(), summary(&ms));
    }

    let report = json!({
        "rounds": rounds,
        "labels": cases,
        "baseline": {
            "qr_encode": summary(&qr),
            "layout": layout,
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
