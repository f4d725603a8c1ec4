//! `GET /v1/conversations/{id}/messages`: a conversation's past, for its participants.

use axum::Json;
use axum::extract::{Path, Query, State};
use frontdesk_protocol::{ApiError, ConversationHistory, DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT};
use serde::Deserialize;

use super::store;
use crate::AppState;
use crate::auth::extractor::AuthStaff;
use crate::error::{Error, Result};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Messages numbered below this (default: from the latest).
    pub before_no: Option<i64>,
    /// Page size; default 100, capped at 500.
    pub limit: Option<u32>,
}

/// The latest messages of a conversation before `before_no`, oldest first, with their
/// reactions and every participant's receipt. For its current participants only: any
/// other conversation, existing or not, is 404 (its existence is not revealed).
#[utoipa::path(
    get,
    path = "/v1/conversations/{id}/messages",
    tag = "messaging",
    params(("id" = String, Path, description = "Conversation id"), HistoryParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the conversation's messages", body = ConversationHistory),
        (status = 400, description = "Bad query parameters", body = ApiError),
        (status = 401, description = "Missing or invalid token", body = ApiError),
        (status = 404, description = "No such conversation among the caller's", body = ApiError),
    )
)]
pub async fn history(
    State(state): State<AppState>,
    auth: AuthStaff,
    Path(id): Path<String>,
    params: std::result::Result<Query<HistoryParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ConversationHistory>> {
    let Query(params) = params?;
    let before_no = params.before_no.unwrap_or(i64::MAX);
    if before_no < 1 {
        return Err(Error::BadRequest("before_no must be at least 1".into()));
    }
    let limit = params
        .limit
        .unwrap_or(DEFAULT_HISTORY_LIMIT)
        .clamp(1, MAX_HISTORY_LIMIT);
    let mut conn = state.db.pool.acquire().await?;
    let conversation = match store::conversation(&mut conn, auth.building_id(), &id).await? {
        Some(c) if store::is_current(&c, &auth.staff.id) => c,
        _ => return Err(Error::NotFound(format!("no conversation {id} of yours"))),
    };
    let (messages, reactions, has_more) =
        store::history(&mut conn, &conversation.id, before_no, limit).await?;
    let receipts = store::receipts(&mut conn, &conversation.id).await?;
    Ok(Json(ConversationHistory {
        conversation,
        messages,
        reactions,
        receipts,
        has_more,
    }))
}
