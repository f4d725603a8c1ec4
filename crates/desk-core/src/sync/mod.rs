//! Keeping the local store in step with the building server.

pub mod backoff;
pub mod engine;
pub mod live;
pub mod status;

pub use engine::{Changed, SyncEngine, SyncHandles};
pub use status::{ConnectionState, SyncStatus};
