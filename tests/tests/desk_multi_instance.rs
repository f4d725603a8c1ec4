//! Two instances of the building server on one PostgreSQL database, a desk signed in on
//! each. A write at either desk reaches the other: pushed to its instance and
//! committed, the commit's NOTIFY pokes the other instance's fan-out, which reads the
//! change log and sends it over the other desk's WebSocket. Then instance 2 is killed
//! (SIGKILL) while both desks keep writing, and restarted on the same port: the desk
//! on instance 2 catches up with everything committed meanwhile (its hello says how far
//! behind it is, and it pulls), once and in order, and the writes it queued reach the
//! other desk.
//!
//! Both desks poll once an hour, so whatever reaches them came over the live connection
//! or by the pull a hello asked for. Skipped, with the reason printed, when PostgreSQL
//! is not reachable (`scripts/setup.sh` provides one).

use std::time::Duration;

use frontdesk_desk_core::Desk;
use frontdesk_desk_core::sync::ConnectionState;
use frontdesk_e2e::eventually;
use frontdesk_e2e::headless::{Ask, desk_options, settled_texts, signed_in};
use frontdesk_e2e::pg::{PgTestDb, pg_admin_url};
use frontdesk_e2e::server::ServerProcess;
use frontdesk_e2e::server_http::demo_change_log;
use frontdesk_protocol::InstructionTarget;

const WAIT: Duration = Duration::from_secs(60);
const WRITES: usize = 20;

async fn open_desk(
    dir: &std::path::Path,
    server: &str,
    account: (&str, &str),
) -> anyhow::Result<Desk> {
    signed_in(
        desk_options(dir, Duration::from_secs(3600)),
        server,
        account,
    )
    .await
}

async fn wait_until_shown(
    desk: &Desk,
    who: &str,
    target: &InstructionTarget,
    text: &str,
) -> anyhow::Result<()> {
    eventually(&format!("{text:?} at {who}"), WAIT, || async {
        let views = desk.instructions(target).await?;
        Ok(views
            .iter()
            .any(|v| v.instruction.text == text && !v.pending)
            .then_some(()))
    })
    .await
}

