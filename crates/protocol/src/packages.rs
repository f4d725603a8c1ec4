//! Parcels taken in at the desk: the record, its lifecycle and the rules both the desk
//! (before queueing) and the server (on push, in commit order) apply, written once here.
//!
//! Lifecycle: `waiting` → `notified` → `picked_up` / `returned` / `lost`, and back from
//! `lost` to `waiting` when the parcel is found. Every change of status is an event with
//! who, when and a note. Anything else is refused with a reason, unless an admin
//! overrides it, which needs a reason of its own.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Longest free text on a package (note, shelf, who collected it, a reason), in
/// characters.
pub const MAX_PACKAGE_TEXT_CHARS: usize = 500;
/// Longest tracking number kept, in characters (carrier barcodes stay well below).
pub const MAX_TRACKING_CHARS: usize = 64;
/// Longest signature kept, in characters of its path data.
pub const MAX_SIGNATURE_CHARS: usize = 32_000;
/// The box a signature is drawn in: `x` in `0..=SIGNATURE_WIDTH`, `y` in
/// `0..=SIGNATURE_HEIGHT`.
pub const SIGNATURE_WIDTH: u32 = 1000;
pub const SIGNATURE_HEIGHT: u32 = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PackageStatus {
    /// On the shelf; the resident has not been told yet.
    Waiting,
    /// On the shelf; the resident was told.
    Notified,
    PickedUp,
    /// Sent back to the carrier.
    Returned,
    Lost,
}

impl PackageStatus {
    pub const ALL: [Self; 5] = [
        Self::Waiting,
        Self::Notified,
        Self::PickedUp,
        Self::Returned,
        Self::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Notified => "notified",
            Self::PickedUp => "picked_up",
            Self::Returned => "returned",
            Self::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Still at the desk, waiting for its resident.
    pub fn is_on_shelf(self) -> bool {
        matches!(self, Self::Waiting | Self::Notified)
    }
}

/// How big the parcel is, for the shelf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PackageSize {
    Envelope,
    Small,
    Medium,
    Large,
    Oversized,
}

impl PackageSize {
    pub const ALL: [Self; 5] = [
        Self::Envelope,
        Self::Small,
        Self::Medium,
        Self::Large,
        Self::Oversized,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Envelope => "envelope",
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
            Self::Oversized => "oversized",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|size| size.as_str() == s)
    }
}

/// What staff must know when handling or handing over the parcel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PackageFlags {
    pub perishable: bool,
    pub signature_required: bool,
    pub fragile: bool,
}

/// A parcel as the desks show it. Made by a desk at intake (its id a UUID v7), then
/// changed only through package mutations, each validated by the server in commit
/// order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Package {
    pub id: String,
    pub building_id: String,
    /// The short code printed on the label and in its QR code (`XXXX-XXXX`).
    pub code: String,
    /// As normalised from the scan; `None` for a parcel without one.
    pub tracking_number: Option<String>,
    /// Carrier code (`ups`, `canada_post`, …), recognised or chosen by staff.
    pub carrier: Option<String>,
    /// Who it is for; both `None` while a bulk intake has not assigned it yet.
    pub resident_id: Option<String>,
    pub unit_id: Option<String>,
    pub shelf: Option<String>,
    pub size: Option<PackageSize>,
    pub flags: PackageFlags,
    pub note: Option<String>,
    pub status: PackageStatus,
    /// When it was taken in (the desk's clock) and by whom (staff id).
    #[ts(type = "number")]
    pub received_at_ms: i64,
    pub received_by: String,
    /// When the status last changed.
    #[ts(type = "number")]
    pub status_at_ms: i64,
    /// Who collected it, when picked up: the resident's name or a proxy's.
    pub collected_by: Option<String>,
}

/// One step of a package's history: intake or a change of status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PackageEvent {
    pub id: String,
    pub package_id: String,
    pub building_id: String,
    /// `None` for the intake itself.
    pub from: Option<PackageStatus>,
    pub to: PackageStatus,
    /// Staff id.
    pub by: String,
    #[ts(type = "number")]
    pub at_ms: i64,
    pub note: Option<String>,
    /// Set when an admin forced a transition the rules refuse.
    pub override_reason: Option<String>,
    /// The signature of who collected it, for a parcel that needed one (see
    /// [`normalize_signature`]).
    #[serde(default)]
    pub signature: Option<String>,
}

