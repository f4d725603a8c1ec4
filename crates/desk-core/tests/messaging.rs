//! Staff messaging at the desk, on a real SQLite file: changes are fed to the store as
//! the pull and the live connection would, and the desk's writes go through its outbox.

use frontdesk_desk_core::DeskErrorCode;
use frontdesk_desk_core::messaging::{
    ConversationFilter, ConversationQuery, MessageState, MessageView,
};
use frontdesk_desk_core::store::Store;
use frontdesk_protocol::ConversationHistory;
use frontdesk_protocol::{
    Change, ChangeBody, Conversation, ConversationKind, Message, MessageKind, MutationBody,
    MutationOutcome, MutationResult, Participant, ParticipantRole, ReactionKind, Receipt,
    RejectCode, StaffMember, StaffRole, direct_conversation_id,
};
use uuid::Uuid;

const ME: &str = "alice";
const GROUP: &str = "c-group";

fn staff(id: &str, name: &str) -> StaffMember {
    StaffMember {
        id: id.into(),
        building_id: "b1".into(),
        name: name.into(),
        email: format!("{id}@lofts.example"),
        role: StaffRole::Doorman,
        disabled: false,
    }
}

fn participant(id: &str, joined_at_ms: i64) -> Participant {
    Participant {
        staff_id: id.into(),
        role: if id == ME {
            ParticipantRole::Owner
        } else {
            ParticipantRole::Member
        },
        joined_at_ms,
        left_at_ms: None,
    }
}

fn conversation(id: &str, title: Option<&str>, people: &[&str]) -> Conversation {
    Conversation {
        id: id.into(),
        building_id: "b1".into(),
        kind: ConversationKind::Group,
        title: title.map(str::to_owned),
        created_by: people[0].into(),
        created_at_ms: 1_000,
        participants: people.iter().map(|p| participant(p, 1_000)).collect(),
    }
}

fn message(id: &str, conversation_id: &str, no: i64, sender: &str, text: &str) -> Message {
    Message {
        id: id.into(),
        conversation_id: conversation_id.into(),
        no,
        kind: MessageKind::Text,
        sender_id: sender.into(),
        text: text.into(),
        system: None,
        attachments: Vec::new(),
        sent_at_ms: 2_000 + no,
        committed_at_ms: 2_000 + no,
        edited_at_ms: None,
        deleted_at_ms: None,
    }
}

fn receipt(conversation_id: &str, who: &str, delivered: i64, read: i64) -> Receipt {
    Receipt {
        conversation_id: conversation_id.into(),
        staff_id: who.into(),
        delivered_through: delivered,
        read_through: read,
        updated_at_ms: 3_000,
    }
}

/// Feeds changes to the store as one pulled page continuing its cursor.
struct Feed<'a> {
    store: &'a Store,
}

impl Feed<'_> {
    async fn page(&self, bodies: Vec<(Option<Uuid>, ChangeBody)>) {
        let (cursor, _) = self.store.sync_cursor().await.unwrap();
        let changes: Vec<Change> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, (mutation_id, body))| Change {
                seq: cursor + 1 + i as i64,
                committed_at_ms: 0,
                mutation_id,
                body,
            })
            .collect();
        self.store.apply_changes(&changes, 0).await.unwrap();
    }

    async fn one(&self, body: ChangeBody) {
        self.page(vec![(None, body)]).await;
    }
}

/// A store signed in as alice, holding the staff and a group of alice, bob and Céline
/// (first load: from cursor 0).
async fn seeded(path: &std::path::Path) -> Store {
    let store = Store::open(path).await.unwrap();
    store.claim_messaging(ME).await.unwrap();
    let feed = Feed { store: &store };
    feed.page(vec![
        (
            None,
            ChangeBody::StaffUpserted(staff("alice", "Alice Tremblay")),
        ),
        (None, ChangeBody::StaffUpserted(staff("bob", "Bob Roy"))),
        (
            None,
            ChangeBody::StaffUpserted(staff("celine", "Céline Gagné")),
        ),
        (None, ChangeBody::StaffUpserted(staff("dan", "Dan Smith"))),
        (
            None,
            ChangeBody::ConversationUpserted(conversation(
                GROUP,
                Some("Night shift"),
                &["alice", "bob", "celine"],
            )),
        ),
    ])
    .await;
    store
}

async fn thread(store: &Store, conversation_id: &str) -> Vec<MessageView> {
    store
        .messages(ME, conversation_id, None, None)
        .await
        .unwrap()
        .messages
}

async fn state_of(store: &Store, id: &str) -> Option<MessageState> {
    thread(store, GROUP)
        .await
        .into_iter()
        .find(|m| m.id == id)
        .and_then(|m| m.state)
}

async fn queued(store: &Store) -> Vec<MutationBody> {
    store
        .pending_batch(1_000, ME)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect()
}

fn receipts(bodies: &[MutationBody]) -> Vec<(String, Option<i64>, Option<i64>)> {
    bodies
        .iter()
        .filter_map(|b| match b {
            MutationBody::ReceiptMark(r) => Some((
                r.conversation_id.clone(),
                r.delivered_through,
                r.read_through,
            )),
            _ => None,
        })
        .collect()
}

