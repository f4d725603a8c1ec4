//! Parcels through `POST /v1/sync/push`: intake, edits and the lifecycle, validated in
//! commit order, and their photos, on SQLite and PostgreSQL, over real sockets.

mod common;

use common::{Backend, TestDb, TestServer, add_staff, relaxed_config};
use frontdesk_protocol::{
    ChangeBody, Mutation, MutationBody, MutationOutcome, MutationResult, PackageEdit, PackageFlags,
    PackageIntake, PackagePhoto, PackagePhotoAdd, PackageSize, PackageStatus, PackageTransition,
    PullResponse, PushResponse, RejectCode, StaffRole, blob_sha256, package_code_from_bits,
};
use frontdesk_server::directory::import::{self, ImportKind};
use uuid::Uuid;

const T0: i64 = 1_700_000_000_000;

fn mutation(body: MutationBody, at: i64) -> Mutation {
    Mutation {
        id: Uuid::now_v7(),
        client_time_ms: at,
        body,
    }
}

fn intake(id: &str, code_bits: u64, resident: Option<&str>, unit: Option<&str>) -> Mutation {
    mutation(
        MutationBody::PackageIntake(PackageIntake {
            id: id.into(),
            code: package_code_from_bits(code_bits),
            tracking_number: Some("1Z12345E0205271686".into()),
            carrier: Some("ups".into()),
            resident_id: resident.map(Into::into),
            unit_id: unit.map(Into::into),
            shelf: Some(" B-2 ".into()),
            size: Some(PackageSize::Small),
            flags: PackageFlags {
                perishable: true,
                ..PackageFlags::default()
            },
            note: None,
        }),
        T0,
    )
}

fn transition(id: &str, to: PackageStatus, collected_by: Option<&str>, at: i64) -> Mutation {
    mutation(
        MutationBody::PackageTransition(PackageTransition {
            id: id.into(),
            event_id: Uuid::now_v7().to_string(),
            to,
            note: None,
            collected_by: collected_by.map(Into::into),
            override_reason: None,
            signature: None,
        }),
        at,
    )
}

/// Buildings A (unit a-1 with resident ra-1, unit a-2) and B (units b-1, b-2): a
/// doorman in each, and a manager in A.
async fn setup(backend: Backend) -> (TestDb, TestServer) {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    import::import_bytes(
        &db,
        ImportKind::Units,
        "inline",
        "id,unit_number,building_id\na-2,102,A\n".as_bytes(),
    )
    .await
    .expect("units");
    import::import_bytes(
        &db,
        ImportKind::Residents,
        "inline",
        "id,building_id,unit_id,first_name,last_name\nra-1,A,a-1,Ada,Lovelace\n".as_bytes(),
    )
    .await
    .expect("residents");
    add_staff(&db, "A", "boss@a.test", "password-boss", StaffRole::Manager).await;
    let server = TestServer::start(db, relaxed_config()).await;
    (tdb, server)
}

async fn push(server: &TestServer, token: &str, mutations: &[Mutation]) -> Vec<MutationResult> {
    let res = server
        .http
        .post(server.url("/v1/sync/push"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "mutations": mutations }))
        .send()
        .await
        .expect("push");
    assert_eq!(res.status(), 200);
    let answer: PushResponse = res.json().await.expect("PushResponse");
    answer.results
}

fn rejection(result: &MutationResult) -> (RejectCode, &str) {
    match &result.outcome {
        MutationOutcome::Rejected { code, reason } => (*code, reason.as_str()),
        other => panic!("expected rejected, got {other:?}"),
    }
}

fn applied(result: &MutationResult) -> i64 {
    match result.outcome {
        MutationOutcome::Applied { seq } => seq,
        ref other => panic!("expected applied, got {other:?}"),
    }
}

