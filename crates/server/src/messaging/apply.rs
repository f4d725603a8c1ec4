//! The messaging mutations, called by [`crate::mutations`] inside the push's
//! transaction. Each one checks everything before it writes anything: a rejection has
//! written nothing. Another building's conversation, and one the caller is not in,
//! are both "not found", so a refusal reveals nothing.

use std::collections::HashSet;

use frontdesk_protocol::{
    Attachment, ChangeBody, Conversation, ConversationAdd, ConversationCreate, ConversationKind,
    ConversationPref, ConversationPrefSet, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_PARTICIPANTS, Message, MessageEdit, MessageKind, MessageSend, Participant, ParticipantRole,
    Reaction, ReactionSet, ReceiptMark, RejectCode, SystemEvent, clean_attachment_name,
    direct_conversation_id, is_blob_sha256, normalize_message_text, normalize_title,
};
use sqlx::AnyConnection;
use uuid::Uuid;

use super::store::{self, StaffInfo};
use crate::error::Result;
use crate::mutations::{Caller, Verdict, check_id};

/// When the change is recorded: the desk's clock (shown) and the server's (committed).
#[derive(Debug, Clone, Copy)]
pub struct Times {
    pub client_ms: i64,
    pub now_ms: i64,
}

fn not_found(id: &str) -> Verdict {
    Verdict::rejected(
        RejectCode::NotFound,
        format!("conversation {id} is not one of yours"),
    )
}

fn message_not_found(id: &str) -> Verdict {
    Verdict::rejected(
        RejectCode::NotFound,
        format!("message {id} is not in a conversation of yours"),
    )
}

/// The conversation if the caller is in it now, else the rejection to answer.
async fn joined(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<std::result::Result<Conversation, Verdict>> {
    joined_known(conn, &mut Known::default(), caller, id).await
}

/// Conversations already read in this push's transaction, for the mutations after the
/// first that name the same one: a desk's queue after an outage is hundreds of messages
/// and receipts in a few conversations, and reading the conversation and its people
/// again for each was a third of a push's statements. Whatever changes who is in a
/// conversation (create, add, leave) must [`Known::forget_all`] first.
#[derive(Debug, Default)]
pub struct Known(std::collections::HashMap<String, Conversation>);

impl Known {
    pub fn forget_all(&mut self) {
        self.0.clear();
    }
}

/// Whether the caller is in the conversation now (see [`joined`]), reading each
/// conversation once per push.
async fn joined_known(
    conn: &mut AnyConnection,
    known: &mut Known,
    caller: &Caller,
    id: &str,
) -> Result<std::result::Result<Conversation, Verdict>> {
    let conversation = match known.0.get(id) {
        // Ids are unique across buildings: one of another building is not found.
        Some(c) => (c.building_id == caller.building_id).then(|| c.clone()),
        None => {
            let read = store::conversation(conn, &caller.building_id, id).await?;
            if let Some(c) = &read {
                known.0.insert(id.to_owned(), c.clone());
            }
            read
        }
    };
    Ok(match conversation {
        Some(c) if store::is_current(&c, &caller.staff_id) => Ok(c),
        _ => Err(not_found(id)),
    })
}

/// Checks that every id is active staff of the caller's building; returns their
/// details, the caller's included.
async fn check_staff(
    conn: &mut AnyConnection,
    caller: &Caller,
    ids: &[&str],
) -> Result<std::result::Result<std::collections::HashMap<String, StaffInfo>, Verdict>> {
    let mut all: Vec<&str> = ids.to_vec();
    all.push(&caller.staff_id);
    let found = store::staff_of_building(conn, &caller.building_id, &all).await?;
    for id in ids {
        match found.get(*id) {
            None => {
                return Ok(Err(Verdict::rejected(
                    RejectCode::NotFound,
                    format!("staff member {id} is not in this building"),
                )));
            }
            Some(staff) if staff.disabled => {
                return Ok(Err(Verdict::rejected(
                    RejectCode::Invalid,
                    format!("{}'s account is disabled", staff.name),
                )));
            }
            Some(_) => {}
        }
    }
    Ok(Ok(found))
}

/// The others named, once each, in the order given, without the caller.
fn others<'a>(caller: &Caller, ids: &'a [String]) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    ids.iter()
        .map(|id| id.trim())
        .filter(|id| *id != caller.staff_id && seen.insert(*id))
        .collect()
}