fn applied(id: Uuid, seq: i64) -> MutationResult {
    MutationResult {
        id,
        duplicate: false,
        outcome: MutationOutcome::Applied { seq },
    }
}

#[tokio::test]
async fn an_own_message_goes_sending_sent_delivered_read_and_never_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    let mut seen = Vec::new();

    let (mutation, id) = store
        .send_message(
            ME,
            GROUP,
            "  Le colis du 1203 est arrivé \n",
            Vec::new(),
            10,
        )
        .await
        .unwrap();
    let shown = thread(&store, GROUP).await;
    let last = shown.last().unwrap();
    assert_eq!(last.id, id);
    assert_eq!(last.no, None);
    assert!(last.own);
    assert_eq!(
        last.text, "  Le colis du 1203 est arrivé",
        "normalised before queueing"
    );
    assert_eq!(last.sender_name.as_deref(), Some("Alice Tremblay"));
    seen.push(state_of(&store, &id).await.unwrap());

    store
        .record_push_results(&[applied(mutation.id, 100)])
        .await
        .unwrap();
    seen.push(state_of(&store, &id).await.unwrap());

    // A receipt from Bob arrives before the echo of the message it covers (the state
    // derives from watermarks, so the order does not matter).
    feed.one(ChangeBody::ReceiptUpserted(receipt(GROUP, "bob", 1, 0)))
        .await;
    seen.push(state_of(&store, &id).await.unwrap());
    let mut echo = message(&id, GROUP, 1, ME, "  Le colis du 1203 est arrivé");
    echo.sent_at_ms = 10;
    feed.page(vec![(Some(mutation.id), ChangeBody::MessageUpserted(echo))])
        .await;
    let shown = thread(&store, GROUP).await;
    assert_eq!(shown.len(), 1, "the echo replaces the queued message");
    assert_eq!(shown[0].no, Some(1));
    seen.push(shown[0].state.unwrap());

    // An older version of Bob's receipt cannot move it back.
    feed.one(ChangeBody::ReceiptUpserted(receipt(GROUP, "bob", 0, 0)))
        .await;
    seen.push(state_of(&store, &id).await.unwrap());
    feed.one(ChangeBody::ReceiptUpserted(receipt(GROUP, "celine", 0, 1)))
        .await;
    let shown = thread(&store, GROUP).await;
    seen.push(shown[0].state.unwrap());
    assert_eq!(shown[0].read_by, vec!["celine".to_owned()]);
    feed.one(ChangeBody::ReceiptUpserted(receipt(GROUP, "celine", 0, 0)))
        .await;
    seen.push(state_of(&store, &id).await.unwrap());

    assert_eq!(
        seen,
        vec![
            MessageState::Sending,
            MessageState::Sent,
            MessageState::Sent,
            MessageState::Delivered,
            MessageState::Delivered,
            MessageState::Read,
            MessageState::Read,
        ]
    );
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "never backwards");

    // The list shows it as the last message, with its state.
    let list = store
        .conversations(ME, &ConversationQuery::default())
        .await
        .unwrap();
    let preview = list[0].last_message.as_ref().unwrap();
    assert_eq!(preview.state, Some(MessageState::Read));
    assert!(preview.own);
}

#[tokio::test]
async fn a_refused_message_fails_with_its_reason_then_retries_or_is_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;

    let (first, id) = store
        .send_message(ME, GROUP, "first try", Vec::new(), 10)
        .await
        .unwrap();
    let refuse = |mutation_id| MutationResult {
        id: mutation_id,
        duplicate: false,
        outcome: MutationOutcome::Rejected {
            code: RejectCode::Forbidden,
            reason: "you are not in this conversation".into(),
        },
    };
    store
        .record_push_results(&[refuse(first.id)])
        .await
        .unwrap();
    let shown = thread(&store, GROUP).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].state, Some(MessageState::Failed));
    assert_eq!(
        shown[0].failure.as_deref(),
        Some("you are not in this conversation")
    );

    // A message written after it; the retry goes to the end, with a new mutation id.
    let (_, later) = store
        .send_message(ME, GROUP, "second", Vec::new(), 11)
        .await
        .unwrap();
    let retried = store.retry_message(ME, &id, 12).await.unwrap();
    assert_ne!(retried.id, first.id);
    let shown = thread(&store, GROUP).await;
    let order: Vec<(&str, Option<MessageState>)> =
        shown.iter().map(|m| (m.id.as_str(), m.state)).collect();
    assert_eq!(
        order,
        vec![
            (later.as_str(), Some(MessageState::Sending)),
            (id.as_str(), Some(MessageState::Sending)),
        ]
    );
    assert!(
        store
            .outbox_items()
            .await
            .unwrap()
            .iter()
            .all(|i| i.mutation.id != first.id)
    );
    assert_eq!(
        store.retry_message(ME, &id, 13).await.unwrap_err().code,
        DeskErrorCode::NotFound,
        "only a failed message is retried"
    );

    store
        .record_push_results(&[refuse(retried.id)])
        .await
        .unwrap();
    store.discard_failed_message(ME, &id).await.unwrap();
    let shown = thread(&store, GROUP).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].id, later);
    assert!(
        store
            .outbox_items()
            .await
            .unwrap()
            .iter()
            .all(|i| i.mutation.id != retried.id)
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_queues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let err = store
        .send_message(ME, GROUP, "   \n", Vec::new(), 1)
        .await
        .unwrap_err();
    assert_eq!(err.code, DeskErrorCode::InvalidInput);
    let err = store
        .send_message(ME, "c-not-mine", "hello", Vec::new(), 1)
        .await
        .unwrap_err();
    assert_eq!(err.code, DeskErrorCode::NotFound);
    let err = store
        .start_conversation(ME, &["nobody".into()], None, 1)
        .await
        .unwrap_err();
    assert_eq!(err.code, DeskErrorCode::NotFound);
    let err = store
        .start_conversation(ME, &[ME.into()], None, 1)
        .await
        .unwrap_err();
    assert_eq!(err.code, DeskErrorCode::InvalidInput);
    assert!(queued(&store).await.is_empty());
}