/// Taking a parcel in (mutation `package_intake`). The desk makes the id (UUID v7) and
/// the code; the server refuses a code another package on the shelf already has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PackageIntake {
    pub id: String,
    pub code: String,
    pub tracking_number: Option<String>,
    pub carrier: Option<String>,
    pub resident_id: Option<String>,
    pub unit_id: Option<String>,
    pub shelf: Option<String>,
    pub size: Option<PackageSize>,
    pub flags: PackageFlags,
    pub note: Option<String>,
}

/// Correcting what was entered at intake, or assigning the recipient of a parcel taken
/// in by bulk intake (mutation `package_edit`). Replaces every field given here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PackageEdit {
    pub id: String,
    pub carrier: Option<String>,
    pub resident_id: Option<String>,
    pub unit_id: Option<String>,
    pub shelf: Option<String>,
    pub size: Option<PackageSize>,
    pub flags: PackageFlags,
    pub note: Option<String>,
}

/// Moving a package along its lifecycle (mutation `package_transition`): notified,
/// picked up (by whom), returned, lost, found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PackageTransition {
    /// The package.
    pub id: String,
    /// The history event this makes (UUID v7, by the desk).
    pub event_id: String,
    pub to: PackageStatus,
    pub note: Option<String>,
    /// Required for `picked_up`: the resident's name or the proxy's.
    pub collected_by: Option<String>,
    /// For an admin forcing a transition the rules refuse.
    pub override_reason: Option<String>,
    /// For a pickup: the signature captured on screen, as SVG path data (see
    /// [`normalize_signature`]). Kept only on a pickup.
    #[serde(default)]
    pub signature: Option<String>,
}

/// Adding a photo to a parcel (mutation `package_photo_add`): a still from the webcam,
/// uploaded first as a blob (`PUT /v1/blobs/{sha256}`, see `docs/blobs.md`). The server
/// refuses a photo whose blob the building does not have, or that is not an image.
/// Adding a photo the parcel already has changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PackagePhotoAdd {
    /// The package.
    pub id: String,
    /// The JPEG's SHA-256: its blob name.
    pub sha256: String,
}

/// A photo of a parcel. When it was taken is the desk's clock at the time
/// (the mutation's `client_time_ms`), by whom the staff member signed in there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct PackagePhoto {
    pub package_id: String,
    pub building_id: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub taken_at_ms: i64,
    /// Staff id.
    pub taken_by: String,
}

impl PackagePhoto {
    /// The change-log entity id: one per (package, photo).
    pub fn entity_id(&self) -> String {
        format!("{}/{}", self.package_id, self.sha256)
    }
}

/// Who may stop a transition the rules refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    Staff,
    /// A manager or admin, who may override with a reason.
    Admin,
}

impl Authority {
    /// Managers and admins may override; front-desk staff may not.
    pub fn of(role: crate::StaffRole) -> Self {
        match role {
            crate::StaffRole::Manager | crate::StaffRole::Admin => Self::Admin,
            crate::StaffRole::Doorman | crate::StaffRole::Security => Self::Staff,
        }
    }
}

/// Decides whether `from` → `to` is allowed. `override_reason` is what an admin gives
/// to force a transition the rules refuse; it is ignored when the transition is allowed
/// anyway. The error is the reason to show, in plain words.
pub fn check_transition(
    from: PackageStatus,
    to: PackageStatus,
    authority: Authority,
    override_reason: Option<&str>,
) -> Result<(), String> {
    use PackageStatus::*;
    let allowed = match (from, to) {
        (Waiting, Notified | PickedUp | Returned | Lost) => true,
        (Notified, PickedUp | Returned | Lost) => true,
        // Found again: back on the shelf.
        (Lost, Waiting) => true,
        _ => false,
    };
    if allowed {
        return Ok(());
    }
    let refusal = match (from, to) {
        _ if from == to => format!("the package is already {}", words(to)),
        (PickedUp, _) => "the package was already picked up".to_owned(),
        (Returned, _) => "the package was already returned to the carrier".to_owned(),
        _ => format!(
            "a package that is {} cannot become {}",
            words(from),
            words(to)
        ),
    };
    let reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
    match (authority, reason) {
        (Authority::Admin, Some(_)) if from != to => Ok(()),
        (Authority::Admin, None) if from != to => {
            Err(format!("{refusal}; an admin override needs a reason"))
        }
        _ => Err(refusal),
    }
}

