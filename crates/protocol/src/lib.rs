//! Wire types shared by the desk and the building server.
//!
//! Everything here is plain data (serde). The TypeScript side of the desk imports the
//! ts-rs bindings generated from these types (`ui/src/bindings`), so a field is declared
//! once, here. Timestamps on the wire are Unix milliseconds (`*_ms`), which JSON numbers
//! carry exactly and both languages handle without a date library.

pub mod auth;
pub mod blobs;
pub mod directory;
pub mod error;
pub mod instructions;
pub mod messaging;
pub mod mutation;
pub mod notices;
pub mod packages;
pub mod sync;
pub mod ws;

pub use auth::*;
pub use blobs::*;
pub use directory::*;
pub use error::*;
pub use instructions::*;
pub use messaging::*;
pub use mutation::*;
pub use notices::*;
pub use packages::*;
pub use sync::*;
pub use ws::*;

/// API version prefix of every HTTP route.
pub const API_PREFIX: &str = "/v1";
