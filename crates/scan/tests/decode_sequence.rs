//! A "video" of image files through the whole pipeline, as the app will run a camera.

mod decode_support;

use std::path::PathBuf;

use decode_support::*;
use frontdesk_scan::decode::{AcceptReason, DecodeOptions, FileSource, Pipeline, Symbology};

/// Writes one PNG per frame: `None` is an empty frame, `Some(x)` the code centred at `x`.
fn video(dir: &std::path::Path, text: &str, centres: &[Option<f32>]) -> Vec<PathBuf> {
    let modules = encode(Symbology::Code128, text);
    centres
        .iter()
        .enumerate()
        .map(|(i, centre)| {
            let mut canvas = Canvas::blank();
            if let Some(x) = centre {
                let mut at = realistic(Symbology::Code128, &modules);
                at.centre.0 = *x;
                canvas.draw(&modules, at);
            }
            canvas.noise(4.0, i as u64 + 1);
            let path = dir.join(format!("{text}-{i:02}.png"));
            std::fs::write(&path, png_bytes(&canvas.frame())).unwrap();
            path
        })
        .collect()
}

#[test]
fn a_tracking_number_drifting_into_the_aim_box_is_accepted_once() {
    let dir = tempfile::tempdir().unwrap();
    // Half off the left edge at first (not readable), then sliding to the centre and
    // held there.
    let centres = [
        None,
        Some(-100.0),
        Some(100.0),
        Some(300.0),
        Some(450.0),
        Some(600.0),
        Some(640.0),
        Some(640.0),
        Some(640.0),
    ];
    let mut paths = video(dir.path(), UPS, &centres);
    // A corrupt frame in the middle is dropped, not fatal.
    let broken = dir.path().join("broken.png");
    std::fs::write(&broken, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    paths.insert(4, broken);

    let mut accepted = Vec::new();
    let stats =
        Pipeline::new(DecodeOptions::default()).run(FileSource::video(paths), |a| accepted.push(a));
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0].read.text, UPS);
    assert_eq!(accepted[0].read.symbology, Symbology::Code128);
    assert_eq!(accepted[0].reason, AcceptReason::CheckDigit);
    assert_eq!(stats.decoded, centres.len() as u64);
    assert_eq!(stats.bad_frames, 1);
    // Files are not a live source: every frame was decoded, none overwritten.
    assert_eq!(stats.dropped, 0);
    assert_eq!(stats.failed_decodes, 0);
}

#[test]
fn a_code_without_a_check_digit_is_accepted_on_the_second_agreeing_frame_only_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = "DESK-TEST-42";
    assert!(!frontdesk_carriers::identify(text).valid);
    let centres = [
        Some(100.0),
        Some(500.0),
        Some(640.0),
        Some(640.0),
        Some(640.0),
    ];
    let mut accepted = Vec::new();
    let stats = Pipeline::new(DecodeOptions::default())
        .run(FileSource::video(video(dir.path(), text, &centres)), |a| {
            accepted.push(a)
        });
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0].read.text, text);
    assert_eq!(accepted[0].reason, AcceptReason::TwoFrames);
    assert_eq!(stats.decoded, 5);
}

#[test]
fn a_single_frame_of_a_code_without_a_check_digit_is_not_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let centres = [None, Some(640.0), None];
    let mut accepted = Vec::new();
    Pipeline::new(DecodeOptions::default()).run(
        FileSource::video(video(dir.path(), UPS_BAD_CHECK, &centres)),
        |a| accepted.push(a),
    );
    assert_eq!(accepted, vec![]);
}