fn system_message(
    conversation_id: &str,
    no: i64,
    caller: &Caller,
    text: String,
    event: SystemEvent,
    times: Times,
) -> Message {
    Message {
        id: Uuid::now_v7().to_string(),
        conversation_id: conversation_id.to_owned(),
        no,
        kind: MessageKind::System,
        sender_id: caller.staff_id.clone(),
        text,
        system: Some(event),
        attachments: Vec::new(),
        sent_at_ms: times.now_ms,
        committed_at_ms: times.now_ms,
        edited_at_ms: None,
        deleted_at_ms: None,
    }
}

fn name_of<'a>(staff: &'a std::collections::HashMap<String, StaffInfo>, id: &'a str) -> &'a str {
    staff.get(id).map_or(id, |s| s.name.as_str())
}

/// `conversation_create`. A direct conversation that exists already is answered with
/// itself (both desks that opened it, even offline, then share it).
pub async fn create(
    conn: &mut AnyConnection,
    caller: &Caller,
    times: Times,
    create: &ConversationCreate,
) -> Result<Verdict> {
    if let Some(rejection) = check_id(&create.id, "conversation") {
        return Ok(rejection);
    }
    let title = match normalize_title(create.title.as_deref()) {
        Ok(title) => title,
        Err(reason) => return Ok(Verdict::rejected(RejectCode::Invalid, reason)),
    };
    let others = others(caller, &create.participant_ids);
    if others.is_empty() {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            "a conversation needs at least one other participant",
        ));
    }
    if others.len() + 1 > MAX_PARTICIPANTS {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            format!("a conversation has at most {MAX_PARTICIPANTS} participants"),
        ));
    }
    if create.kind == ConversationKind::Direct {
        let [other] = others.as_slice() else {
            return Ok(Verdict::rejected(
                RejectCode::Invalid,
                "a direct conversation has exactly one other participant",
            ));
        };
        if create.id != direct_conversation_id(&caller.staff_id, other) {
            return Ok(Verdict::rejected(
                RejectCode::Invalid,
                "a direct conversation's id must be direct_conversation_id of its two people",
            ));
        }
        if title.is_some() {
            return Ok(Verdict::rejected(
                RejectCode::Invalid,
                "a direct conversation has no title",
            ));
        }
        if let Some(existing) = store::conversation(conn, &caller.building_id, &create.id).await? {
            // Its id names these two people: the caller is in it.
            return Ok(Verdict::Applied(vec![ChangeBody::ConversationUpserted(
                existing,
            )]));
        }
    }
    if store::conversation_exists(conn, &create.id).await? {
        return Ok(Verdict::rejected(
            RejectCode::Conflict,
            format!("conversation {} already exists", create.id),
        ));
    }
    let staff = match check_staff(conn, caller, &others).await? {
        Ok(staff) => staff,
        Err(rejection) => return Ok(rejection),
    };

    let mut participants = vec![Participant {
        staff_id: caller.staff_id.clone(),
        role: ParticipantRole::Owner,
        joined_at_ms: times.now_ms,
        left_at_ms: None,
    }];
    participants.extend(others.iter().map(|id| Participant {
        staff_id: (*id).to_owned(),
        role: ParticipantRole::Member,
        joined_at_ms: times.now_ms,
        left_at_ms: None,
    }));
    let conversation = Conversation {
        id: create.id.clone(),
        building_id: caller.building_id.clone(),
        kind: create.kind,
        title,
        created_by: caller.staff_id.clone(),
        created_at_ms: times.client_ms,
        participants,
    };
    store::insert_conversation(conn, &conversation).await?;
    for p in &conversation.participants {
        store::upsert_participant(conn, &conversation.id, p).await?;
    }
    let no = store::next_message_no(conn, &conversation.id).await?;
    let created = system_message(
        &conversation.id,
        no,
        caller,
        format!(
            "{} created the conversation",
            name_of(&staff, &caller.staff_id)
        ),
        SystemEvent::Created {
            by: caller.staff_id.clone(),
        },
        times,
    );
    store::insert_message(conn, &created).await?;
    Ok(Verdict::Applied(vec![
        ChangeBody::ConversationUpserted(conversation),
        ChangeBody::MessageUpserted(created),
    ]))
}

