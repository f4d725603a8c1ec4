//! The local store and directory search, on a real SQLite file.

use frontdesk_desk_core::store::Store;
use frontdesk_protocol::{Building, Change, ChangeBody, Resident, Unit};

fn building() -> Building {
    Building {
        id: "b1".into(),
        name: "Lofts des Arts".into(),
        address: Some("1 rue Sainte-Catherine".into()),
        city: Some("Montréal".into()),
        province: Some("QC".into()),
        postal_code: None,
        country: Some("Canada".into()),
    }
}

fn unit(id: &str, number: &str) -> Unit {
    Unit {
        id: id.into(),
        building_id: "b1".into(),
        unit_number: number.into(),
        floor_number: number.get(..number.len() - 2).and_then(|f| f.parse().ok()),
        square_footage: Some(850.0),
        bedrooms: Some(2),
        bathrooms: Some(1.5),
        is_occupied: Some(true),
        unit_type: Some("condo".into()),
        occupant_name: None,
    }
}

fn resident(id: &str, first: &str, last: &str, unit: &str, email: &str, phone: &str) -> Resident {
    Resident {
        id: id.into(),
        building_id: "b1".into(),
        unit_id: Some(unit.into()),
        user_id: None,
        first_name: first.into(),
        last_name: last.into(),
        email: Some(email.into()),
        phone: Some(phone.into()),
        is_owner: id.ends_with('1'),
        is_primary_resident: true,
        move_in_date: Some("2021-07-01".into()),
        move_out_date: None,
        preferred_language: Some("fr".into()),
        preferred_notification_method: Some("email".into()),
        notes: None,
    }
}

fn changes(bodies: Vec<ChangeBody>, first_seq: i64) -> Vec<Change> {
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| Change {
            seq: first_seq + i as i64,
            committed_at_ms: 0,
            mutation_id: None,
            body,
        })
        .collect()
}

async fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    let bodies = vec![
        ChangeBody::BuildingUpserted(building()),
        ChangeBody::UnitUpserted(unit("u101", "101")),
        ChangeBody::UnitUpserted(unit("u1203", "1203")),
        ChangeBody::UnitUpserted(unit("u120", "120")),
        ChangeBody::ResidentUpserted(resident(
            "r1",
            "Céline",
            "Gagné",
            "u101",
            "celine.gagne@exemple.ca",
            "514-555-0101",
        )),
        ChangeBody::ResidentUpserted(resident(
            "r2",
            "Jean-François",
            "Bélanger",
            "u1203",
            "jf@exemple.ca",
            "(438) 555-1203",
        )),
        ChangeBody::ResidentUpserted(resident(
            "r3",
            "Zoë",
            "Smith",
            "u1203",
            "zoe.smith@example.com",
            "+1 514 555 7788",
        )),
        ChangeBody::ResidentUpserted(resident(
            "r4",
            "Marc",
            "Lévesque",
            "u120",
            "marc@exemple.ca",
            "514 555 4321",
        )),
    ];
    let applied = store
        .apply_changes(&changes(bodies, 1), 1_000)
        .await
        .unwrap();
    assert_eq!(applied.changes, 8);
    (dir, store)
}

