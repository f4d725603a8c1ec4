//! Packages from the real desk app, over WebDriver: a USB scanner's burst of keystrokes
//! on Intake registers a parcel for a resident and prints its label to a Zebra printer
//! (a real TCP listener standing in for port 9100, which keeps each label as a file);
//! a scan of that label's code on Pickup hands it over; with the server stopped, an
//! intake and a pickup both work at the desk, and reach the server once it is back.
//! A headless desk on the same server checks what the server holds.

use std::time::Duration;

use fantoccini::key::Key;
use frontdesk_desk_core::Desk;
use frontdesk_desk_core::packages::PackageQuery;
use frontdesk_e2e::desk_app::{DeskApp, Driver};
use frontdesk_e2e::display::Display;
use frontdesk_e2e::headless::{desk_options, resident_with_unit, signed_in};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::{artifacts, eventually};
use frontdesk_protocol::PackageStatus;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(60);

/// A label printer on loopback: every connection's bytes, once it closes, are one label.
async fn zebra() -> anyhow::Result<(String, mpsc::UnboundedReceiver<String>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut bytes = Vec::new();
                if socket.read_to_end(&mut bytes).await.is_ok() {
                    let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
                }
            });
        }
    });
    Ok((address, rx))
}

/// What a keyboard-wedge scanner does: the code typed in one burst, then Enter, into
/// whatever has focus (WebDriver sends the keys as fast as a scanner does).
async fn scan(app: &DeskApp, code: &str) -> anyhow::Result<()> {
    let focused = app.client.active_element().await?;
    focused
        .send_keys(&format!("{code}{}", char::from(Key::Enter)))
        .await?;
    Ok(())
}

async fn next_label(
    labels: &mut mpsc::UnboundedReceiver<String>,
    shots: &std::path::Path,
    name: &str,
) -> anyhow::Result<String> {
    let zpl = tokio::time::timeout(WAIT, labels.recv())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the printer listener stopped"))?;
    std::fs::write(shots.join(format!("{name}.zpl")), &zpl)?;
    Ok(zpl)
}

/// Takes a parcel in from the Intake screen: scanned, recipient typed and chosen,
/// Enter. Returns its package code, read from the screen.
async fn intake(app: &DeskApp, tracking: &str, recipient: &str) -> anyhow::Result<String> {
    app.wait_for("#intake-tracking").await?;
    let before = match app
        .client
        .find(fantoccini::Locator::Css("[data-testid=intake-registered]"))
        .await
    {
        Ok(el) => el.attr("data-package-code").await?,
        Err(_) => None,
    };
    scan(app, tracking).await?;
    eventually("the scan in the tracking field", WAIT, || async {
        let el = app.wait_for("#intake-tracking").await?;
        Ok((el.prop("value").await?.as_deref() == Some(tracking)).then_some(()))
    })
    .await?;
    app.wait_for("[data-testid=intake-carrier-recognised]")
        .await?;
    // The scan moved the focus to the recipient: a person types the name.
    app.wait_for("#intake-recipient")
        .await?
        .send_keys(recipient)
        .await?;
    app.wait_for("[role=option]").await?;
    app.press_enter().await?;
    app.wait_for("[data-testid=recipient-chosen]").await?;
    app.press_enter().await?;
    eventually("the parcel registered", WAIT, || async {
        let el = app.wait_for("[data-testid=intake-registered]").await?;
        let code = el.attr("data-package-code").await?;
        Ok(code.filter(|c| Some(c) != before.as_ref()))
    })
    .await
}

/// Hands the parcel with label `code` over from the Pickup screen.
async fn pickup(app: &DeskApp, code: &str) -> anyhow::Result<()> {
    app.click("[data-testid=nav-pickup]").await?;
    app.wait_for("[data-testid=pickup-find]")
        .await?
        .click()
        .await?;
    scan(app, code).await?;
    let parcels = app.wait_for_all("[data-testid=pickup-parcel]", 1).await?;
    let mut found = false;
    for p in &parcels {
        if app_text(p).await?.contains(code) {
            found = true;
        }
    }
    anyhow::ensure!(found, "the scanned parcel {code} is listed at Pickup");
    app.click("[data-testid=pickup-confirm]").await?;
    app.wait_for("[data-testid=pickup-receipt]").await?;
    Ok(())
}

async fn app_text(el: &fantoccini::elements::Element) -> anyhow::Result<String> {
    frontdesk_e2e::desk_app::text_of(el).await
}

