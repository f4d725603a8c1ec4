//! The desk's local SQLite store: one file, opened durably, migrated on open.
//!
//! Durability matters more than raw speed here: a parcel taken in just before a power
//! cut must still be there after it. So WAL with `synchronous = FULL` (each commit is
//! fsynced), foreign keys on, and a busy timeout so the UI and the sync task never see
//! "database is locked".
//!
//! One exception, by design: applying what the server sent (pulled pages, live frames)
//! commits on its own connection with `synchronous = NORMAL`, without an fsync. WAL keeps
//! such a commit atomic, so a power cut can only take the last applied pages back,
//! cursor and data together, and the desk pulls them again. The next durable commit of
//! a desk write fsyncs the log up to itself, earlier applies included, so nothing typed
//! at the desk ever depends on an apply that could vanish. A busy building sends a desk
//! hundreds of changes a second; an fsync for each would be most of its work.
//! The server's answers to pushes are recorded the same way: an answer a power cut takes
//! back leaves the mutation pending, and pushing it again gets the same answer (the
//! server keeps every mutation's first result). An fsync there would also hold the write
//! lock, and so the next live frame, for its whole duration.
//!
//! Nor does the apply connection checkpoint the WAL into the database file: a checkpoint
//! writes the pages again and fsyncs, and done by whichever commit crosses the threshold,
//! it made every few-hundredth live frame several milliseconds late. The desk's own
//! (durable) writes still checkpoint as they commit, and the sync engine checkpoints
//! once a second ([`Store::checkpoint`]) without holding up the applies.

pub mod apply;
mod apply_connection;
pub(crate) mod script;
pub mod settings;

pub use apply::{Applied, FrameOutcome};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::error::DeskResult;
use apply_connection::{ApplyConnection, ApplyGuard, ApplyTx};

/// The migrations of the desk's schema, embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// What a [`Store::checkpoint`] found and did, in WAL frames (pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    /// In the WAL since it last started over.
    pub in_log: i64,
    /// Of those, in the database file now.
    pub copied: i64,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// The one connection that applies the server's changes, without fsync (see the
    /// module docs).
    apply: ApplyConnection,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> DeskResult<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // The connections are file handles in this process and cannot drop: no ping on
        // each checkout (a thread hop each, for every read and write).
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        let apply = ApplyConnection::connect(
            &options
                .synchronous(SqliteSynchronous::Normal)
                .pragma("wal_autocheckpoint", "0"),
        )
        .await?;
        Ok(Self { pool, apply })
    }

    /// Copies what the WAL holds into the database file, as far as readers allow,
    /// without waiting for them or for writers (`PASSIVE`): applies go on meanwhile.
    pub async fn checkpoint(&self) -> DeskResult<Checkpointed> {
        let (_busy, in_log, copied): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&self.pool)
                .await?;
        Ok(Checkpointed { in_log, copied })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A transaction that writes. It takes SQLite's write lock up front (`BEGIN
    /// IMMEDIATE`) so that it waits its turn under the busy timeout. A deferred
    /// transaction that reads before it writes would fail at once with "database is
    /// locked" if another connection committed in between (WAL cannot upgrade a stale
    /// read snapshot).
    pub async fn begin_write(&self) -> DeskResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// [`Store::begin_write`] for applying the server's changes and answers: commits
    /// without fsync (see the module docs). Nothing the desk wrote itself goes through
    /// here.
    pub(crate) async fn begin_apply(&self) -> DeskResult<ApplyTx> {
        self.apply.begin().await
    }

    /// The apply connection for statements that are their own transaction (no fsync):
    /// one call to its thread, where a transaction around them would be three.
    pub(crate) async fn apply_connection(&self) -> ApplyGuard {
        self.apply.lock().await
    }

    /// The change-log sequence applied so far, and when the last pull completed.
    pub async fn sync_cursor(&self) -> DeskResult<(i64, Option<i64>)> {
        let row: (i64, Option<i64>) =
            sqlx::query_as("SELECT cursor, last_sync_ms FROM sync_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(row)
    }

    /// Where the puller stands: its cursor, and the server's compaction horizon it
    /// read that cursor against (sent back with the next pull).
    pub async fn sync_position(&self) -> DeskResult<SyncPosition> {
        let (cursor, horizon_seq): (i64, Option<i64>) =
            sqlx::query_as("SELECT cursor, horizon_seq FROM sync_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(SyncPosition {
            cursor,
            horizon_seq,
        })
    }

    /// When this desk last started a full resync (its cursor had expired on the
    /// server), if ever.
    pub async fn last_full_resync_ms(&self) -> DeskResult<Option<i64>> {
        let (at,): (Option<i64>,) =
            sqlx::query_as("SELECT last_resync_ms FROM sync_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(at)
    }

    /// Forgets the cached building: used when the desk signs in to another building or
    /// server, whose change log starts over.
    pub async fn reset_building_cache(&self) -> DeskResult<()> {
        let mut tx = self.begin_write().await?;
        clear_server_state(&mut tx).await?;
        sqlx::query(
            "UPDATE sync_state SET cursor = 0, last_sync_ms = NULL, horizon_seq = NULL, \
             last_resync_ms = NULL WHERE id = 1",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes the messaging tables hold `staff_id`'s conversations: when they hold
    /// someone else's (a shift change at this desk), empties them, with the drafts, and
    /// moves the cursor back to 0 so that the next pull brings what this staff member
    /// may see (the server filters messaging by participant). The rest of the building
    /// stays on screen meanwhile: pulled again from 0, it is the same rows. Answers
    /// whether it emptied them.
    pub async fn claim_messaging(&self, staff_id: &str) -> DeskResult<bool> {
        let mut tx = self.begin_write().await?;
        let holder: Option<(String,)> =
            sqlx::query_as("SELECT value ->> '$' FROM settings WHERE key = ?")
                .bind(crate::messaging::apply::MESSAGING_STAFF)
                .fetch_optional(&mut *tx)
                .await?;
        let (cursor,): (i64,) = sqlx::query_as("SELECT cursor FROM sync_state WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        // A store synced before anyone was recorded holds nobody's messages only if it
        // never synced.
        let someone_else = match &holder {
            Some((holder,)) => holder != staff_id,
            None => cursor > 0,
        };
        if someone_else {
            for statement in crate::messaging::apply::CLEAR_SERVER_STATE {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM message_drafts")
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM outgoing_attachments")
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE sync_state SET cursor = 0, horizon_seq = NULL WHERE id = 1")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(crate::messaging::apply::MESSAGING_STAFF)
        .bind(serde_json::to_string(staff_id)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(someone_else)
    }
}

/// See [`Store::sync_position`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPosition {
    pub cursor: i64,
    pub horizon_seq: Option<i64>,
}

/// Empties the tables that hold the server's state (what pulls deliver). The outbox
/// is the desk's own and stays.
pub(crate) async fn clear_server_state(conn: &mut sqlx::SqliteConnection) -> DeskResult<()> {
    for statement in crate::messaging::apply::CLEAR_SERVER_STATE {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    for statement in [
        "DELETE FROM package_photos",
        "DELETE FROM package_notices",
        "DELETE FROM package_events",
        "DELETE FROM packages",
        "DELETE FROM instructions",
        "DELETE FROM residents_fts",
        "DELETE FROM residents",
        "DELETE FROM units",
        "DELETE FROM staff",
        "DELETE FROM buildings",
    ] {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    Ok(())
}
