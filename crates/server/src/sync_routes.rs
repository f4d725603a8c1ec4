//! `GET /v1/sync/pull`: pages of the caller's building change log.

use axum::Json;
use axum::extract::{Query, State};
use frontdesk_protocol::{ApiError, DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, PullResponse};
use serde::Deserialize;

use crate::AppState;
use crate::auth::extractor::AuthStaff;
use crate::changelog;
use crate::error::{Error, Result};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullParams {
    /// Return changes with a sequence number above this (the desk's cursor). Default 0.
    pub after: Option<i64>,
    /// Page size; default 1000, capped at 5000.
    pub limit: Option<u32>,
}

/// Changes of the caller's building after a cursor, in sequence order.
#[utoipa::path(
    get,
    path = "/v1/sync/pull",
    tag = "sync",
    params(PullParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of changes", body = PullResponse),
        (status = 400, description = "Bad query parameters", body = ApiError),
        (status = 401, description = "Missing or invalid token", body = ApiError),
    )
)]
pub async fn pull(
    State(state): State<AppState>,
    auth: AuthStaff,
    params: std::result::Result<Query<PullParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PullResponse>> {
    let Query(params) = params?;
    let after = params.after.unwrap_or(0);
    if after < 0 {
        return Err(Error::BadRequest("after must not be negative".into()));
    }
    let limit = params
        .limit
        .unwrap_or(DEFAULT_PULL_LIMIT)
        .clamp(1, MAX_PULL_LIMIT);
    let mut conn = state.db.pool.acquire().await?;
    let page = changelog::read_page(&mut conn, auth.building_id(), after, limit).await?;
    Ok(Json(PullResponse {
        changes: page.changes,
        has_more: page.has_more,
        head_seq: page.head_seq,
    }))
}
