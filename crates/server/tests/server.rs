//! The HTTP server in-process on a loopback socket, against SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use common::{Backend, TestDb, TestServer, add_staff, api_error, count, relaxed_config};
use frontdesk_protocol::{ChangeBody, ErrorCode, MAX_PULL_LIMIT, Me, PullResponse, StaffRole};
use frontdesk_server::auth::accounts;
use frontdesk_server::{Db, RateLimit, ServerConfig};

async fn migrations_run_on_a_fresh_database_and_again_on_an_existing_one(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    for table in [
        "buildings",
        "units",
        "residents",
        "staff",
        "sessions",
        "changes",
        "instructions",
        "mutations",
    ] {
        count(&db, table).await;
    }
    db.close().await;

    let again = Db::connect(&tdb.url)
        .await
        .expect("second start on the same database");
    again.migrate().await.expect("migrations are idempotent");
    assert_eq!(
        count(&again, "buildings").await,
        2,
        "data survives restarts"
    );
    assert_eq!(count(&again, "staff").await, 2);
    again.close().await;
}

async fn healthz_and_openapi_need_no_token(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let server = TestServer::start(tdb.connect().await, relaxed_config()).await;
    let res = server.get("/healthz", None).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));

    let res = server.get("/v1/openapi.json", None).await;
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.expect("valid JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/v1/auth/login"]["post"].is_object(), "{doc}");
    assert!(doc["paths"]["/v1/sync/pull"]["get"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["Session"].is_object());
    assert!(doc["components"]["schemas"]["PackageNotice"].is_object());

    let res = server.get("/v1/nowhere", None).await;
    assert_eq!(res.status(), 404);
    assert_eq!(api_error(res).await.code, ErrorCode::NotFound);
    server.stop().await;
}

