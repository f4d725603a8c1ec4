//! The one connection that applies the server's changes and answers (no fsync: see the
//! `store` module docs), held by this process alone rather than in a pool.
//!
//! A pooled connection costs a thread hop more on every use (the pool pings it each
//! time it comes back), and a live frame uses it several times a second. And its
//! transactions are begun and committed by the statements themselves, so that the
//! `BEGIN` can go with the first read and the `COMMIT` with the last write: a live
//! frame is then two hops to the connection's thread, not six. Because the driver does
//! not see those transactions, this module keeps track of them: one left open (its
//! future dropped, or an error before its `COMMIT`) is rolled back before anything else
//! uses the connection.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::script::Script;
use crate::error::DeskResult;

#[derive(Clone, Debug)]
pub(crate) struct ApplyConnection {
    held: Arc<Mutex<Held>>,
}

#[derive(Debug)]
struct Held {
    conn: SqliteConnection,
    /// A transaction was begun and nobody has seen it end.
    open: bool,
}

impl ApplyConnection {
    pub async fn connect(options: &SqliteConnectOptions) -> DeskResult<Self> {
        let conn = options.connect().await?;
        Ok(Self {
            held: Arc::new(Mutex::new(Held { conn, open: false })),
        })
    }

    /// The connection for statements that are their own transaction.
    pub async fn lock(&self) -> ApplyGuard {
        let mut held = self.held.clone().lock_owned().await;
        held.settle().await;
        ApplyGuard(held)
    }

    /// A write transaction begun with `BEGIN IMMEDIATE`, which takes SQLite's write lock
    /// up front (see [`crate::store::Store::begin_write`]).
    pub async fn begin(&self) -> DeskResult<ApplyTx> {
        // On an error, dropping `tx` makes sure nothing stays open.
        let mut tx = self.open().await;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *tx).await?;
        Ok(tx)
    }

    /// [`ApplyConnection::begin`] and `read`, a query for one row, in one call: the row
    /// is read under the write lock, as the transaction will write.
    pub async fn begin_with_read<T>(&self, read: &str) -> DeskResult<(ApplyTx, T)>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let mut tx = self.open().await;
        let sql = format!("BEGIN IMMEDIATE; {read}");
        let row: T = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *tx)
            .await?;
        Ok((tx, row))
    }

    async fn open(&self) -> ApplyTx {
        let mut held = self.held.clone().lock_owned().await;
        held.settle().await;
        held.open = true;
        ApplyTx { held: Some(held) }
    }
}

impl Held {
    /// Ends a transaction left open, whether or not it still is in SQLite's eyes (its
    /// `COMMIT` may have run without anyone seeing the answer).
    async fn settle(&mut self) {
        if self.open {
            if let Err(e) = sqlx::query("ROLLBACK").execute(&mut self.conn).await {
                tracing::debug!("rolling back an abandoned apply: {e}");
            }
            self.open = false;
        }
    }
}

pub(crate) struct ApplyGuard(OwnedMutexGuard<Held>);

impl Deref for ApplyGuard {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.0.conn
    }
}

impl DerefMut for ApplyGuard {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.0.conn
    }
}

/// An open transaction on the apply connection. Ends with [`ApplyTx::commit`] or
/// [`ApplyTx::rollback`]; dropped otherwise (or when either fails), it is rolled back.
pub(crate) struct ApplyTx {
    held: Option<OwnedMutexGuard<Held>>,
}

impl ApplyTx {
    fn held(&mut self) -> &mut Held {
        self.held
            .as_mut()
            .expect("an apply transaction is held until it ends")
    }

    pub async fn rollback(mut self) -> DeskResult<()> {
        let held = self.held();
        sqlx::query("ROLLBACK").execute(&mut held.conn).await?;
        held.open = false;
        Ok(())
    }

