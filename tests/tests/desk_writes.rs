//! Desk writes through the real server: several headless desks converge; writes made
//! while the server is down are queued, counted, and arrive once and in order when it
//! returns; a write the server refuses is reverted at its desk with the reason, and
//! the writes after it still go through.

use std::path::Path;
use std::time::Duration;

use frontdesk_desk_core::Desk;
use frontdesk_desk_core::outbox::OutboxState;
use frontdesk_desk_core::sync::ConnectionState;
use frontdesk_e2e::eventually;
use frontdesk_e2e::headless::{
    Ask, desk_options, first_pull, first_units, settled_texts, signed_in,
};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::demo_change_log;
use frontdesk_protocol::{InstructionTarget, RejectCode};

const WAIT: Duration = Duration::from_secs(60);
const ACCOUNTS: [(&str, &str); 3] = [
    ("concierge@lofts-des-arts.demo", "concierge-demo"),
    ("security@lofts-des-arts.demo", "security-demo"),
    ("manager@lofts-des-arts.demo", "manager-demo"),
];

async fn signed_in_desk(dir: &Path, server: &str, account: (&str, &str)) -> anyhow::Result<Desk> {
    let options = desk_options(dir, Duration::from_millis(100));
    let desk = signed_in(options, server, account).await?;
    first_pull(&desk, WAIT).await?;
    Ok(desk)
}