async fn pull_after(server: &TestServer, token: &str, after: i64) -> PullResponse {
    let res = server
        .get(&format!("/v1/sync/pull?after={after}"), Some(token))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn intake_is_logged_with_its_history_and_the_recipient_completed(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let head = pull_after(&server, &a.token, 0).await.head_seq;
    let m = intake("p-1", 1, Some("ra-1"), None);
    let results = push(&server, &a.token, std::slice::from_ref(&m)).await;
    assert_eq!(applied(&results[0]), head + 1);

    let page = pull_after(&server, &a.token, head).await;
    let [package, event, notice] = page.changes.as_slice() else {
        panic!(
            "a package, its intake event and its notice: {:?}",
            page.changes
        )
    };
    let ChangeBody::PackageUpserted(p) = &package.body else {
        panic!("{package:?}")
    };
    assert_eq!(p.unit_id.as_deref(), Some("a-1"), "the resident's unit");
    assert_eq!(p.shelf.as_deref(), Some("B-2"), "trimmed");
    assert_eq!(p.status, PackageStatus::Waiting);
    assert_eq!(
        (p.received_at_ms, p.received_by.as_str()),
        (T0, a.staff.id.as_str())
    );
    assert!(p.flags.perishable);
    let ChangeBody::PackageEventAdded(e) = &event.body else {
        panic!("{event:?}")
    };
    assert_eq!((e.from, e.to), (None, PackageStatus::Waiting));
    assert_eq!(e.id, m.id.to_string());
    assert_eq!(
        event.mutation_id,
        Some(m.id),
        "both changes echo the mutation"
    );
    // The resident has no email address: nobody is mailed, and the notice says why.
    let ChangeBody::PackageNoticeUpserted(n) = &notice.body else {
        panic!("{notice:?}")
    };
    assert_eq!(n.package_id, p.id);
    assert_eq!(n.state, frontdesk_protocol::NoticeState::Skipped);
    assert_eq!(
        n.last_error.as_deref(),
        Some("the resident has no email address")
    );
    assert_eq!(notice.mutation_id, Some(m.id));
    server.stop().await;
}

async fn bad_intakes_are_refused_with_a_reason_and_write_nothing(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let b = server.login_ok("desk@b.test", "password-b").await;
    let head = pull_after(&server, &a.token, 0).await.head_seq;
    push(&server, &a.token, &[intake("p-1", 7, None, Some("a-1"))]).await;

    let mut bad_code = intake("p-2", 8, None, None);
    if let MutationBody::PackageIntake(i) = &mut bad_code.body {
        i.code = "no code!".into();
    }
    let mut bad_carrier = intake("p-3", 9, None, None);
    if let MutationBody::PackageIntake(i) = &mut bad_carrier.body {
        i.carrier = Some("pony-express".into());
    }
    let results = push(
        &server,
        &a.token,
        &[
            bad_code,
            bad_carrier,
            intake("p-4", 7, None, None),
            intake("p-5", 10, Some("ra-1"), Some("a-2")),
            intake("p-6", 11, None, Some("b-1")),
            intake("p-1", 12, None, None),
        ],
    )
    .await;
    let reasons: Vec<(RejectCode, &str)> = results.iter().map(rejection).collect();
    assert_eq!(reasons[0].0, RejectCode::Invalid);
    assert!(
        reasons[0].1.contains("not a package code"),
        "{}",
        reasons[0].1
    );
    assert!(reasons[1].1.contains("unknown carrier"), "{}", reasons[1].1);
    assert_eq!(
        reasons[2].0,
        RejectCode::Conflict,
        "the same code on the shelf"
    );
    assert_eq!(reasons[3].0, RejectCode::Invalid, "not the resident's unit");
    assert_eq!(
        reasons[4].0,
        RejectCode::NotFound,
        "another building's unit"
    );
    assert_eq!(reasons[5].0, RejectCode::Conflict, "taken in twice");
    assert_eq!(pull_after(&server, &a.token, 0).await.head_seq, head + 2);

    // Another building's package cannot be touched, nor is its existence revealed.
    let results = push(
        &server,
        &b.token,
        &[transition("p-1", PackageStatus::Lost, None, T0 + 1)],
    )
    .await;
    assert_eq!(rejection(&results[0]).0, RejectCode::NotFound);
    server.stop().await;
}

async fn the_lifecycle_is_enforced_in_commit_order(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let boss = server.login_ok("boss@a.test", "password-boss").await;
    push(&server, &a.token, &[intake("p-1", 1, Some("ra-1"), None)]).await;
    // A pickup needs a name; two desks picking up: the second is told.
    let results = push(
        &server,
        &a.token,
        &[
            transition("p-1", PackageStatus::PickedUp, None, T0 + 1),
            transition("p-1", PackageStatus::Notified, None, T0 + 2),
            transition("p-1", PackageStatus::PickedUp, Some("Ada Lovelace"), T0 + 3),
            transition(
                "p-1",
                PackageStatus::PickedUp,
                Some("Her neighbour"),
                T0 + 4,
            ),
        ],
    )
    .await;
    assert_eq!(rejection(&results[0]).0, RejectCode::Invalid);
    applied(&results[1]);
    applied(&results[2]);
    let (code, reason) = rejection(&results[3]);
    assert_eq!(code, RejectCode::Conflict);
    assert!(reason.contains("already picked up"), "{reason}");

    // Editing a parcel that left the shelf is refused.
    let edit = mutation(
        MutationBody::PackageEdit(PackageEdit {
            id: "p-1".into(),
            carrier: None,
            resident_id: None,
            unit_id: Some("a-2".into()),
            shelf: None,
            size: None,
            flags: PackageFlags::default(),
            note: None,
        }),
        T0 + 5,
    );
    assert_eq!(
        rejection(&push(&server, &a.token, &[edit]).await[0]).0,
        RejectCode::Conflict
    );

    // Staff cannot undo a pickup; a manager can, with a reason, and it is recorded.
    let undo = transition("p-1", PackageStatus::Waiting, None, T0 + 6);
    assert_eq!(
        rejection(&push(&server, &a.token, &[undo]).await[0]).0,
        RejectCode::Conflict
    );
    let undo = transition("p-1", PackageStatus::Waiting, None, T0 + 6);
    let undo_without_reason = push(&server, &boss.token, &[undo]).await;
    assert!(
        rejection(&undo_without_reason[0])
            .1
            .contains("needs a reason")
    );
    let mut undo = transition("p-1", PackageStatus::Waiting, None, T0 + 6);
    if let MutationBody::PackageTransition(t) = &mut undo.body {
        t.override_reason = Some("handed to the wrong person".into());
    }
    let seq = applied(&push(&server, &boss.token, &[undo]).await[0]);
    let page = pull_after(&server, &a.token, seq - 1).await;
    let Some(ChangeBody::PackageUpserted(p)) = page.changes.first().map(|c| &c.body) else {
        panic!("{:?}", page.changes)
    };
    assert_eq!(
        (p.status, p.collected_by.as_deref()),
        (PackageStatus::Waiting, None)
    );
    let Some(ChangeBody::PackageEventAdded(e)) = page.changes.get(1).map(|c| &c.body) else {
        panic!("{:?}", page.changes)
    };
    assert_eq!(e.from, Some(PackageStatus::PickedUp));
    assert_eq!(
        e.override_reason.as_deref(),
        Some("handed to the wrong person")
    );
    server.stop().await;
}

async fn a_bulk_intake_is_assigned_later(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    push(&server, &a.token, &[intake("p-1", 1, None, None)]).await;
    let assign = mutation(
        MutationBody::PackageEdit(PackageEdit {
            id: "p-1".into(),
            carrier: Some("fedex".into()),
            resident_id: Some("ra-1".into()),
            unit_id: None,
            shelf: Some("C".into()),
            size: Some(PackageSize::Large),
            flags: PackageFlags::default(),
            note: Some("wet box".into()),
        }),
        T0 + 1,
    );
    let seq = applied(&push(&server, &a.token, &[assign]).await[0]);
    let page = pull_after(&server, &a.token, seq - 1).await;
    let Some(ChangeBody::PackageUpserted(p)) = page.changes.first().map(|c| &c.body) else {
        panic!("{:?}", page.changes)
    };
    assert_eq!(p.resident_id.as_deref(), Some("ra-1"));
    assert_eq!(p.unit_id.as_deref(), Some("a-1"));
    assert_eq!(p.carrier.as_deref(), Some("fedex"));
    assert_eq!(
        (p.size, p.note.as_deref()),
        (Some(PackageSize::Large), Some("wet box"))
    );
    assert_eq!(p.status, PackageStatus::Waiting, "an edit keeps the status");
    server.stop().await;
}

async fn a_pickup_keeps_its_signature_and_a_forged_one_is_refused(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    push(&server, &a.token, &[intake("p-1", 1, Some("ra-1"), None)]).await;
    let signed = |signature: &str| {
        mutation(
            MutationBody::PackageTransition(PackageTransition {
                id: "p-1".into(),
                event_id: Uuid::now_v7().to_string(),
                to: PackageStatus::PickedUp,
                note: None,
                collected_by: Some("Ada Lovelace".into()),
                override_reason: None,
                signature: Some(signature.into()),
            }),
            T0 + 1,
        )
    };
    let forged = push(&server, &a.token, &[signed("M 1 1 L 2 2\"/><script>")]).await;
    let (code, reason) = rejection(&forged[0]);
    assert_eq!(code, RejectCode::Invalid);
    assert!(reason.contains("signature"), "{reason}");

    let seq = applied(&push(&server, &a.token, &[signed("M 10 20  L 30 40 M 5 5 L 6 7")]).await[0]);
    let page = pull_after(&server, &a.token, seq - 1).await;
    let event = page
        .changes
        .iter()
        .find_map(|c| match &c.body {
            ChangeBody::PackageEventAdded(e) => Some(e.clone()),
            _ => None,
        })
        .expect("the pickup event");
    assert_eq!(event.to, PackageStatus::PickedUp);
    assert_eq!(
        event.signature.as_deref(),
        Some("M 10 20 L 30 40 M 5 5 L 6 7"),
        "kept, white space folded"
    );
    server.stop().await;
}

async fn put_blob(server: &TestServer, token: &str, bytes: &[u8]) -> String {
    let sha256 = blob_sha256(bytes);
    let res = server
        .http
        .put(server.url(&format!("/v1/blobs/{sha256}")))
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("PUT blob");
    assert!(res.status().is_success(), "{}", res.status());
    sha256
}

async fn blob_status(server: &TestServer, token: &str, sha256: &str) -> u16 {
    server
        .get(&format!("/v1/blobs/{sha256}"), Some(token))
        .await
        .status()
        .as_u16()
}

fn photo_add(package_id: &str, sha256: &str, at: i64) -> Mutation {
    mutation(
        MutationBody::PackagePhotoAdd(PackagePhotoAdd {
            id: package_id.into(),
            sha256: sha256.into(),
        }),
        at,
    )
}

/// A parcel's photo: uploaded as a blob, then added by `package_photo_add`. From then
/// on every staff member of the building may read it (not before: an upload alone is
/// its uploader's), and another building never.
async fn a_parcels_photo_is_seen_by_its_whole_building_once_added(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let boss = server.login_ok("boss@a.test", "password-boss").await;
    let b = server.login_ok("desk@b.test", "password-b").await;
    let id = Uuid::now_v7().to_string();
    applied(&push(&server, &a.token, &[intake(&id, 11, None, Some("a-1"))]).await[0]);
    let jpeg = b"\xff\xd8\xff\xe0 a parcel on the counter".to_vec();
    let sha256 = put_blob(&server, &a.token, &jpeg).await;
    assert_eq!(blob_status(&server, &boss.token, &sha256).await, 404);

    let added = applied(&push(&server, &a.token, &[photo_add(&id, &sha256, T0 + 5)]).await[0]);
    let page = pull_after(&server, &boss.token, added - 1).await;
    let photo = PackagePhoto {
        package_id: id.clone(),
        building_id: "A".into(),
        sha256: sha256.clone(),
        taken_at_ms: T0 + 5,
        taken_by: a.staff.id.clone(),
    };
    let pulled: Vec<(i64, &ChangeBody)> = page.changes.iter().map(|c| (c.seq, &c.body)).collect();
    assert_eq!(
        pulled,
        [(added, &ChangeBody::PackagePhotoAdded(photo.clone()))]
    );
    let res = server
        .get(&format!("/v1/blobs/{sha256}"), Some(&boss.token))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.bytes().await.unwrap().as_ref(), jpeg.as_slice());
    assert_eq!(blob_status(&server, &b.token, &sha256).await, 404);
    // Building B holding the same bytes does not make A's photo theirs.
    put_blob(&server, &b.token, &jpeg).await;
    let b_pull = pull_after(&server, &b.token, 0).await;
    assert!(
        !b_pull
            .changes
            .iter()
            .any(|c| matches!(c.body, ChangeBody::PackagePhotoAdded(_))),
        "{:?}",
        b_pull.changes
    );

    // Adding it again (another desk, later) changes nothing: the photo stays as first added.
    let again = push(&server, &boss.token, &[photo_add(&id, &sha256, T0 + 99)]).await;
    let again = applied(&again[0]);
    let page = pull_after(&server, &a.token, added).await;
    assert_eq!(page.changes.len(), 1, "{:?}", page.changes);
    assert_eq!(page.changes[0].seq, again);
    assert_eq!(page.changes[0].body, ChangeBody::PackagePhotoAdded(photo));
    assert_eq!(common::count(&server.db, "package_photos").await, 1);
    server.stop().await;
}

