//! Staff messaging: conversations, messages, attachments, reactions and receipts.
//!
//! Every write is a desk mutation through the outbox, and every record reaches the
//! other desks through the building's change log, like any other record. What is
//! different is who may see it: a conversation's changes carry an [`Audience`], and the
//! server serves them (pull and WebSocket) only to its participants; a per-user flag
//! only to its user. See `docs/messaging.md`.
//!
//! Order: the server numbers a conversation's messages `1, 2, 3…` (`Message::no`) in
//! commit order. Delivered and read are per-(conversation, user) watermarks over those
//! numbers, which only move forward (`max`), so a retried or reordered receipt can never
//! move one back.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

/// Longest message text, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// Longest conversation title, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
/// Most participants of one conversation, creator included.
pub const MAX_PARTICIPANTS: usize = 50;
/// Most attachments on one message.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;
/// Largest attachment, in bytes (checked by the desk before queueing, and by the server).
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;
/// Longest attachment file name kept, in characters.
pub const MAX_ATTACHMENT_NAME_CHARS: usize = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConversationKind {
    /// Two people; its id is [`direct_conversation_id`] of them, so two desks opening
    /// one (even offline, at the same time) open the same conversation.
    Direct,
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ParticipantRole {
    /// Created the conversation; may add people and rename it.
    Owner,
    Member,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Participant {
    pub staff_id: String,
    pub role: ParticipantRole,
    #[ts(type = "number")]
    pub joined_at_ms: i64,
    /// Set once they left (or were removed); they keep what they saw until then.
    #[ts(type = "number | null")]
    pub left_at_ms: Option<i64>,
}

/// A conversation with its participants (the whole list in every upsert, so a desk
/// never needs an older version to apply it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Conversation {
    pub id: String,
    pub building_id: String,
    pub kind: ConversationKind,
    pub title: Option<String>,
    pub created_by: String,
    #[ts(type = "number")]
    pub created_at_ms: i64,
    pub participants: Vec<Participant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MessageKind {
    /// Written by staff.
    Text,
    /// Written by the server about the conversation ("Marie added Paul"); `text` is
    /// the English wording, `system` the structured event the desk words itself.
    System,
}

/// What a system message records, for the desk to word in its own language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "event", rename_all = "snake_case")]
#[ts(export)]
pub enum SystemEvent {
    Created { by: String },
    Added { by: String, staff_ids: Vec<String> },
    Left { staff_id: String },
    Renamed { by: String, title: Option<String> },
}

/// A file attached to a message, uploaded beforehand as a blob (`PUT /v1/blobs/{sha256}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Attachment {
    /// Lower-case hex SHA-256 of the content: the blob's name.
    pub sha256: String,
    /// For display only, cleaned by [`clean_attachment_name`]; never a path.
    pub name: String,
    /// As the server sniffed it from the content ([`sniff_content_type`]), never as
    /// the client said.
    pub content_type: String,
    #[ts(type = "number")]
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Message {
    /// UUID v7, made by the sending desk.
    pub id: String,
    pub conversation_id: String,
    /// Position in the conversation, 1, 2, 3… in commit order (set by the server).
    #[ts(type = "number")]
    pub no: i64,
    pub kind: MessageKind,
    /// Staff id; for a system message, who caused it.
    pub sender_id: String,
    /// Empty once deleted. Plain text: desks render it as text, never as HTML.
    pub text: String,
    pub system: Option<SystemEvent>,
    pub attachments: Vec<Attachment>,
    /// When it was written, by the sending desk's clock (shown, never trusted for order).
    #[ts(type = "number")]
    pub sent_at_ms: i64,
    /// When the server committed it.
    #[ts(type = "number")]
    pub committed_at_ms: i64,
    #[ts(type = "number | null")]
    pub edited_at_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub deleted_at_ms: Option<i64>,
}

/// The small set of reactions a desk offers (the UI draws each as an emoji).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReactionKind {
    ThumbsUp,
    Heart,
    Laugh,
    Check,
    Eyes,
    Pray,
}

impl ReactionKind {
    pub const ALL: [Self; 6] = [
        Self::ThumbsUp,
        Self::Heart,
        Self::Laugh,
        Self::Check,
        Self::Eyes,
        Self::Pray,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ThumbsUp => "thumbs_up",
            Self::Heart => "heart",
            Self::Laugh => "laugh",
            Self::Check => "check",
            Self::Eyes => "eyes",
            Self::Pray => "pray",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One user's reaction of one kind on one message: on or off. An upsert, so setting
/// it twice is harmless and the last committed one wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Reaction {
    pub conversation_id: String,
    pub message_id: String,
    pub staff_id: String,
    pub reaction: ReactionKind,
    pub active: bool,
    #[ts(type = "number")]
    pub at_ms: i64,
}

impl Reaction {
    /// The change-log entity id: one per (message, user, kind).
    pub fn entity_id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.message_id,
            self.staff_id,
            self.reaction.as_str()
        )
    }
}

