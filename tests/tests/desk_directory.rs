//! The real desk app against the real server: sign in, open Residents, search without
//! accents, open a resident; then stop the server and reopen the app: it opens signed
//! in and still searches; the server returns and the desk goes back online.

use std::time::Duration;

use fantoccini::Locator;
use frontdesk_e2e::desk_app::{DeskApp, Driver, text_of};
use frontdesk_e2e::display::Display;
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::{change_log, login};
use frontdesk_e2e::{artifacts, eventually};

const EMAIL: &str = "concierge@lofts-des-arts.demo";
const PASSWORD: &str = "concierge-demo";

/// A demo resident whose first name has an accent, as (first, last, unit).
async fn accented_resident(server: &str) -> anyhow::Result<(String, String)> {
    let log = change_log(server, &login(server, (EMAIL, PASSWORD)).await?).await?;
    log.iter()
        .filter(|c| c["body"]["kind"] == "resident_upserted")
        .map(|c| &c["body"]["data"])
        .find_map(|r| {
            let first = r["first_name"].as_str()?;
            let last = r["last_name"].as_str()?;
            (!first.is_ascii()).then(|| (first.to_owned(), last.to_owned()))
        })
        .ok_or_else(|| anyhow::anyhow!("the demo has no resident with an accented first name"))
}

fn strip_accents(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

fn desk_args(data_dir: &std::path::Path, server: &str) -> Vec<String> {
    vec![
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--session-file".into(),
        "--server".into(),
        server.into(),
    ]
}

async fn search_and_open(app: &DeskApp, query: &str, expect_name: &str) -> anyhow::Result<()> {
    let result = try_search_and_open(app, query, expect_name).await;
    if result.is_err() {
        let dir = artifacts::dir("e2e/desk_directory");
        if let Err(e) = app.screenshot(&dir, "failed-search").await {
            eprintln!("no screenshot of the failed search: {e}");
        }
    }
    result
}

async fn try_search_and_open(app: &DeskApp, query: &str, expect_name: &str) -> anyhow::Result<()> {
    app.type_into("[data-testid=resident-search]", query)
        .await?;
    let what = format!("a hit for {query:?} showing {expect_name:?}");
    let hit = eventually(&what, Duration::from_secs(30), || async {
        let mut seen = Vec::new();
        for hit in app
            .client
            .find_all(Locator::Css("[data-testid=resident-hit]"))
            .await?
        {
            let text = text_of(&hit).await?;
            if text.contains(expect_name) {
                return Ok(Some(hit));
            }
            seen.push(text);
        }
        anyhow::bail!("hits shown: {seen:?}")
    })
    .await?;
    hit.click().await?;
    app.wait_for("[data-testid=resident-detail]").await?;
    let name = app.text("[data-testid=resident-name]").await?;
    anyhow::ensure!(
        name.contains(expect_name),
        "the resident page shows {name:?}, expected {expect_name:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_search_and_keep_working_offline() -> anyhow::Result<()> {
    let shots = artifacts::dir("e2e/desk_directory");
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let (first, last) = accented_resident(&server.url).await?;
    let query = strip_accents(&first).to_lowercase();
    assert_ne!(
        query,
        first.to_lowercase(),
        "the query must differ from the name by its accents"
    );

    let display = Display::get()?;
    let driver = Driver::start(&display.name).await?;
    let desk_dir = tmp.path().join("desk");

    // First run: sign in.
    let app = driver.launch(&desk_args(&desk_dir, &server.url)).await?;
    app.wait_for("#email").await?;
    let prefilled = app
        .wait_for("#server-url")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(
        prefilled.starts_with(&server.url),
        "server address prefilled, got {prefilled:?}"
    );
    app.screenshot(&shots, "01-sign-in").await?;
    app.type_into("#email", EMAIL).await?;
    app.type_into("#password", PASSWORD).await?;
    app.click("[data-testid=sign-in-submit]").await?;
    app.wait_for("[data-testid=app-ready]").await?;
    app.wait_for_attr("[data-testid=status-connection]", "data-state", &["online"])
        .await?;
    app.screenshot(&shots, "02-signed-in").await?;

    // Residents: the directory is pulled, searchable without accents.
    app.click("[data-testid=nav-residents]").await?;
    app.wait_for_all("[data-testid=resident-hit]", 10).await?;
    app.screenshot(&shots, "03-residents").await?;
    search_and_open(&app, &query, &first).await?;
    let page = app.text("[data-testid=resident-detail]").await?;
    assert!(
        page.contains(&last),
        "the resident page names {last:?}: {page}"
    );
    app.screenshot(&shots, "04-resident").await?;

    // The server goes away: the desk says so.
    server.stop().await?;
    app.wait_for_attr(
        "[data-testid=status-connection]",
        "data-state",
        &["reconnecting", "offline"],
    )
    .await?;
    app.screenshot(&shots, "05-server-stopped").await?;
    app.close().await?;

    // Reopened during the outage: signed in, and the directory still searches.
    let app = driver.launch(&desk_args(&desk_dir, &server.url)).await?;
    app.wait_for("[data-testid=app-ready]").await?;
    app.click("[data-testid=nav-residents]").await?;
    search_and_open(&app, &query, &first).await?;
    app.wait_for_attr(
        "[data-testid=status-connection]",
        "data-state",
        &["reconnecting", "offline"],
    )
    .await?;
    app.screenshot(&shots, "06-offline-restart-search").await?;

    // The server returns: the desk goes back online by itself (at its next jittered
    // retry, which may be most of the backoff cap away).
    server.restart().await?;
    app.wait_for_attr_within(
        Duration::from_secs(90),
        "[data-testid=status-connection]",
        "data-state",
        &["online"],
    )
    .await?;
    app.screenshot(&shots, "07-back-online").await?;
    app.close().await?;
    Ok(())
}