/// The texts starting with `prefix` of the instruction changes in the server's log, in
/// log order, and how many distinct mutations made them.
fn logged(log: &[serde_json::Value], prefix: &str) -> (Vec<String>, usize) {
    let mine: Vec<&serde_json::Value> = log
        .iter()
        .filter(|c| c["body"]["kind"] == "instruction_upserted")
        .filter(|c| {
            c["body"]["data"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with(prefix))
        })
        .collect();
    let texts = mine
        .iter()
        .filter_map(|c| c["body"]["data"]["text"].as_str().map(str::to_owned))
        .collect();
    let mut ids: Vec<&str> = mine
        .iter()
        .filter_map(|c| c["mutation_id"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    (texts, ids.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_on_one_postgres_keep_their_desks_in_step() -> anyhow::Result<()> {
    let started = tokio::time::Instant::now();
    let db = match PgTestDb::create().await {
        Ok(db) => db,
        Err(e) => {
            eprintln!(
                "skipped: PostgreSQL is not reachable at {} (set FRONTDESK_TEST_POSTGRES_URL, \
                 or run scripts/setup.sh --for-tests): {e}",
                pg_admin_url()
            );
            return Ok(());
        }
    };
    let tmp = tempfile::tempdir()?;
    // The demo is seeded once, by the first instance; the second serves what is there.
    let one = ServerProcess::start_demo(&db.url).await?;
    let mut two = ServerProcess::start(&db.url).await?;
    let log = demo_change_log(&one.url).await?;
    let head = log.last().and_then(|c| c["seq"].as_i64()).unwrap_or(0);
    let target = log
        .iter()
        .find(|c| c["body"]["kind"] == "unit_upserted")
        .and_then(|c| c["body"]["data"]["id"].as_str())
        .map(|id| InstructionTarget::Unit(id.to_owned()))
        .ok_or_else(|| anyhow::anyhow!("no unit in the demo"))?;

    let a = open_desk(
        &tmp.path().join("a"),
        &one.url,
        ("concierge@lofts-des-arts.demo", "concierge-demo"),
    )
    .await?;
    let b = open_desk(
        &tmp.path().join("b"),
        &two.url,
        ("security@lofts-des-arts.demo", "security-demo"),
    )
    .await?;
    for (who, desk) in [("desk a", &a), ("desk b", &b)] {
        eventually(&format!("{who}'s first pull"), WAIT, || async {
            let s = desk.status();
            Ok((s.cursor >= head && s.connection == ConnectionState::Online).then_some(()))
        })
        .await?;
    }

    // Live, both ways, across instances.
    a.save_instruction(None, target.clone(), "from instance one")
        .await?;
    wait_until_shown(&b, "desk b (instance 2)", &target, "from instance one").await?;
    b.save_instruction(None, target.clone(), "from instance two")
        .await?;
    wait_until_shown(&a, "desk a (instance 1)", &target, "from instance two").await?;
    eprintln!("live both ways after {:?}", started.elapsed());

    // Instance 2 dies. Desk a writes new instructions and edits one over and over (its
    // last version shows whether desk b applied the edits in order); desk b queues.
    two.kill().await?;
    let running = "running-note".to_owned();
    for n in 0..WRITES {
        a.save_instruction(None, target.clone(), &format!("one-{n:02}"))
            .await?;
        a.save_instruction(
            Some(running.clone()),
            target.clone(),
            &format!("running v{n:02}"),
        )
        .await?;
        b.save_instruction(None, target.clone(), &format!("two-{n:02}"))
            .await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Everything desk a wrote is committed before instance 2 returns.
    eventually("desk a's queue to drain", WAIT, || async {
        Ok((a.status().queued == 0).then_some(()))
    })
    .await?;
    assert_eq!(b.status().queued, WRITES as u32, "desk b queued its writes");
    two.restart().await?;
    eprintln!("instance 2 back after {:?}", started.elapsed());

    let mut expected: Vec<String> = (0..WRITES)
        .flat_map(|n| [format!("one-{n:02}"), format!("two-{n:02}")])
        .chain([
            "from instance one".to_owned(),
            "from instance two".to_owned(),
            format!("running v{:02}", WRITES - 1),
        ])
        .collect();
    expected.sort();
    for (who, desk) in [("desk b", &b), ("desk a", &a)] {
        let got = eventually(&format!("{who} to catch up"), WAIT, || async {
            Ok(settled_texts(desk, &target, Ask::Nothing)
                .await?
                .filter(|t| *t == expected))
        })
        .await;
        assert!(
            got.is_ok(),
            "{who}: {got:?}; it shows {:?}",
            settled_texts(desk, &target, Ask::Nothing).await
        );
    }
    eprintln!("caught up after {:?}", started.elapsed());

    // The server holds each write once, in the order it was made, whichever instance
    // took it; both desks are online at its head with nothing left to send.
    let log = demo_change_log(&one.url).await?;
    let server_head = log.last().and_then(|c| c["seq"].as_i64()).unwrap_or(0);
    for (prefix, count) in [("one-", WRITES), ("two-", WRITES), ("running v", WRITES)] {
        let (texts, mutations) = logged(&log, prefix);
        let want: Vec<String> = (0..count).map(|n| format!("{prefix}{n:02}")).collect();
        assert_eq!(texts, want, "{prefix}: every write once, in order");
        assert_eq!(mutations, count, "{prefix}: one mutation per write");
    }
    for (who, desk) in [("desk a", &a), ("desk b", &b)] {
        eventually(&format!("{who} at the head"), WAIT, || async {
            let s = desk.status();
            let done = s.cursor == server_head && s.queued == 0 && s.rejected == 0;
            Ok((done && s.connection == ConnectionState::Online).then_some(()))
        })
        .await?;
    }
    eprintln!("done in {:?}", started.elapsed());
    Ok(())
}
