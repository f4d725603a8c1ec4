//! Carrier recognition benchmark: nanoseconds per number for `identify` over a mixed
//! set of tracking numbers, with baselines measured in the same run. Prints one JSON
//! document. Run in release, on a quiet machine:
//!
//!   cargo run --release -p frontdesk-cli --bin carrier-bench
//!
//! The set (`--numbers`, 10,000) mixes every recognised format, about one in five with a
//! wrong check digit, some with scanner framing (whitespace, lowercase, `]C1`, GS
//! separators, the IMpb `420` + ZIP prefix) and some unrecognisable strings. Each of
//! `--rounds` (200) rounds identifies the whole set once; the figures are percentiles
//! of the per-round average. The baselines run over the same set: `normalize` alone,
//! and `str::to_uppercase` (a plain pass over each string that allocates, as
//! `normalize` does).

use std::hint::black_box;
use std::time::Instant;

use frontdesk_carriers::checksum::{
    fedex_mod11_check_digit, gs1_mod10_check_digit, luhn_check_digit, mod7_check_digit,
    s10_check_digit, ups_mod10_check_digit,
};
use frontdesk_carriers::{identify, normalize};
use serde_json::json;

/// A small deterministic generator (SplitMix64): the same set every run, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn digits(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn alphanumerics(&mut self, len: usize) -> String {
        const SET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        (0..len)
            .map(|_| char::from(SET[self.below(SET.len() as u64) as usize]))
            .collect()
    }

    fn letters(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'A' + self.below(26) as u8))
            .collect()
    }
}

fn checked(payload: String, check: fn(&str) -> Option<u8>) -> String {
    let digit = check(&payload).expect("payload in the algorithm's alphabet");
    format!("{payload}{digit}")
}

/// One number of a format picked by `kind`.
fn number(rng: &mut Rng, kind: u64) -> String {
    match kind {
        0 => format!(
            "1Z{}",
            checked(rng.alphanumerics(15), ups_mod10_check_digit)
        ),
        1 => checked(rng.digits(11), fedex_mod11_check_digit),
        2 => checked(rng.digits(14), gs1_mod10_check_digit),
        3 => format!("9612019{}", checked(rng.digits(14), gs1_mod10_check_digit)),
        4 => format!(
            "1002345678900001000300{}",
            checked(rng.digits(11), fedex_mod11_check_digit)
        ),
        5 => checked(format!("9400{}", rng.digits(17)), gs1_mod10_check_digit),
        6 => checked(format!("92{}", rng.digits(23)), gs1_mod10_check_digit),
        7 => format!(
            "420{}{}",
            rng.digits(5),
            checked(format!("9205{}", rng.digits(17)), gs1_mod10_check_digit)
        ),
        8 => {
            let country = ["US", "CA", "DE", "CN", "GB"][rng.below(5) as usize];
            let serial = rng.digits(8);
            let check = s10_check_digit(&serial).expect("eight digits");
            format!("{}{serial}{check}{country}", rng.letters(2))
        }
        9 => checked(rng.digits(9), mod7_check_digit),
        10 => format!("TBA{}", rng.digits(12)),
        11 => checked(rng.digits(15), gs1_mod10_check_digit),
        12 => checked(rng.digits(11), luhn_check_digit),
        13 => format!("{}{}", rng.letters(3), rng.digits(9)),
        14 => checked(format!("C{}", rng.digits(13)), ups_mod10_check_digit),
        15 => format!("1LS7{}", rng.digits(11)),
        16 => format!("D{}", rng.digits(21)),
        17 => format!("GM{}", rng.digits(16)),
        // Unrecognisable: random text of a plausible length.
        _ => {
            let len = 8 + rng.below(20) as usize;
            rng.alphanumerics(len)
        }
    }
}

/// Changes one digit (never the first character), so a checked number goes invalid.
fn corrupt(rng: &mut Rng, n: String) -> String {
    let mut bytes = n.into_bytes();
    let digit_positions: Vec<usize> = (1..bytes.len())
        .filter(|&i| bytes[i].is_ascii_digit())
        .collect();
    if let Some(&at) = digit_positions.get(rng.below(digit_positions.len().max(1) as u64) as usize)
    {
        bytes[at] = b'0' + (bytes[at] - b'0' + 1) % 10;
    }
    String::from_utf8(bytes).expect("ASCII")
}

/// Scanner framing around a number, sometimes.
fn frame(rng: &mut Rng, n: String) -> String {
    match rng.below(10) {
        0 => format!("  {}\r\n", n.to_lowercase()),
        1 => format!("]C1{n}"),
        2 => format!("\u{1D}{n}"),
        _ => n,
    }
}

fn mixed_set(count: usize) -> Vec<String> {
    let mut rng = Rng(0x00F0_0D5E_ED00_0001);
    (0..count)
        .map(|i| {
            let n = number(&mut rng, i as u64 % 19);
            let n = if rng.below(5) == 0 {
                corrupt(&mut rng, n)
            } else {
                n
            };
            frame(&mut rng, n)
        })
        .collect()
}

/// Times `work` over the whole set once per round; ns per item of each round, sorted.
fn time_rounds(set: &[String], rounds: usize, work: impl Fn(&str)) -> Vec<f64> {
    // One warm-up round, not counted.
    for s in set {
        work(s);
    }
    let mut per_item = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        for s in set {
            work(black_box(s));
        }
        per_item.push(started.elapsed().as_nanos() as f64 / set.len() as f64);
    }
    per_item.sort_by(f64::total_cmp);
    per_item
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    (sorted[at] * 10.0).round() / 10.0
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
    let count = arg("--numbers", 10_000)?;
    let rounds = arg("--rounds", 200)?;
    let set = mixed_set(count);

    let identifications: Vec<_> = set.iter().map(|s| identify(s)).collect();
    let recognised = identifications
        .iter()
        .filter(|i| i.carrier.is_some())
        .count();
    let valid = identifications.iter().filter(|i| i.valid).count();

    let identify_ns = time_rounds(&set, rounds, |s| {
        black_box(identify(s));
    });
    let normalize_ns = time_rounds(&set, rounds, |s| {
        black_box(normalize(s));
    });
    let uppercase_ns = time_rounds(&set, rounds, |s| {
        black_box(s.to_uppercase());
    });

    let report = json!({
        "numbers": count,
        "rounds": rounds,
        "recognised": recognised,
        "valid": valid,
        "ns_per_number_p50": percentile(&identify_ns, 0.50),
        "ns_per_number_p90": percentile(&identify_ns, 0.90),
        "ns_per_number_min": percentile(&identify_ns, 0.0),
        "baseline": {
            "normalize_ns_per_number_p50": percentile(&normalize_ns, 0.50),
            "to_uppercase_ns_per_number_p50": percentile(&uppercase_ns, 0.50),
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
