//! The desk's side of live latency, alone: how long applying one live frame takes in a
//! real store, and how much CPU it costs. Prints one JSON document:
//!
//!   cargo run --release -p frontdesk-desk-core --example apply_bench
//!
//! Frames of one change each, as a busy building sends them, through
//! `Store::apply_range` (the live path's call): an instruction from another desk, and a
//! staff message from someone else in a conversation of this desk's staff member (which
//! leaves an alert and queues a delivered receipt, as at a real desk), followed by what
//! the desk does after a message frame (`take_message_alerts`, and the pusher's
//! `supersede_receipts`), with the store checkpointed once a second meanwhile as the
//! sync engine does. Beside them, in the same
//! run, a bare one-row commit on the same kind of connection (no fsync) is the floor.
//! `--frames N` (2000) per kind. Wall time per frame (p50/p99) and process CPU per frame
//! (user + system, from /proc) are printed: on a shared machine, the CPU figure is the
//! steadier one.

use std::time::{Duration, Instant};

use frontdesk_desk_core::store::{FrameOutcome, Store};
use frontdesk_protocol::{
    Change, ChangeBody, Conversation, ConversationKind, Instruction, InstructionTarget, Message,
    MessageKind, Participant, ParticipantRole, StaffMember, StaffRole,
};
use serde_json::json;
use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

