//! CSV imports of the web admin's exports, against SQLite and PostgreSQL.

mod common;

use common::{Backend, TestDb, count, head_seq, import_fixture};
use frontdesk_protocol::ChangeBody;
use frontdesk_server::changelog;
use frontdesk_server::directory::import::{self, ImportKind};
use frontdesk_server::directory::{demo, store};
use frontdesk_server::{Db, Error};

async fn changes_of(db: &Db, building: &str) -> Vec<ChangeBody> {
    let mut conn = db.pool.acquire().await.unwrap();
    changelog::read_page(&mut conn, building, 0, 5000)
        .await
        .unwrap()
        .changes
        .into_iter()
        .map(|c| c.body)
        .collect()
}

async fn imports_keep_accents_and_turn_empty_fields_into_null(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    let b = import_fixture(&db, ImportKind::Buildings, "buildings.csv").await;
    assert_eq!(
        (b.tally.created, b.tally.updated, b.tally.unchanged),
        (2, 0, 0)
    );
    let u = import_fixture(&db, ImportKind::Units, "units.csv").await;
    assert_eq!(u.tally.created, 4);
    assert!(u.placeholder_buildings.is_empty());
    let r = import_fixture(&db, ImportKind::Residents, "residents.csv").await;
    assert_eq!(r.tally.created, 3);

    let mut conn = db.pool.acquire().await.unwrap();
    // The UTF-8 BOM did not end up in the first column's name or value.
    let b1 = store::get_building(&mut conn, "1").await.unwrap().unwrap();
    assert_eq!(b1.name, "Résidences du Vieux-Port");
    assert_eq!(b1.city.as_deref(), Some("Montréal"));
    let b2 = store::get_building(&mut conn, "2").await.unwrap().unwrap();
    assert_eq!(b2.address, None);
    assert_eq!(b2.postal_code, None);

    let u101 = store::get_unit(&mut conn, "u-101").await.unwrap().unwrap();
    assert_eq!(u101.square_footage, Some(650.5));
    assert_eq!(u101.is_occupied, Some(true));
    assert_eq!(u101.occupant_name.as_deref(), Some("Hélène Côté"));
    let u102 = store::get_unit(&mut conn, "u-102").await.unwrap().unwrap();
    assert_eq!(
        (
            u102.square_footage,
            u102.bedrooms,
            u102.bathrooms,
            u102.is_occupied
        ),
        (None, None, None, None)
    );
    assert_eq!((u102.unit_type, u102.occupant_name), (None, None));
    let u201 = store::get_unit(&mut conn, "u-201").await.unwrap().unwrap();
    assert_eq!(u201.is_occupied, Some(true), "YES is a boolean");
    assert_eq!(
        u201.occupant_name.as_deref(),
        Some("Zoë Lévesque, François Gagné")
    );
    let basement = store::get_unit(&mut conn, "u-b1").await.unwrap().unwrap();
    assert_eq!(basement.floor_number, Some(-1));
    assert_eq!(basement.is_occupied, Some(false));

    let r1 = store::get_resident(&mut conn, "r-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r1.first_name.as_str(), r1.last_name.as_str()),
        ("Hélène", "Côté")
    );
    assert_eq!(
        r1.move_in_date.as_deref(),
        Some("2021-07-01"),
        "timestamp keeps its date"
    );
    assert_eq!(r1.move_out_date, None);
    assert!(r1.is_owner && r1.is_primary_resident);
    assert_eq!(r1.user_id, None);
    assert_eq!(r1.notes.as_deref(), Some("Colis : laisser à la réception"));
    let r2 = store::get_resident(&mut conn, "r-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r2.user_id.as_deref(), Some("42"));
    assert_eq!(r2.email, None);
    assert!(!r2.is_owner && r2.is_primary_resident);
    let r3 = store::get_resident(&mut conn, "r-3")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r3.unit_id, None);
    assert_eq!(r3.notes.as_deref(), Some("Deux lignes\nde notes"));
    drop(conn);

    // Building 1: itself, three units, three residents; building 2: itself and one unit.
    assert_eq!(head_seq(&db, "1").await, 7);
    assert_eq!(head_seq(&db, "2").await, 2);
    let changes = changes_of(&db, "1").await;
    assert!(
        matches!(&changes[0], ChangeBody::BuildingUpserted(b) if b.name == "Résidences du Vieux-Port")
    );
    assert!(matches!(&changes[6], ChangeBody::ResidentUpserted(r) if r.id == "r-3"));
    db.close().await;
}