#[tokio::test]
async fn search_filters_and_unread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    let dm = direct_conversation_id(ME, "dan");
    let mut direct = conversation(&dm, None, &["alice", "dan"]);
    direct.kind = ConversationKind::Direct;
    feed.page(vec![
        (None, ChangeBody::ConversationUpserted(direct)),
        (
            None,
            ChangeBody::ConversationUpserted(conversation(
                "c-other",
                Some("Not mine"),
                &["bob", "dan"],
            )),
        ),
        (
            None,
            ChangeBody::MessageUpserted(message(
                "m1",
                GROUP,
                1,
                "bob",
                "Livraison Purolator à 14 h",
            )),
        ),
        (
            None,
            ChangeBody::MessageUpserted(message("m2", GROUP, 2, "celine", "Je m'en occupe")),
        ),
        (
            None,
            ChangeBody::MessageUpserted(message("m3", &dm, 1, "dan", "Clé du casier 4 ?")),
        ),
        (
            None,
            ChangeBody::MessageUpserted(message("m4", &dm, 2, ME, "Dans le tiroir")),
        ),
    ])
    .await;

    let all = store
        .conversations(ME, &ConversationQuery::default())
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![GROUP, dm.as_str()],
        "latest activity first, only mine"
    );
    assert_eq!(all[0].unread, 2);
    assert_eq!(all[1].unread, 1, "own messages are never unread");
    assert_eq!(store.unread_total(ME).await.unwrap(), 3);
    assert_eq!(
        all[0].last_message.as_ref().unwrap().sender_name.as_deref(),
        Some("Céline Gagné")
    );

    let search = |text: &str| ConversationQuery {
        search: Some(text.into()),
        ..ConversationQuery::default()
    };
    let found = |list: Vec<frontdesk_desk_core::messaging::ConversationSummary>| {
        list.into_iter().map(|c| c.id).collect::<Vec<_>>()
    };
    // A participant's name, accents folded; a title; a message's words (prefixes).
    assert_eq!(
        found(store.conversations(ME, &search("celine")).await.unwrap()),
        vec![GROUP]
    );
    assert_eq!(
        found(store.conversations(ME, &search("night")).await.unwrap()),
        vec![GROUP]
    );
    assert_eq!(
        found(store.conversations(ME, &search("cle casi")).await.unwrap()),
        vec![dm.clone()]
    );
    assert_eq!(
        found(store.conversations(ME, &search("dan")).await.unwrap()),
        vec![dm.clone()]
    );
    assert!(
        found(
            store
                .conversations(ME, &search("\"purolator*"))
                .await
                .unwrap()
        ) == vec![GROUP.to_owned()]
    );
    assert!(
        store
            .conversations(ME, &search("zzz"))
            .await
            .unwrap()
            .is_empty()
    );
    // A message still in the outbox is found too.
    store
        .send_message(ME, &dm, "Rappel: inventaire vendredi", Vec::new(), 5_000)
        .await
        .unwrap();
    assert_eq!(
        found(
            store
                .conversations(ME, &search("inventaire"))
                .await
                .unwrap()
        ),
        vec![dm.clone()]
    );

    // Reading the thread clears its count at once (the receipt is queued).
    store.mark_read(ME, GROUP, 6_000).await.unwrap();
    assert!(
        store.mark_read(ME, GROUP, 6_001).await.unwrap().is_none(),
        "already read"
    );
    let unread = ConversationQuery {
        filter: ConversationFilter::Unread,
        ..ConversationQuery::default()
    };
    assert_eq!(
        found(store.conversations(ME, &unread).await.unwrap()),
        vec![dm.clone()]
    );
    assert_eq!(store.unread_total(ME).await.unwrap(), 1);

    store.set_important(ME, GROUP, true, 6_002).await.unwrap();
    let important = ConversationQuery {
        filter: ConversationFilter::Important,
        ..ConversationQuery::default()
    };
    assert_eq!(
        found(store.conversations(ME, &important).await.unwrap()),
        vec![GROUP]
    );

    // Reactions: the server's and this desk's queued one, counted.
    feed.one(ChangeBody::ReactionUpserted(frontdesk_protocol::Reaction {
        conversation_id: GROUP.into(),
        message_id: "m1".into(),
        staff_id: "celine".into(),
        reaction: ReactionKind::ThumbsUp,
        active: true,
        at_ms: 1,
    }))
    .await;
    store
        .set_reaction(ME, "m1", ReactionKind::ThumbsUp, true, 7_000)
        .await
        .unwrap();
    let m1 = thread(&store, GROUP).await.remove(0);
    assert_eq!(m1.reactions.len(), 1);
    assert_eq!(m1.reactions[0].count, 2);
    assert!(m1.reactions[0].mine);
    assert_eq!(
        m1.reactions[0].staff_ids,
        vec!["celine".to_owned(), ME.to_owned()]
    );
}

