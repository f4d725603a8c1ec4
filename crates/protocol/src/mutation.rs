//! Desk writes: `POST /v1/sync/push`.
//!
//! A desk applies every write to its local store at once and queues it as a
//! [`Mutation`] in its outbox, in the same transaction. The pusher sends the outbox in
//! order. The mutation id is the idempotency key: the server applies an id at most once
//! and answers a repeat with the first result, so a desk may resend freely after any
//! failure.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    ConversationAdd, ConversationCreate, ConversationPrefSet, InstructionTarget, MessageEdit,
    MessageSend, PackageEdit, PackageIntake, PackagePhotoAdd, PackageTransition, ReactionSet,
    ReceiptMark,
};

/// Most mutations one push carries.
pub const MAX_PUSH_BATCH: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Mutation {
    /// UUID v7, made by the desk: time-ordered, and the idempotency key.
    pub id: Uuid,
    /// When staff made the change, by the desk's clock (shown, never trusted for order).
    #[ts(type = "number")]
    pub client_time_ms: i64,
    pub body: MutationBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
#[ts(export)]
pub enum MutationBody {
    /// Create or replace an instruction. Concurrent saves: the last one the server
    /// commits wins (by sequence).
    InstructionSave {
        id: String,
        target: InstructionTarget,
        text: String,
    },
    /// Remove an instruction; removing one already gone is not an error.
    InstructionDelete { id: String },
    /// Take a parcel in.
    PackageIntake(PackageIntake),
    /// Correct a parcel's details or assign its recipient.
    PackageEdit(PackageEdit),
    /// Move a parcel along its lifecycle.
    PackageTransition(PackageTransition),
    /// Add a photo to a parcel (its blob uploaded first).
    PackagePhotoAdd(PackagePhotoAdd),
    /// Open a conversation (see `messaging`).
    ConversationCreate(ConversationCreate),
    /// Add people to a group conversation.
    ConversationAdd(ConversationAdd),
    /// Leave a conversation (the caller only).
    ConversationLeave { conversation_id: String },
    /// Post a message.
    MessageSend(MessageSend),
    /// Change one's own message.
    MessageEdit(MessageEdit),
    /// Delete one's own message (its text and attachments are dropped; a marker stays).
    MessageDelete { id: String },
    /// Set or clear one's reaction.
    ReactionSet(ReactionSet),
    /// Move one's delivered/read watermarks forward.
    ReceiptMark(ReceiptMark),
    /// Set one's own flags (important) on a conversation.
    ConversationPrefSet(ConversationPrefSet),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PushRequest {
    pub mutations: Vec<Mutation>,
}

/// One result per pushed mutation, in the order sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct MutationResult {
    pub id: Uuid,
    /// True when the server had seen this id before: `outcome` is the first result,
    /// and nothing was applied this time.
    pub duplicate: bool,
    pub outcome: MutationOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
#[ts(export)]
pub enum MutationOutcome {
    /// Committed; its changes carry `seq` and later ones.
    Applied {
        #[ts(type = "number")]
        seq: i64,
    },
    /// Refused for good: the desk reverts its optimistic change and shows `reason`.
    Rejected { code: RejectCode, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RejectCode {
    /// The payload breaks a rule (empty or too long text…).
    Invalid,
    /// It refers to something this building does not have.
    NotFound,
    /// The caller may not do this.
    Forbidden,
    /// Another desk's committed change makes this one impossible.
    Conflict,
}
