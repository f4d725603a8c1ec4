//! Carrier recognition against a table of real-format numbers per carrier, each built
//! here with its check digit computed independently (tests/support), valid and with one
//! digit changed.

mod support;

use frontdesk_carriers::{Carrier, identify};
use support::{change_digit, fedex, gs1, luhn, mod7, s10, ups, with_check};

struct Case {
    what: &'static str,
    number: String,
    carrier: Option<Carrier>,
    service: Option<&'static str>,
    /// The tracking number identify should give, when not the number itself.
    tracking: Option<String>,
    /// Whether the format has a check digit (one changed digit must be flagged).
    checked: bool,
}

fn case(what: &'static str, number: String, carrier: Option<Carrier>) -> Case {
    Case {
        what,
        number,
        carrier,
        service: None,
        tracking: None,
        checked: true,
    }
}

impl Case {
    fn service(mut self, service: &'static str) -> Self {
        self.service = Some(service);
        self
    }
    fn tracking(mut self, tracking: String) -> Self {
        self.tracking = Some(tracking);
        self
    }
    fn unchecked(mut self) -> Self {
        self.checked = false;
        self
    }
}

fn fedex_12() -> String {
    with_check("74899991234", fedex)
}

fn ground_15() -> String {
    with_check("02101234567890", gs1)
}

fn cases() -> Vec<Case> {
    use Carrier::*;
    let ups_1z = |shipper: &str, service: &str, package: &str| {
        let payload = format!("{shipper}{service}{package}");
        format!("1Z{}", with_check(&payload, ups))
    };
    let smartpost_payload = "6129876543210012345";
    let smartpost = format!(
        "{smartpost_payload}{}",
        gs1(&format!("92{smartpost_payload}"))
    );
    let ground_96 = format!("9612019{}", ground_15());
    vec![
        // UPS
        case(
            "UPS, Next Day Air",
            ups_1z("12345E", "01", "2345678"),
            Some(Ups),
        )
        .service("Next Day Air"),
        case("UPS, Ground", ups_1z("A9W8V7", "03", "0000001"), Some(Ups)).service("Ground"),
        case(
            "UPS, 2nd Day Air",
            ups_1z("X0Y1Z2", "02", "9876543"),
            Some(Ups),
        )
        .service("2nd Day Air"),
        case(
            "UPS, unlisted service code",
            ups_1z("1234AB", "9Z", "1111111"),
            Some(Ups),
        ),
        // FedEx
        case("FedEx 12", fedex_12(), Some(Fedex)),
        case("FedEx 12", with_check("39812345670", fedex), Some(Fedex)),
        case("FedEx Ground 15", ground_15(), Some(Fedex)).service("Ground"),
        case("FedEx Ground Economy 20", smartpost, Some(Fedex))
            .service("Ground Economy (SmartPost)"),
        case("FedEx Ground 96 barcode", ground_96, Some(Fedex))
            .service("Ground")
            .tracking(ground_15()),
        case(
            "FedEx 34-digit barcode, 12-digit number",
            format!("1002345678900001000300{}", fedex_12()),
            Some(Fedex),
        )
        .tracking(fedex_12()),
        case(
            "FedEx Ground 34-digit barcode, 12-digit number",
            format!("9622001230004567890100{}", fedex_12()),
            Some(Fedex),
        )
        .service("Ground")
        .tracking(fedex_12()),
        case(
            "FedEx 34-digit barcode, 15-digit number",
            format!("9622001230004567890{}", ground_15()),
            Some(Fedex),
        )
        .service("Ground")
        .tracking(ground_15()),
        // USPS
        case(
            "USPS IMpb 22",
            with_check("940010987654321012345", gs1),
            Some(Usps),
        ),
        case(
            "USPS IMpb 22",
            with_check("920550001234567890123", gs1),
            Some(Usps),
        ),
        case(
            "USPS IMpb 26",
            with_check("9274899912345678901234567", gs1),
            Some(Usps),
        ),
        case(
            "USPS 20",
            with_check("0312345678900011223", gs1),
            Some(Usps),
        ),
        case(
            "USPS S10",
            format!("EA{}US", with_check("12345678", s10)),
            Some(Usps),
        )
        .service("International express (EMS)"),
        case(
            "USPS S10",
            format!("CP{}US", with_check("00012345", s10)),
            Some(Usps),
        )
        .service("International parcel"),
        // DHL
        case("DHL Express", with_check("123456789", mod7), Some(Dhl)).service("Express"),
        case("DHL Express", with_check("550012347", mod7), Some(Dhl)).service("Express"),
        case("DHL eCommerce", "GM1234567890123456".into(), Some(Dhl))
            .service("eCommerce")
            .unchecked(),
        case(
            "Deutsche Post / DHL S10",
            format!("RR{}DE", with_check("87654321", s10)),
            Some(Dhl),
        )
        .service("International registered mail"),
        // Amazon
        case("Amazon TBA", "TBA123456789012".into(), Some(Amazon)).unchecked(),
        case("Amazon TBC", "TBC000111222333".into(), Some(Amazon)).unchecked(),
        case("Amazon TBM", "TBM987654321000".into(), Some(Amazon)).unchecked(),
        // Canada Post
        case(
            "Canada Post 16",
            with_check("101234500012345", gs1),
            Some(CanadaPost),
        ),
        case(
            "Canada Post 16",
            with_check("101123456789012", gs1),
            Some(CanadaPost),
        ),
        case(
            "Canada Post S10",
            format!("RN{}CA", with_check("12345670", s10)),
            Some(CanadaPost),
        )
        .service("International registered mail"),
        // Purolator: a Luhn-valid 12-digit number FedEx's check digit rejects.
        case(
            "Purolator 12",
            with_check("52012345681", luhn),
            Some(Purolator),
        ),
        case(
            "Purolator alphanumeric",
            "ABC123456789".into(),
            Some(Purolator),
        )
        .unchecked(),
        // OnTrac
        case("OnTrac C", with_check("C1234567000123", ups), Some(Ontrac)),
        case("OnTrac D", with_check("D2020123456789", ups), Some(Ontrac)),
        // LaserShip (OnTrac)
        case("LaserShip 1LS", "1LS7201234567890".into(), Some(Lasership)).unchecked(),
        case(
            "LaserShip 1LS piece",
            "1LS72400123456-2".into(),
            Some(Lasership),
        )
        .unchecked(),
        case("LaserShip LX", "LX15012345".into(), Some(Lasership)).unchecked(),
        // Canpar
        case("Canpar", "D123456780000001234001".into(), Some(Canpar)).unchecked(),
        // Known formats that name no carrier.
        case("SSCC", with_check("00614141123456789", gs1), None)
            .service("SSCC (GS1 shipping container code)"),
        case(
            "Royal Mail S10",
            format!("RB{}GB", with_check("11223344", s10)),
            None,
        )
        .service("International registered mail, posted through GB"),
    ]
}