#[tokio::test]
async fn threads_page_backwards() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    feed.page(
        (1..=120)
            .map(|no| {
                (
                    None,
                    ChangeBody::MessageUpserted(message(
                        &format!("m{no}"),
                        GROUP,
                        no,
                        if no % 2 == 0 { "bob" } else { ME },
                        &format!("message {no}"),
                    )),
                )
            })
            .collect(),
    )
    .await;
    let latest = store.messages(ME, GROUP, None, Some(50)).await.unwrap();
    let nos: Vec<i64> = latest.messages.iter().filter_map(|m| m.no).collect();
    assert_eq!(nos, (71..=120).collect::<Vec<_>>());
    assert!(latest.has_older);
    let older = store.messages(ME, GROUP, Some(71), Some(50)).await.unwrap();
    assert_eq!(older.messages.first().and_then(|m| m.no), Some(21));
    let oldest = store.messages(ME, GROUP, Some(21), Some(50)).await.unwrap();
    assert_eq!(oldest.messages.len(), 20);
    assert!(!oldest.has_older);
    assert_eq!(
        store
            .messages(ME, "c-not-mine", None, None)
            .await
            .unwrap_err()
            .code,
        DeskErrorCode::NotFound
    );
}

#[tokio::test]
async fn drafts_survive_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    {
        let store = seeded(&path).await;
        store
            .save_draft(ME, GROUP, "Penser à la clé", 1)
            .await
            .unwrap();
        assert_eq!(
            store
                .save_draft(ME, "c-not-mine", "x", 1)
                .await
                .unwrap_err()
                .code,
            DeskErrorCode::NotFound
        );
    }
    let store = Store::open(&path).await.unwrap();
    assert_eq!(
        store.draft(ME, GROUP).await.unwrap().as_deref(),
        Some("Penser à la clé")
    );
    let detail = store.conversation(ME, GROUP).await.unwrap();
    assert!(detail.summary.has_draft);
    assert_eq!(detail.draft.as_deref(), Some("Penser à la clé"));
    store
        .send_message(ME, GROUP, "Penser à la clé", Vec::new(), 2)
        .await
        .unwrap();
    assert_eq!(
        store.draft(ME, GROUP).await.unwrap(),
        None,
        "sending clears it"
    );
}

#[tokio::test]
async fn a_direct_conversation_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    let (created, id) = store
        .start_conversation(ME, &["bob".into()], None, 1)
        .await
        .unwrap();
    assert!(created.is_some());
    assert_eq!(id, direct_conversation_id("bob", ME));
    let (again, same) = store
        .start_conversation(ME, &["bob".into(), ME.into()], Some("  "), 2)
        .await
        .unwrap();
    assert!(again.is_none(), "the one queued is reused");
    assert_eq!(same, id);
    let list = store
        .conversations(ME, &ConversationQuery::default())
        .await
        .unwrap();
    let opened = list.iter().find(|c| c.id == id).unwrap();
    assert!(opened.pending);
    assert_eq!(opened.kind, ConversationKind::Direct);
    // Sending in it before the server has it works (queued after its creation).
    store
        .send_message(ME, &id, "Salut", Vec::new(), 3)
        .await
        .unwrap();

    // Dan opened theirs with alice on another desk: it is here from the server.
    let dm = direct_conversation_id(ME, "dan");
    let mut direct = conversation(&dm, None, &["dan", "alice"]);
    direct.kind = ConversationKind::Direct;
    feed.one(ChangeBody::ConversationUpserted(direct)).await;
    let before = queued(&store).await.len();
    let (none, reused) = store
        .start_conversation(ME, &["dan".into()], None, 4)
        .await
        .unwrap();
    assert!(none.is_none());
    assert_eq!(reused, dm);
    assert_eq!(queued(&store).await.len(), before);
    // With a title, or several people, it is a new group.
    let (group, group_id) = store
        .start_conversation(ME, &["dan".into()], Some("Inventaire"), 5)
        .await
        .unwrap();
    assert!(group.is_some());
    assert_ne!(group_id, dm);
}

