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
    Authority, ChangeBody, Mutation, MutationBody, MutationOutcome, MutationResult, RejectCode,
};
use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::auth::extractor::AuthStaff;
use crate::changelog;
use crate::db::{Backend, Db, WriteTurn, WriteTx, now_ms};
use crate::error::{Error, Result};
use crate::messaging::apply as messaging;
use crate::{instructions, packages};

/// Who is writing: every mutation is scoped to the caller's building.
#[derive(Debug, Clone)]
pub struct Caller {
    pub building_id: String,
    pub staff_id: String,
    /// Managers and admins may override what the rules refuse (with a reason).
    pub authority: Authority,
}

impl From<&AuthStaff> for Caller {
    fn from(auth: &AuthStaff) -> Self {
        Self {
            building_id: auth.building_id().to_owned(),
            staff_id: auth.staff.id.clone(),
            authority: Authority::of(auth.staff.role),
        }
    }
}

/// What a per-kind apply decided.
#[derive(Debug)]
pub enum Verdict {
    /// Written; these changes describe it and go to the log (at least one: the desk
    /// waits for the echo of its mutation).
    Applied(Vec<ChangeBody>),
    /// Accepted, but it changes nothing, so nothing is logged: a receipt mark that
    /// moves no watermark (a desk repeating what another desk of the same staff member
    /// already marked). Logging it would fan out a change to every participant's desk
    /// for nothing. The desk is answered with the log's head at that point: everything
    /// that made the state what the mutation asked for is at or before it, so the
    /// desk's cursor passing it settles the mutation as an echo would.
    Unchanged,
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

/// Longest id a desk may give a record it creates, in characters (desks send UUIDs).
pub const MAX_ID_CHARS: usize = 64;

/// Refuses an empty or overlong id of a record a desk creates; `what` names it
/// ("instruction", "package", …).
pub fn check_id(id: &str, what: &str) -> Option<Verdict> {
    if id.trim().is_empty() {
        return Some(Verdict::rejected(
            RejectCode::Invalid,
            format!("the {what} id must not be empty"),
        ));
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Some(Verdict::rejected(
            RejectCode::Invalid,
            format!("the {what} id is longer than {MAX_ID_CHARS} characters"),
        ));
    }
    None
}

/// The kind name on the wire, for logs.
pub fn kind(body: &MutationBody) -> &'static str {
    match body {
        MutationBody::InstructionSave { .. } => "instruction_save",
        MutationBody::InstructionDelete { .. } => "instruction_delete",
        MutationBody::PackageIntake(_) => "package_intake",
        MutationBody::PackageEdit(_) => "package_edit",
        MutationBody::PackageTransition(_) => "package_transition",
        MutationBody::PackagePhotoAdd(_) => "package_photo_add",
        MutationBody::ConversationCreate(_) => "conversation_create",
        MutationBody::ConversationAdd(_) => "conversation_add",
        MutationBody::ConversationLeave { .. } => "conversation_leave",
        MutationBody::MessageSend(_) => "message_send",
        MutationBody::MessageEdit(_) => "message_edit",
        MutationBody::MessageDelete { .. } => "message_delete",
        MutationBody::ReactionSet(_) => "reaction_set",
        MutationBody::ReceiptMark(_) => "receipt_mark",
        MutationBody::ConversationPrefSet(_) => "conversation_pref_set",
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
    let results = match db.backend {
        Backend::Sqlite => push_grouped(db, caller, mutations).await?,
        Backend::Postgres => push_alone(db, caller, mutations).await?,
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

/// PostgreSQL: each push is its own transaction; concurrent pushes of one building
/// queue on its row lock, and the database commits them side by side.
async fn push_alone(
    db: &Db,
    caller: &Caller,
    mutations: &[Mutation],
) -> Result<Vec<MutationResult>> {
    let mut attempt = 1;
    loop {
        let outcome = async {
            let mut tx = db.begin_write().await?;
            let results = push_in(&mut tx, db.backend, caller, mutations).await?;
            tx.commit().await?;
            Ok(results)
        }
        .await;
        match outcome {
            Err(Error::Database(e)) if is_unique_violation(&e) && attempt < PUSH_ATTEMPTS => {
                // Another transaction recorded one of these ids first (see the module
                // docs); this one is rolled back. Run again: it answers the record.
                tracing::info!(
                    attempt,
                    "a mutation id of this push was recorded concurrently by another request; running the push again"
                );
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Pushes waiting for SQLite's write turn. SQLite commits one transaction at a time,
/// each with its fsync; under load, pushes queue for it. Whoever gets the turn takes
/// every push waiting and commits them all in one transaction: one fsync for the lot,
/// so a queue drains faster the longer it gets instead of growing. Each push is
/// answered only after that commit.
#[derive(Debug, Default)]
pub struct PushQueue {
    waiting: std::sync::Mutex<Vec<Job>>,
}

#[derive(Debug)]
struct Job {
    caller: Caller,
    mutations: Vec<Mutation>,
    answer: tokio::sync::oneshot::Sender<Result<Vec<MutationResult>>>,
}

impl PushQueue {
    pub(crate) fn len(&self) -> usize {
        self.waiting().len()
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Job>> {
        // A plain list: consistent whatever panicked while holding it.
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Most pushes committed together: a bound on how long the first of them waits, and
/// on how much one failure sends back to be run alone.
const GROUP_PUSHES: usize = 64;

async fn push_grouped(
    db: &Db,
    caller: &Caller,
    mutations: &[Mutation],
) -> Result<Vec<MutationResult>> {
    let (answer, mut answered) = tokio::sync::oneshot::channel();
    db.pushes.waiting().push(Job {
        caller: caller.clone(),
        mutations: mutations.to_vec(),
        answer,
    });
    // Waiting for the turn only to find the queue empty would hold this answer until
    // every waiter ahead had its turn (under load, hundreds of milliseconds after this
    // push was committed): whichever comes first. Leaving the turn's queue is safe.
    let turn = tokio::select! {
        biased;
        answer = &mut answered => return answered_push(answer),
        turn = db.write_turn() => turn,
    };
    let jobs: Vec<Job> = {
        let mut waiting = db.pushes.waiting();
        let n = waiting.len().min(GROUP_PUSHES);
        waiting.drain(..n).collect()
    };
    if !jobs.is_empty() {
        // In a task of its own: this request may be dropped (its client gone) while
        // other pushes of the group wait for their answers.
        let db = db.clone();
        tokio::spawn(async move { commit_group(&db, turn, jobs).await });
    } else {
        // Not to be held while waiting: the group that has this push may need the
        // turn again (to run a failed group's pushes one by one).
        drop(turn);
    }
    // An earlier group took this push, or the task just spawned runs it.
    answered_push(answered.await)
}

fn answered_push(
    answer: std::result::Result<
        Result<Vec<MutationResult>>,
        tokio::sync::oneshot::error::RecvError,
    >,
) -> Result<Vec<MutationResult>> {
    answer.map_err(|_| Error::Internal("a push was dropped before it was answered".into()))?
}

/// Commits `jobs` in one transaction, in `turn`. If any of them fails, none is
/// committed, and each is then run in a transaction of its own, so one push's failure
/// stays its own.
async fn commit_group(db: &Db, turn: WriteTurn, jobs: Vec<Job>) {
    let together = async {
        let mut tx = db.begin_write_in(turn).await?;
        let mut all = Vec::with_capacity(jobs.len());
        for job in &jobs {
            all.push(push_in(&mut tx, db.backend, &job.caller, &job.mutations).await?);
        }
        tx.commit().await?;
        Ok::<_, Error>(all)
    }
    .await;
    match together {
        Ok(all) => {
            for (job, results) in jobs.into_iter().zip(all) {
                let _ = job.answer.send(Ok(results));
            }
        }
        Err(e) if jobs.len() == 1 => {
            if let Some(job) = jobs.into_iter().next() {
                let _ = job.answer.send(Err(e));
            }
        }
        Err(e) => {
            tracing::info!(
                pushes = jobs.len(),
                "a group of pushes failed ({e}); running each alone"
            );
            for job in jobs {
                let alone = async {
                    let mut tx = db.begin_write().await?;
                    let results = push_in(&mut tx, db.backend, &job.caller, &job.mutations).await?;
                    tx.commit().await?;
                    Ok(results)
                }
                .await;
                let _ = job.answer.send(alone);
            }
        }
    }
}

/// One push inside a write transaction; the caller commits.
async fn push_in(
    tx: &mut WriteTx,
    backend: Backend,
    caller: &Caller,
    mutations: &[Mutation],
) -> Result<Vec<MutationResult>> {
    // First, before anything else of the push: on PostgreSQL this locks the building's
    // row, one lock order for all pushes of a building.
    let mut log = changelog::Appender::begin(tx, &caller.building_id).await?;
    let mut recorded = find_recorded_all(tx, backend, mutations).await?;
    let mut known = messaging::Known::default();
    let mut results = Vec::with_capacity(mutations.len());
    let mut records = Vec::new();
    for mutation in mutations {
        let id = mutation.id.to_string();
        let result = match recorded.get(&id) {
            Some(r) => r.answer(mutation.id, caller),
            None => {
                let now = now_ms();
                let outcome = apply_one(tx, &mut log, &mut known, caller, mutation, now).await?;
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
    insert_records(tx, backend, caller, &records).await?;
    log.finish(tx).await?;
    Ok(results)
}

/// Applies one mutation not recorded yet: its writes and its changes (a rejection
/// writes nothing).
async fn apply_one(
    conn: &mut AnyConnection,
    log: &mut changelog::Appender,
    known: &mut messaging::Known,
    caller: &Caller,
    mutation: &Mutation,
    now: i64,
) -> Result<MutationOutcome> {
    let times = messaging::Times {
        client_ms: mutation.client_time_ms,
        now_ms: now,
    };
    if matches!(
        mutation.body,
        MutationBody::ConversationCreate(_)
            | MutationBody::ConversationAdd(_)
            | MutationBody::ConversationLeave { .. }
    ) {
        known.forget_all();
    }
    let verdict = match &mutation.body {
        MutationBody::InstructionSave { id, target, text } => {
            instructions::save(conn, caller, mutation.client_time_ms, id, target, text).await?
        }
        MutationBody::InstructionDelete { id } => instructions::delete(conn, caller, id).await?,
        MutationBody::PackageIntake(intake) => {
            // The intake's history event is named after the mutation.
            let event_id = mutation.id.to_string();
            packages::intake(conn, caller, mutation.client_time_ms, &event_id, intake).await?
        }
        MutationBody::PackageEdit(edit) => packages::edit(conn, caller, edit).await?,
        MutationBody::PackageTransition(transition) => {
            packages::transition(conn, caller, mutation.client_time_ms, transition).await?
        }
        MutationBody::PackagePhotoAdd(add) => {
            packages::add_photo(conn, caller, mutation.client_time_ms, add).await?
        }
        MutationBody::ConversationCreate(create) => {
            messaging::create(conn, caller, times, create).await?
        }
        MutationBody::ConversationAdd(add) => messaging::add(conn, caller, times, add).await?,
        MutationBody::ConversationLeave { conversation_id } => {
            messaging::leave(conn, caller, times, log.mark() + 1, conversation_id).await?
        }
        MutationBody::MessageSend(send) => {
            messaging::send(conn, known, caller, times, send).await?
        }
        MutationBody::MessageEdit(edit) => messaging::edit(conn, caller, times, edit).await?,
        MutationBody::MessageDelete { id } => messaging::delete(conn, caller, times, id).await?,
        MutationBody::ReactionSet(set) => messaging::react(conn, caller, times, set).await?,
        MutationBody::ReceiptMark(mark) => {
            messaging::mark(conn, known, caller, times, mark).await?
        }
        MutationBody::ConversationPrefSet(set) => messaging::set_pref(conn, caller, set).await?,
    };
    Ok(match verdict {
        Verdict::Applied(changes) => {
            let seqs = log.append(Some(mutation.id), now, &changes)?;
            let seq = *seqs.first().ok_or_else(|| {
                Error::Internal(format!("mutation {} applied without a change", mutation.id))
            })?;
            MutationOutcome::Applied { seq }
        }
        Verdict::Unchanged => MutationOutcome::Applied { seq: log.mark() },
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
