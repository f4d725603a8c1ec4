//! Full resync (the server's 410 `cursor_expired`) on a real SQLite file: the server's
//! state is replaced in one transaction with the first page while the outbox stays,
//! the last page takes the cursor to the head, and frames with a hole are gaps. Then
//! the sync engine against a server that keeps refusing: one reload, a hard error,
//! and nothing more until staff press Sync now.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use frontdesk_desk_core::Timeouts;
use frontdesk_desk_core::instructions::Author;
use frontdesk_desk_core::server_api::ServerApi;
use frontdesk_desk_core::store::{FrameOutcome, Store, SyncPosition};
use frontdesk_desk_core::sync::{ConnectionState, SyncEngine, SyncHandles};
use frontdesk_protocol::{
    Change, ChangeBody, Instruction, InstructionTarget, MutationOutcome, MutationResult,
    PullResponse, Unit,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

const ME: Author<'static> = Author {
    staff_id: "staff-me",
    building_id: "b1",
};

fn unit(id: &str, number: &str) -> ChangeBody {
    ChangeBody::UnitUpserted(Unit {
        id: id.into(),
        building_id: "b1".into(),
        unit_number: number.into(),
        floor_number: None,
        square_footage: None,
        bedrooms: None,
        bathrooms: None,
        is_occupied: None,
        unit_type: None,
        occupant_name: None,
    })
}

fn instruction(id: &str, text: &str) -> ChangeBody {
    ChangeBody::InstructionUpserted(Instruction {
        id: id.into(),
        building_id: "b1".into(),
        target: InstructionTarget::Unit("u1".into()),
        text: text.into(),
        updated_by: "staff-other".into(),
        updated_at_ms: 1,
    })
}

fn change(seq: i64, body: ChangeBody) -> Change {
    Change {
        seq,
        committed_at_ms: 0,
        mutation_id: None,
        body,
    }
}

fn page(changes: Vec<Change>, has_more: bool, head_seq: i64, horizon_seq: i64) -> PullResponse {
    PullResponse {
        changes,
        has_more,
        head_seq,
        horizon_seq,
    }
}

async fn shown(store: &Store) -> Vec<(String, String, bool)> {
    let mut v: Vec<_> = store
        .instructions_for(&InstructionTarget::Unit("u1".into()), &ME)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.instruction.id, v.instruction.text, v.pending))
        .collect();
    v.sort();
    v
}

async fn unit_numbers(store: &Store) -> Vec<(String, String)> {
    sqlx::query_as("SELECT id, unit_number FROM units ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_resync_replaces_the_server_state_and_keeps_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = Store::open(&path).await.unwrap();
    // The desk's old view: units u1 and u-gone, an instruction since deleted upstream.
    store
        .apply_changes(
            &[
                change(1, unit("u1", "101")),
                change(2, unit("u-gone", "999")),
                change(3, instruction("i-old", "deleted on the server meanwhile")),
            ],
            10,
        )
        .await
        .unwrap();
    // One write acknowledged (at 40) but not yet pulled, one still pending.
    let acked = store
        .save_instruction(
            Some("i-acked".into()),
            InstructionTarget::Unit("u1".into()),
            "acked",
            20,
        )
        .await
        .unwrap();
    store
        .record_push_results(&[MutationResult {
            id: acked.id,
            duplicate: false,
            outcome: MutationOutcome::Applied { seq: 40 },
        }])
        .await
        .unwrap();
    store
        .save_instruction(
            Some("i-mine".into()),
            InstructionTarget::Unit("u1".into()),
            "pending",
            30,
        )
        .await
        .unwrap();
    assert_eq!(store.outbox_counts().await.unwrap().queued, 1);

    // The first page of the compacted log: u1 renumbered, another instruction.
    let first = page(
        vec![
            change(5, unit("u1", "101A")),
            change(7, instruction("i-other", "from another desk")),
        ],
        true,
        50,
        45,
    );
    let applied = store.start_full_resync(&first, 1_000).await.unwrap();
    assert!(applied.directory_changed && applied.instructions_changed);
    assert_eq!(
        unit_numbers(&store).await,
        vec![("u1".into(), "101A".into())],
        "nothing of the old state is left"
    );
    assert_eq!(
        store.sync_position().await.unwrap(),
        SyncPosition {
            cursor: 7,
            horizon_seq: Some(45)
        }
    );
    assert_eq!(store.last_full_resync_ms().await.unwrap(), Some(1_000));
    // Both writes are laid over the new state and queued: the acknowledged one goes
    // back to the server, which answers it as a duplicate if it still has it.
    assert_eq!(
        shown(&store).await,
        vec![
            ("i-acked".into(), "acked".into(), true),
            ("i-mine".into(), "pending".into(), true),
            ("i-other".into(), "from another desk".into(), false),
        ]
    );
    let queued: Vec<Uuid> = store
        .pending_batch(10, "staff-1")
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(queued.len(), 2);
    assert_eq!(queued[0], acked.id, "the queue keeps its order");

    // A crash now leaves a store that goes on from the first page.
    store.pool().close().await;
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.sync_position().await.unwrap().cursor, 7);

    // The last page: the echo of the acknowledged write settles it, and the cursor
    // moves to the head even though compaction removed the last changes.
    let mut echo = change(40, instruction("i-acked", "acked"));
    echo.mutation_id = Some(acked.id);
    store
        .apply_page(&page(vec![echo], false, 50, 45), 2_000)
        .await
        .unwrap();
    assert_eq!(
        store.sync_position().await.unwrap(),
        SyncPosition {
            cursor: 50,
            horizon_seq: Some(45)
        }
    );
    assert_eq!(store.outbox_counts().await.unwrap().queued, 1);
    assert_eq!(
        shown(&store).await,
        vec![
            ("i-acked".into(), "acked".into(), false),
            ("i-mine".into(), "pending".into(), true),
            ("i-other".into(), "from another desk".into(), false),
        ]
    );
}