fn words(status: PackageStatus) -> &'static str {
    match status {
        PackageStatus::Waiting => "waiting",
        PackageStatus::Notified => "notified",
        PackageStatus::PickedUp => "picked up",
        PackageStatus::Returned => "returned",
        PackageStatus::Lost => "lost",
    }
}

/// Free text as stored: trimmed, `None` when empty, at most
/// [`MAX_PACKAGE_TEXT_CHARS`] characters. `what` names the field in the error.
pub fn normalize_package_text(text: Option<&str>, what: &str) -> Result<Option<String>, String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let chars = text.chars().count();
    if chars > MAX_PACKAGE_TEXT_CHARS {
        return Err(format!(
            "the {what} has {chars} characters; at most {MAX_PACKAGE_TEXT_CHARS} are allowed"
        ));
    }
    Ok(Some(text.to_owned()))
}

fn carrier_code(carrier: Option<String>) -> Result<Option<String>, String> {
    let Some(code) = carrier
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
    else {
        return Ok(None);
    };
    code.parse::<frontdesk_carriers::Carrier>()
        .map(|c| Some(c.code().to_owned()))
        .map_err(|_| format!("unknown carrier {code:?}"))
}

fn recipient(
    resident_id: Option<String>,
    unit_id: Option<String>,
) -> (Option<String>, Option<String>) {
    let clean = |id: Option<String>| id.map(|i| i.trim().to_owned()).filter(|i| !i.is_empty());
    (clean(resident_id), clean(unit_id))
}

impl PackageIntake {
    /// The intake as stored, or why it cannot be: the one rule the desk applies before
    /// queueing and the server on push. (Whether the recipient exists is the store's
    /// business, on each side.)
    pub fn normalized(self) -> Result<Self, String> {
        let code = parse_package_code(&self.code)
            .ok_or_else(|| format!("{:?} is not a package code", self.code))?;
        let tracking_number = match self.tracking_number.map(|t| t.trim().to_owned()) {
            Some(t) if t.is_empty() => None,
            Some(t) if t.chars().count() > MAX_TRACKING_CHARS => {
                return Err(format!(
                    "the tracking number is longer than {MAX_TRACKING_CHARS} characters"
                ));
            }
            other => other,
        };
        let (resident_id, unit_id) = recipient(self.resident_id, self.unit_id);
        Ok(Self {
            id: self.id.trim().to_owned(),
            code,
            tracking_number,
            carrier: carrier_code(self.carrier)?,
            resident_id,
            unit_id,
            shelf: normalize_package_text(self.shelf.as_deref(), "shelf")?,
            size: self.size,
            flags: self.flags,
            note: normalize_package_text(self.note.as_deref(), "note")?,
        })
    }
}

impl PackageEdit {
    /// See [`PackageIntake::normalized`].
    pub fn normalized(self) -> Result<Self, String> {
        let (resident_id, unit_id) = recipient(self.resident_id, self.unit_id);
        Ok(Self {
            id: self.id.trim().to_owned(),
            carrier: carrier_code(self.carrier)?,
            resident_id,
            unit_id,
            shelf: normalize_package_text(self.shelf.as_deref(), "shelf")?,
            size: self.size,
            flags: self.flags,
            note: normalize_package_text(self.note.as_deref(), "note")?,
        })
    }
}

