//! The live preview over files played as a camera (the developer frame source): the
//! window gets small JPEG frames with the aim box and the code outlined, and one
//! accepted code however long the parcel stays in view; stopping ends the source.

mod decode_support;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use decode_support::*;
use frontdesk_scan::decode::{
    AcceptReason, DecodeOptions, Frame, FrameError, FrameSource, PlaybackSource, Symbology,
};
use frontdesk_scan::preview::{PreviewOptions, PreviewSession, Sink};

const WAIT: Duration = Duration::from_secs(120);

/// A folder of frames: empty, a Code 128 drifting in from the left, then held centred.
fn drift_video(dir: &Path) -> usize {
    let modules = encode(Symbology::Code128, UPS);
    let centres = [
        None,
        Some(-100.0),
        Some(300.0),
        Some(640.0),
        Some(640.0),
        Some(640.0),
    ];
    for (i, centre) in centres.iter().enumerate() {
        let mut canvas = Canvas::blank();
        if let Some(x) = centre {
            let mut at = realistic(Symbology::Code128, &modules);
            at.centre.0 = *x;
            canvas.draw(&modules, at);
        }
        canvas.noise(4.0, i as u64 + 1);
        std::fs::write(
            dir.join(format!("frame-{i:02}.jpg")),
            jpeg_bytes(&canvas.frame(), 85),
        )
        .unwrap();
    }
    centres.len()
}

fn parse(bytes: &[u8]) -> (PreviewHeader, Vec<u8>) {
    let length = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[4..4 + length]).unwrap();
    (PreviewHeader(header), bytes[4 + length..].to_vec())
}

struct PreviewHeader(serde_json::Value);

impl PreviewHeader {
    fn kind(&self) -> &str {
        self.0["kind"].as_str().unwrap()
    }
}

fn channel_sink() -> (Sink, mpsc::Receiver<Vec<u8>>) {
    let (send, receive) = mpsc::channel();
    (Box::new(move |bytes| send.send(bytes).is_ok()), receive)
}

#[test]
fn files_played_as_a_camera_give_preview_frames_and_one_accepted_code() {
    let dir = tempfile::tempdir().unwrap();
    let frames = drift_video(dir.path());
    let source = PlaybackSource::open(dir.path(), 30).unwrap();
    let (sink, messages) = channel_sink();
    let session = PreviewSession::start(
        Box::new(source),
        DecodeOptions::default(),
        PreviewOptions::default(),
        sink,
    )
    .unwrap();

    let mut accepted = Vec::new();
    let mut outlined = None;
    let mut last_seq = 0;
    // Until the video has looped three times after the code was accepted.
    while accepted.is_empty() || last_seq < 3 * frames as u64 + 10 {
        let (header, payload) = parse(&messages.recv_timeout(WAIT).expect("a preview message"));
        match header.kind() {
            "frame" => {
                let seq = header.0["seq"].as_u64().unwrap();
                assert_eq!(seq, last_seq + 1, "frames are numbered in order");
                last_seq = seq;
                let (width, height) = (
                    header.0["width"].as_u64().unwrap(),
                    header.0["height"].as_u64().unwrap(),
                );
                assert_eq!((width, height), (640, 360));
                assert_eq!(
                    header.0["aim"],
                    serde_json::json!([160.0, 72.0, 320.0, 216.0])
                );
                let jpeg = image::load_from_memory(&payload).unwrap();
                assert_eq!((jpeg.width() as u64, jpeg.height() as u64), (width, height));
                if !header.0["code"].is_null() {
                    outlined = Some(header.0["code"].clone());
                }
            }
            "accepted" => accepted.push(header.0),
            other => panic!("unexpected {other} message: {:?}", header.0),
        }
    }
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0]["text"], UPS);
    assert_eq!(accepted[0]["symbology"], "code128");
    assert_eq!(
        accepted[0]["reason"],
        serde_json::to_value(AcceptReason::CheckDigit).unwrap()
    );
    let outline = outlined.expect("a frame with the code outlined");
    assert_eq!(outline["text"], UPS);
    // The bar ends, in the preview's half-size pixels: inside the picture, at the height
    // of the code (drawn across the middle of the frame, 100 px tall at full size).
    for point in outline["points"].as_array().unwrap() {
        let (x, y) = (point[0].as_f64().unwrap(), point[1].as_f64().unwrap());
        assert!((0.0..=640.0).contains(&x), "{outline}");
        assert!((150.0..=210.0).contains(&y), "{outline}");
    }
    let still = session.still().expect("the newest frame for a photo");
    assert_eq!((still.width(), still.height()), (WIDTH, HEIGHT));
    let stats = session.stop().unwrap();
    assert!(stats.decoded > 0);
}

#[test]
fn a_window_that_stops_listening_stops_the_preview() {
    let dir = tempfile::tempdir().unwrap();
    drift_video(dir.path());
    let source = PlaybackSource::open(dir.path(), 30).unwrap();
    let (sink, messages) = channel_sink();
    let session = PreviewSession::start(
        Box::new(source),
        DecodeOptions::default(),
        PreviewOptions::default(),
        sink,
    )
    .unwrap();
    messages.recv_timeout(WAIT).unwrap();
    drop(messages);
    // The next send fails, which ends the source and so the run.
    let stats = session.stop();
    assert!(stats.is_some());
}

/// A camera unplugged: every frame fails.
struct Unplugged {
    released: mpsc::Sender<()>,
}

impl FrameSource for Unplugged {
    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        std::thread::sleep(Duration::from_millis(1));
        Some(Err(FrameError::Camera(
            "No such device (os error 19)".into(),
        )))
    }
}

impl Drop for Unplugged {
    fn drop(&mut self) {
        let _ = self.released.send(());
    }
}

#[test]
fn a_source_that_keeps_failing_ends_the_preview_and_is_released() {
    let (released, was_released) = mpsc::channel();
    let (sink, messages) = channel_sink();
    let session = PreviewSession::start(
        Box::new(Unplugged { released }),
        DecodeOptions::default(),
        PreviewOptions::default(),
        sink,
    )
    .unwrap();
    let (header, _) = parse(&messages.recv_timeout(WAIT).unwrap());
    assert_eq!(header.kind(), "ended");
    assert_eq!(header.0["reason"], "failed");
    assert!(
        header.0["message"]
            .as_str()
            .unwrap()
            .contains("os error 19")
    );
    was_released
        .recv_timeout(WAIT)
        .expect("the source was dropped");
    assert!(session.stop().is_some());
}

#[test]
fn a_corrupt_frame_now_and_then_is_only_dropped() {
    let dir = tempfile::tempdir().unwrap();
    drift_video(dir.path());
    // Sorted between frame-02 and frame-03.
    std::fs::write(dir.path().join("frame-02b.jpg"), b"\xff\xd8\xffnot a jpeg").unwrap();
    let files: Vec<PathBuf> = frontdesk_scan::decode::playback::playback_files(dir.path()).unwrap();
    assert_eq!(files.len(), 7);
    let (sink, messages) = channel_sink();
    let session = PreviewSession::start(
        Box::new(PlaybackSource::open(dir.path(), 30).unwrap()),
        DecodeOptions::default(),
        PreviewOptions::default(),
        sink,
    )
    .unwrap();
    let accepted = loop {
        let (header, _) = parse(&messages.recv_timeout(WAIT).unwrap());
        assert_ne!(header.kind(), "ended");
        if header.kind() == "accepted" {
            break header.0;
        }
    };
    assert_eq!(accepted["text"], UPS);
    session.stop();
}
