//! A parcel's photo through the real server with headless desks: taken at desk A
//! during an outage (from the developer file frame source, through the real preview
//! pipeline), it shows there at once as waiting; when the server returns, the JPEG is
//! uploaded before the photo is pushed, and desk B, signed in as another staff member,
//! sees the photo and fetches the same bytes, which it keeps.

use std::time::Duration;

use frontdesk_desk_core::camera_settings::{CameraSettings, FrameSourceSetting};
use frontdesk_desk_core::labels::{self, LabelSettings};
use frontdesk_desk_core::packages::NewPackage;
use frontdesk_e2e::eventually;
use frontdesk_e2e::headless::synced_desk;
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::demo_change_log;

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_taken_offline_reaches_the_other_desk_once_with_its_bytes() -> anyhow::Result<()> {
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
    let label = tmp.path().join("parcel.png");
    std::fs::write(
        &label,
        labels::preview_png(&labels::test_label(0, 0), &LabelSettings::default())?,
    )?;
    a.set_camera_settings(CameraSettings {
        camera: None,
        frame_source: FrameSourceSetting::Files {
            path: label.display().to_string(),
            fps: 10,
        },
    })
    .await?;

    server.kill().await?;
    let parcel = a
        .intake_package(NewPackage {
            tracking_number: Some("1Z12345E0205271686".into()),
            shelf: Some("B-3".into()),
            ..NewPackage::default()
        })
        .await?;
    let id = parcel.package.id.clone();
    a.start_camera_preview(Box::new(|_| true)).await?;
    eventually("the preview to show a picture", WAIT, || async {
        Ok(a.camera_still()?.map(|_| ()))
    })
    .await?;
    let taken = a.take_package_photo(&id).await?;
    a.stop_camera_preview().await?;
    assert!(taken.pending, "waiting for the server: {taken:?}");
    assert_eq!(taken.photo.package_id, id);
    let jpeg = a.blob(&taken.photo.sha256).await?;
    assert!(image::load_from_memory(&jpeg).is_ok(), "a real JPEG");
    assert_eq!(a.package_photos(&id).await?, vec![taken.clone()]);
    assert!(b.package_photos(&id).await?.is_empty());

    server.restart().await?;
    let at_b = eventually("the photo to reach desk B", WAIT, || async {
        b.sync_now().await?;
        Ok(b.package_photos(&id).await?.into_iter().next())
    })
    .await?;
    assert!(!at_b.pending);
    assert_eq!(at_b.photo.sha256, taken.photo.sha256);
    assert_eq!(at_b.photo.taken_by, taken.photo.taken_by);
    assert_eq!(at_b.photo.taken_at_ms, taken.photo.taken_at_ms);
    assert!(at_b.taken_by_name.is_some(), "{at_b:?}");
    assert_eq!(b.blob(&at_b.photo.sha256).await?, jpeg, "the same bytes");
    eventually("desk A to settle", WAIT, || async {
        a.sync_now().await?;
        Ok(a.outbox().await?.is_empty().then_some(()))
    })
    .await?;
    let settled = a.package_photos(&id).await?;
    assert_eq!(settled.len(), 1);
    assert!(!settled[0].pending);

    let log = demo_change_log(&server.url).await?;
    let added = log
        .iter()
        .filter(|c| c["body"]["kind"] == "package_photo_added")
        .filter(|c| c["body"]["data"]["package_id"] == id.as_str())
        .count();
    assert_eq!(added, 1, "pushed once");

    // Desk B kept what it fetched: it shows the photo with the server gone.
    server.kill().await?;
    assert_eq!(b.blob(&at_b.photo.sha256).await?, jpeg);
    Ok(())
}
