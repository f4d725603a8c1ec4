//! The outbox: desk writes waiting for the server, in the order staff made them.
//!
//! A write is one row here, inserted in the same SQLite transaction as anything else
//! the write touches, and fsynced on commit. Rows stay `pending` until the server
//! answers. Then they become `acked` (kept until the pull cursor passes their sequence,
//! so the screen does not flicker back) or `rejected` (kept and shown until staff
//! dismiss them). Readers lay pending and acked rows over the server's state; see
//! [`crate::instructions`].

use frontdesk_protocol::{Mutation, MutationBody, MutationOutcome, MutationResult, RejectCode};
use serde::Serialize;
use sqlx::SqliteConnection;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::store::Store;
use crate::store::script::Script;

/// The stamp of a queued mutation: the staff member signed in here, read from the
/// signed-in setting (see [`enqueue`]). For the statements that queue mutations.
macro_rules! queued_by {
    () => {
        "(SELECT value ->> '$.staff.id' FROM settings WHERE key = 'signed_in')"
    };
}
pub(crate) use queued_by;

/// Marks mutations still pending here as applied by the server at the given sequence
/// numbers, in one statement (a push answer or a pulled page settles hundreds); its one
/// parameter (`?1`) from [`echoes_json`]. For a pulled change this is the echo: the push
/// answer may have been lost, but the echo proves the server applied it.
///
/// (`+state` keeps SQLite's planner off the state index: with it, the planner walks
/// every pending row and scans the JSON for each, quadratic in a long queue; without
/// it, it walks the JSON and finds each row by its unique id.)
macro_rules! mark_applied_sql {
    () => {
        "UPDATE outbox SET state = 'acked', acked_seq = a.seq, last_error = NULL \
         FROM (SELECT value ->> 0 AS id, value ->> 1 AS seq FROM jsonb_each(?1)) AS a \
         WHERE outbox.mutation_id = a.id AND +outbox.state = 'pending'"
    };
}
pub(crate) use mark_applied_sql;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OutboxState {
    Pending,
    Acked,
    Rejected,
}

/// One queued or rejected write, for the Sync panel.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct OutboxItem {
    pub mutation: Mutation,
    pub state: OutboxState,
    pub reject_code: Option<RejectCode>,
    pub reject_reason: Option<String>,
    /// Pushes tried so far and the last failure, while it waits.
    pub attempts: u32,
    pub last_error: Option<String>,
    /// The staff member who made it here (None for writes queued before this was
    /// recorded). Only their own session sends it.
    pub queued_by: Option<String>,
    /// Their name, as the local directory has it.
    pub queued_by_name: Option<String>,
}

/// What the status bar counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub queued: u32,
    pub oldest_queued_ms: Option<i64>,
    pub rejected: u32,
}

#[derive(sqlx::FromRow)]
struct Row {
    mutation_id: String,
    body: String,
    client_time_ms: i64,
    state: String,
    reject_code: Option<String>,
    reject_reason: Option<String>,
    attempts: i64,
    last_error: Option<String>,
    queued_by: Option<String>,
    /// Only the Sync panel's query reads it.
    #[sqlx(default)]
    queued_by_name: Option<String>,
}

impl Row {
    fn mutation(&self) -> DeskResult<Mutation> {
        let id = Uuid::parse_str(&self.mutation_id)
            .map_err(|e| DeskError::new(DeskErrorCode::Storage, format!("outbox id: {e}")))?;
        Ok(Mutation {
            id,
            client_time_ms: self.client_time_ms,
            body: serde_json::from_str(&self.body)?,
        })
    }

    fn item(&self) -> DeskResult<OutboxItem> {
        let state = match self.state.as_str() {
            "pending" => OutboxState::Pending,
            "acked" => OutboxState::Acked,
            _ => OutboxState::Rejected,
        };
        let reject_code = match &self.reject_code {
            Some(code) => Some(serde_json::from_value(serde_json::Value::String(
                code.clone(),
            ))?),
            None => None,
        };
        Ok(OutboxItem {
            mutation: self.mutation()?,
            state,
            reject_code,
            reject_reason: self.reject_reason.clone(),
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            last_error: self.last_error.clone(),
            queued_by: self.queued_by.clone(),
            queued_by_name: self.queued_by_name.clone(),
        })
    }
}

