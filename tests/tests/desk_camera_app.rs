//! The webcam path of the real desk app, over WebDriver, with the developer frame source
//! "files" standing in for a camera (this machine has none): a folder of generated
//! 1280×720 frames in which a UPS label drifts into the aim box and stays there, played
//! in a loop. On Intake, the camera panel's code reaches the form exactly as a USB
//! scan's does (tracking number and carrier filled), and only once, however many frames
//! show it. The parcel registered, the camera panel's photo button keeps a still of it:
//! the parcel's page shows it, and a headless desk signed in as another staff member
//! gets the photo through the server, with the same JPEG.

#[path = "../../crates/scan/tests/decode_support/mod.rs"]
mod decode_support;

use std::path::Path;
use std::time::Duration;

use decode_support::{Canvas, UPS, encode, jpeg_bytes, realistic};
use frontdesk_e2e::desk_app::{DeskApp, Driver};
use frontdesk_e2e::display::Display;
use frontdesk_e2e::headless::{desk_options, resident_with_unit, signed_in};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::{artifacts, eventually};
use frontdesk_scan::decode::Symbology;

const WAIT: Duration = Duration::from_secs(60);

/// Empty frames, the label sliding in from the left edge, then held in the middle.
fn frames(dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let modules = encode(Symbology::Code128, UPS);
    let centres = [
        None,
        None,
        Some(-150.0),
        Some(150.0),
        Some(400.0),
        Some(640.0),
        Some(640.0),
        Some(640.0),
        Some(640.0),
        Some(640.0),
    ];
    for (i, centre) in centres.iter().enumerate() {
        let mut canvas = Canvas::blank();
        if let Some(x) = centre {
            let mut at = realistic(Symbology::Code128, &modules);
            at.centre.0 = *x;
            canvas.draw(&modules, at);
        }
        canvas.noise(4.0, i as u64 + 1);
        std::fs::write(
            dir.join(format!("frame-{i:03}.jpg")),
            jpeg_bytes(&canvas.frame(), 85),
        )?;
    }
    Ok(centres.len())
}

async fn attr(app: &DeskApp, css: &str, name: &str) -> anyhow::Result<Option<String>> {
    Ok(app.wait_for(css).await?.attr(name).await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_label_shown_to_the_file_frame_source_fills_intake_as_a_usb_scan_once()
-> anyhow::Result<()> {
    let shots = artifacts::dir("e2e/desk_camera_app");
    let tmp = tempfile::tempdir()?;
    let video = tmp.path().join("frames");
    let per_loop = frames(&video)?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
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
        "--frame-source-files".into(),
        video.display().to_string(),
        "--frame-source-fps".into(),
        "10".into(),
    ];
    let app = driver.launch(&args).await?;
    app.type_into("#email", "concierge@lofts-des-arts.demo")
        .await?;
    app.type_into("#password", "concierge-demo").await?;
    app.click("[data-testid=sign-in-submit]").await?;
    app.wait_for_attr("[data-testid=status-connection]", "data-state", &["online"])
        .await?;

    // Settings shows the developer setting the command line saved.
    app.click("[data-testid=nav-settings]").await?;
    let use_files = app.wait_for("[data-testid=camera-use-files]").await?;
    eventually("the frame source shown in Settings", WAIT, || async {
        Ok(use_files.prop("checked").await?.filter(|c| c == "true"))
    })
    .await?;
    let path = app.wait_for("#camera-files-path").await?;
    anyhow::ensure!(
        path.prop("value").await?.as_deref() == Some(video.display().to_string().as_str()),
        "the files path in Settings"
    );

    app.click("[data-testid=nav-intake]").await?;
    app.wait_for("#intake-tracking").await?;
    app.click("[data-testid=camera-toggle]").await?;
    app.wait_for_attr("[data-testid=camera-panel]", "data-state", &["live"])
        .await?;

    eventually("the camera's code in the tracking field", WAIT, || async {
        let el = app.wait_for("#intake-tracking").await?;
        Ok((el.prop("value").await?.as_deref() == Some(UPS)).then_some(()))
    })
    .await?;
    let carrier = app
        .wait_for("[data-testid=intake-carrier-recognised]")
        .await?;
    anyhow::ensure!(
        carrier.attr("data-carrier").await?.as_deref() == Some("ups"),
        "UPS recognised from the camera's code"
    );
    // Exactly as after a USB scan: the focus moved on to the recipient.
    let focused = app.client.active_element().await?;
    anyhow::ensure!(
        focused.attr("id").await?.as_deref() == Some("intake-recipient"),
        "the recipient field has the focus after the camera scan"
    );
    app.wait_for("[data-testid=camera-outline]").await?;
    app.screenshot(&shots, "intake-camera").await?;

    // The video loops three more times: the label never leaves the view for long, so it
    // is one scan.
    let seen_at_accept: u64 = attr(&app, "[data-testid=camera-panel]", "data-frames")
        .await?
        .unwrap_or_default()
        .parse()?;
    eventually("three more loops of the video", WAIT, || async {
        let frames: u64 = attr(&app, "[data-testid=camera-panel]", "data-frames")
            .await?
            .unwrap_or_default()
            .parse()?;
        Ok((frames >= seen_at_accept + 3 * per_loop as u64).then_some(()))
    })
    .await?;
    let accepted = attr(&app, "[data-testid=camera-panel]", "data-accepted").await?;
    anyhow::ensure!(
        accepted.as_deref() == Some("1"),
        "the code was accepted {accepted:?} times"
    );

    // The parcel registered (recipient typed and chosen, Enter), the photo button keeps
    // what the camera shows with it.
    app.wait_for("#intake-recipient")
        .await?
        .send_keys(&name)
        .await?;
    app.wait_for("[role=option]").await?;
    app.press_enter().await?;
    app.wait_for("[data-testid=recipient-chosen]").await?;
    app.press_enter().await?;
    let registered = app.wait_for("[data-testid=intake-registered]").await?;
    let package_id = registered
        .attr("data-package-id")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the registered parcel has no id"))?;
    app.click("[data-testid=camera-photo]").await?;
    app.wait_for_attr(
        "[data-testid=intake-photo-status]",
        "data-state",
        &["taken"],
    )
    .await?;

    // Another staff member's desk gets it through the server: the photo, then its JPEG.
    let photo = eventually("the photo at the other desk", WAIT, || async {
        other.sync_now().await?;
        Ok(other
            .package_photos(&package_id)
            .await
            .ok()
            .and_then(|photos| photos.into_iter().find(|p| !p.pending)))
    })
    .await?;
    let jpeg = other.blob(&photo.photo.sha256).await?;
    let still = image::load_from_memory(&jpeg)?;
    anyhow::ensure!(
        (still.width(), still.height()) == (1280, 720),
        "the still is the camera's frame: {}×{}",
        still.width(),
        still.height()
    );

    // Turning the camera off (as leaving the screen does) ends the preview.
    app.click("[data-testid=camera-toggle]").await?;
    app.wait_for_attr("[data-testid=camera-panel]", "data-state", &["off"])
        .await?;

    // The parcel's page shows the photo, settled (the server has it).
    app.click("[data-testid=nav-packages]").await?;
    app.click(&format!(
        "[data-testid=package-row][data-package-id='{package_id}']"
    ))
    .await?;
    app.wait_for("[data-testid=package-photo]").await?;
    app.wait_for_attr(
        "[data-testid=package-photo-item]",
        "data-pending",
        &["false"],
    )
    .await?;
    app.screenshot(&shots, "package-photo").await?;
    app.close().await?;
    Ok(())
}
