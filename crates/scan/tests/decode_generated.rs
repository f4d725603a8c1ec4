//! Generated 1280×720 frames of each carrier symbology, with webcam faults, through the
//! pipeline's per-frame decode and its acceptance rule.

mod decode_support;

use decode_support::*;
use frontdesk_scan::decode::{AcceptReason, DecodeOptions, Frame, Pipeline, Read, Symbology};

fn cases() -> Vec<(Symbology, &'static str)> {
    vec![
        (Symbology::Code128, UPS),
        (Symbology::Qr, PACKAGE_CODE),
        (Symbology::DataMatrix, "9400111899223197428490"),
        (Symbology::Pdf417, "FDX 7712 3456 7890 UNIT 12B"),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Condition {
    Clean,
    Smaller,
    Blur,
    Noise,
    Rotated,
    Sideways,
    Perspective,
    LowContrast,
    Jpeg,
    Everything,
}

const CONDITIONS: [Condition; 10] = [
    Condition::Clean,
    Condition::Smaller,
    Condition::Blur,
    Condition::Noise,
    Condition::Rotated,
    Condition::Sideways,
    Condition::Perspective,
    Condition::LowContrast,
    Condition::Jpeg,
    Condition::Everything,
];

fn render(symbology: Symbology, text: &str, condition: Condition) -> (Frame, Placement, Modules) {
    let modules = encode(symbology, text);
    let mut at = realistic(symbology, &modules);
    // Off centre but inside the default aim box, as a parcel is held.
    at.centre = (at.centre.0 + 37.0, at.centre.1 - 21.0);
    match condition {
        // Not combined with blur in Everything: a 3-pixel blur over Code 128 modules under
        // 2 pixels wide leaves no bars to read, for any decoder.
        Condition::Smaller => at.module = (at.module.0 * 0.8, at.module.1 * 0.8),
        Condition::Rotated => at.rotation_deg = 4.0,
        // A label held on its side: the bars run across the rows.
        Condition::Sideways => at.rotation_deg = -87.0,
        // A label held turned away from the camera, one side of the code larger than the
        // other. rxing loses the small QR (version 1: no alignment pattern to correct
        // perspective with) from about 20° turned, where ZXing-C++ still reads it at 35°
        // (decode-bench); the other symbologies read at 35°.
        Condition::Perspective => at.tilt_deg = (15.0, 5.0),
        _ => {}
    }
    if let Condition::Everything = condition {
        at.rotation_deg = -3.0;
    }
    let mut canvas = Canvas::blank();
    canvas.draw(&modules, at);
    match condition {
        Condition::Blur => canvas.box_blur(1),
        Condition::Noise => canvas.noise(12.0, 7),
        // Ink and paper about 90 grey levels apart. At about 60 levels apart rxing still
        // reads the QR, Code 128 and PDF417 here but no longer the DataMatrix; the
        // benchmark is where such limits are to be measured against ZXing-C++.
        Condition::LowContrast => canvas.contrast(70.0, 180.0),
        Condition::Everything => {
            canvas.box_blur(1);
            canvas.contrast(60.0, 200.0);
            canvas.noise(6.0, 11);
        }
        _ => {}
    }
    let frame = match condition {
        Condition::Jpeg => canvas.jpeg_frame(60),
        Condition::Everything => canvas.jpeg_frame(75),
        _ => canvas.frame(),
    };
    (frame, at, modules)
}

fn decode(frame: &Frame) -> Vec<Read> {
    Pipeline::new(DecodeOptions::default())
        .decode_frame(frame)
        .reads
        .expect("decoded within the budget")
}

#[test]
fn every_carrier_symbology_is_found_under_webcam_faults() {
    let mut failures = Vec::new();
    for (symbology, text) in cases() {
        for condition in CONDITIONS {
            let (frame, at, modules) = render(symbology, text, condition);
            let reads = decode(&frame);
            let Some(read) = reads.first() else {
                failures.push(format!("{symbology:?} {condition:?}: nothing found"));
                continue;
            };
            if read.symbology != symbology || read.text != text {
                failures.push(format!("{symbology:?} {condition:?}: read {read:?}"));
                continue;
            }
            // Points are in full-frame pixels: on the symbol, whichever pass found it.
            let reach = at.reach(&modules) + 4.0;
            for &(x, y) in &read.position {
                let d = (x - at.centre.0).hypot(y - at.centre.1);
                if d > reach {
                    failures.push(format!(
                        "{symbology:?} {condition:?}: point ({x}, {y}) is {d} px from the centre, beyond {reach}"
                    ));
                }
            }
            if read.position.is_empty() {
                failures.push(format!("{symbology:?} {condition:?}: no position"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_code_outside_the_aim_box_is_found_by_the_whole_frame_passes() {
    let modules = encode(Symbology::Qr, PACKAGE_CODE);
    let mut at = realistic(Symbology::Qr, &modules);
    at.centre = (140.0, 130.0);
    let mut canvas = Canvas::blank();
    canvas.draw(&modules, at);
    let reads = decode(&canvas.frame());
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].text, PACKAGE_CODE);
    for &(x, y) in &reads[0].position {
        assert!(x < 300.0 && y < 300.0, "({x}, {y})");
    }
}

#[test]
fn empty_frames_have_no_codes() {
    let mut paper = Canvas::blank();
    assert_eq!(decode(&paper.frame()), vec![]);
    paper.noise(10.0, 3);
    assert_eq!(decode(&paper.frame()), vec![]);
    let mut dim = Canvas::blank();
    dim.contrast(40.0, 90.0);
    dim.box_blur(2);
    assert_eq!(decode(&dim.jpeg_frame(50)), vec![]);
}

#[test]
fn a_read_whose_check_digit_fails_is_not_accepted_on_one_frame() {
    let frame_of = |text| {
        let modules = encode(Symbology::Code128, text);
        let mut canvas = Canvas::blank();
        canvas.draw(&modules, realistic(Symbology::Code128, &modules));
        canvas.noise(5.0, 1);
        canvas.frame()
    };
    let bad = frame_of(UPS_BAD_CHECK);
    // The decoder reads it exactly: it is the acceptance rule that refuses it.
    assert_eq!(decode(&bad)[0].text, UPS_BAD_CHECK);
    let mut pipeline = Pipeline::new(DecodeOptions::default());
    assert_eq!(pipeline.process(&bad).unwrap(), vec![]);

    let mut pipeline = Pipeline::new(DecodeOptions::default());
    let accepted = pipeline.process(&frame_of(UPS)).unwrap();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].read.text, UPS);
    assert_eq!(accepted[0].reason, AcceptReason::CheckDigit);
}

#[test]
fn gs1_128_keeps_its_identifier_and_separators_for_the_carrier_rules() {
    let frame_of = |encoded: &str| {
        let modules = encode(Symbology::Code128, encoded);
        let mut canvas = Canvas::blank();
        canvas.draw(&modules, realistic(Symbology::Code128, &modules));
        canvas.frame()
    };
    // USPS IMpb: AI 420 and the ZIP, closed by FNC1 (written `ñ` for rxing's encoder)
    // because the ZIP's length varies, then the tracking number.
    let impb = decode(&frame_of("\u{f1}42012345\u{f1}9400111899223197428497"));
    assert_eq!(impb[0].text, "]C142012345\u{1d}9400111899223197428497");
    let identified = frontdesk_carriers::identify(&impb[0].text);
    assert_eq!(identified.tracking_number, "9400111899223197428497");
    assert!(identified.valid);
    // An SSCC: without the identifier, AI 00 and its 18 digits would be taken for a
    // 20-digit USPS number.
    let sscc = decode(&frame_of("\u{f1}00123456789012345675"));
    assert_eq!(sscc[0].text, "]C100123456789012345675");
    assert_eq!(
        frontdesk_carriers::identify(&sscc[0].text).tracking_number,
        "123456789012345675"
    );
}
