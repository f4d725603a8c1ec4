//! Applying the server's messaging changes (and fetched history) to the local tables,
//! inside the caller's apply transaction. Like the rest of `store::apply`, each run of
//! changes of one kind costs a few statements whatever its length, and they go into
//! the caller's [`Script`], to reach the connection with the rest of the frame.
//!
//! Besides the rows, an apply leaves what follows from them for this desk's staff
//! member (see [`ApplyContext`]): a delivered receipt per conversation that got others'
//! messages, an alert per new message from someone else (for a notification), and a
//! history to fetch for a conversation they were just added to.

use std::collections::BTreeMap;

use frontdesk_protocol::{
    Conversation, ConversationPref, Message, MutationBody, Reaction, ReceiptMark,
};
use sqlx::SqliteConnection;
use uuid::Uuid;

use crate::error::DeskResult;
use crate::outbox;
use crate::store::script::Script;

/// The setting naming the staff member whose conversations the messaging tables hold.
pub(crate) const MESSAGING_STAFF: &str = "messaging_staff";

/// Who the changes are being applied for, and whether they are news.
#[derive(Debug, Clone)]
pub(crate) struct ApplyContext {
    /// The staff member signed in here (`None` before anyone signed in).
    pub me: Option<String>,
    /// Loading the building from the start (a first sync, a full resync) or fetched
    /// history: nothing in it is news, and nothing in it needs a history fetched.
    pub quiet: bool,
    pub now_ms: i64,
}

/// The expression that reads [`ApplyContext::me`], for the query an apply begins with.
pub(crate) const ME_SQL: &str =
    "(SELECT value ->> '$' FROM settings WHERE key = 'messaging_staff')";

/// Tag of the rows [`queue_delivered`] returns, one per receipt it queued.
pub(crate) const RECEIPT_QUEUED: i64 = 2;

pub(crate) fn upsert_conversations(
    script: &mut Script,
    conversations: &[&Conversation],
    cx: &ApplyContext,
) -> DeskResult<()> {
    let json = serde_json::to_string(conversations)?;
    if let (Some(me), false) = (&cx.me, cx.quiet) {
        // Added after the conversation began (not one of its first participants): the
        // messages before went by in the log while this desk could not see them.
        script
            .push(
                "INSERT OR IGNORE INTO conversation_backfills (conversation_id) \
                 SELECT c.value ->> '$.id' FROM jsonb_each(?1) c, jsonb_each(c.value -> '$.participants') p \
                 WHERE p.value ->> '$.staff_id' = ?2 AND p.value ->> '$.left_at_ms' IS NULL \
                 AND p.value ->> '$.joined_at_ms' > c.value ->> '$.created_at_ms' \
                 AND NOT EXISTS (SELECT 1 FROM conversation_participants h \
                     WHERE h.conversation_id = c.value ->> '$.id' AND h.staff_id = ?2 \
                     AND h.left_at_ms IS NULL)",
            )
            .bind(json.clone())
            .bind(me.clone());
    }
    // An update keeps the row's rowid, which is also its search row's. Every upsert
    // lists all participants: replace them.
    script
        .push(
            "INSERT INTO conversations (id, building_id, kind, title, created_by, created_at_ms) \
             SELECT value ->> '$.id', value ->> '$.building_id', value ->> '$.kind', \
             value ->> '$.title', value ->> '$.created_by', value ->> '$.created_at_ms' \
             FROM jsonb_each(?1) WHERE true ORDER BY key \
             ON CONFLICT (id) DO UPDATE SET building_id = excluded.building_id, \
             kind = excluded.kind, title = excluded.title, created_by = excluded.created_by, \
             created_at_ms = excluded.created_at_ms; \
             DELETE FROM conversation_participants \
             WHERE conversation_id IN (SELECT value ->> '$.id' FROM jsonb_each(?1)); \
             INSERT OR REPLACE INTO conversation_participants \
             (conversation_id, staff_id, role, joined_at_ms, left_at_ms) \
             SELECT c.value ->> '$.id', p.value ->> '$.staff_id', p.value ->> '$.role', \
             p.value ->> '$.joined_at_ms', p.value ->> '$.left_at_ms' \
             FROM jsonb_each(?1) c, jsonb_each(c.value -> '$.participants') p ORDER BY c.key, p.key",
        )
        .bind(json);
    let ids: Vec<&str> = conversations.iter().map(|c| c.id.as_str()).collect();
    reindex_conversations(script, &ids)
}

