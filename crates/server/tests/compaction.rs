//! Change log compaction (`frontdesk-server log compact`, and the periodic run in
//! `serve`) and the 410 `cursor_expired` answer to a cursor the log no longer serves,
//! over real sockets, on SQLite and PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Backend, TestDb, TestServer, api_error, head_seq, relaxed_config, run_cli};
use frontdesk_protocol::{
    Change, ChangeBody, ErrorCode, InstructionTarget, Mutation, MutationBody, PullResponse,
};
use frontdesk_server::compaction;
use frontdesk_server::db::now_ms;
use frontdesk_server::directory::import::{self, ImportKind};
use frontdesk_server::{Db, ServerConfig};
use sqlx::Row;
use uuid::Uuid;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn save(id: &str, target: &str, text: &str) -> Mutation {
    Mutation {
        id: Uuid::now_v7(),
        client_time_ms: 1_700_000_000_000,
        body: MutationBody::InstructionSave {
            id: id.to_owned(),
            target: InstructionTarget::Unit(target.to_owned()),
            text: text.to_owned(),
        },
    }
}

fn delete(id: &str) -> Mutation {
    Mutation {
        id: Uuid::now_v7(),
        client_time_ms: 1_700_000_000_000,
        body: MutationBody::InstructionDelete { id: id.to_owned() },
    }
}

/// One page of at most 7 changes (small pages, to cross page boundaries).
async fn pull_raw(
    server: &TestServer,
    token: &str,
    after: i64,
    horizon: Option<i64>,
) -> reqwest::Response {
    let horizon = horizon.map(|h| format!("&horizon={h}")).unwrap_or_default();
    server
        .get(
            &format!("/v1/sync/pull?after={after}&limit=7{horizon}"),
            Some(token),
        )
        .await
}

/// The whole log from 0, page by page, as a desk reads it (sending back each page's
/// horizon).
async fn pull_all(server: &TestServer, token: &str) -> (Vec<Change>, i64) {
    let mut all = Vec::new();
    let mut cursor = 0;
    let mut horizon = None;
    loop {
        let res = pull_raw(server, token, cursor, horizon).await;
        assert_eq!(res.status(), 200, "pull after {cursor}");
        let page: PullResponse = res.json().await.expect("PullResponse");
        if let Some(last) = page.changes.last() {
            cursor = last.seq;
        }
        horizon = Some(page.horizon_seq);
        all.extend(page.changes);
        if !page.has_more {
            return (all, page.head_seq);
        }
    }
}

/// The state a log yields when applied from an empty store: entity → its last upsert.
fn fold(changes: &[Change]) -> BTreeMap<(String, String), ChangeBody> {
    let mut state = BTreeMap::new();
    for change in changes {
        let (entity, id) = change.body.entity();
        let key = (entity.to_owned(), id.into_owned());
        if change.body.is_deletion() {
            state.remove(&key);
        } else {
            state.insert(key, change.body.clone());
        }
    }
    state
}

async fn horizon(db: &Db, building: &str) -> i64 {
    sqlx::query("SELECT compacted_through_seq FROM buildings WHERE id = $1")
        .bind(building)
        .fetch_one(&db.pool)
        .await
        .expect("building")
        .try_get("compacted_through_seq")
        .expect("compacted_through_seq")
}

/// Makes the changes of `building` up to `through` look `days` old.
async fn age(db: &Db, building: &str, through: i64, days: i64) {
    sqlx::query(
        "UPDATE changes SET committed_at_ms = committed_at_ms - $1 \
         WHERE building_id = $2 AND seq <= $3",
    )
    .bind(days * DAY_MS)
    .bind(building)
    .bind(through)
    .execute(&db.pool)
    .await
    .expect("age changes");
}

/// Buildings A (unit a-1, a-2) and B (units b-1, b-2), a doorman in each.
async fn setup(backend: Backend) -> (TestDb, TestServer) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    import::import_bytes(
        &db,
        ImportKind::Units,
        "inline",
        "id,unit_number,building_id\na-2,102,A\n".as_bytes(),
    )
    .await
    .expect("units");
    let server = TestServer::start(db, relaxed_config()).await;
    (tdb, server)
}

