//! `/v1/blobs/{sha256}`: attachment and parcel photo content, named by its SHA-256,
//! uploaded by a desk before the mutation that refers to it is pushed. See `docs/blobs.md`.
//!
//! The server trusts nothing the client says about the content: the name must be the
//! SHA-256 of the bytes, the type is sniffed from the bytes, and no file name is taken
//! (names travel in the message, cleaned, and are never used as a path). A blob is
//! building-scoped, and readable only by who may see it ([`readable_blob`]); to anyone
//! else it does not exist.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontdesk_protocol::{
    ApiError, BlobInfo, MAX_ATTACHMENT_BYTES, is_blob_sha256, is_image_type, sniff_content_type,
};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::AppState;
use crate::auth::extractor::AuthStaff;
use crate::db::now_ms;
use crate::error::{Error, Result};

/// The largest request body of the blob routes: one attachment.
pub const BLOB_BODY_LIMIT: usize = MAX_ATTACHMENT_BYTES as usize;

/// Store a blob under its SHA-256. The body is the raw content; the request's
/// Content-Type and any file name are ignored. Putting a blob the building already has
/// writes nothing and answers 200, so a restarted upload never duplicates.
#[utoipa::path(
    put,
    path = "/v1/blobs/{sha256}",
    tag = "blobs",
    params(("sha256" = String, Path, description = "SHA-256 of the body, 64 lower-case hex digits")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The attachment's bytes (at most 10 MiB)"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = BlobInfo),
        (status = 200, description = "The building already had it: nothing written", body = BlobInfo),
        (status = 400, description = "The name is not 64 lower-case hex digits (code bad_request)", body = ApiError),
        (status = 401, description = "Missing or invalid token", body = ApiError),
        (status = 413, description = "Body over 10 MiB (code payload_too_large)", body = ApiError),
        (status = 415, description = "Not a PNG, JPEG, GIF, WebP, PDF or plain UTF-8 text (code unsupported_media_type)", body = ApiError),
        (status = 422, description = "The body's SHA-256 is not the name (code digest_mismatch)", body = ApiError),
    )
)]
pub async fn put_blob(
    State(state): State<AppState>,
    auth: AuthStaff,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<BlobInfo>)> {
    check_name(&sha256)?;
    let bytes = read_limited(body, declared_length(&headers)).await?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != sha256 {
        return Err(Error::DigestMismatch(format!(
            "the body's SHA-256 is {actual}, not {sha256}: the upload was corrupted or cut short; send it again"
        )));
    }
    let content_type = sniff_content_type(&bytes).ok_or_else(|| {
        Error::UnsupportedMediaType(
            "attachments may be PNG, JPEG, GIF, WebP or PDF files, or plain UTF-8 text".into(),
        )
    })?;
    let info = BlobInfo {
        sha256,
        size: bytes.len() as u64,
        content_type: content_type.to_owned(),
    };
    let stored = sqlx::query(
        "INSERT INTO blobs \
         (building_id, sha256, size, content_type, uploaded_by, created_at_ms, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (building_id, sha256) DO NOTHING",
    )
    .bind(auth.building_id())
    .bind(&info.sha256)
    .bind(bytes.len() as i64)
    .bind(&info.content_type)
    .bind(&auth.staff.id)
    .bind(now_ms())
    .bind(bytes)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    tracing::info!(
        building = %auth.building_id(),
        staff = %auth.staff.id,
        sha256 = %info.sha256,
        size = info.size,
        content_type = %info.content_type,
        new = stored > 0,
        "blob put"
    );
    let status = if stored > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(info)))
}

/// Whether the caller may read this blob (and so whether a desk's upload can be
/// skipped): 200 with its length and type, or 404.
#[utoipa::path(
    head,
    path = "/v1/blobs/{sha256}",
    tag = "blobs",
    params(("sha256" = String, Path, description = "SHA-256 of the content")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller may read it; Content-Length and Content-Type say what it is"),
        (status = 401, description = "Missing or invalid token"),
        (status = 404, description = "No such blob, or not one the caller may read"),
    )
)]
pub async fn head_blob(
    State(state): State<AppState>,
    auth: AuthStaff,
    Path(sha256): Path<String>,
) -> Result<Response> {
    check_name(&sha256)?;
    let mut conn = state.db.pool.acquire().await?;
    let blob = readable_blob(&mut conn, &auth, &sha256, Content::Without)
        .await?
        .ok_or_else(not_found)?;
    let mut response = StatusCode::OK.into_response();
    blob_headers(response.headers_mut(), &blob)?;
    Ok(response)
}

/// The blob's bytes, with the type sniffed at upload. Served so that a browser never
/// runs it: no sniffing, a sandbox, and a download rather than a page for anything
/// but images.
#[utoipa::path(
    get,
    path = "/v1/blobs/{sha256}",
    tag = "blobs",
    params(("sha256" = String, Path, description = "SHA-256 of the content")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The content", content_type = "application/octet-stream"),
        (status = 400, description = "The name is not 64 lower-case hex digits", body = ApiError),
        (status = 401, description = "Missing or invalid token", body = ApiError),
        (status = 404, description = "No such blob, or not one the caller may read (the same answer: existence is not revealed)", body = ApiError),
    )
)]
pub async fn get_blob(
    State(state): State<AppState>,
    auth: AuthStaff,
    Path(sha256): Path<String>,
) -> Result<Response> {
    check_name(&sha256)?;
    let mut conn = state.db.pool.acquire().await?;
    let blob = readable_blob(&mut conn, &auth, &sha256, Content::With)
        .await?
        .ok_or_else(not_found)?;
    let mut response = Response::new(Body::empty());
    blob_headers(response.headers_mut(), &blob)?;
    *response.body_mut() = Body::from(blob.data.unwrap_or_default());
    Ok(response)
}

