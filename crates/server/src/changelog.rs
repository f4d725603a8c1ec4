//! The per-building change log: the one place that appends to it and reads it back.
//!
//! Desks pull it (`GET /v1/sync/pull`) and treat it as the source of truth, so every
//! write to the directory must go through [`append`] in the same transaction as the
//! write itself: a change is visible exactly when the data it describes is.
//!
//! Each change is stored with its audience ([`ChangeBody::audience`]): a
//! conversation's changes are read back only by its participants, a staff member's own
//! only by them (see [`Reader`] and `docs/messaging.md`).
//!
//! On PostgreSQL, `append` also queues a `NOTIFY` on [`NOTIFY_CHANNEL`] with the
//! building id. PostgreSQL delivers it only if the transaction commits, after the
//! commit, so every server instance sharing the database (and every writer, including
//! the import and user commands run as their own processes) wakes the WebSocket
//! fan-out of that building at the right moment (see `fanout` and `pg_listen`).

use frontdesk_protocol::{Audience, Change, ChangeBody};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Appends `bodies` to `building_id`'s log, in order, and returns their sequence numbers.
///
/// Numbers come from bumping `buildings.head_seq` inside the caller's transaction: on
/// PostgreSQL the row lock this takes makes concurrent writers of one building commit
/// their numbers in order (a reader never sees seq N+1 before N), and on SQLite the
/// write transaction is already exclusive.
pub async fn append(
    conn: &mut AnyConnection,
    building_id: &str,
    mutation_id: Option<Uuid>,
    committed_at_ms: i64,
    bodies: &[ChangeBody],
) -> Result<Vec<i64>> {
    if bodies.is_empty() {
        return Ok(Vec::new());
    }
    let n = i64::try_from(bodies.len()).map_err(Error::internal)?;
    let head: i64 = sqlx::query(
        "UPDATE buildings SET head_seq = head_seq + $1 WHERE id = $2 RETURNING head_seq",
    )
    .bind(n)
    .bind(building_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::Internal(format!("change for unknown building {building_id:?}")))?
    .try_get("head_seq")?;
    notify_on_commit(conn, building_id).await?;

    insert_rows(
        conn,
        building_id,
        head - n + 1,
        mutation_id,
        committed_at_ms,
        bodies,
    )
    .await
}

/// Appends for a whole push: the building's row is locked and its head read once,
/// sequence numbers are handed out here, and the rows and the new head are written once,
/// in [`Appender::finish`]. A push applies hundreds of mutations; this saves two
/// statements for each.
///
/// [`Appender::begin`] takes the building's row lock on PostgreSQL before anything else
/// of the push, so pushes to one building queue in one lock order (no deadlocks) and
/// commit their numbers in order, as with [`append`]. Nothing in a push reads the log
/// back before it commits, so holding the rows until then changes nothing visible.
pub struct Appender {
    building_id: String,
    head: i64,
    start: i64,
    rows: Vec<LogRow>,
}

/// A change waiting for [`Appender::finish`], as one element of the JSON array the
/// bulk insert reads.
#[derive(serde::Serialize)]
struct LogRow {
    seq: i64,
    committed_at_ms: i64,
    entity: &'static str,
    entity_id: String,
    mutation_id: Option<String>,
    /// The JSON of the change body, as stored (a string inside the array).
    body: String,
    tombstone: i64,
    audience_conversation: Option<String>,
    audience_staff: Option<String>,
}

/// The `audience_conversation` and `audience_staff` columns of a change.
fn audience_columns(body: &ChangeBody) -> (Option<&str>, Option<&str>) {
    match body.audience() {
        Audience::Building => (None, None),
        Audience::Conversation(id) => (Some(id), None),
        Audience::Staff(id) => (None, Some(id)),
    }
}

