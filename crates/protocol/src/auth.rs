//! Staff sign-in.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Building, StaffMember};

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A signed-in session. The token is opaque; the server stores only its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Session {
    pub token: String,
    #[ts(type = "number")]
    pub expires_at_ms: i64,
    pub staff: StaffMember,
    pub building: Building,
}

/// What `GET /v1/auth/me` answers: who the token belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Me {
    pub staff: StaffMember,
    pub building: Building,
    #[ts(type = "number")]
    pub expires_at_ms: i64,
}
