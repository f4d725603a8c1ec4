//! Staff messaging through `POST /v1/sync/push`, `GET /v1/sync/pull`, the history
//! route and the WebSocket, on SQLite and PostgreSQL, over real sockets: who may see
//! and do what, the rules, watermarks, and live frames filtered per staff member.

mod common;

use std::time::Duration;

use common::{Backend, TestDb, TestServer, add_staff, relaxed_config};
use frontdesk_protocol::{
    AttachmentRef, Change, ChangeBody, ConversationAdd, ConversationCreate, ConversationHistory,
    ConversationKind, ConversationPrefSet, InstructionTarget, MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_MESSAGE_CHARS, MAX_PARTICIPANTS, MessageEdit, MessageKind, MessageSend, Mutation,
    MutationBody, MutationOutcome, MutationResult, PullResponse, PushResponse, ReactionKind,
    ReactionSet, ReceiptMark, RejectCode, ServerFrame, Session, StaffRole, SystemEvent,
    direct_conversation_id,
};
use frontdesk_server::Db;
use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

const T0: i64 = 1_700_000_000_000;

/// Generous bound for anything that should happen "soon".
const SOON: Duration = Duration::from_secs(20);

fn mutation(body: MutationBody) -> Mutation {
    Mutation {
        id: Uuid::now_v7(),
        client_time_ms: T0,
        body,
    }
}

fn group(id: &str, title: Option<&str>, others: &[&str]) -> Mutation {
    mutation(MutationBody::ConversationCreate(ConversationCreate {
        id: id.into(),
        kind: ConversationKind::Group,
        title: title.map(Into::into),
        participant_ids: others.iter().map(|s| (*s).to_owned()).collect(),
    }))
}

fn direct(me: &str, other: &str) -> Mutation {
    mutation(MutationBody::ConversationCreate(ConversationCreate {
        id: direct_conversation_id(me, other),
        kind: ConversationKind::Direct,
        title: None,
        participant_ids: vec![other.to_owned()],
    }))
}

fn send(conversation: &str, id: &str, text: &str) -> Mutation {
    mutation(MutationBody::MessageSend(MessageSend {
        id: id.into(),
        conversation_id: conversation.into(),
        text: text.into(),
        attachments: Vec::new(),
    }))
}

fn mark(conversation: &str, delivered: Option<i64>, read: Option<i64>) -> Mutation {
    mutation(MutationBody::ReceiptMark(ReceiptMark {
        conversation_id: conversation.into(),
        delivered_through: delivered,
        read_through: read,
    }))
}

fn react(message: &str, active: bool) -> Mutation {
    mutation(MutationBody::ReactionSet(ReactionSet {
        message_id: message.into(),
        reaction: ReactionKind::ThumbsUp,
        active,
    }))
}

fn edit(message: &str, text: &str) -> Mutation {
    mutation(MutationBody::MessageEdit(MessageEdit {
        id: message.into(),
        text: text.into(),
    }))
}

fn leave(conversation: &str) -> Mutation {
    mutation(MutationBody::ConversationLeave {
        conversation_id: conversation.into(),
    })
}

fn add(conversation: &str, staff: &[&str]) -> Mutation {
    mutation(MutationBody::ConversationAdd(ConversationAdd {
        conversation_id: conversation.into(),
        staff_ids: staff.iter().map(|s| (*s).to_owned()).collect(),
    }))
}

fn instruction(text: &str) -> Mutation {
    mutation(MutationBody::InstructionSave {
        id: Uuid::now_v7().to_string(),
        target: InstructionTarget::Unit("a-1".to_owned()),
        text: text.to_owned(),
    })
}

/// Building A: Alice (doorman), Bob (security), Carol (doorman), Max (manager);
/// building B: its doorman. Signed in, each.
struct Desks {
    _tdb: TestDb,
    server: TestServer,
    alice: Session,
    bob: Session,
    carol: Session,
    max: Session,
    b: Session,
}

async fn setup(backend: Backend) -> Desks {
    let tdb = TestDb::new(backend).await;
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    add_staff(&db, "A", "bob@a.test", "password-bob", StaffRole::Security).await;
    add_staff(
        &db,
        "A",
        "carol@a.test",
        "password-carol",
        StaffRole::Doorman,
    )
    .await;
    add_staff(&db, "A", "max@a.test", "password-max", StaffRole::Manager).await;
    let server = TestServer::start(db, relaxed_config()).await;
    Desks {
        alice: server.login_ok("desk@a.test", "password-a").await,
        bob: server.login_ok("bob@a.test", "password-bob").await,
        carol: server.login_ok("carol@a.test", "password-carol").await,
        max: server.login_ok("max@a.test", "password-max").await,
        b: server.login_ok("desk@b.test", "password-b").await,
        server,
        _tdb: tdb,
    }
}

