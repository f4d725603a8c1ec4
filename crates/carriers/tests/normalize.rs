//! What scanners send, and the tracking number `normalize` makes of it.

mod support;

use frontdesk_carriers::normalize;
use support::{gs1, with_check};

const GS: &str = "\u{1D}";

fn impb_22() -> String {
    with_check("920550001234567890123", gs1)
}

fn impb_26() -> String {
    with_check("9274899912345678901234567", gs1)
}

#[test]
fn whitespace_and_lowercase() {
    assert_eq!(
        normalize("  1z 12345e 02 0527168 6\r\n"),
        "1Z12345E0205271686"
    );
    assert_eq!(normalize("\ttba123456789012\u{00A0}"), "TBA123456789012");
    assert_eq!(
        normalize("9205 5000 1234 5678 9012 3"),
        "920550001234567890123"
    );
}

#[test]
fn nothing_in_gives_nothing_out() {
    assert_eq!(normalize(""), "");
    assert_eq!(normalize(" \r\n\t"), "");
    assert_eq!(normalize(GS), "");
    assert_eq!(normalize("]C1"), "");
}

#[test]
fn symbology_identifiers_are_dropped() {
    let n = impb_22();
    for prefix in ["]C1", "]c1", "]Q3", "]d2", "]E0", "]C0"] {
        assert_eq!(normalize(&format!("{prefix}{n}")), n, "{prefix}");
    }
    // Only at the start, and only `]` + letter + digit.
    assert_eq!(normalize("AB]C1CD"), "AB]C1CD");
    assert_eq!(normalize("]CX123"), "]CX123");
}

#[test]
fn impb_with_zip5_and_zip9_prefixes() {
    for tracking in [impb_22(), impb_26()] {
        for zip in ["02134", "021341234", "90210", "902100001"] {
            let scanned = format!("420{zip}{tracking}");
            assert_eq!(normalize(&scanned), tracking, "{scanned}");
            // With the GS1 framing a scanner may add.
            assert_eq!(normalize(&format!("]C1420{zip}{GS}{tracking}")), tracking);
            assert_eq!(normalize(&format!("{GS}420{zip}{GS}{tracking}")), tracking);
            assert_eq!(normalize(&format!("]C1420{zip}{tracking}")), tracking);
        }
    }
}

#[test]
fn zip9_wins_a_tie_between_readings() {
    // 420 + 10282 + 9300 + a 22-digit number: "9300…" read as a 26-digit number after a
    // ZIP5 verifies too (9·3 + 3·1 + 0·3 + 0·1 = 30 adds nothing mod 10). ZIP+4 wins.
    let tracking = impb_22();
    let scanned = format!("420102829300{tracking}");
    assert!(support::gs1(&scanned[8..33]) == scanned.chars().last().unwrap());
    assert_eq!(normalize(&scanned), tracking);
}

#[test]
fn the_reading_whose_check_digit_verifies_wins() {
    // 420 + ZIP5 + a 26-digit number "9100 93…": the ZIP+4 reading would leave a
    // 22-digit number starting 93 too, but its check digit fails (9·3 + 1·1 = 28).
    let tracking = with_check("9100931234567890123456789", gs1);
    assert_ne!(gs1(&tracking[4..25]), tracking.chars().last().unwrap());
    let scanned = format!("42002134{tracking}");
    assert_eq!(normalize(&scanned), tracking);
}

#[test]
fn an_unverified_but_impb_shaped_number_is_still_unwrapped() {
    let mut tracking = impb_22();
    tracking.replace_range(21.., if tracking.ends_with('0') { "1" } else { "0" });
    assert_eq!(normalize(&format!("42002134{tracking}")), tracking);
}

#[test]
fn numbers_that_merely_start_with_420_are_left_alone() {
    let untouched = [
        // FedEx 12, Canada Post 16, USPS 20, 22, 26: not a routing length.
        with_check("42012345678", support::fedex),
        with_check("420123456789012", gs1),
        with_check("4201234567890123456", gs1),
        with_check("420123456789012345678", gs1),
        with_check("4201234567890123456789012", gs1),
        // 30 and 34 digits with no 91–95 channel after the ZIP.
        format!("42002134{}", with_check("123456789012345678901", gs1)),
        format!("420021341234{}", with_check("000000000000000000000", gs1)),
        // Not all digits.
        "420ABCDE9205500012345678901234".to_owned(),
    ];
    for n in untouched {
        assert_eq!(normalize(&n), n);
    }
}

#[test]
fn gs1_application_identifiers() {
    let sscc = with_check("00614141123456789", gs1);
    // AI 00 with a GS1 identifier or a separator: the SSCC.
    assert_eq!(normalize(&format!("]C100{sscc}")), sscc);
    assert_eq!(normalize(&format!("]C100{sscc}420H3B2Y5")), sscc);
    assert_eq!(normalize(&format!("{GS}00{sscc}")), sscc);
    // Without one, "00" + 18 digits is just 20 digits (a USPS length): left alone.
    assert_eq!(normalize(&format!("00{sscc}")), format!("00{sscc}"));
    // AI 421 (country + postal code) and 420 closed by a GS are routing.
    let ups = "1Z12345E0205271686";
    assert_eq!(normalize(&format!("]C1421124H3B2Y5{GS}{ups}")), ups);
    assert_eq!(normalize(&format!("]C142090210{GS}{ups}")), ups);
    // Carrier data before the routing field wins.
    assert_eq!(normalize(&format!("{ups}{GS}42090210")), ups);
    // A routing field alone is kept as it is.
    assert_eq!(normalize("]C142090210"), "42090210");
    assert_eq!(normalize(&format!("]C1421124H3B2Y5{GS}")), "421124H3B2Y5");
}

#[test]
fn fedex_ground_96_keeps_its_prefix_in_normalize() {
    // normalize is carrier-neutral: the 15-digit number inside is identify's business.
    let n = format!("9612019{}", with_check("02101234567890", gs1));
    assert_eq!(normalize(&format!("]C1{n}")), n);
}

#[test]
fn non_ascii_is_kept_and_control_characters_dropped() {
    assert_eq!(normalize("café\u{7}"), "CAFé");
    assert_eq!(normalize("\u{200B}\u{FEFF}1z"), "1Z");
    assert_eq!(normalize("1LS72400123456-2"), "1LS72400123456-2");
}

#[test]
fn very_long_input_is_handled() {
    let long = format!("420{}", "9".repeat(100_000));
    assert_eq!(normalize(&long), long);
    let spaced = " 1 ".repeat(50_000);
    assert_eq!(normalize(&spaced), "1".repeat(50_000));
}
