//! The Tauri commands: each forwards to one [`Desk`] method. Errors reach the UI as
//! `DeskError` objects (`{code, message}`), which it translates by code.

use frontdesk_desk_core::directory::{ResidentDetail, ResidentSearch};
use frontdesk_desk_core::instructions::InstructionView;
use frontdesk_desk_core::outbox::OutboxItem;
use frontdesk_desk_core::sync::SyncStatus;
use frontdesk_desk_core::{Bootstrap, Desk, DeskResult, SignedIn};
use frontdesk_desk_core::{DeskError, DeskErrorCode};
use frontdesk_protocol::InstructionTarget;
use tauri::State;

#[tauri::command]
pub async fn bootstrap(desk: State<'_, Desk>) -> DeskResult<Bootstrap> {
    desk.bootstrap().await
}

#[tauri::command]
pub async fn sign_in(
    desk: State<'_, Desk>,
    server_url: String,
    email: String,
    password: String,
) -> DeskResult<SignedIn> {
    desk.sign_in(&server_url, &email, &password).await
}

#[tauri::command]
pub async fn sign_out(desk: State<'_, Desk>) -> DeskResult<()> {
    desk.sign_out().await
}

#[tauri::command]
pub async fn sync_status(desk: State<'_, Desk>) -> DeskResult<SyncStatus> {
    Ok(desk.status())
}

#[tauri::command]
pub async fn sync_now(desk: State<'_, Desk>) -> DeskResult<SyncStatus> {
    desk.sync_now().await
}

#[tauri::command]
pub async fn search_residents(
    desk: State<'_, Desk>,
    query: String,
    limit: Option<u32>,
) -> DeskResult<ResidentSearch> {
    desk.search_residents(&query, limit.unwrap_or(50)).await
}

#[tauri::command]
pub async fn get_resident(desk: State<'_, Desk>, id: String) -> DeskResult<ResidentDetail> {
    desk.resident(&id).await
}

#[tauri::command]
pub async fn set_language(desk: State<'_, Desk>, language: Option<String>) -> DeskResult<()> {
    desk.set_language(language.as_deref()).await
}

#[tauri::command]
pub async fn list_instructions(
    desk: State<'_, Desk>,
    target: InstructionTarget,
) -> DeskResult<Vec<InstructionView>> {
    desk.instructions(&target).await
}

#[tauri::command]
pub async fn save_instruction(
    desk: State<'_, Desk>,
    id: Option<String>,
    target: InstructionTarget,
    text: String,
) -> DeskResult<()> {
    desk.save_instruction(id, target, &text).await
}

#[tauri::command]
pub async fn delete_instruction(desk: State<'_, Desk>, id: String) -> DeskResult<()> {
    desk.delete_instruction(&id).await
}

#[tauri::command]
pub async fn list_outbox(desk: State<'_, Desk>) -> DeskResult<Vec<OutboxItem>> {
    desk.outbox().await
}

#[tauri::command]
pub async fn dismiss_rejected(desk: State<'_, Desk>, mutation_id: String) -> DeskResult<()> {
    let id = mutation_id
        .parse()
        .map_err(|e| DeskError::new(DeskErrorCode::InvalidInput, format!("mutation id: {e}")))?;
    desk.dismiss_rejected(id).await
}
