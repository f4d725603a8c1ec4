//! Keeping the local store in step with the building server.

pub mod engine;
pub mod status;

pub use engine::SyncEngine;
pub use status::{ConnectionState, SyncStatus};
