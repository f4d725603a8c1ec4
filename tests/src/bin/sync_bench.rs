//! Sync benchmarks on loopback, against the real server binary and real desk stores.
//! Prints one JSON document. Run in release, on a quiet machine:
//!
//!   cargo build --release --workspace --bins && cargo run --release -p frontdesk-e2e --bin sync-bench
//!
//! Figures (goals from the sync-engine issue in brackets):
//! - `local_write`: one instruction saved and durably committed to the outbox
//!   (p99 ≤ 5 ms);
//! - `offline_flush`: 10,000 writes queued while the server is down, time from the
//!   server's return until all are acknowledged, with duplicates and order checked
//!   against the server's change log (≤ 3 s);
//! - `initial_sync`: a fresh desk pulling a 100,000-row change log (≥ 50,000 rows/s).

use std::time::{Duration, Instant};

use frontdesk_desk_core::Desk;
use frontdesk_e2e::bench::{
    arg, bare_commit_latencies, open_desk, open_desk_signed_out, percentile,
};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::{DEMO_ADMIN, demo_change_log, login};
use frontdesk_protocol::{InstructionTarget, Mutation, MutationBody, PushRequest, PushResponse};
use serde_json::json;

const EMAIL: &str = "concierge@lofts-des-arts.demo";
const PASSWORD: &str = "concierge-demo";

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    // The desks' own logs, on stderr, when RUST_LOG asks for them.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let writes: usize = arg("--writes", 10_000);
    let log_rows: usize = arg("--log-rows", 100_000);
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;

    let desk = open_desk(&tmp.path().join("writer"), &server.url, EMAIL, PASSWORD).await?;
    let target = first_unit(&desk).await?;

    // Local writes while the server is down: each one's durable commit is timed.
    server.stop().await?;
    let mut write_ms = Vec::with_capacity(writes);
    let started = Instant::now();
    for n in 0..writes {
        let t = Instant::now();
        desk.save_instruction(None, target.clone(), &format!("bench note {n:05}"))
            .await?;
        write_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let write_total = started.elapsed();
    anyhow::ensure!(desk.status().queued as usize == writes, "all writes queued");

    // The server returns: time until the desk's whole queue is acknowledged.
    server.restart().await?;
    let back = Instant::now();
    desk.sync_now().await?;
    let mut status = desk.subscribe_status();
    while desk.status().queued > 0 {
        if back.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("the queue did not drain in 5 minutes");
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), status.changed()).await;
    }
    let flush = back.elapsed();
    let log = demo_change_log(&server.url).await?;
    let applied: Vec<&str> = log
        .iter()
        .filter(|c| c["body"]["kind"] == "instruction_upserted")
        .filter_map(|c| c["body"]["data"]["text"].as_str())
        .collect();
    let expected: Vec<String> = (0..writes).map(|n| format!("bench note {n:05}")).collect();
    let order_kept = applied == expected.iter().map(String::as_str).collect::<Vec<_>>();
    let duplicates = applied.len().saturating_sub(expected.len());

    // Grow the log to `log_rows` through the real push path, then time a fresh desk.
    let token = login(&server.url, DEMO_ADMIN).await?;
    let (unit_id, head) = match &target {
        InstructionTarget::Unit(id) => (
            id.clone(),
            log.last().and_then(|c| c["seq"].as_i64()).unwrap_or(0),
        ),
        InstructionTarget::Resident(_) => anyhow::bail!("unit expected"),
    };
    let mut rows = head as usize;
    let http = reqwest::Client::new();
    let filled_from = rows;
    let fill_started = Instant::now();
    while rows < log_rows {
        let n = (log_rows - rows).min(500);
        let mutations: Vec<Mutation> = (0..n)
            .map(|i| Mutation {
                id: uuid::Uuid::now_v7(),
                client_time_ms: 0,
                body: MutationBody::InstructionSave {
                    id: format!("fill-{rows}-{i}"),
                    target: InstructionTarget::Unit(unit_id.clone()),
                    text: format!("filler {rows} {i}"),
                },
            })
            .collect();
        let answer: PushResponse = http
            .post(format!("{}/v1/sync/push", server.url))
            .bearer_auth(&token)
            .json(&PushRequest { mutations })
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        rows += answer.results.len();
    }
    let fill = fill_started.elapsed();
    let fresh = open_desk_signed_out(&tmp.path().join("fresh")).await?;
    let t = Instant::now();
    fresh.sign_in(&server.url, EMAIL, PASSWORD).await?;
    let mut fresh_status = fresh.subscribe_status();
    while (fresh.status().cursor as usize) < rows {
        if t.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("initial sync did not finish in 5 minutes");
        }
        let _ = tokio::time::timeout(Duration::from_millis(20), fresh_status.changed()).await;
    }
    let sync = t.elapsed();

    let mut baseline =
        bare_commit_latencies(&tmp.path().join("baseline.db"), writes.min(2_000)).await?;

    let report = json!({
        "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0) },
        "server_database": "sqlite",
        "baseline_bare_sqlite_commit": {
            "what": "one INSERT per transaction, WAL + synchronous=FULL, no Frontdesk code: the disk's fsync cost",
            "commits": baseline.len(),
            "p50_ms": percentile(&mut baseline, 0.50),
            "p99_ms": percentile(&mut baseline, 0.99),
        },
        "local_write": {
            "writes": writes,
            "p50_ms": percentile(&mut write_ms, 0.50),
            "p99_ms": percentile(&mut write_ms, 0.99),
            "max_ms": percentile(&mut write_ms, 1.0),
            "writes_per_sec": writes as f64 / write_total.as_secs_f64(),
            "goal_p99_ms": 5.0,
        },
        "offline_flush": {
            "queued": writes,
            "seconds_to_all_acked": flush.as_secs_f64(),
            "applied_on_server": applied.len(),
            "duplicates": duplicates,
            "order_kept": order_kept,
            "goal_seconds": 3.0,
        },
        "server_push": {
            "what": "the server alone: mutations applied per second through POST /v1/sync/push in batches of 500, sent one after another by one client",
            "mutations": rows - filled_from,
            "mutations_per_sec": (rows - filled_from) as f64 / fill.as_secs_f64(),
        },
        "initial_sync": {
            "rows": rows,
            "seconds": sync.as_secs_f64(),
            "rows_per_sec": rows as f64 / sync.as_secs_f64(),
            "goal_rows_per_sec": 50_000,
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

async fn first_unit(desk: &Desk) -> anyhow::Result<InstructionTarget> {
    for hit in desk.search_residents("", 20).await?.hits {
        if let Some(unit) = desk.resident(&hit.id).await?.unit {
            return Ok(InstructionTarget::Unit(unit.id));
        }
    }
    anyhow::bail!("no unit in the demo")
}
