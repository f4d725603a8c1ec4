//! When a read counts as a scan.
//!
//! A webcam sees each code on many frames, and a single frame can be misread. A read is
//! accepted at once when its text proves itself: one of our package codes, or a
//! tracking number whose check digit verifies. Anything else needs the same text on two
//! consecutive decoded frames. A code already accepted is not accepted again while it
//! keeps being seen: the quiet period restarts at every sighting, so a parcel held up
//! for ten seconds is one scan, and showing it again after a pause is a new one.
//!
//! The code must also be *seen to be gone*: the quiet period ends only once a few
//! decoded frames in a row have not shown it. A frame that could not be decoded (over
//! the time budget, refused) says nothing either way, so a decoder slowed down by a busy
//! computer cannot make a parcel still in front of the camera count twice.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::decoder::Read;

/// What time it is; injected so that the quiet period can be tested.
pub trait Clock {
    fn now(&self) -> Instant;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AcceptReason {
    PackageCode,
    CheckDigit,
    TwoFrames,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accepted {
    pub read: Read,
    pub reason: AcceptReason,
}

/// The acceptance rule, fed the reads of each decoded frame in order.
#[derive(Debug)]
pub struct Acceptor<C = SystemClock> {
    clock: C,
    quiet: Duration,
    previous_frame: HashSet<String>,
    last_seen: HashMap<String, Seen>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    at: Instant,
    /// Decoded frames since, none of which showed the code.
    absent_frames: u32,
}

/// How long an accepted code is ignored after it was last seen.
pub const DEFAULT_QUIET: Duration = Duration::from_secs(3);

/// Decoded frames in a row without an accepted code before it may be accepted again.
pub const ABSENT_FRAMES: u32 = 3;

impl Acceptor<SystemClock> {
    pub fn new() -> Self {
        Acceptor::with_clock(SystemClock, DEFAULT_QUIET)
    }
}

impl Default for Acceptor<SystemClock> {
    fn default() -> Self {
        Self::new()
    }
}

/// Why `text` needs no second frame, if it does not.
pub fn self_verifying(text: &str) -> Option<AcceptReason> {
    if frontdesk_protocol::packages::parse_package_code(text).is_some() {
        Some(AcceptReason::PackageCode)
    } else if frontdesk_carriers::identify(text).valid {
        Some(AcceptReason::CheckDigit)
    } else {
        None
    }
}

impl<C: Clock> Acceptor<C> {
    pub fn with_clock(clock: C, quiet: Duration) -> Self {
        Acceptor {
            clock,
            quiet,
            previous_frame: HashSet::new(),
            last_seen: HashMap::new(),
        }
    }

    /// The reads of the next decoded frame (empty when it held none); returns what is
    /// accepted on it.
    pub fn offer(&mut self, reads: &[Read]) -> Vec<Accepted> {
        let now = self.clock.now();
        let quiet = self.quiet;
        let on_frame: HashSet<&str> = reads.iter().map(|r| r.text.as_str()).collect();
        self.last_seen.retain(|text, seen| {
            if !on_frame.contains(text.as_str()) {
                seen.absent_frames += 1;
            }
            now.duration_since(seen.at) < quiet || seen.absent_frames < ABSENT_FRAMES
        });
        let mut accepted = Vec::new();
        let mut this_frame = HashSet::new();
        for read in reads {
            if !this_frame.insert(read.text.clone()) {
                continue;
            }
            if let Some(seen) = self.last_seen.get_mut(&read.text) {
                *seen = Seen {
                    at: now,
                    absent_frames: 0,
                };
                continue;
            }
            let reason = self_verifying(&read.text).or_else(|| {
                self.previous_frame
                    .contains(&read.text)
                    .then_some(AcceptReason::TwoFrames)
            });
            if let Some(reason) = reason {
                self.last_seen.insert(
                    read.text.clone(),
                    Seen {
                        at: now,
                        absent_frames: 0,
                    },
                );
                accepted.push(Accepted {
                    read: read.clone(),
                    reason,
                });
            }
        }
        self.previous_frame = this_frame;
        accepted
    }

    /// A frame that was not decoded: it breaks the agreement of two consecutive frames,
    /// and is no sign that an accepted code has gone.
    pub fn missed(&mut self) {
        self.previous_frame.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Symbology;
    use std::cell::Cell;
    use std::rc::Rc;

    #[derive(Clone)]
    struct FakeClock {
        start: Instant,
        offset: Rc<Cell<Duration>>,
    }

    impl FakeClock {
        fn new() -> Self {
            FakeClock {
                start: Instant::now(),
                offset: Rc::new(Cell::new(Duration::ZERO)),
            }
        }
        fn advance(&self, by: Duration) {
            self.offset.set(self.offset.get() + by);
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.start + self.offset.get()
        }
    }

    fn read(text: &str) -> Read {
        Read {
            symbology: Symbology::Code128,
            text: text.into(),
            position: vec![],
        }
    }

    fn texts(accepted: &[Accepted]) -> Vec<(&str, AcceptReason)> {
        accepted
            .iter()
            .map(|a| (a.read.text.as_str(), a.reason))
            .collect()
    }

    const UPS: &str = "1Z12345E0205271686";
    const UPS_BAD_CHECK: &str = "1Z12345E0205271687";

    #[test]
    fn the_check_digits_of_the_test_numbers_are_what_the_tests_assume() {
        assert!(frontdesk_carriers::identify(UPS).valid);
        assert!(!frontdesk_carriers::identify(UPS_BAD_CHECK).valid);
    }

    #[test]
    fn a_verified_tracking_number_or_package_code_is_accepted_on_one_frame() {
        let mut acceptor = Acceptor::with_clock(FakeClock::new(), DEFAULT_QUIET);
        assert_eq!(
            texts(&acceptor.offer(&[read(UPS)])),
            [(UPS, AcceptReason::CheckDigit)]
        );
        assert_eq!(
            texts(&acceptor.offer(&[read("7K3Q-9XTM")])),
            [("7K3Q-9XTM", AcceptReason::PackageCode)]
        );
    }

    #[test]
    fn an_unverified_read_needs_two_consecutive_frames() {
        let mut acceptor = Acceptor::with_clock(FakeClock::new(), DEFAULT_QUIET);
        assert!(acceptor.offer(&[read(UPS_BAD_CHECK)]).is_empty());
        assert!(acceptor.offer(&[]).is_empty());
        // Not consecutive: the empty frame in between broke the agreement.
        assert!(acceptor.offer(&[read(UPS_BAD_CHECK)]).is_empty());
        assert_eq!(
            texts(&acceptor.offer(&[read(UPS_BAD_CHECK)])),
            [(UPS_BAD_CHECK, AcceptReason::TwoFrames)]
        );
    }

    #[test]
    fn a_code_is_quiet_while_it_keeps_being_seen_and_new_after_a_pause() {
        let clock = FakeClock::new();
        let mut acceptor = Acceptor::with_clock(clock.clone(), DEFAULT_QUIET);
        assert_eq!(acceptor.offer(&[read(UPS)]).len(), 1);
        for _ in 0..20 {
            clock.advance(Duration::from_millis(500));
            assert!(acceptor.offer(&[read(UPS)]).is_empty());
        }
        clock.advance(Duration::from_millis(2900));
        assert!(acceptor.offer(&[]).is_empty());
        assert!(acceptor.offer(&[read(UPS)]).is_empty());
        // The pause: the camera shows something else for longer than the quiet period.
        for _ in 0..ABSENT_FRAMES {
            clock.advance(DEFAULT_QUIET / ABSENT_FRAMES);
            assert!(acceptor.offer(&[]).is_empty());
        }
        assert_eq!(
            texts(&acceptor.offer(&[read(UPS)])),
            [(UPS, AcceptReason::CheckDigit)]
        );
    }

    #[test]
    fn a_code_is_gone_only_once_decoded_frames_show_it_gone() {
        let clock = FakeClock::new();
        let mut acceptor = Acceptor::with_clock(clock.clone(), DEFAULT_QUIET);
        assert_eq!(acceptor.offer(&[read(UPS)]).len(), 1);
        // A slow decoder: nothing decoded for a long time, the parcel still there.
        for _ in 0..10 {
            clock.advance(DEFAULT_QUIET);
            acceptor.missed();
        }
        assert!(acceptor.offer(&[read(UPS)]).is_empty());
        // Time alone is not enough, nor too few frames without it.
        clock.advance(DEFAULT_QUIET * 2);
        for _ in 1..ABSENT_FRAMES {
            assert!(acceptor.offer(&[]).is_empty());
        }
        assert!(acceptor.offer(&[read(UPS)]).is_empty());
        for _ in 0..ABSENT_FRAMES {
            assert!(acceptor.offer(&[]).is_empty());
        }
        clock.advance(DEFAULT_QUIET);
        assert_eq!(acceptor.offer(&[read(UPS)]).len(), 1);
    }

    #[test]
    fn a_frame_not_decoded_breaks_two_frame_agreement() {
        let mut acceptor = Acceptor::with_clock(FakeClock::new(), DEFAULT_QUIET);
        assert!(acceptor.offer(&[read(UPS_BAD_CHECK)]).is_empty());
        acceptor.missed();
        assert!(acceptor.offer(&[read(UPS_BAD_CHECK)]).is_empty());
        assert_eq!(acceptor.offer(&[read(UPS_BAD_CHECK)]).len(), 1);
    }

    #[test]
    fn two_codes_on_one_frame_are_each_accepted_once() {
        let mut acceptor = Acceptor::with_clock(FakeClock::new(), DEFAULT_QUIET);
        let frame = [read(UPS), read("7K3Q-9XTM"), read(UPS)];
        assert_eq!(acceptor.offer(&frame).len(), 2);
        assert!(acceptor.offer(&frame).is_empty());
    }
}
