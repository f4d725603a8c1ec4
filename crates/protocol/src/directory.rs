//! The building directory: buildings, units, residents and staff.
//!
//! Ids are strings: records imported from the building's web admin keep the ids of its
//! CSV exports (so later exports line up), and records created by Frontdesk use UUID v7.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Building {
    pub id: String,
    pub name: String,
    pub address: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Unit {
    pub id: String,
    pub building_id: String,
    pub unit_number: String,
    pub floor_number: Option<i32>,
    pub square_footage: Option<f64>,
    pub bedrooms: Option<i32>,
    pub bathrooms: Option<f64>,
    pub is_occupied: Option<bool>,
    pub unit_type: Option<String>,
    pub occupant_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Resident {
    pub id: String,
    pub building_id: String,
    pub unit_id: Option<String>,
    /// The resident's account id in the web admin, when they have one.
    pub user_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_owner: bool,
    pub is_primary_resident: bool,
    /// Calendar dates as `YYYY-MM-DD`.
    pub move_in_date: Option<String>,
    pub move_out_date: Option<String>,
    /// `fr` or `en` (or whatever the admin export holds; shown as is).
    pub preferred_language: Option<String>,
    /// `email`, `sms`, `phone`, `none`… as exported by the web admin.
    pub preferred_notification_method: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum StaffRole {
    Doorman,
    Security,
    Manager,
    Admin,
}

impl StaffRole {
    pub const ALL: [StaffRole; 4] = [Self::Doorman, Self::Security, Self::Manager, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Doorman => "doorman",
            Self::Security => "security",
            Self::Manager => "manager",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct StaffMember {
    pub id: String,
    pub building_id: String,
    pub name: String,
    pub email: String,
    pub role: StaffRole,
    pub disabled: bool,
}
