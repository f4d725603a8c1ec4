//! Staff accounts, passwords, sessions and sign-in.

pub mod accounts;
pub mod extractor;
pub mod password;
pub mod rate_limit;
pub mod routes;
pub mod store;
pub mod token;
