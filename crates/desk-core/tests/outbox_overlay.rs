//! The outbox and the overlay of queued writes, on a real SQLite file: a pending edit
//! is never overwritten by a pull, acknowledgements and echoes retire it without a
//! flicker, a rejection reverts it, and the queue keeps its order across reopening.

use frontdesk_desk_core::DeskErrorCode;
use frontdesk_desk_core::instructions::Author;
use frontdesk_desk_core::store::Store;
use frontdesk_protocol::{
    Change, ChangeBody, Instruction, InstructionTarget, MutationBody, MutationOutcome,
    MutationResult, RejectCode, Unit,
};
use uuid::Uuid;

const ME: Author<'static> = Author {
    staff_id: "staff-me",
    building_id: "b1",
};

fn unit_target() -> InstructionTarget {
    InstructionTarget::Unit("u1".into())
}

fn server_instruction(id: &str, text: &str) -> Instruction {
    Instruction {
        id: id.into(),
        building_id: "b1".into(),
        target: unit_target(),
        text: text.into(),
        updated_by: "staff-other".into(),
        updated_at_ms: 1,
    }
}

fn change(seq: i64, mutation_id: Option<Uuid>, body: ChangeBody) -> Change {
    Change {
        seq,
        committed_at_ms: 0,
        mutation_id,
        body,
    }
}

async fn store_with_unit() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = open_with_unit(&dir.path().join("desk.db")).await;
    (dir, store)
}

/// Opens the store at `path`, holding unit u1 (pulled once; reopening changes nothing).
async fn open_with_unit(path: &std::path::Path) -> Store {
    let store = Store::open(path).await.unwrap();
    let unit = Unit {
        id: "u1".into(),
        building_id: "b1".into(),
        unit_number: "101".into(),
        floor_number: Some(1),
        square_footage: None,
        bedrooms: None,
        bathrooms: None,
        is_occupied: None,
        unit_type: None,
        occupant_name: None,
    };
    store
        .apply_changes(&[change(1, None, ChangeBody::UnitUpserted(unit))], 0)
        .await
        .unwrap();
    store
}

async fn shown(store: &Store) -> Vec<(String, String, bool)> {
    let mut v: Vec<_> = store
        .instructions_for(&unit_target(), &ME)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.instruction.id, v.instruction.text, v.pending))
        .collect();
    v.sort();
    v
}

fn applied(id: Uuid, seq: i64) -> MutationResult {
    MutationResult {
        id,
        duplicate: false,
        outcome: MutationOutcome::Applied { seq },
    }
}

#[tokio::test]
async fn a_queued_write_shows_at_once_and_counts() {
    let (_dir, store) = store_with_unit().await;
    let m = store
        .save_instruction(
            Some("i1".into()),
            unit_target(),
            "  Perishables: call first ",
            100,
        )
        .await
        .unwrap();
    assert_eq!(
        shown(&store).await,
        vec![("i1".into(), "Perishables: call first".into(), true)]
    );
    let counts = store.outbox_counts().await.unwrap();
    assert_eq!(
        (counts.queued, counts.oldest_queued_ms, counts.rejected),
        (1, Some(100), 0)
    );
    assert_eq!(store.pending_batch(10, "staff-1").await.unwrap(), vec![m]);
}

#[tokio::test]
async fn bad_writes_are_refused_before_queueing() {
    let (_dir, store) = store_with_unit().await;
    let empty = store
        .save_instruction(None, unit_target(), " \n ", 1)
        .await
        .unwrap_err();
    assert_eq!(empty.code, DeskErrorCode::InvalidInput);
    let long = store
        .save_instruction(None, unit_target(), &"x".repeat(2001), 1)
        .await
        .unwrap_err();
    assert_eq!(long.code, DeskErrorCode::InvalidInput);
    let nowhere = store
        .save_instruction(None, InstructionTarget::Unit("nope".into()), "hi", 1)
        .await
        .unwrap_err();
    assert_eq!(nowhere.code, DeskErrorCode::NotFound);
    assert_eq!(store.outbox_counts().await.unwrap().queued, 0);
}

