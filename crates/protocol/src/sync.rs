//! The change log as the desks see it: `GET /v1/sync/pull?after=SEQ`.
//!
//! Every committed change in a building gets the next number of that building's
//! sequence. A desk keeps the last sequence it applied (its cursor) and pulls after it.
//!
//! The server may compact the log (drop changes superseded by a later change of the
//! same entity, and old deletions) up to a horizon. Pulled from 0, the compacted log
//! still yields the whole current state, with gaps in the sequence numbers; pulled
//! after an older cursor it would not, so the server answers 410 `cursor_expired` and
//! the desk reloads from 0 (a full resync).

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    Audience, Building, Conversation, ConversationPref, Instruction, Message, Package,
    PackageEvent, PackageNotice, PackagePhoto, Reaction, Receipt, Resident, StaffMember, Unit,
};

/// Most changes one pull page carries, whatever the desk asks for.
pub const MAX_PULL_LIMIT: u32 = 5_000;
/// Page size when the desk does not say.
pub const DEFAULT_PULL_LIMIT: u32 = 1_000;

/// What changed. Upserts carry the whole new record, so applying a change never needs
/// the previous state, and applying the same change twice is harmless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
#[ts(export)]
pub enum ChangeBody {
    BuildingUpserted(Building),
    UnitUpserted(Unit),
    UnitDeleted {
        id: String,
    },
    ResidentUpserted(Resident),
    ResidentDeleted {
        id: String,
    },
    StaffUpserted(StaffMember),
    InstructionUpserted(Instruction),
    InstructionDeleted {
        id: String,
    },
    PackageUpserted(Package),
    PackageEventAdded(PackageEvent),
    /// What the server did to tell the resident about a parcel (see `notices`).
    PackageNoticeUpserted(PackageNotice),
    /// A photo of a parcel (its blob readable by the building's staff).
    PackagePhotoAdded(PackagePhoto),
    /// A conversation and its participants (seen by its participants only, like every
    /// messaging change but the preferences, which only their user sees).
    ConversationUpserted(Conversation),
    /// A new message, or an edited or deleted one (messages are never removed from the log).
    MessageUpserted(Message),
    ReactionUpserted(Reaction),
    ReceiptUpserted(Receipt),
    ConversationPrefUpserted(ConversationPref),
}

impl ChangeBody {
    /// The entity kind and id this change is about, as stored in the change log.
    pub fn entity(&self) -> (&'static str, std::borrow::Cow<'_, str>) {
        let (kind, id) = match self {
            Self::BuildingUpserted(b) => ("building", &b.id),
            Self::UnitUpserted(u) => ("unit", &u.id),
            Self::UnitDeleted { id } => ("unit", id),
            Self::ResidentUpserted(r) => ("resident", &r.id),
            Self::ResidentDeleted { id } => ("resident", id),
            Self::StaffUpserted(s) => ("staff", &s.id),
            Self::InstructionUpserted(i) => ("instruction", &i.id),
            Self::InstructionDeleted { id } => ("instruction", id),
            Self::PackageUpserted(p) => ("package", &p.id),
            Self::PackageEventAdded(e) => ("package_event", &e.id),
            Self::PackageNoticeUpserted(n) => ("package_notice", &n.id),
            Self::ConversationUpserted(c) => ("conversation", &c.id),
            Self::MessageUpserted(m) => ("message", &m.id),
            Self::PackagePhotoAdded(p) => return ("package_photo", p.entity_id().into()),
            Self::ReactionUpserted(r) => return ("reaction", r.entity_id().into()),
            Self::ReceiptUpserted(r) => return ("receipt", r.entity_id().into()),
            Self::ConversationPrefUpserted(p) => {
                return ("conversation_pref", p.entity_id().into());
            }
        };
        (kind, std::borrow::Cow::Borrowed(id.as_str()))
    }

    /// Who may see this change (the server filters pulls and live frames by it).
    pub fn audience(&self) -> Audience<'_> {
        match self {
            Self::ConversationUpserted(c) => Audience::Conversation(&c.id),
            Self::MessageUpserted(m) => Audience::Conversation(&m.conversation_id),
            Self::ReactionUpserted(r) => Audience::Conversation(&r.conversation_id),
            Self::ReceiptUpserted(r) => Audience::Conversation(&r.conversation_id),
            Self::ConversationPrefUpserted(p) => Audience::Staff(&p.staff_id),
            _ => Audience::Building,
        }
    }

    /// A tombstone: the entity is gone. Log compaction drops these once they are
    /// beyond its horizon (a desk reloading from 0 never had the entity).
    pub fn is_deletion(&self) -> bool {
        matches!(
            self,
            Self::UnitDeleted { .. }
                | Self::ResidentDeleted { .. }
                | Self::InstructionDeleted { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Change {
    #[ts(type = "number")]
    pub seq: i64,
    #[ts(type = "number")]
    pub committed_at_ms: i64,
    /// The desk mutation that caused this change, when one did (lets a desk recognise
    /// the echo of its own write).
    pub mutation_id: Option<Uuid>,
    pub body: ChangeBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PullResponse {
    /// Changes with `seq > after`, in sequence order.
    pub changes: Vec<Change>,
    /// True when more changes follow this page: pull again after the last one.
    pub has_more: bool,
    /// The building's latest sequence number at the time of the pull. When
    /// `has_more` is false the page brought everything up to it, even if its last
    /// change is older (compaction may have dropped the newest ones, deletions): the
    /// desk's cursor moves to `head_seq`.
    #[ts(type = "number")]
    pub head_seq: i64,
    /// The compaction horizon this page is consistent with: changes at or below it may
    /// have been compacted away. Send it back as `horizon` with the next pull: that is
    /// what lets a desk reading from 0 go on while its cursor is below the horizon.
    /// (0 when an older server leaves it out.)
    #[serde(default)]
    #[ts(type = "number")]
    pub horizon_seq: i64,
}
