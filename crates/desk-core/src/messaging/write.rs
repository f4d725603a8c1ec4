//! Messaging writes at this desk: each checks what the desk can know, then queues its
//! mutation in the outbox in the same transaction as anything else it touches. The
//! rules are the protocol's (`frontdesk_protocol::messaging`), the same the server runs.

use frontdesk_protocol::{
    Attachment, AttachmentRef, ConversationAdd, ConversationCreate, ConversationKind,
    ConversationPrefSet, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_MESSAGE, MAX_MESSAGE_CHARS,
    MAX_PARTICIPANTS, MessageEdit, MessageSend, Mutation, MutationBody, ReactionKind, ReactionSet,
    ReceiptMark, clean_attachment_name, direct_conversation_id, is_blob_sha256,
    normalize_message_text, normalize_title,
};
use sqlx::SqliteConnection;

use super::overlay::Overlay;
use super::store::{my_read_through, visible, writable_kind};
use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::outbox;
use crate::store::Store;

/// Longest draft kept: generous (a draft may be pasted text to trim), but bounded.
pub const MAX_DRAFT_CHARS: usize = 4 * MAX_MESSAGE_CHARS;

fn invalid(message: impl Into<String>) -> DeskError {
    DeskError::new(DeskErrorCode::InvalidInput, message)
}

fn not_found(message: impl Into<String>) -> DeskError {
    DeskError::new(DeskErrorCode::NotFound, message)
}

/// What a write needs to know about an existing message.
struct Known {
    conversation_id: String,
    sender_id: String,
    deleted: bool,
    has_attachments: bool,
    /// Only in the outbox (the server has not taken it yet).
    local: bool,
}

