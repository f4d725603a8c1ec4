//! The error body every endpoint answers with on failure.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    BadRequest,
    InvalidCredentials,
    AccountDisabled,
    Unauthorized,
    Forbidden,
    NotFound,
    RateLimited,
    PayloadTooLarge,
    Internal,
}

/// `{"code": "...", "message": "..."}`: `code` is for programs, `message` for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}