#[tokio::test]
async fn a_frame_with_a_hole_is_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    store
        .apply_changes(&[change(1, unit("u1", "101"))], 1)
        .await
        .unwrap();
    let holed = [change(2, unit("u2", "102")), change(4, unit("u4", "104"))];
    assert_eq!(
        store.apply_frame(&holed, 2).await.unwrap(),
        FrameOutcome::Gap
    );
    assert_eq!(store.sync_position().await.unwrap().cursor, 1);
    assert_eq!(unit_numbers(&store).await.len(), 1, "nothing applied");
}

/// Counts what a fake server was asked.
#[derive(Default)]
struct Asked {
    from_zero: AtomicUsize,
    refused: AtomicUsize,
}

/// A server that serves its log from 0 (one change) and refuses every other cursor
/// with 410, as no real server should: only `Connection: close` HTTP/1.1.
async fn refusing_server(asked: Arc<Asked>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let asked = Arc::clone(&asked);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Enough for the request line and headers; bodies are not read.
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&request)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let (status, body) = if line.starts_with("GET /v1/sync/pull?after=0&") {
                    asked.from_zero.fetch_add(1, Ordering::SeqCst);
                    let page = page(vec![change(1, unit("u1", "101"))], false, 1, 0);
                    ("200 OK", serde_json::to_string(&page).unwrap())
                } else if line.starts_with("GET /v1/sync/pull") {
                    asked.refused.fetch_add(1, Ordering::SeqCst);
                    (
                        "410 Gone",
                        r#"{"code":"cursor_expired","message":"not today"}"#.to_owned(),
                    )
                } else if line.starts_with("POST /v1/sync/push") {
                    ("200 OK", r#"{"results":[]}"#.to_owned())
                } else {
                    (
                        "404 Not Found",
                        r#"{"code":"not_found","message":"no"}"#.to_owned(),
                    )
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{addr}/")
}

async fn wait_for_state(
    status: &mut watch::Receiver<frontdesk_desk_core::sync::SyncStatus>,
    what: &str,
    ok: impl Fn(&ConnectionState) -> bool,
) {
    tokio::time::timeout(
        Duration::from_secs(30),
        status.wait_for(|s| ok(&s.connection)),
    )
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    .expect("status channel open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_refusal_right_after_a_resync_stops_syncing_until_staff_retry() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    store
        .apply_changes(&[change(5, unit("u-old", "5"))], 1)
        .await
        .unwrap();
    let asked = Arc::new(Asked::default());
    let url = refusing_server(Arc::clone(&asked)).await;
    let api = ServerApi::new(url.parse().unwrap(), Timeouts::default()).unwrap();
    let initial =
        frontdesk_desk_core::sync::engine::status_from_store(&store, ConnectionState::SignedOut)
            .await
            .unwrap();
    let handles = SyncHandles {
        status: watch::channel(initial).0,
        changed: broadcast::channel(64).0,
    };
    let mut status = handles.status.subscribe();
    // Polls every 20 ms: a loop would show at once.
    let engine = SyncEngine::start(
        store.clone(),
        frontdesk_desk_core::blobs::BlobStore::open(dir.path()).unwrap(),
        api,
        frontdesk_desk_core::sync::Credentials {
            token: "token".into(),
            staff_id: "staff-1".into(),
        },
        handles.clone(),
        Duration::from_millis(20),
    );

    wait_for_state(&mut status, "the hard error", |c| {
        matches!(c, ConnectionState::ResyncFailed { .. })
    })
    .await;
    // Refused at 5, reloaded from 0 once, refused again at 1: stop.
    assert_eq!(asked.from_zero.load(Ordering::SeqCst), 1);
    assert_eq!(asked.refused.load(Ordering::SeqCst), 2);
    let shown = status.borrow().clone();
    assert!(shown.last_full_resync_ms.is_some());
    assert_eq!(shown.cursor, 1);
    assert_eq!(
        unit_numbers(&store).await,
        vec![("u1".into(), "101".into())]
    );

    // Wake-ups (as the live connection and writes send) do not restart it…
    for _ in 0..5 {
        engine.wake();
    }
    // …staff do, and get one more attempt, not a loop.
    engine.sync_now();
    let again = Arc::clone(&asked);
    wait_for_state(&mut status, "the second hard error", move |c| {
        matches!(c, ConnectionState::ResyncFailed { .. })
            && again.from_zero.load(Ordering::SeqCst) == 2
    })
    .await;
    assert_eq!(asked.from_zero.load(Ordering::SeqCst), 2);
    assert_eq!(asked.refused.load(Ordering::SeqCst), 4);
    drop(engine);
}
