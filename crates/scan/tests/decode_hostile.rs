//! Images that have broken barcode decoders: none may panic the pipeline or hold it
//! beyond its time budget.

mod decode_support;

use std::time::{Duration, Instant};

use decode_support::*;
use frontdesk_scan::decode::{DecodeError, DecodeOptions, Frame, Pipeline, Symbology};

const BUDGET: Duration = Duration::from_millis(800);
/// Thread start-up and hand-over on a loaded two-core machine.
const SLACK: Duration = Duration::from_millis(500);

fn hostile_frames() -> Vec<(&'static str, Frame)> {
    let mut rng = Rng(42);
    let noise: Vec<u8> = (0..WIDTH * HEIGHT).map(|_| rng.next() as u8).collect();
    let checker: Vec<u8> = (0..WIDTH * HEIGHT)
        .map(|i| {
            if (i % WIDTH + i / WIDTH).is_multiple_of(2) {
                0
            } else {
                255
            }
        })
        .collect();
    let stripes: Vec<u8> = (0..WIDTH * HEIGHT)
        .map(|i| {
            if (i % WIDTH / 3).is_multiple_of(2) {
                0
            } else {
                255
            }
        })
        .collect();
    vec![
        (
            "all black",
            Frame::new(WIDTH, HEIGHT, vec![0; (WIDTH * HEIGHT) as usize]).unwrap(),
        ),
        (
            "all white",
            Frame::new(WIDTH, HEIGHT, vec![255; (WIDTH * HEIGHT) as usize]).unwrap(),
        ),
        ("1×1", Frame::new(1, 1, vec![0]).unwrap()),
        (
            "10000×10",
            Frame::new(10_000, 10, vec![128; 100_000]).unwrap(),
        ),
        (
            "10×10000",
            Frame::new(10, 10_000, vec![0; 100_000]).unwrap(),
        ),
        ("random noise", Frame::new(WIDTH, HEIGHT, noise).unwrap()),
        ("checkerboard", Frame::new(WIDTH, HEIGHT, checker).unwrap()),
        ("stripes", Frame::new(WIDTH, HEIGHT, stripes).unwrap()),
    ]
}

#[test]
fn hostile_frames_neither_panic_nor_hang_and_find_nothing() {
    let pipeline = Pipeline::new(DecodeOptions {
        budget: BUDGET,
        ..DecodeOptions::default()
    });
    for (name, frame) in hostile_frames() {
        let start = Instant::now();
        let result = pipeline.decode_frame(&frame);
        let elapsed = start.elapsed();
        assert!(elapsed < BUDGET + SLACK, "{name}: took {elapsed:?}");
        match result.reads {
            Ok(reads) => assert_eq!(reads, vec![], "{name}"),
            Err(DecodeError::TimedOut { .. }) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

#[test]
fn the_decoder_still_reads_codes_after_hostile_frames() {
    let mut pipeline = Pipeline::new(DecodeOptions {
        budget: BUDGET,
        ..DecodeOptions::default()
    });
    for (_, frame) in hostile_frames() {
        let _ = pipeline.process(&frame);
    }
    let modules = encode(Symbology::Qr, PACKAGE_CODE);
    let mut canvas = Canvas::blank();
    canvas.draw(&modules, realistic(Symbology::Qr, &modules));
    let accepted = pipeline.process(&canvas.frame()).unwrap();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].read.text, PACKAGE_CODE);
}

#[test]
fn hostile_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let good_jpeg = jpeg_bytes(&Canvas::blank().frame(), 80);
    let files: [(&str, Vec<u8>); 3] = [
        ("empty.png", vec![]),
        (
            "garbage.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRgarbage".to_vec(),
        ),
        ("text.jpg", b"this is not an image".to_vec()),
    ];
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        assert!(Frame::from_file(&path).is_err(), "{name} decoded");
    }
    // A JPEG cut short decodes leniently to a whole frame (the missing part grey),
    // which is what a webcam's damaged MJPEG frame needs: the rest may hold the code.
    let path = dir.path().join("truncated.jpg");
    std::fs::write(&path, &good_jpeg[..good_jpeg.len() / 3]).unwrap();
    let frame = Frame::from_file(&path).unwrap();
    assert_eq!((frame.width(), frame.height()), (WIDTH, HEIGHT));
}
