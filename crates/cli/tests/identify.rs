//! `frontdesk-cli identify`, run as a real process: one JSON object per number, on its
//! own line, from arguments or from standard input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk-cli");

/// A UPS Ground number with its check digit (UPS mod 10 over "12345E032345678" is 1).
const UPS: &str = "1Z12345E0323456781";

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start frontdesk-cli");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or_default())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("frontdesk-cli runs")
}

fn lines(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .expect("UTF-8 output")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

#[test]
fn the_ups_constant_has_a_right_check_digit() {
    assert!(ups_check_verifies(UPS));
    assert!(!ups_check_verifies(&format!("{}2", &UPS[..17])));
}

/// UPS mod 10 written out here, so the test does not trust the code it tests.
fn ups_check_verifies(n: &str) -> bool {
    let value = |c: char| c.to_digit(10).unwrap_or_else(|| (c as u32 - 3) % 10);
    let chars: Vec<char> = n[2..].chars().collect();
    let (payload, check) = chars.split_at(15);
    let sum: u32 = payload
        .iter()
        .enumerate()
        .map(|(i, c)| value(*c) * if i % 2 == 1 { 2 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == check[0].to_digit(10).unwrap()
}

#[test]
fn numbers_as_arguments_give_one_json_line_each() {
    let lowercase = UPS.to_lowercase();
    let out = run(
        &[
            "identify",
            UPS,
            "not a number",
            &lowercase,
            "TBA123456789012",
        ],
        None,
    );
    let got = lines(&out);
    assert_eq!(got.len(), 4);
    assert_eq!(
        got[0],
        json!({
            "input": UPS,
            "tracking_number": UPS,
            "carrier": "ups",
            "service": "Ground",
            "valid": true,
            "tracking_url": format!("https://www.ups.com/track?tracknum={UPS}"),
        })
    );
    assert_eq!(got[1]["input"], "not a number");
    assert_eq!(got[1]["carrier"], Value::Null);
    assert_eq!(got[1]["service"], Value::Null);
    assert_eq!(got[1]["valid"], false);
    assert_eq!(got[1]["tracking_url"], Value::Null);
    assert_eq!(got[2]["input"], lowercase);
    assert_eq!(got[2]["tracking_number"], UPS);
    assert_eq!(got[2]["carrier"], "ups");
    assert_eq!(got[3]["carrier"], "amazon");
    assert_eq!(got[3]["valid"], true);
    // Every line has exactly the documented keys.
    for line in &got {
        let mut keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "carrier",
                "input",
                "service",
                "tracking_number",
                "tracking_url",
                "valid"
            ]
        );
    }
}

#[test]
fn a_wrong_check_digit_is_flagged_not_corrected() {
    let wrong = format!("{}2", &UPS[..17]);
    let got = lines(&run(&["identify", &wrong], None));
    assert_eq!(got[0]["tracking_number"], wrong);
    assert_eq!(got[0]["carrier"], "ups");
    assert_eq!(got[0]["valid"], false);
}

#[test]
fn numbers_from_stdin_one_per_line() {
    // A scanner's lines: CRLF endings, a GS1 identifier, an IMpb barcode with its 420 +
    // ZIP prefix and GS separator, a blank line (skipped) and bytes that are not UTF-8.
    let impb = "9205500012345678901232"; // GS1 mod 10 check digit 2
    let stdin = format!("{UPS}\r\n\n]C142002134\u{1D}{impb}\r\n   \nXYZ\u{1D}\n").into_bytes();
    let mut stdin = stdin;
    stdin.extend_from_slice(b"\xff\xfe\n");
    let got = lines(&run(&["identify"], Some(&stdin)));
    assert_eq!(got.len(), 4, "{got:#?}");
    assert_eq!(got[0]["carrier"], "ups");
    assert_eq!(got[0]["input"], UPS);
    assert_eq!(got[1]["carrier"], "usps");
    assert_eq!(got[1]["tracking_number"], impb);
    assert_eq!(got[1]["valid"], true);
    assert_eq!(
        got[1]["tracking_url"],
        format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={impb}")
    );
    assert_eq!(got[2]["carrier"], Value::Null);
    assert_eq!(got[3]["carrier"], Value::Null);
}

#[test]
fn empty_stdin_prints_nothing_and_succeeds() {
    let out = run(&["identify"], Some(b""));
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn an_unknown_subcommand_fails_with_usage() {
    let out = run(&["no-such-command"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage"));
}
