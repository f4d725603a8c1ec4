//! Staff messaging as the desk sees it: conversations and threads from the server's
//! rows, with this desk's queued writes laid over them, so a message sent during an
//! outage is in its thread at once (`sending`), and every state after that follows from
//! data that only moves forward (see [`states`]).
//!
//! The tables hold the conversations of one staff member, the one signed in: signing
//! in as someone else at this desk empties them and pulls again (see
//! [`crate::Desk::sign_in`]).

pub(crate) mod apply;
pub mod follow;
mod overlay;
pub mod states;
pub mod store;
pub mod views;
pub mod write;

pub use views::{
    ConversationDetail, ConversationFilter, ConversationQuery, ConversationSummary, MessageAlert,
    MessagePage, MessagePreview, MessageState, MessageView, ParticipantView, ReactionCount,
    StaffOption,
};
