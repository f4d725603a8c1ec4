//! Standing instructions from the real desk app, over WebDriver, with a headless desk
//! on the same server: an instruction written in the app reaches the other desk; one
//! written with the server stopped shows as waiting, is counted in the status bar, and
//! reaches the other desk once the server is back.

use std::time::Duration;

use fantoccini::Locator;
use frontdesk_desk_core::session::SessionStorePolicy;
use frontdesk_desk_core::{Desk, DeskOptions};
use frontdesk_e2e::desk_app::{DeskApp, Driver, text_of};
use frontdesk_e2e::display::Display;
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::{artifacts, eventually};
use frontdesk_protocol::InstructionTarget;

const WAIT: Duration = Duration::from_secs(60);
const UNIT_SECTION: &str = "[data-testid=instructions-unit]";

async fn add_unit_instruction(app: &DeskApp, text: &str) -> anyhow::Result<()> {
    app.click(&format!("{UNIT_SECTION} [data-testid=instruction-add]"))
        .await?;
    app.type_into(
        &format!("{UNIT_SECTION} [data-testid=instruction-text]"),
        text,
    )
    .await?;
    app.click(&format!("{UNIT_SECTION} [data-testid=instruction-save]"))
        .await?;
    Ok(())
}

/// The `data-pending` of the unit instruction showing `text`, once it is shown.
async fn shown_pending(app: &DeskApp, text: &str) -> anyhow::Result<String> {
    eventually(&format!("{text:?} on the resident page"), WAIT, || async {
        let css = format!("{UNIT_SECTION} [data-testid=instruction]");
        for item in app.client.find_all(Locator::Css(&css)).await? {
            if text_of(&item).await?.contains(text) {
                return Ok(item.attr("data-pending").await?);
            }
        }
        Ok(None)
    })
    .await
}

async fn other_desk_sees(desk: &Desk, unit: &InstructionTarget, text: &str) -> anyhow::Result<()> {
    eventually(&format!("{text:?} at the other desk"), WAIT, || async {
        desk.sync_now().await?;
        let texts: Vec<String> = desk
            .instructions(unit)
            .await?
            .into_iter()
            .map(|v| v.instruction.text)
            .collect();
        Ok(texts.iter().any(|t| t == text).then_some(()))
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn instructions_written_in_the_app_reach_another_desk_even_through_an_outage()
-> anyhow::Result<()> {
    let shots = artifacts::dir("e2e/desk_instructions");
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;

    let mut options = DeskOptions::new(tmp.path().join("other"));
    options.session_store = SessionStorePolicy::FileOnly;
    options.poll_interval = Duration::from_millis(200);
    let other = Desk::open(options).await?;
    other
        .sign_in(&server.url, "security@lofts-des-arts.demo", "security-demo")
        .await?;

    let display = Display::get()?;
    let driver = Driver::start(&display.name).await?;
    let args = vec![
        "--data-dir".to_owned(),
        tmp.path().join("app").display().to_string(),
        "--session-file".into(),
        "--server".into(),
        server.url.clone(),
    ];
    let app = driver.launch(&args).await?;
    app.type_into("#email", "concierge@lofts-des-arts.demo")
        .await?;
    app.type_into("#password", "concierge-demo").await?;
    app.click("[data-testid=sign-in-submit]").await?;
    app.wait_for_attr("[data-testid=status-connection]", "data-state", &["online"])
        .await?;

    // Open the first resident that has a unit.
    app.click("[data-testid=nav-residents]").await?;
    let hits = app.wait_for_all("[data-testid=resident-hit]", 1).await?;
    let resident_id = hits[0].attr("data-resident-id").await?.unwrap_or_default();
    let unit = InstructionTarget::Unit(
        other
            .resident(&resident_id)
            .await?
            .unit
            .map(|u| u.id)
            .ok_or_else(|| anyhow::anyhow!("no unit"))?,
    );
    hits[0].click().await?;
    app.wait_for(UNIT_SECTION).await?;

    // Online: written in the app, seen at the other desk.
    add_unit_instruction(&app, "Perishables: call 514-555-0100 first").await?;
    shown_pending(&app, "Perishables: call 514-555-0100 first").await?;
    other_desk_sees(&other, &unit, "Perishables: call 514-555-0100 first").await?;
    app.screenshot(&shots, "01-instruction-synced").await?;

    // Offline: the write shows at once, waiting, and the status bar counts it.
    server.stop().await?;
    app.wait_for_attr(
        "[data-testid=status-connection]",
        "data-state",
        &["reconnecting", "offline"],
    )
    .await?;
    add_unit_instruction(&app, "Leave parcels with unit 503").await?;
    assert_eq!(
        shown_pending(&app, "Leave parcels with unit 503").await?,
        "true"
    );
    app.wait_for_attr("[data-testid=status-queued]", "data-count", &["1"])
        .await?;
    app.screenshot(&shots, "02-offline-queued").await?;

    // Back: the queue drains by itself and the other desk has it, once.
    server.restart().await?;
    app.wait_for_attr_within(WAIT, "[data-testid=status-queued]", "data-count", &["0"])
        .await?;
    app.wait_for_attr("[data-testid=status-connection]", "data-state", &["online"])
        .await?;
    eventually("the instruction to settle", WAIT, || async {
        Ok((shown_pending(&app, "Leave parcels with unit 503").await? == "false").then_some(()))
    })
    .await?;
    other_desk_sees(&other, &unit, "Leave parcels with unit 503").await?;
    let copies = other
        .instructions(&unit)
        .await?
        .into_iter()
        .filter(|v| v.instruction.text == "Leave parcels with unit 503")
        .count();
    assert_eq!(copies, 1, "arrived once");
    app.screenshot(&shots, "03-back-online").await?;
    app.close().await?;
    Ok(())
}
