//! Live fan-out latency on loopback: how soon a change committed on the server is
//! applied in other desks' stores, while the building writes at a steady rate.
//! Prints one JSON document. Run in release, on a quiet machine:
//!
//!   cargo build --release --workspace --bins && cargo run --release -p frontdesk-e2e --bin live-latency-bench
//!
//! Options: `--rate 400` writes per second in total, `--seconds 10` of measured load
//! (after one second of warm-up), `--desks 10` real desks with their own stores,
//! `--connections 10,200` the WebSocket connections to run with (one scenario each),
//! `--database postgres://…` to run the server on PostgreSQL instead of SQLite,
//! `--messages` to write staff messages (`message_send`) instead of instructions: the
//! writer posts in a conversation with the desks' staff member, so every change is one
//! the server filters per connection (ranged frames), as for messaging at the desks.
//! `--desk-dir DIR` puts the desks' stores in DIR rather than beside the server's
//! database: on one disk, ten desks' page writes (tens of MB/s at 400 messages a
//! second) are flushed by every fsync of the server's commits, which in a building,
//! each desk on its own PC, they never are. The run's JSON says where they were.
//!
//! Every desk is a real `Desk`: its own SQLite store with durable commits, its own
//! WebSocket and sync engine, signed in with a copy of one signed-in desk's folder
//! (so 200 desks need not sign in 200 times against the login rate limit). One
//! machine cannot host 200 desks applying 400 durable commits a second each (that is
//! 80,000 fsyncs a second), so beyond `--desks` the other connections are bare
//! WebSocket listeners that read and decode every frame like a desk, without a store:
//! the server fans out to all of them, and the latency is measured on both kinds.
//!
//! The writer pushes one mutation per request, open loop (a slow answer does not slow
//! the rate down), from this process. The server's commit instant is not observable
//! from outside, but it lies between the push being sent and its answer arriving; so
//! latency is measured from both: from the send (an upper bound of commit → applied,
//! which includes the push request's own trip) and from the answer (a lower bound).
//! The push round trip (sent → answered) is printed beside them. A third figure starts
//! from the change's own server stamp (`committed_at_ms`, read back from the log after the
//! run): taken inside the push's transaction just before its commit, in whole
//! milliseconds, on this machine's clock. It is the closest to commit → applied that can
//! be seen from outside: it adds the transaction's own time, and up to 1 ms of rounding
//! down.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontdesk_desk_core::session::SessionStorePolicy;
use frontdesk_desk_core::{Desk, DeskOptions};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::{DEMO_ADMIN, login};
use frontdesk_protocol::{
    ConversationCreate, ConversationKind, InstructionTarget, MessageSend, Mutation, MutationBody,
    MutationOutcome, PushRequest, PushResponse,
};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{AUTHORIZATION, HeaderValue};

const EMAIL: &str = "concierge@lofts-des-arts.demo";
const PASSWORD: &str = "concierge-demo";
const WARM_UP: Duration = Duration::from_secs(1);

