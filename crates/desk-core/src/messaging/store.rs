//! Reading conversations and threads: the server's rows and this desk's queued writes
//! (see [`super::overlay`]) in one read snapshot, so an apply committing in between can
//! never make a message vanish from both.

use std::collections::{BTreeMap, BTreeSet};

use frontdesk_protocol::{
    Attachment, ConversationKind, MessageKind, ParticipantRole, ReactionKind, SystemEvent,
};
use sqlx::SqliteConnection;

use super::overlay::{LocalSend, Overlay};
use super::states::{OthersReached, Progress, own_state};
use super::views::{
    ConversationDetail, ConversationFilter, ConversationQuery, ConversationSummary, MessageAlert,
    MessagePage, MessagePreview, MessageView, ParticipantView, ReactionCount, StaffOption,
};
use crate::directory::search::{fts_query, query_words};
use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::store::Store;

/// Messages one page of a thread holds when the UI does not say, and at most.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;
/// Characters of text a notification or a list preview shows.
const PREVIEW_CHARS: usize = 120;

#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: String,
    kind: String,
    title: Option<String>,
    created_at_ms: i64,
    my_left_at_ms: Option<i64>,
    read_through: i64,
    important: bool,
    has_draft: bool,
}

#[derive(sqlx::FromRow)]
struct StatsRow {
    id: String,
    unread: i64,
    m_id: Option<String>,
    m_no: Option<i64>,
    m_kind: Option<String>,
    m_sender_id: Option<String>,
    m_sender_name: Option<String>,
    m_text: Option<String>,
    m_attachments: Option<String>,
    m_committed_at_ms: Option<i64>,
    m_deleted_at_ms: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    message_id: String,
    conversation_id: String,
    sender_id: String,
    sender_name: Option<String>,
    title: Option<String>,
    text: String,
}

#[derive(sqlx::FromRow)]
struct ParticipantRow {
    conversation_id: String,
    staff_id: String,
    role: String,
    left_at_ms: Option<i64>,
    name: Option<String>,
    delivered_through: i64,
    read_through: i64,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: String,
    no: i64,
    kind: String,
    sender_id: String,
    sender_name: Option<String>,
    text: String,
    system: Option<String>,
    attachments: String,
    sent_at_ms: i64,
    edited_at_ms: Option<i64>,
    deleted_at_ms: Option<i64>,
}

fn enum_of<T: serde::de::DeserializeOwned>(text: &str) -> DeskResult<T> {
    Ok(serde_json::from_value(serde_json::Value::String(
        text.to_owned(),
    ))?)
}

fn role_of(text: &str) -> ParticipantRole {
    enum_of(text).unwrap_or(ParticipantRole::Member)
}

fn preview_text(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut preview: String = one_line.chars().take(PREVIEW_CHARS).collect();
    if one_line.chars().count() > PREVIEW_CHARS {
        preview.push('…');
    }
    preview
}

/// True when every word of the query starts a word of `text` (the index's rule, for
/// what is only in the outbox).
fn words_match(query: &[String], text: &str) -> bool {
    let words = query_words(text);
    query
        .iter()
        .all(|q| words.iter().any(|w| w.starts_with(q.as_str())))
}

impl Store {
    /// The conversations `me` is in, latest activity first.
    pub async fn conversations(
        &self,
        me: &str,
        query: &ConversationQuery,
    ) -> DeskResult<Vec<ConversationSummary>> {
        let mut snapshot = self.pool().begin().await?;
        let overlay = Overlay::read(&mut snapshot).await?;
        let mut list = summaries(&mut snapshot, me, &overlay, None).await?;
        if let Some(search) = query.search.as_deref().filter(|s| !s.trim().is_empty()) {
            let found = search_conversations(&mut snapshot, &overlay, search).await?;
            list.retain(|c| found.contains(&c.id));
        }
        snapshot.commit().await?;
        list.retain(|c| match query.filter {
            ConversationFilter::All => true,
            ConversationFilter::Unread => c.unread > 0,
            ConversationFilter::Important => c.important,
        });
        if let Some(limit) = query.limit {
            list.truncate(limit as usize);
        }
        Ok(list)
    }

