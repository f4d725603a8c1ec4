//! Tauri commands of staff messaging (the conversation list, threads, the composer):
//! each forwards to one [`Desk`] method.

use frontdesk_desk_core::messaging::{
    ConversationDetail, ConversationQuery, ConversationSummary, MessagePage, StaffOption,
};
use frontdesk_desk_core::{Desk, DeskError, DeskErrorCode, DeskResult};
use frontdesk_protocol::{Attachment, ReactionKind};
use tauri::State;

#[tauri::command]
pub async fn list_conversations(
    desk: State<'_, Desk>,
    query: ConversationQuery,
) -> DeskResult<Vec<ConversationSummary>> {
    desk.conversations(&query).await
}

#[tauri::command]
pub async fn get_conversation(desk: State<'_, Desk>, id: String) -> DeskResult<ConversationDetail> {
    desk.conversation(&id).await
}

#[tauri::command]
pub async fn list_messages(
    desk: State<'_, Desk>,
    conversation_id: String,
    before_no: Option<i64>,
    limit: Option<u32>,
) -> DeskResult<MessagePage> {
    desk.messages(&conversation_id, before_no, limit).await
}

#[tauri::command]
pub async fn start_conversation(
    desk: State<'_, Desk>,
    participant_ids: Vec<String>,
    title: Option<String>,
) -> DeskResult<String> {
    desk.start_conversation(participant_ids, title).await
}

#[tauri::command]
pub async fn add_participants(
    desk: State<'_, Desk>,
    conversation_id: String,
    staff_ids: Vec<String>,
) -> DeskResult<()> {
    desk.add_participants(&conversation_id, staff_ids).await
}

#[tauri::command]
pub async fn leave_conversation(desk: State<'_, Desk>, conversation_id: String) -> DeskResult<()> {
    desk.leave_conversation(&conversation_id).await
}

#[tauri::command]
pub async fn send_message(
    desk: State<'_, Desk>,
    conversation_id: String,
    text: String,
    attachments: Vec<Attachment>,
) -> DeskResult<String> {
    desk.send_message(&conversation_id, &text, attachments)
        .await
}

#[tauri::command]
pub async fn edit_message(desk: State<'_, Desk>, id: String, text: String) -> DeskResult<()> {
    desk.edit_message(&id, &text).await
}

#[tauri::command]
pub async fn delete_message(desk: State<'_, Desk>, id: String) -> DeskResult<()> {
    desk.delete_message(&id).await
}

#[tauri::command]
pub async fn retry_message(desk: State<'_, Desk>, id: String) -> DeskResult<()> {
    desk.retry_message(&id).await
}

#[tauri::command]
pub async fn discard_failed_message(desk: State<'_, Desk>, id: String) -> DeskResult<()> {
    desk.discard_failed_message(&id).await
}

#[tauri::command]
pub async fn set_reaction(
    desk: State<'_, Desk>,
    message_id: String,
    reaction: ReactionKind,
    active: bool,
) -> DeskResult<()> {
    desk.set_reaction(&message_id, reaction, active).await
}

#[tauri::command]
pub async fn mark_conversation_read(
    desk: State<'_, Desk>,
    conversation_id: String,
) -> DeskResult<()> {
    desk.mark_read(&conversation_id).await
}

#[tauri::command]
pub async fn set_conversation_important(
    desk: State<'_, Desk>,
    conversation_id: String,
    important: bool,
) -> DeskResult<()> {
    desk.set_important(&conversation_id, important).await
}

#[tauri::command]
pub async fn save_draft(
    desk: State<'_, Desk>,
    conversation_id: String,
    text: String,
) -> DeskResult<()> {
    desk.save_draft(&conversation_id, &text).await
}

#[tauri::command]
pub async fn get_draft(
    desk: State<'_, Desk>,
    conversation_id: String,
) -> DeskResult<Option<String>> {
    desk.draft(&conversation_id).await
}

#[tauri::command]
pub async fn unread_total(desk: State<'_, Desk>) -> DeskResult<u32> {
    desk.unread_total().await
}

#[tauri::command]
pub async fn staff_directory(desk: State<'_, Desk>) -> DeskResult<Vec<StaffOption>> {
    desk.staff_directory().await
}

/// The header that carries an attached file's name, percent-encoded, beside its raw
/// bytes (the invoke body), so a 10 MiB file is not sent as a JSON array of numbers.
const ATTACHMENT_NAME_HEADER: &str = "x-attachment-name";

/// Keeps a file for a message at this desk (checked for size and type by its content
/// before anything is queued) and answers what the message will refer to.
#[tauri::command]
pub async fn attach_file(
    desk: State<'_, Desk>,
    request: tauri::ipc::Request<'_>,
) -> DeskResult<Attachment> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(DeskError::new(
            DeskErrorCode::InvalidInput,
            "attach_file takes the file's bytes as the request body",
        ));
    };
    let name = request
        .headers()
        .get(ATTACHMENT_NAME_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    desk.attach_file(bytes.clone(), &name).await
}

/// An attachment's bytes: this desk's copy, else fetched from the server and kept.
#[tauri::command]
pub async fn get_blob(desk: State<'_, Desk>, sha256: String) -> DeskResult<tauri::ipc::Response> {
    desk.blob(&sha256).await.map(tauri::ipc::Response::new)
}