impl Appender {
    pub async fn begin(conn: &mut AnyConnection, building_id: &str) -> Result<Self> {
        let head: i64 = sqlx::query(
            "UPDATE buildings SET head_seq = head_seq WHERE id = $1 RETURNING head_seq",
        )
        .bind(building_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::Internal(format!("change for unknown building {building_id:?}")))?
        .try_get("head_seq")?;
        Ok(Self {
            building_id: building_id.to_owned(),
            head,
            start: head,
            rows: Vec::new(),
        })
    }

    /// Where the log stands now, to [`Appender::rewind`] to when what was appended
    /// since is rolled back.
    pub fn mark(&self) -> i64 {
        self.head
    }

    pub fn rewind(&mut self, mark: i64) {
        self.head = mark;
        self.rows
            .truncate(usize::try_from(mark - self.start).unwrap_or_default());
    }

    /// Appends `bodies` in order and returns their sequence numbers.
    pub fn append(
        &mut self,
        mutation_id: Option<Uuid>,
        committed_at_ms: i64,
        bodies: &[ChangeBody],
    ) -> Result<Vec<i64>> {
        let mutation_id = mutation_id.map(|id| id.to_string());
        let mut seqs = Vec::with_capacity(bodies.len());
        for body in bodies {
            let (entity, entity_id) = body.entity();
            let (audience_conversation, audience_staff) = audience_columns(body);
            self.head += 1;
            self.rows.push(LogRow {
                seq: self.head,
                committed_at_ms,
                entity,
                entity_id: entity_id.into_owned(),
                mutation_id: mutation_id.clone(),
                body: serde_json::to_string(body).map_err(Error::internal)?,
                tombstone: crate::db::bool_to_db(body.is_deletion()),
                audience_conversation: audience_conversation.map(str::to_owned),
                audience_staff: audience_staff.map(str::to_owned),
            });
            seqs.push(self.head);
        }
        Ok(seqs)
    }

    /// Writes the appended rows and the new head (and, on PostgreSQL, queues the
    /// commit-time notification).
    pub async fn finish(self, conn: &mut AnyConnection) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = serde_json::to_string(&self.rows).map_err(Error::internal)?;
        let insert = if conn.backend_name() == "PostgreSQL" {
            "INSERT INTO changes \
             (building_id, seq, committed_at_ms, entity, entity_id, mutation_id, body, tombstone, \
              audience_conversation, audience_staff) \
             SELECT $1, (r->>'seq')::bigint, (r->>'committed_at_ms')::bigint, r->>'entity', \
             r->>'entity_id', r->>'mutation_id', r->>'body', (r->>'tombstone')::bigint, \
             r->>'audience_conversation', r->>'audience_staff' \
             FROM json_array_elements($2::json) AS r"
        } else {
            "INSERT INTO changes \
             (building_id, seq, committed_at_ms, entity, entity_id, mutation_id, body, tombstone, \
              audience_conversation, audience_staff) \
             SELECT $1, json_extract(value, '$.seq'), json_extract(value, '$.committed_at_ms'), \
             json_extract(value, '$.entity'), json_extract(value, '$.entity_id'), \
             json_extract(value, '$.mutation_id'), json_extract(value, '$.body'), \
             json_extract(value, '$.tombstone'), json_extract(value, '$.audience_conversation'), \
             json_extract(value, '$.audience_staff') FROM json_each($2)"
        };
        sqlx::query(insert)
            .bind(&self.building_id)
            .bind(rows)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE buildings SET head_seq = $1 WHERE id = $2")
            .bind(self.head)
            .bind(&self.building_id)
            .execute(&mut *conn)
            .await?;
        notify_on_commit(conn, &self.building_id).await
    }
}