#[tokio::test]
async fn others_messages_queue_one_delivered_receipt_per_conversation_per_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    let dm = direct_conversation_id(ME, "dan");
    let mut direct = conversation(&dm, None, &["alice", "dan"]);
    direct.kind = ConversationKind::Direct;
    feed.one(ChangeBody::ConversationUpserted(direct)).await;
    feed.page(vec![
        (
            None,
            ChangeBody::MessageUpserted(message("m1", GROUP, 1, "bob", "a")),
        ),
        (
            None,
            ChangeBody::MessageUpserted(message("m2", GROUP, 2, "celine", "b")),
        ),
        (
            None,
            ChangeBody::MessageUpserted(message("m3", &dm, 1, "dan", "c")),
        ),
        (
            None,
            ChangeBody::MessageUpserted(message("m4", GROUP, 3, "bob", "d")),
        ),
    ])
    .await;
    let mut marks = receipts(&queued(&store).await);
    marks.sort();
    assert_eq!(
        marks,
        vec![
            (GROUP.to_owned(), Some(3), None),
            (dm.clone(), Some(1), None)
        ]
    );
    // Own messages, or a watermark already reached (server or queued), queue nothing.
    feed.one(ChangeBody::MessageUpserted(message(
        "m5", GROUP, 4, ME, "e",
    )))
    .await;
    feed.one(ChangeBody::MessageUpserted(message(
        "m2",
        GROUP,
        2,
        "celine",
        "b (edited)",
    )))
    .await;
    assert_eq!(receipts(&queued(&store).await).len(), 2);
    feed.one(ChangeBody::ReceiptUpserted(receipt(&dm, ME, 5, 0)))
        .await;
    feed.one(ChangeBody::MessageUpserted(message(
        "m6", &dm, 2, "dan", "f",
    )))
    .await;
    assert_eq!(receipts(&queued(&store).await).len(), 2);
    feed.one(ChangeBody::MessageUpserted(message(
        "m7", GROUP, 5, "bob", "g",
    )))
    .await;
    assert_eq!(
        receipts(&queued(&store).await).last(),
        Some(&(GROUP.to_owned(), Some(5), None))
    );
}

#[tokio::test]
async fn queued_receipt_marks_that_a_later_one_covers_are_dropped_before_a_push() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    let dm = direct_conversation_id(ME, "dan");
    let mut direct = conversation(&dm, None, &["alice", "dan"]);
    direct.kind = ConversationKind::Direct;
    feed.one(ChangeBody::ConversationUpserted(direct)).await;
    // A busy conversation, one frame per message: a delivered mark for each.
    for no in 1..=3 {
        feed.one(ChangeBody::MessageUpserted(message(
            &format!("m{no}"),
            GROUP,
            no,
            "bob",
            "busy",
        )))
        .await;
    }
    feed.one(ChangeBody::MessageUpserted(message(
        "d1", &dm, 1, "dan", "hi",
    )))
    .await;
    store
        .mark_read(ME, GROUP, 0)
        .await
        .unwrap()
        .expect("queued");
    feed.one(ChangeBody::MessageUpserted(message(
        "m4", GROUP, 4, "bob", "more",
    )))
    .await;
    assert_eq!(
        receipts(&queued(&store).await),
        vec![
            (GROUP.to_owned(), Some(1), None),
            (GROUP.to_owned(), Some(2), None),
            (GROUP.to_owned(), Some(3), None),
            (dm.clone(), Some(1), None),
            (GROUP.to_owned(), None, Some(3)),
            (GROUP.to_owned(), Some(4), None),
        ]
    );

    // Delivered 1..3 are covered (read through 3 is delivered through 3 too); the read
    // mark is not (the later mark reads nothing), nor is another conversation's.
    assert_eq!(store.supersede_receipts().await.unwrap(), 3);
    assert_eq!(
        receipts(&queued(&store).await),
        vec![
            (dm.clone(), Some(1), None),
            (GROUP.to_owned(), None, Some(3)),
            (GROUP.to_owned(), Some(4), None),
        ]
    );
    assert_eq!(store.outbox_counts().await.unwrap().queued, 3);
    assert_eq!(store.supersede_receipts().await.unwrap(), 0);
}

#[tokio::test]
async fn new_messages_from_others_raise_one_alert_each_but_not_on_first_load() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    assert!(store.take_message_alerts().await.unwrap().is_empty());
    let feed = Feed { store: &store };
    let long = "Bonjour ".repeat(40);
    feed.page(vec![
        (
            None,
            ChangeBody::MessageUpserted(message("m1", GROUP, 1, "bob", &long)),
        ),
        (
            None,
            ChangeBody::MessageUpserted(message("m2", GROUP, 2, ME, "mine")),
        ),
        (
            None,
            ChangeBody::MessageUpserted(message("m3", "c-other", 1, "bob", "not mine")),
        ),
    ])
    .await;
    // An edit of a message already here is not news.
    feed.one(ChangeBody::MessageUpserted(message(
        "m1", GROUP, 1, "bob", "edited",
    )))
    .await;
    let alerts = store.take_message_alerts().await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].message_id, "m1");
    assert_eq!(alerts[0].sender_name.as_deref(), Some("Bob Roy"));
    assert_eq!(alerts[0].conversation_title.as_deref(), Some("Night shift"));
    assert!(alerts[0].preview.chars().count() <= 121);
    assert!(!alerts[0].preview.contains("  "));
    assert!(
        store.take_message_alerts().await.unwrap().is_empty(),
        "given once"
    );
}