#[tokio::test]
async fn a_pull_never_overwrites_a_pending_edit() {
    let (_dir, store) = store_with_unit().await;
    store
        .apply_changes(
            &[change(
                2,
                None,
                ChangeBody::InstructionUpserted(server_instruction("i1", "old")),
            )],
            0,
        )
        .await
        .unwrap();
    store
        .save_instruction(Some("i1".into()), unit_target(), "mine", 10)
        .await
        .unwrap();
    // Another desk's edit of the same instruction arrives while mine waits.
    store
        .apply_changes(
            &[change(
                3,
                None,
                ChangeBody::InstructionUpserted(server_instruction("i1", "theirs")),
            )],
            0,
        )
        .await
        .unwrap();
    assert_eq!(
        shown(&store).await,
        vec![("i1".into(), "mine".into(), true)]
    );
}

#[tokio::test]
async fn an_acknowledged_write_stays_until_its_echo_is_pulled() {
    let (_dir, store) = store_with_unit().await;
    let m = store
        .save_instruction(Some("i1".into()), unit_target(), "mine", 10)
        .await
        .unwrap();
    store
        .record_push_results(&[applied(m.id, 7)])
        .await
        .unwrap();
    // Acknowledged but not pulled yet: still shown, no longer pending, not queued.
    assert_eq!(
        shown(&store).await,
        vec![("i1".into(), "mine".into(), false)]
    );
    assert_eq!(store.outbox_counts().await.unwrap().queued, 0);
    assert!(store.pending_batch(10, "staff-1").await.unwrap().is_empty());
    // The echo arrives: the server's row takes over and the outbox row is gone.
    let mut echoed = server_instruction("i1", "mine");
    echoed.updated_by = "staff-me".into();
    store
        .apply_changes(
            &[change(
                7,
                Some(m.id),
                ChangeBody::InstructionUpserted(echoed),
            )],
            0,
        )
        .await
        .unwrap();
    assert_eq!(
        shown(&store).await,
        vec![("i1".into(), "mine".into(), false)]
    );
    assert!(store.overlay().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_echo_settles_a_write_whose_push_answer_was_lost() {
    let (_dir, store) = store_with_unit().await;
    let m = store
        .save_instruction(Some("i1".into()), unit_target(), "mine", 10)
        .await
        .unwrap();
    store
        .apply_changes(
            &[change(
                5,
                Some(m.id),
                ChangeBody::InstructionUpserted(server_instruction("i1", "mine")),
            )],
            0,
        )
        .await
        .unwrap();
    assert!(
        store.pending_batch(10, "staff-1").await.unwrap().is_empty(),
        "not pushed again"
    );
    assert!(store.overlay().await.unwrap().is_empty());
    // The late answer to the lost push changes nothing.
    store
        .record_push_results(&[applied(m.id, 5)])
        .await
        .unwrap();
    assert_eq!(
        shown(&store).await,
        vec![("i1".into(), "mine".into(), false)]
    );
}

#[tokio::test]
async fn a_rejected_write_is_reverted_and_listed_until_dismissed() {
    let (_dir, store) = store_with_unit().await;
    store
        .apply_changes(
            &[change(
                2,
                None,
                ChangeBody::InstructionUpserted(server_instruction("i1", "server")),
            )],
            0,
        )
        .await
        .unwrap();
    let bad = store
        .save_instruction(Some("i1".into()), unit_target(), "refused", 10)
        .await
        .unwrap();
    let good = store.delete_instruction("i2", 11).await.unwrap();
    let rejection = MutationResult {
        id: bad.id,
        duplicate: false,
        outcome: MutationOutcome::Rejected {
            code: RejectCode::Forbidden,
            reason: "not yours".into(),
        },
    };
    store
        .record_push_results(&[rejection, applied(good.id, 3)])
        .await
        .unwrap();
    assert_eq!(
        shown(&store).await,
        vec![("i1".into(), "server".into(), false)],
        "reverted"
    );
    let counts = store.outbox_counts().await.unwrap();
    assert_eq!((counts.queued, counts.rejected), (0, 1));
    let items = store.outbox_items().await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].reject_code, Some(RejectCode::Forbidden));
    assert_eq!(items[0].reject_reason.as_deref(), Some("not yours"));
    store.dismiss_rejected(bad.id).await.unwrap();
    assert_eq!(store.outbox_counts().await.unwrap().rejected, 0);
    assert_eq!(
        store.dismiss_rejected(bad.id).await.unwrap_err().code,
        DeskErrorCode::NotFound
    );
}

