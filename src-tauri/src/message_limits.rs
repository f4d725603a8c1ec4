//! The messaging limits the composer checks before anything is queued, from the one
//! place they are defined (the protocol), so the UI keeps no copy of them.

use frontdesk_protocol::MessageLimits;

#[tauri::command]
pub fn message_limits() -> MessageLimits {
    MessageLimits::CURRENT
}