#[tokio::test]
async fn being_added_to_a_conversation_fetches_its_history_without_undoing_newer_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    let mut team = conversation("c-team", Some("Maintenance"), &["bob", "dan"]);
    team.participants.push(participant(ME, 5_000));
    feed.one(ChangeBody::ConversationUpserted(team.clone()))
        .await;
    assert_eq!(
        store.backfills_due().await.unwrap(),
        vec!["c-team".to_owned()]
    );
    // Messages after joining come through the log; one of them is edited there.
    let mut edited = message("t41", "c-team", 41, "bob", "new text");
    edited.edited_at_ms = Some(9_000);
    feed.one(ChangeBody::MessageUpserted(edited)).await;

    let mut history = ConversationHistory {
        conversation: team,
        messages: (39..=41)
            .map(|no| message(&format!("t{no}"), "c-team", no, "dan", "old"))
            .collect(),
        reactions: Vec::new(),
        receipts: vec![receipt("c-team", "dan", 41, 41)],
        has_more: true,
    };
    history.messages[2].sender_id = "bob".into();
    store.apply_history(&history).await.unwrap();
    store.finish_backfill("c-team").await.unwrap();
    assert!(store.backfills_due().await.unwrap().is_empty());

    let shown = thread(&store, "c-team").await;
    let texts: Vec<(Option<i64>, &str)> = shown.iter().map(|m| (m.no, m.text.as_str())).collect();
    assert_eq!(
        texts,
        vec![(Some(39), "old"), (Some(40), "old"), (Some(41), "new text")]
    );
    assert!(
        store.take_message_alerts().await.unwrap().len() == 1,
        "only the live one"
    );
    assert_eq!(store.oldest_message_no("c-team").await.unwrap(), Some(39));
}

#[tokio::test]
async fn another_staff_member_signing_in_sees_none_of_the_previous_ones_messages() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    feed.one(ChangeBody::MessageUpserted(message(
        "m1", GROUP, 1, "bob", "secret",
    )))
    .await;
    store.save_draft(ME, GROUP, "draft", 1).await.unwrap();
    assert!(store.sync_cursor().await.unwrap().0 > 0);

    assert!(
        !store.claim_messaging(ME).await.unwrap(),
        "same person: kept"
    );
    assert_eq!(
        store
            .conversations(ME, &ConversationQuery::default())
            .await
            .unwrap()
            .len(),
        1
    );

    assert!(store.claim_messaging("bob").await.unwrap());
    assert!(
        store
            .conversations("bob", &ConversationQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.draft(ME, GROUP).await.unwrap(), None);
    assert_eq!(
        store.sync_cursor().await.unwrap().0,
        0,
        "pulled again from 0"
    );
    let search = ConversationQuery {
        search: Some("secret".into()),
        ..ConversationQuery::default()
    };
    assert!(
        store
            .conversations("bob", &search)
            .await
            .unwrap()
            .is_empty()
    );
    // The directory stays while messaging is pulled again.
    assert_eq!(store.staff_options("bob").await.unwrap().len(), 3);
}

