//! The camera at the desk without a window: the developer frame source "files" is kept in
//! the desk's settings and drives the preview through the real pipeline (here a label
//! image, whose QR code is one of our package codes); package photos are queued writes
//! laid over the server's, on a real SQLite file.

use std::sync::mpsc;
use std::time::Duration;

use frontdesk_desk_core::camera_preview::PreviewStart;
use frontdesk_desk_core::camera_settings::{CameraSettings, FrameSourceSetting};
use frontdesk_desk_core::instructions::Author;
use frontdesk_desk_core::labels::{self, LabelSettings};
use frontdesk_desk_core::store::{MIGRATOR, Store};
use frontdesk_desk_core::{Desk, DeskErrorCode, DeskOptions};
use frontdesk_protocol::{Change, ChangeBody, MutationBody, PackagePhoto, blob_sha256};
use frontdesk_scan::camera::CameraErrorKind;
use uuid::Uuid;

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

const ME: Author<'static> = Author {
    staff_id: "staff-me",
    building_id: "b1",
};

fn photo_change(seq: i64, mutation_id: Option<Uuid>, photo: PackagePhoto) -> Change {
    Change {
        seq,
        committed_at_ms: 0,
        mutation_id,
        body: ChangeBody::PackagePhotoAdded(photo),
    }
}

#[tokio::test]
async fn a_queued_photo_shows_at_once_and_the_servers_photos_replace_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    let (first, second) = ("1".repeat(64), "2".repeat(64));
    let queued = store.add_package_photo("p1", &second, 20).await.unwrap();
    store.add_package_photo("p2", &first, 15).await.unwrap();
    // Another desk's photo of p1, taken earlier, as the server has it.
    store
        .apply_changes(
            &[photo_change(
                1,
                None,
                PackagePhoto {
                    package_id: "p1".into(),
                    building_id: "b1".into(),
                    sha256: first.clone(),
                    taken_at_ms: 10,
                    taken_by: "staff-other".into(),
                },
            )],
            0,
        )
        .await
        .unwrap();
    let photos = store.package_photos("p1", &ME).await.unwrap();
    let shown: Vec<(&str, bool, &str)> = photos
        .iter()
        .map(|p| {
            (
                p.photo.sha256.as_str(),
                p.pending,
                p.photo.taken_by.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (first.as_str(), false, "staff-other"),
            (second.as_str(), true, "staff-me")
        ]
    );
    // The same photo queued again is still one photo.
    store.add_package_photo("p1", &second, 30).await.unwrap();
    assert_eq!(store.package_photos("p1", &ME).await.unwrap().len(), 2);

    // The echo: the server's row (as first added) replaces the queued one.
    let echoed = PackagePhoto {
        package_id: "p1".into(),
        building_id: "b1".into(),
        sha256: second.clone(),
        taken_at_ms: 20,
        taken_by: "staff-me".into(),
    };
    store
        .apply_changes(&[photo_change(2, Some(queued.id), echoed.clone())], 0)
        .await
        .unwrap();
    let photos = store.package_photos("p1", &ME).await.unwrap();
    assert_eq!(photos.len(), 2);
    assert_eq!(photos[1].photo, echoed);
    assert!(!photos[1].pending);
    assert!(store.package_photos("p3", &ME).await.unwrap().is_empty());
}

#[tokio::test]
async fn photos_an_older_desk_kept_to_itself_are_queued_and_moved_to_the_blobs() {
    // The desk as it was before photos were synced (desk migrations up to 14), with
    // two photos in its photos folder.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("desk");
    std::fs::create_dir_all(data.join("photos")).unwrap();
    let (older, newer) = (
        b"\xff\xd8\xff older".to_vec(),
        b"\xff\xd8\xff newer".to_vec(),
    );
    let (older_sha, newer_sha) = (blob_sha256(&older), blob_sha256(&newer));
    {
        let path = data.join("desk.db");
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        let before = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(
                MIGRATOR
                    .iter()
                    .filter(|m| m.version < 20261122000015)
                    .cloned()
                    .collect(),
            ),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.run(&pool).await.unwrap();
        for (sha, at) in [
            (&newer_sha, 2_000_000_000_000_i64),
            (&older_sha, 1_000_000_000_000),
        ] {
            sqlx::query(
                "INSERT INTO package_photos (package_id, sha256, taken_at_ms) VALUES ('p1', ?, ?)",
            )
            .bind(sha)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
        std::fs::write(data.join("photos").join(format!("{older_sha}.jpg")), &older).unwrap();
        std::fs::write(data.join("photos").join(format!("{newer_sha}.jpg")), &newer).unwrap();
    }

    let desk = Desk::open(DeskOptions::new(&data)).await.unwrap();
    let queued = desk.outbox().await.unwrap();
    let photos: Vec<(&str, &str, i64)> = queued
        .iter()
        .map(|item| match &item.mutation.body {
            MutationBody::PackagePhotoAdd(add) => (
                add.id.as_str(),
                add.sha256.as_str(),
                item.mutation.client_time_ms,
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        photos,
        [
            ("p1", older_sha.as_str(), 1_000_000_000_000),
            ("p1", newer_sha.as_str(), 2_000_000_000_000)
        ]
    );
    for item in &queued {
        assert_eq!(
            item.mutation.id.get_version_num(),
            7,
            "{}",
            item.mutation.id
        );
        assert_eq!(item.queued_by, None);
    }
    // The ids are time-ordered like the desk's own: made from when the photo was taken.
    assert!(queued[0].mutation.id < queued[1].mutation.id);
    assert_eq!(
        desk.blob(&older_sha).await.unwrap(),
        older,
        "the JPEG is a blob now"
    );
    assert_eq!(desk.blob(&newer_sha).await.unwrap(), newer);
    assert!(!data.join("photos").exists());
}