    /// One conversation `me` is in (or opened here).
    pub async fn conversation(&self, me: &str, id: &str) -> DeskResult<ConversationDetail> {
        let mut snapshot = self.pool().begin().await?;
        let overlay = Overlay::read(&mut snapshot).await?;
        let summary = summaries(&mut snapshot, me, &overlay, Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| no_conversation(id))?;
        let read_through = my_read_through(&mut snapshot, me, id, &overlay).await?;
        let draft = draft_in(&mut snapshot, me, id).await?;
        snapshot.commit().await?;
        Ok(ConversationDetail {
            summary,
            read_through,
            draft,
        })
    }

    /// Messages from others not yet read, over every conversation `me` is in.
    pub async fn unread_total(&self, me: &str) -> DeskResult<u32> {
        let list = self
            .conversations(me, &ConversationQuery::default())
            .await?;
        Ok(list.iter().map(|c| c.unread).sum())
    }

    /// A page of a thread, oldest first: the messages before `before_no` (the latest
    /// when `None`, with the ones still being sent, or refused, at the end).
    pub async fn messages(
        &self,
        me: &str,
        conversation_id: &str,
        before_no: Option<i64>,
        limit: Option<u32>,
    ) -> DeskResult<MessagePage> {
        let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        let mut snapshot = self.pool().begin().await?;
        let overlay = Overlay::read(&mut snapshot).await?;
        if !visible(&mut snapshot, me, conversation_id, &overlay).await? {
            return Err(no_conversation(conversation_id));
        }
        let mut rows: Vec<MessageRow> = sqlx::query_as(
            "SELECT m.id, m.no, m.kind, m.sender_id, s.name AS sender_name, m.text, m.system, \
             m.attachments, m.sent_at_ms, m.edited_at_ms, m.deleted_at_ms \
             FROM messages m LEFT JOIN staff s ON s.id = m.sender_id \
             WHERE m.conversation_id = ? AND m.no < ? ORDER BY m.no DESC LIMIT ?",
        )
        .bind(conversation_id)
        .bind(before_no.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&mut *snapshot)
        .await?;
        rows.reverse();
        let has_older = match rows.first() {
            Some(first) => {
                let (older,): (bool,) = sqlx::query_as(
                    "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ? AND no < ?)",
                )
                .bind(conversation_id)
                .bind(first.no)
                .fetch_one(&mut *snapshot)
                .await?;
                older
            }
            None => false,
        };
        let participants = participants_of(&mut snapshot, &[conversation_id]).await?;
        let others: Vec<&ParticipantRow> =
            participants.iter().filter(|p| p.staff_id != me).collect();
        let mut reached = OthersReached::default();
        for p in &others {
            reached.include(p.delivered_through, p.read_through);
        }
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let mut reactions = reactions_of(&mut snapshot, &ids).await?;
        let local: Vec<&LocalSend> = if before_no.is_none() {
            uncommitted(&mut snapshot, overlay.sends_in(conversation_id)).await?
        } else {
            Vec::new()
        };
        let my_name = staff_name(&mut snapshot, me).await?;
        let outgoing = outgoing_attachments(&mut snapshot, &local).await?;
        snapshot.commit().await?;

        let mut messages = Vec::with_capacity(rows.len() + local.len());
        for row in rows {
            let own = row.sender_id == me;
            let kind: MessageKind = enum_of(&row.kind)?;
            let mut view = MessageView {
                id: row.id.clone(),
                conversation_id: conversation_id.to_owned(),
                no: Some(row.no),
                kind,
                sender_id: row.sender_id,
                sender_name: row.sender_name,
                own,
                text: row.text,
                system: row
                    .system
                    .as_deref()
                    .map(serde_json::from_str::<SystemEvent>)
                    .transpose()?,
                attachments: serde_json::from_str(&row.attachments)?,
                sent_at_ms: row.sent_at_ms,
                edited_at_ms: row.edited_at_ms,
                deleted: row.deleted_at_ms.is_some(),
                state: (own && kind == MessageKind::Text)
                    .then(|| own_state(Progress::Committed(row.no), reached)),
                failure: None,
                pending_change: false,
                reactions: Vec::new(),
                read_by: others
                    .iter()
                    .filter(|p| p.read_through >= row.no)
                    .map(|p| p.staff_id.clone())
                    .collect(),
            };
            lay_changes(&mut view, &overlay);
            view.reactions = counts(
                reactions.remove(&row.id).unwrap_or_default(),
                me,
                &view.id,
                &overlay,
            );
            messages.push(view);
        }
        for send in local {
            let mut view = MessageView {
                id: send.send.id.clone(),
                conversation_id: conversation_id.to_owned(),
                no: None,
                kind: MessageKind::Text,
                sender_id: me.to_owned(),
                sender_name: my_name.clone(),
                own: true,
                text: send.send.text.clone(),
                system: None,
                attachments: outgoing.get(&send.send.id).cloned().unwrap_or_default(),
                sent_at_ms: send.written_at_ms,
                edited_at_ms: None,
                deleted: false,
                state: Some(own_state(send.progress, reached)),
                failure: send.failure.clone(),
                pending_change: false,
                reactions: Vec::new(),
                read_by: Vec::new(),
            };
            lay_changes(&mut view, &overlay);
            messages.push(view);
        }
        Ok(MessagePage {
            messages,
            has_older,
        })
    }