/// What the server cannot check is refused with a reason, and writes nothing: a photo
/// not uploaded (or uploaded only to another building), one that is not an image, a
/// parcel that is not there or is another building's, a name that is not a SHA-256.
async fn photos_the_server_cannot_check_are_refused_and_write_nothing(backend: Backend) {
    let (_tdb, server) = setup(backend).await;
    let a = server.login_ok("desk@a.test", "password-a").await;
    let b = server.login_ok("desk@b.test", "password-b").await;
    let ours = Uuid::now_v7().to_string();
    let theirs = Uuid::now_v7().to_string();
    applied(&push(&server, &a.token, &[intake(&ours, 12, None, Some("a-1"))]).await[0]);
    applied(&push(&server, &b.token, &[intake(&theirs, 13, None, Some("b-1"))]).await[0]);
    let jpeg = b"\xff\xd8\xff\xe0 kept by A".to_vec();
    let ours_sha = put_blob(&server, &a.token, &jpeg).await;
    let text_sha = put_blob(&server, &a.token, b"not a picture").await;
    let b_only = put_blob(&server, &b.token, b"\xff\xd8\xff\xe0 kept by B").await;
    let never = blob_sha256(b"never uploaded");

    let results = push(
        &server,
        &a.token,
        &[
            photo_add(&ours, &never, T0),
            photo_add(&ours, &b_only, T0),
            photo_add(&ours, &text_sha, T0),
            photo_add("no-such-package", &ours_sha, T0),
            photo_add(&theirs, &ours_sha, T0),
            photo_add(&ours, "../../etc/passwd", T0),
        ],
    )
    .await;
    let refused: Vec<(RejectCode, &str)> = results.iter().map(rejection).collect();
    assert_eq!(refused[0].0, RejectCode::NotFound);
    assert!(
        refused[0].1.contains("was not uploaded"),
        "{}",
        refused[0].1
    );
    assert_eq!(refused[1].0, RejectCode::NotFound);
    assert_eq!(refused[2].0, RejectCode::Invalid);
    assert!(refused[2].1.contains("text/plain"), "{}", refused[2].1);
    assert_eq!(refused[3].0, RejectCode::NotFound);
    assert_eq!(refused[4].0, RejectCode::NotFound, "{}", refused[4].1);
    assert_eq!(refused[5].0, RejectCode::Invalid);
    assert_eq!(common::count(&server.db, "package_photos").await, 0);
    // And the building's staff still cannot read the blobs those named.
    let night = server.login_ok("boss@a.test", "password-boss").await;
    assert_eq!(blob_status(&server, &night.token, &ours_sha).await, 404);
    server.stop().await;
}

on_both_databases!(
    a_parcels_photo_is_seen_by_its_whole_building_once_added,
    photos_the_server_cannot_check_are_refused_and_write_nothing,
    a_pickup_keeps_its_signature_and_a_forged_one_is_refused,
    intake_is_logged_with_its_history_and_the_recipient_completed,
    bad_intakes_are_refused_with_a_reason_and_write_nothing,
    the_lifecycle_is_enforced_in_commit_order,
    a_bulk_intake_is_assigned_later,
);
