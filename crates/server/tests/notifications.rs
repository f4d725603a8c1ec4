//! Resident notifications through a real SMTP server (Python's aiosmtpd, on
//! loopback, saving what it receives), on SQLite and PostgreSQL: the email each
//! resident gets, grouping, the move to `notified` in the change log, retries while
//! the mail server is down, skipped notices, header injection, building scoping, and
//! reminders outside quiet hours.
//!
//! Needs `python3` with `aiosmtpd` (`scripts/setup.sh --for-tests` installs it).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, TestDb, TestServer, relaxed_config};
use frontdesk_protocol::{
    ChangeBody, Mutation, MutationBody, MutationOutcome, MutationResult, NOTIFIER_ACTOR,
    NoticeKind, NoticeState, Package, PackageEvent, PackageFlags, PackageIntake, PackageNotice,
    PackageStatus, PackageTransition, PullResponse, PushResponse, Session, package_code_from_bits,
};
use frontdesk_server::Db;
use frontdesk_server::directory::import::{self, ImportKind};
use frontdesk_server::fanout::Hub;
use frontdesk_server::notifications::{Notifier, NotifierConfig, QuietHours, reminders};
use uuid::Uuid;

/// Longest any wait for a condition lasts before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------- the SMTP server

/// A message as the SMTP server received it (see support/smtp_sink.py).
#[derive(Debug, serde::Deserialize)]
struct Received {
    mail_from: String,
    rcpt_tos: Vec<String>,
    headers: Vec<Header>,
    subject: String,
    text: Option<String>,
    html: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct Header {
    name: String,
    decoded: String,
}

impl Received {
    fn header(&self, name: &str) -> Vec<&Header> {
        self.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .collect()
    }

    fn text(&self) -> &str {
        self.text.as_deref().unwrap_or_default()
    }
}

struct SmtpServer {
    child: Child,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    fn start(port: u16) -> Self {
        let dir = tempfile::tempdir().expect("mail dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(port.to_string())
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 (with aiosmtpd: scripts/setup.sh --for-tests installs it)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("read the SMTP server's first line");
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP server did not start (is aiosmtpd installed? scripts/setup.sh --for-tests)"
        );
        Self { child, dir }
    }

    fn messages(&self) -> Vec<Received> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("mail dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json"))
            .collect()
    }

    /// Waits until at least `n` messages arrived, and returns them all.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "expected {n} message(s), got {}: {messages:?}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

// ---------------------------------------------------------------- the building

const RESIDENTS: &str = "id,building_id,unit_id,first_name,last_name,email,preferred_language,preferred_notification_method\n\
    fr-1,A,a-1,Hélène,Côté,helene@lofts.test,fr,email\n\
    en-1,A,a-1,Ada,Lovelace,ada@lofts.test,en,\n\
    none-1,A,a-1,Nadia,Silence,nadia@lofts.test,fr,none\n\
    sms-1,A,a-1,Sam,Texto,sam@lofts.test,en,sms\n\
    bad-1,A,a-1,Rémi,Refus,reject-remi@lofts.test,fr,email\n\
    rb-1,B,b-1,Bruno,Bravo,bruno@bravo.test,fr,email\n";

fn notifier_config(smtp_port: u16) -> NotifierConfig {
    let mut config = NotifierConfig::new(
        &format!("smtp://127.0.0.1:{smtp_port}"),
        "Lofts des Arts <reception@lofts.test>",
    )
    .expect("notifier config");
    config.group_window = Duration::from_millis(200);
    config.poll_every = Duration::from_millis(50);
    config.retry_base = Duration::from_millis(100);
    config.retry_cap = Duration::from_millis(400);
    config.max_attempts = 1_000;
    config.max_permanent_attempts = 2;
    config.smtp_timeout = Duration::from_secs(10);
    // The tests run the reminder pass themselves, at chosen times.
    config.reminder_every = None;
    config.quiet_hours = None;
    config
}

struct Building {
    _tdb: TestDb,
    server: TestServer,
    a: Session,
    b: Session,
    smtp_port: u16,
}