/// `conversation_add`: any participant of a group may add people; those already in
/// it are skipped, and those who had left come back.
pub async fn add(
    conn: &mut AnyConnection,
    caller: &Caller,
    times: Times,
    add: &ConversationAdd,
) -> Result<Verdict> {
    let conversation = match joined(conn, caller, &add.conversation_id).await? {
        Ok(c) => c,
        Err(rejection) => return Ok(rejection),
    };
    if conversation.kind == ConversationKind::Direct {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            "nobody can be added to a direct conversation: open a group instead",
        ));
    }
    let new: Vec<&str> = others(caller, &add.staff_ids)
        .into_iter()
        .filter(|id| !store::is_current(&conversation, id))
        .collect();
    if new.is_empty() {
        // Everyone named is in it already: nothing to do, and the desk gets its echo.
        return Ok(Verdict::Applied(vec![ChangeBody::ConversationUpserted(
            conversation,
        )]));
    }
    let current = conversation
        .participants
        .iter()
        .filter(|p| p.left_at_ms.is_none())
        .count();
    if current + new.len() > MAX_PARTICIPANTS {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            format!("a conversation has at most {MAX_PARTICIPANTS} participants"),
        ));
    }
    let staff = match check_staff(conn, caller, &new).await? {
        Ok(staff) => staff,
        Err(rejection) => return Ok(rejection),
    };

    for id in &new {
        let participant = Participant {
            staff_id: (*id).to_owned(),
            role: ParticipantRole::Member,
            joined_at_ms: times.now_ms,
            left_at_ms: None,
        };
        store::upsert_participant(conn, &conversation.id, &participant).await?;
    }
    let no = store::next_message_no(conn, &conversation.id).await?;
    let names: Vec<&str> = new.iter().map(|id| name_of(&staff, id)).collect();
    let added = system_message(
        &conversation.id,
        no,
        caller,
        format!(
            "{} added {}",
            name_of(&staff, &caller.staff_id),
            names.join(", ")
        ),
        SystemEvent::Added {
            by: caller.staff_id.clone(),
            staff_ids: new.iter().map(|id| (*id).to_owned()).collect(),
        },
        times,
    );
    store::insert_message(conn, &added).await?;
    let conversation = reread(conn, caller, &conversation.id).await?;
    // The conversation first: a desk just added learns it before its first message.
    Ok(Verdict::Applied(vec![
        ChangeBody::ConversationUpserted(conversation),
        ChangeBody::MessageUpserted(added),
    ]))
}

async fn reread(conn: &mut AnyConnection, caller: &Caller, id: &str) -> Result<Conversation> {
    store::conversation(conn, &caller.building_id, id)
        .await?
        .ok_or_else(|| crate::Error::Internal(format!("conversation {id} vanished")))
}

/// `conversation_leave`: the caller leaves a group. `next_seq` is the sequence
/// number the first change of this mutation will get: the leaver is served the
/// conversation's changes up to the last one, which records their leaving.
pub async fn leave(
    conn: &mut AnyConnection,
    caller: &Caller,
    times: Times,
    next_seq: i64,
    conversation_id: &str,
) -> Result<Verdict> {
    let conversation = match joined(conn, caller, conversation_id).await? {
        Ok(c) => c,
        Err(rejection) => return Ok(rejection),
    };
    if conversation.kind == ConversationKind::Direct {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            "a direct conversation cannot be left",
        ));
    }
    let staff = store::staff_of_building(conn, &caller.building_id, &[&caller.staff_id]).await?;

    let no = store::next_message_no(conn, &conversation.id).await?;
    let left = system_message(
        &conversation.id,
        no,
        caller,
        format!("{} left", name_of(&staff, &caller.staff_id)),
        SystemEvent::Left {
            staff_id: caller.staff_id.clone(),
        },
        times,
    );
    store::insert_message(conn, &left).await?;
    // The message, then the conversation: its change is the leaver's last one.
    let left_seq = next_seq + 1;
    store::set_left(
        conn,
        &conversation.id,
        &caller.staff_id,
        times.now_ms,
        left_seq,
    )
    .await?;
    let conversation = reread(conn, caller, &conversation.id).await?;
    Ok(Verdict::Applied(vec![
        ChangeBody::MessageUpserted(left),
        ChangeBody::ConversationUpserted(conversation),
    ]))
}

