//! The Tauri commands: each forwards to one [`Desk`] method. Errors reach the UI as
//! `DeskError` objects (`{code, message}`), which it translates by code.

use frontdesk_desk_core::directory::{ResidentDetail, ResidentSearch};
use frontdesk_desk_core::sync::SyncStatus;
use frontdesk_desk_core::{Bootstrap, Desk, DeskResult, SignedIn};
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