    pub async fn draft(&self, me: &str, conversation_id: &str) -> DeskResult<Option<String>> {
        let mut conn = self.pool().acquire().await?;
        draft_in(&mut conn, me, conversation_id).await
    }

    /// Everyone of the building one may write to: enabled staff but `me`, by name.
    pub async fn staff_options(&self, me: &str) -> DeskResult<Vec<StaffOption>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, name, email FROM staff WHERE disabled = 0 AND id <> ? \
             ORDER BY name COLLATE NOCASE, id",
        )
        .bind(me)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, email)| StaffOption { id, name, email })
            .collect())
    }

    /// The alerts left by applies since the last call, oldest first; each is given once.
    pub async fn take_message_alerts(&self) -> DeskResult<Vec<MessageAlert>> {
        // Alerts are derived from the server's changes, like the apply that left them:
        // taken without an fsync (a power cut right after could only raise one again).
        // This runs after every burst of applied messages.
        // Both statements in one call, on the apply connection: alerts are only ever
        // left by applies, which run on that one connection, so none can slip in
        // between the reading and the deleting (and one call is one thread hop, where a
        // transaction around two would be four, each holding up the next live frame).
        let mut conn = self.apply_connection().await;
        let rows: Vec<AlertRow> = sqlx::query_as(
            "SELECT a.message_id, a.conversation_id, a.sender_id, s.name AS sender_name, \
             c.title, a.text FROM message_alerts a LEFT JOIN staff s ON s.id = a.sender_id \
             LEFT JOIN conversations c ON c.id = a.conversation_id ORDER BY a.rowid; \
             DELETE FROM message_alerts",
        )
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| MessageAlert {
                conversation_id: r.conversation_id,
                message_id: r.message_id,
                sender_id: r.sender_id,
                sender_name: r.sender_name,
                conversation_title: r.title,
                preview: preview_text(&r.text),
            })
            .collect())
    }
}

fn no_conversation(id: &str) -> DeskError {
    DeskError::new(
        DeskErrorCode::NotFound,
        format!("no conversation {id} here"),
    )
}

/// `me` is in it, or opened it here.
pub(crate) async fn visible(
    conn: &mut SqliteConnection,
    me: &str,
    conversation_id: &str,
    overlay: &Overlay,
) -> DeskResult<bool> {
    if overlay.create_of(conversation_id).is_some() {
        return Ok(true);
    }
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT 1 FROM conversation_participants WHERE conversation_id = ? AND staff_id = ?",
    )
    .bind(conversation_id)
    .bind(me)
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// `me`'s read watermark: the server's, or further when a receipt is queued.
pub(crate) async fn my_read_through(
    conn: &mut SqliteConnection,
    me: &str,
    conversation_id: &str,
    overlay: &Overlay,
) -> DeskResult<i64> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT read_through FROM message_receipts WHERE conversation_id = ? AND staff_id = ?",
    )
    .bind(conversation_id)
    .bind(me)
    .fetch_optional(conn)
    .await?;
    let queued = overlay
        .read_through
        .get(conversation_id)
        .copied()
        .unwrap_or_default();
    Ok(row.map_or(0, |(r,)| r).max(queued))
}

