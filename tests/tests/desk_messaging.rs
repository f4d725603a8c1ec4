//! Staff messaging between headless desks (desk-core, no window) through the real
//! server binary: messages written offline reach the other desk once and in order,
//! an own message goes sending → sent → delivered → read, delivered receipts go out
//! while a conversation never pauses, two desks reacting and reading at once converge,
//! and a shift change at one desk shows nothing of the
//! previous staff member's conversations.
//!
//! All but the shift change need the server's messaging (branch msg-server): until it
//! is merged, this server refuses messaging mutations, and those tests are ignored. (Run
//! on a trial merge with it, all five pass.)

use std::path::Path;
use std::time::Duration;

use frontdesk_desk_core::messaging::{ConversationQuery, MessageState, MessageView};
use frontdesk_desk_core::sync::ConnectionState;
use frontdesk_desk_core::{Desk, DeskOptions};
use frontdesk_e2e::eventually;
use frontdesk_e2e::headless::{desk_options, first_pull, signed_in};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_protocol::{
    Change, ChangeBody, Conversation, ConversationKind, Message, MessageKind, Participant,
    ParticipantRole, ReactionKind,
};

const WAIT: Duration = Duration::from_secs(60);
const CONCIERGE: (&str, &str) = ("concierge@lofts-des-arts.demo", "concierge-demo");
const SECURITY: (&str, &str) = ("security@lofts-des-arts.demo", "security-demo");
const MANAGER: (&str, &str) = ("manager@lofts-des-arts.demo", "manager-demo");

fn options(dir: &Path) -> DeskOptions {
    desk_options(dir, Duration::from_millis(100))
}

async fn desk_for(dir: &Path, server: &str, account: (&str, &str)) -> anyhow::Result<Desk> {
    let desk = signed_in(options(dir), server, account).await?;
    first_pull(&desk, WAIT).await?;
    Ok(desk)
}

async fn my_id(desk: &Desk) -> anyhow::Result<String> {
    Ok(desk
        .bootstrap()
        .await?
        .signed_in
        .ok_or_else(|| anyhow::anyhow!("not signed in"))?
        .staff
        .id)
}

/// Waits until the desk has pushed everything and pulled what followed.
async fn settled(desk: &Desk, what: &str) -> anyhow::Result<()> {
    eventually(what, WAIT, || async {
        let status = desk.sync_now().await?;
        Ok((status.queued == 0 && status.connection == ConnectionState::Online).then_some(()))
    })
    .await
}

async fn thread(desk: &Desk, conversation_id: &str) -> anyhow::Result<Vec<MessageView>> {
    Ok(desk
        .messages(conversation_id, None, Some(500))
        .await?
        .messages)
}

async fn texts(desk: &Desk, conversation_id: &str) -> anyhow::Result<Vec<String>> {
    Ok(thread(desk, conversation_id)
        .await?
        .into_iter()
        .filter(|m| m.kind == MessageKind::Text)
        .map(|m| m.text)
        .collect())
}

async fn state_of(
    desk: &Desk,
    conversation_id: &str,
    id: &str,
) -> anyhow::Result<Option<MessageState>> {
    Ok(thread(desk, conversation_id)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .and_then(|m| m.state))
}

