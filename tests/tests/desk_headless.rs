//! A headless desk (desk-core, no window) against the real server binary: sign-in
//! errors, the first pull, the connection states through an outage, resuming signed in
//! while the server is down, a disabled account, and signing out.

use std::time::Duration;

use frontdesk_desk_core::session::SessionStorePolicy;
use frontdesk_desk_core::sync::ConnectionState;
use frontdesk_desk_core::{Desk, DeskErrorCode, DeskOptions};
use frontdesk_e2e::eventually;
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::demo_change_log;

const EMAIL: &str = "concierge@lofts-des-arts.demo";
const PASSWORD: &str = "concierge-demo";
const WAIT: Duration = Duration::from_secs(60);

async fn open_desk(dir: &std::path::Path) -> Desk {
    let mut options = DeskOptions::new(dir);
    options.session_store = SessionStorePolicy::FileOnly;
    options.poll_interval = Duration::from_millis(200);
    Desk::open(options).await.expect("open desk")
}

async fn wait_for_state(
    desk: &Desk,
    what: &str,
    accept: impl Fn(&ConnectionState) -> bool,
) -> anyhow::Result<()> {
    eventually(what, WAIT, || async {
        Ok(accept(&desk.status().connection).then_some(()))
    })
    .await
}

/// The head of the demo building's change log, as the server holds it.
async fn server_head(url: &str) -> anyhow::Result<i64> {
    let log = demo_change_log(url).await?;
    Ok(log.last().and_then(|c| c["seq"].as_i64()).unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_errors_are_told_apart() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let desk = open_desk(&tmp.path().join("desk")).await;

    let wrong = desk
        .sign_in(&server.url, EMAIL, "not-the-password")
        .await
        .unwrap_err();
    assert_eq!(wrong.code, DeskErrorCode::InvalidCredentials, "{wrong}");
    let bad_url = desk
        .sign_in("lofts.example:8080", EMAIL, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(bad_url.code, DeskErrorCode::InvalidServerUrl, "{bad_url}");
    // Nothing listens on port 9 of loopback.
    let unreachable = desk
        .sign_in("http://127.0.0.1:9", EMAIL, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(unreachable.code, DeskErrorCode::Network, "{unreachable}");
    assert!(desk.bootstrap().await?.signed_in.is_none());
    assert_eq!(desk.status().connection, ConnectionState::SignedOut);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_mirrors_the_directory_and_survives_an_outage() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let desk_dir = tmp.path().join("desk");
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let head = server_head(&server.url).await?;

    let desk = open_desk(&desk_dir).await;
    let signed_in = desk.sign_in(&server.url, EMAIL, PASSWORD).await?;
    assert_eq!(signed_in.building.name, "Lofts des Arts");
    wait_for_state(&desk, "online", |c| *c == ConnectionState::Online).await?;
    eventually("the whole change log applied", WAIT, || async {
        Ok((desk.status().cursor == head).then_some(()))
    })
    .await?;
    assert_eq!(desk.search_residents("", 10).await?.total, 215);
    assert!(desk.status().last_sync_ms.is_some());

    // The server goes away: reconnecting, then offline; the directory still answers.
    server.stop().await?;
    wait_for_state(
        &desk,
        "reconnecting",
        |c| matches!(c, ConnectionState::Reconnecting { attempt, .. } if *attempt >= 1),
    )
    .await?;
    wait_for_state(&desk, "offline", |c| {
        matches!(c, ConnectionState::Offline { .. })
    })
    .await?;
    assert_eq!(desk.search_residents("", 10).await?.total, 215);

    // Restarted during the outage, the desk opens signed in and searches.
    drop(desk);
    let desk = open_desk(&desk_dir).await;
    let boot = desk.bootstrap().await?;
    assert_eq!(
        boot.signed_in.map(|s| s.staff.email).as_deref(),
        Some(EMAIL)
    );
    assert_eq!(desk.search_residents("", 10).await?.total, 215);
    wait_for_state(&desk, "not online while the server is down", |c| {
        matches!(c, ConnectionState::Reconnecting { attempt, .. } if *attempt >= 1)
            || matches!(c, ConnectionState::Offline { .. })
    })
    .await?;

    // The server returns: the desk goes online by itself.
    server.restart().await?;
    wait_for_state(&desk, "online again", |c| *c == ConnectionState::Online).await?;

    // The account is disabled: the next exchange ends the session, data stays.
    server.admin(&["user", "disable", EMAIL]).await?;
    desk.sync_now().await?;
    wait_for_state(&desk, "session expired", |c| {
        *c == ConnectionState::SessionExpired
    })
    .await?;
    assert_eq!(desk.search_residents("", 10).await?.total, 215);
    let refused = desk
        .sign_in(&server.url, EMAIL, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(refused.code, DeskErrorCode::AccountDisabled, "{refused}");

    // Another account signs in on the same desk and building: the cache is kept.
    desk.sign_in(&server.url, "security@lofts-des-arts.demo", "security-demo")
        .await?;
    wait_for_state(&desk, "online as security", |c| {
        *c == ConnectionState::Online
    })
    .await?;
    assert_eq!(desk.search_residents("", 10).await?.total, 215);

    // Signing out is local and immediate, and stays signed out after a restart.
    desk.sign_out().await?;
    assert_eq!(desk.status().connection, ConnectionState::SignedOut);
    drop(desk);
    let desk = open_desk(&desk_dir).await;
    assert!(desk.bootstrap().await?.signed_in.is_none());
    assert_eq!(desk.status().connection, ConnectionState::SignedOut);
    Ok(())
}
