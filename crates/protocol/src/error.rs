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
    /// 415 on `PUT /v1/blobs/{sha256}`: the content is not of a type attachments may
    /// have (see `sniff_content_type`).
    UnsupportedMediaType,
    /// 422 on `PUT /v1/blobs/{sha256}`: the body's SHA-256 is not the name it was put
    /// under.
    DigestMismatch,
    /// 410 on `GET /v1/sync/pull`: the server no longer serves changes after this
    /// cursor (its log was compacted past it, or the cursor is ahead of the building's
    /// head). Pull from 0 instead: a full resync.
    CursorExpired,
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