async fn insert_rows(
    conn: &mut AnyConnection,
    building_id: &str,
    first: i64,
    mutation_id: Option<Uuid>,
    committed_at_ms: i64,
    bodies: &[ChangeBody],
) -> Result<Vec<i64>> {
    let mutation_id = mutation_id.map(|id| id.to_string());
    let mut seqs = Vec::with_capacity(bodies.len());
    for (seq, body) in (first..).zip(bodies) {
        let (entity, entity_id) = body.entity();
        let (audience_conversation, audience_staff) = audience_columns(body);
        let json = serde_json::to_string(body).map_err(Error::internal)?;
        sqlx::query(
            "INSERT INTO changes \
             (building_id, seq, committed_at_ms, entity, entity_id, mutation_id, body, tombstone, \
              audience_conversation, audience_staff) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(building_id)
        .bind(seq)
        .bind(committed_at_ms)
        .bind(entity)
        .bind(entity_id.as_ref())
        .bind(mutation_id.clone())
        .bind(json)
        .bind(crate::db::bool_to_db(body.is_deletion()))
        .bind(audience_conversation)
        .bind(audience_staff)
        .execute(&mut *conn)
        .await?;
        seqs.push(seq);
    }
    Ok(seqs)
}

/// The channel every instance LISTENs on; the payload is the building id.
pub const NOTIFY_CHANNEL: &str = "frontdesk_changes";

/// Queues the commit-time notification (PostgreSQL only: SQLite has no such thing and
/// serves a single instance, whose hub is poked directly and polls for the rest).
/// Repeats within one transaction are folded into one by PostgreSQL.
async fn notify_on_commit(conn: &mut AnyConnection, building_id: &str) -> Result<()> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(NOTIFY_CHANNEL)
        .bind(building_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The building's last sequence number (0 for an empty log or an unknown building).
pub async fn head_seq(conn: &mut AnyConnection, building_id: &str) -> Result<i64> {
    Ok(sqlx::query("SELECT head_seq FROM buildings WHERE id = $1")
        .bind(building_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get("head_seq"))
        .transpose()?
        .unwrap_or(0))
}

/// Takes the building's row lock without changing it, so a transaction that must read
/// before it decides what to write (an import diffing against the stored rows) does
/// not race another writer of the same building on PostgreSQL.
pub async fn lock_building(conn: &mut AnyConnection, building_id: &str) -> Result<()> {
    sqlx::query("UPDATE buildings SET head_seq = head_seq WHERE id = $1")
        .bind(building_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The building's compaction horizon: changes at or below it may be gone from the log
/// (0 when it was never compacted, or for an unknown building).
pub async fn compacted_through(conn: &mut AnyConnection, building_id: &str) -> Result<i64> {
    Ok(
        sqlx::query("SELECT compacted_through_seq FROM buildings WHERE id = $1")
            .bind(building_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|row| row.try_get("compacted_through_seq"))
            .transpose()?
            .unwrap_or(0),
    )
}

pub struct Page {
    pub changes: Vec<Change>,
    pub has_more: bool,
    pub head_seq: i64,
}

/// Who reads the log, hence which of its changes they are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader<'a> {
    /// The server itself (the fan-out feed, tools): every change.
    Server,
    /// A desk signed in as this staff member: the building's changes, their own, and
    /// those of the conversations they are in; of a conversation they left, the
    /// changes up to their leaving (`conversation_participants.left_seq`).
    Staff(&'a str),
}

/// Every change of one building with `seq > after`, oldest first, at most `limit`.
pub async fn read_page(
    conn: &mut AnyConnection,
    building_id: &str,
    after: i64,
    limit: u32,
) -> Result<Page> {
    read_page_as(conn, building_id, Reader::Server, after, limit).await
}

/// The changes `reader` may see of one building with `seq > after`, oldest first, at
/// most `limit` of them. `head_seq` is the building's, whatever the reader sees: a
/// desk whose last page ends below it skips, by moving its cursor there, changes that
/// were never its own.
pub async fn read_page_as(
    conn: &mut AnyConnection,
    building_id: &str,
    reader: Reader<'_>,
    after: i64,
    limit: u32,
) -> Result<Page> {
    let head_seq = head_seq(conn, building_id).await?;

    // One row more than asked tells whether another page follows.
    let rows = match reader {
        Reader::Server => {
            sqlx::query(
                "SELECT seq, committed_at_ms, mutation_id, body FROM changes \
                 WHERE building_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4",
            )
            .bind(building_id)
            .bind(after)
            .bind(head_seq)
            .bind(i64::from(limit) + 1)
            .fetch_all(&mut *conn)
            .await?
        }
        Reader::Staff(staff_id) => {
            sqlx::query(
                "SELECT seq, committed_at_ms, mutation_id, body FROM changes \
                 WHERE building_id = $1 AND seq > $2 AND seq <= $3 \
                 AND ((audience_conversation IS NULL AND audience_staff IS NULL) \
                      OR audience_staff = $5 \
                      OR EXISTS (SELECT 1 FROM conversation_participants AS p \
                          WHERE p.conversation_id = changes.audience_conversation \
                          AND p.staff_id = $5 \
                          AND (p.left_seq IS NULL OR p.left_seq >= changes.seq))) \
                 ORDER BY seq LIMIT $4",
            )
            .bind(building_id)
            .bind(after)
            .bind(head_seq)
            .bind(i64::from(limit) + 1)
            .bind(staff_id)
            .fetch_all(&mut *conn)
            .await?
        }
    };

    let has_more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    for row in rows.into_iter().take(limit as usize) {
        let mutation_id: Option<String> = row.try_get("mutation_id")?;
        let body: String = row.try_get("body")?;
        changes.push(Change {
            seq: row.try_get("seq")?,
            committed_at_ms: row.try_get("committed_at_ms")?,
            mutation_id: mutation_id
                .map(|id| Uuid::parse_str(&id))
                .transpose()
                .map_err(Error::internal)?,
            body: serde_json::from_str(&body).map_err(Error::internal)?,
        });
    }
    Ok(Page {
        changes,
        has_more,
        head_seq,
    })
}

/// A page for a desk at cursor `after` that read its previous page against
/// compaction horizon `known_horizon` (the `horizon_seq` of that page; None from a
/// desk that does not send it). Returns the page and the horizon the desk holds after
/// applying it, or [`Error::CursorExpired`] when this log can no longer bring that
/// desk up to date:
///
/// - `after` is above the building's head: the desk's history is not this log's (the
///   database was restored from an older backup, or this is another server);
/// - `after` is below the horizon H, and the desk did not read its previous page
///   against H: a deletion it has not seen may have been compacted away.
///
/// `after = 0` is always served: the compacted log, read from the start, is the whole
/// current state. A desk reading it page by page is below H for a while, and is served
/// as long as H does not move (it sends back the horizon of its first page). See
/// `compaction` for why that is safe.
///
/// From 0, the horizon is read **before** the rows: a compaction committing a new one
/// meanwhile may have removed older changes under this read, and the desk must not
/// hold the new horizon. After 0, it is read **after** the rows: compaction commits its
/// horizon before it removes deletions, so if this read missed a deletion, the horizon
/// read next shows it, and the desk gets 410 instead of a page with a hole.
pub async fn read_page_for_cursor(
    conn: &mut AnyConnection,
    building_id: &str,
    reader: Reader<'_>,
    after: i64,
    known_horizon: Option<i64>,
    limit: u32,
) -> Result<(Page, i64)> {
    if after == 0 {
        let horizon = compacted_through(conn, building_id).await?;
        let page = read_page_as(conn, building_id, reader, 0, limit).await?;
        return Ok((page, horizon));
    }
    let page = read_page_as(conn, building_id, reader, after, limit).await?;
    if after > page.head_seq {
        return Err(Error::CursorExpired(format!(
            "cursor {after} is ahead of this building's change log (head {}): this server \
             does not know this desk's history (restored from an older backup, or another \
             server); pull from 0",
            page.head_seq
        )));
    }
    let horizon = compacted_through(conn, building_id).await?;
    if after < horizon && known_horizon != Some(horizon) {
        return Err(Error::CursorExpired(format!(
            "cursor {after} is no longer served: the change log was compacted through \
             {horizon}; pull from 0"
        )));
    }
    Ok((page, horizon))
}
