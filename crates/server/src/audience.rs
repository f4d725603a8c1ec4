//! Who may see what in the live stream: a fan-out batch whose changes are not all for
//! the whole building, and the frame each connection sends of it.
//!
//! A connection keeps a [`View`]: its staff member and the conversations they are in
//! as of the connection's cursor. The view starts from one snapshot (the building's
//! head and the staff member's conversations, read in one statement: see
//! `messaging::store::head_and_conversations`) and then follows the stream: every
//! `conversation_upserted` carries the whole participant list, so the view is kept
//! current by the changes themselves, in log order, for every batch the connection
//! moves its cursor over, whether it sends it or pokes past it. It therefore always
//! answers "was S in C just before this change", which is what the pull answers from
//! `conversation_participants` (a current participant sees everything of C, one who
//! left sees up to the change that recorded it).
//!
//! The frames of one batch are encoded once per distinct visible subset (with the
//! cursor it continues), not once per connection: connections of staff in the same
//! conversations share one encoding.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use axum::extract::ws::Utf8Bytes;
use frontdesk_protocol::{Audience, Change, ChangeBody};

/// One connection's right to see: who it is for, and their conversations as of its
/// cursor.
#[derive(Debug, Clone)]
pub struct View {
    pub staff_id: String,
    pub conversations: HashSet<String>,
}

impl View {
    /// Applies what a change says about membership, after deciding its visibility.
    fn follow(&mut self, membership: &Membership) {
        if membership.current.contains(&self.staff_id) {
            self.conversations
                .insert(membership.conversation_id.clone());
        } else {
            self.conversations.remove(&membership.conversation_id);
        }
    }

    /// Follows every membership change of `batch` after `cursor`, for a batch the
    /// connection moves past without sending its changes.
    pub fn skip(&mut self, batch: &RestrictedParts, cursor: i64) {
        for entry in batch.entries.iter().filter(|e| e.seq > cursor) {
            if let Some(m) = &entry.membership {
                self.follow(m);
            }
        }
    }
}

/// Who is in a conversation right after one of its `conversation_upserted` changes.
#[derive(Debug)]
struct Membership {
    conversation_id: String,
    current: HashSet<String>,
}

#[derive(Debug)]
enum Who {
    Building,
    Conversation(String),
    Staff(String),
}

#[derive(Debug)]
struct Entry {
    seq: i64,
    who: Who,
    membership: Option<Membership>,
    /// The change as JSON, encoded once for every frame that carries it.
    json: String,
}

/// A batch's changes as the per-connection frames need them.
#[derive(Debug)]
pub struct RestrictedParts {
    entries: Vec<Entry>,
    last_seq: i64,
    /// Frames already encoded, by the cursor they continue and the changes they hold.
    frames: Mutex<HashMap<(i64, Vec<u32>), Utf8Bytes>>,
}

/// True when some change is not for the whole building.
pub fn any_restricted(changes: &[Change]) -> bool {
    changes
        .iter()
        .any(|c| c.body.audience() != Audience::Building)
}

/// The JSON of one change, as every frame carries it.
pub fn change_json(change: &Change) -> String {
    // Serialising our own types cannot fail: no maps with non-string keys.
    serde_json::to_string(change).unwrap_or_default()
}

/// A `changes` frame of already-encoded changes, with the range it covers when given.
pub fn changes_frame<'a>(
    changes: impl IntoIterator<Item = &'a str>,
    range: Option<(i64, i64)>,
) -> String {
    let mut text = String::from(r#"{"type":"changes","changes":["#);
    for (i, json) in changes.into_iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(json);
    }
    text.push(']');
    if let Some((after, through)) = range {
        text.push_str(&format!(r#","after_seq":{after},"through_seq":{through}"#));
    }
    text.push('}');
    text
}

impl RestrictedParts {
    /// `jsons` are the changes encoded by [`change_json`], in the same order.
    pub fn new(changes: &[Change], jsons: Vec<String>, last_seq: i64) -> Self {
        let entries = changes
            .iter()
            .zip(jsons)
            .map(|(change, json)| Entry {
                seq: change.seq,
                who: match change.body.audience() {
                    Audience::Building => Who::Building,
                    Audience::Conversation(id) => Who::Conversation(id.to_owned()),
                    Audience::Staff(id) => Who::Staff(id.to_owned()),
                },
                membership: match &change.body {
                    ChangeBody::ConversationUpserted(c) => Some(Membership {
                        conversation_id: c.id.clone(),
                        current: c
                            .participants
                            .iter()
                            .filter(|p| p.left_at_ms.is_none())
                            .map(|p| p.staff_id.clone())
                            .collect(),
                    }),
                    _ => None,
                },
                json,
            })
            .collect();
        Self {
            entries,
            last_seq,
            frames: Mutex::new(HashMap::new()),
        }
    }

    /// The frame for a connection at `cursor` (below `last_seq`): the changes after
    /// it that `view` may see, in a frame covering `after..=last_seq` (`after` is the
    /// end of the last frame the desk was sent, at or below `cursor`: the connection
    /// holds back frames that would carry nothing). `None` when `view` sees nothing of
    /// it. Moves `view` along either way.
    pub fn frame_for(&self, view: &mut View, cursor: i64, after: i64) -> Option<Utf8Bytes> {
        let mut visible = Vec::new();
        for (i, entry) in (0_u32..).zip(&self.entries) {
            if entry.seq <= cursor {
                continue;
            }
            let sees = match &entry.who {
                Who::Building => true,
                Who::Staff(id) => *id == view.staff_id,
                Who::Conversation(id) => {
                    // One who just joined sees the change that added them; one who
                    // just left, the change that recorded it.
                    view.conversations.contains(id)
                        || entry
                            .membership
                            .as_ref()
                            .is_some_and(|m| m.current.contains(&view.staff_id))
                }
            };
            if sees {
                visible.push(i);
            }
            if let Some(m) = &entry.membership {
                view.follow(m);
            }
        }
        if visible.is_empty() {
            return None;
        }
        let key = (after, visible);
        let mut frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(text) = frames.get(&key) {
            return Some(text.clone());
        }
        let text = Utf8Bytes::from(changes_frame(
            key.1
                .iter()
                .map(|&i| self.entries[i as usize].json.as_str()),
            Some((after, self.last_seq)),
        ));
        frames.insert(key, text.clone());
        Some(text)
    }

    /// How many distinct frames were encoded (for tests and measurements).
    pub fn encoded_frames(&self) -> usize {
        self.frames
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}
