//! `/v1/auth/*`: sign in, sign out, who am I.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frontdesk_protocol::{ApiError, LoginRequest, Me, Session};

use crate::auth::extractor::{AuthStaff, ClientAddr};
use crate::auth::{password, store, token};
use crate::db::now_ms;
use crate::directory::store as directory_store;
use crate::error::{Error, Result};
use crate::{AppState, json::ApiJson};

/// Sign in with email and password; answers a bearer token for the other endpoints.
#[utoipa::path(
    post,
    path = "/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = Session),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "Wrong email or password (code invalid_credentials)", body = ApiError),
        (status = 403, description = "Right password, disabled account (code account_disabled)", body = ApiError),
        (status = 429, description = "Too many attempts (code rate_limited; see Retry-After)", body = ApiError),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<Session>> {
    let email = store::normalize_email(&req.email);
    state.login_limiter.check(&email, addr)?;

    let found = {
        let mut conn = state.db.pool.acquire().await?;
        store::find_staff_by_email(&mut conn, &email).await?
    };
    let (stored_hash, staff) = match found {
        Some(f) => (Some(f.password_hash), Some(f.staff)),
        None => (None, None),
    };
    let password_ok = password::verify(req.password, stored_hash).await?;
    let staff = match staff {
        Some(staff) if password_ok => staff,
        _ => {
            tracing::info!(email = %email, ?addr, "sign-in refused: invalid credentials");
            return Err(Error::InvalidCredentials);
        }
    };
    if staff.disabled {
        tracing::info!(email = %email, "sign-in refused: account disabled");
        return Err(Error::AccountDisabled);
    }

    let token = token::generate();
    let now = now_ms();
    let lifetime_ms = i64::try_from(state.config.session_lifetime.as_millis()).unwrap_or(i64::MAX);
    let expires_at_ms = now.saturating_add(lifetime_ms);
    let mut conn = state.db.pool.acquire().await?;
    store::insert_session(&mut conn, &token::hash(&token), &staff, now, expires_at_ms).await?;
    let building = directory_store::get_building(&mut conn, &staff.building_id)
        .await?
        .ok_or_else(|| Error::Internal(format!("staff {} has no building", staff.id)))?;
    tracing::info!(email = %email, building = %building.id, "signed in");
    Ok(Json(Session {
        token,
        expires_at_ms,
        staff,
        building,
    }))
}

/// Revoke the caller's session token.
#[utoipa::path(
    post,
    path = "/v1/auth/logout",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out; the token no longer works"),
        (status = 401, description = "Missing or invalid token", body = ApiError),
    )
)]
pub async fn logout(State(state): State<AppState>, auth: AuthStaff) -> Result<StatusCode> {
    let mut conn = state.db.pool.acquire().await?;
    store::revoke_session(&mut conn, &auth.token_hash, now_ms()).await?;
    tracing::info!(email = %auth.staff.email, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to.
#[utoipa::path(
    get,
    path = "/v1/auth/me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in staff member", body = Me),
        (status = 401, description = "Missing or invalid token", body = ApiError),
    )
)]
pub async fn me(auth: AuthStaff) -> Json<Me> {
    Json(Me {
        staff: auth.staff,
        building: auth.building,
        expires_at_ms: auth.expires_at_ms,
    })
}