#[test]
fn every_real_format_number_is_recognised_and_valid() {
    for c in cases() {
        let id = identify(&c.number);
        let tracking = c.tracking.clone().unwrap_or_else(|| c.number.clone());
        assert_eq!(id.carrier, c.carrier, "{}: {}", c.what, c.number);
        assert!(id.valid, "{}: {} should be valid", c.what, c.number);
        assert_eq!(id.service.as_deref(), c.service, "{}: {}", c.what, c.number);
        assert_eq!(id.tracking_number, tracking, "{}: {}", c.what, c.number);
        assert_eq!(id.input, c.number);
        match c.carrier {
            Some(carrier) => {
                let url = id.tracking_url.expect("a tracking link");
                assert!(url.starts_with("https://"), "{url}");
                assert!(url.ends_with(&tracking), "{url}");
                assert_eq!(url, carrier.tracking_url(&tracking));
            }
            None => assert_eq!(id.tracking_url, None),
        }
    }
}

#[test]
fn one_changed_digit_is_flagged_and_never_corrected() {
    for c in cases().into_iter().filter(|c| c.checked) {
        let tracking = c.tracking.clone().unwrap_or_else(|| c.number.clone());
        // Change the digit before the check digit (S10: before the country code).
        let at = if c.number.ends_with(|ch: char| ch.is_ascii_alphabetic()) {
            c.number.len() - 4
        } else {
            c.number.len() - 2
        };
        let changed = change_digit(&c.number, at);
        let id = identify(&changed);
        assert!(!id.valid, "{}: {changed} must be flagged", c.what);
        let expected_tracking = &changed[changed.len() - tracking.len()..];
        assert_eq!(
            id.tracking_number, expected_tracking,
            "{}: kept as scanned",
            c.what
        );
        let best_match = match c.carrier {
            // A 12-digit number neither check digit accepts goes to the first 12-digit
            // format, FedEx; a 20-digit one to the first 20-digit format, USPS.
            Some(Carrier::Purolator) if changed.len() == 12 => Some(Carrier::Fedex),
            Some(Carrier::Fedex) if changed.len() == 20 => Some(Carrier::Usps),
            other => other,
        };
        assert_eq!(id.carrier, best_match, "{}: {changed}", c.what);
    }
}

