//! `/v1/sync/*`: pages of the caller's building change log (`pull`), and the desk's
//! writes (`push`, applied by [`crate::mutations`]).

use axum::Json;
use axum::extract::{Query, State};
use frontdesk_protocol::{
    ApiError, DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, MAX_PUSH_BATCH, MutationOutcome, PullResponse,
    PushRequest, PushResponse,
};
use serde::Deserialize;

use crate::auth::extractor::AuthStaff;
use crate::error::{Error, Result};
use crate::mutations::{self, Caller};
use crate::{AppState, changelog, json::ApiJson};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullParams {
    /// Return changes with a sequence number above this (the desk's cursor). Default 0,
    /// which is always served; a cursor above the head, or below the compaction horizon
    /// (unless `horizon` is that horizon), gets 410 `cursor_expired`.
    pub after: Option<i64>,
    /// The `horizon_seq` of the previous page this desk applied. It lets a desk reading
    /// the compacted log from 0, page by page, go on below the horizon.
    pub horizon: Option<i64>,
    /// Page size; default 1000, capped at 5000.
    pub limit: Option<u32>,
}

/// Changes of the caller's building after a cursor, in sequence order: those the
/// caller may see (a conversation's go to its participants only, see `messaging`). A cursor the
/// log no longer serves (below its compaction horizon, or above its head) gets 410
/// `cursor_expired`; after=0 is always served, and so are the next pages of a desk
/// reading from 0 while the horizon stays where it was.
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
        (status = 410, description = "The cursor is no longer served (code cursor_expired): the log was compacted past it, or it is ahead of the building's head (a restored or different server). Pull from after=0: a full resync", body = ApiError),
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
    let (page, horizon_seq) =
        changelog::read_page_for_cursor(
            &mut conn,
            auth.building_id(),
            changelog::Reader::Staff(&auth.staff.id),
            after,
            params.horizon,
            limit,
        )
        .await
        .inspect_err(|e| {
            if let Error::CursorExpired(why) = e {
                tracing::info!(building = %auth.building_id(), staff = %auth.staff.id, "pull refused: {why}");
            }
        })?;
    Ok(Json(PullResponse {
        changes: page.changes,
        has_more: page.has_more,
        head_seq: page.head_seq,
        horizon_seq,
    }))
}

/// Apply the desk's mutations, in order, each at most once (the mutation id is the
/// idempotency key). One result per mutation, in the order sent.
///
/// Each mutation commits on its own: if the database fails mid-batch the request
/// answers 500, the mutations before the failure stay committed, and the desk's
/// resend gets them back as duplicates.
#[utoipa::path(
    post,
    path = "/v1/sync/push",
    tag = "sync",
    request_body = PushRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One result per mutation: applied (with its sequence number), rejected (with a reason), or a duplicate carrying the first result", body = PushResponse),
        (status = 400, description = "Malformed body, or more than 500 mutations (code bad_request)", body = ApiError),
        (status = 401, description = "Missing or invalid token", body = ApiError),
        (status = 413, description = "Body over 1 MiB (code payload_too_large)", body = ApiError),
        (status = 500, description = "Database failure; nothing of this push was committed: resend all of it", body = ApiError),
    )
)]
pub async fn push(
    State(state): State<AppState>,
    auth: AuthStaff,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>> {
    let n = req.mutations.len();
    if n > MAX_PUSH_BATCH {
        return Err(Error::BadRequest(format!(
            "a push carries at most {MAX_PUSH_BATCH} mutations, this one has {n}: send them in several pushes"
        )));
    }
    let caller = Caller::from(&auth);
    let results = mutations::push_batch(&state.db, &caller, &req.mutations).await?;
    if results
        .iter()
        .any(|r| !r.duplicate && matches!(r.outcome, MutationOutcome::Applied { .. }))
    {
        // Committed with changes: the building's WebSockets get them from the log.
        state.hub.poke(&caller.building_id);
    }
    let duplicates = results.iter().filter(|r| r.duplicate).count();
    let rejected = results
        .iter()
        .filter(|r| !r.duplicate && matches!(r.outcome, MutationOutcome::Rejected { .. }))
        .count();
    tracing::info!(
        building = %caller.building_id,
        staff = %caller.staff_id,
        mutations = n,
        applied = n - duplicates - rejected,
        rejected,
        duplicates,
        "push"
    );
    Ok(Json(PushResponse { results }))
}