/// Searching 10,000 messages: the full-text index against a LIKE scan (printed, not
/// judged: `cargo test -p frontdesk-desk-core --test messaging -- --ignored --nocapture`).
#[tokio::test]
#[ignore = "a measurement, run by hand"]
async fn measure_search_over_ten_thousand_messages() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    let words = [
        "colis",
        "livraison",
        "clé",
        "casier",
        "ascenseur",
        "visiteur",
        "stationnement",
        "Purolator",
        "FedEx",
        "réparation",
        "plombier",
        "garage",
    ];
    for batch in 0..10 {
        let bodies = (0..1_000)
            .map(|i| {
                let no = batch * 1_000 + i + 1;
                let rare = if no == 5_000 { " Zoë" } else { "" };
                let text = format!(
                    "Message {no}:{rare} {} pour le {} puis {} au {}",
                    words[(no % 12) as usize],
                    no % 1400,
                    words[(no * 7 % 12) as usize],
                    words[(no * 5 % 12) as usize]
                );
                (
                    None,
                    ChangeBody::MessageUpserted(message(
                        &format!("m{no}"),
                        GROUP,
                        no,
                        "bob",
                        &text,
                    )),
                )
            })
            .collect();
        feed.page(bodies).await;
    }
    let query = ConversationQuery {
        search: Some("plomb".into()),
        ..ConversationQuery::default()
    };
    let runs = 50;
    let started = std::time::Instant::now();
    for _ in 0..runs {
        assert_eq!(store.conversations(ME, &query).await.unwrap().len(), 1);
    }
    let fts = started.elapsed() / runs;
    // The matching alone, for a word in a twelfth of the messages and for one in one.
    let time = |sql: &'static str| {
        let store = &store;
        async move {
            let started = std::time::Instant::now();
            for _ in 0..runs {
                let rows: Vec<(String,)> =
                    sqlx::query_as(sql).fetch_all(store.pool()).await.unwrap();
                assert_eq!(rows.len(), 1);
            }
            started.elapsed() / runs
        }
    };
    let fts_common = time(
        "SELECT DISTINCT conversation_id FROM messages_fts WHERE messages_fts MATCH '\"plomb\"*'",
    )
    .await;
    let like_common =
        time("SELECT DISTINCT conversation_id FROM messages WHERE text LIKE '%plomb%'").await;
    let fts_rare = time(
        "SELECT DISTINCT conversation_id FROM messages_fts WHERE messages_fts MATCH '\"zoe\"*'",
    )
    .await;
    let like_rare =
        time("SELECT DISTINCT conversation_id FROM messages WHERE text LIKE '%zoë%'").await;
    let started = std::time::Instant::now();
    for _ in 0..runs {
        store
            .conversations(ME, &ConversationQuery::default())
            .await
            .unwrap();
    }
    let list = started.elapsed() / runs;
    let started = std::time::Instant::now();
    for _ in 0..runs {
        store.messages(ME, GROUP, None, None).await.unwrap();
    }
    let page = started.elapsed() / runs;
    println!(
        "10,000 messages: list searched {fts:?}, not searched {list:?}; latest page of 50 \
         {page:?}; matching a common word: FTS {fts_common:?}, LIKE {like_common:?}; \
         a rare word: FTS {fts_rare:?}, LIKE {like_rare:?}"
    );
}

/// A server answering only `GET /v1/conversations/c-team/messages` with pages of 20 of
/// messages 1…40 before `before_no`, as the real one does; it notes each request line.
async fn history_server(asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let asked = asked.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                let line = text.lines().next().unwrap_or_default().to_owned();
                asked.lock().unwrap().push(line.clone());
                let authorized = text.contains("authorization: Bearer tok")
                    || text.contains("Authorization: Bearer tok");
                let (status, body) = match line
                    .strip_prefix("GET /v1/conversations/c-team/messages?")
                    .and_then(|q| q.split(' ').next())
                {
                    Some(query) if authorized => {
                        let before = query
                            .split('&')
                            .find_map(|p| p.strip_prefix("before_no="))
                            .and_then(|n| n.parse::<i64>().ok())
                            .unwrap_or(41);
                        let first = (before - 20).max(1);
                        let messages: Vec<Message> = (first..before)
                            .map(|no| message(&format!("t{no}"), "c-team", no, "dan", "old"))
                            .collect();
                        let mut team = conversation("c-team", Some("Maintenance"), &["bob", "dan"]);
                        team.participants.push(participant(ME, 5_000));
                        let history = serde_json::json!({
                            "conversation": team,
                            "messages": messages,
                            "reactions": [],
                            "receipts": [receipt("c-team", "dan", 40, 40)],
                            "has_more": first > 1,
                        });
                        ("200 OK", history.to_string())
                    }
                    Some(_) => (
                        "401 Unauthorized",
                        r#"{"code":"unauthorized","message":"no"}"#.to_owned(),
                    ),
                    None => (
                        "404 Not Found",
                        r#"{"code":"not_found","message":"no"}"#.to_owned(),
                    ),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{addr}/")
}

#[tokio::test]
async fn the_history_is_fetched_page_by_page_back_to_the_first_message() {
    use frontdesk_desk_core::Timeouts;
    use frontdesk_desk_core::server_api::ServerApi;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let feed = Feed { store: &store };
    let mut team = conversation("c-team", Some("Maintenance"), &["bob", "dan"]);
    team.participants.push(participant(ME, 5_000));
    feed.one(ChangeBody::ConversationUpserted(team)).await;
    feed.one(ChangeBody::MessageUpserted(message(
        "t41", "c-team", 41, "bob", "welcome",
    )))
    .await;

    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let url = history_server(asked.clone()).await;
    let api = ServerApi::new(url.parse().unwrap(), Timeouts::default()).unwrap();
    let stored = frontdesk_desk_core::messaging::follow::backfill(&store, &api, "tok")
        .await
        .unwrap();
    assert!(stored);
    assert_eq!(
        *asked.lock().unwrap(),
        vec![
            "GET /v1/conversations/c-team/messages?limit=200&before_no=41 HTTP/1.1".to_owned(),
            "GET /v1/conversations/c-team/messages?limit=200&before_no=21 HTTP/1.1".to_owned(),
        ]
    );
    assert!(store.backfills_due().await.unwrap().is_empty());
    let nos: Vec<i64> = store
        .messages(ME, "c-team", None, Some(500))
        .await
        .unwrap()
        .messages
        .iter()
        .filter_map(|m| m.no)
        .collect();
    assert_eq!(nos, (1..=41).collect::<Vec<_>>());
    // Nothing of the history is news.
    assert_eq!(store.take_message_alerts().await.unwrap().len(), 1);
    // Done: nothing more is asked.
    assert!(
        !frontdesk_desk_core::messaging::follow::backfill(&store, &api, "tok")
            .await
            .unwrap()
    );
    assert_eq!(asked.lock().unwrap().len(), 2);

    // A refused fetch keeps the conversation waiting, to try again later.
    let mut other = conversation("c-later", None, &["bob"]);
    other.participants.push(participant(ME, 9_000));
    feed.one(ChangeBody::ConversationUpserted(other)).await;
    let err = frontdesk_desk_core::messaging::follow::backfill(&store, &api, "tok")
        .await
        .unwrap_err();
    assert_eq!(err.code, DeskErrorCode::NotFound);
    assert_eq!(
        store.backfills_due().await.unwrap(),
        vec!["c-later".to_owned()]
    );
}

#[tokio::test]
async fn people_are_added_to_groups_only_and_a_left_conversation_is_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    store
        .add_participants(ME, GROUP, &["dan".into(), "dan".into(), ME.into()], 1)
        .await
        .unwrap();
    match queued(&store).await.last() {
        Some(MutationBody::ConversationAdd(add)) => assert_eq!(add.staff_ids, vec!["dan"]),
        other => panic!("expected the addition queued, got {other:?}"),
    }
    let detail = store.conversation(ME, GROUP).await.unwrap();
    assert!(
        detail
            .summary
            .participants
            .iter()
            .any(|p| p.staff_id == "dan" && p.name.as_deref() == Some("Dan Smith"))
    );
    let (_, dm) = store
        .start_conversation(ME, &["bob".into()], None, 2)
        .await
        .unwrap();
    assert_eq!(
        store
            .add_participants(ME, &dm, &["dan".into()], 3)
            .await
            .unwrap_err()
            .code,
        DeskErrorCode::Conflict
    );
    store.leave_conversation(ME, GROUP, 4).await.unwrap();
    assert!(store.conversation(ME, GROUP).await.unwrap().summary.left);
    assert_eq!(
        store
            .send_message(ME, GROUP, "still here?", Vec::new(), 5)
            .await
            .unwrap_err()
            .code,
        DeskErrorCode::NotFound
    );
}