async fn draft_in(
    conn: &mut SqliteConnection,
    me: &str,
    conversation_id: &str,
) -> DeskResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT text FROM message_drafts WHERE staff_id = ? AND conversation_id = ?",
    )
    .bind(me)
    .bind(conversation_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(t,)| t))
}

async fn staff_name(conn: &mut SqliteConnection, id: &str) -> DeskResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM staff WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(n,)| n))
}

/// The summaries of the conversations `me` is in (only `only`, when given), the ones
/// opened here included, latest activity first.
async fn summaries(
    conn: &mut SqliteConnection,
    me: &str,
    overlay: &Overlay,
    only: Option<&str>,
) -> DeskResult<Vec<ConversationSummary>> {
    let rows: Vec<ConversationRow> = sqlx::query_as(
        "SELECT c.id, c.kind, c.title, c.created_at_ms, p.left_at_ms AS my_left_at_ms, \
         coalesce(r.read_through, 0) AS read_through, coalesce(pr.important, 0) AS important, \
         EXISTS (SELECT 1 FROM message_drafts d WHERE d.staff_id = ?1 \
             AND d.conversation_id = c.id) AS has_draft \
         FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id \
         LEFT JOIN message_receipts r ON r.conversation_id = c.id AND r.staff_id = ?1 \
         LEFT JOIN conversation_prefs pr ON pr.conversation_id = c.id AND pr.staff_id = ?1 \
         WHERE p.staff_id = ?1 AND (?2 IS NULL OR c.id = ?2)",
    )
    .bind(me)
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    let mut list: Vec<ConversationSummary> = Vec::with_capacity(rows.len());
    let mut read: BTreeMap<String, i64> = BTreeMap::new();
    for row in rows {
        read.insert(
            row.id.clone(),
            row.read_through.max(
                overlay
                    .read_through
                    .get(&row.id)
                    .copied()
                    .unwrap_or_default(),
            ),
        );
        list.push(ConversationSummary {
            kind: enum_of(&row.kind)?,
            title: row.title,
            participants: Vec::new(),
            unread: 0,
            important: overlay
                .important
                .get(&row.id)
                .copied()
                .unwrap_or(row.important),
            last_message: None,
            last_activity_ms: row.created_at_ms,
            pending: false,
            left: row.my_left_at_ms.is_some() || overlay.left.contains(&row.id),
            has_draft: row.has_draft,
            id: row.id,
        });
    }
    // Opened here, not yet back from the server.
    for (create, at) in &overlay.creates {
        if read.contains_key(&create.id) || only.is_some_and(|id| id != create.id) {
            continue;
        }
        read.insert(create.id.clone(), 0);
        let (has_draft,): (bool,) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM message_drafts WHERE staff_id = ? AND conversation_id = ?)",
        )
        .bind(me)
        .bind(&create.id)
        .fetch_one(&mut *conn)
        .await?;
        let mut participants = vec![ParticipantView {
            staff_id: me.to_owned(),
            name: None,
            role: ParticipantRole::Owner,
            left: false,
            delivered_through: 0,
            read_through: 0,
        }];
        participants.extend(create.participant_ids.iter().map(|id| ParticipantView {
            staff_id: id.clone(),
            name: None,
            role: ParticipantRole::Member,
            left: false,
            delivered_through: 0,
            read_through: 0,
        }));
        list.push(ConversationSummary {
            id: create.id.clone(),
            kind: create.kind,
            title: create.title.clone(),
            participants,
            unread: 0,
            important: overlay.important.get(&create.id).copied().unwrap_or(false),
            last_message: None,
            last_activity_ms: *at,
            pending: true,
            left: false,
            has_draft,
        });
    }
    if list.is_empty() {
        return Ok(list);
    }

    let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
    let mut participants: BTreeMap<String, Vec<ParticipantRow>> = BTreeMap::new();
    for p in participants_of(conn, &ids).await? {
        participants
            .entry(p.conversation_id.clone())
            .or_default()
            .push(p);
    }
    let names = names_of(conn, me, &list, &participants, overlay).await?;
    let pairs: Vec<(&str, i64)> = read.iter().map(|(id, r)| (id.as_str(), *r)).collect();
    let stats: Vec<StatsRow> = sqlx::query_as(
        "SELECT j.value ->> 0 AS id, \
         (SELECT count(*) FROM messages u WHERE u.conversation_id = j.value ->> 0 \
             AND u.no > j.value ->> 1 AND u.sender_id <> ?2 AND u.kind = 'text' \
             AND u.deleted_at_ms IS NULL) AS unread, \
         m.id AS m_id, m.no AS m_no, m.kind AS m_kind, m.sender_id AS m_sender_id, \
         s.name AS m_sender_name, m.text AS m_text, m.attachments AS m_attachments, \
         m.committed_at_ms AS m_committed_at_ms, m.deleted_at_ms AS m_deleted_at_ms \
         FROM json_each(?1) j \
         LEFT JOIN messages m ON m.rowid = (SELECT x.rowid FROM messages x \
             WHERE x.conversation_id = j.value ->> 0 ORDER BY x.no DESC LIMIT 1) \
         LEFT JOIN staff s ON s.id = m.sender_id",
    )
    .bind(serde_json::to_string(&pairs)?)
    .bind(me)
    .fetch_all(&mut *conn)
    .await?;
    let mut stats: BTreeMap<String, StatsRow> =
        stats.into_iter().map(|s| (s.id.clone(), s)).collect();
    let mut latest_local: BTreeMap<&str, &LocalSend> = BTreeMap::new();
    for send in uncommitted(conn, overlay.sends.iter()).await? {
        latest_local.insert(send.send.conversation_id.as_str(), send);
    }

    for summary in &mut list {
        let rows = participants.remove(&summary.id).unwrap_or_default();
        let mut reached = OthersReached::default();
        if !rows.is_empty() {
            summary.participants = rows
                .into_iter()
                .map(|p| {
                    if p.staff_id != me {
                        reached.include(p.delivered_through, p.read_through);
                    }
                    ParticipantView {
                        role: role_of(&p.role),
                        left: p.left_at_ms.is_some(),
                        staff_id: p.staff_id,
                        name: p.name,
                        delivered_through: p.delivered_through,
                        read_through: p.read_through,
                    }
                })
                .collect();
        }
        for staff_id in overlay.added.get(&summary.id).into_iter().flatten() {
            if !summary.participants.iter().any(|p| &p.staff_id == staff_id) {
                summary.participants.push(ParticipantView {
                    staff_id: staff_id.clone(),
                    name: None,
                    role: ParticipantRole::Member,
                    left: false,
                    delivered_through: 0,
                    read_through: 0,
                });
            }
        }
        for p in &mut summary.participants {
            if p.name.is_none() {
                p.name = names.get(&p.staff_id).cloned();
            }
        }
        if let Some(s) = stats.remove(&summary.id) {
            summary.unread = u32::try_from(s.unread).unwrap_or(u32::MAX);
            if let (Some(id), Some(no), Some(kind), Some(sender_id), Some(at)) =
                (s.m_id, s.m_no, s.m_kind, s.m_sender_id, s.m_committed_at_ms)
            {
                let own = sender_id == me;
                let kind: MessageKind = enum_of(&kind)?;
                let attachments: Vec<Attachment> =
                    serde_json::from_str(s.m_attachments.as_deref().unwrap_or("[]"))?;
                let mut preview = MessagePreview {
                    message_id: id,
                    sender_id,
                    sender_name: s.m_sender_name,
                    own,
                    kind,
                    text: preview_text(s.m_text.as_deref().unwrap_or_default()),
                    deleted: s.m_deleted_at_ms.is_some(),
                    attachments: attachments.len() as u32,
                    at_ms: at,
                    state: (own && kind == MessageKind::Text)
                        .then(|| own_state(Progress::Committed(no), reached)),
                };
                if overlay.deletes.contains_key(&preview.message_id) {
                    preview.deleted = true;
                    preview.text.clear();
                } else if let Some((text, _)) = overlay.edits.get(&preview.message_id) {
                    preview.text = preview_text(text);
                }
                summary.last_activity_ms = summary.last_activity_ms.max(at);
                summary.last_message = Some(preview);
            }
        }
        if let Some(send) = latest_local.get(summary.id.as_str()) {
            summary.last_activity_ms = summary.last_activity_ms.max(send.written_at_ms);
            summary.last_message = Some(MessagePreview {
                message_id: send.send.id.clone(),
                sender_id: me.to_owned(),
                sender_name: names.get(me).cloned(),
                own: true,
                kind: MessageKind::Text,
                text: preview_text(&send.send.text),
                deleted: overlay.deletes.contains_key(&send.send.id),
                attachments: send.send.attachments.len() as u32,
                at_ms: send.written_at_ms,
                state: Some(own_state(send.progress, reached)),
            });
        }
    }
    list.sort_by(|a, b| {
        b.last_activity_ms
            .cmp(&a.last_activity_ms)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(list)
}

/// Names of the staff known only from the outbox (opened or added here), and `me`.
async fn names_of(
    conn: &mut SqliteConnection,
    me: &str,
    list: &[ConversationSummary],
    participants: &BTreeMap<String, Vec<ParticipantRow>>,
    overlay: &Overlay,
) -> DeskResult<BTreeMap<String, String>> {
    let mut ids: BTreeSet<&str> = list
        .iter()
        .flat_map(|c| c.participants.iter().map(|p| p.staff_id.as_str()))
        .collect();
    ids.extend(overlay.added.values().flatten().map(String::as_str));
    ids.extend(participants.values().flatten().map(|p| p.staff_id.as_str()));
    ids.insert(me);
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, name FROM staff WHERE id IN (SELECT value FROM json_each(?))")
            .bind(serde_json::to_string(&ids)?)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().collect())
}

