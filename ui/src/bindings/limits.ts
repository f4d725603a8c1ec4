// Generated from crates/protocol by `cargo test`. Do not edit.

/** Longest instruction text, in characters. */
export const MAX_INSTRUCTION_CHARS = 2000;

/** A pickup signature: path data in a box of this size, at most this long. */
export const SIGNATURE_WIDTH = 1000;
export const SIGNATURE_HEIGHT = 400;
export const MAX_SIGNATURE_CHARS = 32000;
