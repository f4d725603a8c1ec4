//! `ApiJson`: axum's `Json` extractor, answering bad bodies with our `ApiError` shape.

use axum::extract::FromRequest;

use crate::error::Error;

#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct ApiJson<T>(pub T);
