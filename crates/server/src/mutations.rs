//! Desk mutations, applied at most once: the idempotency rules of `POST /v1/sync/push`.
//!
//! A push is one write transaction (group commit: one durable commit for the batch, not
//! one per mutation, which is what lets a desk's long offline queue drain in seconds).
//! Inside it, each mutation is its own savepoint together with its row in `mutations`
//! (its id is the primary key), so a mutation is recorded exactly when its effects are,
//! and the record survives restarts. The answer is sent only after the commit; if the
//! commit fails, nothing of the push happened and the desk resends all of it.
//!
//! - an id already recorded for the caller's building is answered with the recorded
//!   outcome and `duplicate: true`; nothing is applied again;
//! - an id recorded for another building is rejected `forbidden`, revealing nothing;
//! - otherwise the per-kind apply (a module per domain, e.g. [`crate::instructions`])
//!   validates and writes, its changes go to the log with the mutation id, and the
//!   outcome (applied or rejected) is recorded in the same savepoint;
//! - two requests racing with one id: on SQLite the write transactions are serialised,
//!   and on PostgreSQL a push first locks its building's row, so pushes to one building
//!   are serialised too and the second sees the record. (An id reused across buildings
//!   can still race on PostgreSQL: the second insert of the `mutations` row waits for
//!   the first transaction and fails with a unique violation; that savepoint is rolled
//!   back and the recorded outcome answered.)

use frontdesk_protocol::{
    ChangeBody, Mutation, MutationBody, MutationOutcome, MutationResult, RejectCode,
};
use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};
use uuid::Uuid;

use crate::auth::extractor::AuthStaff;
use crate::changelog;
use crate::db::{Backend, Db, now_ms};
use crate::error::{Error, Result};
use crate::instructions;

/// Who is writing: every mutation is scoped to the caller's building.
#[derive(Debug, Clone)]
pub struct Caller {
    pub building_id: String,
    pub staff_id: String,
}

impl From<&AuthStaff> for Caller {
    fn from(auth: &AuthStaff) -> Self {
        Self {
            building_id: auth.building_id().to_owned(),
            staff_id: auth.staff.id.clone(),
        }
    }
}

/// What a per-kind apply decided.
#[derive(Debug)]
pub enum Verdict {
    /// Written; these changes describe it and go to the log (at least one: the desk
    /// waits for the echo of its mutation).
    Applied(Vec<ChangeBody>),
    /// Refused for good. Anything the apply wrote before deciding is rolled back.
    Rejected { code: RejectCode, reason: String },
}

impl Verdict {
    pub fn rejected(code: RejectCode, reason: impl Into<String>) -> Self {
        Self::Rejected {
            code,
            reason: reason.into(),
        }
    }
}

/// The kind name on the wire, for logs.
pub fn kind(body: &MutationBody) -> &'static str {
    match body {
        MutationBody::InstructionSave { .. } => "instruction_save",
        MutationBody::InstructionDelete { .. } => "instruction_delete",
    }
}

/// Applies a push's mutations in order, in one transaction, each in its own savepoint.
///
/// An `Err` is a database failure: nothing of this push was committed, and the desk
/// may resend all of it.
pub async fn push_batch(
    db: &Db,
    caller: &Caller,
    mutations: &[Mutation],
) -> Result<Vec<MutationResult>> {
    let mut tx = db.begin_write().await?;
    // First, before anything else of the push: on PostgreSQL this locks the building's
    // row, one lock order for all pushes of a building.
    let mut log = changelog::Appender::begin(&mut tx, &caller.building_id).await?;
    let mut recorded = find_recorded_all(&mut tx, db.backend, mutations).await?;
    let mut results = Vec::with_capacity(mutations.len());
    for mutation in mutations {
        let id = mutation.id.to_string();
        let result = match recorded.get(&id) {
            Some(r) => r.answer(mutation.id, caller),
            None => {
                let result = push_one(&mut tx, &mut log, caller, mutation).await?;
                if !result.duplicate {
                    // The same id again later in this push is its duplicate.
                    recorded.insert(
                        id,
                        Recorded {
                            building_id: caller.building_id.clone(),
                            outcome: result.outcome.clone(),
                        },
                    );
                }
                result
            }
        };
        results.push(result);
    }
    log.finish(&mut tx).await?;
    tx.commit().await?;
    for (mutation, result) in mutations.iter().zip(&results) {
        match &result.outcome {
            _ if result.duplicate => {}
            MutationOutcome::Applied { seq } => {
                tracing::debug!(mutation = %mutation.id, kind = kind(&mutation.body), seq, "mutation applied");
            }
            MutationOutcome::Rejected { code, reason } => {
                tracing::info!(mutation = %mutation.id, kind = kind(&mutation.body), ?code, %reason, "mutation rejected");
            }
        }
    }
    Ok(results)
}