#[tokio::test]
async fn the_queue_keeps_its_order_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let mut made = Vec::new();
    {
        let store = open_with_unit(&path).await;
        for n in 0..50 {
            let m = store
                .save_instruction(
                    Some(format!("i{n}")),
                    unit_target(),
                    &format!("text {n}"),
                    n,
                )
                .await
                .unwrap();
            made.push(m.id);
        }
        store.pool().close().await;
    }
    let store = Store::open(&path).await.unwrap();
    let queued: Vec<Uuid> = store
        .pending_batch(500, "staff-1")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(queued, made);
    let ids: Vec<_> = store
        .pending_batch(3, "staff-1")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert!(matches!(&ids[0], MutationBody::InstructionSave { id, .. } if id == "i0"));
    assert_eq!(ids.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_and_pulls_at_the_same_time_never_see_a_locked_database() {
    // Staff typing while the sync task applies pages: both are read-then-write
    // transactions on separate connections. Without taking the write lock up front,
    // SQLite answers "database is locked" at once instead of waiting its turn.
    let (_dir, store) = store_with_unit().await;
    let puller = {
        let store = store.clone();
        tokio::spawn(async move {
            for seq in 2..202 {
                let body = ChangeBody::InstructionUpserted(server_instruction(
                    &format!("s{seq}"),
                    "from the server",
                ));
                store
                    .apply_changes(&[change(seq, None, body)], seq)
                    .await
                    .expect("apply while writing");
            }
        })
    };
    for n in 0..200 {
        store
            .save_instruction(None, unit_target(), &format!("typed {n}"), n)
            .await
            .expect("write while applying");
    }
    puller.await.unwrap();
    assert_eq!(store.outbox_counts().await.unwrap().queued, 200);
    assert_eq!(store.sync_cursor().await.unwrap().0, 201);
}

/// Signs `staff_id` in as the desk does (the setting the outbox stamps writes from).
async fn sign_in_as(store: &Store, staff_id: &str) {
    let signed_in = serde_json::json!({
        "staff": {"id": staff_id, "building_id": "b1", "name": staff_id, "email": format!("{staff_id}@b1.test"), "role": "doorman", "disabled": false},
        "building": {"id": "b1", "name": "B1"},
        "expires_at_ms": i64::MAX,
    });
    store
        .set_setting("signed_in", Some(&signed_in))
        .await
        .unwrap();
}

#[tokio::test]
async fn each_write_waits_for_the_staff_member_who_made_it() {
    let (_dir, store) = store_with_unit().await;
    // A write from before authors were recorded (nobody signed in).
    let legacy = store
        .save_instruction(Some("legacy".into()), unit_target(), "legacy", 1)
        .await
        .unwrap();
    sign_in_as(&store, "alice").await;
    let alice_1 = store
        .save_instruction(Some("shared".into()), unit_target(), "alice on shared", 2)
        .await
        .unwrap();
    let alice_2 = store
        .save_instruction(Some("alice-own".into()), unit_target(), "alice alone", 3)
        .await
        .unwrap();
    sign_in_as(&store, "bob").await;
    let bob_1 = store
        .save_instruction(Some("bob-own".into()), unit_target(), "bob alone", 4)
        .await
        .unwrap();
    // Bob edits what Alice's waiting write is about: it has to wait for hers.
    let bob_2 = store
        .save_instruction(Some("shared".into()), unit_target(), "bob on shared", 5)
        .await
        .unwrap();

    let ids = |batch: Vec<frontdesk_protocol::Mutation>| -> Vec<Uuid> {
        batch.into_iter().map(|m| m.id).collect()
    };
    assert_eq!(
        ids(store.pending_batch(100, "bob").await.unwrap()),
        vec![legacy.id, bob_1.id]
    );
    assert_eq!(
        ids(store.pending_batch(100, "alice").await.unwrap()),
        vec![legacy.id, alice_1.id, alice_2.id]
    );
    // The Sync panel lists everyone's, saying whose.
    let items = store.outbox_items().await.unwrap();
    let authors: Vec<Option<&str>> = items.iter().map(|i| i.queued_by.as_deref()).collect();
    assert_eq!(
        authors,
        vec![None, Some("alice"), Some("alice"), Some("bob"), Some("bob")]
    );

    // Once Alice's write on the shared record is through, Bob's follows it.
    store
        .record_push_results(&[MutationResult {
            id: alice_1.id,
            outcome: MutationOutcome::Applied { seq: 10 },
            duplicate: false,
        }])
        .await
        .unwrap();
    assert_eq!(
        ids(store.pending_batch(100, "bob").await.unwrap()),
        vec![legacy.id, bob_1.id, bob_2.id]
    );
}