    /// Sends `script` with the `COMMIT` after it, in one call; answers its tags (see
    /// [`Script::run`]). On an error, dropping `self` rolls back what the script left.
    pub async fn commit(mut self, mut script: Script) -> DeskResult<Vec<i64>> {
        script.push("COMMIT");
        let held = self.held();
        let tags = script.run(&mut held.conn).await?;
        held.open = false;
        Ok(tags)
    }

    /// Dropped open (an error, a cancelled call): the write lock must not wait for the
    /// next apply to be given back, or the desk's own writes would wait for it.
    fn roll_back_soon(&mut self) {
        let Some(mut held) = self.held.take() else {
            return;
        };
        if !held.open {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { held.settle().await });
            }
            // No runtime to do it now: the next use of the connection does.
            Err(_) => drop(held),
        }
    }
}

impl Drop for ApplyTx {
    fn drop(&mut self) {
        self.roll_back_soon();
    }
}

impl Deref for ApplyTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.held.as_ref().expect("held until it ends").conn
    }
}

impl DerefMut for ApplyTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.held().conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn connection(dir: &std::path::Path) -> (ApplyConnection, sqlx::SqlitePool) {
        let options = SqliteConnectOptions::new()
            .filename(dir.join("t.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_millis(200));
        let other = sqlx::SqlitePool::connect_with(options.clone())
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER)")
            .execute(&other)
            .await
            .unwrap();
        (ApplyConnection::connect(&options).await.unwrap(), other)
    }

    async fn rows(pool: &sqlx::SqlitePool) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_transaction_commits_or_rolls_back_as_told() {
        let dir = tempfile::tempdir().unwrap();
        let (apply, other) = connection(dir.path()).await;
        let (mut tx, (n,)): (_, (i64,)) = apply
            .begin_with_read("SELECT count(*) FROM t")
            .await
            .unwrap();
        assert_eq!(n, 0);
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(rows(&other).await, 0);

        let tx = apply.begin().await.unwrap();
        let mut script = Script::new();
        script.push("INSERT INTO t VALUES (1) RETURNING 5");
        assert_eq!(tx.commit(script).await.unwrap(), [5]);
        assert_eq!(rows(&other).await, 1);
        // Nothing left open: the write lock is free for others.
        sqlx::query("INSERT INTO t VALUES (2)")
            .execute(&other)
            .await
            .unwrap();
        assert_eq!(rows(&other).await, 2);
    }

    #[tokio::test]
    async fn an_abandoned_transaction_is_rolled_back_and_frees_the_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let (apply, other) = connection(dir.path()).await;
        let mut tx = apply.begin().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *tx)
            .await
            .unwrap();
        drop(tx);
        // Another connection can write (within its 200 ms busy timeout) without anyone
        // using the apply connection again, and the abandoned row is gone.
        sqlx::query("INSERT INTO t VALUES (2)")
            .execute(&other)
            .await
            .unwrap();
        assert_eq!(rows(&other).await, 1);
        // And the apply connection begins again as if nothing had happened.
        let tx = apply.begin().await.unwrap();
        let mut script = Script::new();
        script.push("INSERT INTO t VALUES (3)");
        tx.commit(script).await.unwrap();
        assert_eq!(rows(&other).await, 2);
    }

    #[tokio::test]
    async fn a_failed_statement_before_its_commit_leaves_nothing_open() {
        let dir = tempfile::tempdir().unwrap();
        let (apply, other) = connection(dir.path()).await;
        let mut tx = apply.begin().await.unwrap();
        let failed =
            sqlx::query("INSERT INTO t VALUES (1); INSERT INTO nowhere VALUES (1); COMMIT")
                .execute(&mut *tx)
                .await;
        assert!(failed.is_err());
        drop(tx);
        let mut conn = apply.lock().await;
        sqlx::query("INSERT INTO t VALUES (3)")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(
            rows(&other).await,
            1,
            "the first insert went with its transaction"
        );
    }
}
