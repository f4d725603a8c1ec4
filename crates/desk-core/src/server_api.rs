//! server_api