async fn sign_in_accepts_the_right_password_only(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    let server = TestServer::start(db, relaxed_config()).await;

    // Email is matched case-insensitively and trimmed.
    let session = server.login_ok("  Desk@A.test ", "password-a").await;
    assert_eq!(session.staff.email, "desk@a.test");
    assert_eq!(session.staff.role, StaffRole::Doorman);
    assert_eq!(session.building.id, "A");
    assert_eq!(session.token.len(), 64);
    let thirty_days_ms = 30 * 24 * 3600 * 1000;
    let now = frontdesk_server::db::now_ms();
    assert!((session.expires_at_ms - now - thirty_days_ms).abs() < 60_000);
    // Only the hash of the token is stored.
    let stored: i64 = count(&server.db, "sessions").await;
    assert_eq!(stored, 1);
    let leaked = sqlx::query("SELECT token_hash FROM sessions")
        .fetch_one(&server.db.pool)
        .await
        .unwrap();
    let hash: String = sqlx::Row::try_get(&leaked, "token_hash").unwrap();
    assert_ne!(hash, session.token);

    let res = server.get("/v1/auth/me", Some(&session.token)).await;
    assert_eq!(res.status(), 200);
    let me: Me = res.json().await.unwrap();
    assert_eq!(me.staff, session.staff);
    assert_eq!(me.building, session.building);
    assert_eq!(me.expires_at_ms, session.expires_at_ms);

    let wrong = server.login("desk@a.test", "password-b").await;
    assert_eq!(wrong.status(), 401);
    let wrong = api_error(wrong).await;
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    let unknown = server.login("nobody@a.test", "password-a").await;
    assert_eq!(unknown.status(), 401);
    let unknown = api_error(unknown).await;
    assert_eq!(
        unknown, wrong,
        "unknown email and wrong password look the same"
    );

    let bad_json = server
        .http
        .post(server.url("/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": 42")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
    assert_eq!(api_error(bad_json).await.code, ErrorCode::BadRequest);
    server.stop().await;
}

async fn disabled_accounts_cannot_sign_in_and_lose_their_sessions(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    let server = TestServer::start(db.clone(), relaxed_config()).await;
    let session = server.login_ok("desk@a.test", "password-a").await;

    let disabled = accounts::disable_staff(&db, "DESK@a.test").await.unwrap();
    assert_eq!(disabled.sessions_revoked, 1);
    assert!(disabled.staff.disabled);

    let res = server.get("/v1/auth/me", Some(&session.token)).await;
    assert_eq!(res.status(), 401);
    assert_eq!(api_error(res).await.code, ErrorCode::Unauthorized);
    let res = server.login("desk@a.test", "password-a").await;
    assert_eq!(res.status(), 403);
    assert_eq!(api_error(res).await.code, ErrorCode::AccountDisabled);
    // A wrong password reveals nothing about the account's state.
    let res = server.login("desk@a.test", "wrong-password").await;
    assert_eq!(res.status(), 401);
    assert_eq!(api_error(res).await.code, ErrorCode::InvalidCredentials);

    let mut conn = db.pool.acquire().await.unwrap();
    let body = sqlx::query("SELECT body FROM changes WHERE building_id = 'A' ORDER BY seq DESC")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let body: ChangeBody =
        serde_json::from_str(&sqlx::Row::try_get::<String, _>(&body, "body").unwrap()).unwrap();
    assert!(matches!(body, ChangeBody::StaffUpserted(s) if s.disabled && s.email == "desk@a.test"));
    drop(conn);
    server.stop().await;
}

async fn tokens_stop_working_when_expired_or_logged_out(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    let short = ServerConfig {
        session_lifetime: Duration::from_millis(300),
        ..relaxed_config()
    };
    let server = TestServer::start(db.clone(), short).await;
    let session = server.login_ok("desk@a.test", "password-a").await;
    assert_eq!(
        server
            .get("/v1/auth/me", Some(&session.token))
            .await
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let res = server.get("/v1/auth/me", Some(&session.token)).await;
    assert_eq!(res.status(), 401);
    assert_eq!(api_error(res).await.code, ErrorCode::Unauthorized);
    server.stop().await;

    let server = TestServer::start(db, relaxed_config()).await;
    let session = server.login_ok("desk@a.test", "password-a").await;
    let other = server.login_ok("desk@a.test", "password-a").await;
    let res = server
        .http
        .post(server.url("/v1/auth/logout"))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    for path in ["/v1/auth/me", "/v1/sync/pull"] {
        let res = server.get(path, Some(&session.token)).await;
        assert_eq!(res.status(), 401, "{path}");
    }
    assert_eq!(
        server.get("/v1/auth/me", Some(&other.token)).await.status(),
        200,
        "logout revokes only the caller's session"
    );
    for token in [None, Some("not-a-token"), Some("")] {
        let res = server.get("/v1/sync/pull", token).await;
        assert_eq!(res.status(), 401);
        assert_eq!(api_error(res).await.code, ErrorCode::Unauthorized);
    }
    let res = server
        .http
        .get(server.url("/v1/auth/me"))
        .header("authorization", format!("Basic {}", other.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "only Bearer is accepted");
    server.stop().await;
}

async fn sign_in_attempts_are_limited_per_account(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    let config = ServerConfig {
        login_per_account: RateLimit {
            burst: 3.try_into().unwrap(),
            replenish_every: Duration::from_secs(60),
        },
        ..relaxed_config()
    };
    let server = TestServer::start(db, config).await;
    for _ in 0..3 {
        assert_eq!(
            server.login("desk@a.test", "wrong-pass").await.status(),
            401
        );
    }
    // Even the right password waits: the limit is on attempts, not failures.
    let res = server.login("DESK@a.test", "password-a").await;
    assert_eq!(res.status(), 429);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(api_error(res).await.code, ErrorCode::RateLimited);
    // Another account from the same address is unaffected.
    assert_eq!(
        server.login("desk@b.test", "password-b").await.status(),
        200
    );
    server.stop().await;
}

async fn sign_in_attempts_are_limited_per_address(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    let config = ServerConfig {
        login_per_address: RateLimit {
            burst: 4.try_into().unwrap(),
            replenish_every: Duration::from_secs(60),
        },
        ..relaxed_config()
    };
    let server = TestServer::start(db, config).await;
    for i in 0..4 {
        let res = server.login(&format!("guess{i}@a.test"), "whatever1").await;
        assert_eq!(res.status(), 401);
    }
    let res = server.login("desk@b.test", "password-b").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(api_error(res).await.code, ErrorCode::RateLimited);
    server.stop().await;
}

async fn pull(server: &TestServer, token: &str, query: &str) -> PullResponse {
    let res = server
        .get(&format!("/v1/sync/pull{query}"), Some(token))
        .await;
    assert_eq!(res.status(), 200, "pull{query}");
    res.json().await.unwrap()
}

async fn a_token_sees_only_its_own_building(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    let server = TestServer::start(db, relaxed_config()).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let b = server.login_ok("desk@b.test", "password-b").await;

    let page_a = pull(&server, &a.token, "").await;
    // A: the building, unit a-1, staff desk@a.
    assert_eq!(page_a.head_seq, 3);
    assert_eq!(page_a.changes.len(), 3);
    assert!(!page_a.has_more);
    for change in &page_a.changes {
        let building = match &change.body {
            ChangeBody::BuildingUpserted(b) => b.id.clone(),
            ChangeBody::UnitUpserted(u) => u.building_id.clone(),
            ChangeBody::StaffUpserted(s) => s.building_id.clone(),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(building, "A");
    }
    let seqs: Vec<i64> = page_a.changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);

    let page_b = pull(&server, &b.token, "").await;
    assert_eq!(page_b.head_seq, 4);
    let ids: Vec<String> = page_b
        .changes
        .iter()
        .map(|c| c.body.entity().1.into_owned())
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert!(!ids.contains(&"a-1") && !ids.contains(&"A"), "{ids:?}");
    assert!(ids.contains(&"b-1") && ids.contains(&"b-2"));

    let me_a: Me = server
        .get("/v1/auth/me", Some(&a.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me_a.building.name, "Alpha Tower");
    server.stop().await;
}

async fn pull_pages_through_the_log(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    add_staff(&db, "B", "night@b.test", "password-n", StaffRole::Security).await;
    let server = TestServer::start(db, relaxed_config()).await;
    let b = server.login_ok("desk@b.test", "password-b").await;
    // B: building, b-1, b-2, desk@b, night@b.
    let first = pull(&server, &b.token, "?limit=2").await;
    assert_eq!(first.head_seq, 5);
    assert_eq!(
        first.changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(first.has_more);
    let second = pull(&server, &b.token, "?after=2&limit=2").await;
    assert_eq!(
        second.changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert!(second.has_more);
    let third = pull(&server, &b.token, "?after=4&limit=2").await;
    assert_eq!(
        third.changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![5]
    );
    assert!(!third.has_more);
    let exact = pull(&server, &b.token, "?after=3&limit=2").await;
    assert!(
        !exact.has_more,
        "a page ending exactly at head has nothing more"
    );
    let at_head = pull(&server, &b.token, "?after=5").await;
    assert!(at_head.changes.is_empty());
    assert!(!at_head.has_more);
    assert_eq!(at_head.head_seq, 5);
    // Past the head: not this log's history (see tests/compaction.rs).
    let beyond = server.get("/v1/sync/pull?after=99", Some(&b.token)).await;
    assert_eq!(beyond.status(), 410);
    assert_eq!(api_error(beyond).await.code, ErrorCode::CursorExpired);
    let capped = pull(
        &server,
        &b.token,
        &format!("?limit={}", MAX_PULL_LIMIT + 100),
    )
    .await;
    assert_eq!(capped.changes.len(), 5);
    let mutation_ids: Vec<_> = capped.changes.iter().map(|c| c.mutation_id).collect();
    assert!(mutation_ids.iter().all(Option::is_none));

    for bad in ["?after=-1", "?after=abc", "?limit=-5"] {
        let res = server
            .get(&format!("/v1/sync/pull{bad}"), Some(&b.token))
            .await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(api_error(res).await.code, ErrorCode::BadRequest);
    }
    server.stop().await;
}

/// A raw HTTP/1.1 POST (reqwest cannot show a response that arrives while the request
/// body is still being sent). With `chunked_size > 0`, sends that many body bytes as
/// chunks; returns the raw response.
async fn raw_post(
    server: &TestServer,
    path: &str,
    extra_head: &str,
    chunked_size: usize,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         {extra_head}Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    if chunked_size > 0 {
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < chunked_size {
            let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
            frame.extend_from_slice(&chunk);
            frame.extend_from_slice(b"\r\n");
            // The server may answer and close before taking everything: that is the point.
            if stream.write_all(&frame).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

async fn oversized_bodies_are_refused_with_413(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let server = TestServer::start(tdb.connect().await, relaxed_config()).await;

    // A declared length over the limit is refused before any of the body is read.
    let head = "Content-Length: 2097152\r\n";
    let response = raw_post(&server, "/v1/auth/login", head, 0).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("payload_too_large"), "{response}");

    // Without a Content-Length (chunked), the limit applies while the body is read.
    let head = "Transfer-Encoding: chunked\r\n";
    let response = raw_post(&server, "/v1/auth/login", head, 1024 * 1024 + 64 * 1024).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("payload_too_large"), "{response}");

    // Under the limit, the same route works as usual.
    let res = server.login("nobody@a.test", &"x".repeat(100_000)).await;
    assert_eq!(res.status(), 401);
    server.stop().await;
}

async fn concurrent_writers_get_gapless_sequence_numbers(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let csv = format!(
                "id,unit_number,building_id\nc{i}-1,{i}01,A\nc{i}-2,{i}02,A\nc{i}-3,{i}03,B\n"
            );
            frontdesk_server::directory::import::import_bytes(
                &db,
                frontdesk_server::directory::import::ImportKind::Units,
                "concurrent",
                csv.as_bytes(),
            )
            .await
            .expect("concurrent import");
        }));
    }
    for i in 0..2 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            add_staff(
                &db,
                "A",
                &format!("extra{i}@a.test"),
                "password-x",
                StaffRole::Security,
            )
            .await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut conn = db.pool.acquire().await.unwrap();
    for (building, expected) in [("A", 3 + 6 * 2 + 2), ("B", 4 + 6)] {
        let page = frontdesk_server::changelog::read_page(&mut conn, building, 0, 5000)
            .await
            .unwrap();
        let seqs: Vec<i64> = page.changes.iter().map(|c| c.seq).collect();
        assert_eq!(
            seqs,
            (1..=expected).collect::<Vec<i64>>(),
            "building {building}"
        );
        assert_eq!(page.head_seq, expected);
    }
    drop(conn);
    db.close().await;
}

on_both_databases!(
    migrations_run_on_a_fresh_database_and_again_on_an_existing_one,
    healthz_and_openapi_need_no_token,
    sign_in_accepts_the_right_password_only,
    disabled_accounts_cannot_sign_in_and_lose_their_sessions,
    tokens_stop_working_when_expired_or_logged_out,
    sign_in_attempts_are_limited_per_account,
    sign_in_attempts_are_limited_per_address,
    a_token_sees_only_its_own_building,
    pull_pages_through_the_log,
    oversized_bodies_are_refused_with_413,
    concurrent_writers_get_gapless_sequence_numbers,
);
