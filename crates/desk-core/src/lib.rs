//! The desk without its window.
//!
//! [`Desk`] is the one handle the Tauri shell holds: it owns the local SQLite store,
//! the signed-in session and the sync engine, and every command of the UI is a method
//! on it. Nothing here needs a display, so all of it is tested headless.

pub mod config;
pub mod desk;
pub mod directory;
pub mod error;
pub mod server_api;
pub mod session;
pub mod store;
pub mod sync;

pub use desk::{Bootstrap, Desk, DeskOptions};
pub use error::{DeskError, DeskErrorCode, DeskResult};