/// The parcel with `code` as the headless desk has it from the server.
async fn at_server(desk: &Desk, code: &str, status: PackageStatus) -> anyhow::Result<()> {
    eventually(
        &format!("{code} {status:?} at the server"),
        WAIT,
        || async {
            desk.sync_now().await?;
            let found = desk
                .packages(&PackageQuery {
                    text: Some(code.to_owned()),
                    ..PackageQuery::default()
                })
                .await?;
            Ok(found
                .into_iter()
                .find(|v| v.package.code == code && v.package.status == status && !v.pending)
                .map(|_| ()))
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scanned_parcel_is_registered_labelled_and_handed_over_online_and_offline()
-> anyhow::Result<()> {
    let shots = artifacts::dir("e2e/desk_packages_app");
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let (printer, mut labels) = zebra().await?;

    let other = signed_in(
        desk_options(&tmp.path().join("other"), Duration::from_millis(200)),
        &server.url,
        ("security@lofts-des-arts.demo", "security-demo"),
    )
    .await?;
    let resident = resident_with_unit(&other, WAIT).await?;
    let name = format!("{} {}", resident.first_name, resident.last_name);

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

    // The desk's Zebra printer, set up in Settings.
    app.click("[data-testid=nav-settings]").await?;
    app.click("#printer-kind option[value=zpl]").await?;
    app.type_into("#printer-address", &printer).await?;
    app.click("[data-testid=label-settings-save]").await?;
    app.wait_for_attr(
        "[data-testid=label-settings-outcome]",
        "data-state",
        &["saved"],
    )
    .await?;

    // Online: scanned, registered, labelled.
    app.click("[data-testid=nav-intake]").await?;
    let first = intake(&app, "1Z12345E0205271686", &name).await?;
    app.wait_for_attr(
        "[data-testid=intake-print-status]",
        "data-state",
        &["printed"],
    )
    .await?;
    let zpl = next_label(&mut labels, &shots, "01-label").await?;
    assert!(
        zpl.starts_with("^XA") && zpl.trim_end().ends_with("^XZ"),
        "{zpl}"
    );
    assert!(zpl.contains("^BQ"), "a QR code field: {zpl}");
    assert!(
        zpl.contains(&first),
        "the package code {first} on the label: {zpl}"
    );
    app.screenshot(&shots, "01-intake-online").await?;
    at_server(&other, &first, PackageStatus::Waiting).await?;

    // Pickup by the label's code.
    pickup(&app, &first).await?;
    app.screenshot(&shots, "02-pickup-online").await?;
    at_server(&other, &first, PackageStatus::PickedUp).await?;

    // Offline: the server is stopped; intake and pickup still work at the desk.
    server.stop().await?;
    app.wait_for_attr(
        "[data-testid=status-connection]",
        "data-state",
        &["reconnecting", "offline"],
    )
    .await?;
    app.click("[data-testid=nav-intake]").await?;
    let second = intake(&app, "TBA123456789012", &name).await?;
    app.wait_for_attr(
        "[data-testid=intake-print-status]",
        "data-state",
        &["printed"],
    )
    .await?;
    let zpl = next_label(&mut labels, &shots, "03-label-offline").await?;
    assert!(zpl.contains(&second), "{zpl}");
    app.wait_for_attr("[data-testid=status-queued]", "data-count", &["1"])
        .await?;
    pickup(&app, &second).await?;
    app.wait_for_attr("[data-testid=status-queued]", "data-count", &["2"])
        .await?;
    app.wait_for("[data-testid=pickup-receipt-pending]").await?;
    app.screenshot(&shots, "04-pickup-offline").await?;

    // Back: both writes reach the server, once, and the queue drains.
    server.restart().await?;
    app.wait_for_attr_within(WAIT, "[data-testid=status-queued]", "data-count", &["0"])
        .await?;
    at_server(&other, &second, PackageStatus::PickedUp).await?;
    let copies = other
        .packages(&PackageQuery {
            text: Some(second.clone()),
            ..PackageQuery::default()
        })
        .await?
        .len();
    assert_eq!(copies, 1, "the offline intake arrived once");
    let (_, history) = other
        .package(
            &other
                .packages(&PackageQuery {
                    text: Some(second.clone()),
                    ..PackageQuery::default()
                })
                .await?[0]
                .package
                .id,
        )
        .await?;
    let steps: Vec<_> = history.iter().map(|e| e.event.to).collect();
    assert_eq!(
        steps,
        [PackageStatus::Waiting, PackageStatus::PickedUp],
        "taken in, then picked up, in that order"
    );
    app.screenshot(&shots, "05-back-online").await?;

    // The Packages screen lists both, handed over, and a parcel's page has its history.
    app.click("[data-testid=nav-packages]").await?;
    app.click("[data-testid=package-filter-status] option[value=picked_up]")
        .await?;
    let rows = app.wait_for_all("[data-testid=package-row]", 2).await?;
    let mut codes = Vec::new();
    for row in &rows {
        codes.push(app_text(row).await?);
    }
    for code in [&first, &second] {
        anyhow::ensure!(
            codes.iter().any(|c| c.contains(code.as_str())),
            "{code} listed as picked up: {codes:?}"
        );
    }
    app.screenshot(&shots, "06-packages").await?;
    rows[0].click().await?;
    let steps = app.wait_for_all("[data-testid=package-event]", 2).await?;
    assert_eq!(steps.len(), 2, "taken in, picked up");
    app.wait_for("[data-testid=package-label-preview]").await?;
    app.screenshot(&shots, "07-package-page").await?;
    app.close().await?;
    Ok(())
}