#[test]
fn a_changed_check_digit_is_flagged_too() {
    // 20 digits are read two ways whose check digits differ by one: see
    // `twenty_digit_readings_overlap_by_one_check_digit`.
    let twenty_digits = |c: &Case| c.number.len() == 20;
    for c in cases()
        .into_iter()
        .filter(|c| c.checked && !twenty_digits(c))
    {
        let at = if c.number.ends_with(|ch: char| ch.is_ascii_alphabetic()) {
            c.number.len() - 3
        } else {
            c.number.len() - 1
        };
        let changed = change_digit(&c.number, at);
        assert!(!identify(&changed).valid, "{}: {changed}", c.what);
    }
}

#[test]
fn twelve_digits_valid_for_both_fedex_and_purolator_go_to_fedex() {
    // 324680135864 passes both FedEx mod 11 and Luhn.
    let both = "324680135864";
    assert_eq!(support::fedex(&both[..11]), '4');
    assert_eq!(support::luhn(&both[..11]), '4');
    let id = identify(both);
    assert_eq!(id.carrier, Some(Carrier::Fedex));
    assert!(id.valid);
    // A Luhn-only number is Purolator's.
    let puro = with_check("52012345681", luhn);
    assert_ne!(support::fedex("52012345681"), puro.chars().last().unwrap());
    assert_eq!(identify(&puro).carrier, Some(Carrier::Purolator));
    // The overlap cuts both ways: 520123456789 is Purolator's (Luhn), and the same
    // number with its check digit one higher happens to be a valid FedEx number.
    assert_eq!(identify("520123456789").carrier, Some(Carrier::Purolator));
    let id = identify("520123456780");
    assert_eq!(id.carrier, Some(Carrier::Fedex));
    assert!(id.valid);
}

#[test]
fn twenty_digits_valid_bare_are_usps_and_with_92_in_front_are_fedex() {
    let payload = "7481234567890123456";
    let bare = with_check(payload, gs1);
    assert_eq!(identify(&bare).carrier, Some(Carrier::Usps));
    let smartpost = format!("{payload}{}", gs1(&format!("92{payload}")));
    let id = identify(&smartpost);
    assert_eq!(id.carrier, Some(Carrier::Fedex));
    assert!(id.valid);
    // Not with 91 in front: that reading's check digit is one more than 92's, and
    // accepting it would let an off-by-one check digit pass.
    let old = format!("{payload}{}", gs1(&format!("91{payload}")));
    let id = identify(&old);
    assert!(!id.valid);
    assert_eq!(id.carrier, Some(Carrier::Usps));
}

#[test]
fn a_fedex_ground_22_is_not_usps() {
    let n = format!("9611020{}", ground_15());
    let id = identify(&n);
    assert_eq!(id.carrier, Some(Carrier::Fedex));
    assert_eq!(id.tracking_number, ground_15());
    // The same 22 digits starting 94 are a USPS number (its own check digit).
    let usps = with_check("940111122223333444455", gs1);
    assert_eq!(identify(&usps).carrier, Some(Carrier::Usps));
}

#[test]
fn impb_routing_prefixes_give_the_usps_number() {
    let tracking = with_check("920550001234567890123", gs1);
    for routed in [
        format!("42002134{tracking}"),
        format!("420021341234{tracking}"),
        format!("]C142002134\u{1D}{tracking}"),
        format!("]c1420021341234\u{1D}{tracking}"),
    ] {
        let id = identify(&routed);
        assert_eq!(id.tracking_number, tracking, "{routed:?}");
        assert_eq!(id.carrier, Some(Carrier::Usps));
        assert!(id.valid);
        assert_eq!(id.input, routed);
    }
    // A routed number with a wrong check digit is flagged, not corrected.
    let wrong = change_digit(&tracking, 10);
    let id = identify(&format!("42002134{wrong}"));
    assert_eq!(id.tracking_number, wrong);
    assert_eq!(id.carrier, Some(Carrier::Usps));
    assert!(!id.valid);
}

