//! Parcels at the desk, on a real SQLite file: an intake is on the shelf at once,
//! recognised and addressed; pickups are checked against the status shown; the
//! server's echo settles them and its rejection reverts them.

use frontdesk_desk_core::DeskErrorCode;
use frontdesk_desk_core::instructions::Author;
use frontdesk_desk_core::packages::{NewPackage, PackageQuery};
use frontdesk_desk_core::store::Store;
use frontdesk_protocol::{
    Authority, Change, ChangeBody, MutationBody, MutationOutcome, MutationResult, Package,
    PackageEvent, PackageFlags, PackageStatus, PackageTransition, RejectCode, Resident, Unit,
    parse_package_code,
};
use uuid::Uuid;

const ME: Author<'static> = Author {
    staff_id: "staff-me",
    building_id: "b1",
};

fn change(seq: i64, mutation_id: Option<Uuid>, body: ChangeBody) -> Change {
    Change {
        seq,
        committed_at_ms: 0,
        mutation_id,
        body,
    }
}

fn unit(id: &str, number: &str) -> ChangeBody {
    ChangeBody::UnitUpserted(Unit {
        id: id.into(),
        building_id: "b1".into(),
        unit_number: number.into(),
        floor_number: None,
        square_footage: None,
        bedrooms: None,
        bathrooms: None,
        is_occupied: None,
        unit_type: None,
        occupant_name: None,
    })
}

fn resident(id: &str, unit: &str) -> ChangeBody {
    ChangeBody::ResidentUpserted(Resident {
        id: id.into(),
        building_id: "b1".into(),
        unit_id: Some(unit.into()),
        user_id: None,
        first_name: "Hélène".into(),
        last_name: "Côté".into(),
        email: None,
        phone: None,
        is_owner: true,
        is_primary_resident: true,
        move_in_date: None,
        move_out_date: None,
        preferred_language: Some("fr".into()),
        preferred_notification_method: None,
        notes: None,
    })
}

/// Units u1 and u2, resident r1 in u1.
async fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    store
        .apply_changes(
            &[
                change(1, None, unit("u1", "101")),
                change(2, None, unit("u2", "102")),
                change(3, None, resident("r1", "u1")),
            ],
            0,
        )
        .await
        .unwrap();
    (dir, store)
}

fn for_r1(tracking: &str) -> NewPackage {
    NewPackage {
        tracking_number: Some(tracking.into()),
        resident_id: Some("r1".into()),
        shelf: Some("A".into()),
        ..NewPackage::default()
    }
}

fn pickup(id: &str, by: Option<&str>) -> PackageTransition {
    PackageTransition {
        id: id.into(),
        event_id: Uuid::now_v7().to_string(),
        to: PackageStatus::PickedUp,
        note: None,
        collected_by: by.map(Into::into),
        override_reason: None,
        signature: None,
    }
}

fn on_shelf_of(unit: &str) -> PackageQuery {
    PackageQuery {
        on_shelf: true,
        unit_id: Some(unit.into()),
        ..PackageQuery::default()
    }
}

