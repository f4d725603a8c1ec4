//! Staff messaging: conversations, messages, attachments, reactions, receipts and
//! per-user flags (see `docs/messaging.md`).
//!
//! Writes are desk mutations ([`apply`], called by `mutations`); every record reaches
//! the desks through the change log, where each change carries its audience, so pulls
//! (`changelog::Reader`) and live frames (`fanout`, `ws`) serve a conversation's
//! changes to its participants only. [`routes`] serves a conversation's past to a
//! desk that joined it late. [`store`] holds the queries.

pub mod apply;
pub mod routes;
pub mod store;