/// `message_send`: a participant posts; the server numbers it. Each attachment must
/// be a blob uploaded to this building, whose size and type are taken from it.
pub async fn send(
    conn: &mut AnyConnection,
    known: &mut Known,
    caller: &Caller,
    times: Times,
    send: &MessageSend,
) -> Result<Verdict> {
    if let Some(rejection) = check_id(&send.id, "message") {
        return Ok(rejection);
    }
    if send.attachments.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            format!("a message has at most {MAX_ATTACHMENTS_PER_MESSAGE} attachments"),
        ));
    }
    if let Some(bad) = send.attachments.iter().find(|a| !is_blob_sha256(&a.sha256)) {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            format!(
                "attachment {:?} is not named by a lower-case hex SHA-256",
                bad.sha256
            ),
        ));
    }
    let text = match normalize_message_text(&send.text, !send.attachments.is_empty()) {
        Ok(text) => text,
        Err(reason) => return Ok(Verdict::rejected(RejectCode::Invalid, reason)),
    };
    let conversation = match joined_known(conn, known, caller, &send.conversation_id).await? {
        Ok(c) => c,
        Err(rejection) => return Ok(rejection),
    };
    if store::message_id_taken(conn, &send.id).await? {
        return Ok(Verdict::rejected(
            RejectCode::Conflict,
            format!("message {} already exists", send.id),
        ));
    }
    let mut attachments = Vec::with_capacity(send.attachments.len());
    for a in &send.attachments {
        let Some((size, content_type)) =
            crate::blobs::blob_meta(conn, &caller.building_id, &a.sha256).await?
        else {
            return Ok(Verdict::rejected(
                RejectCode::NotFound,
                format!("attachment {} was not uploaded to this building", a.sha256),
            ));
        };
        if size > MAX_ATTACHMENT_BYTES {
            return Ok(Verdict::rejected(
                RejectCode::Invalid,
                format!(
                    "attachment {} is over {MAX_ATTACHMENT_BYTES} bytes",
                    a.sha256
                ),
            ));
        }
        attachments.push(Attachment {
            sha256: a.sha256.clone(),
            name: clean_attachment_name(&a.name),
            content_type,
            size,
        });
    }

    let message = Message {
        id: send.id.clone(),
        conversation_id: conversation.id.clone(),
        no: store::next_message_no(conn, &conversation.id).await?,
        kind: MessageKind::Text,
        sender_id: caller.staff_id.clone(),
        text,
        system: None,
        attachments,
        sent_at_ms: times.client_ms,
        committed_at_ms: times.now_ms,
        edited_at_ms: None,
        deleted_at_ms: None,
    };
    store::insert_message(conn, &message).await?;
    Ok(Verdict::Applied(vec![ChangeBody::MessageUpserted(message)]))
}