async fn compaction_keeps_the_state_and_drops_superseded_changes_and_old_deletions(
    backend: Backend,
) {
    let (tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let b = server.login_ok("desk@b.test", "password-b").await;

    // Old history: i-1 saved three times, i-2 saved then deleted, i-3 saved once, and
    // unit a-2 renumbered (re-imported).
    server
        .push_applied(
            &a.token,
            &[
                save("i-1", "a-1", "first"),
                save("i-2", "a-1", "short-lived"),
                save("i-1", "a-1", "second"),
                save("i-3", "a-2", "kept as it is"),
                delete("i-2"),
                save("i-1", "a-1", "third (latest of the old ones)"),
                save("i-5", "a-2", "rewritten later"),
            ],
        )
        .await;
    import::import_bytes(
        &server.db,
        ImportKind::Units,
        "inline",
        "id,unit_number,building_id\na-2,102B,A\n".as_bytes(),
    )
    .await
    .expect("renumber a-2");
    let old_head = head_seq(&server.db, "A").await;
    age(&server.db, "A", old_head, 30).await;

    // Recent history, kept whole: i-1 edited again, i-4 saved and deleted, i-5
    // rewritten (superseding an old change), i-3 untouched.
    let recent = server
        .push_applied(
            &a.token,
            &[
                save("i-1", "a-1", "fourth (recent)"),
                save("i-4", "a-2", "recent and deleted"),
                delete("i-4"),
                save("i-5", "a-2", "rewritten (recent)"),
            ],
        )
        .await;
    assert_eq!(recent[0], old_head + 1);

    let (before, head) = pull_all(&server, &a.token).await;
    let (before_b, _) = pull_all(&server, &b.token).await;
    assert_eq!(before.len() as i64, head, "an uncompacted log has no gaps");

    // The real command, while the server runs.
    let out = run_cli(&tdb.url, &["log", "compact", "--keep-days", "7"], "");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("building A: horizon {old_head} (was 0)")),
        "{stdout}"
    );
    assert!(stdout.contains("building B: horizon 0 (was 0)"), "{stdout}");
    assert_eq!(horizon(&server.db, "A").await, old_head);
    assert_eq!(horizon(&server.db, "B").await, 0, "B has nothing that old");

    let (after, head_after) = pull_all(&server, &a.token).await;
    assert_eq!(head_after, head, "compaction never moves the head");
    assert_eq!(
        fold(&after),
        fold(&before),
        "pulled from 0, the compacted log yields the same state"
    );
    // Newer changes are untouched; at or below the horizon only the latest change of
    // each live entity is left.
    let recent_before: Vec<&Change> = before.iter().filter(|c| c.seq > old_head).collect();
    let recent_after: Vec<&Change> = after.iter().filter(|c| c.seq > old_head).collect();
    assert_eq!(recent_after, recent_before);
    let expected_old: Vec<i64> = before
        .iter()
        .filter(|c| c.seq <= old_head)
        .filter(|c| !c.body.is_deletion())
        .filter(|c| {
            !before
                .iter()
                .any(|later| later.seq > c.seq && later.body.entity() == c.body.entity())
        })
        .map(|c| c.seq)
        .collect();
    let old_after: Vec<i64> = after
        .iter()
        .filter(|c| c.seq <= old_head)
        .map(|c| c.seq)
        .collect();
    assert_eq!(old_after, expected_old);
    let texts: Vec<String> = after
        .iter()
        .filter_map(|c| match &c.body {
            ChangeBody::InstructionUpserted(i) => Some(i.text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        [
            "kept as it is",
            "fourth (recent)",
            "recent and deleted",
            "rewritten (recent)"
        ]
    );
    assert!(
        !after
            .iter()
            .any(|c| c.seq <= old_head && c.body.is_deletion()),
        "deletions at or below the horizon are gone"
    );
    assert!(
        after
            .iter()
            .any(|c| c.seq > old_head
                && c.body == ChangeBody::InstructionDeleted { id: "i-4".into() }),
        "a recent deletion is kept"
    );
    // The record of the renumbered unit is its latest.
    assert!(after.iter().any(|c| matches!(&c.body,
        ChangeBody::UnitUpserted(u) if u.id == "a-2" && u.unit_number == "102B")));
    assert_eq!(
        pull_all(&server, &b.token).await.0,
        before_b,
        "building B is untouched"
    );

    // Again: nothing more to do.
    let again = compaction::compact(&server.db, Some("A"), 7)
        .await
        .expect("compact");
    assert_eq!(again[0].removed, 0);
    assert_eq!(again[0].horizon, old_head);
    assert_eq!(again[0].remaining, after.len() as i64);

    // A shorter window moves the horizon up to the head and keeps the same state.
    let all = compaction::compact(&server.db, Some("A"), 0)
        .await
        .expect("compact");
    assert_eq!(all[0].horizon, head);
    let (everything, _) = pull_all(&server, &a.token).await;
    assert_eq!(fold(&everything), fold(&before));
    assert!(!everything.iter().any(|c| c.body.is_deletion()));
    server.stop().await;
}

async fn a_cursor_the_log_no_longer_serves_gets_410(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let mut old: Vec<Mutation> = (0..10)
        .map(|n| save(&format!("i-{n}"), "a-1", "one"))
        .collect();
    old.extend([
        save("i-1", "a-1", "two"),
        save("i-x", "a-2", "three"),
        delete("i-x"),
    ]);
    server.push_applied(&a.token, &old).await;
    let old_head = head_seq(&server.db, "A").await;
    age(&server.db, "A", old_head, 10).await;
    server
        .push_applied(&a.token, &[save("i-1", "a-1", "recent")])
        .await;
    let head = head_seq(&server.db, "A").await;
    compaction::compact(&server.db, None, 1)
        .await
        .expect("compact");
    assert_eq!(horizon(&server.db, "A").await, old_head);

    // Below the horizon: gone, whether the desk says nothing of the horizon or holds
    // an older one.
    for (cursor, known) in [(1, None), (old_head - 1, None), (old_head - 1, Some(0))] {
        let res = pull_raw(&server, &a.token, cursor, known).await;
        assert_eq!(res.status(), 410, "after={cursor}");
        let error = api_error(res).await;
        assert_eq!(error.code, ErrorCode::CursorExpired);
        assert!(error.message.contains("pull from 0"), "{}", error.message);
    }
    // From 0, at the horizon, and up to the head: served.
    for cursor in [0, old_head, head] {
        let res = pull_raw(&server, &a.token, cursor, None).await;
        assert_eq!(res.status(), 200, "after={cursor}");
        let page: PullResponse = res.json().await.expect("page");
        assert_eq!(page.horizon_seq, old_head);
    }
    // Past the head (a restored database, another server): gone too.
    let res = pull_raw(&server, &a.token, head + 1, Some(old_head)).await;
    assert_eq!(res.status(), 410);
    let error = api_error(res).await;
    assert_eq!(error.code, ErrorCode::CursorExpired);
    assert!(error.message.contains("ahead"), "{}", error.message);

    // A desk reading from 0 page by page is below the horizon for a while: it is
    // served as long as it holds the horizon of its first page…
    let first: PullResponse = pull_raw(&server, &a.token, 0, None)
        .await
        .json()
        .await
        .expect("first page");
    assert!(first.has_more);
    let p1 = first.changes.last().expect("changes").seq;
    assert!(
        p1 < old_head,
        "the test needs a first page below the horizon"
    );
    let res = pull_raw(&server, &a.token, p1, Some(first.horizon_seq)).await;
    assert_eq!(res.status(), 200);
    let second: PullResponse = res.json().await.expect("second page");
    assert_eq!(second.horizon_seq, old_head);
    let p2 = second.changes.last().expect("changes").seq;
    // … but a compaction that moves the horizon past it meanwhile ends that read
    // (here it removes the deletion of i-0, which this reader holds).
    server.push_applied(&a.token, &[delete("i-0")]).await;
    let newer = head_seq(&server.db, "A").await;
    age(&server.db, "A", newer, 10).await;
    compaction::compact(&server.db, None, 1)
        .await
        .expect("compact again");
    assert_eq!(horizon(&server.db, "A").await, newer);
    assert!(p2 < newer);
    let res = pull_raw(&server, &a.token, p2, Some(old_head)).await;
    assert_eq!(res.status(), 410);
    assert_eq!(api_error(res).await.code, ErrorCode::CursorExpired);
    // Read again from 0, it goes through.
    let (log, _) = pull_all(&server, &a.token).await;
    assert!(log.iter().any(|c| matches!(&c.body,
        ChangeBody::InstructionUpserted(i) if i.id == "i-1" && i.text == "recent")));

    // A building that was never compacted still refuses a cursor past its head.
    let b = server.login_ok("desk@b.test", "password-b").await;
    let b_head = head_seq(&server.db, "B").await;
    assert_eq!(
        pull_raw(&server, &b.token, b_head, None).await.status(),
        200
    );
    assert_eq!(
        pull_raw(&server, &b.token, b_head + 5, None).await.status(),
        410
    );

    // The OpenAPI document says so.
    let doc: serde_json::Value = server
        .get("/v1/openapi.json", None)
        .await
        .json()
        .await
        .expect("openapi");
    assert!(
        doc["paths"]["/v1/sync/pull"]["get"]["responses"]["410"].is_object(),
        "{}",
        doc["paths"]["/v1/sync/pull"]
    );
    server.stop().await;
}

/// A reader of the log as the protocol tells desks to read it: pull from the cursor,
/// reload from 0 on 410, move to the head at the end of a pull.
struct Follower {
    state: BTreeMap<(String, String), ChangeBody>,
    cursor: i64,
    horizon: Option<i64>,
    reloads: u32,
}

impl Follower {
    async fn catch_up(&mut self, server: &TestServer, token: &str) {
        loop {
            let res = pull_raw(server, token, self.cursor, self.horizon).await;
            if res.status() == 410 {
                assert_eq!(api_error(res).await.code, ErrorCode::CursorExpired);
                assert!(self.cursor > 0, "after=0 is always served");
                self.state.clear();
                self.cursor = 0;
                self.horizon = None;
                self.reloads += 1;
                continue;
            }
            assert_eq!(res.status(), 200);
            let page: PullResponse = res.json().await.expect("PullResponse");
            self.horizon = Some(page.horizon_seq);
            for change in &page.changes {
                assert!(change.seq > self.cursor, "pages continue the cursor");
                self.cursor = change.seq;
                let (entity, id) = change.body.entity();
                let key = (entity.to_owned(), id.into_owned());
                if change.body.is_deletion() {
                    self.state.remove(&key);
                } else {
                    self.state.insert(key, change.body.clone());
                }
            }
            if !page.has_more {
                self.cursor = self.cursor.max(page.head_seq);
                return;
            }
        }
    }
}

async fn writes_during_compaction_are_not_lost(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let server = Arc::new(server);
    let a = server.login_ok("desk@a.test", "password-a").await;
    let writing = Arc::new(AtomicBool::new(true));

    // A desk writes 240 changes on a handful of instructions, saving and deleting,
    // while compaction runs over and over with no window at all (everything committed
    // so far is behind the horizon) and a reader follows the log.
    let writer = {
        let server = Arc::clone(&server);
        let token = a.token.clone();
        let writing = Arc::clone(&writing);
        tokio::spawn(async move {
            let mut last = BTreeMap::new();
            for round in 0..40 {
                let mut batch = Vec::new();
                for n in 0..5 {
                    let id = format!("i-{n}");
                    if (round + n) % 7 == 3 {
                        batch.push(delete(&id));
                        last.insert(id, None);
                    } else {
                        let text = format!("round {round} note {n}");
                        batch.push(save(&id, if n % 2 == 0 { "a-1" } else { "a-2" }, &text));
                        last.insert(id, Some(text));
                    }
                }
                batch.push(save("i-static", "a-1", &format!("round {round}")));
                last.insert("i-static".to_owned(), Some(format!("round {round}")));
                server.push_applied(&token, &batch).await;
            }
            writing.store(false, Ordering::Release);
            last
        })
    };
    let mut follower = Follower {
        state: BTreeMap::new(),
        cursor: 0,
        horizon: None,
        reloads: 0,
    };
    let mut runs = 0;
    while writing.load(Ordering::Acquire) {
        compaction::compact_building(&server.db, "A", now_ms(), 3)
            .await
            .expect("compact during writes");
        follower.catch_up(&server, &a.token).await;
        runs += 1;
    }
    let last = writer.await.expect("writer");
    compaction::compact_building(&server.db, "A", now_ms(), 3)
        .await
        .expect("final compaction");
    assert!(runs >= 1);

    // Every write's final state is in the log, read from 0.
    let (log, head) = pull_all(&server, &a.token).await;
    let state = fold(&log);
    for (id, text) in &last {
        let stored = state.get(&("instruction".to_owned(), id.clone()));
        match (text, stored) {
            (None, None) => {}
            (Some(text), Some(ChangeBody::InstructionUpserted(i))) => {
                assert_eq!(&i.text, text, "{id}")
            }
            (want, got) => panic!("{id}: wanted {want:?}, the log says {got:?}"),
        }
    }
    // … and in the tables the log describes.
    let rows = sqlx::query("SELECT id, text FROM instructions WHERE building_id = 'A' ORDER BY id")
        .fetch_all(&server.db.pool)
        .await
        .expect("instructions");
    let stored: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.try_get("id").unwrap(), r.try_get("text").unwrap()))
        .collect();
    let from_log: Vec<(String, String)> = state
        .values()
        .filter_map(|body| match body {
            ChangeBody::InstructionUpserted(i) => Some((i.id.clone(), i.text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(from_log, stored);
    // No superseded change and no deletion is left at or below the horizon.
    assert_eq!(horizon(&server.db, "A").await, head);
    let mut entities: Vec<_> = log.iter().map(|c| c.body.entity()).collect();
    let n = entities.len();
    entities.sort();
    entities.dedup();
    assert_eq!(entities.len(), n, "one change per entity is left");

    // A reader that followed along, reloading whenever it was told to, ends with it.
    follower.catch_up(&server, &a.token).await;
    assert_eq!(follower.state, state);
    assert_eq!(follower.cursor, head);
    Arc::try_unwrap(server)
        .ok()
        .expect("only owner")
        .stop()
        .await;
}

async fn serve_compacts_periodically_when_configured(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    let config = ServerConfig {
        compact_keep_days: Some(0),
        compact_every: Duration::from_millis(200),
        ..relaxed_config()
    };
    let server = TestServer::start(db, config).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let seqs = server
        .push_applied(
            &a.token,
            &[
                save("i-1", "a-1", "one"),
                save("i-1", "a-1", "two"),
                delete("i-1"),
            ],
        )
        .await;
    let last = *seqs.last().expect("three");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while horizon(&server.db, "A").await < last {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the periodic compaction never reached seq {last}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (log, head) = loop {
        // The horizon is committed before the rows go: wait for them too.
        let (log, head) = pull_all(&server, &a.token).await;
        if !log.iter().any(|c| c.body.entity().0 == "instruction") {
            break (log, head);
        }
        assert!(tokio::time::Instant::now() < deadline, "{log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(head, last);
    assert!(log.iter().all(|c| c.seq < seqs[0]));
    server.stop().await;
}

async fn the_command_names_unknown_buildings(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    db.close().await;
    let out = run_cli(
        &tdb.url,
        &["log", "compact", "--keep-days", "0", "--building", "Z"],
        "",
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no building \"Z\""), "{stderr}");
    let out = run_cli(
        &tdb.url,
        &["log", "compact", "--keep-days", "0", "--building", "B"],
        "",
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("building B: horizon"), "{stdout}");
    assert!(!stdout.contains("building A"), "{stdout}");
    let out = run_cli(&tdb.url, &["log", "compact"], "");
    assert!(!out.status.success(), "--keep-days is required");
}

on_both_databases!(
    compaction_keeps_the_state_and_drops_superseded_changes_and_old_deletions,
    a_cursor_the_log_no_longer_serves_gets_410,
    writes_during_compaction_are_not_lost,
    serve_compacts_periodically_when_configured,
    the_command_names_unknown_buildings,
);
