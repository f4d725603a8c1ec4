//! The server's one error type, and how each case answers over HTTP.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontdesk_protocol::{ApiError, ErrorCode};

use crate::directory::import::RowProblem;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    /// Bad input from the command line or a config value (not an HTTP request).
    #[error("{0}")]
    InvalidInput(String),
    /// Deliberately the same message for an unknown email and a wrong password.
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("this account is disabled")]
    AccountDisabled,
    #[error("missing, invalid or expired session token")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    #[error("too many sign-in attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    DigestMismatch(String),
    /// The desk's pull cursor is one this log no longer serves (see
    /// `changelog::read_page_for_cursor`): 410, and the desk reloads from 0.
    #[error("{0}")]
    CursorExpired(String),
    #[error("{file}: {} problem(s), nothing was imported:\n{}", problems.len(), format_problems(problems))]
    ImportRejected {
        file: String,
        problems: Vec<RowProblem>,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Internal(String),
}

fn format_problems(problems: &[RowProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            Self::BadRequest(_) | Self::InvalidInput(_) | Self::ImportRejected { .. } => {
                (StatusCode::BAD_REQUEST, ErrorCode::BadRequest)
            }
            Self::InvalidCredentials => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials),
            Self::AccountDisabled => (StatusCode::FORBIDDEN, ErrorCode::AccountDisabled),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            Self::PayloadTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
            }
            Self::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ),
            Self::DigestMismatch(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::DigestMismatch)
            }
            Self::CursorExpired(_) => (StatusCode::GONE, ErrorCode::CursorExpired),
            Self::Database(_) | Self::Migration(_) | Self::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error() {
            // The details go to the log, not to the client.
            tracing::error!(error = %self, "request failed");
            "internal server error".to_owned()
        } else {
            self.to_string()
        };
        let mut response = (status, axum::Json(ApiError { code, message })).into_response();
        if let Self::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<axum::extract::rejection::JsonRejection> for Error {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge {
                limit: crate::BODY_LIMIT_BYTES,
            }
        } else {
            Self::BadRequest(rejection.body_text())
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for Error {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}