async fn a_malformed_file_is_reported_by_line_and_writes_nothing(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    import_fixture(&db, ImportKind::Buildings, "buildings.csv").await;
    let before = head_seq(&db, "1").await;

    let err = import::import_file(&db, ImportKind::Units, &common::fixture("units_bad.csv"))
        .await
        .expect_err("bad file must be refused");
    let Error::ImportRejected { problems, .. } = &err else {
        panic!("unexpected error {err}");
    };
    let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![3, 5], "{err}");
    assert!(problems[0].reason.contains("floor_number"), "{err}");
    assert!(problems[1].reason.contains("is_occupied"), "{err}");
    assert_eq!(
        count(&db, "units").await,
        0,
        "the good rows were not written either"
    );
    assert_eq!(head_seq(&db, "1").await, before);
    assert_eq!(count(&db, "changes").await, before + 1);

    // Residents pointing at a unknown unit, or at another building's unit.
    import_fixture(&db, ImportKind::Units, "units.csv").await;
    let residents_before = count(&db, "residents").await;
    let changes_before = count(&db, "changes").await;
    let err = import::import_file(
        &db,
        ImportKind::Residents,
        &common::fixture("residents_bad_unit.csv"),
    )
    .await
    .expect_err("unknown units must be refused");
    let Error::ImportRejected { problems, .. } = &err else {
        panic!("unexpected error {err}");
    };
    let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![3, 4], "{err}");
    assert!(problems[0].reason.contains("u-999"), "{err}");
    assert!(problems[1].reason.contains("u-b1"), "{err}");
    assert_eq!(count(&db, "residents").await, residents_before);
    assert_eq!(count(&db, "changes").await, changes_before);

    // Broken CSV structure and a wrong file are reported too.
    let err = import::import_bytes(
        &db,
        ImportKind::Units,
        "short.csv",
        b"id,unit_number,building_id\nx-1,1,1\nx-2,2\n",
    )
    .await
    .expect_err("ragged row");
    assert!(err.to_string().contains("line 3"), "{err}");
    let err = import::import_bytes(&db, ImportKind::Units, "wrong.csv", b"id,name\n1,x\n")
        .await
        .expect_err("wrong columns");
    assert!(err.to_string().contains("line 1"), "{err}");
    assert!(err.to_string().contains("unit_number"), "{err}");
    let err = import::import_bytes(
        &db,
        ImportKind::Buildings,
        "latin1.csv",
        b"id,name\n9,Caf\xe9\n",
    )
    .await
    .expect_err("not UTF-8");
    assert!(err.to_string().contains("line 2"), "{err}");
    assert!(err.to_string().contains("UTF-8"), "{err}");
    db.close().await;
}

async fn reimport_updates_in_place_and_logs_only_real_changes(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    import_fixture(&db, ImportKind::Buildings, "buildings.csv").await;
    import_fixture(&db, ImportKind::Units, "units.csv").await;
    let head = head_seq(&db, "1").await;
    let changes = count(&db, "changes").await;

    let again = import_fixture(&db, ImportKind::Units, "units.csv").await;
    assert_eq!(
        (
            again.tally.created,
            again.tally.updated,
            again.tally.unchanged
        ),
        (0, 0, 4)
    );
    assert_eq!(again.changes_logged, 0);
    assert_eq!(head_seq(&db, "1").await, head);
    assert_eq!(count(&db, "changes").await, changes);
    let again = import_fixture(&db, ImportKind::Buildings, "buildings.csv").await;
    assert_eq!(again.tally.unchanged, 2);
    assert_eq!(count(&db, "changes").await, changes);

    // v2: u-102 filled in, u-101/u-201/u-b1 same values spelled differently, u-301 new.
    let v2 = import_fixture(&db, ImportKind::Units, "units_v2.csv").await;
    assert_eq!(
        (v2.tally.created, v2.tally.updated, v2.tally.unchanged),
        (1, 1, 3),
        "{v2}"
    );
    assert_eq!(count(&db, "units").await, 5);
    assert_eq!(head_seq(&db, "1").await, head + 2);
    let log = changes_of(&db, "1").await;
    let tail: Vec<String> = log[log.len() - 2..]
        .iter()
        .map(|c| c.entity().1.into_owned())
        .collect();
    assert_eq!(tail, vec!["u-102", "u-301"]);
    let mut conn = db.pool.acquire().await.unwrap();
    let u102 = store::get_unit(&mut conn, "u-102").await.unwrap().unwrap();
    assert_eq!(u102.occupant_name.as_deref(), Some("Benoît Bélanger"));
    assert_eq!(u102.is_occupied, Some(false));
    drop(conn);
    db.close().await;
}

