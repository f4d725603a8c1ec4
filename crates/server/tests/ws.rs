//! `GET /v1/ws`: the live fan-out over real sockets, on SQLite and PostgreSQL, and
//! across two server instances sharing one PostgreSQL database.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Backend, TestDb, TestServer, relaxed_config};
use frontdesk_protocol::{
    ChangeBody, InstructionTarget, MAX_WS_FRAME_BYTES, Mutation, MutationBody, ServerFrame,
};
use frontdesk_server::ServerConfig;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Generous bound for anything that should happen "soon".
const SOON: Duration = Duration::from_secs(20);

fn ws_url(server: &TestServer) -> String {
    format!("{}/v1/ws", server.base.replacen("http", "ws", 1))
}

async fn try_connect(server: &TestServer, token: Option<&str>) -> tungstenite::Result<Ws> {
    let mut request = ws_url(server).into_client_request()?;
    if let Some(token) = token {
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
    }
    let (ws, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(ws)
}

/// Connects and reads the hello; returns the socket and the announced head.
async fn connect(server: &TestServer, token: &str) -> (Ws, i64) {
    let mut ws = try_connect(server, Some(token)).await.expect("ws connect");
    match next_frame(&mut ws).await {
        ServerFrame::Hello { head_seq } => (ws, head_seq),
        other => panic!("expected hello first, got {other:?}"),
    }
}

/// The next server frame, skipping control frames (the client answers pings itself).
async fn next_frame(ws: &mut Ws) -> ServerFrame {
    loop {
        let message = tokio::time::timeout(SOON, ws.next())
            .await
            .expect("a frame in time")
            .expect("socket open")
            .expect("frame ok");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).expect("ServerFrame"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected message {other:?}"),
        }
    }
}

/// Reads until the server closes; returns its close frame, if it sent one.
async fn closed(ws: &mut Ws) -> Option<CloseFrame> {
    loop {
        match tokio::time::timeout(SOON, ws.next())
            .await
            .expect("closed in time")
        {
            Some(Ok(Message::Close(frame))) => return frame,
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return None,
        }
    }
}

/// Follows a stream of frames from `cursor` until `target`, checking the rule a desk
/// relies on: each `changes` frame continues the cursor exactly, a `poke` moves it
/// forward. Returns the changes received.
async fn follow(ws: &mut Ws, mut cursor: i64, target: i64) -> Vec<frontdesk_protocol::Change> {
    let mut received = Vec::new();
    while cursor < target {
        match next_frame(ws).await {
            ServerFrame::Changes {
                changes,
                after_seq,
                through_seq,
            } => {
                assert_eq!(
                    (after_seq, through_seq),
                    (None, None),
                    "building-wide changes go out as plain frames"
                );
                assert!(!changes.is_empty(), "empty changes frame");
                for change in &changes {
                    assert_eq!(
                        change.seq,
                        cursor + 1,
                        "changes continue the cursor exactly"
                    );
                    cursor = change.seq;
                }
                received.extend(changes);
            }
            ServerFrame::Poke { head_seq } => {
                assert!(head_seq > cursor, "a poke moves forward");
                cursor = head_seq;
            }
            ServerFrame::Hello { .. } => panic!("a second hello"),
        }
    }
    assert_eq!(cursor, target, "never past the head");
    received
}

fn save(text: &str) -> Mutation {
    Mutation {
        id: Uuid::now_v7(),
        client_time_ms: 1_700_000_000_000,
        body: MutationBody::InstructionSave {
            id: Uuid::now_v7().to_string(),
            target: InstructionTarget::Unit("a-1".to_owned()),
            text: text.to_owned(),
        },
    }
}

fn config(edit: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut config = relaxed_config();
    edit(&mut config);
    config
}

/// Buildings A and B with a doorman each, and a server on them.
async fn setup(backend: Backend, config: ServerConfig) -> (TestDb, TestServer) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    common::add_staff(
        &db,
        "A",
        "second@a.test",
        "password-a2",
        frontdesk_protocol::StaffRole::Doorman,
    )
    .await;
    let server = TestServer::start(db, config).await;
    (tdb, server)
}

async fn upgrade_needs_a_valid_token(backend: Backend) {
    let (_tdb, server) = setup(backend, relaxed_config()).await;
    for token in [None, Some("not-a-token")] {
        match try_connect(&server, token).await {
            Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
            Err(other) => panic!("expected HTTP 401, got {other}"),
            Ok(_) => panic!("upgrade without a valid token"),
        }
    }
    server.stop().await;
}

