//! `GET /healthz`: for load balancers and scripts; no auth.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::AppState;
use crate::error::{Error, Result};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`; any failure answers an `ApiError` instead.
    pub status: &'static str,
}

/// 200 once the database answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    responses(
        (status = 200, description = "Server and database are up", body = Health),
        (status = 500, description = "Database unreachable", body = frontdesk_protocol::ApiError),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>> {
    state
        .db
        .ping()
        .await
        .map_err(|e| Error::Internal(format!("health check: {e}")))?;
    Ok(Json(Health { status: "ok" }))
}