#[test]
fn a_routing_prefix_that_does_not_parse_is_usps_and_invalid() {
    // 30 digits after 420 + ZIP5 but no 91–95 channel: not reduced.
    let n = format!("42002134{}", with_check("000550001234567890123", gs1));
    let id = identify(&n);
    assert_eq!(id.tracking_number, n);
    assert_eq!(id.carrier, Some(Carrier::Usps));
    assert!(!id.valid);
}

#[test]
fn scanner_framing_is_removed_before_recognition() {
    let ups = format!("1Z{}", with_check("12345E012345678", ups));
    for raw in [
        format!("  {}\r\n", ups.to_lowercase()),
        format!("]C1{ups}"),
        format!("\u{1D}{ups}"),
        format!("{} {} {}", &ups[..6], &ups[6..12], &ups[12..]),
        format!("\u{FEFF}{ups}\u{200B}"),
    ] {
        let id = identify(&raw);
        assert_eq!(id.tracking_number, ups, "{raw:?}");
        assert_eq!(id.carrier, Some(Carrier::Ups));
        assert!(id.valid);
    }
}

#[test]
fn unknown_input_gives_no_carrier() {
    let long = "9".repeat(10_000);
    let unknown = [
        "",
        "   ",
        "\u{1D}\u{1D}",
        "hello world",
        "1Z",
        "1Z123",
        "TBA12345",
        "12345",
        "12345678901",
        "1234567890123",
        "café-0123456789",
        "１２３４５６７８９０１２", // full-width digits are not digits
        "📦📦📦📦📦📦📦📦📦📦📦📦",
        "' OR 1=1 --",
        long.as_str(),
    ];
    for raw in unknown {
        let id = identify(raw);
        assert_eq!(id.carrier, None, "{raw:?}");
        assert!(!id.valid, "{raw:?}");
        assert_eq!(id.tracking_url, None);
        assert_eq!(id.service, None);
    }
    assert_eq!(identify("").tracking_number, "");
    assert_eq!(identify(" \t\n").tracking_number, "");
}

#[test]
fn identification_serialises_with_the_documented_fields() {
    let ups = format!("1Z{}", with_check("12345E032345678", ups));
    let value = serde_json::to_value(identify(&ups)).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "input": ups,
            "tracking_number": ups,
            "carrier": "ups",
            "service": "Ground",
            "valid": true,
            "tracking_url": format!("https://www.ups.com/track?tracknum={ups}"),
        })
    );
    let value = serde_json::to_value(identify("nope")).unwrap();
    assert_eq!(value["carrier"], serde_json::Value::Null);
    assert_eq!(value["tracking_url"], serde_json::Value::Null);
    assert_eq!(value["valid"], false);
    assert_eq!(value["tracking_number"], "NOPE");
}

#[test]
fn canada_post_and_canpar_snake_case_codes() {
    let cp = with_check("101123456789012", gs1);
    let value = serde_json::to_value(identify(&cp)).unwrap();
    assert_eq!(value["carrier"], "canada_post");
    let value = serde_json::to_value(identify("D123456780000001234001")).unwrap();
    assert_eq!(value["carrier"], "canpar");
}

#[test]
fn twenty_digit_readings_overlap_by_one_check_digit() {
    // The known weak spot, pinned down: a USPS 20-digit number whose check digit is one
    // too high reads as a valid FedEx Ground Economy number, and one too low the other
    // way round. Any other wrong check digit is flagged.
    let payload = "0312345678900011223";
    let usps = with_check(payload, gs1);
    let check = usps.chars().last().unwrap().to_digit(10).unwrap();
    for delta in 1..10 {
        let changed = format!("{payload}{}", (check + delta) % 10);
        let id = identify(&changed);
        if delta == 1 {
            assert_eq!(id.carrier, Some(Carrier::Fedex));
            assert!(id.valid);
        } else {
            assert!(!id.valid, "{changed}");
        }
    }
}
