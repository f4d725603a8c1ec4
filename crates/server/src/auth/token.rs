//! Session tokens: random bearer secrets, stored only as their SHA-256.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes as lowercase hex: URL-safe and needs no escaping in headers.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