async fn setup(backend: Backend) -> Building {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    import::import_bytes(&db, ImportKind::Residents, "inline", RESIDENTS.as_bytes())
        .await
        .expect("residents");
    let smtp_port = free_port();
    let server = TestServer::start(
        db,
        frontdesk_server::ServerConfig {
            notifier: Some(notifier_config(smtp_port)),
            ..relaxed_config()
        },
    )
    .await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let b = server.login_ok("desk@b.test", "password-b").await;
    Building {
        _tdb: tdb,
        server,
        a,
        b,
        smtp_port,
    }
}

fn intake(resident: &str, code_bits: u64, at_ms: i64) -> (Mutation, String, String) {
    let id = Uuid::now_v7().to_string();
    let code = package_code_from_bits(code_bits);
    let m = Mutation {
        id: Uuid::now_v7(),
        client_time_ms: at_ms,
        body: MutationBody::PackageIntake(PackageIntake {
            id: id.clone(),
            code: code.clone(),
            tracking_number: None,
            carrier: Some("purolator".into()),
            resident_id: Some(resident.into()),
            unit_id: None,
            shelf: Some("B-2".into()),
            size: None,
            flags: PackageFlags::default(),
            note: None,
        }),
    };
    (m, id, code)
}

fn now_ms() -> i64 {
    frontdesk_server::db::now_ms()
}

async fn push(server: &TestServer, token: &str, mutations: &[Mutation]) -> Vec<MutationResult> {
    let res = server
        .http
        .post(server.url("/v1/sync/push"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "mutations": mutations }))
        .send()
        .await
        .expect("push");
    assert_eq!(res.status(), 200);
    res.json::<PushResponse>()
        .await
        .expect("PushResponse")
        .results
}

async fn pull_all(server: &TestServer, token: &str) -> PullResponse {
    let res = server
        .get("/v1/sync/pull?after=0&limit=5000", Some(token))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("PullResponse")
}

/// What the building's log says now, latest state of each record.
struct Seen {
    packages: Vec<Package>,
    events: Vec<PackageEvent>,
    notices: Vec<PackageNotice>,
}

impl Seen {
    fn package(&self, id: &str) -> &Package {
        self.packages
            .iter()
            .rev()
            .find(|p| p.id == id)
            .expect("package in the log")
    }

    fn notices_of(&self, package_id: &str) -> Vec<&PackageNotice> {
        let mut latest: Vec<&PackageNotice> = Vec::new();
        for n in self.notices.iter().filter(|n| n.package_id == package_id) {
            latest.retain(|l| l.id != n.id);
            latest.push(n);
        }
        latest
    }
}

async fn log_view(server: &TestServer, token: &str) -> Seen {
    let page = pull_all(server, token).await;
    let mut seen = Seen {
        packages: Vec::new(),
        events: Vec::new(),
        notices: Vec::new(),
    };
    for change in page.changes {
        match change.body {
            ChangeBody::PackageUpserted(p) => seen.packages.push(p),
            ChangeBody::PackageEventAdded(e) => seen.events.push(e),
            ChangeBody::PackageNoticeUpserted(n) => seen.notices.push(n),
            _ => {}
        }
    }
    seen
}