fn id(session: &Session) -> &str {
    &session.staff.id
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

/// Pushes one mutation and returns its seq; it must be applied.
async fn push_ok(server: &TestServer, token: &str, m: Mutation) -> i64 {
    let results = push(server, token, &[m]).await;
    applied(&results[0])
}

/// Pushes one mutation that must be rejected with `code`.
async fn push_refused(server: &TestServer, token: &str, m: Mutation, code: RejectCode) -> String {
    let results = push(server, token, &[m]).await;
    let (got, reason) = rejection(&results[0]);
    assert_eq!(got, code, "{reason}");
    reason.to_owned()
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

async fn pull_page(server: &TestServer, token: &str, after: i64, limit: u32) -> PullResponse {
    pull_page_at(server, token, after, 0, limit).await
}

async fn pull_page_at(
    server: &TestServer,
    token: &str,
    after: i64,
    horizon: i64,
    limit: u32,
) -> PullResponse {
    let res = server
        .get(
            &format!("/v1/sync/pull?after={after}&horizon={horizon}&limit={limit}"),
            Some(token),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Everything a desk gets pulling from `after`, page by page as a desk does; and the
/// cursor it ends at.
async fn pull_all(server: &TestServer, token: &str, mut after: i64) -> (Vec<Change>, i64) {
    let mut all = Vec::new();
    let mut horizon = 0;
    loop {
        let page = pull_page_at(server, token, after, horizon, 3).await;
        horizon = page.horizon_seq;
        let last = page.changes.last().map(|c| c.seq);
        all.extend(page.changes);
        if page.has_more {
            after = last.expect("a page with more has changes");
        } else {
            return (all, page.head_seq);
        }
    }
}

/// The changes that belong to conversation `conversation`.
fn of_conversation<'a>(changes: &'a [Change], conversation: &str) -> Vec<&'a Change> {
    changes
        .iter()
        .filter(|c| match &c.body {
            ChangeBody::ConversationUpserted(x) => x.id == conversation,
            ChangeBody::MessageUpserted(m) => m.conversation_id == conversation,
            ChangeBody::ReactionUpserted(r) => r.conversation_id == conversation,
            ChangeBody::ReceiptUpserted(r) => r.conversation_id == conversation,
            ChangeBody::ConversationPrefUpserted(p) => p.conversation_id == conversation,
            _ => false,
        })
        .collect()
}

fn texts(changes: &[&Change]) -> Vec<String> {
    changes
        .iter()
        .filter_map(|c| match &c.body {
            ChangeBody::MessageUpserted(m) if m.kind == MessageKind::Text => Some(m.text.clone()),
            _ => None,
        })
        .collect()
}

async fn history(
    server: &TestServer,
    token: &str,
    conversation: &str,
    query: &str,
) -> reqwest::Response {
    server
        .get(
            &format!("/v1/conversations/{conversation}/messages{query}"),
            Some(token),
        )
        .await
}

async fn count_where(db: &Db, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&db.pool)
        .await
        .expect("count")
        .try_get::<i64, _>("n")
        .expect("n")
}

async fn outsiders_neither_read_nor_write_a_conversation(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(
        s,
        &d.alice.token,
        group("g-1", Some("Night shift"), &[id(&d.bob)]),
    )
    .await;
    push_ok(
        s,
        &d.alice.token,
        send("g-1", "m-1", "Parcel for 12B at the back"),
    )
    .await;
    push_ok(s, &d.bob.token, mark("g-1", Some(2), Some(2))).await;
    push_ok(
        s,
        &d.alice.token,
        mutation(MutationBody::ConversationPrefSet(ConversationPrefSet {
            conversation_id: "g-1".into(),
            important: true,
        })),
    )
    .await;

    // Bob, a participant, has the conversation, its messages and receipts; not
    // Alice's own flag.
    let (bobs, _) = pull_all(s, &d.bob.token, 0).await;
    let bob_sees = of_conversation(&bobs, "g-1");
    assert_eq!(texts(&bob_sees), ["Parcel for 12B at the back"]);
    assert!(
        bob_sees
            .iter()
            .any(|c| matches!(c.body, ChangeBody::ReceiptUpserted(_)))
    );
    assert!(
        !bob_sees
            .iter()
            .any(|c| matches!(c.body, ChangeBody::ConversationPrefUpserted(_))),
        "a preference is its owner's only"
    );
    let (alices, _) = pull_all(s, &d.alice.token, 0).await;
    assert!(
        of_conversation(&alices, "g-1")
            .iter()
            .any(|c| matches!(c.body, ChangeBody::ConversationPrefUpserted(_)))
    );

    // Carol (same building), the manager, and building B: nothing of it in their pulls,
    // though their cursors reach the head.
    let head = common::head_seq(&s.db, "A").await;
    for outsider in [&d.carol, &d.max] {
        let (changes, cursor) = pull_all(s, &outsider.token, 0).await;
        assert!(of_conversation(&changes, "g-1").is_empty(), "{changes:?}");
        assert_eq!(cursor, head, "the cursor moves over what they may not see");
        assert!(
            changes
                .iter()
                .any(|c| matches!(c.body, ChangeBody::StaffUpserted(_))),
            "building-wide changes still come"
        );
    }
    let (b_changes, _) = pull_all(s, &d.b.token, 0).await;
    assert!(of_conversation(&b_changes, "g-1").is_empty());

    // The history route: 404 for them, the same as for a conversation that does not
    // exist; 200 for Bob.
    for outsider in [&d.carol, &d.max, &d.b] {
        let res = history(s, &outsider.token, "g-1", "").await;
        assert_eq!(res.status(), 404);
        let missing = history(s, &outsider.token, "no-such-conversation", "").await;
        assert_eq!(missing.status(), 404);
        assert_eq!(
            common::api_error(res).await.code,
            common::api_error(missing).await.code
        );
    }
    assert_eq!(history(s, &d.bob.token, "g-1", "").await.status(), 200);
    assert_eq!(
        history(s, "not-a-token", "g-1", "").await.status(),
        401,
        "and the route needs a session"
    );

    // Writes: every one refused as not found, and nothing written.
    let messages = common::count(&s.db, "messages").await;
    let head = common::head_seq(&s.db, "A").await;
    for outsider in [&d.carol, &d.b] {
        let t = &outsider.token;
        push_refused(s, t, send("g-1", "m-x", "let me in"), RejectCode::NotFound).await;
        push_refused(s, t, react("m-1", true), RejectCode::NotFound).await;
        push_refused(s, t, mark("g-1", Some(1), None), RejectCode::NotFound).await;
        push_refused(s, t, edit("m-1", "changed"), RejectCode::NotFound).await;
        push_refused(
            s,
            t,
            mutation(MutationBody::MessageDelete { id: "m-1".into() }),
            RejectCode::NotFound,
        )
        .await;
        push_refused(s, t, add("g-1", &[id(outsider)]), RejectCode::NotFound).await;
        push_refused(s, t, leave("g-1"), RejectCode::NotFound).await;
        push_refused(
            s,
            t,
            mutation(MutationBody::ConversationPrefSet(ConversationPrefSet {
                conversation_id: "g-1".into(),
                important: true,
            })),
            RejectCode::NotFound,
        )
        .await;
    }
    assert_eq!(common::count(&s.db, "messages").await, messages);
    assert_eq!(common::head_seq(&s.db, "A").await, head);
    assert_eq!(
        count_where(&s.db, "SELECT COUNT(*) AS n FROM reactions").await,
        0
    );
    d.server.stop().await;
}

async fn a_disabled_account_is_refused_on_messaging_routes(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    assert_eq!(history(s, &d.bob.token, "g-1", "").await.status(), 200);
    {
        let mut conn = s.db.pool.acquire().await.unwrap();
        frontdesk_server::auth::store::set_disabled(&mut conn, id(&d.bob), T0)
            .await
            .unwrap();
    }
    assert_eq!(history(s, &d.bob.token, "g-1", "").await.status(), 401);
    let res = s
        .http
        .post(s.url("/v1/sync/push"))
        .bearer_auth(&d.bob.token)
        .json(&serde_json::json!({ "mutations": [send("g-1", "m-1", "still here?")] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        s.get("/v1/sync/pull?after=0", Some(&d.bob.token))
            .await
            .status(),
        401
    );
    // Nor can anyone bring them into a conversation.
    let reason = push_refused(
        s,
        &d.alice.token,
        group("g-2", None, &[id(&d.bob)]),
        RejectCode::Invalid,
    )
    .await;
    assert!(reason.contains("disabled"), "{reason}");
    d.server.stop().await;
}

async fn a_direct_conversation_opened_twice_is_one(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    let dm = direct_conversation_id(id(&d.alice), id(&d.bob));
    // Both desks open it (offline, say), then push.
    let first = push_ok(s, &d.alice.token, direct(id(&d.alice), id(&d.bob))).await;
    let second = push_ok(s, &d.bob.token, direct(id(&d.bob), id(&d.alice))).await;
    assert!(second > first);
    assert_eq!(common::count(&s.db, "conversations").await, 1);
    // The second is answered with the conversation as it is: its echo.
    let page = pull_page(s, &d.bob.token, second - 1, 10).await;
    let ChangeBody::ConversationUpserted(c) = &page.changes[0].body else {
        panic!("{page:?}")
    };
    assert_eq!(c.id, dm);
    assert_eq!(c.participants.len(), 2);
    assert_eq!(c.created_by, id(&d.alice));
    push_ok(s, &d.bob.token, send(&dm, "m-1", "hi")).await;

    // Its id must be the two people's; one other, no title.
    push_refused(
        s,
        &d.alice.token,
        mutation(MutationBody::ConversationCreate(ConversationCreate {
            id: "dm-made-up".into(),
            kind: ConversationKind::Direct,
            title: None,
            participant_ids: vec![id(&d.carol).to_owned()],
        })),
        RejectCode::Invalid,
    )
    .await;
    push_refused(
        s,
        &d.alice.token,
        mutation(MutationBody::ConversationCreate(ConversationCreate {
            id: direct_conversation_id(id(&d.alice), id(&d.carol)),
            kind: ConversationKind::Direct,
            title: None,
            participant_ids: vec![id(&d.carol).to_owned(), id(&d.max).to_owned()],
        })),
        RejectCode::Invalid,
    )
    .await;
    // A direct conversation is not left, nor added to.
    push_refused(s, &d.alice.token, leave(&dm), RejectCode::Invalid).await;
    push_refused(
        s,
        &d.alice.token,
        add(&dm, &[id(&d.carol)]),
        RejectCode::Invalid,
    )
    .await;
    // Carol cannot open Alice and Bob's by naming it.
    push_refused(
        s,
        &d.carol.token,
        mutation(MutationBody::ConversationCreate(ConversationCreate {
            id: dm.clone(),
            kind: ConversationKind::Direct,
            title: None,
            participant_ids: vec![id(&d.bob).to_owned()],
        })),
        RejectCode::Invalid,
    )
    .await;
    assert_eq!(common::count(&s.db, "conversations").await, 1);
    d.server.stop().await;
}

async fn bad_input_is_refused_with_a_reason_and_writes_nothing(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    let a = &d.alice.token;
    push_ok(s, a, group("g-1", None, &[id(&d.bob)])).await;
    let head = common::head_seq(&s.db, "A").await;
    let messages = common::count(&s.db, "messages").await;

    push_refused(
        s,
        a,
        send("g-1", "m-1", &"x".repeat(MAX_MESSAGE_CHARS + 1)),
        RejectCode::Invalid,
    )
    .await;
    push_refused(s, a, send("g-1", "m-1", "  \n "), RejectCode::Invalid).await;
    push_refused(s, a, send("g-1", "", "hi"), RejectCode::Invalid).await;
    push_refused(
        s,
        a,
        send("g-1", &"m".repeat(65), "hi"),
        RejectCode::Invalid,
    )
    .await;
    let many: Vec<AttachmentRef> = (0..=MAX_ATTACHMENTS_PER_MESSAGE)
        .map(|i| AttachmentRef {
            sha256: format!("{i:064x}"),
            name: "a.png".into(),
        })
        .collect();
    push_refused(
        s,
        a,
        mutation(MutationBody::MessageSend(MessageSend {
            id: "m-1".into(),
            conversation_id: "g-1".into(),
            text: String::new(),
            attachments: many,
        })),
        RejectCode::Invalid,
    )
    .await;
    push_refused(
        s,
        a,
        mutation(MutationBody::MessageSend(MessageSend {
            id: "m-1".into(),
            conversation_id: "g-1".into(),
            text: String::new(),
            attachments: vec![AttachmentRef {
                sha256: "../../etc/passwd".into(),
                name: "x".into(),
            }],
        })),
        RejectCode::Invalid,
    )
    .await;
    let too_many: Vec<String> = (0..MAX_PARTICIPANTS)
        .map(|i| format!("staff-{i}"))
        .collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    push_refused(s, a, group("g-2", None, &too_many), RejectCode::Invalid).await;
    push_refused(
        s,
        a,
        group("g-2", Some(&"t".repeat(101)), &[id(&d.bob)]),
        RejectCode::Invalid,
    )
    .await;
    push_refused(
        s,
        a,
        group("g-2", Some("line\nbreak"), &[id(&d.bob)]),
        RejectCode::Invalid,
    )
    .await;
    push_refused(s, a, group("g-2", None, &[]), RejectCode::Invalid).await;
    push_refused(
        s,
        a,
        group("g-2", None, &[id(&d.alice)]),
        RejectCode::Invalid,
    )
    .await;
    push_refused(s, a, group("g-2", None, &[id(&d.b)]), RejectCode::NotFound).await;
    push_refused(s, a, group("g-2", None, &["nobody"]), RejectCode::NotFound).await;
    push_refused(
        s,
        a,
        group("g-1", None, &[id(&d.carol)]),
        RejectCode::Conflict,
    )
    .await;
    push_refused(s, a, add("g-1", &[id(&d.b)]), RejectCode::NotFound).await;
    push_refused(s, a, mark("g-1", None, None), RejectCode::Invalid).await;
    push_refused(s, a, mark("g-1", Some(-1), None), RejectCode::Invalid).await;

    assert_eq!(common::head_seq(&s.db, "A").await, head, "nothing logged");
    assert_eq!(common::count(&s.db, "messages").await, messages);
    assert_eq!(common::count(&s.db, "conversations").await, 1);
    assert_eq!(
        common::count(&s.db, "conversation_participants").await,
        2,
        "nobody added"
    );

    // Building B's staff cannot be messaged from A, nor reach A's conversations.
    push_refused(
        s,
        &d.b.token,
        send("g-1", "m-b", "hello A"),
        RejectCode::NotFound,
    )
    .await;
    // A title is trimmed, a message's trailing blanks too; a duplicate id is refused.
    push_ok(
        s,
        a,
        group("g-3", Some("  Day shift "), &[id(&d.bob), id(&d.max)]),
    )
    .await;
    push_ok(s, a, send("g-3", "m-1", "  indented  \n\n")).await;
    push_refused(
        s,
        &d.bob.token,
        send("g-3", "m-1", "again"),
        RejectCode::Conflict,
    )
    .await;
    let res = history(s, &d.bob.token, "g-3", "").await;
    let page: ConversationHistory = res.json().await.unwrap();
    assert_eq!(page.conversation.title.as_deref(), Some("Day shift"));
    let [created, hello] = page.messages.as_slice() else {
        panic!("{page:?}")
    };
    assert_eq!((created.no, created.kind), (1, MessageKind::System));
    assert!(matches!(created.system, Some(SystemEvent::Created { .. })));
    assert_eq!((hello.no, hello.text.as_str()), (2, "  indented"));
    d.server.stop().await;
}

async fn watermarks_never_move_back(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    for i in 2..=4 {
        push_ok(s, &d.alice.token, send("g-1", &format!("m-{i}"), "news")).await;
    }
    // Messages 1 (created) to 4. Bob's desk marks out of order, and retries.
    let read_3 = mark("g-1", None, Some(3));
    let t = &d.bob.token;
    let read_3_at = push_ok(s, t, read_3.clone()).await;
    // Behind the watermarks: accepted, and nothing logged (the answer is the head,
    // which the mark that set the watermarks is at).
    let behind_at = push_ok(s, t, mark("g-1", Some(1), None)).await;
    assert_eq!(behind_at, read_3_at, "nothing was logged after read_3");
    assert_eq!(
        push_ok(s, t, mark("g-1", Some(2), Some(2))).await,
        read_3_at
    );
    let again = push(s, t, &[read_3]).await;
    assert!(again[0].duplicate);
    assert_eq!(applied(&again[0]), read_3_at);
    let receipt = |history: &ConversationHistory| {
        let r = history
            .receipts
            .iter()
            .find(|r| r.staff_id == id(&d.bob))
            .expect("Bob's receipt")
            .clone();
        (r.delivered_through, r.read_through)
    };
    let page: ConversationHistory = history(s, t, "g-1", "").await.json().await.unwrap();
    assert_eq!(
        receipt(&page),
        (3, 3),
        "read implies delivered; no step back"
    );
    // Past the last message is clamped to it.
    push_ok(s, t, mark("g-1", Some(99), None)).await;
    let page: ConversationHistory = history(s, t, "g-1", "").await.json().await.unwrap();
    assert_eq!(receipt(&page), (4, 3));
    // Every mark that moved a watermark reaches the others' desks as the watermarks it
    // left; the ones behind left nothing to send.
    let (alices, _) = pull_all(s, &d.alice.token, 0).await;
    let marks: Vec<(i64, i64)> = alices
        .iter()
        .filter_map(|c| match &c.body {
            ChangeBody::ReceiptUpserted(r) => Some((r.delivered_through, r.read_through)),
            _ => None,
        })
        .collect();
    assert_eq!(marks, [(3, 3), (4, 3)]);
    d.server.stop().await;
}

async fn reactions_are_one_per_user_and_kind(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    push_ok(s, &d.alice.token, send("g-1", "m-1", "Elevator fixed")).await;
    push_ok(s, &d.bob.token, react("m-1", true)).await;
    push_ok(s, &d.bob.token, react("m-1", true)).await;
    push_ok(s, &d.alice.token, react("m-1", true)).await;
    assert_eq!(
        count_where(&s.db, "SELECT COUNT(*) AS n FROM reactions").await,
        2
    );
    push_ok(s, &d.bob.token, react("m-1", false)).await;
    let page: ConversationHistory = history(s, &d.alice.token, "g-1", "")
        .await
        .json()
        .await
        .unwrap();
    let mut states: Vec<(String, bool)> = page
        .reactions
        .iter()
        .map(|r| (r.staff_id.clone(), r.active))
        .collect();
    states.sort();
    let mut expected = vec![
        (id(&d.alice).to_owned(), true),
        (id(&d.bob).to_owned(), false),
    ];
    expected.sort();
    assert_eq!(states, expected);
    d.server.stop().await;
}

async fn only_the_sender_edits_or_deletes(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    push_ok(s, &d.alice.token, send("g-1", "m-1", "Pool closed")).await;
    let page: ConversationHistory = history(s, &d.bob.token, "g-1", "")
        .await
        .json()
        .await
        .unwrap();
    let system_id = page.messages[0].id.clone();

    push_refused(
        s,
        &d.bob.token,
        edit("m-1", "Pool open"),
        RejectCode::Forbidden,
    )
    .await;
    push_refused(
        s,
        &d.bob.token,
        mutation(MutationBody::MessageDelete { id: "m-1".into() }),
        RejectCode::Forbidden,
    )
    .await;
    push_refused(
        s,
        &d.alice.token,
        edit(&system_id, "hacked"),
        RejectCode::Forbidden,
    )
    .await;
    push_refused(s, &d.alice.token, edit("m-1", "   "), RejectCode::Invalid).await;

    let seq = push_ok(s, &d.alice.token, edit("m-1", "Pool closed until noon")).await;
    let page = pull_page(s, &d.bob.token, seq - 1, 10).await;
    let ChangeBody::MessageUpserted(m) = &page.changes[0].body else {
        panic!("{page:?}")
    };
    assert_eq!((m.text.as_str(), m.no), ("Pool closed until noon", 2));
    assert!(m.edited_at_ms.is_some());

    let seq = push_ok(
        s,
        &d.alice.token,
        mutation(MutationBody::MessageDelete { id: "m-1".into() }),
    )
    .await;
    let page = pull_page(s, &d.bob.token, seq - 1, 10).await;
    let ChangeBody::MessageUpserted(m) = &page.changes[0].body else {
        panic!("{page:?}")
    };
    assert_eq!(m.text, "");
    assert!(m.deleted_at_ms.is_some());
    push_refused(s, &d.alice.token, edit("m-1", "back"), RejectCode::Conflict).await;
    push_refused(s, &d.bob.token, react("m-1", true), RejectCode::Conflict).await;
    // Deleting again is harmless.
    push_ok(
        s,
        &d.alice.token,
        mutation(MutationBody::MessageDelete { id: "m-1".into() }),
    )
    .await;
    d.server.stop().await;
}

async fn a_leaver_keeps_what_they_saw_and_nothing_after(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(
        s,
        &d.alice.token,
        group("g-1", Some("Lobby"), &[id(&d.bob), id(&d.carol)]),
    )
    .await;
    push_ok(s, &d.alice.token, send("g-1", "m-1", "before")).await;
    let left_seq = push_ok(s, &d.bob.token, leave("g-1")).await;
    push_ok(s, &d.alice.token, send("g-1", "m-2", "after")).await;
    // A change to something Bob saw, after he left: it is not his any more.
    push_ok(s, &d.alice.token, edit("m-1", "before (edited)")).await;

    let (bobs, _) = pull_all(s, &d.bob.token, 0).await;
    let bob_sees = of_conversation(&bobs, "g-1");
    assert_eq!(texts(&bob_sees), ["before"]);
    let last = bob_sees.last().expect("Bob's changes");
    let ChangeBody::ConversationUpserted(c) = &last.body else {
        panic!("his last change is his leaving: {last:?}")
    };
    assert!(
        c.participants
            .iter()
            .any(|p| p.staff_id == id(&d.bob) && p.left_at_ms.is_some())
    );
    assert_eq!(
        last.seq,
        left_seq + 1,
        "the system message, then the conversation"
    );
    assert!(bob_sees.iter().any(|c| matches!(
        &c.body,
        ChangeBody::MessageUpserted(m) if matches!(m.system, Some(SystemEvent::Left { .. }))
    )));

    // Carol has all of it; Bob can no longer post, read the history or leave again.
    let (carols, _) = pull_all(s, &d.carol.token, 0).await;
    assert_eq!(
        texts(&of_conversation(&carols, "g-1")),
        ["before", "after", "before (edited)"]
    );
    push_refused(
        s,
        &d.bob.token,
        send("g-1", "m-3", "hello?"),
        RejectCode::NotFound,
    )
    .await;
    push_refused(s, &d.bob.token, leave("g-1"), RejectCode::NotFound).await;
    assert_eq!(history(s, &d.bob.token, "g-1", "").await.status(), 404);

    // Compaction keeps, for Bob, what he saw: the edit after his leaving does not
    // supersede the message as he had it. A message edited with nobody leaving in
    // between is superseded as usual.
    push_ok(s, &d.alice.token, edit("m-2", "after (edited)")).await;
    frontdesk_server::compaction::compact_building(&s.db, "A", i64::MAX, 1000)
        .await
        .unwrap();
    let (bobs, _) = pull_all(s, &d.bob.token, 0).await;
    assert_eq!(texts(&of_conversation(&bobs, "g-1")), ["before"]);
    let (carols, _) = pull_all(s, &d.carol.token, 0).await;
    assert_eq!(
        texts(&of_conversation(&carols, "g-1")),
        ["before", "before (edited)", "after (edited)"],
        "applied in order, the latest of each message wins"
    );

    // Added back, he is a participant again.
    push_ok(s, &d.alice.token, add("g-1", &[id(&d.bob)])).await;
    push_ok(s, &d.bob.token, send("g-1", "m-3", "back")).await;
    d.server.stop().await;
}

async fn a_new_participant_gets_the_history(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    for i in 1..=5 {
        push_ok(
            s,
            &d.alice.token,
            send("g-1", &format!("m-{i}"), &format!("note {i}")),
        )
        .await;
    }
    push_ok(s, &d.bob.token, react("m-2", true)).await;
    let (before, carol_cursor) = pull_all(s, &d.carol.token, 0).await;
    assert!(of_conversation(&before, "g-1").is_empty());

    push_ok(s, &d.bob.token, add("g-1", &[id(&d.carol)])).await;
    // Pulled from 0 (a new desk), the whole conversation.
    let (all, _) = pull_all(s, &d.carol.token, 0).await;
    let carol_sees = of_conversation(&all, "g-1");
    assert_eq!(
        texts(&carol_sees),
        ["note 1", "note 2", "note 3", "note 4", "note 5"]
    );
    // From her cursor (a desk that was already in sync), the addition and after.
    let (recent, _) = pull_all(s, &d.carol.token, carol_cursor).await;
    let recent = of_conversation(&recent, "g-1");
    assert!(matches!(
        recent[0].body,
        ChangeBody::ConversationUpserted(_)
    ));
    // And the history route backfills, page by page, newest last.
    let page: ConversationHistory = history(s, &d.carol.token, "g-1", "?limit=3")
        .await
        .json()
        .await
        .unwrap();
    let nos: Vec<i64> = page.messages.iter().map(|m| m.no).collect();
    assert_eq!(nos, [5, 6, 7], "1 created, 2..6 notes, 7 the addition");
    assert!(page.has_more);
    let page: ConversationHistory = history(s, &d.carol.token, "g-1", "?limit=3&before_no=5")
        .await
        .json()
        .await
        .unwrap();
    let nos: Vec<i64> = page.messages.iter().map(|m| m.no).collect();
    assert_eq!(nos, [2, 3, 4]);
    assert_eq!(page.reactions.len(), 1, "the reaction on note 2");
    assert!(page.has_more);
    let page: ConversationHistory = history(s, &d.carol.token, "g-1", "?before_no=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1);
    assert!(!page.has_more);
    assert_eq!(
        history(s, &d.carol.token, "g-1", "?before_no=0")
            .await
            .status(),
        400
    );
    d.server.stop().await;
}

// --- live ------------------------------------------------------------------------

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn connect(server: &TestServer, token: &str) -> (Ws, i64) {
    let url = format!("{}/v1/ws", server.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("ws connect");
    match next_frame(&mut ws).await {
        ServerFrame::Hello { head_seq } => (ws, head_seq),
        other => panic!("expected hello first, got {other:?}"),
    }
}

async fn next_frame(ws: &mut Ws) -> ServerFrame {
    loop {
        let message = tokio::time::timeout(SOON, ws.next())
            .await
            .expect("a frame in time")
            .expect("socket open")
            .expect("frame ok");
        match message {
            WsMessage::Text(text) => return serde_json::from_str(&text).expect("ServerFrame"),
            WsMessage::Ping(_) | WsMessage::Pong(_) => {}
            other => panic!("unexpected message {other:?}"),
        }
    }
}

/// Follows frames from `cursor` to `target`, checking the desk's rule: each frame
/// continues the cursor (a ranged one from `after_seq`, a plain one from its first
/// change, gapless). Returns the changes received.
async fn follow(ws: &mut Ws, mut cursor: i64, target: i64) -> Vec<Change> {
    let mut received = Vec::new();
    while cursor < target {
        match next_frame(ws).await {
            ServerFrame::Changes {
                changes,
                after_seq: Some(after),
                through_seq: Some(through),
            } => {
                assert_eq!(after, cursor, "a ranged frame continues the cursor");
                assert!(through > after);
                assert!(changes.iter().all(|c| c.seq > after && c.seq <= through));
                cursor = through;
                received.extend(changes);
            }
            ServerFrame::Changes {
                changes,
                after_seq: None,
                through_seq: None,
            } => {
                assert!(!changes.is_empty(), "empty plain frame");
                for change in &changes {
                    assert_eq!(change.seq, cursor + 1, "plain frames are gapless");
                    cursor = change.seq;
                }
                received.extend(changes);
            }
            ServerFrame::Poke { head_seq } => {
                assert!(head_seq > cursor);
                cursor = head_seq;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(cursor, target, "never past the head");
    received
}

async fn live_frames_carry_only_what_each_desk_may_see(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    let (mut alice, head) = connect(s, &d.alice.token).await;
    let (mut bob, _) = connect(s, &d.bob.token).await;
    let (mut carol, _) = connect(s, &d.carol.token).await;

    // A message in g-1: Alice and Bob get it, Carol a frame covering it, empty.
    let seq = push_ok(s, &d.alice.token, send("g-1", "m-1", "for two")).await;
    for ws in [&mut alice, &mut bob] {
        let got = follow(ws, head, seq).await;
        assert_eq!(texts(&got.iter().collect::<Vec<_>>()), ["for two"]);
    }
    match next_frame(&mut carol).await {
        ServerFrame::Changes {
            changes,
            after_seq,
            through_seq,
        } => {
            assert!(changes.is_empty(), "{changes:?}");
            assert_eq!((after_seq, through_seq), (Some(head), Some(seq)));
        }
        other => panic!("{other:?}"),
    }

    // A building-wide change: the one plain frame, for everyone.
    let seq2 = push_ok(s, &d.max.token, instruction("Leave parcels at 4B")).await;
    for ws in [&mut alice, &mut bob, &mut carol] {
        match next_frame(ws).await {
            ServerFrame::Changes {
                changes,
                after_seq: None,
                through_seq: None,
            } => assert_eq!(changes.iter().map(|c| c.seq).collect::<Vec<_>>(), [seq2]),
            other => panic!("{other:?}"),
        }
    }

    // Carol is added: her connection follows, and gets what comes next.
    let added = push_ok(s, &d.bob.token, add("g-1", &[id(&d.carol)])).await;
    let got = follow(&mut carol, seq2, added + 1).await;
    assert!(matches!(&got[0].body, ChangeBody::ConversationUpserted(c) if c.id == "g-1"));
    assert!(
        matches!(&got[1].body, ChangeBody::MessageUpserted(m) if m.kind == MessageKind::System)
    );
    let seq3 = push_ok(s, &d.alice.token, send("g-1", "m-2", "welcome Carol")).await;
    let got = follow(&mut carol, added + 1, seq3).await;
    assert_eq!(texts(&got.iter().collect::<Vec<_>>()), ["welcome Carol"]);

    // Bob leaves: he gets his leaving, then nothing of g-1.
    follow(&mut bob, seq2, seq3).await;
    let left = push_ok(s, &d.bob.token, leave("g-1")).await;
    let got = follow(&mut bob, seq3, left + 1).await;
    assert_eq!(got.len(), 2, "{got:?}");
    let seq4 = push_ok(s, &d.alice.token, send("g-1", "m-3", "Bob is gone")).await;
    let got = follow(&mut bob, left + 1, seq4).await;
    assert!(got.is_empty(), "{got:?}");
    let got = follow(&mut carol, seq3, seq4).await;
    assert_eq!(texts(&got.iter().collect::<Vec<_>>()), ["Bob is gone"]);

    // A preference: its owner only.
    let pref = push_ok(
        s,
        &d.carol.token,
        mutation(MutationBody::ConversationPrefSet(ConversationPrefSet {
            conversation_id: "g-1".into(),
            important: true,
        })),
    )
    .await;
    assert_eq!(follow(&mut carol, seq4, pref).await.len(), 1);
    assert!(follow(&mut bob, seq4, pref).await.is_empty());
    follow(&mut alice, seq2, pref).await;
    let seq5 = push_ok(s, &d.max.token, instruction("Quiet hours")).await;
    let got = follow(&mut alice, pref, seq5).await;
    assert_eq!(got.len(), 1, "Carol's flag never reached Alice: {got:?}");
    d.server.stop().await;
}

/// One push is one transaction, and the server reads each conversation once per push:
/// a leaving in the middle of the push still stops what comes after it.
async fn a_leaving_inside_a_push_stops_the_writes_after_it(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    let results = push(
        s,
        &d.bob.token,
        &[
            send("g-1", "m-1", "one"),
            mark("g-1", Some(1), None),
            leave("g-1"),
            send("g-1", "m-2", "two"),
            mark("g-1", Some(1), Some(1)),
        ],
    )
    .await;
    applied(&results[0]);
    applied(&results[1]);
    applied(&results[2]);
    for r in &results[3..] {
        assert!(
            matches!(
                r.outcome,
                MutationOutcome::Rejected {
                    code: RejectCode::NotFound,
                    ..
                }
            ),
            "{r:?}"
        );
    }
    d.server.stop().await;
}

/// A desk outside a busy conversation is not sent a frame per message: the stretch it
/// may see nothing of is held back, and covered either by the next frame it does get
/// (which starts at its cursor) or, when the building goes quiet, by one empty ranged
/// frame.
async fn stretches_a_desk_may_not_see_are_covered_once(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    let (mut carol, head) = connect(s, &d.carol.token).await;

    let mut last = head;
    for n in 0..5 {
        last = push_ok(
            s,
            &d.alice.token,
            send("g-1", &format!("m-{n}"), "not for Carol"),
        )
        .await;
    }
    // Quiet: empty frames cover the five, fewer frames than pushes (one, unless this
    // machine took over a second for five pushes).
    let mut cursor = head;
    let mut frames = 0;
    while cursor < last {
        match next_frame(&mut carol).await {
            ServerFrame::Changes {
                changes,
                after_seq: Some(after),
                through_seq: Some(through),
            } => {
                assert!(changes.is_empty(), "{changes:?}");
                assert_eq!(after, cursor);
                cursor = through;
                frames += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(cursor, last);
    assert!(
        frames < 5,
        "{frames} frames for 5 batches Carol may not see"
    );

    // Held back, then a change for Carol: the frames still continue her cursor exactly
    // (the held stretch goes first, or shares the instruction's frame).
    push_ok(s, &d.alice.token, send("g-1", "m-9", "still not for Carol")).await;
    let seq = push_ok(s, &d.max.token, instruction("For everyone")).await;
    let got = follow(&mut carol, last, seq).await;
    assert_eq!(got.iter().map(|c| c.seq).collect::<Vec<_>>(), [seq]);

    // Nothing was held back after it: the next frame is for what comes next.
    let seq2 = push_ok(s, &d.alice.token, send("g-1", "m-10", "again not")).await;
    match next_frame(&mut carol).await {
        ServerFrame::Changes {
            changes,
            after_seq,
            through_seq,
        } => {
            assert!(changes.is_empty());
            assert_eq!((after_seq, through_seq), (Some(seq), Some(seq2)));
        }
        other => panic!("{other:?}"),
    }
    d.server.stop().await;
}

/// A real desk store fed the frames of a desk outside the conversation: its cursor
/// moves over the changes it may not see, without a gap and without a pull.
async fn a_desk_cursor_moves_over_filtered_stretches(backend: Backend) {
    use frontdesk_desk_core::store::{FrameOutcome, Store};
    let d = setup(backend).await;
    let s = &d.server;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    // The desk is in sync at the head, as after a pull.
    let (changes, head) = pull_all(s, &d.carol.token, 0).await;
    let page = PullResponse {
        changes,
        has_more: false,
        head_seq: head,
        horizon_seq: 0,
    };
    store.apply_page(&page, T0).await.unwrap();
    assert_eq!(store.sync_cursor().await.unwrap().0, head);

    let (mut carol, hello) = connect(s, &d.carol.token).await;
    assert_eq!(hello, head);
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    push_ok(s, &d.alice.token, send("g-1", "m-1", "not for Carol")).await;
    let target = push_ok(s, &d.max.token, instruction("For everyone")).await;
    let mut cursor = head;
    while cursor < target {
        let ServerFrame::Changes {
            changes,
            after_seq,
            through_seq,
        } = next_frame(&mut carol).await
        else {
            panic!("only changes frames here")
        };
        let outcome = match (after_seq, through_seq) {
            (Some(after), Some(through)) => {
                // The instruction may share a batch with g-1's changes.
                assert!(
                    changes
                        .iter()
                        .all(|c| matches!(c.body, ChangeBody::InstructionUpserted(_))),
                    "nothing of g-1 for Carol: {changes:?}"
                );
                store
                    .apply_range(&changes, after, through, T0)
                    .await
                    .unwrap()
            }
            _ => store.apply_frame(&changes, T0).await.unwrap(),
        };
        assert!(matches!(outcome, FrameOutcome::Applied(_)), "{outcome:?}");
        cursor = store.sync_cursor().await.unwrap().0;
    }
    assert_eq!(cursor, target);
    // A stretch that starts past the cursor is a gap; one already behind it is had.
    assert_eq!(
        store
            .apply_range(&[], target + 1, target + 2, T0)
            .await
            .unwrap(),
        FrameOutcome::Gap
    );
    assert_eq!(
        store.apply_range(&[], head, target, T0).await.unwrap(),
        FrameOutcome::AlreadyHave
    );
    d.server.stop().await;
}

/// Attachments name blobs uploaded to the building (`blobs`, migration 0008 of
/// branch msg-blobs); size and type are the blob's.
async fn attachments_must_be_uploaded_blobs(backend: Backend) {
    let d = setup(backend).await;
    let s = &d.server;
    push_ok(s, &d.alice.token, group("g-1", None, &[id(&d.bob)])).await;
    let png = b"\x89PNG\r\n\x1a\nnot really an image".to_vec();
    let sha = frontdesk_protocol::blob_sha256(&png);
    let with = |sha: &str, id: &str| {
        mutation(MutationBody::MessageSend(MessageSend {
            id: id.into(),
            conversation_id: "g-1".into(),
            text: String::new(),
            attachments: vec![AttachmentRef {
                sha256: sha.into(),
                name: "../../photos/door.png".into(),
            }],
        }))
    };
    push_refused(s, &d.alice.token, with(&sha, "m-1"), RejectCode::NotFound).await;
    let res = s
        .http
        .put(s.url(&format!("/v1/blobs/{sha}")))
        .bearer_auth(&d.alice.token)
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    // Building B's upload of it would not count for A, and vice versa.
    push_refused(s, &d.b.token, with(&sha, "m-b"), RejectCode::NotFound).await;
    let seq = push_ok(s, &d.alice.token, with(&sha, "m-1")).await;
    let page = pull_page(s, &d.bob.token, seq - 1, 10).await;
    let ChangeBody::MessageUpserted(m) = &page.changes[0].body else {
        panic!("{page:?}")
    };
    assert_eq!(m.attachments.len(), 1);
    let a = &m.attachments[0];
    assert_eq!(
        (a.name.as_str(), a.content_type.as_str(), a.size),
        ("door.png", "image/png", png.len() as u64)
    );
    // Deleting the message drops its attachments.
    push_ok(
        s,
        &d.alice.token,
        mutation(MutationBody::MessageDelete { id: "m-1".into() }),
    )
    .await;
    assert_eq!(common::count(&s.db, "message_attachments").await, 0);
    d.server.stop().await;
}

on_both_databases!(
    outsiders_neither_read_nor_write_a_conversation,
    a_disabled_account_is_refused_on_messaging_routes,
    a_direct_conversation_opened_twice_is_one,
    bad_input_is_refused_with_a_reason_and_writes_nothing,
    watermarks_never_move_back,
    reactions_are_one_per_user_and_kind,
    only_the_sender_edits_or_deletes,
    a_leaver_keeps_what_they_saw_and_nothing_after,
    a_new_participant_gets_the_history,
    live_frames_carry_only_what_each_desk_may_see,
    a_leaving_inside_a_push_stops_the_writes_after_it,
    stretches_a_desk_may_not_see_are_covered_once,
    a_desk_cursor_moves_over_filtered_stretches,
);

mod attachments_must_be_uploaded_blobs {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::attachments_must_be_uploaded_blobs(crate::common::Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::attachments_must_be_uploaded_blobs(crate::common::Backend::Postgres).await
    }
}
