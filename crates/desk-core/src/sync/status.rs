//! What the status bar shows about sync.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum ConnectionState {
    /// Not signed in: nothing to sync with.
    SignedOut,
    /// The last exchange with the server succeeded.
    Online,
    /// The server was just lost; retrying soon.
    Reconnecting {
        attempt: u32,
        #[ts(type = "number")]
        next_attempt_at_ms: i64,
    },
    /// Several attempts in a row failed: working from the local store.
    Offline {
        #[ts(type = "number")]
        since_ms: i64,
        #[ts(type = "number")]
        next_attempt_at_ms: i64,
    },
    /// The server refused the session (expired, revoked, account disabled).
    SessionExpired,
    /// The server refused this desk's sync cursor again right after a full resync
    /// (reloading the building from the start). Syncing waits for staff to press Sync
    /// now, which starts another; local writes stay queued meanwhile.
    ResyncFailed {
        #[ts(type = "number")]
        since_ms: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    pub connection: ConnectionState,
    /// When the desk last completed a pull from the server.
    #[ts(type = "number | null")]
    pub last_sync_ms: Option<i64>,
    /// Local writes waiting to be sent.
    pub queued: u32,
    #[ts(type = "number | null")]
    pub oldest_queued_ms: Option<i64>,
    /// Writes the server refused; listed with their reasons in the Sync panel.
    pub rejected: u32,
    /// The last sequence number of the building's change log applied here.
    #[ts(type = "number")]
    pub cursor: i64,
    /// When this desk last reloaded the building from the server because the server no
    /// longer served its cursor (a full resync); null if it never had to.
    #[ts(type = "number | null")]
    pub last_full_resync_ms: Option<i64>,
}
