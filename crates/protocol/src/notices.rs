//! What the building server did to tell a resident about a parcel: one notice per
//! package and kind (the intake notice, then reminders), written by the server's
//! notifier and sent to the desks through the change log (`package_notice_upserted`),
//! so the package page shows whether the resident was told, and why not.
//!
//! Several notices of one resident go out as one email; each notice still records
//! its own outcome.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The actor of the package events the server writes by itself (the move to
/// `notified` once the mail was accepted), in [`crate::PackageEvent::by`]: no staff
/// member did it.
pub const NOTIFIER_ACTOR: &str = "system:notifier";

/// Longest error kept on a notice, in characters (an SMTP reply can be long).
pub const MAX_NOTICE_ERROR_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NoticeKind {
    /// Sent when the parcel is taken in.
    Intake,
    /// Sent when the parcel has waited on the shelf for several days.
    Reminder,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intake => "intake",
            Self::Reminder => "reminder",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Intake, Self::Reminder]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NoticeState {
    /// Waiting to be sent (grouping window, or a retry after a failed attempt).
    Queued,
    /// The mail server accepted the email.
    Sent,
    /// Given up after repeated failures; `last_error` says why.
    Failed,
    /// Not sent, on purpose: `last_error` says why (the resident's preference, no
    /// email address, or the parcel left the shelf before the mail went).
    Skipped,
}

impl NoticeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Queued, Self::Sent, Self::Failed, Self::Skipped]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One attempt, or decision, to tell a resident about one parcel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PackageNotice {
    pub id: String,
    pub package_id: String,
    pub building_id: String,
    pub resident_id: Option<String>,
    pub kind: NoticeKind,
    pub state: NoticeState,
    /// Delivery attempts made so far.
    pub attempts: u32,
    /// The last attempt's error, or why the notice was skipped.
    pub last_error: Option<String>,
    #[ts(type = "number | null")]
    pub last_attempt_at_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub sent_at_ms: Option<i64>,
    #[ts(type = "number")]
    pub created_at_ms: i64,
}