async fn hello_then_a_push_by_another_desk(backend: Backend) {
    let (_tdb, server) = setup(backend, relaxed_config()).await;
    let listener = server.login_ok("desk@a.test", "password-a").await;
    let writer = server.login_ok("second@a.test", "password-a2").await;
    let b = server.login_ok("desk@b.test", "password-b").await;
    let head = common::head_seq(&server.db, "A").await;

    let (mut ws, hello_head) = connect(&server, &listener.token).await;
    assert_eq!(hello_head, head, "hello carries the building's head");
    let (mut ws_b, head_b) = connect(&server, &b.token).await;

    let mutation = save("Leave parcels with the neighbour");
    let seqs = server
        .push_applied(&writer.token, std::slice::from_ref(&mutation))
        .await;
    assert_eq!(seqs, [head + 1]);
    match next_frame(&mut ws).await {
        ServerFrame::Changes {
            changes,
            after_seq: None,
            through_seq: None,
        } => {
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].seq, head + 1);
            assert_eq!(changes[0].mutation_id, Some(mutation.id));
            assert!(matches!(
                changes[0].body,
                ChangeBody::InstructionUpserted(_)
            ));
        }
        other => panic!("expected changes, got {other:?}"),
    }

    // Building B hears nothing of A: its next frame is its own building's change.
    let b_mutation = Mutation {
        body: MutationBody::InstructionSave {
            id: Uuid::now_v7().to_string(),
            target: InstructionTarget::Unit("b-1".to_owned()),
            text: "B only".to_owned(),
        },
        ..save("")
    };
    server
        .push_applied(&b.token, std::slice::from_ref(&b_mutation))
        .await;
    let got = follow(&mut ws_b, head_b, head_b + 1).await;
    assert_eq!(got[0].mutation_id, Some(b_mutation.id));

    // Small frames from the desk are ignored; the connection keeps working.
    ws.send(Message::Text("hello server".into())).await.unwrap();
    let seqs = server.push_applied(&writer.token, &[save("second")]).await;
    follow(&mut ws, head + 1, seqs[0]).await;
    server.stop().await;
}

