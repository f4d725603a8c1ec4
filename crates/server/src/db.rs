//! The database handle: one `AnyPool` for SQLite or PostgreSQL, chosen by URL scheme.
//!
//! Every query in the server is written once with `$N` placeholders and runs on both
//! databases through sqlx's Any driver; only the migrations and the way a write
//! transaction starts differ per backend.

use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyConnection, AnyPool, Connection, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{Error, Result};

pub type Tx = Transaction<'static, sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(Error::InvalidInput(format!(
                "unsupported database URL {url:?}: use sqlite://FILE or postgres://…"
            )))
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite has one writer at a time. Writers of this process take turns here, in
    /// arrival order, instead of polling the file lock: SQLite's busy handler sleeps in
    /// growing steps (up to 100 ms), which under a burst of pushes turned a 1 ms commit
    /// into tens of milliseconds of waiting. Other processes (the CLI) still meet the
    /// file lock and its busy timeout.
    write_turn: Arc<Mutex<()>>,
    /// Pushes waiting for the write turn, committed together (see `mutations`).
    pub(crate) pushes: Arc<crate::mutations::PushQueue>,
}

/// This process's turn to write to SQLite, taken before the transaction starts.
pub struct WriteTurn(Option<OwnedMutexGuard<()>>);

/// A write transaction, holding this process's write turn on SQLite until it ends.
/// Dereferences to the connection, like a `Transaction`.
pub struct WriteTx {
    tx: Tx,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// How long a SQLite writer waits for another writer's lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    /// Connects (creating a missing SQLite file) and runs the pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite {
            prepare_sqlite_file(url).await?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // SQLite has one writer at a time anyway; a few readers suffice.
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            // A SQLite connection is a file handle in this process: it cannot have
            // dropped, and pinging it on every checkout costs a thread hop per request.
            // A PostgreSQL connection can, and is checked.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // The URL cannot carry these, and they are per connection.
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "PRAGMA busy_timeout = {}",
                            SQLITE_BUSY_TIMEOUT.as_millis()
                        )))
                        .execute(&mut *conn)
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        let db = Self {
            pool,
            backend,
            write_turn: Arc::default(),
            pushes: Arc::default(),
        };
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Starts a transaction that will write.
    ///
    /// On SQLite a plain `BEGIN` takes the write lock only at the first write, and a
    /// reader that later tries to upgrade can fail with SQLITE_BUSY without waiting;
    /// `BEGIN IMMEDIATE` takes the lock up front and waits on `busy_timeout` instead.
    /// PostgreSQL serialises writers of one building through the row lock on
    /// `buildings` (see `changelog`).
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let turn = self.write_turn().await;
        self.begin_write_in(turn).await
    }

    /// Waits for this process's turn to write (in arrival order; at once on
    /// PostgreSQL, which has no such turn).
    pub async fn write_turn(&self) -> WriteTurn {
        match self.backend {
            Backend::Sqlite => WriteTurn(Some(self.write_turn.clone().lock_owned().await)),
            Backend::Postgres => WriteTurn(None),
        }
    }

    /// Pushes waiting for the write turn to be committed together (SQLite), for
    /// diagnostics and tests.
    pub fn pushes_waiting(&self) -> usize {
        self.pushes.len()
    }

    /// [`Db::begin_write`] in a turn already taken; the transaction holds it until it
    /// ends.
    pub async fn begin_write_in(&self, turn: WriteTurn) -> Result<WriteTx> {
        Ok(match self.backend {
            Backend::Sqlite => WriteTx {
                tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                _turn: turn.0,
            },
            Backend::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            },
        })
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the SQLite file if missing and switches it to WAL once: the journal mode is
/// stored in the file, so the pooled Any connections inherit it.
async fn prepare_sqlite_file(url: &str) -> Result<()> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT);
    let conn = sqlx::SqliteConnection::connect_with(&options).await?;
    conn.close().await?;
    Ok(())
}

pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

/// Booleans live in 0/1 integer columns (see the migrations).
pub fn bool_to_db(b: bool) -> i64 {
    i64::from(b)
}

pub fn bool_from_db(v: i64) -> bool {
    v != 0
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds an optional float so that NULL reaches PostgreSQL as `float8`.
///
/// sqlx 0.9's Any driver sends a NULL `f64` typed as `float4` (and a NULL `f32` as
/// `float8`); once a connection has prepared a statement with that NULL, binding a real
/// `f64` to it later fails with "incorrect binary data format". Binding the NULL as
/// `f32` yields the `float8` NULL the column needs; SQLite does not care either way.
pub fn bind_opt_f64(query: AnyQuery<'_>, value: Option<f64>) -> AnyQuery<'_> {
    match value {
        Some(v) => query.bind(v),
        None => query.bind(None::<f32>),
    }
}
