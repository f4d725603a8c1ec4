//! What a scan is to the desk, and the names the package screens show, on a real SQLite
//! file: a label code finds its parcel, a tracking number finds the parcels on the
//! shelf that carry it (the duplicate warning at intake, the hand-over at pickup), and
//! each view carries the recipient's name, the unit number and who took it in.

use frontdesk_desk_core::DeskErrorCode;
use frontdesk_desk_core::instructions::Author;
use frontdesk_desk_core::packages::{NewPackage, OVERDUE_AFTER_DAYS, PackageQuery};
use frontdesk_desk_core::store::Store;
use frontdesk_protocol::{
    Authority, Change, ChangeBody, PackageStatus, PackageTransition, Resident, StaffMember,
    StaffRole, Unit,
};

const ME: Author<'static> = Author {
    staff_id: "staff-me",
    building_id: "b1",
};
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn change(seq: i64, body: ChangeBody) -> Change {
    Change {
        seq,
        committed_at_ms: 0,
        mutation_id: None,
        body,
    }
}

async fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    let unit = Unit {
        id: "u1".into(),
        building_id: "b1".into(),
        unit_number: "1204".into(),
        floor_number: Some(12),
        square_footage: None,
        bedrooms: None,
        bathrooms: None,
        is_occupied: None,
        unit_type: None,
        occupant_name: None,
    };
    let resident = Resident {
        id: "r1".into(),
        building_id: "b1".into(),
        unit_id: Some("u1".into()),
        user_id: None,
        first_name: "Hélène".into(),
        last_name: "Bélanger".into(),
        email: None,
        phone: None,
        is_owner: true,
        is_primary_resident: true,
        move_in_date: None,
        move_out_date: None,
        preferred_language: Some("fr".into()),
        preferred_notification_method: None,
        notes: None,
    };
    let staff = StaffMember {
        id: "staff-me".into(),
        building_id: "b1".into(),
        name: "Marc Concierge".into(),
        email: "marc@b1.test".into(),
        role: StaffRole::Doorman,
        disabled: false,
    };
    store
        .apply_changes(
            &[
                change(1, ChangeBody::UnitUpserted(unit)),
                change(2, ChangeBody::ResidentUpserted(resident)),
                change(3, ChangeBody::StaffUpserted(staff)),
            ],
            0,
        )
        .await
        .unwrap();
    (dir, store)
}

fn parcel(tracking: &str) -> NewPackage {
    NewPackage {
        tracking_number: Some(tracking.into()),
        resident_id: Some("r1".into()),
        ..NewPackage::default()
    }
}

#[tokio::test]
async fn a_label_code_finds_its_parcel_with_the_names_to_show() {
    let (_dir, store) = seeded().await;
    let (_, intake) = store
        .intake_package(parcel("1Z12345E0205271686"), 1_000)
        .await
        .unwrap();
    // As a scanner reads the QR code, and as staff type it from the label.
    for text in [
        intake.code.clone(),
        intake.code.replace('-', "").to_lowercase(),
    ] {
        let found = store.lookup_scan(&text, &ME).await.unwrap();
        assert!(
            found.tracking.is_none(),
            "{text}: a label code, not a tracking number"
        );
        let view = found.package.expect("the parcel of that label");
        assert_eq!(view.package.id, intake.id);
        assert_eq!(view.recipient_name.as_deref(), Some("Hélène Bélanger"));
        assert_eq!(view.unit_number.as_deref(), Some("1204"));
        assert_eq!(view.received_by_name.as_deref(), Some("Marc Concierge"));
        assert!(view.pending);
    }
    // A well-formed code that is on no parcel here.
    let none = store.lookup_scan("ZZZZ-ZZZZ", &ME).await.unwrap();
    assert!(none.package.is_none() && none.tracking.is_none());
}

#[tokio::test]
async fn a_tracking_number_already_on_the_shelf_is_found_until_it_is_picked_up() {
    let (_dir, store) = seeded().await;
    let first = store
        .lookup_scan(" 1z12345e0205271686 ", &ME)
        .await
        .unwrap();
    let tracking = first.tracking.expect("read as a tracking number");
    assert_eq!(tracking.tracking_number, "1Z12345E0205271686");
    assert_eq!(tracking.carrier.as_deref(), Some("ups"));
    assert_eq!(tracking.carrier_name.as_deref(), Some("UPS"));
    assert!(tracking.valid);
    assert!(first.on_shelf.is_empty(), "nothing taken in yet");

    let (_, intake) = store
        .intake_package(parcel("1Z12345E0205271686"), 1_000)
        .await
        .unwrap();
    // Another parcel whose number merely starts the same way is not a duplicate.
    store
        .intake_package(parcel("1Z12345E02052716"), 1_000)
        .await
        .unwrap();
    let again = store.lookup_scan("1Z12345E0205271686", &ME).await.unwrap();
    let ids: Vec<_> = again
        .on_shelf
        .iter()
        .map(|v| v.package.id.as_str())
        .collect();
    assert_eq!(ids, [intake.id.as_str()]);

    store
        .transition_packages(
            vec![PackageTransition {
                id: intake.id.clone(),
                event_id: uuid::Uuid::now_v7().to_string(),
                to: PackageStatus::PickedUp,
                note: None,
                collected_by: Some("Hélène Bélanger".into()),
                override_reason: None,
                signature: None,
            }],
            Authority::Staff,
            &ME,
            2_000,
        )
        .await
        .unwrap();
    let after = store.lookup_scan("1Z12345E0205271686", &ME).await.unwrap();
    assert!(
        after.on_shelf.is_empty(),
        "picked up: no longer a duplicate"
    );
    // A wrong check digit is read, flagged, and not corrected.
    let bad = store.lookup_scan("1Z12345E0205271687", &ME).await.unwrap();
    let bad = bad.tracking.unwrap();
    assert_eq!(bad.tracking_number, "1Z12345E0205271687");
    assert!(!bad.valid);

    let empty = store.lookup_scan("   ", &ME).await.unwrap_err();
    assert_eq!(empty.code, DeskErrorCode::InvalidInput);
}