async fn known_message(
    conn: &mut SqliteConnection,
    overlay: &Overlay,
    id: &str,
    me: &str,
) -> DeskResult<Known> {
    let row: Option<(String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT conversation_id, sender_id, deleted_at_ms, attachments FROM messages WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let known = match row {
        Some((conversation_id, sender_id, deleted, attachments)) => Known {
            conversation_id,
            sender_id,
            deleted: deleted.is_some(),
            has_attachments: attachments != "[]",
            local: false,
        },
        None => {
            let send = overlay
                .sends
                .iter()
                .find(|s| s.send.id == id)
                .ok_or_else(|| not_found(format!("no message {id} here")))?;
            Known {
                conversation_id: send.send.conversation_id.clone(),
                sender_id: me.to_owned(),
                deleted: false,
                has_attachments: !send.send.attachments.is_empty(),
                local: true,
            }
        }
    };
    if !visible(conn, me, &known.conversation_id, overlay).await? {
        return Err(not_found(format!("no message {id} here")));
    }
    Ok(known)
}

impl Store {
    /// Opens a conversation with `participant_ids` (the others). One other person and
    /// no title: their direct conversation, the existing one when there is one (here or
    /// on the server: its id is the same whoever opens it). Answers its id.
    pub async fn start_conversation(
        &self,
        me: &str,
        participant_ids: &[String],
        title: Option<&str>,
        now_ms: i64,
    ) -> DeskResult<(Option<Mutation>, String)> {
        let title = normalize_title(title).map_err(invalid)?;
        let mut others: Vec<String> = participant_ids
            .iter()
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty() && id != me)
            .collect();
        others.sort();
        others.dedup();
        if others.is_empty() {
            return Err(invalid("choose at least one other staff member"));
        }
        if others.len() + 1 > MAX_PARTICIPANTS {
            return Err(invalid(format!(
                "a conversation has at most {MAX_PARTICIPANTS} participants"
            )));
        }
        let mut tx = self.begin_write().await?;
        let known: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM staff WHERE disabled = 0 AND id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(&others)?)
        .fetch_all(&mut *tx)
        .await?;
        if let Some(missing) = others.iter().find(|id| !known.iter().any(|(k,)| k == *id)) {
            return Err(not_found(format!("no staff member {missing} to write to")));
        }
        let direct = others.len() == 1 && title.is_none();
        let (id, kind) = if direct {
            (
                direct_conversation_id(me, &others[0]),
                ConversationKind::Direct,
            )
        } else {
            (uuid::Uuid::now_v7().to_string(), ConversationKind::Group)
        };
        if direct {
            let overlay = Overlay::read(&mut tx).await?;
            if visible(&mut tx, me, &id, &overlay).await? {
                return Ok((None, id));
            }
        }
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::ConversationCreate(ConversationCreate {
                id: id.clone(),
                kind,
                title,
                participant_ids: others,
            }),
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok((Some(mutation), id))
    }

    /// Adds people to a group conversation `me` is in (those already in it are not an
    /// error). They get its history from the server.
    pub async fn add_participants(
        &self,
        me: &str,
        conversation_id: &str,
        staff_ids: &[String],
        now_ms: i64,
    ) -> DeskResult<Mutation> {
        let mut staff_ids: Vec<String> = staff_ids
            .iter()
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty() && id != me)
            .collect();
        staff_ids.sort();
        staff_ids.dedup();
        if staff_ids.is_empty() {
            return Err(invalid("choose at least one staff member to add"));
        }
        let mut tx = self.begin_write().await?;
        let overlay = Overlay::read(&mut tx).await?;
        match writable_kind(&mut tx, me, conversation_id, &overlay).await? {
            Some(ConversationKind::Group) => {}
            Some(ConversationKind::Direct) => {
                return Err(DeskError::new(
                    DeskErrorCode::Conflict,
                    "a direct conversation stays between its two people: start a group",
                ));
            }
            None => {
                return Err(not_found(format!(
                    "no conversation {conversation_id} to add people to"
                )));
            }
        }
        let known: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM staff WHERE disabled = 0 AND id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(&staff_ids)?)
        .fetch_all(&mut *tx)
        .await?;
        if let Some(missing) = staff_ids
            .iter()
            .find(|id| !known.iter().any(|(k,)| k == *id))
        {
            return Err(not_found(format!("no staff member {missing} to add")));
        }
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::ConversationAdd(ConversationAdd {
                conversation_id: conversation_id.to_owned(),
                staff_ids,
            }),
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(mutation)
    }

    /// Leaves a conversation: it stays readable here, up to the leaving.
    pub async fn leave_conversation(
        &self,
        me: &str,
        conversation_id: &str,
        now_ms: i64,
    ) -> DeskResult<Mutation> {
        let mut tx = self.begin_write().await?;
        let overlay = Overlay::read(&mut tx).await?;
        if writable_kind(&mut tx, me, conversation_id, &overlay)
            .await?
            .is_none()
        {
            return Err(not_found(format!(
                "no conversation {conversation_id} to leave"
            )));
        }
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::ConversationLeave {
                conversation_id: conversation_id.to_owned(),
            },
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(mutation)
    }

    /// Queues a message; its draft goes in the same transaction. Answers the message id.
    pub async fn send_message(
        &self,
        me: &str,
        conversation_id: &str,
        text: &str,
        attachments: Vec<Attachment>,
        now_ms: i64,
    ) -> DeskResult<(Mutation, String)> {
        if attachments.len() > MAX_ATTACHMENTS_PER_MESSAGE {
            return Err(invalid(format!(
                "a message has at most {MAX_ATTACHMENTS_PER_MESSAGE} attachments"
            )));
        }
        for a in &attachments {
            if !is_blob_sha256(&a.sha256) {
                return Err(invalid(format!("{:?} is not an uploaded file", a.name)));
            }
            if a.size > MAX_ATTACHMENT_BYTES {
                return Err(invalid(format!(
                    "{} is larger than {} MB",
                    a.name,
                    MAX_ATTACHMENT_BYTES / (1024 * 1024)
                )));
            }
        }
        let text = normalize_message_text(text, !attachments.is_empty()).map_err(invalid)?;
        let mut tx = self.begin_write().await?;
        let overlay = Overlay::read_membership(&mut tx, conversation_id).await?;
        if writable_kind(&mut tx, me, conversation_id, &overlay)
            .await?
            .is_none()
        {
            return Err(not_found(format!(
                "no conversation {conversation_id} to write in"
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let refs: Vec<AttachmentRef> = attachments
            .iter()
            .map(|a| AttachmentRef {
                sha256: a.sha256.clone(),
                name: clean_attachment_name(&a.name),
            })
            .collect();
        if !attachments.is_empty() {
            sqlx::query("INSERT INTO outgoing_attachments (message_id, attachments) VALUES (?, ?)")
                .bind(&id)
                .bind(serde_json::to_string(&attachments)?)
                .execute(&mut *tx)
                .await?;
        }
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::MessageSend(MessageSend {
                id: id.clone(),
                conversation_id: conversation_id.to_owned(),
                text,
                attachments: refs,
            }),
            now_ms,
        )
        .await?;
        sqlx::query("DELETE FROM message_drafts WHERE staff_id = ? AND conversation_id = ?")
            .bind(me)
            .bind(conversation_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((mutation, id))
    }

    pub async fn edit_message(
        &self,
        me: &str,
        id: &str,
        text: &str,
        now_ms: i64,
    ) -> DeskResult<Mutation> {
        let mut tx = self.begin_write().await?;
        let overlay = Overlay::read(&mut tx).await?;
        let known = own_live_message(&mut tx, &overlay, id, me).await?;
        let text = normalize_message_text(text, known.has_attachments).map_err(invalid)?;
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::MessageEdit(MessageEdit {
                id: id.to_owned(),
                text,
            }),
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(mutation)
    }

    pub async fn delete_message(&self, me: &str, id: &str, now_ms: i64) -> DeskResult<Mutation> {
        let mut tx = self.begin_write().await?;
        let overlay = Overlay::read(&mut tx).await?;
        own_live_message(&mut tx, &overlay, id, me).await?;
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::MessageDelete { id: id.to_owned() },
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(mutation)
    }

    /// Sends a refused message again: the refused write goes, and the same message is
    /// queued anew (a new mutation id, so the server judges it afresh), at the end.
    pub async fn retry_message(&self, me: &str, id: &str, now_ms: i64) -> DeskResult<Mutation> {
        let mut tx = self.begin_write().await?;
        let send = take_refused_send(&mut tx, me, id).await?;
        let mutation = outbox::enqueue(&mut tx, MutationBody::MessageSend(send), now_ms).await?;
        tx.commit().await?;
        Ok(mutation)
    }

    /// Drops a refused message here (the server never had it).
    pub async fn discard_failed_message(&self, me: &str, id: &str) -> DeskResult<()> {
        let mut tx = self.begin_write().await?;
        take_refused_send(&mut tx, me, id).await?;
        sqlx::query("DELETE FROM outgoing_attachments WHERE message_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_reaction(
        &self,
        me: &str,
        message_id: &str,
        reaction: ReactionKind,
        active: bool,
        now_ms: i64,
    ) -> DeskResult<Mutation> {
        let mut tx = self.begin_write().await?;
        let overlay = Overlay::read(&mut tx).await?;
        let known = known_message(&mut tx, &overlay, message_id, me).await?;
        if known.local {
            return Err(DeskError::new(
                DeskErrorCode::Conflict,
                "this message is not sent yet",
            ));
        }
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::ReactionSet(ReactionSet {
                message_id: message_id.to_owned(),
                reaction,
                active,
            }),
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(mutation)
    }

    /// Marks everything held of a conversation read; queues nothing when it already is.
    pub async fn mark_read(
        &self,
        me: &str,
        conversation_id: &str,
        now_ms: i64,
    ) -> DeskResult<Option<Mutation>> {
        let mut tx = self.begin_write().await?;
        let overlay = Overlay::read(&mut tx).await?;
        if !visible(&mut tx, me, conversation_id, &overlay).await? {
            return Err(not_found(format!("no conversation {conversation_id} here")));
        }
        let (last,): (Option<i64>,) =
            sqlx::query_as("SELECT max(no) FROM messages WHERE conversation_id = ?")
                .bind(conversation_id)
                .fetch_one(&mut *tx)
                .await?;
        let last = last.unwrap_or_default();
        if last <= my_read_through(&mut tx, me, conversation_id, &overlay).await? {
            return Ok(None);
        }
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::ReceiptMark(ReceiptMark {
                conversation_id: conversation_id.to_owned(),
                delivered_through: None,
                read_through: Some(last),
            }),
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(mutation))
    }

    pub async fn set_important(
        &self,
        me: &str,
        conversation_id: &str,
        important: bool,
        now_ms: i64,
    ) -> DeskResult<Mutation> {
        let mut tx = self.begin_write().await?;
        let overlay = Overlay::read(&mut tx).await?;
        if !visible(&mut tx, me, conversation_id, &overlay).await? {
            return Err(not_found(format!("no conversation {conversation_id} here")));
        }
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::ConversationPrefSet(ConversationPrefSet {
                conversation_id: conversation_id.to_owned(),
                important,
            }),
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(mutation)
    }

    /// Keeps the composer's text (empty text removes the draft). Never sent.
    pub async fn save_draft(
        &self,
        me: &str,
        conversation_id: &str,
        text: &str,
        now_ms: i64,
    ) -> DeskResult<()> {
        let chars = text.chars().count();
        if chars > MAX_DRAFT_CHARS {
            return Err(invalid(format!(
                "the draft is {chars} characters long; at most {MAX_DRAFT_CHARS} are kept"
            )));
        }
        let mut tx = self.begin_write().await?;
        let overlay = Overlay::read(&mut tx).await?;
        if !visible(&mut tx, me, conversation_id, &overlay).await? {
            return Err(not_found(format!("no conversation {conversation_id} here")));
        }
        if text.trim().is_empty() {
            sqlx::query("DELETE FROM message_drafts WHERE staff_id = ? AND conversation_id = ?")
                .bind(me)
                .bind(conversation_id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO message_drafts (staff_id, conversation_id, text, updated_at_ms) \
                 VALUES (?, ?, ?, ?) ON CONFLICT (staff_id, conversation_id) \
                 DO UPDATE SET text = excluded.text, updated_at_ms = excluded.updated_at_ms",
            )
            .bind(me)
            .bind(conversation_id)
            .bind(text)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// An own message that is not deleted (what may be edited or deleted).
async fn own_live_message(
    conn: &mut SqliteConnection,
    overlay: &Overlay,
    id: &str,
    me: &str,
) -> DeskResult<Known> {
    let known = known_message(conn, overlay, id, me).await?;
    if known.sender_id != me {
        return Err(DeskError::new(
            DeskErrorCode::Conflict,
            "only its sender may change a message",
        ));
    }
    if known.deleted || overlay.deletes.contains_key(id) {
        return Err(DeskError::new(
            DeskErrorCode::Conflict,
            "this message was deleted",
        ));
    }
    Ok(known)
}

/// Removes the refused send of message `id` from the outbox and answers it.
async fn take_refused_send(
    conn: &mut SqliteConnection,
    me: &str,
    id: &str,
) -> DeskResult<MessageSend> {
    let overlay = Overlay::read(&mut *conn).await?;
    let refused = overlay
        .sends
        .iter()
        .rev()
        .find(|s| s.send.id == id && s.progress == super::states::Progress::Refused)
        .ok_or_else(|| not_found(format!("no failed message {id} here")))?;
    if !visible(conn, me, &refused.send.conversation_id, &overlay).await? {
        return Err(not_found(format!("no failed message {id} here")));
    }
    // The outbox row is this write's own: dropping it and queueing the new one are one
    // transaction, so the message is never lost in between.
    sqlx::query("DELETE FROM outbox WHERE mutation_id = ? AND state = 'rejected'")
        .bind(refused.mutation_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(refused.send.clone())
}
