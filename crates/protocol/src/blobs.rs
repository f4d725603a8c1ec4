//! Attachment content as blobs named by their SHA-256 (`/v1/blobs/{sha256}`); the
//! naming and content rules are in [`crate::messaging`]. See `docs/blobs.md`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the server holds under a blob's name, as `PUT /v1/blobs/{sha256}` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct BlobInfo {
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
    /// As the server sniffed it from the bytes.
    pub content_type: String,
}