const ME: &str = "staff-me";
const OTHER: &str = "staff-other";
const CONVERSATION: &str = "conversation-1";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let frames: usize = std::env::args()
        .skip_while(|a| a != "--frames")
        .nth(1)
        .map_or(Ok(2000), |v| v.parse())?;
    let tmp = tempfile::tempdir()?;
    let store = Store::open(&tmp.path().join("desk.db")).await?;
    // This desk's staff member, as sign-in leaves it.
    sqlx::query(
        "INSERT OR REPLACE INTO settings (key, value) VALUES ('messaging_staff', json_quote(?))",
    )
    .bind(ME)
    .execute(store.pool())
    .await?;
    let mut seq = 0;
    let mut next = |body: ChangeBody| {
        seq += 1;
        Change {
            seq,
            committed_at_ms: 1_700_000_000_000 + seq,
            mutation_id: Some(uuid::Uuid::now_v7()),
            body,
        }
    };
    let setup = vec![
        next(ChangeBody::StaffUpserted(staff(ME))),
        next(ChangeBody::StaffUpserted(staff(OTHER))),
        next(ChangeBody::ConversationUpserted(Conversation {
            id: CONVERSATION.into(),
            building_id: "b".into(),
            kind: ConversationKind::Group,
            title: Some("Night shift".into()),
            created_by: OTHER.into(),
            created_at_ms: 0,
            participants: [OTHER, ME]
                .iter()
                .map(|id| Participant {
                    staff_id: (*id).into(),
                    role: ParticipantRole::Member,
                    joined_at_ms: 0,
                    left_at_ms: None,
                })
                .collect(),
        })),
    ];
    let applied = store.apply_changes(&setup, 0).await?;
    anyhow::ensure!(applied.changes == 3, "setup not applied: {applied:?}");
    // As the sync engine does at a desk: the applies leave the WAL to this.
    let checkpointer = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Err(e) = checkpointer.checkpoint().await {
                eprintln!("checkpoint: {e}");
            }
        }
    });

    // The floor: a connection of the apply connection's kind (WAL, no fsync), one
    // statement and its commit per frame.
    let mut bare = SqliteConnectOptions::new()
        .filename(tmp.path().join("desk.db"))
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .connect()
        .await?;
    let mut floor = Vec::with_capacity(frames);
    let cpu_floor = Cpu::now();
    for n in 0..frames {
        let started = Instant::now();
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, '1')")
            .bind(format!("floor-{n}"))
            .execute(&mut bare)
            .await?;
        floor.push(started.elapsed());
    }
    drop(bare);
    let cpu_floor = cpu_floor.per(frames);

    let mut instructions = Vec::with_capacity(frames);
    let cpu_instructions = Cpu::now();
    for n in 0..frames {
        let change = next(ChangeBody::InstructionUpserted(Instruction {
            id: format!("instruction-{}", n % 50),
            building_id: "b".into(),
            target: InstructionTarget::Unit("unit-1".into()),
            text: format!("Leave parcels with the concierge ({n})"),
            updated_by: OTHER.into(),
            updated_at_ms: n as i64,
        }));
        let started = Instant::now();
        apply_one(&store, change).await?;
        instructions.push(started.elapsed());
    }
    let cpu_instructions = cpu_instructions.per(frames);

    let mut messages = Vec::with_capacity(frames);
    let mut alerts = 0;
    let cpu_messages = Cpu::now();
    for n in 0..frames {
        let change = next(ChangeBody::MessageUpserted(Message {
            id: uuid::Uuid::now_v7().to_string(),
            conversation_id: CONVERSATION.into(),
            no: n as i64 + 1,
            kind: MessageKind::Text,
            sender_id: OTHER.into(),
            text: format!("Parcel {n} for 1203 is at the desk"),
            system: None,
            attachments: Vec::new(),
            sent_at_ms: n as i64,
            committed_at_ms: n as i64,
            edited_at_ms: None,
            deleted_at_ms: None,
        }));
        let started = Instant::now();
        apply_one(&store, change).await?;
        alerts += store.take_message_alerts().await?.len();
        // What the pusher does before each push (the server is not there to take the
        // receipts, so without it they would pile up as they never do at a desk).
        store.supersede_receipts().await?;
        messages.push(started.elapsed());
    }
    let cpu_messages = cpu_messages.per(frames);
    anyhow::ensure!(alerts == frames, "{alerts} alerts for {frames} messages");
    // One delivered receipt queued per frame, each superseding the one before.
    let marks: Vec<(Option<i64>,)> = sqlx::query_as(
        "SELECT body ->> '$.payload.delivered_through' FROM outbox WHERE kind = 'receipt_mark'",
    )
    .fetch_all(store.pool())
    .await?;
    anyhow::ensure!(
        marks == [(Some(frames as i64),)],
        "delivered receipts left queued: {marks:?}"
    );

    let report = json!({
        "frames_per_kind": frames,
        "bare_commit_floor": summary(&mut floor, cpu_floor),
        "instruction_frame": summary(&mut instructions, cpu_instructions),
        "message_frame_with_alert_taken": summary(&mut messages, cpu_messages),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

async fn apply_one(store: &Store, change: Change) -> anyhow::Result<()> {
    let (after, through) = (change.seq - 1, change.seq);
    match store.apply_range(&[change], after, through, 0).await? {
        FrameOutcome::Applied(_) => Ok(()),
        other => anyhow::bail!("frame {through} not applied: {other:?}"),
    }
}

fn staff(id: &str) -> StaffMember {
    StaffMember {
        id: id.into(),
        building_id: "b".into(),
        name: format!("Staff {id}"),
        email: format!("{id}@example.test"),
        role: StaffRole::Doorman,
        disabled: false,
    }
}

/// This process's CPU time (user + system) so far, from /proc.
struct Cpu(Duration);

impl Cpu {
    fn now() -> Self {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // Fields after the command name (which may hold spaces): utime and stime are
        // the 12th and 13th, in clock ticks of 1/100 s.
        let after_name = stat.rsplit(')').next().unwrap_or_default();
        let ticks: u64 = after_name
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|v| v.parse::<u64>().ok())
            .sum();
        Self(Duration::from_millis(ticks * 10))
    }

    fn per(self, frames: usize) -> f64 {
        let spent = Self::now().0.saturating_sub(self.0);
        spent.as_secs_f64() * 1e3 / frames as f64
    }
}

fn summary(samples: &mut [Duration], cpu_ms_per_frame: f64) -> serde_json::Value {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).map(|d| d.as_secs_f64() * 1e3)
    };
    json!({
        "p50_ms": at(0.5),
        "p99_ms": at(0.99),
        "cpu_ms_per_frame": cpu_ms_per_frame,
    })
}
