//! The error every desk operation returns, shaped for the UI: a stable code the UI
//! translates, plus a message in English for logs and support.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeskErrorCode {
    /// The server could not be reached (no network, server down, timeout).
    Network,
    /// The server answered something this desk cannot understand.
    BadResponse,
    InvalidServerUrl,
    InvalidCredentials,
    AccountDisabled,
    RateLimited,
    /// The session is gone (expired, revoked, disabled): sign in again.
    NotSignedIn,
    NotFound,
    InvalidInput,
    /// The change does not fit what the record is now (a parcel already picked up,
    /// a transition the rules refuse): the message says why.
    Conflict,
    /// The server no longer serves this desk's sync cursor (its change log was
    /// compacted past it, or it is another or restored server): the desk reloads the
    /// building from the server (a full resync).
    CursorExpired,
    /// The server refused the cursor again right after a full resync: syncing stops
    /// until staff ask for it (Sync now).
    ResyncFailed,
    /// The label did not reach the printer (none set up, unreachable, refused): the
    /// parcel is stored all the same, and the label can be printed again.
    PrintFailed,
    /// A file to attach is larger than attachments may be (`MAX_ATTACHMENT_BYTES`):
    /// nothing was queued.
    AttachmentTooLarge,
    /// A file to attach is not of a type attachments may have (images, PDF, plain
    /// text; decided from its content): nothing was queued.
    AttachmentType,
    /// The local store failed (disk full, corrupt file…).
    Storage,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct DeskError {
    pub code: DeskErrorCode,
    pub message: String,
}

pub type DeskResult<T> = Result<T, DeskError>;

impl DeskError {
    pub fn new(code: DeskErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn is_network(&self) -> bool {
        self.code == DeskErrorCode::Network
    }
}

impl From<sqlx::Error> for DeskError {
    fn from(e: sqlx::Error) -> Self {
        Self::new(DeskErrorCode::Storage, format!("local store: {e}"))
    }
}

impl From<sqlx::migrate::MigrateError> for DeskError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::new(
            DeskErrorCode::Storage,
            format!("local store migration: {e}"),
        )
    }
}

impl From<serde_json::Error> for DeskError {
    fn from(e: serde_json::Error) -> Self {
        Self::new(DeskErrorCode::Storage, format!("local store data: {e}"))
    }
}
