//! The messaging limits the composer checks before anything is queued, from the one
//! place they are defined (the protocol), so the UI keeps no copy of them.

use frontdesk_protocol::messaging::{
    MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_MESSAGE, MAX_MESSAGE_CHARS,
};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct MessageLimits {
    max_message_chars: usize,
    max_attachments_per_message: usize,
    max_attachment_bytes: u64,
}

#[tauri::command]
pub fn message_limits() -> MessageLimits {
    MessageLimits {
        max_message_chars: MAX_MESSAGE_CHARS,
        max_attachments_per_message: MAX_ATTACHMENTS_PER_MESSAGE,
        max_attachment_bytes: MAX_ATTACHMENT_BYTES,
    }
}
