//! The messaging tables: reading and writing conversations, participants, messages
//! and their attachments, reactions, receipts and preferences. No rule lives here
//! (see `apply` and `routes`); every read is scoped by the caller's building.

use std::collections::{HashMap, HashSet};

use frontdesk_protocol::{
    Attachment, Conversation, ConversationKind, ConversationPref, Message, MessageKind,
    Participant, ParticipantRole, Reaction, ReactionKind, Receipt, SystemEvent,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::{bool_from_db, bool_to_db};
use crate::error::{Error, Result};

/// A conversation of `building_id` with its participants, or None (also for another
/// building's: nothing is revealed).
pub async fn conversation(
    conn: &mut AnyConnection,
    building_id: &str,
    id: &str,
) -> Result<Option<Conversation>> {
    let Some(row) = sqlx::query(
        "SELECT id, building_id, kind, title, created_by, created_at_ms FROM conversations \
         WHERE id = $1 AND building_id = $2",
    )
    .bind(id)
    .bind(building_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let kind: String = row.try_get("kind")?;
    let participants = sqlx::query(
        "SELECT staff_id, role, joined_at_ms, left_at_ms FROM conversation_participants \
         WHERE conversation_id = $1 ORDER BY joined_at_ms, staff_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(participant_from_row)
    .collect::<Result<Vec<_>>>()?;
    Ok(Some(Conversation {
        id: row.try_get("id")?,
        building_id: row.try_get("building_id")?,
        kind: match kind.as_str() {
            "direct" => ConversationKind::Direct,
            "group" => ConversationKind::Group,
            other => return Err(Error::Internal(format!("conversation kind {other:?}"))),
        },
        title: row.try_get("title")?,
        created_by: row.try_get("created_by")?,
        created_at_ms: row.try_get("created_at_ms")?,
        participants,
    }))
}

fn participant_from_row(row: &AnyRow) -> Result<Participant> {
    let role: String = row.try_get("role")?;
    Ok(Participant {
        staff_id: row.try_get("staff_id")?,
        role: match role.as_str() {
            "owner" => ParticipantRole::Owner,
            "member" => ParticipantRole::Member,
            other => return Err(Error::Internal(format!("participant role {other:?}"))),
        },
        joined_at_ms: row.try_get("joined_at_ms")?,
        left_at_ms: row.try_get("left_at_ms")?,
    })
}

/// True when `staff_id` is in the conversation now (joined and not left).
pub fn is_current(conversation: &Conversation, staff_id: &str) -> bool {
    conversation
        .participants
        .iter()
        .any(|p| p.staff_id == staff_id && p.left_at_ms.is_none())
}

/// Whether a conversation id is taken, by any building.
pub async fn conversation_exists(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT id FROM conversations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

pub async fn insert_conversation(conn: &mut AnyConnection, c: &Conversation) -> Result<()> {
    sqlx::query(
        "INSERT INTO conversations (id, building_id, kind, title, created_by, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&c.id)
    .bind(&c.building_id)
    .bind(match c.kind {
        ConversationKind::Direct => "direct",
        ConversationKind::Group => "group",
    })
    .bind(&c.title)
    .bind(&c.created_by)
    .bind(c.created_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds a participant, or brings back one who left (as a member joining now).
pub async fn upsert_participant(
    conn: &mut AnyConnection,
    conversation_id: &str,
    p: &Participant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO conversation_participants \
         (conversation_id, staff_id, role, joined_at_ms, left_at_ms, left_seq) \
         VALUES ($1, $2, $3, $4, NULL, NULL) \
         ON CONFLICT (conversation_id, staff_id) DO UPDATE SET \
         joined_at_ms = excluded.joined_at_ms, left_at_ms = NULL, left_seq = NULL",
    )
    .bind(conversation_id)
    .bind(&p.staff_id)
    .bind(match p.role {
        ParticipantRole::Owner => "owner",
        ParticipantRole::Member => "member",
    })
    .bind(p.joined_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a participant's leaving: at `left_at_ms`, by the change numbered `left_seq`.
pub async fn set_left(
    conn: &mut AnyConnection,
    conversation_id: &str,
    staff_id: &str,
    left_at_ms: i64,
    left_seq: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE conversation_participants SET left_at_ms = $1, left_seq = $2 \
         WHERE conversation_id = $3 AND staff_id = $4",
    )
    .bind(left_at_ms)
    .bind(left_seq)
    .bind(conversation_id)
    .bind(staff_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A staff member as the messaging rules need them.
pub struct StaffInfo {
    pub name: String,
    pub disabled: bool,
}

/// The staff of `building_id` among `ids` (others, and unknown ids, are absent).
pub async fn staff_of_building(
    conn: &mut AnyConnection,
    building_id: &str,
    ids: &[&str],
) -> Result<HashMap<String, StaffInfo>> {
    let ids = serde_json::to_string(ids).map_err(Error::internal)?;
    let sql = if conn.backend_name() == "PostgreSQL" {
        "SELECT id, name, disabled FROM staff WHERE building_id = $1 \
         AND id IN (SELECT json_array_elements_text($2::json))"
    } else {
        "SELECT id, name, disabled FROM staff WHERE building_id = $1 \
         AND id IN (SELECT value FROM json_each($2))"
    };
    sqlx::query(sql)
        .bind(building_id)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("id")?,
                StaffInfo {
                    name: row.try_get("name")?,
                    disabled: bool_from_db(row.try_get("disabled")?),
                },
            ))
        })
        .collect()
}

/// Hands out the conversation's next message number (call only once every check
/// passed: it writes).
pub async fn next_message_no(conn: &mut AnyConnection, conversation_id: &str) -> Result<i64> {
    Ok(sqlx::query(
        "UPDATE conversations SET last_message_no = last_message_no + 1 WHERE id = $1 \
         RETURNING last_message_no",
    )
    .bind(conversation_id)
    .fetch_one(&mut *conn)
    .await?
    .try_get("last_message_no")?)
}

pub async fn last_message_no(conn: &mut AnyConnection, conversation_id: &str) -> Result<i64> {
    Ok(
        sqlx::query("SELECT last_message_no FROM conversations WHERE id = $1")
            .bind(conversation_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("last_message_no")?,
    )
}

pub async fn message_id_taken(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT id FROM messages WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

pub async fn insert_message(conn: &mut AnyConnection, m: &Message) -> Result<()> {
    let system = m
        .system
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(Error::internal)?;
    sqlx::query(
        "INSERT INTO messages (id, conversation_id, message_no, kind, sender_id, text, system, \
         sent_at_ms, committed_at_ms, edited_at_ms, deleted_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&m.id)
    .bind(&m.conversation_id)
    .bind(m.no)
    .bind(match m.kind {
        MessageKind::Text => "text",
        MessageKind::System => "system",
    })
    .bind(&m.sender_id)
    .bind(&m.text)
    .bind(system)
    .bind(m.sent_at_ms)
    .bind(m.committed_at_ms)
    .bind(m.edited_at_ms)
    .bind(m.deleted_at_ms)
    .execute(&mut *conn)
    .await?;
    for (position, a) in (0_i64..).zip(&m.attachments) {
        sqlx::query(
            "INSERT INTO message_attachments \
             (message_id, position, sha256, name, size, content_type) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&m.id)
        .bind(position)
        .bind(&a.sha256)
        .bind(&a.name)
        .bind(i64::try_from(a.size).map_err(Error::internal)?)
        .bind(&a.content_type)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Writes an edit or a deletion: text and markers; a deleted message loses its
/// attachments.
pub async fn update_message(conn: &mut AnyConnection, m: &Message) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET text = $1, edited_at_ms = $2, deleted_at_ms = $3 WHERE id = $4",
    )
    .bind(&m.text)
    .bind(m.edited_at_ms)
    .bind(m.deleted_at_ms)
    .bind(&m.id)
    .execute(&mut *conn)
    .await?;
    if m.attachments.is_empty() {
        sqlx::query("DELETE FROM message_attachments WHERE message_id = $1")
            .bind(&m.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.message_no, m.kind, m.sender_id, \
     m.text, m.system, m.sent_at_ms, m.committed_at_ms, m.edited_at_ms, m.deleted_at_ms";

/// Message `id` if its conversation is in `building_id`, with its attachments.
pub async fn message(
    conn: &mut AnyConnection,
    building_id: &str,
    id: &str,
) -> Result<Option<Message>> {
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages AS m \
         JOIN conversations AS c ON c.id = m.conversation_id \
         WHERE m.id = $1 AND c.building_id = $2"
    )))
    .bind(id)
    .bind(building_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let mut message = message_from_row(&row)?;
    message.attachments = sqlx::query(
        "SELECT sha256, name, size, content_type FROM message_attachments \
         WHERE message_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(attachment_from_row)
    .collect::<Result<_>>()?;
    Ok(Some(message))
}

fn message_from_row(row: &AnyRow) -> Result<Message> {
    let kind: String = row.try_get("kind")?;
    let system: Option<String> = row.try_get("system")?;
    Ok(Message {
        id: row.try_get("id")?,
        conversation_id: row.try_get("conversation_id")?,
        no: row.try_get("message_no")?,
        kind: match kind.as_str() {
            "text" => MessageKind::Text,
            "system" => MessageKind::System,
            other => return Err(Error::Internal(format!("message kind {other:?}"))),
        },
        sender_id: row.try_get("sender_id")?,
        text: row.try_get("text")?,
        system: system
            .map(|s| serde_json::from_str::<SystemEvent>(&s))
            .transpose()
            .map_err(Error::internal)?,
        attachments: Vec::new(),
        sent_at_ms: row.try_get("sent_at_ms")?,
        committed_at_ms: row.try_get("committed_at_ms")?,
        edited_at_ms: row.try_get("edited_at_ms")?,
        deleted_at_ms: row.try_get("deleted_at_ms")?,
    })
}

fn attachment_from_row(row: &AnyRow) -> Result<Attachment> {
    let size: i64 = row.try_get("size")?;
    Ok(Attachment {
        sha256: row.try_get("sha256")?,
        name: row.try_get("name")?,
        content_type: row.try_get("content_type")?,
        size: u64::try_from(size).map_err(Error::internal)?,
    })
}

pub async fn upsert_reaction(conn: &mut AnyConnection, r: &Reaction) -> Result<()> {
    sqlx::query(
        "INSERT INTO reactions (message_id, staff_id, reaction, conversation_id, active, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (message_id, staff_id, reaction) DO UPDATE SET \
         active = excluded.active, at_ms = excluded.at_ms",
    )
    .bind(&r.message_id)
    .bind(&r.staff_id)
    .bind(r.reaction.as_str())
    .bind(&r.conversation_id)
    .bind(bool_to_db(r.active))
    .bind(r.at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn receipt(
    conn: &mut AnyConnection,
    conversation_id: &str,
    staff_id: &str,
) -> Result<Option<Receipt>> {
    sqlx::query(
        "SELECT conversation_id, staff_id, delivered_through, read_through, updated_at_ms \
         FROM receipts WHERE conversation_id = $1 AND staff_id = $2",
    )
    .bind(conversation_id)
    .bind(staff_id)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(receipt_from_row)
    .transpose()
}

fn receipt_from_row(row: &AnyRow) -> Result<Receipt> {
    Ok(Receipt {
        conversation_id: row.try_get("conversation_id")?,
        staff_id: row.try_get("staff_id")?,
        delivered_through: row.try_get("delivered_through")?,
        read_through: row.try_get("read_through")?,
        updated_at_ms: row.try_get("updated_at_ms")?,
    })
}

pub async fn upsert_receipt(conn: &mut AnyConnection, r: &Receipt) -> Result<()> {
    sqlx::query(
        "INSERT INTO receipts \
         (conversation_id, staff_id, delivered_through, read_through, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (conversation_id, staff_id) DO UPDATE SET \
         delivered_through = excluded.delivered_through, \
         read_through = excluded.read_through, updated_at_ms = excluded.updated_at_ms",
    )
    .bind(&r.conversation_id)
    .bind(&r.staff_id)
    .bind(r.delivered_through)
    .bind(r.read_through)
    .bind(r.updated_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn upsert_pref(conn: &mut AnyConnection, p: &ConversationPref) -> Result<()> {
    sqlx::query(
        "INSERT INTO conversation_prefs (conversation_id, staff_id, important) \
         VALUES ($1, $2, $3) \
         ON CONFLICT (conversation_id, staff_id) DO UPDATE SET important = excluded.important",
    )
    .bind(&p.conversation_id)
    .bind(&p.staff_id)
    .bind(bool_to_db(p.important))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The latest `limit` messages of a conversation numbered below `before_no`, oldest
/// first, their attachments and reactions, and whether older ones remain.
pub async fn history(
    conn: &mut AnyConnection,
    conversation_id: &str,
    before_no: i64,
    limit: u32,
) -> Result<(Vec<Message>, Vec<Reaction>, bool)> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages AS m \
         WHERE m.conversation_id = $1 AND m.message_no < $2 \
         ORDER BY m.message_no DESC LIMIT $3"
    )))
    .bind(conversation_id)
    .bind(before_no)
    .bind(i64::from(limit) + 1)
    .fetch_all(&mut *conn)
    .await?;
    let has_more = rows.len() > limit as usize;
    let mut messages = rows
        .iter()
        .take(limit as usize)
        .map(message_from_row)
        .collect::<Result<Vec<_>>>()?;
    messages.reverse();
    let Some(first_no) = messages.first().map(|m| m.no) else {
        return Ok((messages, Vec::new(), has_more));
    };
    let mut attachments: HashMap<String, Vec<Attachment>> = HashMap::new();
    for row in sqlx::query(
        "SELECT a.message_id, a.sha256, a.name, a.size, a.content_type \
         FROM message_attachments AS a JOIN messages AS m ON m.id = a.message_id \
         WHERE m.conversation_id = $1 AND m.message_no >= $2 AND m.message_no < $3 \
         ORDER BY a.message_id, a.position",
    )
    .bind(conversation_id)
    .bind(first_no)
    .bind(before_no)
    .fetch_all(&mut *conn)
    .await?
    {
        let message_id: String = row.try_get("message_id")?;
        attachments
            .entry(message_id)
            .or_default()
            .push(attachment_from_row(&row)?);
    }
    for message in &mut messages {
        message.attachments = attachments.remove(&message.id).unwrap_or_default();
    }
    let reactions = sqlx::query(
        "SELECT r.message_id, r.staff_id, r.reaction, r.conversation_id, r.active, r.at_ms \
         FROM reactions AS r JOIN messages AS m ON m.id = r.message_id \
         WHERE m.conversation_id = $1 AND m.message_no >= $2 AND m.message_no < $3 \
         ORDER BY m.message_no, r.staff_id, r.reaction",
    )
    .bind(conversation_id)
    .bind(first_no)
    .bind(before_no)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        let reaction: String = row.try_get("reaction")?;
        Ok(Reaction {
            conversation_id: row.try_get("conversation_id")?,
            message_id: row.try_get("message_id")?,
            staff_id: row.try_get("staff_id")?,
            reaction: ReactionKind::parse(&reaction)
                .ok_or_else(|| Error::Internal(format!("reaction {reaction:?}")))?,
            active: bool_from_db(row.try_get("active")?),
            at_ms: row.try_get("at_ms")?,
        })
    })
    .collect::<Result<_>>()?;
    Ok((messages, reactions, has_more))
}

pub async fn receipts(conn: &mut AnyConnection, conversation_id: &str) -> Result<Vec<Receipt>> {
    sqlx::query(
        "SELECT conversation_id, staff_id, delivered_through, read_through, updated_at_ms \
         FROM receipts WHERE conversation_id = $1 ORDER BY staff_id",
    )
    .bind(conversation_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(receipt_from_row)
    .collect()
}

/// The building's head and the conversations `staff_id` is in at that head, read in
/// one statement, hence from one snapshot: what a WebSocket connection starts from.
pub async fn head_and_conversations(
    conn: &mut AnyConnection,
    building_id: &str,
    staff_id: &str,
) -> Result<(i64, HashSet<String>)> {
    let rows = sqlx::query(
        "SELECT b.head_seq, p.conversation_id FROM buildings AS b \
         LEFT JOIN conversation_participants AS p \
         ON p.staff_id = $2 AND p.left_seq IS NULL \
         WHERE b.id = $1",
    )
    .bind(building_id)
    .bind(staff_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut head = 0;
    let mut conversations = HashSet::new();
    for row in rows {
        head = row.try_get("head_seq")?;
        if let Some(id) = row.try_get::<Option<String>, _>("conversation_id")? {
            conversations.insert(id);
        }
    }
    Ok((head, conversations))
}