/// How far one participant's desk has received and read a conversation: every message
/// with `no` at or below the watermark. Watermarks only move forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Receipt {
    pub conversation_id: String,
    pub staff_id: String,
    #[ts(type = "number")]
    pub delivered_through: i64,
    #[ts(type = "number")]
    pub read_through: i64,
    #[ts(type = "number")]
    pub updated_at_ms: i64,
}

impl Receipt {
    pub fn entity_id(&self) -> String {
        format!("{}/{}", self.conversation_id, self.staff_id)
    }
}

/// One user's own settings for a conversation, seen only by that user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct ConversationPref {
    pub conversation_id: String,
    pub staff_id: String,
    pub important: bool,
}

impl ConversationPref {
    pub fn entity_id(&self) -> String {
        format!("{}/{}", self.conversation_id, self.staff_id)
    }
}

/// Who may see a change, as stored beside it in the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience<'a> {
    /// Every desk of the building.
    Building,
    /// The conversation's participants (including those who left, for the changes up
    /// to their leaving).
    Conversation(&'a str),
    /// One staff member.
    Staff(&'a str),
}

// --- mutations -------------------------------------------------------------------

/// Opening a conversation (mutation `conversation_create`). The creator is a
/// participant without being listed. A direct conversation's id must be
/// [`direct_conversation_id`] of its two people, and creating one that exists is a
/// no-op that answers applied: both desks then simply use it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct ConversationCreate {
    pub id: String,
    pub kind: ConversationKind,
    pub title: Option<String>,
    /// The others (staff ids of the caller's building).
    pub participant_ids: Vec<String>,
}

/// Adding people to a group conversation (mutation `conversation_add`); any
/// participant may. Adding someone already in it is not an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct ConversationAdd {
    pub conversation_id: String,
    pub staff_ids: Vec<String>,
}

/// A reference to an uploaded blob, as the sending desk gives it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct AttachmentRef {
    pub sha256: String,
    pub name: String,
}

/// Posting a message (mutation `message_send`). Its attachments must have been
/// uploaded before (the desk's pusher uploads them first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct MessageSend {
    pub id: String,
    pub conversation_id: String,
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
}

/// Changing one's own message's text (mutation `message_edit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct MessageEdit {
    pub id: String,
    pub text: String,
}

/// Setting or clearing one's reaction (mutation `reaction_set`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct ReactionSet {
    pub message_id: String,
    pub reaction: ReactionKind,
    pub active: bool,
}

/// Moving one's own watermarks forward (mutation `receipt_mark`); a value at or below
/// the current one changes nothing, and read implies delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct ReceiptMark {
    pub conversation_id: String,
    #[ts(type = "number | null")]
    pub delivered_through: Option<i64>,
    #[ts(type = "number | null")]
    pub read_through: Option<i64>,
}

/// Setting one's own flags on a conversation (mutation `conversation_pref`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct ConversationPrefSet {
    pub conversation_id: String,
    pub important: bool,
}

// --- shared rules ----------------------------------------------------------------

/// The id of the direct conversation between two staff members, whichever of them
/// opens it: `dm-` and 32 hex digits of a hash of the two ids in sorted order.
pub fn direct_conversation_id(a: &str, b: &str) -> String {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    let mut hash = Sha256::new();
    hash.update(first.as_bytes());
    hash.update([0]);
    hash.update(second.as_bytes());
    let digest = hash.finalize();
    let mut id = String::from("dm-");
    for byte in &digest[..16] {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

/// The SHA-256 of `bytes` as lower-case hex, the name of a blob.
pub fn blob_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// True for 64 lower-case hex digits.
pub fn is_blob_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The content type an attachment is accepted as, decided from its bytes alone
/// (never from its name or what a client said): PNG, JPEG, GIF, WebP, PDF, or plain
/// UTF-8 text. `None` for anything else, which is refused.
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 6] = [
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"RIFF", "image/webp"),
    ];
    for (magic, kind) in MAGIC {
        if bytes.starts_with(magic) {
            if kind == "image/webp" && bytes.get(8..12) != Some(b"WEBP") {
                return None;
            }
            return Some(kind);
        }
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let plain = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    (plain && !bytes.is_empty()).then_some("text/plain")
}

/// True for a type the desks show inline as an image preview.
pub fn is_image_type(content_type: &str) -> bool {
    content_type.starts_with("image/")
}

/// A file name fit to show: its last path component (either separator), without
/// control characters, trimmed, at most [`MAX_ATTACHMENT_NAME_CHARS`]; `attachment`
/// when nothing is left. Never used to build a path.
pub fn clean_attachment_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        return "attachment".to_owned();
    }
    trimmed.chars().take(MAX_ATTACHMENT_NAME_CHARS).collect()
}

