//! The WebSocket fast path: `GET /v1/ws` (with `Authorization: Bearer TOKEN`).
//!
//! The server pushes its building's committed changes as they commit, in sequence
//! order. The change log stays the source of truth: a desk applies a frame only when
//! it continues its cursor exactly, and pulls from its cursor on any gap, on
//! connecting and on reconnecting. A lost or reordered frame therefore costs a pull,
//! never a change. Liveness uses WebSocket ping/pong control frames in both directions.
//!
//! Some changes are seen only by some staff (a conversation's, see `messaging`): a
//! frame then holds only what this desk may see, and says which stretch of the log it
//! covers (`after_seq`, `through_seq`), so the desk's cursor moves over what it may not
//! see without a pull.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Change;

/// Largest text frame either side accepts, in bytes.
pub const MAX_WS_FRAME_BYTES: usize = 1024 * 1024;

/// What the server sends, as JSON text frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum ServerFrame {
    /// First frame after the upgrade: the building's head at that moment. A desk
    /// whose cursor is behind pulls.
    Hello {
        #[ts(type = "number")]
        head_seq: i64,
    },
    /// Newly committed changes, in order. Without a range: consecutive, the first one
    /// continuing the desk's cursor. With one: every change with `after_seq < seq <=
    /// through_seq` that this desk may see (perhaps none); the desk applies it when
    /// `after_seq` is its cursor, and its cursor then moves to `through_seq`.
    Changes {
        changes: Vec<Change>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional, type = "number")]
        after_seq: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional, type = "number")]
        through_seq: Option<i64>,
    },
    /// The head moved but the changes are not in this frame (too many at once, or the
    /// server fell behind): pull from your cursor.
    Poke {
        #[ts(type = "number")]
        head_seq: i64,
    },
}