#[tokio::test]
async fn an_intake_is_on_the_shelf_at_once_recognised_and_addressed() {
    let (_dir, store) = seeded().await;
    let (mutation, intake) = store
        .intake_package(for_r1(" 1z12345e0205271686 "), 1_000)
        .await
        .unwrap();
    assert!(matches!(mutation.body, MutationBody::PackageIntake(_)));
    assert_eq!(
        parse_package_code(&intake.code).as_deref(),
        Some(intake.code.as_str())
    );
    assert_eq!(
        intake.tracking_number.as_deref(),
        Some("1Z12345E0205271686")
    );
    assert_eq!(
        intake.carrier.as_deref(),
        Some("ups"),
        "recognised from the number"
    );
    assert_eq!(intake.unit_id.as_deref(), Some("u1"), "the resident's unit");

    let shown = store.packages(&on_shelf_of("u1"), &ME).await.unwrap();
    assert_eq!(shown.len(), 1);
    assert!(shown[0].pending);
    assert_eq!(shown[0].package.status, PackageStatus::Waiting);
    assert_eq!(shown[0].package.received_by, "staff-me");
    assert!(
        store
            .packages(&on_shelf_of("u2"), &ME)
            .await
            .unwrap()
            .is_empty()
    );
    // Found by its code as typed from the label, or by a scan of its tracking number.
    for text in [
        intake.code.replace('-', "").to_lowercase(),
        "1Z12345".into(),
    ] {
        let query = PackageQuery {
            text: Some(text.clone()),
            ..PackageQuery::default()
        };
        assert_eq!(
            store.packages(&query, &ME).await.unwrap().len(),
            1,
            "{text}"
        );
    }
    let (_, history) = store.package(&intake.id, &ME).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].event.to, PackageStatus::Waiting);
    assert_eq!(store.outbox_counts().await.unwrap().queued, 1);
}

#[tokio::test]
async fn a_bad_intake_is_refused_before_anything_is_queued() {
    let (_dir, store) = seeded().await;
    let unknown = NewPackage {
        resident_id: Some("nobody".into()),
        ..NewPackage::default()
    };
    let err = store.intake_package(unknown, 1).await.unwrap_err();
    assert_eq!(err.code, DeskErrorCode::NotFound);
    let wrong_unit = NewPackage {
        resident_id: Some("r1".into()),
        unit_id: Some("u2".into()),
        ..NewPackage::default()
    };
    assert_eq!(
        store.intake_package(wrong_unit, 1).await.unwrap_err().code,
        DeskErrorCode::InvalidInput
    );
    let long = NewPackage {
        note: Some("x".repeat(501)),
        ..NewPackage::default()
    };
    assert_eq!(
        store.intake_package(long, 1).await.unwrap_err().code,
        DeskErrorCode::InvalidInput
    );
    assert_eq!(store.outbox_counts().await.unwrap().queued, 0);
}

#[tokio::test]
async fn a_pickup_takes_everything_off_the_shelf_and_cannot_happen_twice() {
    let (_dir, store) = seeded().await;
    let (_, one) = store
        .intake_package(for_r1("TBA123456789012"), 1)
        .await
        .unwrap();
    let (_, two) = store
        .intake_package(for_r1("TBA123456789013"), 2)
        .await
        .unwrap();
    let err = store
        .transition_packages(vec![pickup(&one.id, None)], Authority::Staff, &ME, 3)
        .await
        .unwrap_err();
    assert_eq!(err.code, DeskErrorCode::InvalidInput, "who collected it");
    store
        .transition_packages(
            vec![
                pickup(&one.id, Some("Hélène Côté")),
                pickup(&two.id, Some("Hélène Côté")),
            ],
            Authority::Staff,
            &ME,
            4,
        )
        .await
        .unwrap();
    assert!(
        store
            .packages(&on_shelf_of("u1"), &ME)
            .await
            .unwrap()
            .is_empty()
    );
    let (view, history) = store.package(&one.id, &ME).await.unwrap();
    assert_eq!(view.package.status, PackageStatus::PickedUp);
    assert_eq!(view.package.collected_by.as_deref(), Some("Hélène Côté"));
    assert_eq!(history.len(), 2);
    let err = store
        .transition_packages(
            vec![pickup(&one.id, Some("Again"))],
            Authority::Staff,
            &ME,
            5,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, DeskErrorCode::Conflict);
    assert!(err.message.contains("already picked up"), "{}", err.message);
    assert_eq!(store.outbox_counts().await.unwrap().queued, 4);
}