/// Rewrites the search rows (title and participants' names) of these conversations.
pub(crate) fn reindex_conversations(script: &mut Script, ids: &[&str]) -> DeskResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    reindex_conversations_in(script, "SELECT value FROM jsonb_each(?1)", ids)
}

/// A staff member's name is part of their conversations' search rows.
pub(crate) fn reindex_staff_conversations(
    script: &mut Script,
    staff_ids: &[&str],
) -> DeskResult<()> {
    reindex_conversations_in(
        script,
        "SELECT conversation_id FROM conversation_participants \
         WHERE staff_id IN (SELECT value FROM jsonb_each(?1))",
        staff_ids,
    )
}

/// Reindexes the conversations whose ids `which` (a query of `?1`, `ids` as a JSON
/// array) selects.
fn reindex_conversations_in(script: &mut Script, which: &str, ids: &[&str]) -> DeskResult<()> {
    let ids = serde_json::to_string(ids)?;
    script
        .push(&format!(
            "DELETE FROM conversations_fts WHERE rowid IN \
             (SELECT rowid FROM conversations WHERE id IN ({which})); \
             INSERT INTO conversations_fts (rowid, conversation_id, title, names) \
             SELECT c.rowid, c.id, coalesce(c.title, ''), \
             coalesce((SELECT group_concat(s.name, ' ') FROM conversation_participants p \
                       JOIN staff s ON s.id = p.staff_id WHERE p.conversation_id = c.id), '') \
             FROM conversations c WHERE c.id IN ({which})"
        ))
        .bind(ids);
    Ok(())
}

/// Writes messages. A version never replaces a newer one: a deleted message stays
/// deleted, and an edit only gives way to a later edit. (The log brings versions in
/// order; fetched history may be older than what the log already brought.)
///
pub(crate) fn upsert_messages(
    script: &mut Script,
    messages: &[&Message],
    cx: &ApplyContext,
) -> DeskResult<()> {
    let json = serde_json::to_string(messages)?;
    // ?1 the messages, ?2 this desk's staff member when the apply is news (alerts are
    // left for them), else NULL.
    let alerts_for = cx.me.clone().filter(|_| !cx.quiet);
    script.push(concat!(
        // New text messages from others, in conversations ?2 is in, not yet read here
        // or at another of their desks: worth a notification.
        "INSERT OR IGNORE INTO message_alerts (message_id, conversation_id, sender_id, text) \
         SELECT j.value ->> '$.id', j.value ->> '$.conversation_id', j.value ->> '$.sender_id', \
         j.value ->> '$.text' FROM jsonb_each(?1) j \
         WHERE ?2 IS NOT NULL AND j.value ->> '$.kind' = 'text' AND j.value ->> '$.sender_id' <> ?2 \
         AND j.value ->> '$.deleted_at_ms' IS NULL \
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = j.value ->> '$.id') \
         AND EXISTS (SELECT 1 FROM conversation_participants p \
             WHERE p.conversation_id = j.value ->> '$.conversation_id' AND p.staff_id = ?2 \
             AND p.left_at_ms IS NULL) \
         AND j.value ->> '$.no' > coalesce((SELECT read_through FROM message_receipts r \
             WHERE r.conversation_id = j.value ->> '$.conversation_id' AND r.staff_id = ?2), 0); ",
        "INSERT INTO messages (id, conversation_id, no, kind, sender_id, text, system, \
         attachments, sent_at_ms, committed_at_ms, edited_at_ms, deleted_at_ms) \
         SELECT value ->> '$.id', value ->> '$.conversation_id', value ->> '$.no', \
         value ->> '$.kind', value ->> '$.sender_id', value ->> '$.text', \
         nullif(json(value -> '$.system'), 'null'), json(value -> '$.attachments'), value ->> '$.sent_at_ms', \
         value ->> '$.committed_at_ms', value ->> '$.edited_at_ms', value ->> '$.deleted_at_ms' \
         FROM jsonb_each(?1) WHERE true ORDER BY key \
         ON CONFLICT (id) DO UPDATE SET no = excluded.no, text = excluded.text, \
         system = excluded.system, attachments = excluded.attachments, \
         committed_at_ms = excluded.committed_at_ms, edited_at_ms = excluded.edited_at_ms, \
         deleted_at_ms = excluded.deleted_at_ms \
         WHERE messages.deleted_at_ms IS NULL AND (excluded.deleted_at_ms IS NOT NULL \
         OR coalesce(excluded.edited_at_ms, 0) >= coalesce(messages.edited_at_ms, 0)); ",
        "DELETE FROM messages_fts WHERE rowid IN \
         (SELECT rowid FROM messages WHERE id IN (SELECT value ->> '$.id' FROM jsonb_each(?1))); ",
        "INSERT INTO messages_fts (rowid, conversation_id, text) \
         SELECT rowid, conversation_id, text FROM messages \
         WHERE id IN (SELECT value ->> '$.id' FROM jsonb_each(?1)) \
         AND deleted_at_ms IS NULL AND text <> ''",
    ))
    .bind(json)
    .bind(alerts_for);
    Ok(())
}

