//! [`Desk`]: the one handle the shell holds.

use frontdesk_protocol::{Building, StaffMember};
use serde::Serialize;
use ts_rs::TS;

use crate::sync::SyncStatus;

/// Who is signed in at this desk.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SignedIn {
    pub staff: StaffMember,
    pub building: Building,
    #[ts(type = "number")]
    pub expires_at_ms: i64,
}

/// Where the session token is kept between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SessionStorage {
    /// The operating system's keyring (Secret Service, Keychain, Credential Manager).
    Keyring,
    /// No keyring here: a file readable only by this user in the desk's data folder.
    File,
}

/// Everything the UI needs to draw its first screen.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Bootstrap {
    pub server_url: Option<String>,
    /// `en` or `fr`; None means "follow the operating system".
    pub language: Option<String>,
    pub signed_in: Option<SignedIn>,
    pub session_storage: SessionStorage,
    pub status: SyncStatus,
}

pub struct Desk;
pub struct DeskOptions;
