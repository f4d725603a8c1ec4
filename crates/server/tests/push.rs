//! `POST /v1/sync/push`: desk mutations applied at most once, over real sockets, on
//! SQLite and PostgreSQL.

mod common;

use std::sync::Arc;

use common::{Backend, TestDb, TestServer, add_staff, api_error, count, relaxed_config};
use frontdesk_protocol::{
    ChangeBody, ErrorCode, Instruction, InstructionTarget, MAX_INSTRUCTION_CHARS, MAX_PUSH_BATCH,
    Mutation, MutationBody, MutationOutcome, MutationResult, PullResponse, PushResponse,
    RejectCode, StaffRole,
};
use frontdesk_server::Db;
use frontdesk_server::directory::import::{self, ImportKind};
use sqlx::Row;
use uuid::Uuid;

fn save(id: &str, target: InstructionTarget, text: &str) -> Mutation {
    Mutation {
        id: Uuid::now_v7(),
        client_time_ms: 1_700_000_000_000,
        body: MutationBody::InstructionSave {
            id: id.to_owned(),
            target,
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

fn unit(id: &str) -> InstructionTarget {
    InstructionTarget::Unit(id.to_owned())
}

async fn push_raw(
    server: &TestServer,
    token: Option<&str>,
    body: &serde_json::Value,
) -> reqwest::Response {
    let mut req = server.http.post(server.url("/v1/sync/push")).json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("push request")
}

async fn push(server: &TestServer, token: &str, mutations: &[Mutation]) -> Vec<MutationResult> {
    let body = serde_json::json!({ "mutations": mutations });
    let res = push_raw(server, Some(token), &body).await;
    assert_eq!(res.status(), 200, "push");
    let response: PushResponse = res.json().await.expect("PushResponse");
    assert_eq!(response.results.len(), mutations.len());
    for (result, mutation) in response.results.iter().zip(mutations) {
        assert_eq!(result.id, mutation.id, "results come in the order sent");
    }
    response.results
}

async fn push_one(server: &TestServer, token: &str, mutation: &Mutation) -> MutationResult {
    push(server, token, std::slice::from_ref(mutation))
        .await
        .remove(0)
}

async fn pull_after(server: &TestServer, token: &str, after: i64) -> PullResponse {
    let res = server
        .get(&format!("/v1/sync/pull?after={after}"), Some(token))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn applied_seq(result: &MutationResult) -> i64 {
    match result.outcome {
        MutationOutcome::Applied { seq } => seq,
        ref other => panic!("expected applied, got {other:?}"),
    }
}

fn rejection(result: &MutationResult) -> (RejectCode, &str) {
    match &result.outcome {
        MutationOutcome::Rejected { code, reason } => (*code, reason.as_str()),
        other => panic!("expected rejected, got {other:?}"),
    }
}

async fn changes_of_mutation(db: &Db, id: Uuid) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM changes WHERE mutation_id = $1")
        .bind(id.to_string())
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

async fn stored_instruction(db: &Db, id: &str) -> Option<(String, String, String)> {
    sqlx::query("SELECT building_id, text, updated_by FROM instructions WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
        .unwrap()
        .map(|row| {
            (
                row.try_get("building_id").unwrap(),
                row.try_get("text").unwrap(),
                row.try_get("updated_by").unwrap(),
            )
        })
}

/// Buildings A (unit a-1, resident ra-1) and B (units b-1, b-2), a doorman in each.
async fn setup(backend: Backend) -> (TestDb, TestServer) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    import::import_bytes(
        &db,
        ImportKind::Residents,
        "inline",
        "id,building_id,unit_id,first_name,last_name\nra-1,A,a-1,Ada,Lovelace\n".as_bytes(),
    )
    .await
    .expect("residents");
    let server = TestServer::start(db, relaxed_config()).await;
    (tdb, server)
}

async fn applied_mutations_are_logged_in_send_order_with_their_id(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let head = pull_after(&server, &a.token, 0).await.head_seq;

    let first = save("i-1", unit("a-1"), "  Perishables: call first  ");
    let batch = [
        first.clone(),
        save(
            "i-2",
            InstructionTarget::Resident("ra-1".into()),
            "Leave parcels with 503",
        ),
        save(
            "i-1",
            unit("a-1"),
            "Perishables: call, then leave at the desk",
        ),
        delete("i-2"),
    ];
    let results = push(&server, &a.token, &batch).await;
    let seqs: Vec<i64> = results.iter().map(applied_seq).collect();
    assert_eq!(seqs, vec![head + 1, head + 2, head + 3, head + 4]);
    assert!(results.iter().all(|r| !r.duplicate));

    let page = pull_after(&server, &a.token, head).await;
    assert_eq!(page.head_seq, head + 4);
    assert_eq!(page.changes.len(), 4);
    for (change, mutation) in page.changes.iter().zip(&batch) {
        assert_eq!(
            change.mutation_id,
            Some(mutation.id),
            "the echo names its mutation"
        );
    }
    assert_eq!(
        page.changes[0].body,
        ChangeBody::InstructionUpserted(Instruction {
            id: "i-1".into(),
            building_id: "A".into(),
            target: unit("a-1"),
            text: "Perishables: call first".into(),
            updated_by: a.staff.id.clone(),
            updated_at_ms: first.client_time_ms,
        })
    );
    assert_eq!(
        page.changes[3].body,
        ChangeBody::InstructionDeleted { id: "i-2".into() }
    );
    assert_eq!(
        stored_instruction(&server.db, "i-1").await.unwrap().1,
        "Perishables: call, then leave at the desk"
    );
    assert!(stored_instruction(&server.db, "i-2").await.is_none());

    // Building B's log is untouched.
    let b = server.login_ok("desk@b.test", "password-b").await;
    let page_b = pull_after(&server, &b.token, 0).await;
    assert!(page_b.changes.iter().all(|c| c.mutation_id.is_none()));

    // An empty push is fine.
    assert!(push(&server, &a.token, &[]).await.is_empty());
    server.stop().await;
}

async fn a_repeated_id_is_a_duplicate_and_applies_nothing(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let m = save("i-1", unit("a-1"), "Call first");
    let first = push_one(&server, &a.token, &m).await;
    assert!(!first.duplicate);
    let changes = count(&server.db, "changes").await;

    let again = push_one(&server, &a.token, &m).await;
    assert!(again.duplicate);
    assert_eq!(again.outcome, first.outcome);
    // The same id twice in one batch, even with another payload: the first result.
    let mut altered = m.clone();
    altered.body = MutationBody::InstructionDelete { id: "i-1".into() };
    let both = push(&server, &a.token, &[m.clone(), altered]).await;
    assert!(
        both.iter()
            .all(|r| r.duplicate && r.outcome == first.outcome)
    );

    assert_eq!(
        count(&server.db, "changes").await,
        changes,
        "nothing new in the log"
    );
    assert_eq!(changes_of_mutation(&server.db, m.id).await, 1);
    assert_eq!(count(&server.db, "mutations").await, 1);
    assert!(stored_instruction(&server.db, "i-1").await.is_some());

    // Another building cannot reuse (or learn about) the id.
    let b = server.login_ok("desk@b.test", "password-b").await;
    let mut foreign = m.clone();
    foreign.body = MutationBody::InstructionSave {
        id: "i-b".into(),
        target: unit("b-1"),
        text: "Hijack".into(),
    };
    for _ in 0..2 {
        let result = push_one(&server, &b.token, &foreign).await;
        assert!(!result.duplicate);
        let (code, reason) = rejection(&result);
        assert_eq!(code, RejectCode::Forbidden);
        assert!(!reason.contains("A"), "reveals nothing: {reason}");
    }
    assert!(stored_instruction(&server.db, "i-b").await.is_none());
    assert_eq!(count(&server.db, "changes").await, changes);
    let still = push_one(&server, &a.token, &m).await;
    assert!(still.duplicate && still.outcome == first.outcome);
    server.stop().await;
}

async fn duplicates_are_recognised_after_a_restart(backend: Backend) {
    let (tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let applied = save("i-1", unit("a-1"), "Call first");
    let rejected = save("i-2", unit("nowhere"), "Call first");
    let first = push(&server, &a.token, &[applied.clone(), rejected.clone()]).await;
    let db = server.db.clone();
    server.stop().await;
    db.close().await;

    let server = TestServer::start(tdb.connect().await, relaxed_config()).await;
    let changes = count(&server.db, "changes").await;
    let again = push(&server, &a.token, &[applied, rejected]).await;
    for (before, after) in first.iter().zip(&again) {
        assert!(after.duplicate);
        assert_eq!(after.outcome, before.outcome);
    }
    assert_eq!(count(&server.db, "changes").await, changes);
    server.stop().await;
}

async fn rejections_are_recorded_and_repeated_identically(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let b = server.login_ok("desk@b.test", "password-b").await;
    let theirs = push_one(&server, &b.token, &save("shared", unit("b-1"), "B's own")).await;
    applied_seq(&theirs);
    let changes = count(&server.db, "changes").await;

    let cases: Vec<(Mutation, RejectCode, &str)> = vec![
        (
            save("i-1", unit("a-1"), " \n\t "),
            RejectCode::Invalid,
            "must not be empty",
        ),
        (
            save("i-1", unit("a-1"), &"é".repeat(MAX_INSTRUCTION_CHARS + 1)),
            RejectCode::Invalid,
            "at most 2000",
        ),
        (
            save("", unit("a-1"), "Call first"),
            RejectCode::Invalid,
            "id must not be empty",
        ),
        (
            save(&"x".repeat(65), unit("a-1"), "Call first"),
            RejectCode::Invalid,
            "longer than 64",
        ),
        (
            save("i-1", unit("123"), "Call first"),
            RejectCode::NotFound,
            "unit 123 is not in this building",
        ),
        (
            save("i-1", unit("b-1"), "Call first"),
            RejectCode::NotFound,
            "unit b-1 is not in this building",
        ),
        (
            save(
                "i-1",
                InstructionTarget::Resident("r-404".into()),
                "Call first",
            ),
            RejectCode::NotFound,
            "resident r-404 is not in this building",
        ),
        (
            save("shared", unit("a-1"), "Mine now"),
            RejectCode::Forbidden,
            "cannot be changed",
        ),
        (delete("shared"), RejectCode::Forbidden, "cannot be changed"),
    ];
    let mutations: Vec<Mutation> = cases.iter().map(|(m, _, _)| m.clone()).collect();
    let first = push(&server, &a.token, &mutations).await;
    for (result, (_, code, reason)) in first.iter().zip(&cases) {
        assert!(!result.duplicate);
        let (got_code, got_reason) = rejection(result);
        assert_eq!(got_code, *code, "{got_reason}");
        assert!(
            got_reason.contains(reason),
            "{got_reason:?} should say {reason:?}"
        );
    }
    let again = push(&server, &a.token, &mutations).await;
    for (before, after) in first.iter().zip(&again) {
        assert!(after.duplicate);
        assert_eq!(after.outcome, before.outcome);
    }
    assert_eq!(
        count(&server.db, "changes").await,
        changes,
        "rejections log nothing"
    );
    assert_eq!(
        count(&server.db, "mutations").await,
        1 + cases.len() as i64,
        "rejections are recorded"
    );
    assert!(stored_instruction(&server.db, "i-1").await.is_none());
    assert_eq!(
        stored_instruction(&server.db, "shared").await,
        Some(("B".into(), "B's own".into(), b.staff.id.clone()))
    );

    // Exactly at the limit is fine.
    let at_limit = save("i-1", unit("a-1"), &"é".repeat(MAX_INSTRUCTION_CHARS));
    applied_seq(&push_one(&server, &a.token, &at_limit).await);
    server.stop().await;
}

async fn saves_from_two_staff_are_last_writer_wins(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    add_staff(
        &server.db,
        "A",
        "night@a.test",
        "password-n",
        StaffRole::Security,
    )
    .await;
    let day = server.login_ok("desk@a.test", "password-a").await;
    let night = server.login_ok("night@a.test", "password-n").await;
    let head = pull_after(&server, &day.token, 0).await.head_seq;

    let first = push_one(
        &server,
        &day.token,
        &save("i-1", unit("a-1"), "Day version"),
    )
    .await;
    let second = push_one(
        &server,
        &night.token,
        &save(
            "i-1",
            InstructionTarget::Resident("ra-1".into()),
            "Night version",
        ),
    )
    .await;
    assert!(applied_seq(&second) > applied_seq(&first));

    let page = pull_after(&server, &day.token, head).await;
    let saved: Vec<(String, String)> = page
        .changes
        .iter()
        .map(|c| match &c.body {
            ChangeBody::InstructionUpserted(i) => (i.text.clone(), i.updated_by.clone()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        saved,
        vec![
            ("Day version".to_owned(), day.staff.id.clone()),
            ("Night version".to_owned(), night.staff.id.clone()),
        ]
    );
    assert_eq!(
        stored_instruction(&server.db, "i-1").await,
        Some(("A".into(), "Night version".into(), night.staff.id.clone()))
    );
    server.stop().await;
}

async fn deleting_what_is_gone_is_applied(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let never = push_one(&server, &a.token, &delete("never-existed")).await;
    applied_seq(&never);
    assert!(!never.duplicate);

    applied_seq(&push_one(&server, &a.token, &save("i-1", unit("a-1"), "Call first")).await);
    // Two desks delete the same instruction: both succeed, both are logged.
    let results = push(&server, &a.token, &[delete("i-1"), delete("i-1")]).await;
    let seqs: Vec<i64> = results.iter().map(applied_seq).collect();
    assert!(seqs[0] < seqs[1]);
    assert!(stored_instruction(&server.db, "i-1").await.is_none());
    server.stop().await;
}

async fn push_limits_and_auth(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let ok = serde_json::json!({ "mutations": [save("i-1", unit("a-1"), "Call first")] });

    let res = push_raw(&server, None, &ok).await;
    assert_eq!(res.status(), 401);
    assert_eq!(api_error(res).await.code, ErrorCode::Unauthorized);
    let res = push_raw(&server, Some("not-a-token"), &ok).await;
    assert_eq!(res.status(), 401);
    assert_eq!(api_error(res).await.code, ErrorCode::Unauthorized);

    let too_many: Vec<Mutation> = (0..=MAX_PUSH_BATCH)
        .map(|i| save(&format!("i-{i}"), unit("a-1"), "Call first"))
        .collect();
    let res = push_raw(
        &server,
        Some(&a.token),
        &serde_json::json!({ "mutations": too_many }),
    )
    .await;
    assert_eq!(res.status(), 400);
    let error = api_error(res).await;
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert!(error.message.contains("at most 500"), "{}", error.message);

    for bad in [
        serde_json::json!({}),
        serde_json::json!({ "mutations": [{ "id": "not-a-uuid", "client_time_ms": 1,
            "body": { "kind": "instruction_delete", "payload": { "id": "i-1" } } }] }),
        serde_json::json!({ "mutations": [{ "id": Uuid::now_v7(), "client_time_ms": 1,
            "body": { "kind": "package_teleport", "payload": {} } }] }),
    ] {
        let res = push_raw(&server, Some(&a.token), &bad).await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(api_error(res).await.code, ErrorCode::BadRequest);
    }
    assert_eq!(count(&server.db, "mutations").await, 0, "nothing recorded");

    let doc: serde_json::Value = server
        .get("/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/v1/sync/push"]["post"].is_object());
    assert!(doc["components"]["schemas"]["PushRequest"].is_object());
    server.stop().await;
}

async fn one_id_pushed_concurrently_applies_once(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let server = Arc::new(server);
    const TRIES: usize = 20;
    for round in 0..3 {
        let m = save(&format!("i-{round}"), unit("a-1"), "Call first");
        let barrier = Arc::new(tokio::sync::Barrier::new(TRIES));
        let mut tasks = Vec::new();
        for _ in 0..TRIES {
            let (server, barrier, token, m) =
                (server.clone(), barrier.clone(), a.token.clone(), m.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                push_one(&server, &token, &m).await
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        let fresh: Vec<&MutationResult> = results.iter().filter(|r| !r.duplicate).collect();
        assert_eq!(fresh.len(), 1, "round {round}: exactly one applies");
        applied_seq(fresh[0]);
        assert!(results.iter().all(|r| r.outcome == fresh[0].outcome));
        assert_eq!(changes_of_mutation(&server.db, m.id).await, 1);
    }
    // The log has no gaps from the requests that rolled back.
    let page = pull_after(&server, &a.token, 0).await;
    let seqs: Vec<i64> = page.changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (1..=page.head_seq).collect::<Vec<_>>());
    Arc::into_inner(server).expect("tasks done").stop().await;
}

/// Two desks pushing batches that save the same instructions in opposite orders, at
/// once: both apply whole. (A push is one transaction; on PostgreSQL, without one lock
/// order per building, the two would deadlock and one would fail.)
async fn batches_crossing_the_same_instructions_both_apply(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let server = Arc::new(server);
    for round in 0..10 {
        let ids: Vec<String> = (0..20).map(|i| format!("x-{i}")).collect();
        let forward: Vec<Mutation> = ids
            .iter()
            .map(|id| save(id, unit("a-1"), &format!("forward {round}")))
            .collect();
        let backward: Vec<Mutation> = ids
            .iter()
            .rev()
            .map(|id| save(id, unit("a-1"), &format!("backward {round}")))
            .collect();
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let tasks: Vec<_> = [forward, backward]
            .into_iter()
            .map(|batch| {
                let (server, barrier, token) = (server.clone(), barrier.clone(), a.token.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    push(&server, &token, &batch).await
                })
            })
            .collect();
        for task in tasks {
            let results = task.await.unwrap();
            assert_eq!(results.len(), 20);
            assert!(results.iter().all(|r| !r.duplicate));
            for r in &results {
                applied_seq(r);
            }
        }
    }
    let page = pull_after(&server, &a.token, 0).await;
    let seqs: Vec<i64> = page.changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (1..=page.head_seq).collect::<Vec<_>>(), "no gaps");
    Arc::into_inner(server).expect("tasks done").stop().await;
}

/// Forces the race: another transaction has inserted the mutation's record but not yet
/// committed when the push arrives. The push applies, then its insert of the record
/// collides (PostgreSQL: waits, then a unique violation; SQLite: it waits for the write
/// lock and then sees the record): it must roll back and answer the record.
async fn a_colliding_record_rolls_back_and_answers_the_first_outcome(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let head = common::head_seq(&server.db, "A").await;
    let m = save("i-1", unit("a-1"), "Call first");
    let recorded = MutationOutcome::Rejected {
        code: RejectCode::Conflict,
        reason: "recorded by the other request".into(),
    };

    let mut other = server.db.begin_write().await.unwrap();
    sqlx::query(
        "INSERT INTO mutations (id, building_id, staff_id, received_at_ms, outcome) \
         VALUES ($1, 'A', $2, 0, $3)",
    )
    .bind(m.id.to_string())
    .bind(&a.staff.id)
    .bind(serde_json::to_string(&recorded).unwrap())
    .execute(&mut *other)
    .await
    .unwrap();

    let server = Arc::new(server);
    let pushing = {
        let (server, token, m) = (server.clone(), a.token.clone(), m.clone());
        tokio::spawn(async move { push_one(&server, &token, &m).await })
    };
    if backend == Backend::Postgres {
        // Wait until the push is blocked on our uncommitted row.
        let mut waited = 0;
        loop {
            let blocked: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(&server.db.pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
            if blocked > 0 {
                break;
            }
            waited += 1;
            assert!(waited < 1000, "the push never blocked on the record");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    other.commit().await.unwrap();

    let result = pushing.await.unwrap();
    assert!(result.duplicate);
    assert_eq!(result.outcome, recorded);
    assert!(
        stored_instruction(&server.db, "i-1").await.is_none(),
        "rolled back"
    );
    assert_eq!(changes_of_mutation(&server.db, m.id).await, 0);
    assert_eq!(common::head_seq(&server.db, "A").await, head);
    Arc::into_inner(server).expect("task done").stop().await;
}

/// A database failure mid-batch answers 500 and commits nothing of the push (it is one
/// transaction), so the desk's resend applies all of it, in order, once. The failure is
/// real: a trigger that refuses one instruction id.
async fn a_failure_mid_batch_commits_nothing_of_the_push(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let trigger: &[&str] = match backend {
        Backend::Sqlite => &["CREATE TRIGGER boom BEFORE INSERT ON instructions \
             WHEN NEW.id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'boom'; END $$",
            "CREATE TRIGGER boom BEFORE INSERT ON instructions FOR EACH ROW \
             WHEN (NEW.id = 'boom') EXECUTE FUNCTION boom()",
        ],
    };
    for sql in trigger {
        sqlx::query(*sql).execute(&server.db.pool).await.unwrap();
    }
    let batch = [
        save("i-1", unit("a-1"), "Call first"),
        save("boom", unit("a-1"), "Call first"),
        save("i-3", unit("a-1"), "Call first"),
    ];
    let res = push_raw(
        &server,
        Some(&a.token),
        &serde_json::json!({ "mutations": batch }),
    )
    .await;
    assert_eq!(res.status(), 500);
    let error = api_error(res).await;
    assert_eq!(error.code, ErrorCode::Internal);
    assert!(!error.message.contains("boom"), "details stay in the log");
    let head = common::head_seq(&server.db, "A").await;
    assert_eq!(count(&server.db, "mutations").await, 0);
    assert!(stored_instruction(&server.db, "i-1").await.is_none());
    assert!(stored_instruction(&server.db, "i-3").await.is_none());

    let drop = match backend {
        Backend::Sqlite => "DROP TRIGGER boom",
        Backend::Postgres => "DROP TRIGGER boom ON instructions",
    };
    sqlx::query(drop).execute(&server.db.pool).await.unwrap();
    let results = push(&server, &a.token, &batch).await;
    let duplicates: Vec<bool> = results.iter().map(|r| r.duplicate).collect();
    assert_eq!(duplicates, vec![false, false, false]);
    let seqs: Vec<i64> = results.iter().map(applied_seq).collect();
    assert_eq!(
        seqs,
        vec![head + 1, head + 2, head + 3],
        "the log has no hole"
    );
    assert_eq!(count(&server.db, "mutations").await, 3);
    server.stop().await;
}

/// SQLite commits the pushes that queued for the write turn together. One of them
/// failing must not take the others down: they are answered as if each had been
/// alone. The pushes are made to queue by holding the turn until all of them wait.
#[tokio::test]
async fn pushes_committed_together_fail_alone() {
    let (_tdb, server) = setup(Backend::Sqlite).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    sqlx::query(
        "CREATE TRIGGER boom BEFORE INSERT ON instructions \
         WHEN NEW.id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
    )
    .execute(&server.db.pool)
    .await
    .unwrap();
    let head = common::head_seq(&server.db, "A").await;
    let held = server.db.begin_write().await.unwrap();
    let server = Arc::new(server);
    let pushes: Vec<_> = ["i-1", "boom", "i-3", "i-4"]
        .into_iter()
        .map(|id| {
            let (server, token) = (server.clone(), a.token.clone());
            let m = save(id, unit("a-1"), "Call first");
            tokio::spawn(async move {
                push_raw(
                    &server,
                    Some(&token),
                    &serde_json::json!({ "mutations": [m] }),
                )
                .await
                .status()
            })
        })
        .collect();
    let mut waited = 0;
    while server.db.pushes_waiting() < 4 {
        waited += 1;
        assert!(waited < 1000, "the pushes never queued");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    held.rollback().await.unwrap();
    let mut statuses = Vec::new();
    for push in pushes {
        statuses.push(push.await.unwrap().as_u16());
    }
    assert_eq!(statuses, vec![200, 500, 200, 200]);
    for id in ["i-1", "i-3", "i-4"] {
        assert!(stored_instruction(&server.db, id).await.is_some(), "{id}");
    }
    assert!(stored_instruction(&server.db, "boom").await.is_none());
    assert_eq!(count(&server.db, "mutations").await, 3);
    assert_eq!(common::head_seq(&server.db, "A").await, head + 3);
    Arc::into_inner(server).expect("tasks done").stop().await;
}

on_both_databases!(
    applied_mutations_are_logged_in_send_order_with_their_id,
    a_repeated_id_is_a_duplicate_and_applies_nothing,
    duplicates_are_recognised_after_a_restart,
    rejections_are_recorded_and_repeated_identically,
    saves_from_two_staff_are_last_writer_wins,
    deleting_what_is_gone_is_applied,
    push_limits_and_auth,
    one_id_pushed_concurrently_applies_once,
    batches_crossing_the_same_instructions_both_apply,
    a_colliding_record_rolls_back_and_answers_the_first_outcome,
    a_failure_mid_batch_commits_nothing_of_the_push,
);