/// When each observer saw its cursor (or its latest frame) reach a sequence number.
type Sightings = Arc<Mutex<Vec<(i64, Instant)>>>;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let rate: u32 = arg("--rate").map_or(Ok(400), |v| v.parse())?;
    let seconds: u64 = arg("--seconds").map_or(Ok(10), |v| v.parse())?;
    let desks: usize = arg("--desks").map_or(Ok(10), |v| v.parse())?;
    let connections: Vec<usize> = arg("--connections")
        .unwrap_or_else(|| "10,200".into())
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let tmp = tempfile::tempdir()?;
    let database = arg("--database").unwrap_or_else(|| sqlite_url(tmp.path()));
    // The desks' stores, beside the server's database unless told otherwise.
    let desks_tmp = match arg("--desk-dir") {
        Some(dir) => tempfile::tempdir_in(dir)?,
        None => tempfile::tempdir_in(tmp.path())?,
    };
    let messages = std::env::args().any(|a| a == "--messages");
    let clock = Clock::now();
    let server = ServerProcess::start_demo(&database).await?;

    // One desk signs in and pulls the directory; the others start from copies of it.
    let template = desks_tmp.path().join("template");
    let (unit, concierge) = {
        let desk = open_desk(&template).await?;
        let me = desk.sign_in(&server.url, EMAIL, PASSWORD).await?.staff.id;
        wait_for("first pull", || desk.status().cursor > 0).await?;
        (first_unit(&desk).await?, me)
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let token = login(&server.url, DEMO_ADMIN).await?;
    // The listeners are the desks' staff member too: every message is theirs to see.
    let listener_token = if messages {
        frontdesk_e2e::server_http::login(&server.url, (EMAIL, PASSWORD)).await?
    } else {
        token.clone()
    };
    let target = if messages {
        Target::Conversation(open_conversation(&server.url, &token, &concierge).await?)
    } else {
        Target::Unit(unit)
    };

    let mut scenarios = Vec::new();
    for (n, &total) in connections.iter().enumerate() {
        let with_store = desks.min(total);
        let mut open = Vec::with_capacity(with_store);
        let mut desk_seen = Vec::with_capacity(with_store);
        for i in 0..with_store {
            let dir = desks_tmp.path().join(format!("s{n}-desk{i}"));
            copy_dir(&template, &dir)?;
            let desk = open_desk(&dir).await?;
            desk_seen.push(watch_cursor(&desk));
            open.push(desk);
        }
        let mut listener_seen = Vec::new();
        let mut listeners = Vec::new();
        for _ in with_store..total {
            let seen: Sightings = Arc::default();
            listeners.push(tokio::spawn(listen(
                server.url.clone(),
                listener_token.clone(),
                seen.clone(),
            )));
            listener_seen.push(seen);
        }
        // Everyone connected and caught up before the clock starts.
        let head = head_seq(&server.url, &listener_token).await?;
        for desk in &open {
            wait_for("desks to catch up", || desk.status().cursor >= head).await?;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;

        let writes = drive(&server.url, &token, &target, rate, seconds).await?;
        // Let the tail of the load arrive.
        let last = writes.iter().map(|w| w.seq).max().unwrap_or(0);
        for desk in &open {
            wait_for("the last write to reach every desk", || {
                desk.status().cursor >= last
            })
            .await?;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        for l in &listeners {
            l.abort();
        }
        drop(open);

        let measured: Vec<&Write> = writes.iter().filter(|w| !w.warm_up).collect();
        let logged = logged(&server.url, &token, &measured).await?;
        let stamps = &logged.stamps;
        let sent = |w: &Write| Some(clock.at(w.sent));
        let answered = |w: &Write| Some(clock.at(w.acked));
        let stamped = |w: &Write| stamps.get(&w.seq).map(|&unix_ms| clock.at_unix_ms(unix_ms));
        let mut at_desks = latencies(&measured, &desk_seen, &clock, sent);
        let mut at_desks_after_answer = latencies(&measured, &desk_seen, &clock, answered);
        let mut at_desks_after_stamp = latencies(&measured, &desk_seen, &clock, stamped);
        let mut at_listeners = latencies(&measured, &listener_seen, &clock, sent);
        let mut at_listeners_after_answer = latencies(&measured, &listener_seen, &clock, answered);
        let mut at_listeners_after_stamp = latencies(&measured, &listener_seen, &clock, stamped);
        let mut round_trip: Vec<f64> = measured.iter().map(|w| ms(w.acked - w.sent)).collect();
        let expected = measured.len() * with_store;
        scenarios.push(json!({
            "connections": total,
            "desks_with_store": with_store,
            "bare_listeners": total - with_store,
            "writes_per_sec_target": rate,
            "writes_measured": measured.len(),
            "writes_per_sec_achieved": measured.len() as f64 / seconds as f64,
            "sent_to_applied_in_desk_store": summary(&mut at_desks, expected),
            "answered_to_applied_in_desk_store": summary(&mut at_desks_after_answer, expected),
            "stamped_to_applied_in_desk_store": summary(&mut at_desks_after_stamp, expected),
            "sent_to_decoded_at_listener": summary(&mut at_listeners, measured.len() * (total - with_store)),
            "answered_to_decoded_at_listener": summary(&mut at_listeners_after_answer, measured.len() * (total - with_store)),
            "stamped_to_decoded_at_listener": summary(&mut at_listeners_after_stamp, measured.len() * (total - with_store)),
            "push_round_trip": summary(&mut round_trip, measured.len()),
            "changes_logged_while_measured": logged.kinds,
            "goal": { "p50_ms": 3.0, "p99_ms": 20.0 },
        }));
    }

    let report = json!({
        "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0) },
        "server_database": if database.starts_with("postgres") { "postgresql" } else { "sqlite" },
        "desk_stores": if arg("--desk-dir").is_some() { "in --desk-dir, apart from the server's database" } else { "beside the server's database, on its disk" },
        "writes": if messages { "message_send in a conversation with the desks' staff member (filtered per connection)" } else { "instruction_save (seen by every desk)" },
        "what": "latency from a one-mutation push to the change being applied (committed) in other desks' stores, and decoded by bare WebSocket listeners. The server commits between the push being sent and its answer arriving, so commit → applied lies between answered_to_* (lower bound) and sent_to_* (upper bound); stamped_to_* starts from the change's server stamp, taken in the transaction just before commit (whole ms, same machine clock): commit → applied plus the transaction's own time",
        "scenarios": scenarios,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// What the writer writes to.
#[derive(Clone)]
enum Target {
    /// Instructions on this unit.
    Unit(String),
    /// Messages in this conversation.
    Conversation(String),
}

impl Target {
    fn body(&self, n: usize) -> MutationBody {
        match self {
            Self::Unit(unit) => MutationBody::InstructionSave {
                id: uuid::Uuid::now_v7().to_string(),
                target: InstructionTarget::Unit(unit.clone()),
                text: format!("latency probe {n}"),
            },
            Self::Conversation(id) => MutationBody::MessageSend(MessageSend {
                id: uuid::Uuid::now_v7().to_string(),
                conversation_id: id.clone(),
                text: format!("latency probe {n}"),
                attachments: Vec::new(),
            }),
        }
    }
}

/// Opens a group conversation of the writer (the token's staff member) and `with`.
async fn open_conversation(url: &str, token: &str, with: &str) -> anyhow::Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    let answer: PushResponse = reqwest::Client::new()
        .post(format!("{url}/v1/sync/push"))
        .bearer_auth(token)
        .json(&PushRequest {
            mutations: vec![Mutation {
                id: uuid::Uuid::now_v7(),
                client_time_ms: 0,
                body: MutationBody::ConversationCreate(ConversationCreate {
                    id: id.clone(),
                    kind: ConversationKind::Group,
                    title: Some("latency".into()),
                    participant_ids: vec![with.to_owned()],
                }),
            }],
        })
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    match answer.results.first().map(|r| &r.outcome) {
        Some(MutationOutcome::Applied { .. }) => Ok(id),
        other => anyhow::bail!("conversation not opened: {other:?}"),
    }
}

struct Write {
    seq: i64,
    sent: Instant,
    acked: Instant,
    warm_up: bool,
}

/// Pushes `rate` single-mutation writes a second for one warm-up second plus
/// `seconds`, each in its own task so that a slow answer does not hold the next one.
async fn drive(
    url: &str,
    token: &str,
    target: &Target,
    rate: u32,
    seconds: u64,
) -> anyhow::Result<Vec<Write>> {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let total = (WARM_UP.as_secs_f64() + seconds as f64) * f64::from(rate);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total as usize {
        tick.tick().await;
        let (http, url, token, body) = (
            http.clone(),
            url.to_owned(),
            token.to_owned(),
            target.body(n),
        );
        tasks.push(tokio::spawn(async move {
            let mutation = Mutation {
                id: uuid::Uuid::now_v7(),
                client_time_ms: 0,
                body,
            };
            let sent = Instant::now();
            let answer: PushResponse = http
                .post(format!("{url}/v1/sync/push"))
                .bearer_auth(&token)
                .json(&PushRequest {
                    mutations: vec![mutation],
                })
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let acked = Instant::now();
            match answer.results.first().map(|r| &r.outcome) {
                Some(MutationOutcome::Applied { seq }) => Ok(Write {
                    seq: *seq,
                    sent,
                    acked,
                    warm_up: sent - started < WARM_UP,
                }),
                other => anyhow::bail!("probe not applied: {other:?}"),
            }
        }));
    }
    let mut writes = Vec::with_capacity(tasks.len());
    for task in tasks {
        writes.push(task.await??);
    }
    Ok(writes)
}

/// Records when the desk's cursor moves: the status is published after each applied
/// frame or page is committed.
fn watch_cursor(desk: &Desk) -> Sightings {
    let seen: Sightings = Arc::default();
    let mut status = desk.subscribe_status();
    let out = seen.clone();
    tokio::spawn(async move {
        let mut last = status.borrow().cursor;
        while status.changed().await.is_ok() {
            let cursor = status.borrow_and_update().cursor;
            if cursor > last {
                last = cursor;
                out.lock()
                    .expect("sightings")
                    .push((cursor, Instant::now()));
            }
        }
    });
    seen
}

#[derive(Deserialize)]
struct Frame {
    #[serde(default)]
    changes: Vec<Seq>,
    /// A ranged frame (filtered for this staff member) covers the log up to here.
    #[serde(default)]
    through_seq: Option<i64>,
}

#[derive(Deserialize)]
struct Seq {
    seq: i64,
}

/// A bare WebSocket client: decodes each frame's sequence numbers and notes when the
/// highest arrived.
async fn listen(url: String, token: String, seen: Sightings) -> anyhow::Result<()> {
    let ws = format!("{}/v1/ws", url.replacen("http", "ws", 1));
    let mut request = ws.into_client_request()?;
    request.headers_mut().insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    let (mut stream, _) = tokio_tungstenite::connect_async(request).await?;
    while let Some(message) = stream.next().await {
        if let Message::Text(text) = message? {
            let frame: Frame = serde_json::from_str(text.as_str())?;
            let last = frame.changes.last().map(|c| c.seq);
            if let Some(seq) = frame.through_seq.max(last) {
                seen.lock().expect("sightings").push((seq, Instant::now()));
            }
        }
    }
    Ok(())
}

/// Instants and the server's wall-clock stamps on one scale: milliseconds since this
/// run began.
struct Clock {
    instant: Instant,
    unix_ms: f64,
}

impl Clock {
    fn now() -> Self {
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            instant: Instant::now(),
            unix_ms: unix.as_secs_f64() * 1e3,
        }
    }

    fn at(&self, instant: Instant) -> f64 {
        ms(instant.saturating_duration_since(self.instant))
    }

    fn at_unix_ms(&self, unix_ms: i64) -> f64 {
        unix_ms as f64 - self.unix_ms
    }
}

/// For each write and each observer: the first sighting at or past its sequence number,
/// minus `since` the write (when it was sent, when its answer came back, or its server
/// stamp; zero when seen before). A write an observer never saw, or without a `since`,
/// is left out (and shows as `missed` in the summary).
fn latencies(
    writes: &[&Write],
    observers: &[Sightings],
    clock: &Clock,
    since: impl Fn(&Write) -> Option<f64>,
) -> Vec<f64> {
    let mut out = Vec::with_capacity(writes.len() * observers.len());
    for seen in observers {
        let mut seen = seen.lock().expect("sightings").clone();
        seen.sort_by_key(|(seq, _)| *seq);
        for w in writes {
            let i = seen.partition_point(|(seq, _)| *seq < w.seq);
            if let (Some((_, at)), Some(since)) = (seen.get(i), since(w)) {
                out.push((clock.at(*at) - since).max(0.0));
            }
        }
    }
    out
}

/// What the log holds from the first to the last measured write: each write's server
/// stamp, and how many changes of each kind were logged meanwhile (the writes, and what
/// the desks wrote back: delivered receipts).
struct Logged {
    stamps: std::collections::HashMap<i64, i64>,
    kinds: std::collections::BTreeMap<String, usize>,
}

/// Reads back [`Logged`] from the log.
async fn logged(url: &str, token: &str, writes: &[&Write]) -> anyhow::Result<Logged> {
    #[derive(Deserialize)]
    struct Kind {
        kind: String,
    }
    #[derive(Deserialize)]
    struct Stamped {
        seq: i64,
        committed_at_ms: i64,
        body: Kind,
    }
    #[derive(Deserialize)]
    struct Page {
        changes: Vec<Stamped>,
        has_more: bool,
    }
    let wanted: std::collections::HashSet<i64> = writes.iter().map(|w| w.seq).collect();
    let mut out = Logged {
        stamps: std::collections::HashMap::with_capacity(wanted.len()),
        kinds: Default::default(),
    };
    let (Some(&first), Some(&last)) = (wanted.iter().min(), wanted.iter().max()) else {
        return Ok(out);
    };
    let http = reqwest::Client::new();
    let mut after = first - 1;
    while after < last {
        let page: Page = http
            .get(format!("{url}/v1/sync/pull?after={after}&limit=5000"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let Some(end) = page.changes.last().map(|c| c.seq) else {
            break;
        };
        for c in page.changes.into_iter().take_while(|c| c.seq <= last) {
            if wanted.contains(&c.seq) {
                out.stamps.insert(c.seq, c.committed_at_ms);
            }
            *out.kinds.entry(c.body.kind).or_default() += 1;
        }
        after = end;
        if !page.has_more {
            break;
        }
    }
    Ok(out)
}

fn summary(samples: &mut [f64], expected: usize) -> serde_json::Value {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| {
        samples
            .get(((samples.len() as f64 - 1.0) * q).round() as usize)
            .copied()
    };
    json!({
        "samples": samples.len(),
        "missed": expected.saturating_sub(samples.len()),
        "p50_ms": at(0.50),
        "p99_ms": at(0.99),
        "max_ms": at(1.0),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn head_seq(url: &str, token: &str) -> anyhow::Result<i64> {
    #[derive(Deserialize)]
    struct Page {
        changes: Vec<Seq>,
        has_more: bool,
    }
    let http = reqwest::Client::new();
    let mut since = 0;
    loop {
        let page: Page = http
            .get(format!("{url}/v1/sync/pull?after={since}&limit=5000"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if let Some(last) = page.changes.last() {
            since = last.seq;
        }
        if !page.has_more || page.changes.is_empty() {
            return Ok(since);
        }
    }
}

async fn wait_for(what: &str, done: impl Fn() -> bool) -> anyhow::Result<()> {
    let started = Instant::now();
    while !done() {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

async fn open_desk(dir: &Path) -> anyhow::Result<Desk> {
    let mut options = DeskOptions::new(dir);
    options.session_store = SessionStorePolicy::FileOnly;
    options.poll_interval = Duration::from_secs(10);
    Ok(Desk::open(options).await?)
}

async fn first_unit(desk: &Desk) -> anyhow::Result<String> {
    for hit in desk.search_residents("", 20).await?.hits {
        if let Some(unit) = desk.resident(&hit.id).await?.unit {
            return Ok(unit.id);
        }
    }
    anyhow::bail!("no unit in the demo")
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        // The desk folder has subfolders (attachments, photos).
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}
