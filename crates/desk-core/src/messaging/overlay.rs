//! This desk's queued messaging writes, as laid over the server's rows when read.
//!
//! Read in the same snapshot as the rows (see `outbox::overlay_in`), through the
//! outbox's index by kind, so a long queue of parcels does not slow a thread down.
//! Refused writes are reverted by not being laid over, except a refused message, which
//! stays in its thread as `failed` until staff retry or discard it.

use std::collections::{BTreeMap, BTreeSet};

use frontdesk_protocol::{ConversationCreate, MessageSend, Mutation, MutationBody, ReactionKind};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::states::Progress;
use crate::error::{DeskError, DeskErrorCode, DeskResult};

/// A message written here, as the outbox holds it.
#[derive(Debug, Clone)]
pub(crate) struct LocalSend {
    pub send: MessageSend,
    pub progress: Progress,
    pub failure: Option<String>,
    pub written_at_ms: i64,
    pub mutation_id: Uuid,
}

/// Everything queued (pending or acknowledged, not yet pulled back) about messaging.
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    /// Conversations opened here, with when.
    pub creates: Vec<(ConversationCreate, i64)>,
    pub added: BTreeMap<String, Vec<String>>,
    pub left: BTreeSet<String>,
    /// In the order written, refused ones included.
    pub sends: Vec<LocalSend>,
    /// Message id → the latest queued text and when.
    pub edits: BTreeMap<String, (String, i64)>,
    pub deletes: BTreeMap<String, i64>,
    /// (message id, reaction) → set or cleared, the latest queued.
    pub reactions: BTreeMap<(String, ReactionKind), bool>,
    /// Conversation id → the furthest queued watermark.
    pub read_through: BTreeMap<String, i64>,
    pub important: BTreeMap<String, bool>,
}

#[derive(sqlx::FromRow)]
struct Row {
    mutation_id: String,
    body: String,
    client_time_ms: i64,
    state: String,
    reject_reason: Option<String>,
}

impl Overlay {
    pub async fn read(conn: &mut SqliteConnection) -> DeskResult<Self> {
        // The kinds are the serde names of the messaging mutations.
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT mutation_id, body, client_time_ms, state, reject_reason FROM outbox \
             WHERE kind IN ('conversation_create', 'conversation_add', \
             'conversation_leave', 'message_send', 'message_edit', 'message_delete', \
             'reaction_set', 'receipt_mark', 'conversation_pref_set') ORDER BY seq",
        )
        .fetch_all(conn)
        .await?;
        Self::from_rows(rows)
    }

    /// Only what decides whether `me` may still write in one conversation: its queued
    /// create and leave (see `store::writable_kind`). Sending a message reads this, not
    /// the whole overlay, so it costs the same with 10,000 messages queued as with none.
    pub async fn read_membership(
        conn: &mut SqliteConnection,
        conversation_id: &str,
    ) -> DeskResult<Self> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT mutation_id, body, client_time_ms, state, reject_reason FROM outbox \
             WHERE (entity_id = ?1 AND kind = 'conversation_create') \
                OR (conversation_id = ?1 AND kind = 'conversation_leave') ORDER BY seq",
        )
        .bind(conversation_id)
        .fetch_all(&mut *conn)
        .await?;
        Self::from_rows(rows)
    }

    fn from_rows(rows: Vec<Row>) -> DeskResult<Self> {
        let mut overlay = Self::default();
        for row in rows {
            let mutation = Mutation {
                id: Uuid::parse_str(&row.mutation_id).map_err(|e| {
                    DeskError::new(DeskErrorCode::Storage, format!("outbox id: {e}"))
                })?,
                client_time_ms: row.client_time_ms,
                body: serde_json::from_str(&row.body)?,
            };
            overlay.lay(mutation, &row.state, row.reject_reason);
        }
        Ok(overlay)
    }

    fn lay(&mut self, mutation: Mutation, state: &str, reject_reason: Option<String>) {
        let at = mutation.client_time_ms;
        if let MutationBody::MessageSend(send) = mutation.body {
            let progress = match state {
                "pending" => Progress::Queued,
                "acked" => Progress::Accepted,
                _ => Progress::Refused,
            };
            self.sends.push(LocalSend {
                send,
                progress,
                failure: reject_reason,
                written_at_ms: at,
                mutation_id: mutation.id,
            });
            return;
        }
        if state == "rejected" {
            return;
        }
        match mutation.body {
            MutationBody::ConversationCreate(create) => self.creates.push((create, at)),
            MutationBody::ConversationAdd(add) => self
                .added
                .entry(add.conversation_id)
                .or_default()
                .extend(add.staff_ids),
            MutationBody::ConversationLeave { conversation_id } => {
                self.left.insert(conversation_id);
            }
            MutationBody::MessageEdit(edit) => {
                self.edits.insert(edit.id, (edit.text, at));
            }
            MutationBody::MessageDelete { id } => {
                self.deletes.insert(id, at);
            }
            MutationBody::ReactionSet(r) => {
                self.reactions.insert((r.message_id, r.reaction), r.active);
            }
            MutationBody::ReceiptMark(mark) => {
                let furthest = mark.read_through.unwrap_or_default();
                let entry = self.read_through.entry(mark.conversation_id).or_default();
                *entry = (*entry).max(furthest);
            }
            MutationBody::ConversationPrefSet(pref) => {
                self.important.insert(pref.conversation_id, pref.important);
            }
            _ => {}
        }
    }

    pub fn sends_in<'a>(&'a self, conversation_id: &'a str) -> impl Iterator<Item = &'a LocalSend> {
        self.sends
            .iter()
            .filter(move |s| s.send.conversation_id == conversation_id)
    }

    pub fn create_of(&self, conversation_id: &str) -> Option<&(ConversationCreate, i64)> {
        self.creates.iter().find(|(c, _)| c.id == conversation_id)
    }
}