/// Waits until the building's log satisfies `done`.
async fn wait_for_log(
    server: &TestServer,
    token: &str,
    what: &str,
    done: impl Fn(&Seen) -> bool,
) -> Seen {
    let start = Instant::now();
    loop {
        let seen = log_view(server, token).await;
        if done(&seen) {
            return seen;
        }
        assert!(start.elapsed() < PATIENCE, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn applied(results: &[MutationResult]) {
    for r in results {
        assert!(
            matches!(r.outcome, MutationOutcome::Applied { .. }),
            "{r:?}"
        );
    }
}

// ---------------------------------------------------------------- the tests

async fn each_resident_is_mailed_in_their_language_and_the_package_becomes_notified(
    backend: Backend,
) {
    let Building {
        _tdb,
        server,
        a,
        b,
        smtp_port,
    } = setup(backend).await;
    let smtp = SmtpServer::start(smtp_port);
    let (fr, fr_id, fr_code) = intake("fr-1", 0x11_1111_1111, now_ms());
    let (en, en_id, en_code) = intake("en-1", 0x22_2222_2222, now_ms());
    applied(&push(&server, &a.token, &[fr, en]).await);
    // Another building's resident: the desk cannot address them, nor is anyone told.
    let (foreign, _, _) = intake("rb-1", 0x33_3333_3333, now_ms());
    let refused = push(&server, &a.token, &[foreign]).await;
    assert!(matches!(
        refused[0].outcome,
        MutationOutcome::Rejected { .. }
    ));

    let messages = smtp.wait_for(2).await;
    assert_eq!(messages.len(), 2, "one email per resident");
    let to = |addr: &str| {
        messages
            .iter()
            .find(|m| m.rcpt_tos == [addr.to_owned()])
            .unwrap_or_else(|| panic!("no email to {addr}: {messages:?}"))
    };
    let french = to("helene@lofts.test");
    assert_eq!(french.subject, "Un colis vous attend à la réception");
    assert!(
        french.text().starts_with("Bonjour Hélène Côté,"),
        "{}",
        french.text()
    );
    assert!(french.text().contains(&fr_code), "{}", french.text());
    assert!(
        french
            .text()
            .contains("transporteur Purolator · tablette B-2 · reçu le")
    );
    assert!(!french.text().contains(&en_code));
    assert!(
        french
            .html
            .as_deref()
            .unwrap_or_default()
            .contains(&fr_code)
    );
    assert_eq!(french.mail_from, "reception@lofts.test");
    assert!(french.header("From")[0].decoded.contains("Lofts des Arts"));
    let english = to("ada@lofts.test");
    assert_eq!(
        english.subject,
        "A package is waiting for you at the front desk"
    );
    assert!(english.text().starts_with("Hello Ada Lovelace,"));
    assert!(english.text().contains(&en_code));
    assert!(
        english
            .text()
            .contains("carrier Purolator · shelf B-2 · received")
    );
    assert!(
        messages
            .iter()
            .all(|m| !m.rcpt_tos.iter().any(|r| r.contains("bravo")))
    );

    // The change log says so, as a desk pulling sees it.
    let seen = wait_for_log(&server, &a.token, "both packages notified", |s| {
        s.package(&fr_id).status == PackageStatus::Notified
            && s.package(&en_id).status == PackageStatus::Notified
    })
    .await;
    for id in [&fr_id, &en_id] {
        let event = seen
            .events
            .iter()
            .find(|e| &e.package_id == id && e.to == PackageStatus::Notified)
            .expect("the notified event");
        assert_eq!(event.by, NOTIFIER_ACTOR);
        assert_eq!(event.from, Some(PackageStatus::Waiting));
        let notices = seen.notices_of(id);
        assert_eq!(notices.len(), 1, "{notices:?}");
        let n = notices[0];
        assert_eq!(
            (n.kind, n.state, n.attempts),
            (NoticeKind::Intake, NoticeState::Sent, 1)
        );
        assert!(n.sent_at_ms.is_some() && n.last_error.is_none());
    }
    // Building B's desk sees none of it.
    let other = seen_of_b(&server, &b).await;
    assert!(other.packages.is_empty() && other.notices.is_empty());

    // A real desk store, fed by the pull, shows the notice and the status.
    let dir = tempfile::tempdir().expect("desk dir");
    let store = frontdesk_desk_core::store::Store::open(&dir.path().join("desk.db"))
        .await
        .expect("desk store");
    store
        .apply_page(&pull_all(&server, &a.token).await, now_ms())
        .await
        .expect("apply");
    let notices = store.package_notices(&fr_id).await.expect("notices");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].state, NoticeState::Sent);

    // Compaction keeps each notice's latest state.
    let db: &Db = &server.db;
    frontdesk_server::compaction::compact(db, Some("A"), 0)
        .await
        .expect("compact");
    let compacted = log_view(&server, &a.token).await;
    let n = compacted.notices_of(&fr_id);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].state, NoticeState::Sent);
    assert_eq!(
        compacted
            .notices
            .iter()
            .filter(|x| x.package_id == fr_id)
            .count(),
        1,
        "superseded notice states are compacted away"
    );
    server.stop().await;
}

async fn seen_of_b(server: &TestServer, b: &Session) -> Seen {
    log_view(server, &b.token).await
}

