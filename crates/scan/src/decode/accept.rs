//! When a read counts as a scan.
//!
//! A webcam sees each code on many frames, and a single frame can be misread. A read is
//! accepted at once when its text proves itself: one of our package codes, or a
//! tracking number whose check digit verifies. Anything else needs the same text on two
//! consecutive decoded frames. A code already accepted is not accepted again while it
//! keeps being seen: the quiet period restarts at every sighting, so a parcel held up
//! for ten seconds is one scan, and showing it again after a pause is a new one.

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
    last_seen: HashMap<String, Instant>,
}

/// How long an accepted code is ignored after it was last seen.
pub const DEFAULT_QUIET: Duration = Duration::from_secs(3);

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
        self.last_seen
            .retain(|_, seen| now.duration_since(*seen) < quiet);
        let mut accepted = Vec::new();
        let mut this_frame = HashSet::new();
        for read in reads {
            if !this_frame.insert(read.text.clone()) {
                continue;
            }
            if let Some(seen) = self.last_seen.get_mut(&read.text) {
                *seen = now;
                continue;
            }
            let reason = self_verifying(&read.text).or_else(|| {
                self.previous_frame
                    .contains(&read.text)
                    .then_some(AcceptReason::TwoFrames)
            });
            if let Some(reason) = reason {
                self.last_seen.insert(read.text.clone(), now);
                accepted.push(Accepted {
                    read: read.clone(),
                    reason,
                });
            }
        }
        self.previous_frame = this_frame;
        accepted
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
        clock.advance(DEFAULT_QUIET);
        assert_eq!(
            texts(&acceptor.offer(&[read(UPS)])),
            [(UPS, AcceptReason::CheckDigit)]
        );
    }

    #[test]
    fn two_codes_on_one_frame_are_each_accepted_once() {
        let mut acceptor = Acceptor::with_clock(FakeClock::new(), DEFAULT_QUIET);
        let frame = [read(UPS), read("7K3Q-9XTM"), read(UPS)];
        assert_eq!(acceptor.offer(&frame).len(), 2);
        assert!(acceptor.offer(&frame).is_empty());
    }
}
