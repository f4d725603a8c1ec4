//! Parcels through the real server with headless desks: an intake at one desk reaches
//! the other; with the server down, both desks hand over the same parcel and take a
//! new one in; when it returns, the intake arrives once, one pickup wins, and the
//! other desk is told why its pickup was refused, in its Sync panel.

use std::time::Duration;

use frontdesk_desk_core::Desk;
use frontdesk_desk_core::outbox::OutboxState;
use frontdesk_desk_core::packages::{NewPackage, PackageQuery, PackageView};
use frontdesk_e2e::eventually;
use frontdesk_e2e::headless::synced_desk;
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::demo_change_log;
use frontdesk_protocol::{PackageStatus, PackageTransition, RejectCode};

const WAIT: Duration = Duration::from_secs(60);

/// The parcel as `desk` shows it once nothing about it is pending.
async fn settled(desk: &Desk, id: &str) -> anyhow::Result<PackageView> {
    eventually("the parcel to settle", WAIT, || async {
        desk.sync_now().await?;
        Ok(desk
            .package(id)
            .await
            .ok()
            .filter(|(v, _)| !v.pending)
            .map(|(v, _)| v))
    })
    .await
}

fn pickup(id: &str, by: &str) -> PackageTransition {
    PackageTransition {
        id: id.into(),
        event_id: uuid::Uuid::now_v7().to_string(),
        to: PackageStatus::PickedUp,
        note: None,
        collected_by: Some(by.into()),
        override_reason: None,
        signature: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_desks_hand_over_one_parcel_offline_and_one_wins() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let a = synced_desk(
        &tmp.path().join("a"),
        &server.url,
        ("concierge@lofts-des-arts.demo", "concierge-demo"),
        WAIT,
    )
    .await?;
    let b = synced_desk(
        &tmp.path().join("b"),
        &server.url,
        ("security@lofts-des-arts.demo", "security-demo"),
        WAIT,
    )
    .await?;
    let resident = a.search_residents("", 1).await?.hits.remove(0);

    let parcel = a
        .intake_package(NewPackage {
            tracking_number: Some("1Z12345E0205271686".into()),
            resident_id: Some(resident.id.clone()),
            shelf: Some("A-1".into()),
            ..NewPackage::default()
        })
        .await?;
    assert!(
        parcel.pending,
        "on the shelf at once, waiting for the server"
    );
    let id = parcel.package.id.clone();
    let at_b = settled(&b, &id).await?;
    assert_eq!(at_b.package.code, parcel.package.code);
    assert_eq!(at_b.package.carrier.as_deref(), Some("ups"));
    let unit = at_b.package.unit_id.clone().expect("the resident's unit");

    // The server goes down. Both desks hand the parcel over; desk A takes a new one in.
    server.kill().await?;
    a.transition_packages(vec![pickup(&id, "Desk A's person")])
        .await?;
    b.transition_packages(vec![pickup(&id, "Desk B's person")])
        .await?;
    let offline = a
        .intake_package(NewPackage {
            tracking_number: Some("TBA123456789012".into()),
            unit_id: Some(unit.clone()),
            ..NewPackage::default()
        })
        .await?;
    let on_shelf = PackageQuery {
        on_shelf: true,
        unit_id: Some(unit.clone()),
        ..PackageQuery::default()
    };
    let shown: Vec<String> = a
        .packages(&on_shelf)
        .await?
        .into_iter()
        .map(|v| v.package.id)
        .collect();
    assert_eq!(
        shown,
        vec![offline.package.id.clone()],
        "offline: picked up, and the new one in"
    );

    server.restart().await?;
    // Whichever desk's push the server commits first wins; the other is told why.
    let at_a = settled(&a, &id).await?;
    let at_b = settled(&b, &id).await?;
    assert_eq!(at_a.package.status, PackageStatus::PickedUp);
    assert_eq!(
        at_b.package, at_a.package,
        "both desks show the same pickup"
    );
    let (winner, loser) = match at_a.package.collected_by.as_deref() {
        Some("Desk A's person") => (&a, &b),
        Some("Desk B's person") => (&b, &a),
        other => anyhow::bail!("collected by {other:?}"),
    };
    let refused = eventually("the other desk to hear why", WAIT, || async {
        Ok(loser
            .outbox()
            .await?
            .into_iter()
            .find(|item| item.state == OutboxState::Rejected))
    })
    .await?;
    assert_eq!(refused.reject_code, Some(RejectCode::Conflict));
    let reason = refused.reject_reason.unwrap_or_default();
    assert!(reason.contains("already picked up"), "{reason}");
    assert!(
        winner.outbox().await?.is_empty(),
        "the winner has nothing rejected or waiting"
    );

    // The parcel taken in offline reached the server once, and desk B.
    let new_at_b = settled(&b, &offline.package.id).await?;
    assert_eq!(new_at_b.package.status, PackageStatus::Waiting);
    let log = demo_change_log(&server.url).await?;
    let intakes = log
        .iter()
        .filter(|c| c["body"]["kind"] == "package_upserted")
        .filter(|c| c["body"]["data"]["id"] == offline.package.id.as_str())
        .count();
    assert_eq!(intakes, 1, "applied once");
    let pickups = log
        .iter()
        .filter(|c| c["body"]["kind"] == "package_event_added")
        .filter(|c| c["body"]["data"]["package_id"] == id.as_str())
        .filter(|c| c["body"]["data"]["to"] == "picked_up")
        .count();
    assert_eq!(pickups, 1, "one pickup won");
    Ok(())
}
