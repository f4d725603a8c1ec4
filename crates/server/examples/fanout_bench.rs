//! Live fan-out of messages: how long a message takes from its push to the WebSocket
//! frames of its conversation's desks, with many desks connected, most of them
//! outside the conversation. Prints one JSON document. Run on a quiet machine:
//!
//!   cargo run --release -p frontdesk-server --example fanout_bench -- [DESKS] [RATE] [SECONDS]
//!
//! Defaults: 200 desks (20 staff members with 10 desks each), 400 messages/s, 10 s, on
//! a temporary SQLite file. The staff are in 10 groups of 4 (each staff member in two),
//! so each message is for 4 staff members' desks and every batch has several distinct
//! views. Latency is measured per delivered message, from just before its push to its
//! arrival at each participant's desk (so it includes the push and its commit).

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontdesk_protocol::{
    ChangeBody, ConversationCreate, ConversationKind, MessageSend, Mutation, MutationBody,
    ServerFrame, Session, StaffRole,
};
use frontdesk_server::auth::accounts::{self, NewStaff};
use frontdesk_server::directory::import::{self, ImportKind};
use frontdesk_server::{AppState, Db, RateLimit, ServerConfig, build_app, serve};
use futures_util::StreamExt;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

const STAFF: usize = 20;
const GROUPS: usize = 10;

fn mutation(body: MutationBody) -> Mutation {
    Mutation {
        id: Uuid::now_v7(),
        client_time_ms: 0,
        body,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let desks: usize = args.first().map_or(Ok(200), |a| a.parse())?;
    let rate: u64 = args.get(1).map_or(Ok(400), |a| a.parse())?;
    let seconds: u64 = args.get(2).map_or(Ok(10), |a| a.parse())?;

    let dir = tempfile::tempdir()?;
    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("server.db").display()
    ))
    .await?;
    import::import_bytes(
        &db,
        ImportKind::Buildings,
        "inline",
        "id,name\nA,Alpha Tower\n".as_bytes(),
    )
    .await?;
    let config = ServerConfig {
        login_per_account: RateLimit::per_minute(1000, 1000),
        login_per_address: RateLimit::per_minute(1000, 1000),
        ..ServerConfig::default()
    };
    let app = build_app(AppState::new(db.clone(), config)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(serve(listener, app, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let mut sessions: Vec<Session> = Vec::new();
    for i in 0..STAFF {
        let email = format!("staff{i}@a.test");
        accounts::add_staff(
            &db,
            NewStaff {
                id: None,
                building_id: "A".into(),
                name: format!("Staff {i}"),
                email: email.clone(),
                role: StaffRole::Doorman,
                password: "password-bench".into(),
            },
        )
        .await?;
        let session = http
            .post(format!("{base}/v1/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": "password-bench" }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        sessions.push(session);
    }
    let push_url = format!("{base}/v1/sync/push");
    // Group g holds staff 2g, 2g+1, 2g+2, 2g+3 (mod STAFF).
    let members = |g: usize| -> Vec<usize> { (0..4).map(|k| (2 * g + k) % STAFF).collect() };
    for g in 0..GROUPS {
        let m = members(g);
        let create = mutation(MutationBody::ConversationCreate(ConversationCreate {
            id: format!("g-{g}"),
            kind: ConversationKind::Group,
            title: Some(format!("Group {g}")),
            participant_ids: m[1..]
                .iter()
                .map(|&i| sessions[i].staff.id.clone())
                .collect(),
        }));
        http.post(&push_url)
            .bearer_auth(&sessions[m[0]].token)
            .json(&serde_json::json!({ "mutations": [create] }))
            .send()
            .await?
            .error_for_status()?;
    }

    // The desks: desk d is staff d % STAFF's.
    let start = Instant::now();
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let mut readers = Vec::new();
    let url = format!("{}/v1/ws", base.replacen("http", "ws", 1));
    for d in 0..desks {
        let mut request = url.as_str().into_client_request()?;
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {}", sessions[d % STAFF].token).parse()?,
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
        let latencies = Arc::clone(&latencies);
        readers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut frames = 0_u64;
            while let Some(Ok(message)) = ws.next().await {
                let WsMessage::Text(text) = message else {
                    continue;
                };
                let now = start.elapsed().as_secs_f64() * 1000.0;
                frames += 1;
                if let Ok(ServerFrame::Changes { changes, .. }) = serde_json::from_str(&text) {
                    for change in changes {
                        if let ChangeBody::MessageUpserted(m) = change.body
                            && let Some(sent) = m.text.strip_prefix("t=")
                            && let Ok(sent) = sent.parse::<f64>()
                        {
                            mine.push(now - sent);
                        }
                    }
                }
            }
            latencies.lock().await.extend(mine);
            frames
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The writers: one message every 1/rate s, round-robin over the groups, each sent
    // by one of the group's members, each push on its own task (as separate desks).
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut pushes = Vec::new();
    let push_times = Arc::new(Mutex::new(Vec::<f64>::new()));
    for n in 0..total {
        ticks.tick().await;
        let g = (n as usize) % GROUPS;
        let sender = &sessions[members(g)[(n as usize / GROUPS) % 4]];
        let token = sender.token.clone();
        let http = http.clone();
        let push_url = push_url.clone();
        let push_times = Arc::clone(&push_times);
        pushes.push(tokio::spawn(async move {
            let sent = start.elapsed().as_secs_f64() * 1000.0;
            let m = mutation(MutationBody::MessageSend(MessageSend {
                id: Uuid::now_v7().to_string(),
                conversation_id: format!("g-{g}"),
                text: format!("t={sent}"),
                attachments: Vec::new(),
            }));
            let res = http
                .post(&push_url)
                .bearer_auth(token)
                .json(&serde_json::json!({ "mutations": [m] }))
                .send()
                .await;
            if matches!(&res, Ok(r) if r.status() == 200) {
                push_times
                    .lock()
                    .await
                    .push(start.elapsed().as_secs_f64() * 1000.0 - sent);
            }
        }));
    }
    for p in pushes {
        p.await?;
    }
    let elapsed = start.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop.send(());
    serving.await??;
    let mut frames = 0;
    for r in readers {
        frames += r.await?;
    }

    let mut latencies = Arc::try_unwrap(latencies)
        .map_err(|_| anyhow::anyhow!("readers still running"))?
        .into_inner();
    latencies.sort_by(f64::total_cmp);
    let mut push_times = Arc::try_unwrap(push_times)
        .map_err(|_| anyhow::anyhow!("pushes still running"))?
        .into_inner();
    push_times.sort_by(f64::total_cmp);
    // Each message reaches the desks of its 4 staff members.
    let expected = total as usize * 4 * desks / STAFF;
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "desks": desks,
            "staff": STAFF,
            "groups": GROUPS,
            "messages": total,
            "target_rate_per_s": rate,
            "achieved_rate_per_s": total as f64 / elapsed.as_secs_f64(),
            "pushes_ok": push_times.len(),
            "deliveries": latencies.len(),
            "deliveries_expected": expected,
            "frames_received": frames,
            "push_ms": { "p50": percentile(&push_times, 0.5), "p99": percentile(&push_times, 0.99) },
            "push_to_frame_ms": {
                "p50": percentile(&latencies, 0.5),
                "p90": percentile(&latencies, 0.9),
                "p99": percentile(&latencies, 0.99),
                "max": latencies.last().copied().unwrap_or(f64::NAN),
            },
        }))?
    );
    Ok(())
}