/// Applies one mutation not recorded yet inside the push's transaction: its writes, its
/// changes and its record in one savepoint. A rejection keeps only its record.
async fn push_one(
    conn: &mut AnyConnection,
    log: &mut changelog::Appender,
    caller: &Caller,
    mutation: &Mutation,
) -> Result<MutationResult> {
    let id = mutation.id.to_string();
    let now = now_ms();
    let mark = log.mark();
    let mut savepoint = conn.begin().await?;
    let verdict = match &mutation.body {
        MutationBody::InstructionSave { id, target, text } => {
            instructions::save(
                &mut savepoint,
                caller,
                mutation.client_time_ms,
                id,
                target,
                text,
            )
            .await?
        }
        MutationBody::InstructionDelete { id } => {
            instructions::delete(&mut savepoint, caller, id).await?
        }
    };
    let outcome = match verdict {
        Verdict::Applied(changes) => {
            let seqs = log.append(Some(mutation.id), now, &changes)?;
            let seq = *seqs.first().ok_or_else(|| {
                Error::Internal(format!("mutation {} applied without a change", mutation.id))
            })?;
            MutationOutcome::Applied { seq }
        }
        Verdict::Rejected { code, reason } => {
            // Undo whatever the apply wrote before deciding; keep room for the record.
            savepoint.rollback().await?;
            savepoint = conn.begin().await?;
            MutationOutcome::Rejected { code, reason }
        }
    };
    match insert_record(&mut savepoint, &id, caller, now, &outcome).await {
        Ok(()) => savepoint.commit().await?,
        Err(Error::Database(e)) if is_unique_violation(&e) => {
            // Another building's transaction recorded this id first (PostgreSQL).
            savepoint.rollback().await?;
            log.rewind(mark);
            tracing::info!(mutation = %id, "mutation id recorded concurrently by another request; answering its outcome");
            let recorded = find_recorded(&mut *conn, &id).await?.ok_or_else(|| {
                Error::Internal(format!("mutation {id} collided but has no record"))
            })?;
            return Ok(recorded.answer(mutation.id, caller));
        }
        Err(e) => return Err(e),
    }
    Ok(MutationResult {
        id: mutation.id,
        duplicate: false,
        outcome,
    })
}

struct Recorded {
    building_id: String,
    outcome: MutationOutcome,
}

impl Recorded {
    fn answer(&self, id: Uuid, caller: &Caller) -> MutationResult {
        if self.building_id == caller.building_id {
            return MutationResult {
                id,
                duplicate: true,
                outcome: self.outcome.clone(),
            };
        }
        // Not this building's mutation: say nothing about it, apply nothing. Not
        // recorded either (the id is taken), so a repeat is answered the same way.
        tracing::warn!(mutation = %id, building = %caller.building_id, staff = %caller.staff_id, "mutation id already used by another building");
        MutationResult {
            id,
            duplicate: false,
            outcome: MutationOutcome::Rejected {
                code: RejectCode::Forbidden,
                reason: format!("mutation id {id} cannot be used"),
            },
        }
    }

    fn from_row(row: &AnyRow) -> Result<(String, Self)> {
        let outcome: String = row.try_get("outcome")?;
        Ok((
            row.try_get("id")?,
            Self {
                building_id: row.try_get("building_id")?,
                outcome: serde_json::from_str(&outcome).map_err(Error::internal)?,
            },
        ))
    }
}

async fn find_recorded(conn: &mut AnyConnection, id: &str) -> Result<Option<Recorded>> {
    sqlx::query("SELECT id, building_id, outcome FROM mutations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| Recorded::from_row(&row).map(|(_, r)| r))
        .transpose()
}

/// The records of a push's ids, in one query (the ids travel as one JSON array).
async fn find_recorded_all(
    conn: &mut AnyConnection,
    backend: Backend,
    mutations: &[Mutation],
) -> Result<HashMap<String, Recorded>> {
    let ids: Vec<String> = mutations.iter().map(|m| m.id.to_string()).collect();
    let ids = serde_json::to_string(&ids).map_err(Error::internal)?;
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT id, building_id, outcome FROM mutations \
             WHERE id IN (SELECT value FROM json_each($1))"
        }
        Backend::Postgres => {
            "SELECT id, building_id, outcome FROM mutations \
             WHERE id IN (SELECT json_array_elements_text($1::json))"
        }
    };
    sqlx::query(sql)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(Recorded::from_row)
        .collect()
}

async fn insert_record(
    conn: &mut AnyConnection,
    id: &str,
    caller: &Caller,
    received_at_ms: i64,
    outcome: &MutationOutcome,
) -> Result<()> {
    let outcome = serde_json::to_string(outcome).map_err(Error::internal)?;
    sqlx::query(
        "INSERT INTO mutations (id, building_id, staff_id, received_at_ms, outcome) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(&caller.building_id)
    .bind(&caller.staff_id)
    .bind(received_at_ms)
    .bind(outcome)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}