/// Polls an own message's state until it is `target`, noting each state it showed.
async fn follow_state(
    desk: &Desk,
    conversation_id: &str,
    id: &str,
    target: MessageState,
    seen: &mut Vec<MessageState>,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(now) = state_of(desk, conversation_id, id).await?
            && seen.last() != Some(&now)
        {
            seen.push(now);
        }
        if seen.last() == Some(&target) {
            return Ok(());
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {target:?}: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn react_to_all(
    desk: &Desk,
    conversation_id: &str,
    ids: &[String],
    kind: ReactionKind,
) -> anyhow::Result<()> {
    for id in ids {
        desk.set_reaction(id, kind, true).await?;
    }
    desk.set_reaction(&ids[0], kind, false).await?;
    desk.mark_read(conversation_id).await?;
    Ok(())
}

/// Each text message's reactions (kind, count). (Who has read it is per desk: each shows
/// the others.)
async fn reactions_of_texts(
    desk: &Desk,
    conversation_id: &str,
) -> anyhow::Result<Vec<(String, Vec<(ReactionKind, u32)>)>> {
    Ok(thread(desk, conversation_id)
        .await?
        .into_iter()
        .filter(|m| m.kind == MessageKind::Text)
        .map(|m| {
            let mut r: Vec<(ReactionKind, u32)> =
                m.reactions.iter().map(|r| (r.reaction, r.count)).collect();
            r.sort();
            (m.id, r)
        })
        .collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_written_offline_arrive_once_and_in_order() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let a = desk_for(&tmp.path().join("a"), &server.url, CONCIERGE).await?;
    let b = desk_for(&tmp.path().join("b"), &server.url, SECURITY).await?;
    let b_id = my_id(&b).await?;
    let dm = a.start_conversation(vec![b_id.clone()], None).await?;
    settled(&a, "the conversation created").await?;

    server.stop().await?;
    let written: Vec<String> = (1..=20)
        .map(|i| format!("Note {i} pendant la panne"))
        .collect();
    for text in &written {
        a.send_message(&dm, text, Vec::new()).await?;
    }
    let shown: Vec<MessageView> = thread(&a, &dm)
        .await?
        .into_iter()
        .filter(|m| m.no.is_none())
        .collect();
    assert_eq!(shown.len(), written.len());
    assert!(
        shown
            .iter()
            .all(|m| m.state == Some(MessageState::Sending) && m.kind == MessageKind::Text)
    );

    server.restart().await?;
    settled(&a, "the offline messages pushed").await?;
    eventually("the messages at the other desk", WAIT, || async {
        b.sync_now().await?;
        Ok((texts(&b, &dm).await? == written).then_some(()))
    })
    .await?;
    let nos: Vec<i64> = thread(&b, &dm)
        .await?
        .iter()
        .filter(|m| m.kind == MessageKind::Text)
        .filter_map(|m| m.no)
        .collect();
    assert_eq!(nos.len(), written.len());
    assert!(
        nos.windows(2).all(|w| w[1] == w[0] + 1),
        "once each, numbered in the order written: {nos:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_own_message_is_sent_then_delivered_then_read() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let a = desk_for(&tmp.path().join("a"), &server.url, CONCIERGE).await?;
    let b = desk_for(&tmp.path().join("b"), &server.url, SECURITY).await?;
    let dm = a.start_conversation(vec![my_id(&b).await?], None).await?;
    let id = a
        .send_message(&dm, "Colis pour le 1203", Vec::new())
        .await?;
    let mut seen = vec![state_of(&a, &dm, &id).await?.unwrap()];
    // Desk b receives it (its delivered receipt goes out by itself).
    follow_state(&a, &dm, &id, MessageState::Delivered, &mut seen).await?;
    let at_b = b.conversations(&ConversationQuery::default()).await?;
    assert_eq!(at_b[0].unread, 1);
    b.mark_read(&dm).await?;
    assert_eq!(b.unread_total().await?, 0);
    follow_state(&a, &dm, &id, MessageState::Read, &mut seen).await?;
    assert_eq!(seen.first(), Some(&MessageState::Sending));
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "never backwards: {seen:?}"
    );
    Ok(())
}

/// The receiving desk pushes its delivered receipts a little after the messages that
/// queued them (`RECEIPT_HOLD`), never at each one, and never only once they stop: here
/// the sender never pauses, and the receiver's poll is too far off to do it instead.
#[tokio::test(flavor = "multi_thread")]
async fn delivered_receipts_go_out_while_a_conversation_never_pauses() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let a = desk_for(&tmp.path().join("a"), &server.url, CONCIERGE).await?;
    let b = signed_in(
        desk_options(&tmp.path().join("b"), Duration::from_secs(3600)),
        &server.url,
        SECURITY,
    )
    .await?;
    first_pull(&b, WAIT).await?;
    let dm = a.start_conversation(vec![my_id(&b).await?], None).await?;
    let first = a.send_message(&dm, "Colis 1", Vec::new()).await?;
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut sent = 1;
    while state_of(&a, &dm, &first).await? != Some(MessageState::Delivered) {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the first message was never delivered while {sent} more kept coming"
        );
        sent += 1;
        a.send_message(&dm, &format!("Colis {sent}"), Vec::new())
            .await?;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_desks_reacting_and_reading_at_once_converge() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let a = desk_for(&tmp.path().join("a"), &server.url, CONCIERGE).await?;
    let b = desk_for(&tmp.path().join("b"), &server.url, SECURITY).await?;
    let c = desk_for(&tmp.path().join("c"), &server.url, MANAGER).await?;
    let group = a
        .start_conversation(
            vec![my_id(&b).await?, my_id(&c).await?],
            Some("Fin de semaine".into()),
        )
        .await?;
    for i in 1..=5 {
        a.send_message(&group, &format!("point {i}"), Vec::new())
            .await?;
    }
    settled(&a, "the messages pushed").await?;
    for desk in [&b, &c] {
        eventually("the messages everywhere", WAIT, || async {
            desk.sync_now().await?;
            Ok((texts(desk, &group).await?.len() == 5).then_some(()))
        })
        .await?;
    }
    let ids: Vec<String> = thread(&b, &group)
        .await?
        .into_iter()
        .filter(|m| m.kind == MessageKind::Text)
        .map(|m| m.id)
        .collect();
    // Both react to every message and read, at the same time.
    let (rb, rc) = tokio::join!(
        react_to_all(&b, &group, &ids, ReactionKind::ThumbsUp),
        react_to_all(&c, &group, &ids, ReactionKind::Heart)
    );
    rb?;
    rc?;
    for desk in [&a, &b, &c] {
        settled(desk, "the reactions pushed").await?;
    }
    let mut both = vec![(ReactionKind::ThumbsUp, 1), (ReactionKind::Heart, 1)];
    both.sort();
    eventually("the three desks agree", WAIT, || async {
        for desk in [&a, &b, &c] {
            desk.sync_now().await?;
        }
        let at_a = reactions_of_texts(&a, &group).await?;
        let same = at_a == reactions_of_texts(&b, &group).await?
            && at_a == reactions_of_texts(&c, &group).await?;
        let right =
            at_a.first().is_some_and(|m| m.1.is_empty()) && at_a[1..].iter().all(|m| m.1 == both);
        anyhow::ensure!(same && right, "not yet: {at_a:?}");
        Ok(Some(()))
    })
    .await?;
    let own: Vec<MessageView> = thread(&a, &group)
        .await?
        .into_iter()
        .filter(|m| m.kind == MessageKind::Text)
        .collect();
    assert!(own.iter().all(|m| m.state == Some(MessageState::Read)));
    assert!(own.iter().all(|m| m.read_by.len() == 2));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_added_later_gets_the_history() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let a = desk_for(&tmp.path().join("a"), &server.url, CONCIERGE).await?;
    let b = desk_for(&tmp.path().join("b"), &server.url, SECURITY).await?;
    let c = desk_for(&tmp.path().join("c"), &server.url, MANAGER).await?;
    let group = a
        .start_conversation(vec![my_id(&b).await?], Some("Clés".into()))
        .await?;
    let written: Vec<String> = (1..=250).map(|i| format!("clé {i}")).collect();
    for text in &written {
        a.send_message(&group, text, Vec::new()).await?;
    }
    settled(&a, "the messages pushed").await?;
    // Desk c has pulled past all of them before its staff member is added.
    settled(&c, "c up to date").await?;
    a.add_participants(&group, vec![my_id(&c).await?]).await?;
    settled(&a, "the addition pushed").await?;
    eventually("the whole history at c", WAIT, || async {
        c.sync_now().await?;
        let shown = match c.messages(&group, None, Some(500)).await {
            Ok(page) => page.messages,
            Err(_) => return Ok(None),
        };
        let texts: Vec<String> = shown
            .into_iter()
            .filter(|m| m.kind == MessageKind::Text)
            .map(|m| m.text)
            .collect();
        Ok((texts == written).then_some(()))
    })
    .await?;
    Ok(())
}

fn participant(staff_id: &str) -> Participant {
    Participant {
        staff_id: staff_id.into(),
        role: ParticipantRole::Member,
        joined_at_ms: 1,
        left_at_ms: None,
    }
}

/// Runs on this branch: the conversation is put in the desk's cache as a pull would
/// (the server does not hold messages yet), beyond the server's head.
#[tokio::test(flavor = "multi_thread")]
async fn a_shift_change_at_a_desk_shows_nothing_of_the_previous_conversations() -> anyhow::Result<()>
{
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let dir = tmp.path().join("desk");
    let desk = desk_for(&dir, &server.url, CONCIERGE).await?;
    let me = my_id(&desk).await?;
    let building = desk
        .bootstrap()
        .await?
        .signed_in
        .map(|s| s.building.id)
        .unwrap_or_default();
    let head = desk.status().cursor;
    let conversation = Conversation {
        id: "c-night".into(),
        building_id: building,
        kind: ConversationKind::Group,
        title: Some("Confidentiel".into()),
        created_by: me.clone(),
        created_at_ms: 1,
        participants: vec![participant(&me), participant("someone-else")],
    };
    let message = Message {
        id: "m-1".into(),
        conversation_id: "c-night".into(),
        no: 1,
        kind: MessageKind::Text,
        sender_id: "someone-else".into(),
        text: "Code de la porte: 4521".into(),
        system: None,
        attachments: Vec::new(),
        sent_at_ms: 2,
        committed_at_ms: 2,
        edited_at_ms: None,
        deleted_at_ms: None,
    };
    let changes: Vec<Change> = [
        ChangeBody::ConversationUpserted(conversation),
        ChangeBody::MessageUpserted(message),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, body)| Change {
        seq: head + 1 + i as i64,
        committed_at_ms: 2,
        mutation_id: None,
        body,
    })
    .collect();
    desk.store().apply_changes(&changes, 3).await?;
    desk.save_draft("c-night", "brouillon").await?;
    assert_eq!(desk.unread_total().await?, 1);
    let residents = desk.search_residents("", 10).await?.total;

    // The same person signing in again keeps everything.
    desk.sign_out().await?;
    desk.sign_in(&server.url, CONCIERGE.0, CONCIERGE.1).await?;
    assert_eq!(desk.unread_total().await?, 1);
    assert_eq!(desk.draft("c-night").await?.as_deref(), Some("brouillon"));

    // Another staff member: none of it, the building pulled again from the start
    // (the cursor comes back to the server's head, below the fake changes), and the
    // directory on screen throughout.
    desk.sign_out().await?;
    desk.sign_in(&server.url, SECURITY.0, SECURITY.1).await?;
    assert!(
        desk.conversations(&ConversationQuery::default())
            .await?
            .is_empty()
    );
    let search = ConversationQuery {
        search: Some("porte".into()),
        ..ConversationQuery::default()
    };
    assert!(desk.conversations(&search).await?.is_empty());
    assert_eq!(desk.unread_total().await?, 0);
    assert_eq!(desk.search_residents("", 10).await?.total, residents);
    eventually("pulled again from the start", WAIT, || async {
        Ok((desk.status().cursor == head).then_some(()))
    })
    .await?;
    Ok(())
}