async fn participants_of(
    conn: &mut SqliteConnection,
    conversation_ids: &[&str],
) -> DeskResult<Vec<ParticipantRow>> {
    Ok(sqlx::query_as(
        "SELECT p.conversation_id, p.staff_id, p.role, p.left_at_ms, s.name, \
         coalesce(r.delivered_through, 0) AS delivered_through, \
         coalesce(r.read_through, 0) AS read_through \
         FROM conversation_participants p LEFT JOIN staff s ON s.id = p.staff_id \
         LEFT JOIN message_receipts r ON r.conversation_id = p.conversation_id \
             AND r.staff_id = p.staff_id \
         WHERE p.conversation_id IN (SELECT value FROM json_each(?)) \
         ORDER BY p.conversation_id, p.joined_at_ms, p.staff_id",
    )
    .bind(serde_json::to_string(conversation_ids)?)
    .fetch_all(conn)
    .await?)
}

/// The sends whose server row is not here yet (those with one are shown from it).
async fn uncommitted<'a>(
    conn: &mut SqliteConnection,
    sends: impl Iterator<Item = &'a LocalSend>,
) -> DeskResult<Vec<&'a LocalSend>> {
    let sends: Vec<&LocalSend> = sends.collect();
    if sends.is_empty() {
        return Ok(sends);
    }
    let ids: Vec<&str> = sends.iter().map(|s| s.send.id.as_str()).collect();
    let committed: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM messages WHERE id IN (SELECT value FROM json_each(?))")
            .bind(serde_json::to_string(&ids)?)
            .fetch_all(conn)
            .await?;
    let committed: BTreeSet<String> = committed.into_iter().map(|(id,)| id).collect();
    Ok(sends
        .into_iter()
        .filter(|s| !committed.contains(&s.send.id))
        .collect())
}

