//! pulling
pub struct SyncEngine;
