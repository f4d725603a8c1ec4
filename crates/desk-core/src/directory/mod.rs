//! The residents directory, read from the local store.

pub mod search;

use frontdesk_protocol::{Resident, Unit};
use serde::Serialize;
use ts_rs::TS;

/// One line of a directory search result.
#[derive(Debug, Clone, PartialEq, Serialize, TS, sqlx::FromRow)]
#[ts(export)]
pub struct ResidentHit {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub unit_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_owner: bool,
}

/// A resident's page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ResidentDetail {
    pub resident: Resident,
    pub unit: Option<Unit>,
    /// The other residents of the same unit.
    pub household: Vec<ResidentHit>,
}
