//! Standing front-desk instructions on a unit or a resident ("perishables: call first",
//! "leave parcels with unit 503"): the first thing desks write.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Longest instruction text, in characters.
pub const MAX_INSTRUCTION_CHARS: usize = 2_000;

/// What an instruction is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
#[ts(export)]
pub enum InstructionTarget {
    Unit(String),
    Resident(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(export)]
pub struct Instruction {
    pub id: String,
    pub building_id: String,
    pub target: InstructionTarget,
    pub text: String,
    /// Staff id of whoever wrote this version.
    pub updated_by: String,
    /// When the desk made this version (its clock).
    #[ts(type = "number")]
    pub updated_at_ms: i64,
}

/// The instruction text as stored: trimmed, non-empty, at most
/// [`MAX_INSTRUCTION_CHARS`] characters. The desk checks before queueing and the server
/// checks again on push, with this one rule.
pub fn normalize_instruction_text(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the instruction text must not be empty".into());
    }
    let chars = text.chars().count();
    if chars > MAX_INSTRUCTION_CHARS {
        return Err(format!(
            "the instruction text has {chars} characters; at most {MAX_INSTRUCTION_CHARS} are allowed"
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(
            normalize_instruction_text("  call first \n").unwrap(),
            "call first"
        );
        assert!(normalize_instruction_text(" \t\n").is_err());
        let longest = "é".repeat(MAX_INSTRUCTION_CHARS);
        assert_eq!(normalize_instruction_text(&longest).unwrap(), longest);
        let err = normalize_instruction_text(&format!("{longest}x")).unwrap_err();
        assert!(err.contains("2000"), "{err}");
    }
}

/// Writes the limits the UI shows (a counter, a warning, the signature box) as TypeScript next to the ts-rs
/// bindings, so the number is declared once, here. Runs with the bindings' export.
#[cfg(test)]
#[test]
fn export_limits_to_typescript() {
    let Ok(dir) = std::env::var("TS_RS_EXPORT_DIR") else {
        return;
    };
    let path = std::path::Path::new(&dir).join("limits.ts");
    let text = format!(
        "// Generated from crates/protocol by `cargo test`. Do not edit.\n\n\
         /** Longest instruction text, in characters. */\n\
         export const MAX_INSTRUCTION_CHARS = {MAX_INSTRUCTION_CHARS};\n\n\
         /** A pickup signature: path data in a box of this size, at most this long. */\n\
         export const SIGNATURE_WIDTH = {w};\n\
         export const SIGNATURE_HEIGHT = {h};\n\
         export const MAX_SIGNATURE_CHARS = {max};\n",
        w = crate::SIGNATURE_WIDTH,
        h = crate::SIGNATURE_HEIGHT,
        max = crate::MAX_SIGNATURE_CHARS,
    );
    std::fs::write(&path, text).expect("write limits.ts");
}
