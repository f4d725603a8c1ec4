// Generated from crates/protocol by `cargo test`. Do not edit.

/** Longest instruction text, in characters. */
export const MAX_INSTRUCTION_CHARS = 2000;