/// The caller's own text message in a conversation they are in, or the rejection.
async fn own_message(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<std::result::Result<Message, Verdict>> {
    let Some(message) = store::message(conn, &caller.building_id, id).await? else {
        return Ok(Err(message_not_found(id)));
    };
    if joined(conn, caller, &message.conversation_id)
        .await?
        .is_err()
    {
        return Ok(Err(message_not_found(id)));
    }
    if message.kind == MessageKind::System {
        return Ok(Err(Verdict::rejected(
            RejectCode::Forbidden,
            "a system message cannot be changed",
        )));
    }
    if message.sender_id != caller.staff_id {
        return Ok(Err(Verdict::rejected(
            RejectCode::Forbidden,
            "only its sender can change a message",
        )));
    }
    Ok(Ok(message))
}

/// `message_edit`: the sender changes the text of a message not deleted.
pub async fn edit(
    conn: &mut AnyConnection,
    caller: &Caller,
    times: Times,
    edit: &MessageEdit,
) -> Result<Verdict> {
    let message = match own_message(conn, caller, &edit.id).await? {
        Ok(m) => m,
        Err(rejection) => return Ok(rejection),
    };
    if message.deleted_at_ms.is_some() {
        return Ok(Verdict::rejected(
            RejectCode::Conflict,
            "the message was deleted",
        ));
    }
    let text = match normalize_message_text(&edit.text, !message.attachments.is_empty()) {
        Ok(text) => text,
        Err(reason) => return Ok(Verdict::rejected(RejectCode::Invalid, reason)),
    };
    let message = Message {
        text,
        edited_at_ms: Some(times.now_ms),
        ..message
    };
    store::update_message(conn, &message).await?;
    Ok(Verdict::Applied(vec![ChangeBody::MessageUpserted(message)]))
}

/// `message_delete`: the sender drops a message's text and attachments; a marker
/// stays. Deleting it again changes nothing and is answered with it.
pub async fn delete(
    conn: &mut AnyConnection,
    caller: &Caller,
    times: Times,
    id: &str,
) -> Result<Verdict> {
    let message = match own_message(conn, caller, id).await? {
        Ok(m) => m,
        Err(rejection) => return Ok(rejection),
    };
    if message.deleted_at_ms.is_some() {
        return Ok(Verdict::Applied(vec![ChangeBody::MessageUpserted(message)]));
    }
    let message = Message {
        text: String::new(),
        attachments: Vec::new(),
        deleted_at_ms: Some(times.now_ms),
        ..message
    };
    store::update_message(conn, &message).await?;
    Ok(Verdict::Applied(vec![ChangeBody::MessageUpserted(message)]))
}

/// `reaction_set`: a participant sets or clears one reaction (an upsert: the same
/// state twice is harmless).
pub async fn react(
    conn: &mut AnyConnection,
    caller: &Caller,
    times: Times,
    set: &ReactionSet,
) -> Result<Verdict> {
    let Some(message) = store::message(conn, &caller.building_id, &set.message_id).await? else {
        return Ok(message_not_found(&set.message_id));
    };
    if joined(conn, caller, &message.conversation_id)
        .await?
        .is_err()
    {
        return Ok(message_not_found(&set.message_id));
    }
    if set.active && message.deleted_at_ms.is_some() {
        return Ok(Verdict::rejected(
            RejectCode::Conflict,
            "the message was deleted",
        ));
    }
    let reaction = Reaction {
        conversation_id: message.conversation_id,
        message_id: message.id,
        staff_id: caller.staff_id.clone(),
        reaction: set.reaction,
        active: set.active,
        at_ms: times.client_ms,
    };
    store::upsert_reaction(conn, &reaction).await?;
    Ok(Verdict::Applied(vec![ChangeBody::ReactionUpserted(
        reaction,
    )]))
}

/// `receipt_mark`: the caller's own watermarks move forward only, never past the
/// conversation's last message, and read implies delivered.
pub async fn mark(
    conn: &mut AnyConnection,
    known: &mut Known,
    caller: &Caller,
    times: Times,
    mark: &ReceiptMark,
) -> Result<Verdict> {
    if mark.delivered_through.is_none() && mark.read_through.is_none() {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            "a receipt marks delivered, read or both",
        ));
    }
    if mark.delivered_through.is_some_and(|n| n < 0) || mark.read_through.is_some_and(|n| n < 0) {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            "a watermark is a message number, never negative",
        ));
    }
    let conversation = match joined_known(conn, known, caller, &mark.conversation_id).await? {
        Ok(c) => c,
        Err(rejection) => return Ok(rejection),
    };
    let last = store::last_message_no(conn, &conversation.id).await?;
    let stored = store::receipt(conn, &conversation.id, &caller.staff_id)
        .await?
        .map(|r| (r.delivered_through, r.read_through));
    let (delivered, read) = stored.unwrap_or((0, 0));
    let read = read.max(mark.read_through.unwrap_or(0).min(last));
    let delivered = delivered
        .max(mark.delivered_through.unwrap_or(0).min(last))
        .max(read);
    if stored == Some((delivered, read)) {
        return Ok(Verdict::Unchanged);
    }
    let receipt = frontdesk_protocol::Receipt {
        conversation_id: conversation.id,
        staff_id: caller.staff_id.clone(),
        delivered_through: delivered,
        read_through: read,
        updated_at_ms: times.now_ms,
    };
    store::upsert_receipt(conn, &receipt).await?;
    Ok(Verdict::Applied(vec![ChangeBody::ReceiptUpserted(receipt)]))
}

/// `conversation_pref_set`: the caller's own flags on a conversation they are in.
pub async fn set_pref(
    conn: &mut AnyConnection,
    caller: &Caller,
    set: &ConversationPrefSet,
) -> Result<Verdict> {
    let conversation = match joined(conn, caller, &set.conversation_id).await? {
        Ok(c) => c,
        Err(rejection) => return Ok(rejection),
    };
    let pref = ConversationPref {
        conversation_id: conversation.id,
        staff_id: caller.staff_id.clone(),
        important: set.important,
    };
    store::upsert_pref(conn, &pref).await?;
    Ok(Verdict::Applied(vec![
        ChangeBody::ConversationPrefUpserted(pref),
    ]))
}