#[tokio::test]
async fn parcels_filter_by_status_and_age_and_old_ones_are_overdue() {
    let (_dir, store) = seeded().await;
    let now = frontdesk_now();
    let old_at = now - (OVERDUE_AFTER_DAYS + 1) * DAY_MS;
    let (_, old) = store
        .intake_package(parcel("TBA123456789012"), old_at)
        .await
        .unwrap();
    let (_, fresh) = store
        .intake_package(
            NewPackage {
                shelf: Some(" C-4 ".into()),
                ..parcel("TBA123456789013")
            },
            now - 60_000,
        )
        .await
        .unwrap();
    let remembered: Option<String> = store.setting("last_shelf").await.unwrap();
    assert_eq!(
        remembered.as_deref(),
        Some("C-4"),
        "the next intake starts there"
    );
    let all = store.packages(&PackageQuery::default(), &ME).await.unwrap();
    let overdue: Vec<(&str, bool)> = all
        .iter()
        .map(|v| (v.package.id.as_str(), v.overdue))
        .collect();
    assert_eq!(
        overdue,
        [(fresh.id.as_str(), false), (old.id.as_str(), true)]
    );

    let older_than_a_day = PackageQuery {
        received_before_ms: Some(now - DAY_MS),
        ..PackageQuery::default()
    };
    let shown = store.packages(&older_than_a_day, &ME).await.unwrap();
    let ids: Vec<&str> = shown.iter().map(|v| v.package.id.as_str()).collect();
    assert_eq!(ids, [old.id.as_str()]);

    store
        .transition_packages(
            vec![PackageTransition {
                id: old.id.clone(),
                event_id: uuid::Uuid::now_v7().to_string(),
                to: PackageStatus::Lost,
                note: Some("not on shelf B".into()),
                collected_by: None,
                override_reason: None,
                signature: None,
            }],
            Authority::Staff,
            &ME,
            now,
        )
        .await
        .unwrap();
    let lost = PackageQuery {
        status: Some(PackageStatus::Lost),
        ..PackageQuery::default()
    };
    let shown = store.packages(&lost, &ME).await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].package.id, old.id);
    assert!(
        !shown[0].overdue,
        "a lost parcel is not waiting on the shelf"
    );
    // The history names who did what.
    let (_, history) = store.package(&old.id, &ME).await.unwrap();
    let steps: Vec<_> = history
        .iter()
        .map(|e| (e.event.to, e.by_name.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            (PackageStatus::Waiting, Some("Marc Concierge")),
            (PackageStatus::Lost, Some("Marc Concierge"))
        ]
    );
}

fn frontdesk_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn the_unit_filter_takes_a_unit_number_prefix_over_every_parcel() {
    let (_dir, store) = seeded().await;
    let (_, in_1204) = store
        .intake_package(parcel("TBA123456789012"), 1_000)
        .await
        .unwrap();
    let shown = |prefix: &'static str| {
        let store = &store;
        async move {
            let query = PackageQuery {
                unit_number: Some(prefix.into()),
                ..PackageQuery::default()
            };
            let views = store.packages(&query, &ME).await.unwrap();
            views.into_iter().map(|v| v.package.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        shown("12").await,
        std::slice::from_ref(&in_1204.id),
        "a prefix of 1204"
    );
    assert_eq!(shown(" 1204 ").await, std::slice::from_ref(&in_1204.id));
    assert!(shown("13").await.is_empty());
    assert!(shown("1%").await.is_empty(), "LIKE wildcards are literal");
    assert!(shown("_2").await.is_empty(), "LIKE wildcards are literal");
    // A parcel without a unit is never in a unit's list.
    store
        .intake_package(
            NewPackage {
                tracking_number: Some("TBA123456789013".into()),
                ..NewPackage::default()
            },
            2_000,
        )
        .await
        .unwrap();
    assert_eq!(shown("1").await, [in_1204.id]);
}
