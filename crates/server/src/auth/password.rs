//! Argon2id password hashing, off the async runtime.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

use crate::error::{Error, Result};

pub const MIN_PASSWORD_LEN: usize = 8;

pub fn check_password_policy(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::InvalidInput(format!(
            "password too short: it needs at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    Ok(())
}

/// Hashes with Argon2id and the crate's default cost; the result is a PHC string that
/// carries its own parameters, so raising the cost later keeps old hashes verifiable.
pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(Error::internal)?
}

fn hash_blocking(password: &str) -> Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(Error::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// Checks `password` against `stored`, or against a dummy hash when there is no
/// account: an unknown email then costs as much time as a wrong password, so response
/// times do not reveal which emails have accounts.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let stored = match stored {
            Some(s) => s,
            None => dummy_hash()?.to_owned(),
        };
        let parsed = PasswordHash::new(&stored).map_err(Error::internal)?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok)
    })
    .await
    .map_err(Error::internal)?
}

fn dummy_hash() -> Result<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let h = hash_blocking("not a real password: no account has it")?;
    Ok(DUMMY.get_or_init(|| h))
}

/// Computes the dummy hash ahead of the first sign-in so that one is not slower.
pub async fn warm_up() -> Result<()> {
    tokio::task::spawn_blocking(|| dummy_hash().map(|_| ()))
        .await
        .map_err(Error::internal)?
}