async fn three_parcels_in_the_window_make_one_email(backend: Backend) {
    let Building {
        _tdb,
        server,
        a,
        smtp_port,
        ..
    } = setup(backend).await;
    let smtp = SmtpServer::start(smtp_port);
    let parcels: Vec<_> = (1..=3u64)
        .map(|i| intake("fr-1", 0x40_0000_0000 + i, now_ms()))
        .collect();
    let mutations: Vec<Mutation> = parcels.iter().map(|(m, _, _)| m.clone()).collect();
    applied(&push(&server, &a.token, &mutations).await);
    wait_for_log(&server, &a.token, "three notices sent", |s| {
        parcels.iter().all(|(_, id, _)| {
            s.notices_of(id)
                .first()
                .is_some_and(|n| n.state == NoticeState::Sent)
        })
    })
    .await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "one email for the three: {messages:?}");
    let mail = &messages[0];
    assert_eq!(mail.subject, "3 colis vous attendent à la réception");
    for (_, _, code) in &parcels {
        assert!(mail.text().contains(code), "{code} in {}", mail.text());
    }
    server.stop().await;
}

async fn while_the_mail_server_is_down_attempts_are_recorded_then_the_mail_goes(backend: Backend) {
    let Building {
        _tdb,
        server,
        a,
        smtp_port,
        ..
    } = setup(backend).await;
    let (m, id, code) = intake("en-1", 0x55_5555_5555, now_ms());
    applied(&push(&server, &a.token, &[m]).await);
    let seen = wait_for_log(&server, &a.token, "two failed attempts", |s| {
        s.notices_of(&id).first().is_some_and(|n| n.attempts >= 2)
    })
    .await;
    let notice = seen.notices_of(&id)[0].clone();
    assert_eq!(notice.state, NoticeState::Queued, "still to be retried");
    let error = notice.last_error.clone().unwrap_or_default();
    assert!(!error.is_empty(), "the error is recorded");
    assert!(notice.last_attempt_at_ms.is_some());
    assert_eq!(seen.package(&id).status, PackageStatus::Waiting);

    let smtp = SmtpServer::start(smtp_port);
    let messages = smtp.wait_for(1).await;
    assert!(messages[0].text().contains(&code));
    let seen = wait_for_log(&server, &a.token, "notified after the retry", |s| {
        s.package(&id).status == PackageStatus::Notified
    })
    .await;
    let notice = seen.notices_of(&id)[0];
    assert_eq!(notice.state, NoticeState::Sent);
    assert!(notice.attempts >= 3, "{notice:?}");
    server.stop().await;
}

async fn residents_who_want_no_email_are_skipped_with_the_reason(backend: Backend) {
    let Building {
        _tdb,
        server,
        a,
        smtp_port,
        ..
    } = setup(backend).await;
    let smtp = SmtpServer::start(smtp_port);
    let (none, none_id, _) = intake("none-1", 0x66_6666_6661, now_ms());
    let (sms, sms_id, _) = intake("sms-1", 0x66_6666_6662, now_ms());
    applied(&push(&server, &a.token, &[none, sms]).await);
    // The decision is in the intake's own changes, at once.
    let seen_now = log_view(&server, &a.token).await;
    let n = seen_now.notices_of(&none_id);
    assert_eq!(n[0].state, NoticeState::Skipped);
    assert_eq!(
        n[0].last_error.as_deref(),
        Some("the resident asked not to be notified")
    );
    let s = seen_now.notices_of(&sms_id);
    assert_eq!(s[0].state, NoticeState::Skipped);
    assert!(
        s[0].last_error
            .as_deref()
            .unwrap_or_default()
            .contains("sms")
    );

    // A resident with email taken in afterwards is mailed; the others never are.
    let (fr, fr_id, _) = intake("fr-1", 0x66_6666_6663, now_ms());
    applied(&push(&server, &a.token, &[fr]).await);
    let seen = wait_for_log(&server, &a.token, "the emailed one notified", |s| {
        s.package(&fr_id).status == PackageStatus::Notified
    })
    .await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].rcpt_tos, ["helene@lofts.test"]);
    assert_eq!(seen.package(&none_id).status, PackageStatus::Waiting);
    assert_eq!(seen.package(&sms_id).status, PackageStatus::Waiting);
    server.stop().await;
}