#[tokio::test]
async fn a_live_frame_says_what_it_settled_and_queued_and_a_stale_one_changes_nothing() {
    use frontdesk_desk_core::store::FrameOutcome;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&dir.path().join("desk.db")).await;
    let (mutation, id) = store
        .send_message(ME, GROUP, "Le colis est là", Vec::new(), 10)
        .await
        .unwrap();
    let (cursor, _) = store.sync_cursor().await.unwrap();
    let mut echo = message(&id, GROUP, 1, ME, "Le colis est là");
    echo.sent_at_ms = 10;
    let frame = [
        Change {
            seq: cursor + 1,
            committed_at_ms: 0,
            mutation_id: Some(mutation.id),
            body: ChangeBody::MessageUpserted(echo),
        },
        Change {
            seq: cursor + 3,
            committed_at_ms: 0,
            mutation_id: Some(Uuid::now_v7()),
            body: ChangeBody::MessageUpserted(message("m-bob", GROUP, 2, "bob", "Merci")),
        },
    ];
    // The frame's range holds a change this desk may not see (cursor + 2).
    let outcome = store
        .apply_range(&frame, cursor, cursor + 3, 0)
        .await
        .unwrap();
    let FrameOutcome::Applied(applied) = outcome else {
        panic!("not applied: {outcome:?}");
    };
    assert_eq!(applied.changes, 2);
    assert_eq!(applied.echoes, 1, "the own message's echo settles its row");
    assert_eq!(
        applied.receipts_queued, 1,
        "bob's message is delivered here"
    );
    assert_eq!(applied.cursor, cursor + 3);
    assert!(applied.messages_changed);
    assert_eq!(store.sync_cursor().await.unwrap().0, cursor + 3);
    assert_eq!(
        receipts(&queued(&store).await),
        [(GROUP.to_owned(), Some(2), None)]
    );

    // Behind the cursor, or ahead of it with a gap: nothing is written, and nothing
    // is left holding the write lock.
    let again = store
        .apply_range(&frame, cursor, cursor + 3, 0)
        .await
        .unwrap();
    assert_eq!(again, FrameOutcome::AlreadyHave);
    let later = [Change {
        seq: cursor + 9,
        committed_at_ms: 0,
        mutation_id: None,
        body: ChangeBody::MessageUpserted(message("m-late", GROUP, 3, "bob", "?")),
    }];
    let gap = store
        .apply_range(&later, cursor + 8, cursor + 9, 0)
        .await
        .unwrap();
    assert_eq!(gap, FrameOutcome::Gap);
    assert_eq!(store.sync_cursor().await.unwrap().0, cursor + 3);
    assert!(!thread(&store, GROUP).await.iter().any(|m| m.id == "m-late"));
    store
        .send_message(ME, GROUP, "Encore un", Vec::new(), 11)
        .await
        .unwrap();
}
