//! A parcel's notices at the desk, on a real SQLite file: the server's
//! `package_notice_upserted` changes are applied (a later state replaces the earlier
//! one), read back per parcel oldest first, and forgotten by a full resync.

use frontdesk_desk_core::store::Store;
use frontdesk_protocol::{
    Change, ChangeBody, NoticeKind, NoticeState, PackageNotice, PullResponse,
};

fn change(seq: i64, body: ChangeBody) -> Change {
    Change {
        seq,
        committed_at_ms: 0,
        mutation_id: None,
        body,
    }
}

fn notice(id: &str, package: &str, kind: NoticeKind, state: NoticeState, at: i64) -> PackageNotice {
    PackageNotice {
        id: id.into(),
        package_id: package.into(),
        building_id: "b1".into(),
        resident_id: Some("r1".into()),
        kind,
        state,
        attempts: 0,
        last_error: None,
        last_attempt_at_ms: None,
        sent_at_ms: None,
        created_at_ms: at,
    }
}

#[tokio::test]
async fn notices_are_applied_replaced_and_read_per_parcel() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    let queued = notice("n1", "p1", NoticeKind::Intake, NoticeState::Queued, 10);
    let failing = PackageNotice {
        attempts: 2,
        last_error: Some("Connection refused (os error 111)".into()),
        last_attempt_at_ms: Some(20),
        ..queued.clone()
    };
    let sent = PackageNotice {
        state: NoticeState::Sent,
        attempts: 3,
        last_error: None,
        last_attempt_at_ms: Some(30),
        sent_at_ms: Some(30),
        ..queued.clone()
    };
    let other = notice("n2", "p2", NoticeKind::Intake, NoticeState::Skipped, 11);
    let applied = store
        .apply_changes(
            &[
                change(1, ChangeBody::PackageNoticeUpserted(queued)),
                change(2, ChangeBody::PackageNoticeUpserted(other.clone())),
                change(3, ChangeBody::PackageNoticeUpserted(failing.clone())),
            ],
            0,
        )
        .await
        .unwrap();
    assert!(applied.packages_changed, "the package page refreshes");
    assert_eq!(store.package_notices("p1").await.unwrap(), vec![failing]);
    assert_eq!(store.package_notices("p2").await.unwrap(), vec![other]);
    assert!(store.package_notices("nope").await.unwrap().is_empty());

    // Two in one run (one statement): the later one wins; a reminder comes after.
    let reminder = notice("n3", "p1", NoticeKind::Reminder, NoticeState::Queued, 40);
    store
        .apply_changes(
            &[
                change(4, ChangeBody::PackageNoticeUpserted(sent.clone())),
                change(5, ChangeBody::PackageNoticeUpserted(reminder.clone())),
            ],
            0,
        )
        .await
        .unwrap();
    assert_eq!(
        store.package_notices("p1").await.unwrap(),
        vec![sent, reminder]
    );

    // A full resync forgets them with the rest of the server's state.
    store
        .start_full_resync(
            &PullResponse {
                changes: Vec::new(),
                has_more: false,
                head_seq: 5,
                horizon_seq: 5,
            },
            0,
        )
        .await
        .unwrap();
    assert!(store.package_notices("p1").await.unwrap().is_empty());
}