async fn outgoing_attachments(
    conn: &mut SqliteConnection,
    sends: &[&LocalSend],
) -> DeskResult<BTreeMap<String, Vec<Attachment>>> {
    let ids: Vec<&str> = sends
        .iter()
        .filter(|s| !s.send.attachments.is_empty())
        .map(|s| s.send.id.as_str())
        .collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT message_id, attachments FROM outgoing_attachments \
         WHERE message_id IN (SELECT value FROM json_each(?))",
    )
    .bind(serde_json::to_string(&ids)?)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, json)| Ok((id, serde_json::from_str(&json)?)))
        .collect()
}

/// Active reactions by message: (kind, who).
async fn reactions_of(
    conn: &mut SqliteConnection,
    message_ids: &[&str],
) -> DeskResult<BTreeMap<String, Vec<(ReactionKind, String)>>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT message_id, reaction, staff_id FROM message_reactions \
         WHERE message_id IN (SELECT value FROM json_each(?)) AND active = 1 \
         ORDER BY message_id, at_ms, staff_id",
    )
    .bind(serde_json::to_string(message_ids)?)
    .fetch_all(conn)
    .await?;
    let mut by_message: BTreeMap<String, Vec<(ReactionKind, String)>> = BTreeMap::new();
    for (message_id, reaction, staff_id) in rows {
        if let Some(kind) = ReactionKind::parse(&reaction) {
            by_message
                .entry(message_id)
                .or_default()
                .push((kind, staff_id));
        }
    }
    Ok(by_message)
}