impl PackageTransition {
    /// See [`PackageIntake::normalized`]. Whether the transition is allowed from the
    /// package's current status is [`check_transition`], against the stored package.
    pub fn normalized(self) -> Result<Self, String> {
        let collected_by =
            normalize_package_text(self.collected_by.as_deref(), "name of who collected it")?;
        if self.to == PackageStatus::PickedUp && collected_by.is_none() {
            return Err("say who collected the package".into());
        }
        let signature = normalize_signature(self.signature.as_deref())?;
        Ok(Self {
            signature: if self.to == PackageStatus::PickedUp {
                signature
            } else {
                None
            },
            id: self.id.trim().to_owned(),
            event_id: self.event_id.trim().to_owned(),
            to: self.to,
            note: normalize_package_text(self.note.as_deref(), "note")?,
            collected_by: if self.to == PackageStatus::PickedUp {
                collected_by
            } else {
                None
            },
            override_reason: normalize_package_text(self.override_reason.as_deref(), "reason")?,
        })
    }
}

/// A signature as stored: SVG path data of straight strokes in the
/// [`SIGNATURE_WIDTH`] × [`SIGNATURE_HEIGHT`] box, integers only, `M x y` starting each
/// stroke and `L x y` continuing it (`M 10 20 L 30 40 L 35 42 M …`). Nothing else is
/// accepted, so a stored signature can be drawn as a path without escaping anything.
/// White space is folded; `None` or blank gives `None`.
pub fn normalize_signature(text: Option<&str>) -> Result<Option<String>, String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.len() > MAX_SIGNATURE_CHARS {
        return Err(format!(
            "the signature is too detailed ({} characters; at most {MAX_SIGNATURE_CHARS})",
            text.len()
        ));
    }
    let bad = |why: &str| Err(format!("the signature is not valid: {why}"));
    let mut out = String::with_capacity(text.len());
    let mut tokens = text.split_ascii_whitespace();
    let mut first = true;
    while let Some(command) = tokens.next() {
        match command {
            "M" => {}
            "L" if !first => {}
            "L" => return bad("a stroke must start with M"),
            _ => return bad("only M and L commands are allowed"),
        }
        first = false;
        let mut coordinate =
            |max: u32| -> Option<u32> { tokens.next()?.parse::<u32>().ok().filter(|v| *v <= max) };
        let (Some(x), Some(y)) = (coordinate(SIGNATURE_WIDTH), coordinate(SIGNATURE_HEIGHT)) else {
            return bad("each point is two whole numbers inside the signature box");
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("{command} {x} {y}"));
    }
    Ok(Some(out))
}

/// The alphabet of package codes: Crockford's base 32 (no I, L, O, U), so a code read
/// aloud or typed from the label is not mistaken.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a package code: 40 bits, so codes made offline by several desks do
/// not collide in practice (and the server refuses one that would).
pub const PACKAGE_CODE_CHARS: usize = 8;

/// A package code from 40 random bits, shown and printed as `XXXX-XXXX`.
pub fn package_code_from_bits(bits: u64) -> String {
    let mut code = String::with_capacity(PACKAGE_CODE_CHARS + 1);
    for i in (0..PACKAGE_CODE_CHARS).rev() {
        let index = (bits >> (i * 5)) & 31;
        code.push(char::from(CODE_ALPHABET[index as usize]));
        if i == PACKAGE_CODE_CHARS / 2 {
            code.push('-');
        }
    }
    code
}

/// A package code as typed or scanned (lower case, without the dash, with the letters
/// Crockford reads as digits) in its canonical `XXXX-XXXX` form, or `None` when it is
/// not one.
pub fn parse_package_code(text: &str) -> Option<String> {
    let mut value: u64 = 0;
    let mut n = 0;
    for c in text.trim().chars().filter(|c| *c != '-' && *c != ' ') {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        let index = CODE_ALPHABET.iter().position(|&a| char::from(a) == c)?;
        value = (value << 5) | index as u64;
        n += 1;
        if n > PACKAGE_CODE_CHARS {
            return None;
        }
    }
    (n == PACKAGE_CODE_CHARS).then(|| package_code_from_bits(value))
}

#[cfg(test)]
mod tests {
    use super::PackageStatus::*;
    use super::*;

    #[test]
    fn the_lifecycle_allows_what_the_desk_does() {
        for (from, to) in [
            (Waiting, Notified),
            (Waiting, PickedUp),
            (Notified, PickedUp),
            (Notified, Returned),
            (Waiting, Lost),
            (Lost, Waiting),
        ] {
            assert_eq!(check_transition(from, to, Authority::Staff, None), Ok(()));
        }
    }

