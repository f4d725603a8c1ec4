//! One front-desk PC, two people, through the real server: what staff A queued while
//! the server was away is never sent under B's session once B takes over the desk; it
//! waits (listed, with its author, in the Sync panel) and arrives, once and in order,
//! under A's name when A signs in at this desk again.

use std::time::Duration;

use frontdesk_desk_core::Desk;
use frontdesk_desk_core::sync::ConnectionState;
use frontdesk_e2e::eventually;
use frontdesk_e2e::headless::{Ask, desk_options, first_pull, first_units, settled_texts};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::{assert_writes_once_in_order, demo_change_log};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);
const A: (&str, &str) = ("concierge@lofts-des-arts.demo", "concierge-demo");
const B: (&str, &str) = ("security@lofts-des-arts.demo", "security-demo");

/// Who is signed in at `desk`: staff id and name.
async fn signed_in_staff(desk: &Desk) -> anyhow::Result<(String, String)> {
    let staff = desk
        .bootstrap()
        .await?
        .signed_in
        .ok_or_else(|| anyhow::anyhow!("not signed in"))?
        .staff;
    Ok((staff.id, staff.name))
}

/// The instruction changes on the server whose text starts with `prefix`.
fn logged<'l>(log: &'l [Value], prefix: &str) -> Vec<&'l Value> {
    log.iter()
        .filter(|c| c["body"]["kind"] == "instruction_upserted")
        .filter(|c| {
            c["body"]["data"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with(prefix))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_wait_for_the_staff_member_who_made_them() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let desk = Desk::open(desk_options(
        &tmp.path().join("desk"),
        Duration::from_millis(100),
    ))
    .await?;
    desk.sign_in(&server.url, A.0, A.1).await?;
    first_pull(&desk, WAIT).await?;
    let (a_id, a_name) = signed_in_staff(&desk).await?;
    let target = first_units(&desk, 1).await?.remove(0);

    // A's shift: the server is away, A's writes queue up.
    server.stop().await?;
    eventually("the desk to notice the outage", WAIT, || async {
        Ok((!matches!(desk.status().connection, ConnectionState::Online)).then_some(()))
    })
    .await?;
    for n in 0..5 {
        desk.save_instruction(None, target.clone(), &format!("A-{n:05}"))
            .await?;
    }
    assert_eq!(desk.status().queued, 5);
    desk.sign_out().await?;

    // B takes over the desk once the server is back, and writes too.
    server.restart().await?;
    desk.sign_in(&server.url, B.0, B.1).await?;
    let (b_id, _) = signed_in_staff(&desk).await?;
    desk.save_instruction(None, target.clone(), "B-00000")
        .await?;
    eventually("B's write to arrive", WAIT, || async {
        desk.sync_now().await?;
        let log = demo_change_log(&server.url).await?;
        Ok((!logged(&log, "B-").is_empty()).then_some(()))
    })
    .await?;
    // Several more rounds: A's writes stay at the desk.
    for _ in 0..3 {
        desk.sync_now().await?;
    }
    let log = demo_change_log(&server.url).await?;
    assert!(
        logged(&log, "A-").is_empty(),
        "A's writes are not sent as B"
    );
    assert_eq!(
        logged(&log, "B-")[0]["body"]["data"]["updated_by"],
        b_id.as_str()
    );
    let waiting = desk.outbox().await?;
    assert_eq!(waiting.len(), 5, "{waiting:?}");
    for item in &waiting {
        assert_eq!(item.queued_by.as_deref(), Some(a_id.as_str()));
        assert_eq!(
            item.queued_by_name.as_deref(),
            Some(a_name.as_str()),
            "{item:?}"
        );
        assert_eq!(item.attempts, 0, "never tried under B's session");
    }
    assert_eq!(desk.status().queued, 5, "still counted as waiting");
    // B sees A's queued writes on screen too: they are this desk's.
    let shown = desk.instructions(&target).await?;
    assert_eq!(shown.iter().filter(|v| v.pending).count(), 5);

    // A is back: their writes go, under their name, once and in order.
    desk.sign_out().await?;
    desk.sign_in(&server.url, A.0, A.1).await?;
    eventually("A's writes to arrive", WAIT, || async {
        Ok(settled_texts(&desk, &target, Ask::SyncNow)
            .await?
            .filter(|texts| texts.iter().filter(|t| t.starts_with("A-")).count() == 5))
    })
    .await?;
    let log = demo_change_log(&server.url).await?;
    assert_writes_once_in_order(&log, "A", 5);
    for change in logged(&log, "A-") {
        assert_eq!(change["body"]["data"]["updated_by"], a_id.as_str());
    }
    assert_eq!(desk.status().queued, 0);
    assert!(desk.outbox().await?.is_empty());
    Ok(())
}
