//! What a scanner (or a person) sends, turned into the tracking number it stands for.
//!
//! A keyboard-wedge scanner types what the barcode holds, sometimes with framing around
//! it. In order:
//!
//! 1. Whitespace (anywhere, Unicode included), control characters and invisible
//!    formatting characters (zero-width spaces, byte-order marks) are dropped; ASCII
//!    letters are uppercased. The GS character (ASCII 29, how scanners send a GS1 FNC1
//!    separator) is kept aside as a field separator. Hyphens are kept: LaserShip piece
//!    suffixes use them.
//! 2. AIM symbology identifiers at the very start (`]C1`, `]E0`, `]Q3`, … — a `]`, a
//!    letter and a digit) are dropped. `]C1`, `]D2` and `]Q3` announce GS1 data.
//! 3. GS1 data (a GS1 symbology identifier, or any GS separator) is read as GS1
//!    application identifiers: AI `00` (an SSCC, 18 digits) is kept as the SSCC; AI
//!    `420` (ship-to postal code) and `421` (ship-to country and postal code) are
//!    routing, dropped when a GS closes them; anything else is carrier data (carriers'
//!    own numbers, including USPS's `92…`/`93…`/`94…`/`95…`, which GS1 reads as
//!    company-internal AIs 91–95, are kept whole). The result is the carrier data if
//!    any, else an SSCC, else the fields joined back together.
//! 4. USPS IMpb routing: an all-digit string of 30, 34 or 38 digits that starts with
//!    `420` and is followed, after a ZIP of 5 or 9 digits, by a 22- or 26-digit USPS
//!    tracking number (starting `91`–`95`) becomes that tracking number. When both ZIP
//!    lengths fit (34 digits), the reading whose tracking number's check digit verifies
//!    wins, and the ZIP+4 reading (22-digit tracking number) wins a tie. A number that
//!    merely starts with `420` (any other length, or no `91`–`95` after the ZIP) is left
//!    alone.
//!
//! [`normalize()`] is idempotent: normalising its own output changes nothing.

use crate::checksum;

/// ASCII 29, group separator: how scanners transmit a GS1 FNC1 inside the data.
const GS: char = '\u{1D}';

/// Turns what a scanner sent into the tracking number it carries. See the module
/// documentation for the rules; it never fails, and an input with nothing in it gives
/// an empty string.
pub fn normalize(raw: &str) -> String {
    let mut segments = split_fields(raw);
    let gs1 = strip_symbology_identifiers(&mut segments[0]);
    let mut body = if gs1 || segments.len() > 1 {
        gs1_payload(&segments)
    } else {
        segments.swap_remove(0)
    };
    // The chosen field may itself start with an identifier (`<GS>]C1…`).
    strip_symbology_identifiers(&mut body);
    strip_impb_routing(body)
}

/// Characters no one means as part of a tracking number and that are neither
/// whitespace nor control characters.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Step 1: the cleaned text, split at GS separators (always at least one field).
fn split_fields(raw: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c == GS {
            fields.push(std::mem::take(&mut field));
        } else if !(c.is_whitespace() || c.is_control() || is_invisible(c)) {
            field.push(c.to_ascii_uppercase());
        }
    }
    fields.push(field);
    fields
}

/// Step 2: drops leading AIM symbology identifiers; true if one announced GS1 data.
fn strip_symbology_identifiers(field: &mut String) -> bool {
    let mut gs1 = false;
    loop {
        let b = field.as_bytes();
        if b.len() >= 3 && b[0] == b']' && b[1].is_ascii_alphabetic() && b[2].is_ascii_digit() {
            gs1 |= matches!(&b[1..3], b"C1" | b"D2" | b"Q3");
            field.drain(..3);
        } else {
            return gs1;
        }
    }
}

/// An AI `00` element at the start of `field`: the 18-digit SSCC.
fn sscc_element(field: &str) -> Option<&str> {
    let b = field.as_bytes();
    (b.len() >= 20 && b.starts_with(b"00") && b[2..20].iter().all(u8::is_ascii_digit))
        .then(|| &field[2..20])
}

/// Step 3: the tracking number inside GS1 data.
fn gs1_payload(fields: &[String]) -> String {
    let last = fields.len() - 1;
    let mut data = None;
    let mut sscc = None;
    let mut routing_tail = None;
    for (i, field) in fields.iter().enumerate() {
        let mut rest = field.as_str();
        while !rest.is_empty() {
            if let Some(code) = sscc_element(rest) {
                sscc.get_or_insert(code);
                rest = &rest[20..];
                continue;
            }
            if rest.starts_with("420") || rest.starts_with("421") {
                // A routing field runs to the next GS. With no GS after it, the
                // tracking number may follow it directly (USPS IMpb without a
                // separator): step 4 looks at that.
                if i == last && rest.starts_with("420") {
                    routing_tail.get_or_insert(rest);
                }
            } else {
                data.get_or_insert(rest);
            }
            break;
        }
    }
    if let Some(data) = data {
        return data.to_owned();
    }
    if let Some(tail) = routing_tail {
        let stripped = strip_impb_routing(tail.to_owned());
        if stripped.len() != tail.len() {
            return stripped;
        }
    }
    if let Some(sscc) = sscc {
        return sscc.to_owned();
    }
    fields.concat()
}

/// Whether `n` looks like a USPS IMpb tracking number: 22 or 26 digits starting with a
/// channel application identifier 91–95.
fn is_impb_shaped(n: &str) -> bool {
    let b = n.as_bytes();
    matches!(b.len(), 22 | 26) && b[0] == b'9' && (b'1'..=b'5').contains(&b[1])
}

/// Step 4: `420` + ZIP (5 or 9 digits) + USPS tracking number → the tracking number.
pub(crate) fn strip_impb_routing(n: String) -> String {
    let b = n.as_bytes();
    if !matches!(b.len(), 30 | 34 | 38)
        || !n.starts_with("420")
        || !b.iter().all(u8::is_ascii_digit)
    {
        return n;
    }
    // ZIP+4 first: it wins a tie.
    let readings = [&n[12..], &n[8..]];
    let shaped = || readings.iter().copied().filter(|rest| is_impb_shaped(rest));
    let chosen = shaped()
        .find(|rest| checksum::gs1_mod10_verifies(rest))
        .or_else(|| shaped().next());
    match chosen {
        Some(rest) => rest.to_owned(),
        None => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_cleaned_and_split() {
        assert_eq!(split_fields(" a\tb\u{1D}c\u{200B}d\r\n"), ["AB", "CD"]);
        assert_eq!(split_fields(""), [""]);
    }

    #[test]
    fn identifiers_are_stripped_repeatedly() {
        let mut s = String::from("]E0]C1ABC");
        assert!(strip_symbology_identifiers(&mut s));
        assert_eq!(s, "ABC");
        let mut s = String::from("]E0ABC");
        assert!(!strip_symbology_identifiers(&mut s));
        assert_eq!(s, "ABC");
        let mut s = String::from("]C");
        assert!(!strip_symbology_identifiers(&mut s));
        assert_eq!(s, "]C");
    }
}