#[tokio::test]
async fn the_echo_settles_an_intake_and_a_rejection_reverts_a_pickup() {
    let (_dir, store) = seeded().await;
    let (intake_mutation, intake) = store
        .intake_package(for_r1("TBA123456789012"), 1)
        .await
        .unwrap();
    // The server's echo: the package as committed, and its intake event.
    let package = Package {
        id: intake.id.clone(),
        building_id: "b1".into(),
        code: intake.code.clone(),
        tracking_number: intake.tracking_number.clone(),
        carrier: intake.carrier.clone(),
        resident_id: Some("r1".into()),
        unit_id: Some("u1".into()),
        shelf: Some("A".into()),
        size: None,
        flags: PackageFlags::default(),
        note: None,
        status: PackageStatus::Waiting,
        received_at_ms: 1,
        received_by: "staff-me".into(),
        status_at_ms: 1,
        collected_by: None,
    };
    let event = PackageEvent {
        id: intake_mutation.id.to_string(),
        package_id: intake.id.clone(),
        building_id: "b1".into(),
        from: None,
        to: PackageStatus::Waiting,
        by: "staff-me".into(),
        at_ms: 1,
        note: None,
        override_reason: None,
        signature: None,
    };
    store
        .apply_changes(
            &[
                change(
                    4,
                    Some(intake_mutation.id),
                    ChangeBody::PackageUpserted(package),
                ),
                change(
                    5,
                    Some(intake_mutation.id),
                    ChangeBody::PackageEventAdded(event),
                ),
            ],
            10,
        )
        .await
        .unwrap();
    let (view, history) = store.package(&intake.id, &ME).await.unwrap();
    assert!(!view.pending, "settled by its echo");
    assert_eq!(history.len(), 1, "the echoed event once, not twice");

    let queued = store
        .transition_packages(
            vec![pickup(&intake.id, Some("Someone"))],
            Authority::Staff,
            &ME,
            11,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .package(&intake.id, &ME)
            .await
            .unwrap()
            .0
            .package
            .status,
        PackageStatus::PickedUp
    );
    // Another desk handed it over first: the server refuses this desk's pickup.
    store
        .record_push_results(&[MutationResult {
            id: queued[0].id,
            duplicate: false,
            outcome: MutationOutcome::Rejected {
                code: RejectCode::Conflict,
                reason: "the package was already picked up".into(),
            },
        }])
        .await
        .unwrap();
    let (view, _) = store.package(&intake.id, &ME).await.unwrap();
    assert_eq!(view.package.status, PackageStatus::Waiting, "reverted");
    assert!(!view.pending);
    let items = store.outbox_items().await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].reject_reason.as_deref(),
        Some("the package was already picked up")
    );
}

#[tokio::test]
async fn a_pulled_pickup_keeps_its_signature_in_the_history() {
    let (_dir, store) = seeded().await;
    let package = Package {
        id: "p-1".into(),
        building_id: "b1".into(),
        code: "ABCD-EFGH".into(),
        tracking_number: None,
        carrier: None,
        resident_id: Some("r1".into()),
        unit_id: Some("u1".into()),
        shelf: None,
        size: None,
        flags: PackageFlags {
            signature_required: true,
            ..PackageFlags::default()
        },
        note: None,
        status: PackageStatus::PickedUp,
        received_at_ms: 1,
        received_by: "staff-other".into(),
        status_at_ms: 2,
        collected_by: Some("Hélène Côté".into()),
    };
    let event = PackageEvent {
        id: "e-1".into(),
        package_id: "p-1".into(),
        building_id: "b1".into(),
        from: Some(PackageStatus::Waiting),
        to: PackageStatus::PickedUp,
        by: "staff-other".into(),
        at_ms: 2,
        note: None,
        override_reason: None,
        signature: Some("M 1 2 L 3 4".into()),
    };
    store
        .apply_changes(
            &[
                change(4, None, ChangeBody::PackageUpserted(package)),
                change(5, None, ChangeBody::PackageEventAdded(event)),
            ],
            0,
        )
        .await
        .unwrap();
    let (_, history) = store.package("p-1", &ME).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].event.signature.as_deref(), Some("M 1 2 L 3 4"));
}
