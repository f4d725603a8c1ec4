//! The latest-frame slot between capture and decoding: capture writes, the decode worker
//! takes, and a frame not taken in time is overwritten. A queue would let decoding fall
//! ever further behind the camera; the desk wants what is in front of it now.

use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Debug)]
struct State<T> {
    value: Option<T>,
    closed: bool,
    overwritten: u64,
}

/// Holds at most one value, the newest.
#[derive(Debug)]
pub struct LatestSlot<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
}

impl<T> Default for LatestSlot<T> {
    fn default() -> Self {
        LatestSlot {
            state: Mutex::new(State {
                value: None,
                closed: false,
                overwritten: 0,
            }),
            changed: Condvar::new(),
        }
    }
}

impl<T> LatestSlot<T> {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic elsewhere while holding the lock leaves a slot that is still
        // consistent (one Option), so carry on with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts `value`, replacing one not yet taken. Returns whether one was replaced.
    pub fn put(&self, value: T) -> bool {
        let mut state = self.lock();
        let replaced = state.value.replace(value).is_some();
        if replaced {
            state.overwritten += 1;
        }
        drop(state);
        self.changed.notify_all();
        replaced
    }

    /// Puts `value` once the previous one has been taken: for recorded sources, where
    /// every frame should be decoded. Returns false (dropping `value`) when closed.
    pub fn put_when_taken(&self, value: T) -> bool {
        let mut state = self.lock();
        while state.value.is_some() && !state.closed {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if state.closed {
            return false;
        }
        state.value = Some(value);
        drop(state);
        self.changed.notify_all();
        true
    }

    /// Takes the newest value, waiting for one; `None` once closed and empty.
    pub fn take(&self) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(value) = state.value.take() {
                drop(state);
                self.changed.notify_all();
                return Some(value);
            }
            if state.closed {
                return None;
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// No more values will come; a value already in the slot can still be taken.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// How many values were replaced before being taken.
    pub fn overwritten(&self) -> u64 {
        self.lock().overwritten
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::mpsc;
    use std::thread;

    #[test]
    fn a_slow_reader_only_ever_sees_the_newest_value() {
        let slot = Arc::new(LatestSlot::new());
        let (wrote, written) = mpsc::channel();
        let (go, next) = mpsc::channel::<()>();
        let writer = {
            let slot = Arc::clone(&slot);
            thread::spawn(move || {
                // Bursts of frames, each burst written while the reader is busy.
                for burst in 0..5u32 {
                    next.recv().unwrap();
                    for i in 0..10 {
                        slot.put(burst * 10 + i);
                    }
                    wrote.send(burst * 10 + 9).unwrap();
                }
                slot.close();
            })
        };
        let mut seen = Vec::new();
        for _ in 0..5 {
            go.send(()).unwrap();
            let newest = written.recv().unwrap();
            let got = slot.take().unwrap();
            assert_eq!(got, newest, "the reader got an overwritten frame");
            seen.push(got);
        }
        writer.join().unwrap();
        assert_eq!(slot.take(), None);
        assert_eq!(seen, [9, 19, 29, 39, 49]);
        assert_eq!(slot.overwritten(), 45);
    }

    #[test]
    fn a_recorded_source_hands_over_every_value() {
        let slot = Arc::new(LatestSlot::new());
        let writer = {
            let slot = Arc::clone(&slot);
            thread::spawn(move || {
                for i in 0..100 {
                    assert!(slot.put_when_taken(i));
                }
                slot.close();
            })
        };
        let mut seen = Vec::new();
        while let Some(v) = slot.take() {
            seen.push(v);
        }
        writer.join().unwrap();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
        assert_eq!(slot.overwritten(), 0);
    }

    #[test]
    fn closing_wakes_a_waiting_reader() {
        let slot = Arc::new(LatestSlot::<u8>::new());
        let reader = {
            let slot = Arc::clone(&slot);
            thread::spawn(move || slot.take())
        };
        thread::sleep(std::time::Duration::from_millis(20));
        slot.close();
        assert_eq!(reader.join().unwrap(), None);
    }
}