async fn units_of_an_unknown_building_create_a_placeholder_named_later(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    let u = import_fixture(&db, ImportKind::Units, "units_new_building.csv").await;
    assert_eq!(u.placeholder_buildings, vec!["7".to_owned()]);
    assert!(
        u.to_string().contains("1 created, 0 updated, 0 unchanged"),
        "{u}"
    );
    let mut conn = db.pool.acquire().await.unwrap();
    let b = store::get_building(&mut conn, "7").await.unwrap().unwrap();
    assert_eq!(b.name, "Building 7");
    drop(conn);

    let b = import_fixture(&db, ImportKind::Buildings, "buildings_later.csv").await;
    assert_eq!((b.tally.created, b.tally.updated), (0, 1));
    let mut conn = db.pool.acquire().await.unwrap();
    let b = store::get_building(&mut conn, "7").await.unwrap().unwrap();
    assert_eq!(b.name, "Les Jardins Côté-Saint-Luc");
    drop(conn);
    let log = changes_of(&db, "7").await;
    let kinds: Vec<(&str, String)> = log
        .iter()
        .map(|c| {
            let (kind, id) = c.entity();
            (kind, id.into_owned())
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("building", "7".to_owned()),
            ("unit", "u-701".to_owned()),
            ("building", "7".to_owned())
        ]
    );
    assert!(
        matches!(&log[2], ChangeBody::BuildingUpserted(b) if b.city.as_deref() == Some("Montréal"))
    );
    db.close().await;
}

async fn demo_seed_is_idempotent(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    let first = demo::seed(&db).await.unwrap();
    assert_eq!(first.units.created, 110);
    assert!((180..=230).contains(&first.residents.created));
    assert_eq!(first.staff_created, 4);
    let head = head_seq(&db, demo::DEMO_BUILDING_ID).await;
    assert_eq!(
        head,
        1 + 110 + i64::try_from(first.residents.created).unwrap() + 4
    );
    let second = demo::seed(&db).await.unwrap();
    assert_eq!((second.units.created, second.units.updated), (0, 0));
    assert_eq!((second.residents.created, second.residents.updated), (0, 0));
    assert_eq!(second.staff_created, 0);
    assert_eq!(second.changes_logged, 0);
    assert_eq!(head_seq(&db, demo::DEMO_BUILDING_ID).await, head);
    db.close().await;
}

async fn a_missing_number_before_a_present_one_imports_on_the_same_connection(backend: Backend) {
    // Regression: on PostgreSQL a NULL float bound first used to type the prepared
    // statement's parameter as float4, and the next row's value then failed to bind.
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    let summary = import::import_bytes(
        &db,
        ImportKind::Units,
        "floats.csv",
        "id,unit_number,building_id,square_footage,bathrooms\n\
         n-1,1,9,,\n\
         n-2,2,9,512.25,1.5\n\
         n-3,3,9,,\n"
            .as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(summary.tally.created, 3);
    let mut conn = db.pool.acquire().await.unwrap();
    let n2 = store::get_unit(&mut conn, "n-2").await.unwrap().unwrap();
    assert_eq!((n2.square_footage, n2.bathrooms), (Some(512.25), Some(1.5)));
    let n3 = store::get_unit(&mut conn, "n-3").await.unwrap().unwrap();
    assert_eq!((n3.square_footage, n3.bathrooms), (None, None));
    drop(conn);
    db.close().await;
}

on_both_databases!(
    imports_keep_accents_and_turn_empty_fields_into_null,
    a_malformed_file_is_reported_by_line_and_writes_nothing,
    reimport_updates_in_place_and_logs_only_real_changes,
    units_of_an_unknown_building_create_a_placeholder_named_later,
    demo_seed_is_idempotent,
    a_missing_number_before_a_present_one_imports_on_the_same_connection,
);