async fn ids(store: &Store, q: &str) -> Vec<String> {
    store
        .search_residents(q, 50)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[tokio::test]
async fn accents_and_case_do_not_matter() {
    let (_dir, store) = seeded().await;
    assert_eq!(ids(&store, "celine").await, vec!["r1"]);
    assert_eq!(ids(&store, "CÉLINE gagne").await, vec!["r1"]);
    assert_eq!(ids(&store, "zoe").await, vec!["r3"]);
    assert_eq!(ids(&store, "levesque").await, vec!["r4"]);
    assert_eq!(ids(&store, "jean francois").await, vec!["r2"]);
    assert_eq!(ids(&store, "Jean-François Bél").await, vec!["r2"]);
}

#[tokio::test]
async fn partial_names_match_as_prefixes() {
    let (_dir, store) = seeded().await;
    assert_eq!(ids(&store, "gag").await, vec!["r1"]);
    assert_eq!(ids(&store, "ma lev").await, vec!["r4"]);
    assert!(
        ids(&store, "agne").await.is_empty(),
        "only word prefixes match"
    );
    assert!(ids(&store, "nobody").await.is_empty());
}

#[tokio::test]
async fn unit_numbers_find_their_residents_exact_match_first() {
    let (_dir, store) = seeded().await;
    let mut in_1203 = ids(&store, "1203").await;
    in_1203.sort();
    assert_eq!(in_1203, vec!["r2", "r3"]);
    // "120" is unit 120 exactly and a prefix of 1203: the exact unit comes first.
    let hits = ids(&store, "120").await;
    assert_eq!(hits.first().map(String::as_str), Some("r4"));
    assert_eq!(hits.len(), 3);
}

#[tokio::test]
async fn email_and_phone_find_residents() {
    let (_dir, store) = seeded().await;
    assert_eq!(ids(&store, "zoe.smith@").await, vec!["r3"]);
    assert_eq!(ids(&store, "exemple.ca jf").await, vec!["r2"]);
    assert_eq!(ids(&store, "555-0101").await, vec!["r1"]);
    assert_eq!(ids(&store, "(514) 555-7788").await, vec!["r3"]);
    assert_eq!(ids(&store, "4321").await, vec!["r4"]);
}

#[tokio::test]
async fn hostile_input_is_just_text() {
    let (_dir, store) = seeded().await;
    for q in [
        "\"",
        "*",
        "NEAR(",
        "a OR b",
        "') DROP TABLE residents; --",
        "^",
        "\u{0}",
    ] {
        store
            .search_residents(q, 10)
            .await
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    assert_eq!(ids(&store, "").await.len(), 4, "the directory is intact");
}

#[tokio::test]
async fn empty_query_lists_by_name_and_limit_applies() {
    let (_dir, store) = seeded().await;
    assert_eq!(ids(&store, "  ").await, vec!["r2", "r1", "r4", "r3"]);
    let page = store.search_residents("", 2).await.unwrap();
    assert_eq!(
        (page.hits.len(), page.total),
        (2, 4),
        "a page of 2, 4 in all"
    );
    let page = store.search_residents("1203", 1).await.unwrap();
    assert_eq!((page.hits.len(), page.total), (1, 2));
    assert_eq!(store.search_residents("nobody", 10).await.unwrap().total, 0);
}

#[tokio::test]
async fn edits_renumbering_and_deletes_keep_the_index_true() {
    let (_dir, store) = seeded().await;
    let mut renamed = resident(
        "r1",
        "Céline",
        "Tremblay",
        "u101",
        "c@exemple.ca",
        "514-555-0101",
    );
    renamed.notes = Some("Perishables: call first".into());
    let mut renumbered = unit("u101", "PH1");
    renumbered.floor_number = Some(20);
    let bodies = vec![
        ChangeBody::ResidentUpserted(renamed),
        ChangeBody::UnitUpserted(renumbered),
        ChangeBody::ResidentDeleted { id: "r4".into() },
    ];
    store
        .apply_changes(&changes(bodies, 9), 2_000)
        .await
        .unwrap();
    assert!(ids(&store, "gagne").await.is_empty());
    assert_eq!(ids(&store, "tremblay").await, vec!["r1"]);
    assert_eq!(ids(&store, "ph1").await, vec!["r1"]);
    assert!(ids(&store, "101").await.is_empty());
    assert!(ids(&store, "levesque").await.is_empty());
    assert_eq!(store.sync_cursor().await.unwrap(), (11, Some(2_000)));
}

#[tokio::test]
async fn resident_page_has_unit_and_household() {
    let (_dir, store) = seeded().await;
    let detail = store.resident_detail("r2").await.unwrap();
    assert_eq!(detail.resident.first_name, "Jean-François");
    assert_eq!(
        detail.unit.as_ref().map(|u| u.unit_number.as_str()),
        Some("1203")
    );
    assert_eq!(detail.unit.as_ref().and_then(|u| u.floor_number), Some(12));
    let household: Vec<_> = detail.household.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(household, vec!["r3"]);
    let err = store.resident_detail("nope").await.unwrap_err();
    assert_eq!(err.code, frontdesk_desk_core::DeskErrorCode::NotFound);
}

#[tokio::test]
async fn changes_already_applied_are_skipped_and_disorder_is_refused() {
    let (_dir, store) = seeded().await;
    // Already applied (the live connection got there first): skipped, not re-applied.
    let stale = changes(vec![ChangeBody::ResidentDeleted { id: "r1".into() }], 3);
    store.apply_changes(&stale, 5_000).await.unwrap();
    assert_eq!(ids(&store, "celine").await, vec!["r1"]);
    assert_eq!(store.sync_cursor().await.unwrap().0, 8);
    // A page whose sequence goes backwards is the server's bug: nothing of it applies.
    let mut disordered = changes(vec![ChangeBody::ResidentDeleted { id: "r1".into() }], 10);
    disordered.extend(changes(
        vec![ChangeBody::ResidentDeleted { id: "r2".into() }],
        9,
    ));
    let err = store.apply_changes(&disordered, 6_000).await.unwrap_err();
    assert_eq!(err.code, frontdesk_desk_core::DeskErrorCode::BadResponse);
    assert_eq!(ids(&store, "celine").await, vec!["r1"]);
    assert_eq!(store.sync_cursor().await.unwrap().0, 8);
}

#[tokio::test]
async fn live_frames_apply_only_when_they_continue_the_cursor() {
    use frontdesk_desk_core::store::FrameOutcome;
    let (_dir, store) = seeded().await;
    let ahead = changes(vec![ChangeBody::ResidentDeleted { id: "r1".into() }], 10);
    assert_eq!(
        store.apply_frame(&ahead, 1).await.unwrap(),
        FrameOutcome::Gap
    );
    assert_eq!(
        ids(&store, "celine").await,
        vec!["r1"],
        "a gap applies nothing"
    );
    let behind = changes(vec![ChangeBody::ResidentDeleted { id: "r1".into() }], 8);
    assert_eq!(
        store.apply_frame(&behind, 1).await.unwrap(),
        FrameOutcome::AlreadyHave
    );
    let next = changes(vec![ChangeBody::ResidentDeleted { id: "r1".into() }], 9);
    assert!(
        matches!(store.apply_frame(&next, 1).await.unwrap(), FrameOutcome::Applied(a) if a.changes == 1)
    );
    assert!(ids(&store, "celine").await.is_empty());
    assert_eq!(store.sync_cursor().await.unwrap().0, 9);
}

/// A page applies consecutive changes of one kind together; the log's order must still
/// hold inside and across those runs.
#[tokio::test]
async fn a_page_that_changes_one_record_several_times_ends_at_its_last_version() {
    let (_dir, store) = seeded().await;
    let mut renamed = resident("r5", "Aline", "Roy", "u101", "a@exemple.ca", "514 555 0005");
    let bodies = vec![
        ChangeBody::ResidentUpserted(renamed.clone()),
        ChangeBody::ResidentUpserted({
            renamed.first_name = "Béatrice".into();
            renamed.clone()
        }),
        ChangeBody::ResidentDeleted { id: "r5".into() },
        ChangeBody::ResidentUpserted({
            renamed.last_name = "Ouellet".into();
            renamed.clone()
        }),
        ChangeBody::ResidentDeleted { id: "r4".into() },
        ChangeBody::UnitUpserted(unit("u101", "PH2")),
        ChangeBody::UnitUpserted(unit("u101", "PH3")),
        ChangeBody::ResidentUpserted(resident(
            "r4",
            "Marc",
            "Lévesque",
            "u101",
            "marc@exemple.ca",
            "514 555 4321",
        )),
    ];
    store
        .apply_changes(&changes(bodies, 9), 3_000)
        .await
        .unwrap();
    assert!(ids(&store, "aline").await.is_empty());
    assert!(ids(&store, "roy").await.is_empty());
    assert_eq!(ids(&store, "beatrice ouellet").await, vec!["r5"]);
    assert!(ids(&store, "ph2").await.is_empty());
    let mut on_ph3 = ids(&store, "ph3").await;
    on_ph3.sort();
    assert_eq!(on_ph3, vec!["r1", "r4", "r5"]);
    assert_eq!(ids(&store, "levesque").await, vec!["r4"]);
    // Every column survives the trip through the bulk statements.
    let detail = store.resident_detail("r5").await.unwrap();
    assert_eq!(detail.resident, renamed);
    let unit_shown = detail.unit.expect("r5 lives in u101");
    assert_eq!(unit_shown, unit("u101", "PH3"));
    assert_eq!(store.sync_cursor().await.unwrap(), (16, Some(3_000)));
}
