//! Test harness: a real database per test (a temp SQLite file, or a fresh PostgreSQL
//! database), the real server in-process on a loopback socket, and the real binary.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use frontdesk_protocol::{ApiError, Mutation, MutationOutcome, PushResponse, Session, StaffRole};
use frontdesk_server::auth::accounts::{self, NewStaff};
use frontdesk_server::directory::import::{self, ImportKind, ImportSummary};
use frontdesk_server::{AppState, Db, RateLimit, ServerConfig, build_app, serve};
use sqlx::Row;
use tokio::sync::oneshot;

mod pg;
pub use pg::{PgTestDb, pg_admin_url};

/// Runs an async test body once per database backend, as two `#[tokio::test]`s.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            }
        )*
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgTestDb>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("server.db").display());
                Self {
                    url,
                    backend,
                    _dir: Some(dir),
                    _pg: None,
                }
            }
            Backend::Postgres => {
                let pg = PgTestDb::create().await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is required for this test and is unreachable at {} \
                         (set FRONTDESK_TEST_POSTGRES_URL): {e}",
                        pg_admin_url()
                    )
                });
                Self {
                    url: pg.url.clone(),
                    backend,
                    _dir: None,
                    _pg: Some(pg),
                }
            }
        }
    }

    pub async fn connect(&self) -> Db {
        Db::connect(&self.url).await.expect("connect and migrate")
    }
}

/// Limits loose enough that ordinary tests never hit them.
pub fn relaxed_config() -> ServerConfig {
    ServerConfig {
        login_per_account: RateLimit::per_minute(1000, 1000),
        login_per_address: RateLimit::per_minute(1000, 1000),
        ..ServerConfig::default()
    }
}

pub struct TestServer {
    pub base: String,
    pub db: Db,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start(db: Db, config: ServerConfig) -> Self {
        let app = build_app(AppState::new(db.clone(), config)).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(listener, app, async {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
        Self {
            base: format!("http://{addr}"),
            db,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Pushes `mutations` and returns their sequence numbers; each must be applied.
    pub async fn push_applied(&self, token: &str, mutations: &[Mutation]) -> Vec<i64> {
        let res = self
            .http
            .post(self.url("/v1/sync/push"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "mutations": mutations }))
            .send()
            .await
            .expect("push request");
        assert_eq!(res.status(), 200, "push");
        let answer: PushResponse = res.json().await.expect("PushResponse");
        answer
            .results
            .iter()
            .map(|r| match r.outcome {
                MutationOutcome::Applied { seq } => seq,
                ref other => panic!("expected applied, got {other:?}"),
            })
            .collect()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/v1/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("login request")
    }

    pub async fn login_ok(&self, email: &str, password: &str) -> Session {
        let res = self.login(email, password).await;
        assert_eq!(res.status(), 200, "login of {email} failed");
        res.json().await.expect("session json")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("GET")
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
    }
}

pub async fn api_error(res: reqwest::Response) -> ApiError {
    res.json().await.expect("ApiError body")
}

pub async fn add_staff(
    db: &Db,
    building: &str,
    email: &str,
    password: &str,
    role: StaffRole,
) -> frontdesk_protocol::StaffMember {
    accounts::add_staff(
        db,
        NewStaff {
            id: None,
            building_id: building.to_owned(),
            name: format!("Staff {email}"),
            email: email.to_owned(),
            role,
            password: password.to_owned(),
        },
    )
    .await
    .expect("add staff")
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub async fn import_fixture(db: &Db, kind: ImportKind, name: &str) -> ImportSummary {
    import::import_file(db, kind, &fixture(name))
        .await
        .unwrap_or_else(|e| panic!("import {name}: {e}"))
}

/// Buildings "A" and "B" with one unit each, and a doorman in each.
pub async fn two_buildings(db: &Db) {
    import::import_bytes(
        db,
        ImportKind::Buildings,
        "inline",
        "id,name\nA,Alpha Tower\nB,Bravo Court\n".as_bytes(),
    )
    .await
    .expect("buildings");
    import::import_bytes(
        db,
        ImportKind::Units,
        "inline",
        "id,unit_number,building_id\na-1,101,A\nb-1,201,B\nb-2,202,B\n".as_bytes(),
    )
    .await
    .expect("units");
    add_staff(db, "A", "desk@a.test", "password-a", StaffRole::Doorman).await;
    add_staff(db, "B", "desk@b.test", "password-b", StaffRole::Doorman).await;
}

pub async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM {table}"
    )))
    .fetch_one(&db.pool)
    .await
    .expect("count")
    .try_get::<i64, _>("n")
    .expect("n")
}

pub async fn head_seq(db: &Db, building: &str) -> i64 {
    sqlx::query("SELECT head_seq FROM buildings WHERE id = $1")
        .bind(building)
        .fetch_one(&db.pool)
        .await
        .expect("building")
        .try_get::<i64, _>("head_seq")
        .expect("head_seq")
}

/// Runs the real `frontdesk-server` binary against `db_url`, feeding `stdin`.
pub fn run_cli(db_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk-server"))
        .arg("--database")
        .arg(db_url)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn frontdesk-server");
    let written = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    let output = child.wait_with_output().expect("wait frontdesk-server");
    // A command that fails before reading its input closes it first: its own error
    // (in the output) says why, where "broken pipe" would not.
    if let Err(e) = written {
        panic!(
            "frontdesk-server {args:?} did not read its input ({e}); it exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}
