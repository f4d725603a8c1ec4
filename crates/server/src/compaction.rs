//! Change log compaction: `frontdesk-server log compact --keep-days N`, and the
//! optional daily run inside `serve` (`serve --compact-keep-days N`).
//!
//! Per building, the **horizon** H is the highest sequence number committed more than
//! N days ago (never lower than the previous horizon). Compaction deletes every change
//! with `seq <= H` that is
//!
//! - **superseded**: a later change of the same entity (`entity`, `entity_id`) exists
//!   that everyone who may read the earlier one may read too. An upsert carries the
//!   whole record and a deletion needs nothing before it, so the later change alone
//!   yields the entity's state. Audiences (see `changelog::Reader`) make one exception:
//!   a participant who left a conversation between the two changes reads only the
//!   earlier one, so it stays for them (a conversation's changes are otherwise
//!   superseded like any other: same audience, same readers); or
//! - a **deletion** (tombstone): a desk reloading from 0 never had the entity, and a
//!   desk whose cursor is at or past H already applied it.
//!
//! What is left, read from 0, is still the building's whole current state (each live
//! entity's latest change, in sequence order), so a desk can always reload from 0.
//! A desk whose cursor is below H could miss a deletion, so `pull` answers it 410
//! `cursor_expired` (see `changelog::read_page_for_cursor`) and it reloads from 0,
//! unless it is in the middle of reading the compacted log from 0 (below).
//!
//! **Concurrency.** A run goes in three steps, each in bounded transactions (at most
//! `chunk_rows` log rows examined per transaction), so a long log never holds SQLite's
//! write lock, or PostgreSQL row locks, for long:
//!
//! 1. delete the superseded changes at or below H. This is harmless to every reader,
//!    whatever its cursor: each entity's latest change stays, so whoever reads on
//!    reaches it;
//! 2. commit H as the building's horizon (`buildings.compacted_through_seq`);
//! 3. delete the deletions at or below H.
//!
//! Only step 3 can hurt a reader: one that holds an entity (it read an older change
//! of it) and has not yet reached its deletion. Such a reader is either a desk with a
//! cursor below H, or one reading from 0 that started before step 2 (it may have read
//! older changes before step 1 removed them). Both hold a horizon lower than H, from
//! their previous page, so `pull` refuses them with 410 (see
//! `changelog::read_page_for_cursor`). A desk that starts reading from 0 after step 2
//! holds H and is served all the way, even though its cursor is below H for a while:
//! the changes older than the deletions it will not see were already gone.
//!
//! Writers only ever add changes above the head, which is at or above H: they are
//! never deleted, and a change they add can only make an older one superseded, never
//! the reverse. Two compactions at once are harmless: the horizon only rises
//! (`WHERE compacted_through_seq < $2`), each commits its horizon only after its own
//! step 1, and deleting a row twice deletes it once. A run cut short (crash, SIGTERM)
//! leaves a log that is still correct; the next run finishes the job.

use std::time::Duration;

use sqlx::Row;

use crate::changelog;
use crate::db::{Db, now_ms};
use crate::error::{Error, Result};
use crate::shutdown::ShutdownListener;

/// Log rows examined per delete transaction.
pub const DEFAULT_CHUNK_ROWS: i64 = 1_000;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What compacting one building did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compacted {
    pub building_id: String,
    pub previous_horizon: i64,
    pub horizon: i64,
    pub head_seq: i64,
    /// Changes deleted by this run.
    pub removed: u64,
    /// Changes left in the building's log.
    pub remaining: i64,
}

impl std::fmt::Display for Compacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "building {}: horizon {} (was {}), head {}; {} change(s) removed, {} left",
            self.building_id,
            self.horizon,
            self.previous_horizon,
            self.head_seq,
            self.removed,
            self.remaining
        )
    }
}

/// Compacts `building` (every building when None), keeping the full history of the
/// last `keep_days` days.
pub async fn compact(db: &Db, building: Option<&str>, keep_days: u32) -> Result<Vec<Compacted>> {
    let cutoff_ms = now_ms().saturating_sub(i64::from(keep_days) * DAY_MS);
    let buildings = match building {
        Some(id) => {
            let known = sqlx::query("SELECT id FROM buildings WHERE id = $1")
                .bind(id)
                .fetch_optional(&db.pool)
                .await?;
            if known.is_none() {
                return Err(Error::InvalidInput(format!("no building {id:?}")));
            }
            vec![id.to_owned()]
        }
        None => sqlx::query("SELECT id FROM buildings ORDER BY id")
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<std::result::Result<_, _>>()?,
    };
    let mut done = Vec::with_capacity(buildings.len());
    for id in &buildings {
        done.push(compact_building(db, id, cutoff_ms, DEFAULT_CHUNK_ROWS).await?);
    }
    Ok(done)
}