/// Message text as stored: trailing whitespace trimmed (leading kept: it may be an
/// indented list), not empty unless attachments are given, at most
/// [`MAX_MESSAGE_CHARS`].
pub fn normalize_message_text(text: &str, has_attachments: bool) -> Result<String, String> {
    let text = text.trim_end();
    if text.trim().is_empty() && !has_attachments {
        return Err("a message needs text or an attachment".to_owned());
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(format!(
            "the message is {chars} characters long; at most {MAX_MESSAGE_CHARS} are allowed"
        ));
    }
    if text.chars().any(|c| c == '\0') {
        return Err("the message contains a NUL character".to_owned());
    }
    Ok(text.to_owned())
}

/// A conversation title as stored: trimmed, `None` when empty, at most
/// [`MAX_TITLE_CHARS`].
pub fn normalize_title(title: Option<&str>) -> Result<Option<String>, String> {
    let Some(title) = title.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!(
            "the title is longer than {MAX_TITLE_CHARS} characters"
        ));
    }
    if title.chars().any(char::is_control) {
        return Err("the title contains control characters".to_owned());
    }
    Ok(Some(title.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_ids_do_not_depend_on_who_opens() {
        let ab = direct_conversation_id("alice", "bob");
        assert_eq!(ab, direct_conversation_id("bob", "alice"));
        assert_eq!(ab.len(), 35);
        assert!(ab.starts_with("dm-"));
        assert_ne!(ab, direct_conversation_id("alice", "carol"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(
            direct_conversation_id("ab", "c"),
            direct_conversation_id("a", "bc")
        );
    }

    #[test]
    fn blob_names_are_sha256_hex() {
        let sha = blob_sha256(b"abc");
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_blob_sha256(&sha));
        assert!(!is_blob_sha256(&sha.to_uppercase()));
        assert!(!is_blob_sha256("../../etc/passwd"));
        assert!(!is_blob_sha256(&sha[..63]));
    }

    #[test]
    fn content_type_comes_from_the_bytes() {
        assert_eq!(
            sniff_content_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(sniff_content_type(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff_content_type(b"GIF89a...."), Some("image/gif"));
        assert_eq!(
            sniff_content_type(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some("image/webp")
        );
        assert_eq!(sniff_content_type(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff_content_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(
            sniff_content_type("Livraison à 14 h\n".as_bytes()),
            Some("text/plain")
        );
        // An executable, or HTML that merely claims to be an image, is not plain text
        // once it holds control bytes; HTML text is accepted only as text/plain.
        assert_eq!(sniff_content_type(b"\x7fELF\x02\x01\x01\0"), None);
        assert_eq!(sniff_content_type(b"MZ\x90\0\x03\0"), None);
        assert_eq!(
            sniff_content_type(b"<script>alert(1)</script>"),
            Some("text/plain")
        );
        assert_eq!(sniff_content_type(b""), None);
    }

    #[test]
    fn attachment_names_are_never_paths() {
        assert_eq!(clean_attachment_name("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_attachment_name("C:\\Users\\x\\photo.jpg"),
            "photo.jpg"
        );
        assert_eq!(clean_attachment_name("..\\.."), "attachment");
        assert_eq!(clean_attachment_name(".bashrc"), "bashrc");
        assert_eq!(clean_attachment_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(clean_attachment_name("   "), "attachment");
        assert_eq!(
            clean_attachment_name(&"é".repeat(500)).chars().count(),
            MAX_ATTACHMENT_NAME_CHARS
        );
    }

    #[test]
    fn message_text_rules() {
        assert_eq!(normalize_message_text("  hi  \n", false).unwrap(), "  hi");
        assert!(normalize_message_text("   ", false).is_err());
        assert_eq!(normalize_message_text("", true).unwrap(), "");
        assert!(normalize_message_text(&"x".repeat(MAX_MESSAGE_CHARS + 1), false).is_err());
        assert!(normalize_message_text(&"x".repeat(MAX_MESSAGE_CHARS), false).is_ok());
        assert!(normalize_message_text("a\0b", false).is_err());
        // Markup is kept exactly: it is text, shown as text.
        let xss = "<img src=x onerror=alert(1)> <script>alert(2)</script>";
        assert_eq!(normalize_message_text(xss, false).unwrap(), xss);
    }

    #[test]
    fn titles() {
        assert_eq!(normalize_title(Some("  ")).unwrap(), None);
        assert_eq!(normalize_title(None).unwrap(), None);
        assert_eq!(
            normalize_title(Some(" Night shift ")).unwrap().as_deref(),
            Some("Night shift")
        );
        assert!(normalize_title(Some(&"t".repeat(MAX_TITLE_CHARS + 1))).is_err());
        assert!(normalize_title(Some("a\nb")).is_err());
    }

    #[test]
    fn reaction_names_round_trip() {
        for r in ReactionKind::ALL {
            assert_eq!(ReactionKind::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(ReactionKind::parse("poop"), None);
    }
}
