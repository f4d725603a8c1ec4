//! Tauri commands of the camera: the cameras connected, the camera settings, the live
//! preview (its frames, outlines and accepted codes go over a binary IPC channel) and
//! package photos. Each forwards to desk-core.

use frontdesk_desk_core::camera_preview::PreviewStart;
use frontdesk_desk_core::camera_settings::CameraSettings;
use frontdesk_desk_core::photos::PackagePhotoView;
use frontdesk_desk_core::{Desk, DeskError, DeskErrorCode, DeskResult};
use frontdesk_scan::camera::{CameraDevice, list_cameras as connected_cameras};
use tauri::State;
use tauri::ipc::{Channel, InvokeResponseBody, Response};

/// The cameras connected now; an empty list is "no camera found", not an error.
#[tauri::command]
pub async fn list_cameras() -> DeskResult<Vec<CameraDevice>> {
    tauri::async_runtime::spawn_blocking(connected_cameras)
        .await
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))?
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))
}

#[tauri::command]
pub async fn camera_settings(desk: State<'_, Desk>) -> DeskResult<CameraSettings> {
    desk.camera_settings().await
}

#[tauri::command]
pub async fn set_camera_settings(
    desk: State<'_, Desk>,
    settings: CameraSettings,
) -> DeskResult<CameraSettings> {
    desk.set_camera_settings(settings).await
}

#[tauri::command]
pub async fn start_camera_preview(
    desk: State<'_, Desk>,
    channel: Channel<InvokeResponseBody>,
) -> DeskResult<PreviewStart> {
    desk.start_camera_preview(Box::new(move |message| {
        // A failed send means the window dropped the channel: the preview then stops.
        channel.send(InvokeResponseBody::Raw(message)).is_ok()
    }))
    .await
}

#[tauri::command]
pub async fn stop_camera_preview(desk: State<'_, Desk>) -> DeskResult<bool> {
    desk.stop_camera_preview().await
}

/// The picture the preview shows now, as a JPEG.
#[tauri::command]
pub fn camera_still(desk: State<'_, Desk>) -> DeskResult<Response> {
    match desk.camera_still()? {
        Some(jpeg) => Ok(Response::new(jpeg)),
        None => Err(DeskError::new(
            DeskErrorCode::NotFound,
            "the camera shows no picture yet",
        )),
    }
}

/// Keeps what the camera shows now as a photo of the parcel.
#[tauri::command]
pub async fn take_package_photo(
    desk: State<'_, Desk>,
    package_id: String,
) -> DeskResult<PackagePhotoView> {
    desk.take_package_photo(&package_id).await
}

#[tauri::command]
pub async fn package_photos(
    desk: State<'_, Desk>,
    package_id: String,
) -> DeskResult<Vec<PackagePhotoView>> {
    desk.package_photos(&package_id).await
}