/// Queues `body` as a new mutation, inside the caller's transaction, stamped with the
/// staff member signed in here.
///
/// The stamp is read from the signed-in setting in the same statement rather than
/// passed in, so that no write, whichever module queues it, can go without it; the
/// desk changes that setting only while no write runs (see `Desk::sign_in`).
pub async fn enqueue(
    conn: &mut SqliteConnection,
    body: MutationBody,
    now_ms: i64,
) -> DeskResult<Mutation> {
    let mutation = Mutation {
        id: Uuid::now_v7(),
        client_time_ms: now_ms,
        body,
    };
    sqlx::query(concat!(
        "INSERT INTO outbox (mutation_id, body, client_time_ms, queued_by) VALUES (?, ?, ?, ",
        queued_by!(),
        ")"
    ))
    .bind(mutation.id.to_string())
    .bind(serde_json::to_string(&mutation.body)?)
    .bind(mutation.client_time_ms)
    .execute(conn)
    .await?;
    Ok(mutation)
}

/// The parameter of [`mark_applied_sql`]: `[[mutation id, seq], …]`.
pub(crate) fn echoes_json(applied: &[(Uuid, i64)]) -> DeskResult<String> {
    let rows: Vec<serde_json::Value> = applied
        .iter()
        .map(|(id, seq)| serde_json::json!([id.to_string(), seq]))
        .collect();
    Ok(serde_json::to_string(&rows)?)
}

macro_rules! select_rows {
    ($($rest:literal),*) => {
        concat!(
            "SELECT mutation_id, body, client_time_ms, state, reject_code, reject_reason, attempts, last_error, queued_by FROM outbox ",
            $($rest),*
        )
    };
}

/// [`Store::overlay`] on `conn`: in a read transaction together with the server's rows
/// it is laid over. Read apart, an apply committing in between (it writes the echoed
/// rows and retires their outbox rows) would make a write vanish from both reads.
pub async fn overlay_in(conn: &mut SqliteConnection) -> DeskResult<Vec<(Mutation, OutboxState)>> {
    let rows: Vec<Row> = sqlx::query_as(select_rows!(
        "WHERE state IN ('pending', 'acked') ORDER BY seq"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.mutation()?, r.item()?.state)))
        .collect()
}

/// [`overlay_in`] for one record only (a parcel, an instruction): its own queued writes,
/// through the `outbox_by_entity` index, whatever the length of the queue.
pub async fn overlay_of_in(
    conn: &mut SqliteConnection,
    entity_id: &str,
) -> DeskResult<Vec<(Mutation, OutboxState)>> {
    let rows: Vec<Row> = sqlx::query_as(select_rows!(
        "WHERE entity_id = ? AND state IN ('pending', 'acked') ORDER BY seq"
    ))
    .bind(entity_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.mutation()?, r.item()?.state)))
        .collect()
}

impl Store {
    /// The oldest pending mutations `staff_id` may send, in order: the next push.
    ///
    /// Those are the rows they queued, and rows from before authors were recorded. A
    /// row about a record that another staff member's waiting write is about waits too
    /// (their parcel's intake must reach the server before this pickup of it can).
    pub async fn pending_batch(&self, limit: u32, staff_id: &str) -> DeskResult<Vec<Mutation>> {
        let rows: Vec<Row> = sqlx::query_as(select_rows!(
            "WHERE state = 'pending' AND (queued_by IS NULL OR queued_by = ?1) \
             AND NOT EXISTS (SELECT 1 FROM outbox AS earlier \
               WHERE earlier.entity_id = outbox.entity_id AND earlier.seq < outbox.seq \
               AND earlier.state = 'pending' AND earlier.queued_by <> ?1) \
             ORDER BY seq LIMIT ?2"
        ))
        .bind(staff_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(Row::mutation).collect()
    }

    /// The mutations readers lay over the server's state (pending and acked), in order.
    pub async fn overlay(&self) -> DeskResult<Vec<(Mutation, OutboxState)>> {
        let mut conn = self.pool().acquire().await?;
        overlay_in(&mut conn).await
    }

    /// Pending and rejected writes, oldest first, for the Sync panel.
    pub async fn outbox_items(&self) -> DeskResult<Vec<OutboxItem>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT mutation_id, body, client_time_ms, state, reject_code, reject_reason, \
             attempts, last_error, queued_by, \
             (SELECT name FROM staff WHERE staff.id = outbox.queued_by) AS queued_by_name \
             FROM outbox WHERE state IN ('pending', 'rejected') ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(Row::item).collect()
    }

