//! The real `frontdesk-server` binary: imports, staff accounts, demo, and `serve`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Backend, TestDb, TestServer, api_error, count, fixture, relaxed_config, run_cli};
use frontdesk_protocol::ErrorCode;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn import_reports_bad_lines_and_exits_non_zero(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let path = |name: &str| fixture(name).display().to_string();

    let out = run_cli(
        &tdb.url,
        &["import", "buildings", &path("buildings.csv")],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("buildings: 2 created, 0 updated, 0 unchanged"),
        "{}",
        stdout(&out)
    );

    let out = run_cli(&tdb.url, &["import", "units", &path("units_bad.csv")], "");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("units_bad.csv"), "{err}");
    assert!(
        err.contains("line 3: floor_number \"deux\" is not a whole number"),
        "{err}"
    );
    assert!(err.contains("line 5: is_occupied \"maybe\""), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");

    let out = run_cli(&tdb.url, &["import", "units", &path("units.csv")], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("units: 4 created, 0 updated, 0 unchanged"));
    let out = run_cli(&tdb.url, &["import", "units", &path("units.csv")], "");
    assert!(stdout(&out).contains("units: 0 created, 0 updated, 4 unchanged"));

    let out = run_cli(&tdb.url, &["import", "residents", "/nonexistent.csv"], "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("/nonexistent.csv"),
        "{}",
        stderr(&out)
    );

    let db = tdb.connect().await;
    assert_eq!(count(&db, "units").await, 4);
    db.close().await;
}

async fn user_add_reads_the_password_from_stdin_and_disable_revokes(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let import = run_cli(
        &tdb.url,
        &[
            "import",
            "buildings",
            &fixture("buildings.csv").display().to_string(),
        ],
        "",
    );
    assert!(import.status.success(), "{}", stderr(&import));
    let add = |email: &'static str, password: &'static str| {
        run_cli(
            &tdb.url,
            &[
                "user",
                "add",
                "--building",
                "1",
                "--name",
                "Amélie Poirier",
                "--email",
                email,
                "--role",
                "manager",
            ],
            password,
        )
    };

    let short = add("amelie@example.ca", "short\n");
    assert!(!short.status.success());
    assert!(
        stderr(&short).contains("at least 8 characters"),
        "{}",
        stderr(&short)
    );

    let out = add(" Amelie@Example.CA ", "correct horse battery\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("amelie@example.ca"),
        "{}",
        stdout(&out)
    );

    let dup = add("AMELIE@example.ca", "another password\n");
    assert!(!dup.status.success());
    assert!(stderr(&dup).contains("already exists"), "{}", stderr(&dup));

    let nowhere = run_cli(
        &tdb.url,
        &[
            "user",
            "add",
            "--building",
            "99",
            "--name",
            "X",
            "--email",
            "x@example.ca",
            "--role",
            "admin",
        ],
        "long enough password\n",
    );
    assert!(!nowhere.status.success());
    assert!(
        stderr(&nowhere).contains("no building"),
        "{}",
        stderr(&nowhere)
    );

    let bad_role = run_cli(
        &tdb.url,
        &[
            "user",
            "add",
            "--building",
            "1",
            "--name",
            "X",
            "--email",
            "y@example.ca",
            "--role",
            "janitor",
        ],
        "long enough password\n",
    );
    assert!(!bad_role.status.success());

    let db = tdb.connect().await;
    let server = TestServer::start(db.clone(), relaxed_config()).await;
    let session = server
        .login_ok("amelie@example.ca", "correct horse battery")
        .await;
    assert_eq!(session.staff.name, "Amélie Poirier");
    assert_eq!(session.building.name, "Résidences du Vieux-Port");

    let out = run_cli(&tdb.url, &["user", "disable", "AMELIE@example.ca"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 session(s) revoked"),
        "{}",
        stdout(&out)
    );
    let res = server.get("/v1/auth/me", Some(&session.token)).await;
    assert_eq!(res.status(), 401);
    let res = server
        .login("amelie@example.ca", "correct horse battery")
        .await;
    assert_eq!(api_error(res).await.code, ErrorCode::AccountDisabled);

    let missing = run_cli(&tdb.url, &["user", "disable", "ghost@example.ca"], "");
    assert!(!missing.status.success());
    server.stop().await;
}

/// `serve --demo --listen 127.0.0.1:0` prints the real port, and the demo accounts work.
async fn serve_demo_prints_its_port_and_accounts(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk-server"))
        .args([
            "--database",
            &tdb.url,
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let base = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .expect("read stdout");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.to_owned();
        }
        printed.push(line);
    };
    let printed = printed.join("\n");
    assert!(
        printed.contains("concierge@lofts-des-arts.demo"),
        "{printed}"
    );
    assert!(printed.contains("concierge-demo"), "{printed}");
    assert!(!base.ends_with(":0"), "{base}");

    let http = reqwest::Client::new();
    let res = http
        .post(format!("{base}/v1/auth/login"))
        .json(&serde_json::json!({"email": "concierge@lofts-des-arts.demo", "password": "concierge-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let session: frontdesk_protocol::Session = res.json().await.unwrap();
    assert_eq!(session.building.name, "Lofts des Arts");
    assert_eq!(session.staff.role, frontdesk_protocol::StaffRole::Doorman);

    // SIGTERM: a graceful stop, exit status 0.
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

on_both_databases!(
    import_reports_bad_lines_and_exits_non_zero,
    user_add_reads_the_password_from_stdin_and_disable_revokes,
    serve_demo_prints_its_port_and_accounts,
);