async fn a_name_with_line_breaks_adds_no_header(backend: Backend) {
    let Building {
        _tdb,
        server,
        a,
        smtp_port,
        ..
    } = setup(backend).await;
    sqlx::query("UPDATE residents SET first_name = $1, last_name = $2 WHERE id = 'en-1'")
        .bind("Eve\r\nBcc: spy@evil.test\r\nX-Injected: yes")
        .bind("Smith\nSubject: free money")
        .execute(&server.db.pool)
        .await
        .expect("hostile name");
    let smtp = SmtpServer::start(smtp_port);
    let (m, _, code) = intake("en-1", 0x77_7777_7777, now_ms());
    applied(&push(&server, &a.token, &[m]).await);
    let messages = smtp.wait_for(1).await;
    let mail = &messages[0];
    assert_eq!(
        mail.rcpt_tos,
        ["ada@lofts.test"],
        "nobody else is a recipient"
    );
    assert!(mail.header("Bcc").is_empty(), "{:?}", mail.headers);
    assert!(mail.header("X-Injected").is_empty(), "{:?}", mail.headers);
    assert_eq!(mail.header("Subject").len(), 1);
    assert_eq!(
        mail.subject,
        "A package is waiting for you at the front desk"
    );
    let to = mail.header("To");
    assert_eq!(to.len(), 1);
    assert!(to[0].decoded.contains("ada@lofts.test"));
    let names: Vec<&str> = mail.headers.iter().map(|h| h.name.as_str()).collect();
    for name in &names {
        assert!(
            [
                "From",
                "To",
                "Subject",
                "Date",
                "MIME-Version",
                "Content-Type",
                "Message-ID",
                "Content-Transfer-Encoding"
            ]
            .iter()
            .any(|known| known.eq_ignore_ascii_case(name)),
            "unexpected header {name}: {names:?}"
        );
    }
    assert!(mail.text().contains(&code));
    assert!(
        mail.text()
            .starts_with("Hello Eve Bcc: spy@evil.test X-Injected: yes Smith Subject: free money,"),
        "{}",
        mail.text()
    );
    server.stop().await;
}

async fn a_refused_recipient_fails_for_good_after_the_bound(backend: Backend) {
    let Building {
        _tdb,
        server,
        a,
        smtp_port,
        ..
    } = setup(backend).await;
    let _smtp = SmtpServer::start(smtp_port);
    let (m, id, _) = intake("bad-1", 0x78_7878_7878, now_ms());
    applied(&push(&server, &a.token, &[m]).await);
    let seen = wait_for_log(&server, &a.token, "the notice failed", |s| {
        s.notices_of(&id)
            .first()
            .is_some_and(|n| n.state == NoticeState::Failed)
    })
    .await;
    let notice = seen.notices_of(&id)[0];
    assert_eq!(notice.attempts, 2, "max_permanent_attempts");
    assert!(
        notice
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("550"),
        "{notice:?}"
    );
    assert_eq!(seen.package(&id).status, PackageStatus::Waiting);
    server.stop().await;
}

async fn a_parcel_picked_up_before_the_mail_is_not_mailed_nor_moved_back(backend: Backend) {
    let Building {
        _tdb,
        server,
        a,
        smtp_port,
        ..
    } = setup(backend).await;
    // No mail server yet: the notice waits, and the parcel is collected meanwhile.
    let (m, id, _) = intake("fr-1", 0x79_7979_7979, now_ms());
    applied(&push(&server, &a.token, &[m]).await);
    let pickup = Mutation {
        id: Uuid::now_v7(),
        client_time_ms: now_ms(),
        body: MutationBody::PackageTransition(PackageTransition {
            id: id.clone(),
            event_id: Uuid::now_v7().to_string(),
            to: PackageStatus::PickedUp,
            note: None,
            collected_by: Some("Hélène Côté".into()),
            override_reason: None,
            signature: None,
        }),
    };
    applied(&push(&server, &a.token, &[pickup]).await);
    let smtp = SmtpServer::start(smtp_port);
    // A later parcel's email proves the notifier ran past the first one.
    let (later, later_id, _) = intake("en-1", 0x7A_7A7A_7A7A, now_ms());
    applied(&push(&server, &a.token, &[later]).await);
    let seen = wait_for_log(&server, &a.token, "the first notice settled", |s| {
        s.notices_of(&id)
            .first()
            .is_some_and(|n| n.state != NoticeState::Queued)
            && s.package(&later_id).status == PackageStatus::Notified
    })
    .await;
    let notice = seen.notices_of(&id)[0];
    assert_eq!(notice.state, NoticeState::Skipped);
    assert!(
        notice
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("picked_up"),
        "{notice:?}"
    );
    assert_eq!(seen.package(&id).status, PackageStatus::PickedUp);
    let messages = smtp.wait_for(1).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].rcpt_tos, ["ada@lofts.test"]);
    server.stop().await;
}

