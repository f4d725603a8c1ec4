//! The camera at the desk without a window: the developer frame source "files" is kept in
//! the desk's settings and drives the preview through the real pipeline (here a label
//! image, whose QR code is one of our package codes); photos are kept under their hash on
//! a real SQLite file.

use std::sync::mpsc;
use std::time::Duration;

use frontdesk_desk_core::camera_preview::PreviewStart;
use frontdesk_desk_core::camera_settings::{CameraSettings, FrameSourceSetting};
use frontdesk_desk_core::labels::{self, LabelSettings};
use frontdesk_desk_core::photos::PhotoFolder;
use frontdesk_desk_core::store::Store;
use frontdesk_desk_core::{Desk, DeskErrorCode, DeskOptions};
use frontdesk_scan::camera::CameraErrorKind;

const WAIT: Duration = Duration::from_secs(120);

fn header(message: &[u8]) -> serde_json::Value {
    let length = u32::from_le_bytes(message[..4].try_into().unwrap()) as usize;
    serde_json::from_slice(&message[4..4 + length]).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_file_frame_source_is_kept_and_runs_the_preview_until_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let label = dir.path().join("label.png");
    let png = labels::preview_png(&labels::test_label(0, 0), &LabelSettings::default()).unwrap();
    std::fs::write(&label, png).unwrap();

    let desk = Desk::open(DeskOptions::new(dir.path().join("desk")))
        .await
        .unwrap();
    assert_eq!(
        desk.camera_settings().await.unwrap(),
        CameraSettings::default()
    );
    let refused = desk
        .set_camera_settings(CameraSettings {
            camera: None,
            frame_source: FrameSourceSetting::Files {
                path: dir.path().join("missing").display().to_string(),
                fps: 10,
            },
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, DeskErrorCode::InvalidInput);
    let files = CameraSettings {
        camera: Some("HD Webcam".into()),
        frame_source: FrameSourceSetting::Files {
            path: label.display().to_string(),
            fps: 20,
        },
    };
    desk.set_camera_settings(files.clone()).await.unwrap();
    drop(desk);

    // Kept across a restart of the desk.
    let desk = Desk::open(DeskOptions::new(dir.path().join("desk")))
        .await
        .unwrap();
    assert_eq!(desk.camera_settings().await.unwrap(), files);
    assert!(desk.camera_still().unwrap().is_none());

    let (send, messages) = mpsc::channel();
    let started = desk
        .start_camera_preview(Box::new(move |m| send.send(m).is_ok()))
        .await
        .unwrap();
    assert_eq!(
        started,
        PreviewStart::Live {
            source: label.display().to_string()
        }
    );
    let accepted = loop {
        let message = messages.recv_timeout(WAIT).expect("a preview message");
        let h = header(&message);
        if h["kind"] == "accepted" {
            break h;
        }
        assert_eq!(h["kind"], "frame", "{h}");
    };
    assert_eq!(accepted["text"], "TEST-0000");
    assert_eq!(accepted["reason"], "package_code");
    let still = desk.camera_still().unwrap().expect("a still of the label");
    assert!(image::load_from_memory(&still).is_ok());

    assert!(desk.stop_camera_preview().await.unwrap());
    assert!(!desk.stop_camera_preview().await.unwrap());
    assert!(desk.camera_still().unwrap().is_none());
    // The stopped preview has let its sink go: nothing more arrives.
    while messages.recv_timeout(Duration::from_millis(100)).is_ok() {}
    assert!(matches!(
        messages.recv_timeout(Duration::from_millis(10)),
        Err(mpsc::RecvTimeoutError::Disconnected)
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_camera_that_is_not_there_is_shown_as_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(DeskOptions::new(dir.path())).await.unwrap();
    desk.set_camera_settings(CameraSettings {
        camera: Some("No Such Camera 3000".into()),
        frame_source: FrameSourceSetting::Camera,
    })
    .await
    .unwrap();
    let started = desk.start_camera_preview(Box::new(|_| true)).await.unwrap();
    let PreviewStart::Unavailable(why) = started else {
        panic!("{started:?}");
    };
    assert_eq!(why.kind, CameraErrorKind::NoCamera);
    assert!(
        why.message.contains("No Such Camera 3000"),
        "{}",
        why.message
    );
}

#[tokio::test]
async fn photos_are_kept_under_their_hash_with_their_parcel() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    let folder = PhotoFolder::new(dir.path().join("photos"));
    let first = folder.put(b"\xff\xd8first").unwrap();
    let second = folder.put(b"\xff\xd8second").unwrap();
    store.add_package_photo("p1", &second, 20).await.unwrap();
    store.add_package_photo("p1", &first, 10).await.unwrap();
    // The same photo twice is one photo.
    store.add_package_photo("p1", &first, 30).await.unwrap();
    store.add_package_photo("p2", &first, 40).await.unwrap();
    let photos = store.package_photos("p1").await.unwrap();
    let hashes: Vec<&str> = photos.iter().map(|p| p.sha256.as_str()).collect();
    assert_eq!(hashes, [first.as_str(), second.as_str()]);
    assert_eq!(folder.get(&photos[1].sha256).unwrap(), b"\xff\xd8second");
    assert!(store.package_photos("p3").await.unwrap().is_empty());
}