/// The size and sniffed content type of blob `sha256` uploaded to `building_id`, or
/// None when it was not. The one place that reads the `blobs` table (migration 0008) for a
/// mutation that refers to a blob: a message's attachments, a parcel's photos.
pub async fn blob_meta(
    conn: &mut AnyConnection,
    building_id: &str,
    sha256: &str,
) -> Result<Option<(u64, String)>> {
    sqlx::query("SELECT size, content_type FROM blobs WHERE building_id = $1 AND sha256 = $2")
        .bind(building_id)
        .bind(sha256)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| {
            let size: i64 = row.try_get("size")?;
            Ok((
                u64::try_from(size).map_err(Error::internal)?,
                row.try_get("content_type")?,
            ))
        })
        .transpose()
}

/// A blob as [`readable_blob`] finds it.
struct StoredBlob {
    sha256: String,
    size: i64,
    content_type: String,
    data: Option<Vec<u8>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Content {
    With,
    Without,
}

/// Who may read blob `$2` of building `$1`, for caller `$3`; [`readable_blob`], its one
/// user, is the one place that decides it:
/// - its uploader;
/// - a participant of a conversation with a message that attaches it; one who left
///   reads only what was attached before they left (a deleted message attaches nothing
///   any more);
/// - any staff member of the building, when it is a photo of a parcel: they all see
///   the building's parcels.
macro_rules! readable_where {
    () => {
        "WHERE b.building_id = $1 AND b.sha256 = $2 AND (b.uploaded_by = $3 OR EXISTS ( \
         SELECT 1 FROM message_attachments a \
         JOIN messages m ON m.id = a.message_id \
         JOIN conversations c ON c.id = m.conversation_id \
         JOIN conversation_participants p ON p.conversation_id = m.conversation_id \
         WHERE a.sha256 = b.sha256 AND c.building_id = b.building_id AND p.staff_id = $3 \
         AND (p.left_at_ms IS NULL OR m.committed_at_ms <= p.left_at_ms)) \
         OR EXISTS (SELECT 1 FROM package_photos pp \
         WHERE pp.building_id = b.building_id AND pp.sha256 = b.sha256))"
    };
}

/// The blob `sha256` of the caller's building, if the caller may read it.
async fn readable_blob(
    conn: &mut AnyConnection,
    caller: &AuthStaff,
    sha256: &str,
    content: Content,
) -> Result<Option<StoredBlob>> {
    let sql = match content {
        Content::With => {
            concat!(
                "SELECT b.sha256, b.size, b.content_type, b.data FROM blobs b ",
                readable_where!()
            )
        }
        Content::Without => {
            concat!(
                "SELECT b.sha256, b.size, b.content_type FROM blobs b ",
                readable_where!()
            )
        }
    };
    let row = sqlx::query(sql)
        .bind(caller.building_id())
        .bind(sha256)
        .bind(&caller.staff.id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| {
        Ok(StoredBlob {
            sha256: row.try_get("sha256")?,
            size: row.try_get("size")?,
            content_type: row.try_get("content_type")?,
            data: match content {
                Content::With => Some(row.try_get("data")?),
                Content::Without => None,
            },
        })
    })
    .transpose()
}

fn check_name(sha256: &str) -> Result<()> {
    if is_blob_sha256(sha256) {
        Ok(())
    } else {
        Err(Error::BadRequest(
            "a blob is named by the SHA-256 of its content: 64 lower-case hex digits".into(),
        ))
    }
}

fn not_found() -> Error {
    Error::NotFound("no such blob".into())
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Reads the whole body, refusing it (413) as soon as it is over one attachment:
/// a declared length over it is refused before reading anything, and a body without
/// one (chunked) is cut off once it passes the limit, so a client can never make the
/// server hold more than that.
async fn read_limited(body: Body, declared: Option<u64>) -> Result<Vec<u8>> {
    let too_large = || Error::PayloadTooLarge {
        limit: BLOB_BODY_LIMIT,
    };
    if declared.is_some_and(|len| len > MAX_ATTACHMENT_BYTES) {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Error::BadRequest(format!("the upload was cut short: {e}; send it again"))
        })?;
        if bytes.len() + chunk.len() > BLOB_BODY_LIMIT {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn blob_headers(headers: &mut HeaderMap, blob: &StoredBlob) -> Result<()> {
    let value = |v: &str| HeaderValue::from_str(v).map_err(Error::internal);
    headers.insert(header::CONTENT_TYPE, value(&blob.content_type)?);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(blob.size));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Opened directly in a browser, the content can run nothing and load nothing.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'"),
    );
    let disposition = if is_image_type(&blob.content_type) {
        "inline"
    } else {
        "attachment"
    };
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(disposition),
    );
    // The content never changes under its name; only who may read it does.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    headers.insert(header::ETAG, value(&format!("\"{}\"", blob.sha256))?);
    Ok(())
}
