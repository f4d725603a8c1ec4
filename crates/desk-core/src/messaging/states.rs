//! The state of an own message, derived only from data that moves one way: the outbox
//! row goes pending → acknowledged (or refused); the server's row, once it exists, stays;
//! receipt watermarks only grow. So the state shown can never go backwards, whatever
//! order the changes arrive in.

use super::views::MessageState;

/// Where an own message stands locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// In the outbox, not answered yet.
    Queued,
    /// The server accepted the push; its row has not come back yet.
    Accepted,
    /// The server refused it.
    Refused,
    /// The server's row is here, with this `no`.
    Committed(i64),
}

/// The highest watermarks among the other participants of a conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OthersReached {
    pub delivered_through: i64,
    pub read_through: i64,
}

impl OthersReached {
    /// Folds in one other participant's watermarks (read implies delivered).
    pub fn include(&mut self, delivered_through: i64, read_through: i64) {
        self.read_through = self.read_through.max(read_through);
        self.delivered_through = self
            .delivered_through
            .max(delivered_through)
            .max(read_through);
    }
}

pub fn own_state(progress: Progress, others: OthersReached) -> MessageState {
    match progress {
        Progress::Queued => MessageState::Sending,
        Progress::Accepted => MessageState::Sent,
        Progress::Refused => MessageState::Failed,
        Progress::Committed(no) if others.read_through >= no => MessageState::Read,
        Progress::Committed(no) if others.delivered_through >= no => MessageState::Delivered,
        Progress::Committed(_) => MessageState::Sent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_watermarks() {
        let mut others = OthersReached::default();
        assert_eq!(own_state(Progress::Queued, others), MessageState::Sending);
        assert_eq!(own_state(Progress::Accepted, others), MessageState::Sent);
        assert_eq!(
            own_state(Progress::Committed(3), others),
            MessageState::Sent
        );
        others.include(3, 0);
        assert_eq!(
            own_state(Progress::Committed(3), others),
            MessageState::Delivered
        );
        assert_eq!(
            own_state(Progress::Committed(4), others),
            MessageState::Sent
        );
        // Read implies delivered, even when the delivered receipt never came.
        let mut reader = OthersReached::default();
        reader.include(0, 5);
        assert_eq!(reader.delivered_through, 5);
        assert_eq!(
            own_state(Progress::Committed(5), reader),
            MessageState::Read
        );
        assert_eq!(own_state(Progress::Refused, reader), MessageState::Failed);
    }

    #[test]
    fn the_furthest_other_participant_counts() {
        let mut others = OthersReached::default();
        others.include(7, 2);
        others.include(4, 4);
        assert_eq!(
            others,
            OthersReached {
                delivered_through: 7,
                read_through: 4
            }
        );
    }
}
