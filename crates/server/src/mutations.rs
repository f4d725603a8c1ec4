//! Desk mutations, applied at most once: the idempotency rules of `POST /v1/sync/push`.
//!
//! A push is one write transaction (group commit: one durable commit for the batch, not
//! one per mutation, which is what lets a desk's long offline queue drain in seconds).
//! Each mutation's effects, its changes and its row in `mutations` (its id is the
//! primary key) commit together, so a mutation is recorded exactly when its effects
//! are, and the record survives restarts. The answer is sent only after the commit; if
//! the commit fails, nothing of the push happened and the desk resends all of it.
//!
//! A push costs few statements per mutation: a per-kind apply decides before it writes
//! (a rejection has written nothing, so no savepoint is needed to undo it), and the
//! change-log rows and the records are written once for the whole push, at its end.
//!
//! - an id already recorded for the caller's building is answered with the recorded
//!   outcome and `duplicate: true`; nothing is applied again;
//! - an id recorded for another building is rejected `forbidden`, revealing nothing;
//! - otherwise the per-kind apply (a module per domain, e.g. [`crate::instructions`])
//!   validates and writes, its changes go to the log with the mutation id, and the
//!   outcome (applied or rejected) is recorded;
//! - two requests racing with one id: on SQLite the write transactions are serialised,
//!   and on PostgreSQL a push first locks its building's row, so pushes to one building
//!   are serialised too and the second sees the record. An id reused across buildings
//!   (or recorded by a writer that does not lock the building) can still race on
//!   PostgreSQL: the push's insert of the records waits for the other transaction and
//!   fails with a unique violation. The whole push is then rolled back and run again,
//!   and this time it finds the record and answers it.

use frontdesk_protocol::{
    ChangeBody, Mutation, MutationBody, MutationOutcome, MutationResult, RejectCode,
};
use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
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
    /// Refused for good. An apply decides before it writes: when it refuses, it has
    /// written nothing (nothing would undo it).
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

/// Applies a push's mutations in order, in one transaction.
///
/// An `Err` is a database failure: nothing of this push was committed, and the desk
/// may resend all of it.
pub async fn push_batch(
    db: &Db,
    caller: &Caller,
    mutations: &[Mutation],
) -> Result<Vec<MutationResult>> {
    let mut attempt = 1;
    let results = loop {
        match push_attempt(db, caller, mutations).await {
            Err(Error::Database(e)) if is_unique_violation(&e) && attempt < PUSH_ATTEMPTS => {
                // Another transaction recorded one of these ids first (see the module
                // docs); this one is rolled back. Run again: it answers the record.
                tracing::info!(
                    attempt,
                    "a mutation id of this push was recorded concurrently by another request; running the push again"
                );
                attempt += 1;
            }
            other => break other?,
        }
    };
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

/// How many times a push runs when its ids keep colliding with concurrent requests.
const PUSH_ATTEMPTS: u32 = 3;

async fn push_attempt(
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
    let mut records = Vec::new();
    for mutation in mutations {
        let id = mutation.id.to_string();
        let result = match recorded.get(&id) {
            Some(r) => r.answer(mutation.id, caller),
            None => {
                let now = now_ms();
                let outcome = apply_one(&mut tx, &mut log, caller, mutation, now).await?;
                records.push(Record {
                    id: id.clone(),
                    received_at_ms: now,
                    outcome: serde_json::to_string(&outcome).map_err(Error::internal)?,
                });
                // The same id again later in this push is its duplicate.
                recorded.insert(
                    id,
                    Recorded {
                        building_id: caller.building_id.clone(),
                        outcome: outcome.clone(),
                    },
                );
                MutationResult {
                    id: mutation.id,
                    duplicate: false,
                    outcome,
                }
            }
        };
        results.push(result);
    }
    insert_records(&mut tx, db.backend, caller, &records).await?;
    log.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(results)
}

/// Applies one mutation not recorded yet: its writes and its changes (a rejection
/// writes nothing).
async fn apply_one(
    conn: &mut AnyConnection,
    log: &mut changelog::Appender,
    caller: &Caller,
    mutation: &Mutation,
    now: i64,
) -> Result<MutationOutcome> {
    let verdict = match &mutation.body {
        MutationBody::InstructionSave { id, target, text } => {
            instructions::save(conn, caller, mutation.client_time_ms, id, target, text).await?
        }
        MutationBody::InstructionDelete { id } => instructions::delete(conn, caller, id).await?,
    };
    Ok(match verdict {
        Verdict::Applied(changes) => {
            let seqs = log.append(Some(mutation.id), now, &changes)?;
            let seq = *seqs.first().ok_or_else(|| {
                Error::Internal(format!("mutation {} applied without a change", mutation.id))
            })?;
            MutationOutcome::Applied { seq }
        }
        Verdict::Rejected { code, reason } => MutationOutcome::Rejected { code, reason },
    })
}

/// A mutation's row in `mutations`, as one element of the JSON array the bulk insert
/// reads.
#[derive(serde::Serialize)]
struct Record {
    id: String,
    received_at_ms: i64,
    /// The JSON of the outcome, as stored.
    outcome: String,
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

/// Records the outcomes of a push's applied and rejected mutations, in one statement.
async fn insert_records(
    conn: &mut AnyConnection,
    backend: Backend,
    caller: &Caller,
    records: &[Record],
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let sql = match backend {
        Backend::Sqlite => {
            "INSERT INTO mutations (id, building_id, staff_id, received_at_ms, outcome) \
             SELECT json_extract(value, '$.id'), $1, $2, json_extract(value, '$.received_at_ms'), \
             json_extract(value, '$.outcome') FROM json_each($3)"
        }
        Backend::Postgres => {
            "INSERT INTO mutations (id, building_id, staff_id, received_at_ms, outcome) \
             SELECT r->>'id', $1, $2, (r->>'received_at_ms')::bigint, r->>'outcome' \
             FROM json_array_elements($3::json) AS r"
        }
    };
    sqlx::query(sql)
        .bind(&caller.building_id)
        .bind(&caller.staff_id)
        .bind(serde_json::to_string(records).map_err(Error::internal)?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}