/// The server's reactions with `me`'s queued ones laid over, counted by kind.
fn counts(
    mut reactions: Vec<(ReactionKind, String)>,
    me: &str,
    message_id: &str,
    overlay: &Overlay,
) -> Vec<ReactionCount> {
    for kind in ReactionKind::ALL {
        if let Some(&active) = overlay.reactions.get(&(message_id.to_owned(), kind)) {
            reactions.retain(|(k, who)| !(*k == kind && who == me));
            if active {
                reactions.push((kind, me.to_owned()));
            }
        }
    }
    ReactionKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let staff_ids: Vec<String> = reactions
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, who)| who.clone())
                .collect();
            (!staff_ids.is_empty()).then(|| ReactionCount {
                reaction: kind,
                count: staff_ids.len() as u32,
                mine: staff_ids.iter().any(|s| s == me),
                staff_ids,
            })
        })
        .collect()
}

/// Queued edits and deletions of a message.
fn lay_changes(view: &mut MessageView, overlay: &Overlay) {
    if view.deleted {
        return;
    }
    if overlay.deletes.contains_key(&view.id) {
        view.deleted = true;
        view.text.clear();
        view.attachments.clear();
        view.pending_change = true;
    } else if let Some((text, at)) = overlay.edits.get(&view.id) {
        view.text = text.clone();
        view.edited_at_ms = Some(*at);
        view.pending_change = true;
    }
}

/// The conversations matching what staff typed: by title or participant names, or by
/// one message holding every word (the index's rule; the outbox's by the same words).
async fn search_conversations(
    conn: &mut SqliteConnection,
    overlay: &Overlay,
    search: &str,
) -> DeskResult<BTreeSet<String>> {
    let Some(expression) = fts_query(search) else {
        return Ok(BTreeSet::new());
    };
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT conversation_id FROM conversations_fts WHERE conversations_fts MATCH ?1 \
         UNION SELECT conversation_id FROM messages_fts WHERE messages_fts MATCH ?1",
    )
    .bind(&expression)
    .fetch_all(&mut *conn)
    .await?;
    let mut found: BTreeSet<String> = rows.into_iter().map(|(id,)| id).collect();
    let words = query_words(search);
    for send in &overlay.sends {
        if words_match(&words, &send.send.text) {
            found.insert(send.send.conversation_id.clone());
        }
    }
    for (create, _) in &overlay.creates {
        if create
            .title
            .as_deref()
            .is_some_and(|t| words_match(&words, t))
        {
            found.insert(create.id.clone());
        }
    }
    Ok(found)
}

/// For [`super::write`]: the kind of a conversation `me` may write in, if any.
pub(crate) async fn writable_kind(
    conn: &mut SqliteConnection,
    me: &str,
    conversation_id: &str,
    overlay: &Overlay,
) -> DeskResult<Option<ConversationKind>> {
    if let Some((create, _)) = overlay.create_of(conversation_id) {
        return Ok(Some(create.kind));
    }
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT c.kind FROM conversations c JOIN conversation_participants p \
         ON p.conversation_id = c.id AND p.staff_id = ? AND p.left_at_ms IS NULL \
         WHERE c.id = ?",
    )
    .bind(me)
    .bind(conversation_id)
    .fetch_optional(conn)
    .await?;
    if overlay.left.contains(conversation_id) {
        return Ok(None);
    }
    row.map(|(k,)| enum_of(&k)).transpose()
}