/// The last committed version of each reaction wins (the log's order).
pub(crate) fn upsert_reactions(script: &mut Script, reactions: &[&Reaction]) -> DeskResult<()> {
    script
        .push(
            "INSERT OR REPLACE INTO message_reactions \
         (message_id, staff_id, reaction, conversation_id, active, at_ms) \
         SELECT value ->> '$.message_id', value ->> '$.staff_id', value ->> '$.reaction', \
         value ->> '$.conversation_id', value ->> '$.active', value ->> '$.at_ms' \
         FROM jsonb_each(?) ORDER BY key",
        )
        .bind(serde_json::to_string(reactions)?);
    Ok(())
}

/// Reactions from fetched history: only where the log has not already brought one
/// (anything after the history's reading comes through the log anyway).
pub(crate) fn insert_missing_reactions(
    script: &mut Script,
    reactions: &[Reaction],
) -> DeskResult<()> {
    script
        .push(
            "INSERT OR IGNORE INTO message_reactions \
         (message_id, staff_id, reaction, conversation_id, active, at_ms) \
         SELECT value ->> '$.message_id', value ->> '$.staff_id', value ->> '$.reaction', \
         value ->> '$.conversation_id', value ->> '$.active', value ->> '$.at_ms' \
         FROM jsonb_each(?) ORDER BY key",
        )
        .bind(serde_json::to_string(reactions)?);
    Ok(())
}

/// Watermarks only move forward, whatever order their versions arrive in.
pub(crate) fn upsert_receipts<R: serde::Serialize>(
    script: &mut Script,
    receipts: &[R],
) -> DeskResult<()> {
    script
        .push(
            "INSERT INTO message_receipts \
         (conversation_id, staff_id, delivered_through, read_through, updated_at_ms) \
         SELECT value ->> '$.conversation_id', value ->> '$.staff_id', \
         value ->> '$.delivered_through', value ->> '$.read_through', value ->> '$.updated_at_ms' \
         FROM jsonb_each(?) WHERE true ORDER BY key \
         ON CONFLICT (conversation_id, staff_id) DO UPDATE SET \
         delivered_through = max(delivered_through, excluded.delivered_through), \
         read_through = max(read_through, excluded.read_through), \
         updated_at_ms = max(updated_at_ms, excluded.updated_at_ms)",
        )
        .bind(serde_json::to_string(receipts)?);
    Ok(())
}

pub(crate) fn upsert_prefs(script: &mut Script, prefs: &[&ConversationPref]) -> DeskResult<()> {
    script
        .push(
            "INSERT OR REPLACE INTO conversation_prefs (conversation_id, staff_id, important) \
         SELECT value ->> '$.conversation_id', value ->> '$.staff_id', value ->> '$.important' \
         FROM jsonb_each(?) ORDER BY key",
        )
        .bind(serde_json::to_string(prefs)?);
    Ok(())
}

