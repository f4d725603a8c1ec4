//! The desk without its window.
//!
//! [`Desk`] is the one handle the Tauri shell holds: it owns the local SQLite store,
//! the signed-in session and the sync engine, and every command of the UI is a method
//! on it. Nothing here needs a display, so all of it is tested headless.

pub mod blobs;
pub mod camera_preview;
pub mod camera_settings;
pub mod desk;
pub mod directory;
pub mod error;
pub mod instructions;
pub mod labels;
pub mod messaging;
pub mod notices;
pub mod outbox;
pub mod packages;
pub mod photos;
pub mod reports;
pub mod scanning;
pub mod server_api;
pub mod session;
pub mod store;
pub mod sync;

pub use desk::{Bootstrap, Desk, DeskOptions, SessionStorage, SignedIn};
pub use error::{DeskError, DeskErrorCode, DeskResult};
pub use server_api::Timeouts;

/// Wall-clock time in Unix milliseconds, the unit of every timestamp on the wire.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