async fn concurrent_pushes_arrive_in_order_without_gaps(backend: Backend) {
    let (_tdb, server) = setup(backend, relaxed_config()).await;
    let writer = server.login_ok("second@a.test", "password-a2").await;
    let listener = server.login_ok("desk@a.test", "password-a").await;
    let (mut ws, head) = connect(&server, &listener.token).await;

    let server = std::sync::Arc::new(server);
    let mut tasks = Vec::new();
    let mut sent = HashSet::new();
    for task in 0..5 {
        let mutations: Vec<Mutation> = (0..10)
            .map(|i| save(&format!("task {task} write {i}")))
            .collect();
        sent.extend(mutations.iter().map(|m| m.id));
        let server = server.clone();
        let token = writer.token.clone();
        tasks.push(tokio::spawn(async move {
            for mutation in mutations {
                server
                    .push_applied(&token, std::slice::from_ref(&mutation))
                    .await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("pusher");
    }
    let received = follow(&mut ws, head, head + 50).await;
    assert_eq!(
        received.len(),
        50,
        "every change as changes, none as a poke"
    );
    let got: HashSet<Uuid> = received.iter().filter_map(|c| c.mutation_id).collect();
    assert_eq!(got, sent);
    std::sync::Arc::into_inner(server)
        .expect("pushers done")
        .stop()
        .await;
}

async fn a_desk_that_does_not_read_slows_nobody(backend: Backend) {
    // A short queue so the stuck connection falls behind quickly.
    let (_tdb, server) = setup(backend, config(|c| c.ws_queue_frames = 4)).await;
    let writer = server.login_ok("second@a.test", "password-a2").await;
    let reader = server.login_ok("desk@a.test", "password-a").await;
    let (mut stuck, stuck_head) = connect(&server, &writer.token).await;
    let (mut ws, head) = connect(&server, &reader.token).await;

    // 2000 changes of ~2 KB: far more than the socket buffers of the stuck desk hold.
    let text = "x".repeat(2000);
    let total = 2000;
    let server = std::sync::Arc::new(server);
    let pushes = {
        let server = server.clone();
        let token = writer.token.clone();
        tokio::spawn(async move {
            for _ in 0..total / 50 {
                let batch: Vec<Mutation> = (0..50).map(|_| save(&text)).collect();
                server.push_applied(&token, &batch).await;
            }
        })
    };
    let target = head + total;
    let (received, pushed) = tokio::time::timeout(Duration::from_secs(120), async {
        tokio::join!(follow(&mut ws, head, target), pushes)
    })
    .await
    .expect("all pushes done and the reading desk caught up, while the other never read");
    pushed.expect("pushes");
    assert!(
        !received.is_empty(),
        "the reading desk got changes, not only pokes"
    );

    // The stuck desk, read at last, still sees a consistent stream: what is queued,
    // then a poke where it fell behind, never a gap.
    follow(&mut stuck, stuck_head, target).await;
    std::sync::Arc::into_inner(server)
        .expect("pushes done")
        .stop()
        .await;
}

async fn a_revoked_session_is_closed_at_the_next_ping(backend: Backend) {
    let fast = config(|c| c.ws_ping_interval = Duration::from_millis(200));
    let (_tdb, server) = setup(backend, fast).await;
    let session = server.login_ok("desk@a.test", "password-a").await;
    let (mut ws, _) = connect(&server, &session.token).await;
    let res = server
        .http
        .post(server.url("/v1/auth/logout"))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let frame = closed(&mut ws).await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Policy);

    // A disabled account's sockets go the same way.
    let second = server.login_ok("second@a.test", "password-a2").await;
    let (mut ws, _) = connect(&server, &second.token).await;
    frontdesk_server::auth::accounts::disable_staff(&server.db, "second@a.test")
        .await
        .expect("disable");
    let frame = closed(&mut ws).await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Policy);
    server.stop().await;
}

async fn a_silent_desk_is_dropped(backend: Backend) {
    let fast = config(|c| c.ws_ping_interval = Duration::from_millis(200));
    let (_tdb, server) = setup(backend, fast).await;
    let session = server.login_ok("desk@a.test", "password-a").await;
    let (mut ws, _) = connect(&server, &session.token).await;
    // Not reading means not answering pings either.
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The connection ends (a desk that answered would be kept forever). The close
    // frame may be lost: reading the queued pings makes the client answer them on a
    // socket the server has already dropped, which fails before the frame is read.
    if let Some(frame) = closed(&mut ws).await {
        assert_eq!(frame.code, CloseCode::Policy);
    }
    server.stop().await;
}

async fn an_oversized_frame_closes_with_policy_violation(backend: Backend) {
    let (_tdb, server) = setup(backend, relaxed_config()).await;
    let session = server.login_ok("desk@a.test", "password-a").await;
    let (mut ws, _) = connect(&server, &session.token).await;
    ws.send(Message::Text("x".repeat(MAX_WS_FRAME_BYTES + 1).into()))
        .await
        .expect("send the big frame");
    let frame = closed(&mut ws).await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Policy);
    server.stop().await;
}

async fn shutdown_closes_sockets_normally(backend: Backend) {
    let (_tdb, server) = setup(backend, relaxed_config()).await;
    let session = server.login_ok("desk@a.test", "password-a").await;
    let (mut ws, _) = connect(&server, &session.token).await;
    let reading = tokio::spawn(async move { closed(&mut ws).await });
    tokio::time::timeout(SOON, server.stop())
        .await
        .expect("shutdown in time");
    let frame = reading.await.unwrap().expect("a close frame");
    assert_eq!(frame.code, CloseCode::Normal);
}

async fn a_cli_write_reaches_desks_through_the_safety_poll(backend: Backend) {
    let polled = config(|c| c.fanout_poll_interval = Duration::from_millis(300));
    let (tdb, server) = setup(backend, polled).await;
    let session = server.login_ok("desk@a.test", "password-a").await;
    let (mut ws, head) = connect(&server, &session.token).await;
    let out = common::run_cli(
        &tdb.url,
        &[
            "user",
            "add",
            "--building",
            "A",
            "--name",
            "Night Shift",
            "--email",
            "night@a.test",
            "--role",
            "security",
        ],
        "night-password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let received = follow(&mut ws, head, head + 1).await;
    match &received[..] {
        [change] => match &change.body {
            ChangeBody::StaffUpserted(staff) => assert_eq!(staff.email, "night@a.test"),
            other => panic!("expected the new account, got {other:?}"),
        },
        other => panic!("expected one change, got {other:?}"),
    }
    server.stop().await;
}

on_both_databases!(
    upgrade_needs_a_valid_token,
    hello_then_a_push_by_another_desk,
    concurrent_pushes_arrive_in_order_without_gaps,
    a_desk_that_does_not_read_slows_nobody,
    a_revoked_session_is_closed_at_the_next_ping,
    a_silent_desk_is_dropped,
    an_oversized_frame_closes_with_policy_violation,
    shutdown_closes_sockets_normally,
    a_cli_write_reaches_desks_through_the_safety_poll,
);

/// Two instances on one PostgreSQL database: a push on one reaches a WebSocket on the
/// other through LISTEN/NOTIFY (the safety poll is pushed out of the way), including
/// right after the listener lost its connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_changes_through_notify() {
    let tdb = TestDb::new(Backend::Postgres).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    let no_poll = || config(|c| c.fanout_poll_interval = Duration::from_secs(3600));
    let one = TestServer::start(db, no_poll()).await;
    let two = TestServer::start(tdb.connect().await, no_poll()).await;
    let writer = one.login_ok("desk@a.test", "password-a").await;
    let reader = two.login_ok("desk@a.test", "password-a").await;
    let (mut ws, head) = connect(&two, &reader.token).await;

    let mutation = save("from instance one");
    one.push_applied(&writer.token, std::slice::from_ref(&mutation))
        .await;
    let received = follow(&mut ws, head, head + 1).await;
    assert_eq!(received[0].mutation_id, Some(mutation.id));

    // Cut every LISTEN connection; a change committed meanwhile still arrives, because
    // a reconnected listener pokes every building with subscribers.
    let admin = sqlx::PgPool::connect(&tdb.url).await.unwrap();
    let killed: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    admin.close().await;
    assert_eq!(killed, 2, "one listener per instance");
    let mutation = save("while the listeners were down");
    one.push_applied(&writer.token, std::slice::from_ref(&mutation))
        .await;
    let received = follow(&mut ws, head + 1, head + 2).await;
    assert_eq!(received[0].mutation_id, Some(mutation.id));

    one.stop().await;
    two.stop().await;
}
