//! The live preview: one source (a camera, or files played as one) through the decode
//! pipeline, with a small JPEG of the picture sent to the window at a steady rate, the
//! code being read outlined on it, and every accepted code sent as it is accepted.
//!
//! The window only draws and beeps: what is shown, how often, and what counts as a scan
//! are decided here, so that all of it runs (and is tested) without a window.

mod message;
mod picture;

pub use message::{Outline, PreviewMessage, encode};
pub use picture::{encode_jpeg, picture};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::camera::CameraErrorKind;
use crate::decode::{DecodeOptions, Frame, FrameError, FrameSource, Pipeline, Read, RunStats};

#[derive(Debug, Clone)]
pub struct PreviewOptions {
    /// The preview JPEG's widest width.
    pub max_width: u32,
    /// Preview frames a second at most (the decoder sees every frame it has time for).
    pub fps: u32,
    pub jpeg_quality: u8,
    /// Frames in a row the source may fail to produce before the preview gives up (a
    /// camera unplugged fails every frame; a corrupt one now and then is only dropped).
    pub max_bad_frames_in_row: u32,
    /// How long the outline of a code stays after it was last read.
    pub outline_for: Duration,
}

impl Default for PreviewOptions {
    fn default() -> Self {
        PreviewOptions {
            max_width: 640,
            fps: 12,
            jpeg_quality: 70,
            max_bad_frames_in_row: 30,
            outline_for: Duration::from_millis(400),
        }
    }
}

/// Receives the encoded messages (see [`encode`]); returns false once no one listens
/// any more, which stops the preview.
pub type Sink = Box<dyn FnMut(Vec<u8>) -> bool + Send>;

/// A running preview. Stopping it (or dropping it) ends the source, which releases the
/// camera.
pub struct PreviewSession {
    stop: Arc<AtomicBool>,
    latest: Arc<Mutex<Option<Frame>>>,
    worker: Option<JoinHandle<RunStats>>,
}

struct Shared {
    sink: Mutex<Sink>,
    stop: Arc<AtomicBool>,
}

impl Shared {
    fn send(&self, message: &PreviewMessage, payload: &[u8]) {
        let mut sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
        if !(sink)(encode(message, payload)) {
            self.stop.store(true, Ordering::SeqCst);
        }
    }
}

impl PreviewSession {
    pub fn start(
        source: Box<dyn FrameSource + Send>,
        decode: DecodeOptions,
        options: PreviewOptions,
        sink: Sink,
    ) -> std::io::Result<PreviewSession> {
        let stop = Arc::new(AtomicBool::new(false));
        let latest = Arc::new(Mutex::new(None));
        let shared = Arc::new(Shared {
            sink: Mutex::new(sink),
            stop: Arc::clone(&stop),
        });
        let last_reads = Arc::new(Mutex::new((Vec::<Read>::new(), Instant::now())));
        let tee = Tee {
            source,
            shared: Arc::clone(&shared),
            latest: Arc::clone(&latest),
            last_reads: Arc::clone(&last_reads),
            aim_box: decode.aim_box,
            options,
            seq: 0,
            last_sent: None,
            bad_in_row: 0,
        };
        let worker = std::thread::Builder::new()
            .name("camera-preview".into())
            .spawn(move || {
                let mut pipeline = Pipeline::new(decode);
                let accepted_to = Arc::clone(&shared);
                let stats = pipeline.run_observed(
                    tee,
                    |reads| {
                        if !reads.is_empty() {
                            *last_reads.lock().unwrap_or_else(PoisonError::into_inner) =
                                (reads.to_vec(), Instant::now());
                        }
                    },
                    move |accepted| {
                        accepted_to.send(
                            &PreviewMessage::Accepted {
                                text: accepted.read.text,
                                symbology: accepted.read.symbology,
                                reason: accepted.reason,
                            },
                            &[],
                        );
                    },
                );
                tracing::info!(?stats, "preview ended");
                stats
            })?;
        Ok(PreviewSession {
            stop,
            latest,
            worker: Some(worker),
        })
    }

    /// The newest full-size frame, for a still (the package photo).
    pub fn still(&self) -> Option<Frame> {
        self.latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the preview has ended, by itself or stopped.
    pub fn is_finished(&self) -> bool {
        self.worker.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Ends the preview and waits until the source is released.
    pub fn stop(mut self) -> Option<RunStats> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Option<RunStats> {
        self.stop.store(true, Ordering::SeqCst);
        self.worker.take()?.join().ok()
    }
}

impl Drop for PreviewSession {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// The source as the pipeline sees it: it ends when the preview is stopped or the
/// source keeps failing, and sends a preview picture of a frame now and then.
struct Tee {
    source: Box<dyn FrameSource + Send>,
    shared: Arc<Shared>,
    latest: Arc<Mutex<Option<Frame>>>,
    last_reads: Arc<Mutex<(Vec<Read>, Instant)>>,
    aim_box: crate::decode::AimBox,
    options: PreviewOptions,
    seq: u64,
    last_sent: Option<Instant>,
    bad_in_row: u32,
}

impl Tee {
    fn preview(&mut self, frame: &Frame) {
        let interval = Duration::from_secs(1) / self.options.fps.max(1);
        if self.last_sent.is_some_and(|at| at.elapsed() < interval) {
            return;
        }
        self.last_sent = Some(Instant::now());
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner) = Some(frame.clone());
        let reads = {
            let (reads, at) = &*self
                .last_reads
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if at.elapsed() < self.options.outline_for {
                reads.clone()
            } else {
                Vec::new()
            }
        };
        match picture(
            frame,
            self.aim_box,
            &reads,
            self.options.max_width,
            self.options.jpeg_quality,
        ) {
            Ok(p) => {
                self.seq += 1;
                let message = PreviewMessage::Frame {
                    seq: self.seq,
                    width: p.width,
                    height: p.height,
                    aim: p.aim,
                    code: p.code,
                };
                self.shared.send(&message, &p.jpeg);
            }
            Err(e) => tracing::warn!(error = %e, "preview frame not encoded"),
        }
    }

    fn end(&self, error: &FrameError) {
        self.shared.send(
            &PreviewMessage::Ended {
                reason: CameraErrorKind::Failed,
                message: error.to_string(),
            },
            &[],
        );
    }
}

impl FrameSource for Tee {
    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        if self.shared.stop.load(Ordering::SeqCst) {
            return None;
        }
        let next = self.source.next_frame();
        match &next {
            Some(Ok(frame)) => {
                self.bad_in_row = 0;
                self.preview(frame);
            }
            Some(Err(e)) => {
                self.bad_in_row += 1;
                if self.bad_in_row >= self.options.max_bad_frames_in_row {
                    tracing::warn!(error = %e, "the frame source keeps failing; preview ended");
                    self.end(e);
                    return None;
                }
            }
            None => {}
        }
        next
    }

    fn is_live(&self) -> bool {
        self.source.is_live()
    }
}