/// After a batch of applied changes: one delivered receipt per conversation that got
/// messages from others, when it moves this staff member's watermark forward (past
/// both the server's and what is already queued). Each one queued returns a row tagged
/// [`RECEIPT_QUEUED`].
pub(crate) fn queue_delivered(
    script: &mut Script,
    messages: &[&Message],
    cx: &ApplyContext,
) -> DeskResult<()> {
    let Some(me) = &cx.me else {
        return Ok(());
    };
    let mut reached: BTreeMap<&str, i64> = BTreeMap::new();
    for m in messages.iter().filter(|m| &m.sender_id != me) {
        let no = reached.entry(&m.conversation_id).or_default();
        *no = (*no).max(m.no);
    }
    if reached.is_empty() {
        return Ok(());
    }
    // Each candidate comes with its mutation ready (ids are made here, not in SQL);
    // one statement keeps the ones that move the watermark and queues them.
    let mut candidates = Vec::with_capacity(reached.len());
    for (conversation_id, no) in reached {
        let body = MutationBody::ReceiptMark(ReceiptMark {
            conversation_id: conversation_id.to_owned(),
            delivered_through: Some(no),
            read_through: None,
        });
        candidates.push(serde_json::json!([
            conversation_id,
            no,
            Uuid::now_v7().to_string(),
            serde_json::to_string(&body)?,
        ]));
    }
    script.push_tagged(
        concat!(
            "INSERT INTO outbox (mutation_id, body, client_time_ms, queued_by) \
             SELECT j.value ->> 2, j.value ->> 3, ?3, ",
            outbox::queued_by!(),
            " FROM jsonb_each(?1) j \
             WHERE EXISTS (SELECT 1 FROM conversation_participants p \
                 WHERE p.conversation_id = j.value ->> 0 AND p.staff_id = ?2 AND p.left_at_ms IS NULL) \
             AND j.value ->> 1 > coalesce((SELECT max(delivered_through, read_through) \
                 FROM message_receipts r WHERE r.conversation_id = j.value ->> 0 AND r.staff_id = ?2), 0) \
             AND j.value ->> 1 > coalesce((SELECT max(max(coalesce(o.body ->> '$.payload.delivered_through', 0), \
                     coalesce(o.body ->> '$.payload.read_through', 0))) \
                 FROM outbox o WHERE o.kind = 'receipt_mark' \
                 AND o.conversation_id = j.value ->> 0 \
                 AND o.state IN ('pending', 'acked')), 0) \
             ORDER BY j.key"
        ),
        RECEIPT_QUEUED,
    )
    .bind(serde_json::to_string(&candidates)?)
    .bind(me.clone())
    .bind(cx.now_ms);
    Ok(())
}

/// Drops the queued receipt marks that a later queued mark of the same conversation and
/// author covers (as far or further, delivered and read): a desk receiving a busy
/// conversation queues a delivered mark per applied frame, and without this each would
/// be a write on the server and a change fanned out to every participant's desk. The
/// pusher calls it before taking its next batch, when none of these rows is in flight;
/// a dropped mark that an earlier, unanswered push did deliver loses nothing, since
/// watermarks only move forward and the later mark goes further. A read watermark
/// counts as delivered too, as on the server.
pub(crate) async fn supersede_receipts(conn: &mut SqliteConnection) -> DeskResult<u64> {
    let dropped = sqlx::query(
        "WITH marks AS ( \
             SELECT seq, queued_by, conversation_id, \
                 coalesce(body ->> '$.payload.read_through', 0) AS r, \
                 max(coalesce(body ->> '$.payload.delivered_through', 0), \
                     coalesce(body ->> '$.payload.read_through', 0)) AS d \
             FROM outbox WHERE kind = 'receipt_mark' AND state = 'pending') \
         DELETE FROM outbox WHERE seq IN ( \
             SELECT early.seq FROM marks early WHERE EXISTS (SELECT 1 FROM marks later \
                 WHERE later.seq > early.seq AND later.conversation_id = early.conversation_id \
                 AND later.queued_by IS early.queued_by AND later.d >= early.d AND later.r >= early.r))",
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(dropped)
}

/// Empties the messaging tables that hold the server's state.
pub(crate) const CLEAR_SERVER_STATE: [&str; 10] = [
    "DELETE FROM messages_fts",
    "DELETE FROM conversations_fts",
    "DELETE FROM message_alerts",
    "DELETE FROM conversation_backfills",
    "DELETE FROM conversation_prefs",
    "DELETE FROM message_receipts",
    "DELETE FROM message_reactions",
    "DELETE FROM messages",
    "DELETE FROM conversation_participants",
    "DELETE FROM conversations",
];
