//! Keeping the local store in step with the building server.

pub mod backoff;
pub mod engine;
pub mod live;
pub mod status;
mod uploads;

pub use engine::{Changed, Credentials, SyncEngine, SyncHandles};
pub use status::{ConnectionState, SyncStatus};
