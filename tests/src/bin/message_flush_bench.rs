//! Staff messages written offline, then flushed: a desk sends `--messages` (10,000)
//! messages through `Desk::send_message` while the server is down (each local write
//! timed), the server returns, and the time until the desk's queue is acknowledged is
//! measured. The server's copy is then read back through the history route and checked:
//! every message once, in the order written. Prints one JSON document. Run in release:
//!
//!   cargo build --release --workspace --bins && cargo run --release -p frontdesk-e2e --bin message-flush-bench

use std::time::{Duration, Instant};

use frontdesk_e2e::bench::{arg, bare_commit_latencies, open_desk, percentile};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::login;
use frontdesk_protocol::{ConversationHistory, MAX_HISTORY_LIMIT, MessageKind};
use serde_json::json;

const CONCIERGE: (&str, &str) = ("concierge@lofts-des-arts.demo", "concierge-demo");
const SECURITY: (&str, &str) = ("security@lofts-des-arts.demo", "security-demo");

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let messages: usize = arg("--messages", 10_000);
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;

    let desk = open_desk(
        &tmp.path().join("desk"),
        &server.url,
        CONCIERGE.0,
        CONCIERGE.1,
    )
    .await?;
    let security = desk
        .staff_directory()
        .await?
        .into_iter()
        .find(|s| s.email == SECURITY.0)
        .ok_or_else(|| anyhow::anyhow!("no security guard in the demo"))?;
    let conversation = desk.start_conversation(vec![security.id], None).await?;
    wait_drained(&desk, Duration::from_secs(60)).await?;

    server.stop().await?;
    let mut write_ms = Vec::with_capacity(messages);
    let started = Instant::now();
    for n in 0..messages {
        let t = Instant::now();
        desk.send_message(&conversation, &format!("message {n:05}"), Vec::new())
            .await?;
        write_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let write_total = started.elapsed();
    anyhow::ensure!(
        desk.status().queued as usize == messages,
        "all messages queued"
    );

    server.restart().await?;
    let back = Instant::now();
    desk.sync_now().await?;
    wait_drained(&desk, Duration::from_secs(300)).await?;
    let flush = back.elapsed();

    // The server's copy, oldest first, through the route a desk backfills with.
    let token = login(&server.url, CONCIERGE).await?;
    let texts = server_texts(&server.url, &token, &conversation).await?;
    let expected: Vec<String> = (0..messages).map(|n| format!("message {n:05}")).collect();
    let order_kept = texts == expected;
    let mut unique = texts.clone();
    unique.sort();
    unique.dedup();

    let mut baseline =
        bare_commit_latencies(&tmp.path().join("baseline.db"), messages.min(2_000)).await?;
    let report = json!({
        "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0) },
        "server_database": "sqlite",
        "baseline_bare_sqlite_commit": {
            "what": "one INSERT per transaction, WAL + synchronous=FULL, no Frontdesk code: the disk's fsync cost",
            "commits": baseline.len(),
            "p50_ms": percentile(&mut baseline, 0.50),
            "p99_ms": percentile(&mut baseline, 0.99),
        },
        "local_send": {
            "what": "Desk::send_message while the server is down: the message and its outbox row, one durable commit",
            "messages": messages,
            "p50_ms": percentile(&mut write_ms, 0.50),
            "p99_ms": percentile(&mut write_ms, 0.99),
            "messages_per_sec": messages as f64 / write_total.as_secs_f64(),
        },
        "offline_flush": {
            "queued": messages,
            "seconds_to_all_acked": flush.as_secs_f64(),
            "on_server": texts.len(),
            "duplicates": texts.len() - unique.len(),
            "missing": expected.len().saturating_sub(unique.len()),
            "order_kept": order_kept,
            "goal_seconds": 3.0,
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

async fn wait_drained(desk: &frontdesk_desk_core::Desk, within: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut status = desk.subscribe_status();
    while desk.status().queued > 0 {
        anyhow::ensure!(
            started.elapsed() < within,
            "the queue did not drain in {within:?}"
        );
        let _ = tokio::time::timeout(Duration::from_millis(50), status.changed()).await;
    }
    Ok(())
}

/// The conversation's text messages on the server, oldest first.
async fn server_texts(url: &str, token: &str, conversation: &str) -> anyhow::Result<Vec<String>> {
    let http = reqwest::Client::new();
    let mut pages = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let mut request = http
            .get(format!("{url}/v1/conversations/{conversation}/messages"))
            .query(&[("limit", MAX_HISTORY_LIMIT.to_string())]);
        if let Some(no) = before {
            request = request.query(&[("before_no", no.to_string())]);
        }
        let page: ConversationHistory = request
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        before = page.messages.first().map(|m| m.no);
        let more = page.has_more;
        pages.push(page.messages);
        if !more || before.is_none() {
            break;
        }
    }
    Ok(pages
        .into_iter()
        .rev()
        .flatten()
        .filter(|m| m.kind == MessageKind::Text)
        .map(|m| m.text)
        .collect())
}
