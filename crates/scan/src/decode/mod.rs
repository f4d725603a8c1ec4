//! The webcam decode pipeline: frames from a [`FrameSource`] go through the
//! [`LatestSlot`], the [`Decoder`] and the [`Acceptor`]; accepted codes come out. The app
//! will run exactly this on camera frames; the tests and `frontdesk-cli decode` run it
//! on image files.

pub mod accept;
pub mod decoder;
pub mod frame;
pub mod playback;
pub mod slot;

pub use accept::{AcceptReason, Accepted, Acceptor, Clock, SystemClock};
pub use decoder::{AimBox, DecodeError, DecodeOptions, Decoder, Read, Symbology};
pub use frame::{FileSource, Frame, FrameError, FrameSource};
pub use playback::PlaybackSource;
pub use slot::LatestSlot;

use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one run over a source did, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Frames the decoder ran on.
    pub decoded: u64,
    /// Frames overwritten in the slot before the decoder got to them.
    pub dropped: u64,
    /// Frames the source could not produce (corrupt files, bad camera frames).
    pub bad_frames: u64,
    /// Frames whose decode was abandoned or refused.
    pub failed_decodes: u64,
}

/// One frame's result, as `frontdesk-cli decode` prints it.
#[derive(Debug)]
pub struct FrameResult {
    pub reads: Result<Vec<Read>, DecodeError>,
    pub elapsed: Duration,
}

/// Source → slot → decoder → acceptance.
pub struct Pipeline<C = SystemClock> {
    decoder: Decoder,
    acceptor: Acceptor<C>,
}

impl Pipeline<SystemClock> {
    pub fn new(options: DecodeOptions) -> Self {
        Pipeline::with_acceptor(options, Acceptor::new())
    }
}

impl<C: Clock> Pipeline<C> {
    pub fn with_acceptor(options: DecodeOptions, acceptor: Acceptor<C>) -> Self {
        Pipeline {
            decoder: Decoder::new(options),
            acceptor,
        }
    }

    /// The per-frame decode of the pipeline, without acceptance.
    pub fn decode_frame(&self, frame: &Frame) -> FrameResult {
        let start = Instant::now();
        let reads = self.decoder.decode(frame);
        FrameResult {
            reads,
            elapsed: start.elapsed(),
        }
    }

    /// One frame through decoding and acceptance: what the decode worker does with each
    /// frame it takes. A frame not decoded (over budget) tells the acceptance nothing.
    pub fn process(&mut self, frame: &Frame) -> Result<Vec<Accepted>, DecodeError> {
        match self.decoder.decode(frame) {
            Ok(reads) => Ok(self.acceptor.offer(&reads)),
            Err(e) => {
                tracing::warn!(error = %e, "frame not decoded");
                self.acceptor.missed();
                Err(e)
            }
        }
    }

    /// Runs `source` to its end: a capture thread feeds the slot, this thread decodes
    /// the newest frame each time and hands every accepted code to `on_accept`.
    pub fn run<S>(&mut self, source: S, on_accept: impl FnMut(Accepted)) -> RunStats
    where
        S: FrameSource + Send + 'static,
    {
        self.run_observed(source, |_| {}, on_accept)
    }

    /// [`run`](Self::run), also handing `on_decoded` the reads of every decoded frame
    /// (accepted or not), which the live preview outlines.
    pub fn run_observed<S>(
        &mut self,
        source: S,
        mut on_decoded: impl FnMut(&[Read]),
        mut on_accept: impl FnMut(Accepted),
    ) -> RunStats
    where
        S: FrameSource + Send + 'static,
    {
        let slot = Arc::new(LatestSlot::<Frame>::new());
        let capture = {
            let slot = Arc::clone(&slot);
            std::thread::spawn(move || {
                // Closes the slot however this thread ends, or the decode loop would
                // wait for frames forever after a panicking source.
                let _close = CloseOnDrop(Arc::clone(&slot));
                let mut source = source;
                let live = source.is_live();
                let mut bad = 0u64;
                while let Some(frame) = source.next_frame() {
                    match frame {
                        Ok(frame) if live => {
                            slot.put(frame);
                        }
                        Ok(frame) => {
                            if !slot.put_when_taken(frame) {
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "frame dropped");
                            bad += 1;
                        }
                    }
                }
                bad
            })
        };
        let mut stats = RunStats::default();
        while let Some(frame) = slot.take() {
            stats.decoded += 1;
            let accepted = match self.decoder.decode(&frame) {
                Ok(reads) => {
                    on_decoded(&reads);
                    self.acceptor.offer(&reads)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "frame not decoded");
                    stats.failed_decodes += 1;
                    on_decoded(&[]);
                    self.acceptor.missed();
                    Vec::new()
                }
            };
            for accepted in accepted {
                tracing::info!(text = %accepted.read.text, reason = ?accepted.reason, "code accepted");
                on_accept(accepted);
            }
        }
        // A source that panicked ended the run; count that as one bad frame.
        stats.bad_frames = capture.join().unwrap_or(1);
        stats.dropped = slot.overwritten();
        stats
    }
}

struct CloseOnDrop(Arc<LatestSlot<Frame>>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}
