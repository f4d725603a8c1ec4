//! `frontdesk-cli label`, run as a real process for each format and size: the files it
//! writes are checked as a printer or viewer would take them.

use std::path::Path;
use std::process::{Command, Output};

use rxing::BarcodeFormat;

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk-cli");
const CODE: &str = "PKG-7K3Q9";
const NAME: &str = "Hélène Bélanger-Côté";

fn label(format: &str, size: &str, dpi: Option<&str>, out: &Path, extra: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.args([
        "label",
        "--code",
        CODE,
        "--recipient",
        NAME,
        "--unit",
        "1204",
        "--carrier",
        "Purolator",
        "--shelf",
        "B3",
        "--format",
        format,
        "--size",
        size,
        "--out",
    ]);
    command.arg(out).args(extra);
    if let Some(dpi) = dpi {
        command.args(["--dpi", dpi]);
    }
    command.output().expect("frontdesk-cli runs")
}

fn succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Label sizes in dots, worked out by hand: 57 × 32 mm and 4 × 6 in at 203 and 300 dpi.
const SIZES: [(&str, &str, u32, u32); 4] = [
    ("dymo-30334", "203", 456, 256),
    ("dymo-30334", "300", 673, 378),
    ("4x6", "203", 812, 1218),
    ("4x6", "300", 1200, 1800),
];

#[test]
fn png_has_the_signature_the_size_in_dots_and_a_readable_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    for (size, dpi, width, height) in SIZES {
        let out = dir.path().join(format!("{size}-{dpi}.png"));
        succeeded(&label(
            "png",
            size,
            Some(dpi),
            &out,
            &["--received", "2026-11-22 14:05"],
        ));
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{size}: not a PNG");
        // IHDR: width and height, big-endian, right after the chunk's length and type.
        assert_eq!(&bytes[12..16], b"IHDR");
        let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((w, h), (width, height), "{size} at {dpi} dpi");
        let image = image::load_from_memory(&bytes).unwrap().into_luma8();
        let decoded = rxing::helpers::detect_in_luma(
            image.as_raw().clone(),
            w,
            h,
            Some(BarcodeFormat::QR_CODE),
        )
        .expect("the QR code reads");
        assert_eq!(decoded.getText(), CODE);
    }
}

#[test]
fn pdf_is_one_page_of_the_label_size() {
    let dir = tempfile::tempdir().unwrap();
    // Points: 57 × 32 mm is 161.57 × 90.71 pt, 4 × 6 in is 288 × 432 pt.
    for (size, width, height) in [("dymo-30334", 161.575, 90.709), ("4x6", 288.0, 432.0)] {
        let out = dir.path().join(format!("{size}.pdf"));
        succeeded(&label("pdf", size, None, &out, &[]));
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{size}: no PDF header");
        assert!(
            bytes.trim_ascii_end().ends_with(b"%%EOF"),
            "{size}: no %%EOF"
        );
        let text = String::from_utf8_lossy(&bytes);
        let pages = text.lines().filter(|l| l.trim() == "/Type /Page").count();
        assert_eq!(pages, 1, "{size}");
        let media_box: Vec<f64> = text
            .split("/MediaBox [")
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .expect("a MediaBox")
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(media_box.len(), 4);
        assert!(
            media_box[0] == 0.0
                && media_box[1] == 0.0
                && (media_box[2] - width).abs() < 0.01
                && (media_box[3] - height).abs() < 0.01,
            "{size}: {media_box:?}"
        );
    }
}

#[test]
fn zpl_is_one_label_at_the_size_and_dpi_with_the_qr_field() {
    let dir = tempfile::tempdir().unwrap();
    for (size, dpi, width, height) in SIZES {
        let out = dir.path().join(format!("{size}-{dpi}.zpl"));
        succeeded(&label(
            "zpl",
            size,
            Some(dpi),
            &out,
            &["--received", "2026-11-22 14:05"],
        ));
        let zpl = std::fs::read_to_string(&out).unwrap();
        let zpl = zpl.trim_end();
        assert!(zpl.starts_with("^XA") && zpl.ends_with("^XZ"), "{zpl}");
        assert_eq!(zpl.matches("^XA").count(), 1);
        assert!(
            zpl.contains(&format!("^PW{width}\n")),
            "{size} at {dpi}: {zpl}"
        );
        assert!(
            zpl.contains(&format!("^LL{height}\n")),
            "{size} at {dpi}: {zpl}"
        );
        assert!(zpl.contains("^CI28"));
        assert!(zpl.contains(&format!("^FDMA,{CODE}^FS")), "{zpl}");
        assert!(zpl.contains("^BQN,2,"), "{zpl}");
        assert!(zpl.contains(&format!("^FD{NAME}^FS")), "{zpl}");
        assert!(zpl.contains("^FD2026-11-22 14:05^FS"), "{zpl}");
    }
}

#[test]
fn received_defaults_to_now() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("now.zpl");
    succeeded(&label("zpl", "4x6", None, &out, &[]));
    let zpl = std::fs::read_to_string(&out).unwrap();
    // The field after the carrier's: "YYYY-MM-DD HH:MM", maybe " UTC".
    let received = zpl
        .lines()
        .filter_map(|l| l.split("^FD").nth(1))
        .map(|d| d.trim_end_matches("^FS"))
        .find(|d| d.len() >= 16 && d.as_bytes()[4] == b'-' && d.as_bytes()[13] == b':')
        .unwrap_or_else(|| panic!("no date field in {zpl}"));
    let (date, rest) = received.split_at(16);
    assert!(rest.is_empty() || rest == " UTC", "{received}");
    let shape = date
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect::<String>();
    assert_eq!(shape, "9999-99-99 99:99", "{received}");
    let year: u32 = date[..4].parse().unwrap();
    assert!(year >= 2025, "{received}");
}

#[test]
fn out_dash_writes_to_stdout() {
    let output = label("zpl", "dymo-30334", Some("203"), Path::new("-"), &[]);
    succeeded(&output);
    assert!(output.stdout.starts_with(b"^XA"));
}

#[test]
fn bad_input_fails_with_a_message_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bad.pdf");
    let output = Command::new(BIN)
        .args([
            "label",
            "--code",
            "PKG^XZ",
            "--recipient",
            NAME,
            "--unit",
            "1204",
            "--carrier",
            "UPS",
            "--format",
            "pdf",
            "--size",
            "4x6",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("package code") && stderr.contains("PKG^XZ"),
        "{stderr}"
    );
    assert!(!out.exists());

    let output = label("pdf", "a4", None, &out, &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("dymo-30334") && stderr.contains("4x6"),
        "{stderr}"
    );

    let output = label("png", "4x6", Some("600"), &out, &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("300"));
    assert!(!out.exists());
}
