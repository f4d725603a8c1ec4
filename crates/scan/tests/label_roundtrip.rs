//! Labels read back the way a scanner and a printer would see them: the PDF rasterised
//! by poppler's `pdftoppm`, the PNG preview as it is, and the QR code decoded by rxing.
//! Needs poppler-utils (`scripts/setup.sh --for-tests` installs it).

use std::path::Path;
use std::process::Command;

use frontdesk_scan::labels::{Dpi, LabelData, LabelFormat, LabelSize, Layout, TextRole, render};
use image::GrayImage;
use rxing::BarcodeFormat;

const NAME: &str = "Hélène Bélanger-Côté";

fn label(code: &str, recipient: &str) -> LabelData {
    LabelData {
        code: code.into(),
        recipient: recipient.into(),
        unit: "1204".into(),
        carrier: "Purolator".into(),
        received_at: "2026-11-22 14:05".into(),
        shelf: Some("B3".into()),
    }
}

/// Short, lowercase (byte mode), and the longest in mixed case (byte mode, a version 2
/// symbol of 25 modules).
const CODES: [&str; 3] = ["PKG-7K3Q9", "k7q-42m-x", "Wqmw-012345-MwkQ"];

#[test]
fn the_codes_cover_two_qr_versions() {
    let sizes: Vec<usize> = CODES
        .iter()
        .map(|code| {
            Layout::new(&label(code, NAME), LabelSize::Dymo30334)
                .unwrap()
                .qr
                .matrix
                .size()
        })
        .collect();
    assert_eq!(sizes, [21, 21, 25]);
}

/// The text of the one QR code in the image, if rxing finds it.
fn decode_qr(image: &GrayImage) -> Result<String, String> {
    rxing::helpers::detect_in_luma(
        image.as_raw().clone(),
        image.width(),
        image.height(),
        Some(BarcodeFormat::QR_CODE),
    )
    .map(|result| result.getText().to_owned())
    .map_err(|e| e.to_string())
}

fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program} ({e}): install poppler-utils (scripts/setup.sh --for-tests)"
            )
        });
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // poppler reports a malformed PDF on stderr and carries on: none is expected.
    assert!(
        output.stderr.is_empty(),
        "{program} {args:?} complained: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// `pdftoppm` at `dpi`, greyscale, one page.
fn rasterise(pdf: &Path, dpi: u16) -> GrayImage {
    let dir = pdf.parent().expect("a folder");
    let stem = dir.join(format!("page-{dpi}"));
    let dpi_text = dpi.to_string();
    run(
        "pdftoppm",
        &[
            "-r",
            &dpi_text,
            "-gray",
            "-png",
            "-singlefile",
            pdf.to_str().expect("UTF-8 path"),
            stem.to_str().expect("UTF-8 path"),
        ],
    );
    image::open(stem.with_extension("png"))
        .expect("pdftoppm wrote a PNG")
        .into_luma8()
}

#[test]
fn the_pdf_printed_and_scanned_gives_the_code_back() {
    let dir = tempfile::tempdir().unwrap();
    for size in LabelSize::ALL {
        for code in CODES {
            let pdf = render(&label(code, NAME), size, LabelFormat::Pdf, Dpi::D203).unwrap();
            assert!(pdf.starts_with(b"%PDF-"));
            let path = dir.path().join("label.pdf");
            std::fs::write(&path, &pdf).unwrap();
            for dpi in [Dpi::D203, Dpi::D300] {
                let page = rasterise(&path, dpi.value());
                // One page of exactly the label's size: pdftoppm rounds up to whole pixels.
                let (w, h) = size.dots(dpi);
                assert!(
                    page.width().abs_diff(w) <= 1 && page.height().abs_diff(h) <= 1,
                    "{size} at {dpi}: page is {}×{}, label is {w}×{h}",
                    page.width(),
                    page.height()
                );
                assert_eq!(
                    decode_qr(&page).as_deref(),
                    Ok(code),
                    "{size}, code {code}, rasterised at {dpi} dpi"
                );
            }
        }
    }
}

#[test]
fn the_pdf_text_is_real_text_with_its_accents() {
    let dir = tempfile::tempdir().unwrap();
    for size in LabelSize::ALL {
        let pdf = render(&label("PKG-7K3Q9", NAME), size, LabelFormat::Pdf, Dpi::D203).unwrap();
        let path = dir.path().join("label.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let text = run("pdftotext", &[path.to_str().unwrap(), "-"]);
        let text = String::from_utf8(text).expect("pdftotext writes UTF-8");
        for expected in [
            NAME,
            "1204",
            "Purolator",
            "2026-11-22 14:05",
            "B3",
            "PKG-7K3Q9",
        ] {
            assert!(
                text.contains(expected),
                "{size}: {expected:?} not in {text:?}"
            );
        }
        let fonts = String::from_utf8(run("pdffonts", &[path.to_str().unwrap()])).unwrap();
        // name, type, encoding, embedded, subset, ToUnicode.
        assert!(
            fonts.contains("DejaVuSansCondensed-Bold")
                && fonts.contains("Identity-H")
                && fonts.contains("yes yes yes"),
            "{fonts}"
        );
    }
}

#[test]
fn the_png_preview_has_the_printer_resolution_and_its_qr_code_reads() {
    for size in LabelSize::ALL {
        for dpi in [Dpi::D203, Dpi::D300] {
            for code in CODES {
                let png = render(&label(code, NAME), size, LabelFormat::Png, dpi).unwrap();
                assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
                let image = image::load_from_memory(&png).unwrap().into_luma8();
                assert_eq!(image.dimensions(), size.dots(dpi), "{size} at {dpi}");
                assert_eq!(decode_qr(&image).as_deref(), Ok(code), "{size} at {dpi}");
            }
        }
    }
}

/// The band of the image where the recipient's line is drawn, above its baseline.
fn recipient_band(layout: &Layout, dpi: Dpi) -> (GrayImage, u32, u32) {
    let image = image::load_from_memory(&layout.to_png(dpi).unwrap())
        .unwrap()
        .into_luma8();
    let line = layout.text(TextRole::Recipient).unwrap();
    let k = dpi.dots_per_mm();
    let top = ((line.baseline_mm - line.size_mm) * k) as u32;
    let baseline = (line.baseline_mm * k) as u32;
    (image, top, baseline)
}

fn dark_pixels(image: &GrayImage, rows: std::ops::Range<u32>) -> usize {
    rows.flat_map(|y| (0..image.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| image.get_pixel(x, y).0[0] < 128)
        .count()
}

#[test]
fn accents_are_drawn_in_the_png() {
    // "Helene" and "Hélène" have the same letters; only the accents, above the
    // lowercase letters, add ink there.
    let dpi = Dpi::D300;
    let size = LabelSize::FourBySix;
    let plain = Layout::new(&label("PKG-7K3Q9", "Helene Belanger-Cote"), size).unwrap();
    let accented = Layout::new(&label("PKG-7K3Q9", NAME), size).unwrap();
    let (plain_image, top, baseline) = recipient_band(&plain, dpi);
    let (accented_image, _, _) = recipient_band(&accented, dpi);
    let line = accented.text(TextRole::Recipient).unwrap();
    // Between the top of the capitals' ascent and the x-height (about half the em).
    let x_height = baseline - (line.size_mm * 0.55 * dpi.dots_per_mm()) as u32;
    let plain_ink = dark_pixels(&plain_image, top..x_height);
    let accented_ink = dark_pixels(&accented_image, top..x_height);
    assert!(
        accented_ink > plain_ink + 100,
        "accents add no ink: {accented_ink} vs {plain_ink}"
    );
}

#[test]
fn a_very_long_name_stays_inside_its_column() {
    // On the DYMO label the QR code sits right of the text column: nothing of the name
    // may reach its quiet zone.
    let long = "Marie-Ève-Geneviève Tremblay-Bélanger-Côté de la Montagne-Saint-Laurent";
    let dpi = Dpi::D300;
    let layout = Layout::new(&label("PKG-7K3Q9", long), LabelSize::Dymo30334).unwrap();
    let image = image::load_from_memory(&layout.to_png(dpi).unwrap())
        .unwrap()
        .into_luma8();
    let k = dpi.dots_per_mm();
    let line = layout.text(TextRole::Recipient).unwrap();
    assert!(line.text.ends_with('…'));
    let column_end = ((line.x_mm + line.max_width_mm) * k).ceil() as u32;
    let qr_start = (layout.qr.x_mm * k) as u32;
    assert!(column_end < qr_start);
    let top = ((line.baseline_mm - line.size_mm) * k) as u32;
    let bottom = ((line.baseline_mm + line.size_mm * 0.25) * k) as u32;
    for y in top..bottom {
        for x in column_end..image.width() {
            let inside_qr = x >= qr_start && y >= (layout.qr.y_mm * k) as u32;
            if !inside_qr {
                assert!(
                    image.get_pixel(x, y).0[0] > 200,
                    "ink at ({x}, {y}), right of the name's column"
                );
            }
        }
    }
    assert_eq!(decode_qr(&image).as_deref(), Ok("PKG-7K3Q9"));
}
