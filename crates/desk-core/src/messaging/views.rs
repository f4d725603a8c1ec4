//! What the messaging screens are given: conversations, threads and their messages as
//! shown at this desk (the server's rows with this desk's queued writes laid over).

use frontdesk_protocol::{
    Attachment, ConversationKind, MessageKind, ParticipantRole, ReactionKind, SystemEvent,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which conversations the list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConversationFilter {
    #[default]
    All,
    /// Only those with messages from others not yet read here.
    Unread,
    /// Only those this staff member flagged important.
    Important,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConversationQuery {
    /// Words that must all appear in the title, a participant's name or a message
    /// (prefixes, accents and case folded).
    pub search: Option<String>,
    #[serde(default)]
    pub filter: ConversationFilter,
    /// At most this many (latest activity first); all when not given.
    pub limit: Option<u32>,
}

/// What an own message has become. It only moves forward (`sending`, `sent`,
/// `delivered`, `read`), except `failed`, which only a retry leaves (back to `sending`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MessageState {
    /// Queued here, not yet accepted by the server.
    Sending,
    /// The server accepted it.
    Sent,
    /// Another participant's desk has received it.
    Delivered,
    /// Another participant has read it.
    Read,
    /// The server refused it (`failure` says why): retry or discard.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ParticipantView {
    pub staff_id: String,
    /// From the local staff directory (`None` when not in it).
    pub name: Option<String>,
    pub role: ParticipantRole,
    /// They left (or were removed).
    pub left: bool,
    /// How far their desk has received and read this conversation (message `no`).
    #[ts(type = "number")]
    pub delivered_through: i64,
    #[ts(type = "number")]
    pub read_through: i64,
}

/// The last message of a conversation, for the list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct MessagePreview {
    pub message_id: String,
    pub sender_id: String,
    pub sender_name: Option<String>,
    pub own: bool,
    pub kind: MessageKind,
    /// Empty once deleted (and for a message of attachments only).
    pub text: String,
    pub deleted: bool,
    pub attachments: u32,
    #[ts(type = "number")]
    pub at_ms: i64,
    /// For an own message.
    pub state: Option<MessageState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ConversationSummary {
    pub id: String,
    pub kind: ConversationKind,
    pub title: Option<String>,
    /// Everyone in it, this staff member included.
    pub participants: Vec<ParticipantView>,
    /// Messages from others after this staff member's read watermark.
    pub unread: u32,
    pub important: bool,
    pub last_message: Option<MessagePreview>,
    /// The latest message's time (or the conversation's creation): the list's order.
    #[ts(type = "number")]
    pub last_activity_ms: i64,
    /// Opened here and not yet accepted by the server.
    pub pending: bool,
    /// This staff member left it: read-only.
    pub left: bool,
    /// The composer holds unsent text for it.
    pub has_draft: bool,
}

/// Who reacted how to a message.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ReactionCount {
    pub reaction: ReactionKind,
    pub count: u32,
    pub staff_ids: Vec<String>,
    /// This staff member is one of them.
    pub mine: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct MessageView {
    pub id: String,
    pub conversation_id: String,
    /// Its place in the conversation; `None` until the server has it (sending, failed).
    #[ts(type = "number | null")]
    pub no: Option<i64>,
    pub kind: MessageKind,
    pub sender_id: String,
    pub sender_name: Option<String>,
    /// Written by this staff member.
    pub own: bool,
    /// Plain text: render as text, never as HTML. Empty once deleted.
    pub text: String,
    pub system: Option<SystemEvent>,
    pub attachments: Vec<Attachment>,
    #[ts(type = "number")]
    pub sent_at_ms: i64,
    #[ts(type = "number | null")]
    pub edited_at_ms: Option<i64>,
    pub deleted: bool,
    /// An own message's state (`None` for others' messages).
    pub state: Option<MessageState>,
    /// Why the server refused it (state `failed`).
    pub failure: Option<String>,
    /// An edit or deletion of it waits for the server.
    pub pending_change: bool,
    pub reactions: Vec<ReactionCount>,
    /// Other participants who have read it (staff ids), for group conversations.
    pub read_by: Vec<String>,
}

/// A page of a thread, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct MessagePage {
    pub messages: Vec<MessageView>,
    /// Older messages are held here: ask again with `before_no` = the first `no`.
    pub has_older: bool,
}

/// A conversation's header and participants, with this staff member's place in it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ConversationDetail {
    pub summary: ConversationSummary,
    /// This staff member's read watermark (the "new messages" line goes after it).
    #[ts(type = "number")]
    pub read_through: i64,
    pub draft: Option<String>,
}

/// A staff member one may start a conversation with.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct StaffOption {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// A new message from someone else just arrived: what a desktop notification shows.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct MessageAlert {
    pub conversation_id: String,
    pub message_id: String,
    pub sender_id: String,
    pub sender_name: Option<String>,
    /// The conversation's title, when it has one.
    pub conversation_title: Option<String>,
    /// The start of the text, on one line.
    pub preview: String,
}
