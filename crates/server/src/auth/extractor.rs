//! `AuthStaff`: the signed-in staff member behind a request's bearer token.
//!
//! Handlers that take it cannot run unauthenticated, and get the caller's building to
//! scope every query by.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use frontdesk_protocol::{Building, StaffMember};

use crate::AppState;
use crate::auth::{store, token};
use crate::db::now_ms;
use crate::error::Error;

#[derive(Debug, Clone)]
pub struct AuthStaff {
    pub staff: StaffMember,
    pub building: Building,
    pub expires_at_ms: i64,
    /// Lets logout revoke exactly this session.
    pub token_hash: String,
}

impl AuthStaff {
    pub fn building_id(&self) -> &str {
        &self.building.id
    }
}

impl FromRequestParts<AppState> for AuthStaff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(Error::Unauthorized)?;
        let (scheme, token) = header.split_once(' ').ok_or(Error::Unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(Error::Unauthorized);
        }
        let token_hash = token::hash(token.trim());
        let mut conn = state.db.pool.acquire().await?;
        let session = store::live_session(&mut conn, &token_hash, now_ms())
            .await?
            .ok_or(Error::Unauthorized)?;
        Ok(Self {
            staff: session.staff,
            building: session.building,
            expires_at_ms: session.expires_at_ms,
            token_hash,
        })
    }
}

/// The peer address of the connection, when the server was started with connect info
/// (see `serve`). Forwarded-for headers are deliberately ignored: anyone can send them,
/// and trusting them would let one client dodge the per-address sign-in limit.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}