    #[test]
    fn refusals_say_why_and_only_an_admin_with_a_reason_overrides() {
        let err = check_transition(PickedUp, PickedUp, Authority::Staff, None).unwrap_err();
        assert_eq!(err, "the package is already picked up");
        let err = check_transition(PickedUp, Waiting, Authority::Staff, Some("oops")).unwrap_err();
        assert_eq!(err, "the package was already picked up");
        let err = check_transition(Returned, Waiting, Authority::Admin, Some("  ")).unwrap_err();
        assert!(err.ends_with("an admin override needs a reason"), "{err}");
        assert_eq!(
            check_transition(
                PickedUp,
                Waiting,
                Authority::Admin,
                Some("handed to the wrong unit")
            ),
            Ok(())
        );
        // Even an admin cannot make a package what it already is.
        assert!(check_transition(Lost, Lost, Authority::Admin, Some("x")).is_err());
        let err = check_transition(Notified, Waiting, Authority::Staff, None).unwrap_err();
        assert_eq!(err, "a package that is notified cannot become waiting");
    }

    #[test]
    fn codes_are_eight_unambiguous_characters_and_read_back_leniently() {
        let code = package_code_from_bits(0x12_3456_789A);
        assert_eq!(code.len(), PACKAGE_CODE_CHARS + 1);
        assert_eq!(&code[4..5], "-");
        assert!(!code.contains(['I', 'L', 'O', 'U']));
        assert_eq!(parse_package_code(&code).as_deref(), Some(code.as_str()));
        let typed = code.replace('-', "").to_lowercase();
        assert_eq!(parse_package_code(&typed).as_deref(), Some(code.as_str()));
        assert_eq!(
            parse_package_code("OOOO-IIII").as_deref(),
            Some("0000-1111")
        );
        assert_eq!(parse_package_code("ABCD-EFG"), None);
        assert_eq!(parse_package_code("ABCD-EFGHJ"), None);
        assert_eq!(parse_package_code("ABCD-EFG!"), None);
        assert_eq!(parse_package_code("1Z12345E0205271686"), None);
    }

    #[test]
    fn signatures_are_strokes_of_whole_points_in_the_box_and_nothing_else() {
        assert_eq!(
            normalize_signature(Some(" M 10 20 L 30  40\nM 0 0 L 1000 400 ")),
            Ok(Some("M 10 20 L 30 40 M 0 0 L 1000 400".into()))
        );
        assert_eq!(normalize_signature(Some("  ")), Ok(None));
        for bad in [
            "L 1 1",
            "M 1",
            "M 1 401",
            "M 1001 1",
            "M -1 1",
            "M 1.5 1",
            "M 1 1 Z",
            "M 1 1 L 2 2\"/><script>",
            "<svg onload=alert(1)>",
        ] {
            assert!(normalize_signature(Some(bad)).is_err(), "{bad}");
        }
        let huge = "M 1 1 ".repeat(MAX_SIGNATURE_CHARS / 6 + 1);
        assert!(normalize_signature(Some(&huge)).is_err());
    }

    #[test]
    fn a_signature_is_kept_on_a_pickup_only() {
        let t = PackageTransition {
            id: "p".into(),
            event_id: "e".into(),
            to: PickedUp,
            note: None,
            collected_by: Some("Hélène".into()),
            override_reason: None,
            signature: Some("M 1 1 L 2 2".into()),
        };
        assert_eq!(
            t.clone().normalized().unwrap().signature.as_deref(),
            Some("M 1 1 L 2 2")
        );
        let lost = PackageTransition { to: Lost, ..t };
        assert_eq!(lost.normalized().unwrap().signature, None);
    }

    #[test]
    fn free_text_is_trimmed_and_bounded() {
        assert_eq!(
            normalize_package_text(Some("  B-12 "), "shelf"),
            Ok(Some("B-12".into()))
        );
        assert_eq!(normalize_package_text(Some(" \n"), "shelf"), Ok(None));
        assert_eq!(normalize_package_text(None, "shelf"), Ok(None));
        let err = normalize_package_text(Some(&"x".repeat(501)), "note").unwrap_err();
        assert!(err.starts_with("the note has 501"), "{err}");
    }
}
