//! Tauri commands of the package screens (intake, pickup, the list and a parcel's
//! page) and of labels: each forwards to one [`Desk`] method.

use frontdesk_desk_core::labels::LabelSettings;
use frontdesk_desk_core::packages::{NewPackage, PackageDetail, PackageQuery, PackageView};
use frontdesk_desk_core::scanning::{CarrierOption, ScanLookup, ScannerSettings, carrier_options};
use frontdesk_desk_core::{Desk, DeskResult};
use frontdesk_protocol::{PackageEdit, PackageTransition};
use tauri::State;
use tauri::ipc::Response;

#[tauri::command]
pub async fn list_packages(
    desk: State<'_, Desk>,
    query: PackageQuery,
) -> DeskResult<Vec<PackageView>> {
    desk.packages(&query).await
}

#[tauri::command]
pub async fn get_package(desk: State<'_, Desk>, id: String) -> DeskResult<PackageDetail> {
    desk.package_detail(&id).await
}

#[tauri::command]
pub async fn intake_package(desk: State<'_, Desk>, package: NewPackage) -> DeskResult<PackageView> {
    desk.intake_package(package).await
}

#[tauri::command]
pub async fn edit_package(desk: State<'_, Desk>, edit: PackageEdit) -> DeskResult<()> {
    desk.edit_package(edit).await
}

#[tauri::command]
pub async fn transition_packages(
    desk: State<'_, Desk>,
    moves: Vec<PackageTransition>,
) -> DeskResult<()> {
    desk.transition_packages(moves).await
}

#[tauri::command]
pub async fn lookup_scan(desk: State<'_, Desk>, text: String) -> DeskResult<ScanLookup> {
    desk.lookup_scan(&text).await
}

#[tauri::command]
pub async fn last_shelf(desk: State<'_, Desk>) -> DeskResult<Option<String>> {
    desk.last_shelf().await
}

#[tauri::command]
pub fn list_carriers() -> Vec<CarrierOption> {
    carrier_options()
}

#[tauri::command]
pub async fn scanner_settings(desk: State<'_, Desk>) -> DeskResult<ScannerSettings> {
    desk.scanner_settings().await
}

#[tauri::command]
pub async fn set_scanner_settings(
    desk: State<'_, Desk>,
    settings: ScannerSettings,
) -> DeskResult<ScannerSettings> {
    desk.set_scanner_settings(settings).await
}

#[tauri::command]
pub async fn label_settings(desk: State<'_, Desk>) -> DeskResult<LabelSettings> {
    desk.label_settings().await
}

#[tauri::command]
pub async fn set_label_settings(
    desk: State<'_, Desk>,
    settings: LabelSettings,
) -> DeskResult<LabelSettings> {
    desk.set_label_settings(settings).await
}

/// The PNG bytes, raw (an `ArrayBuffer` in the window): no base64 over JSON.
#[tauri::command]
pub async fn label_preview(
    desk: State<'_, Desk>,
    id: String,
    utc_offset_minutes: i32,
) -> DeskResult<Response> {
    desk.label_preview(&id, utc_offset_minutes)
        .await
        .map(Response::new)
}

#[tauri::command]
pub async fn print_label(
    desk: State<'_, Desk>,
    id: String,
    utc_offset_minutes: i32,
) -> DeskResult<()> {
    desk.print_label(&id, utc_offset_minutes).await
}

#[tauri::command]
pub async fn test_print(
    desk: State<'_, Desk>,
    settings: LabelSettings,
    utc_offset_minutes: i32,
) -> DeskResult<()> {
    desk.test_print(settings, utc_offset_minutes).await
}
