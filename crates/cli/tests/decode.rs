//! `frontdesk-cli decode`, run as a real process on generated image files.

use std::process::{Command, Output};

use rxing::{BarcodeFormat, MultiFormatWriter, Writer};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk-cli");
const PACKAGE_CODE: &str = "7K3Q-9XTM";

fn run(args: &[&std::path::Path]) -> Output {
    Command::new(BIN)
        .arg("decode")
        .args(args)
        .output()
        .expect("frontdesk-cli runs")
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A 1280×720 frame with a QR code of `text`, 7 px per module, in the middle.
fn qr_frame(text: &str) -> image::GrayImage {
    let side = 7 * 29;
    let matrix = MultiFormatWriter
        .encode(text, &BarcodeFormat::QR_CODE, side, side)
        .unwrap();
    let (x0, y0) = ((1280 - matrix.width()) / 2, (720 - matrix.height()) / 2);
    image::GrayImage::from_fn(1280, 720, |x, y| {
        let inside = x >= x0 && y >= y0 && x - x0 < matrix.width() && y - y0 < matrix.height();
        image::Luma([if inside && matrix.get(x - x0, y - y0) {
            20
        } else {
            235
        }])
    })
}

#[test]
fn prints_the_codes_of_each_file_on_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("code.png");
    qr_frame(PACKAGE_CODE).save(&code).unwrap();
    let empty = dir.path().join("empty.png");
    image::GrayImage::from_pixel(1280, 720, image::Luma([235]))
        .save(&empty)
        .unwrap();

    let output = run(&[&code, &empty]);
    assert!(output.status.success(), "{output:?}");
    let lines = lines(&output);
    assert_eq!(lines.len(), 2);

    assert_eq!(lines[0]["file"], code.display().to_string());
    let codes = lines[0]["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0]["symbology"], "qr");
    assert_eq!(codes[0]["text"], PACKAGE_CODE);
    // QR finder patterns, in frame pixels, on the symbol in the middle.
    let points = codes[0]["position"].as_array().unwrap();
    assert!(points.len() >= 3, "{points:?}");
    for p in points {
        let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
        assert!(
            (500.0..780.0).contains(&x) && (220.0..500.0).contains(&y),
            "{p}"
        );
    }
    assert!(lines[0]["ms"].as_f64().unwrap() >= 0.0);

    assert_eq!(lines[1]["file"], empty.display().to_string());
    assert_eq!(lines[1]["codes"], serde_json::json!([]));
}

#[test]
fn a_file_that_is_not_an_image_gives_an_error_line_and_a_failing_status() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.png");
    std::fs::write(&text, "not an image").unwrap();
    let code = dir.path().join("code.png");
    qr_frame(PACKAGE_CODE).save(&code).unwrap();

    let output = run(&[&text, &code]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let lines = lines(&output);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["file"], text.display().to_string());
    let error = lines[0]["error"].as_str().unwrap();
    assert!(error.contains("is not a readable image"), "{error}");
    assert!(lines[0].get("codes").is_none());
    // The files after it are still decoded.
    assert_eq!(lines[1]["codes"][0]["text"], PACKAGE_CODE);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("1 of 2 files could not be decoded"),
        "{stderr}"
    );
}
