//! The time budget: a decode that overruns it is abandoned and reported, and the
//! pipeline goes on with the next frame. A budget of zero makes every decode of a real
//! frame overrun, whatever the machine's speed.

mod decode_support;

use std::time::{Duration, Instant};

use decode_support::*;
use frontdesk_scan::decode::{
    DecodeError, DecodeOptions, Decoder, FileSource, Frame, Pipeline, Symbology,
};

fn noise_frame(seed: u64) -> Frame {
    let mut rng = Rng(seed);
    Frame::new(
        WIDTH,
        HEIGHT,
        (0..WIDTH * HEIGHT).map(|_| rng.next() as u8).collect(),
    )
    .unwrap()
}

fn no_time() -> DecodeOptions {
    DecodeOptions {
        budget: Duration::ZERO,
        max_abandoned: 2,
        ..DecodeOptions::default()
    }
}

/// Waits for the abandoned workers to return (bounded: a stuck test fails, not hangs).
fn until_no_stuck_workers(decoder: &Decoder) {
    let give_up = Instant::now() + Duration::from_secs(120);
    while decoder.stuck_workers() > 0 {
        assert!(Instant::now() < give_up, "abandoned workers never returned");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_overrunning_decode_is_abandoned_and_stuck_workers_are_capped() {
    let decoder = Decoder::new(no_time());
    let frame = noise_frame(7);
    assert!(matches!(
        decoder.decode(&frame),
        Err(DecodeError::TimedOut { .. })
    ));
    // The first worker is still running rxing; its count comes back when it returns.
    let outcomes: Vec<_> = (0..4).map(|_| decoder.decode(&frame)).collect();
    assert!(
        outcomes.iter().all(|o| matches!(
            o,
            Err(DecodeError::TimedOut { .. } | DecodeError::TooManyStuck(_))
        )),
        "{outcomes:?}"
    );
    assert!(decoder.stuck_workers() <= 2, "{}", decoder.stuck_workers());
    until_no_stuck_workers(&decoder);
}

#[test]
fn the_pipeline_reports_overruns_and_goes_on_to_the_end_of_the_video() {
    let dir = tempfile::tempdir().unwrap();
    let modules = encode(Symbology::Code128, UPS);
    let mut paths = Vec::new();
    for i in 0..5u64 {
        let mut canvas = Canvas::blank();
        canvas.draw(&modules, realistic(Symbology::Code128, &modules));
        canvas.noise(4.0, i + 1);
        let path = dir.path().join(format!("{i}.png"));
        std::fs::write(&path, png_bytes(&canvas.frame())).unwrap();
        paths.push(path);
    }
    let mut pipeline = Pipeline::new(no_time());
    let mut accepted = Vec::new();
    let stats = pipeline.run(FileSource::video(paths.clone()), |a| accepted.push(a));
    assert_eq!(stats.decoded, 5);
    assert_eq!(stats.failed_decodes, 5);
    assert!(accepted.is_empty(), "{accepted:?}");

    // The same frames, with time to decode them: the code is there.
    let mut accepted = Vec::new();
    Pipeline::new(DecodeOptions::default()).run(FileSource::video(paths), |a| accepted.push(a));
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].read.text, UPS);
}