async fn reminders_go_once_a_day_and_never_in_quiet_hours(backend: Backend) {
    let Building {
        _tdb,
        server,
        a,
        smtp_port,
        ..
    } = setup(backend).await;
    let smtp = SmtpServer::start(smtp_port);
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let (old, old_id, old_code) = intake("fr-1", 0x7B_7B7B_7B7B, now_ms() - 4 * DAY);
    let (fresh, fresh_id, _) = intake("fr-1", 0x7C_7C7C_7C7C, now_ms() - DAY);
    applied(&push(&server, &a.token, &[old, fresh]).await);
    smtp.wait_for(1).await;
    wait_for_log(&server, &a.token, "intake notices sent", |s| {
        [&old_id, &fresh_id].iter().all(|id| {
            s.notices_of(id)
                .first()
                .is_some_and(|n| n.state == NoticeState::Sent)
        })
    })
    .await;

    // The reminder pass, run here at chosen moments (the server's own pass is off).
    // In UTC, quiet hours around now: nothing is queued.
    let now = now_ms();
    let hour = (now / 3_600_000 % 24) as i8;
    let around_now: QuietHours = format!("{:02}:00-{:02}:00", (hour + 23) % 24, (hour + 1) % 24)
        .parse()
        .expect("quiet hours");
    let reminder_pass = |quiet: Option<QuietHours>| {
        let mut config = notifier_config(smtp_port);
        config.quiet_hours = quiet;
        config.time_zone = jiff::tz::TimeZone::UTC;
        Notifier::new(server.db.clone(), Hub::new(server.db.clone(), 16), config).expect("notifier")
    };
    let quiet = reminder_pass(Some(around_now));
    assert_eq!(reminders::enqueue_due(&quiet, now).await.expect("pass"), 0);

    let awake = reminder_pass(None);
    assert_eq!(
        reminders::enqueue_due(&awake, now).await.expect("pass"),
        1,
        "only the parcel older than 3 days"
    );
    let messages = smtp.wait_for(2).await;
    let reminder = &messages[1];
    assert_eq!(
        reminder.subject,
        "Rappel : un colis vous attend toujours à la réception"
    );
    assert!(reminder.text().contains(&old_code));
    assert_eq!(reminder.rcpt_tos, ["helene@lofts.test"]);
    let seen = wait_for_log(&server, &a.token, "the reminder sent", |s| {
        s.notices_of(&old_id)
            .iter()
            .any(|n| n.kind == NoticeKind::Reminder && n.state == NoticeState::Sent)
    })
    .await;
    assert!(
        seen.notices_of(&fresh_id)
            .iter()
            .all(|n| n.kind == NoticeKind::Intake)
    );
    // At most one a day: later the same day, nothing more.
    assert_eq!(
        reminders::enqueue_due(&awake, now + 60_000)
            .await
            .expect("pass"),
        0
    );
    // The next day it is due again (and still only for the old parcel).
    assert_eq!(
        reminders::enqueue_due(&awake, now + DAY + 60_000)
            .await
            .expect("pass"),
        1
    );
    server.stop().await;
}

on_both_databases!(
    each_resident_is_mailed_in_their_language_and_the_package_becomes_notified,
    three_parcels_in_the_window_make_one_email,
    while_the_mail_server_is_down_attempts_are_recorded_then_the_mail_goes,
    residents_who_want_no_email_are_skipped_with_the_reason,
    a_name_with_line_breaks_adds_no_header,
    a_refused_recipient_fails_for_good_after_the_bound,
    a_parcel_picked_up_before_the_mail_is_not_mailed_nor_moved_back,
    reminders_go_once_a_day_and_never_in_quiet_hours,
);