#[tokio::test(flavor = "multi_thread")]
async fn three_desks_converge() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let mut desks = Vec::new();
    for (n, account) in ACCOUNTS.into_iter().enumerate() {
        desks.push(
            signed_in_desk(&tmp.path().join(format!("desk{n}")), &server.url, account).await?,
        );
    }
    let units = first_units(&desks[0], 2).await?;

    // Every desk writes on both units at about the same time.
    for round in 0..3 {
        for (n, desk) in desks.iter().enumerate() {
            for target in &units {
                desk.save_instruction(None, target.clone(), &format!("desk {n} round {round}"))
                    .await?;
            }
        }
    }
    // One desk edits another's instruction; another deletes one.
    let first = desks[1]
        .instructions(&units[0])
        .await?
        .into_iter()
        .next()
        .expect("an instruction");
    desks[1]
        .save_instruction(
            Some(first.instruction.id.clone()),
            units[0].clone(),
            "edited by desk 1",
        )
        .await?;

    let expected: Vec<String> = {
        let mut v: Vec<String> = (0..3)
            .flat_map(|round| (0..3).map(move |n| format!("desk {n} round {round}")))
            .filter(|t| *t != first.instruction.text)
            .collect();
        v.push("edited by desk 1".into());
        v.sort();
        v
    };
    for target in &units {
        for (n, desk) in desks.iter().enumerate() {
            let want = if *target == units[0] {
                expected.clone()
            } else {
                let mut all: Vec<String> = (0..3)
                    .flat_map(|round| (0..3).map(move |n| format!("desk {n} round {round}")))
                    .collect();
                all.sort();
                all
            };
            let got = eventually(&format!("desk {n} to converge"), WAIT, || async {
                Ok(settled_texts(desk, target, Ask::SyncNow)
                    .await?
                    .filter(|t| *t == want))
            })
            .await;
            assert!(
                got.is_ok(),
                "desk {n} on {target:?}: {got:?}, now {:?}",
                settled_texts(desk, target, Ask::SyncNow).await
            );
        }
    }
    for desk in &desks {
        let status = desk.status();
        assert_eq!((status.queued, status.rejected), (0, 0));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_made_offline_arrive_once_in_order() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let writer = signed_in_desk(&tmp.path().join("writer"), &server.url, ACCOUNTS[0]).await?;
    let reader = signed_in_desk(&tmp.path().join("reader"), &server.url, ACCOUNTS[1]).await?;
    let target = first_units(&writer, 1).await?.remove(0);

    server.stop().await?;
    eventually("the writer to notice the outage", WAIT, || async {
        Ok((!matches!(writer.status().connection, ConnectionState::Online)).then_some(()))
    })
    .await?;
    let texts: Vec<String> = (0..20).map(|n| format!("offline note {n:02}")).collect();
    for text in &texts {
        writer.save_instruction(None, target.clone(), text).await?;
    }
    assert_eq!(writer.status().queued, 20);
    assert!(
        writer
            .instructions(&target)
            .await?
            .iter()
            .all(|v| v.pending)
    );
    let queued = writer.outbox().await?;
    assert!(queued.iter().all(|i| i.state == OutboxState::Pending));

    server.restart().await?;
    eventually("the queue to drain", WAIT, || async {
        writer.sync_now().await?;
        Ok((writer.status().queued == 0).then_some(()))
    })
    .await?;
    let mut want = texts.clone();
    want.sort();
    eventually("the reader to see all 20", WAIT, || async {
        Ok(settled_texts(&reader, &target, Ask::SyncNow)
            .await?
            .filter(|t| *t == want))
    })
    .await?;

    // The server applied each once, in the order they were made.
    let log = demo_change_log(&server.url).await?;
    let applied: Vec<&str> = log
        .iter()
        .filter(|c| c["body"]["kind"] == "instruction_upserted")
        .filter_map(|c| c["body"]["data"]["text"].as_str())
        .collect();
    assert_eq!(
        applied,
        texts.iter().map(String::as_str).collect::<Vec<_>>()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_write_is_reverted_and_later_writes_still_apply() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;

    // A second building on the same server, with its own staff and unit.
    let units_csv = tmp.path().join("units.csv");
    std::fs::write(
        &units_csv,
        "id,unit_number,floor_number,square_footage,bedrooms,bathrooms,is_occupied,created_at,updated_at,building_id,unit_type,occupant_name\n\
         other-u1,1A,1,,,,true,,,other-building,condo,\n",
    )?;
    server
        .admin(&["import", "units", units_csv.to_str().unwrap_or_default()])
        .await?;
    let mut add = tokio::process::Command::new(frontdesk_e2e::bins::built("frontdesk-server"));
    add.args([
        "--database",
        &sqlite_url(tmp.path()),
        "user",
        "add",
        "--building",
        "other-building",
    ])
    .args([
        "--name",
        "Other Desk",
        "--email",
        "desk@other.example",
        "--role",
        "doorman",
    ])
    .stdin(std::process::Stdio::piped());
    let mut child = add.spawn()?;
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"other-building-pw\n").await?;
    }
    anyhow::ensure!(child.wait().await?.success(), "user add failed");

    let other = signed_in_desk(
        &tmp.path().join("other"),
        &server.url,
        ("desk@other.example", "other-building-pw"),
    )
    .await?;
    let other_unit = InstructionTarget::Unit("other-u1".into());
    other
        .save_instruction(
            Some("shared-id".into()),
            other_unit.clone(),
            "belongs to the other building",
        )
        .await?;
    eventually("the other building's write", WAIT, || {
        settled_texts(&other, &other_unit, Ask::SyncNow)
    })
    .await?;

    // A desk of Lofts des Arts reuses that id: the server refuses it for good.
    let desk = signed_in_desk(&tmp.path().join("desk"), &server.url, ACCOUNTS[0]).await?;
    let target = first_units(&desk, 1).await?.remove(0);
    desk.save_instruction(Some("shared-id".into()), target.clone(), "not allowed")
        .await?;
    desk.save_instruction(None, target.clone(), "written after the refused one")
        .await?;

    let after = eventually("the refusal to come back", WAIT, || async {
        desk.sync_now().await?;
        let s = desk.status();
        Ok((s.rejected == 1 && s.queued == 0).then_some(()))
    })
    .await;
    assert!(
        after.is_ok(),
        "{after:?}; outbox: {:?}",
        desk.outbox().await
    );
    let shown = settled_texts(&desk, &target, Ask::SyncNow)
        .await?
        .unwrap_or_default();
    assert_eq!(
        shown,
        vec!["written after the refused one".to_owned()],
        "the refused write is reverted"
    );
    let refused = desk.outbox().await?;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].state, OutboxState::Rejected);
    assert_eq!(refused[0].reject_code, Some(RejectCode::Forbidden));
    assert!(
        refused[0]
            .reject_reason
            .as_deref()
            .is_some_and(|r| !r.is_empty())
    );
    // The other building's instruction is untouched.
    assert_eq!(
        settled_texts(&other, &other_unit, Ask::SyncNow).await?,
        Some(vec!["belongs to the other building".to_owned()])
    );
    desk.dismiss_rejected(refused[0].mutation.id).await?;
    assert_eq!(desk.status().rejected, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_reach_other_desks_over_the_live_connection() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let writer = signed_in_desk(&tmp.path().join("writer"), &server.url, ACCOUNTS[0]).await?;
    // This desk polls once an hour: only the WebSocket can bring it the write in time.
    let options = desk_options(&tmp.path().join("listener"), Duration::from_secs(3600));
    let listener = signed_in(options, &server.url, ACCOUNTS[1]).await?;
    let target = first_units(&writer, 1).await?.remove(0);
    eventually("the listener's first pull", WAIT, || async {
        Ok((listener.status().cursor > 0
            && listener.status().connection == ConnectionState::Online)
            .then_some(()))
    })
    .await?;
    let mut changes = listener.subscribe_changes();

    for n in 0..5 {
        let text = format!("live note {n}");
        writer.save_instruction(None, target.clone(), &text).await?;
        eventually(&format!("{text:?} at the listener"), WAIT, || async {
            let texts: Vec<String> = listener
                .instructions(&target)
                .await?
                .into_iter()
                .map(|v| v.instruction.text)
                .collect();
            Ok(texts.contains(&text).then_some(()))
        })
        .await?;
    }
    // The listener heard of them through change notifications, not a poll.
    let mut heard = 0;
    while let Ok(what) = changes.try_recv() {
        heard += usize::from(what == frontdesk_desk_core::sync::Changed::Instructions);
    }
    assert!(heard >= 1, "the listener was told its instructions changed");
    Ok(())
}
