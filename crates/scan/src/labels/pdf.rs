//! The printable PDF: one page at exactly the label size, vector text in the bundled
//! font (embedded as a subset, CID-keyed with a ToUnicode map so text can be copied and
//! searched) and the QR code as filled rectangles.

use std::collections::BTreeMap;

use ab_glyph::Font;
use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use super::LabelError;
use super::font::{self, FONT_BYTES, FONT_NAME};
use super::layout::Layout;

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// zlib level: 6 is the usual balance of size and time.
const DEFLATE_LEVEL: u8 = 6;

const SYSTEM_INFO: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

impl Layout {
    /// The label as a one-page PDF document of exactly the label's size.
    pub fn to_pdf(&self) -> Result<Vec<u8>, LabelError> {
        let page_w = self.size.width_mm() * PT_PER_MM;
        let page_h = self.size.height_mm() * PT_PER_MM;
        // PDF's origin is the bottom-left corner, y up.
        let x = |mm: f32| mm * PT_PER_MM;
        let y = |mm: f32| page_h - mm * PT_PER_MM;

        // The glyphs used, renumbered from 1 in the subset (0 is .notdef).
        let mut remapper = GlyphRemapper::new();
        let mut to_unicode: BTreeMap<u16, char> = BTreeMap::new();
        for text in &self.texts {
            for c in text.text.chars() {
                let old = font::glyph(c).0;
                let new = remapper.remap(old);
                to_unicode.entry(new).or_insert(c);
            }
        }

        let mut content = Content::new();
        for text in &self.texts {
            let mut cids = Vec::with_capacity(text.text.len() * 2);
            for c in text.text.chars() {
                let cid = remapper.get(font::glyph(c).0).unwrap_or(0);
                cids.extend_from_slice(&cid.to_be_bytes());
            }
            content.begin_text();
            content.set_font(Name(b"F1"), text.size_mm * PT_PER_MM);
            content.next_line(x(text.x_mm), y(text.baseline_mm));
            content.show(Str(&cids));
            content.end_text();
        }
        for bar in &self.bars {
            content.rect(
                x(bar.x_mm),
                y(bar.y_mm + bar.height_mm),
                bar.width_mm * PT_PER_MM,
                bar.height_mm * PT_PER_MM,
            );
        }
        let qr = &self.qr;
        let module = qr.module_mm * PT_PER_MM;
        let (sx, sy) = qr.symbol_origin_mm();
        for (row, column, run) in qr.matrix.dark_runs() {
            content.rect(
                x(sx) + column as f32 * module,
                y(sy) - (row as f32 + 1.0) * module,
                run as f32 * module,
                module,
            );
        }
        // All bars and modules as one path: no seams between adjacent modules.
        content.fill_nonzero();
        let content = compress_to_vec_zlib(&content.finish(), DEFLATE_LEVEL);

        let subset = subsetter::subset(FONT_BYTES, 0, &remapper)
            .map_err(|e| LabelError::Font(e.to_string()))?;
        let subset = compress_to_vec_zlib(&subset, DEFLATE_LEVEL);

        let catalog_id = Ref::new(1);
        let pages_id = Ref::new(2);
        let page_id = Ref::new(3);
        let content_id = Ref::new(4);
        let type0_id = Ref::new(5);
        let cid_font_id = Ref::new(6);
        let descriptor_id = Ref::new(7);
        let font_file_id = Ref::new(8);
        let cmap_id = Ref::new(9);
        let info_id = Ref::new(10);

        let mut pdf = Pdf::new();
        pdf.catalog(catalog_id).pages(pages_id);
        pdf.pages(pages_id).kids([page_id]).count(1);
        let mut page = pdf.page(page_id);
        page.parent(pages_id)
            .media_box(Rect::new(0.0, 0.0, page_w, page_h))
            .contents(content_id);
        page.resources().fonts().pair(Name(b"F1"), type0_id);
        page.finish();
        pdf.stream(content_id, &content).filter(Filter::FlateDecode);

        // A subset font's name starts with six capital letters naming the subset.
        let base_font = format!("{}+{FONT_NAME}", subset_tag(&remapper));
        let base_font = Name(base_font.as_bytes());
        pdf.type0_font(type0_id)
            .base_font(base_font)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_font_id)
            .to_unicode(cmap_id);

        let units_per_em = font::units_per_em();
        let to_pdf_units = |v: f32| v * 1000.0 / units_per_em;
        let font_ref = font::font();
        let widths: Vec<f32> = remapper
            .remapped_gids()
            .map(|old| to_pdf_units(font_ref.h_advance_unscaled(ab_glyph::GlyphId(old))))
            .collect();
        let mut cid_font = pdf.cid_font(cid_font_id);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(base_font)
            .system_info(SYSTEM_INFO)
            .font_descriptor(descriptor_id)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid_font.widths().consecutive(0, widths);
        cid_font.finish();

        // The union of the used glyphs' outlines.
        let mut bbox = Rect::new(0.0, 0.0, 0.0, 0.0);
        for old in remapper.remapped_gids() {
            if let Some(outline) = font_ref.outline(ab_glyph::GlyphId(old)) {
                bbox.x1 = bbox.x1.min(to_pdf_units(outline.bounds.min.x));
                bbox.y1 = bbox.y1.min(to_pdf_units(outline.bounds.min.y));
                bbox.x2 = bbox.x2.max(to_pdf_units(outline.bounds.max.x));
                bbox.y2 = bbox.y2.max(to_pdf_units(outline.bounds.max.y));
            }
        }
        let ascent = font::ascent_em() * 1000.0;
        pdf.font_descriptor(descriptor_id)
            .name(base_font)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(bbox)
            .italic_angle(0.0)
            .ascent(ascent)
            .descent(-font::descent_em() * 1000.0)
            .cap_height(ascent * 0.78)
            .stem_v(140.0)
            .font_file2(font_file_id);
        pdf.stream(font_file_id, &subset)
            .filter(Filter::FlateDecode);

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), SYSTEM_INFO);
        for (cid, c) in &to_unicode {
            cmap.pair(*cid, *c);
        }
        let cmap = cmap.finish();
        pdf.cmap(cmap_id, &cmap)
            .name(Name(b"Custom"))
            .system_info(SYSTEM_INFO);

        let title = format!("Package label {}", self.code);
        pdf.document_info(info_id)
            .title(TextStr(&title))
            .producer(TextStr("Frontdesk"));

        Ok(pdf.finish())
    }
}

/// Six capital letters derived from the glyph set, as PDF wants for a subset's name.
fn subset_tag(remapper: &GlyphRemapper) -> String {
    // FNV-1a over the glyph ids.
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for gid in remapper.remapped_gids() {
        for byte in gid.to_be_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01B3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 8)) % 26) as u8))
        .collect()
}
