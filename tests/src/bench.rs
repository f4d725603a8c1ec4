//! What the benchmark binaries share: command-line sizes, percentiles, the bare-commit
//! baseline they compare against in the same run, and a signed-in desk.

use std::time::{Duration, Instant};

use frontdesk_desk_core::session::SessionStorePolicy;
use frontdesk_desk_core::{Desk, DeskOptions};

/// Latencies of bare durable commits on this disk, with the desk store's settings.
pub async fn bare_commit_latencies(path: &std::path::Path, n: usize) -> anyhow::Result<Vec<f64>> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let pool = sqlx::SqlitePool::connect_with(options).await?;
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&pool)
        .await?;
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO t (body) VALUES (?)")
            .bind(format!("row {i}"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        samples.push(t.elapsed().as_secs_f64() * 1e3);
    }
    pool.close().await;
    Ok(samples)
}

/// The number after `name` on the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `q` quantile (0..=1) of `samples`, nearest rank; sorts them.
pub fn percentile(samples: &mut [f64], q: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples.get(index).copied().unwrap_or(f64::NAN)
}

pub async fn open_desk_signed_out(dir: &std::path::Path) -> anyhow::Result<Desk> {
    let mut options = DeskOptions::new(dir);
    options.session_store = SessionStorePolicy::FileOnly;
    options.poll_interval = Duration::from_millis(200);
    Ok(Desk::open(options).await?)
}

/// A desk signed in at `server` whose first pull has finished.
pub async fn open_desk(
    dir: &std::path::Path,
    server: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<Desk> {
    let desk = open_desk_signed_out(dir).await?;
    desk.sign_in(server, email, password).await?;
    let started = Instant::now();
    while desk.status().cursor == 0 {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "first pull did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(desk)
}
