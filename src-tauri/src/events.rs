//! Desk notifications forwarded to the window as events.

use frontdesk_desk_core::Desk;
use frontdesk_desk_core::sync::Changed;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::broadcast::error::RecvError;

pub const SYNC_STATUS: &str = "sync-status";
pub const DIRECTORY_CHANGED: &str = "directory-changed";
pub const INSTRUCTIONS_CHANGED: &str = "instructions-changed";
pub const OUTBOX_CHANGED: &str = "outbox-changed";
pub const PACKAGES_CHANGED: &str = "packages-changed";
pub const MESSAGES_CHANGED: &str = "messages-changed";
/// A new message from someone else: payload `MessageAlert` (conversation, sender, a
/// short preview), for the shell's desktop notification.
pub const MESSAGE_RECEIVED: &str = "message-received";

fn event_name(what: Changed) -> &'static str {
    match what {
        Changed::Directory => DIRECTORY_CHANGED,
        Changed::Instructions => INSTRUCTIONS_CHANGED,
        Changed::Outbox => OUTBOX_CHANGED,
        Changed::Packages => PACKAGES_CHANGED,
        Changed::Messages => MESSAGES_CHANGED,
    }
}

pub fn forward(app: AppHandle) {
    let desk = app.state::<Desk>();
    let mut status = desk.subscribe_status();
    let mut changes = desk.subscribe_changes();
    let mut alerts = desk.subscribe_message_alerts();

    let handle = app.clone();
    let handle_alerts = app.clone();
    tauri::async_runtime::spawn(async move {
        while status.changed().await.is_ok() {
            let current = status.borrow_and_update().clone();
            if let Err(e) = handle.emit(SYNC_STATUS, current) {
                tracing::error!("emitting {SYNC_STATUS}: {e}");
            }
        }
    });
    tauri::async_runtime::spawn(async move {
        loop {
            let name = match changes.recv().await {
                Ok(what) => event_name(what),
                // Missed some while the UI was busy: refresh everything once.
                Err(RecvError::Lagged(_)) => {
                    for what in [
                        Changed::Directory,
                        Changed::Instructions,
                        Changed::Packages,
                        Changed::Messages,
                        Changed::Outbox,
                    ] {
                        let _ = app.emit(event_name(what), ());
                    }
                    continue;
                }
                Err(RecvError::Closed) => break,
            };
            if let Err(e) = app.emit(name, ()) {
                tracing::error!("emitting {name}: {e}");
            }
            // A message's state follows its outbox row (sent, refused).
            if name == OUTBOX_CHANGED
                && let Err(e) = app.emit(MESSAGES_CHANGED, ())
            {
                tracing::error!("emitting {MESSAGES_CHANGED}: {e}");
            }
        }
    });
    tauri::async_runtime::spawn(async move {
        loop {
            match alerts.recv().await {
                Ok(alert) => {
                    if let Err(e) = handle_alerts.emit(MESSAGE_RECEIVED, alert) {
                        tracing::error!("emitting {MESSAGE_RECEIVED}: {e}");
                    }
                }
                // Too many at once to notify each: the list shows them.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            }
        }
    });
}