    /// Counts kept by triggers (see the outbox_tally migration) and the oldest queued
    /// write through the (state, seq) index: cheap whatever the queue's length.
    pub async fn outbox_counts(&self) -> DeskResult<OutboxCounts> {
        let (queued, oldest, rejected): (i64, Option<i64>, i64) = sqlx::query_as(
            "SELECT (SELECT n FROM outbox_tally WHERE state = 'pending'), \
             (SELECT client_time_ms FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1), \
             (SELECT n FROM outbox_tally WHERE state = 'rejected')",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(OutboxCounts {
            queued: u32::try_from(queued).unwrap_or(u32::MAX),
            oldest_queued_ms: oldest,
            rejected: u32::try_from(rejected).unwrap_or(u32::MAX),
        })
    }

    /// Records the server's answers to a push, all in one transaction, without an
    /// fsync (see the `store` module docs: an answer lost to a power cut is asked again).
    /// Two calls to the apply connection's thread, however many answers: this holds up
    /// the next live frame.
    pub async fn record_push_results(&self, results: &[MutationResult]) -> DeskResult<()> {
        let mut script = Script::new();
        let mut applied = Vec::with_capacity(results.len());
        for result in results {
            match &result.outcome {
                MutationOutcome::Applied { seq } => applied.push((result.id, *seq)),
                MutationOutcome::Rejected { code, reason } => {
                    script
                        .push(REJECT_SQL)
                        .bind(reject_code(*code)?)
                        .bind(reason.as_str())
                        .bind(result.id.to_string());
                }
            }
        }
        if !applied.is_empty() {
            script
                .push(mark_applied_sql!())
                .bind(echoes_json(&applied)?);
        }
        // An acknowledgement may already be behind the cursor (the echo came first): the
        // local tables hold its effect, and the row goes.
        script.push(
            "DELETE FROM outbox WHERE state = 'acked' \
             AND acked_seq <= (SELECT cursor FROM sync_state WHERE id = 1)",
        );
        self.begin_apply().await?.commit(script).await?;
        Ok(())
    }

    /// The server refused one mutation outright (not in a result list).
    pub async fn reject_mutation(
        &self,
        id: Uuid,
        code: RejectCode,
        reason: &str,
    ) -> DeskResult<()> {
        let mut conn = self.pool().acquire().await?;
        reject(&mut conn, &id.to_string(), code, reason).await
    }

    /// Notes a failed attempt on the mutations of a push that did not get through, in
    /// one statement: a long outage retries often, and this must not hold the write
    /// lock long while staff keep typing.
    pub async fn record_push_failure(&self, ids: &[Uuid], error: &str) -> DeskResult<()> {
        let ids = serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>())?;
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? \
             WHERE +state = 'pending' AND mutation_id IN (SELECT value FROM json_each(?))",
        )
        .bind(error)
        .bind(ids)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Staff have read why a write was refused: forget it.
    pub async fn dismiss_rejected(&self, id: Uuid) -> DeskResult<()> {
        let done = sqlx::query("DELETE FROM outbox WHERE mutation_id = ? AND state = 'rejected'")
            .bind(id.to_string())
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(DeskError::new(
                DeskErrorCode::NotFound,
                format!("no rejected change {id}"),
            ));
        }
        Ok(())
    }
}

/// Refuses a pending mutation for good: `?1` its code, `?2` the reason, `?3` its id.
const REJECT_SQL: &str = "UPDATE outbox SET state = 'rejected', reject_code = ?1, reject_reason = ?2 \
     WHERE mutation_id = ?3 AND state = 'pending'";

fn reject_code(code: RejectCode) -> DeskResult<Option<String>> {
    Ok(serde_json::to_value(code)?.as_str().map(str::to_owned))
}

async fn reject(
    conn: &mut SqliteConnection,
    id: &str,
    code: RejectCode,
    reason: &str,
) -> DeskResult<()> {
    sqlx::query(REJECT_SQL)
        .bind(reject_code(code)?)
        .bind(reason)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stamp_reads_the_signed_in_setting() {
        let key = format!("key = '{}'", crate::desk::SIGNED_IN);
        assert!(queued_by!().contains(&key), "{}", queued_by!());
    }
}