/// Compacts one building's log through the last change committed at or before
/// `cutoff_ms`, examining at most `chunk_rows` rows per transaction.
pub async fn compact_building(
    db: &Db,
    building_id: &str,
    cutoff_ms: i64,
    chunk_rows: i64,
) -> Result<Compacted> {
    let chunk_rows = chunk_rows.max(1);
    let previous_horizon = {
        let mut conn = db.pool.acquire().await?;
        changelog::compacted_through(&mut conn, building_id).await?
    };
    let candidate: i64 = sqlx::query(
        "SELECT COALESCE(MAX(seq), 0) AS h FROM changes \
         WHERE building_id = $1 AND committed_at_ms <= $2",
    )
    .bind(building_id)
    .bind(cutoff_ms)
    .fetch_one(&db.pool)
    .await?
    .try_get("h")?;
    let target = candidate.max(previous_horizon);

    // 1. Superseded changes: harmless to every reader, whatever its cursor.
    let mut removed =
        delete_in_chunks(db, building_id, target, chunk_rows, Doomed::Superseded).await?;
    // 2. The horizon, once no superseded change is left below it.
    let horizon = raise_horizon(db, building_id, target).await?;
    // 3. Deletions below it.
    removed += delete_in_chunks(db, building_id, target, chunk_rows, Doomed::Tombstones).await?;

    let mut conn = db.pool.acquire().await?;
    let head_seq = changelog::head_seq(&mut conn, building_id).await?;
    let remaining: i64 = sqlx::query("SELECT COUNT(*) AS n FROM changes WHERE building_id = $1")
        .bind(building_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let done = Compacted {
        building_id: building_id.to_owned(),
        previous_horizon,
        horizon,
        head_seq,
        removed,
        remaining,
    };
    tracing::info!(
        building = %building_id,
        horizon,
        previous_horizon,
        head_seq,
        removed,
        remaining,
        "change log compacted"
    );
    Ok(done)
}

#[derive(Clone, Copy)]
enum Doomed {
    /// Changes with a later change of the same entity.
    Superseded,
    /// Deletions.
    Tombstones,
}

/// Deletes the `doomed` changes with `seq <= through`, one transaction per
/// `chunk_rows` rows of the log; returns how many went.
async fn delete_in_chunks(
    db: &Db,
    building_id: &str,
    through: i64,
    chunk_rows: i64,
    doomed: Doomed,
) -> Result<u64> {
    let mut removed = 0;
    let mut after = 0;
    while after < through {
        // The seq of the chunk_rows-th row still in the log after `after`.
        let upto: i64 = sqlx::query(
            "SELECT seq FROM changes WHERE building_id = $1 AND seq > $2 AND seq <= $3 \
             ORDER BY seq LIMIT 1 OFFSET $4",
        )
        .bind(building_id)
        .bind(after)
        .bind(through)
        .bind(chunk_rows - 1)
        .fetch_optional(&db.pool)
        .await?
        .map(|row| row.try_get("seq"))
        .transpose()?
        .unwrap_or(through);
        let query = match doomed {
            Doomed::Superseded => sqlx::query(
                "DELETE FROM changes WHERE building_id = $1 AND seq > $2 AND seq <= $3 \
                 AND EXISTS (SELECT 1 FROM changes AS later \
                     WHERE later.building_id = changes.building_id \
                     AND later.entity = changes.entity \
                     AND later.entity_id = changes.entity_id \
                     AND later.seq > changes.seq \
                     AND NOT EXISTS (SELECT 1 FROM conversation_participants AS p \
                         WHERE p.conversation_id = changes.audience_conversation \
                         AND p.left_seq >= changes.seq AND p.left_seq < later.seq))",
            ),
            Doomed::Tombstones => sqlx::query(
                "DELETE FROM changes WHERE building_id = $1 AND seq > $2 AND seq <= $3 \
                 AND tombstone = 1",
            ),
        };
        let mut tx = db.begin_write().await?;
        let deleted = query
            .bind(building_id)
            .bind(after)
            .bind(upto)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        removed += deleted.rows_affected();
        after = upto;
    }
    Ok(removed)
}

/// Commits `target` as the building's horizon if it is above the stored one, and
/// returns the stored one (another compaction may have raised it further).
async fn raise_horizon(db: &Db, building_id: &str, target: i64) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE buildings SET compacted_through_seq = $2 \
         WHERE id = $1 AND compacted_through_seq < $2",
    )
    .bind(building_id)
    .bind(target)
    .execute(&mut *tx)
    .await?;
    let current = changelog::compacted_through(&mut tx, building_id).await?;
    tx.commit().await?;
    Ok(current)
}

/// The periodic compaction of `serve --compact-keep-days N`: once at start, then
/// every `every`, until shutdown. A failed run is logged and retried at the next tick.
/// Shutdown may cut a run short: the chunk in flight rolls back, the horizon is
/// already committed, and the next run deletes what is left.
pub fn spawn_periodic(db: Db, keep_days: u32, every: Duration, mut shutdown: ShutdownListener) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.wait() => break,
                _ = ticks.tick() => {}
            }
            tokio::select! {
                () = shutdown.wait() => break,
                result = compact(&db, None, keep_days) => {
                    if let Err(e) = result {
                        tracing::error!(error = %e, "change log compaction failed");
                    }
                }
            }
        }
    });
}
