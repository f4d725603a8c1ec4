//! Desk notifications forwarded to the window as events.

use frontdesk_desk_core::Desk;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::broadcast::error::RecvError;

pub const SYNC_STATUS: &str = "sync-status";
pub const DIRECTORY_CHANGED: &str = "directory-changed";

pub fn forward(app: AppHandle) {
    let desk = app.state::<Desk>();
    let mut status = desk.subscribe_status();
    let mut directory = desk.subscribe_directory_changes();

    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        while status.changed().await.is_ok() {
            let current = status.borrow_and_update().clone();
            if let Err(e) = handle.emit(SYNC_STATUS, current) {
                tracing::error!("emitting {SYNC_STATUS}: {e}");
            }
        }
    });
    tauri::async_runtime::spawn(async move {
        // Several changes while the UI was busy (Lagged) are still one refresh.
        while let Ok(()) | Err(RecvError::Lagged(_)) = directory.recv().await {
            if let Err(e) = app.emit(DIRECTORY_CHANGED, ()) {
                tracing::error!("emitting {DIRECTORY_CHANGED}: {e}");
            }
        }
    });
}
