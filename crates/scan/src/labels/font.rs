//! The bundled label font, text clean-up, measuring and fitting.
//!
//! Every format measures text with this font's advances (no kerning), so a line that
//! fits in the layout fits in the PDF and the PNG exactly. Zebra's font 0 is narrower
//! than DejaVu Sans Condensed Bold at the same height, so it fits there too.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// DejaVu Sans Condensed Bold 2.37 (Bitstream Vera licence, see assets/LICENSE-DejaVu.txt).
pub(crate) const FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSansCondensed-Bold.ttf");

/// The PostScript name of the bundled font.
pub(crate) const FONT_NAME: &str = "DejaVuSansCondensed-Bold";

/// What a truncated line ends with.
pub(crate) const ELLIPSIS: char = '…';

/// Longest field text considered, in characters; anything longer is cut before fitting.
const MAX_FIELD_CHARS: usize = 200;

/// The parsed bundled font.
pub(crate) fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(FONT_BYTES)
            .expect("the bundled label font is a valid TrueType font")
    })
}

/// Font design units per em.
pub(crate) fn units_per_em() -> f32 {
    font().units_per_em().unwrap_or(2048.0)
}

/// Ascender height as a fraction of the em.
pub(crate) fn ascent_em() -> f32 {
    font().ascent_unscaled() / units_per_em()
}

/// Descender depth as a (positive) fraction of the em.
pub(crate) fn descent_em() -> f32 {
    -font().descent_unscaled() / units_per_em()
}

/// The glyph of a character (0, `.notdef`, when the font has none).
pub(crate) fn glyph(c: char) -> GlyphId {
    font().glyph_id(c)
}

/// Advance width of a glyph as a fraction of the em.
pub(crate) fn advance_em(id: GlyphId) -> f32 {
    font().h_advance_unscaled(id) / units_per_em()
}

/// Width of `text` in ems: the sum of its glyph advances.
pub(crate) fn width_em(text: &str) -> f32 {
    text.chars().map(|c| advance_em(glyph(c))).sum()
}

/// Normalises a field for printing: Unicode NFC (so `e` + combining acute is one `é`),
/// control and other invisible characters and runs of whitespace become one space, ends
/// trimmed, and at most [`MAX_FIELD_CHARS`] characters kept.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_FIELD_CHARS * 4));
    let mut count = 0;
    let mut pending_space = false;
    for c in text.nfc() {
        let invisible = c.is_control()
            || c.is_whitespace()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}');
        if invisible {
            pending_space = !out.is_empty();
            continue;
        }
        if count >= MAX_FIELD_CHARS {
            break;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// A line of text fitted to a width.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    pub text: String,
    /// Em size in millimetres.
    pub size_mm: f32,
    /// Width in millimetres at that size.
    pub width_mm: f32,
}

/// Fits `text` into `max_width_mm`: at `nominal_mm` if it fits, else shrunk as far as
/// `min_mm`, else truncated at `min_mm` and ended with an ellipsis. Never wider than
/// `max_width_mm` (an empty string if not even the ellipsis fits).
pub(crate) fn fit(text: &str, nominal_mm: f32, min_mm: f32, max_width_mm: f32) -> Fitted {
    let full = width_em(text);
    if full * nominal_mm <= max_width_mm {
        return Fitted {
            text: text.to_owned(),
            size_mm: nominal_mm,
            width_mm: full * nominal_mm,
        };
    }
    let shrunk = (max_width_mm / full).max(min_mm).min(nominal_mm);
    if full * shrunk <= max_width_mm {
        return Fitted {
            text: text.to_owned(),
            size_mm: shrunk,
            width_mm: full * shrunk,
        };
    }
    // Truncate at the minimum size: the longest prefix that fits with the ellipsis. A
    // prefix never ends inside a character's combining marks, nor with a space.
    let size = min_mm;
    let budget = max_width_mm / size - advance_em(glyph(ELLIPSIS));
    let chars: Vec<char> = text.chars().collect();
    let mut used = 0.0;
    let mut end = 0;
    for (i, c) in chars.iter().enumerate() {
        used += advance_em(glyph(*c));
        if used > budget {
            break;
        }
        let next_is_mark = chars.get(i + 1).is_some_and(|n| is_combining_mark(*n));
        if !next_is_mark {
            end = i + 1;
        }
    }
    let mut truncated: String = chars[..end].iter().collect();
    truncated.truncate(truncated.trim_end().len());
    truncated.push(ELLIPSIS);
    let width = width_em(&truncated) * size;
    if width > max_width_mm {
        return Fitted {
            text: String::new(),
            size_mm: size,
            width_mm: 0.0,
        };
    }
    Fitted {
        text: truncated,
        size_mm: size,
        width_mm: width,
    }
}

/// Fits `text` into `max_width_mm` by shrinking only: at `nominal_mm` if it fits, else at
/// the size where it exactly fits. For the package code, which must be printed whole.
pub(crate) fn fit_whole(text: &str, nominal_mm: f32, max_width_mm: f32) -> Fitted {
    let full = width_em(text);
    let size = if full * nominal_mm <= max_width_mm {
        nominal_mm
    } else {
        max_width_mm / full
    };
    Fitted {
        text: text.to_owned(),
        size_mm: size,
        width_mm: (full * size).min(max_width_mm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_every_letter_of_french_names() {
        for c in "ÀÂÆÇÉÈÊËÎÏÔŒÙÛÜŸàâæçéèêëîïôœùûüÿ’«»…-".chars()
        {
            assert_ne!(glyph(c), GlyphId(0), "no glyph for {c:?}");
        }
    }

    #[test]
    fn clean_composes_and_collapses() {
        assert_eq!(
            clean("  He\u{301}le\u{300}ne \t\r\n Côté\u{0}"),
            "Hélène Côté"
        );
        assert_eq!(clean("a\u{200B}b"), "a b");
        assert_eq!(clean(&"x".repeat(1000)).len(), MAX_FIELD_CHARS);
        assert_eq!(clean("\n\n"), "");
    }

    #[test]
    fn short_text_keeps_its_size() {
        let fitted = fit("1204", 5.0, 3.0, 40.0);
        assert_eq!(fitted.text, "1204");
        assert_eq!(fitted.size_mm, 5.0);
        assert!(fitted.width_mm <= 40.0);
    }

    #[test]
    fn a_little_too_long_shrinks() {
        let text = "Hélène Bélanger-Côté";
        let natural = width_em(text) * 5.0;
        let fitted = fit(text, 5.0, 3.0, natural * 0.8);
        assert_eq!(fitted.text, text);
        assert!(fitted.size_mm < 5.0 && fitted.size_mm >= 3.0);
        assert!(fitted.width_mm <= natural * 0.8 + 1e-3);
    }

    #[test]
    fn far_too_long_is_truncated_with_an_ellipsis_and_fits() {
        let text = "Marie-Ève-Geneviève Tremblay-Bélanger-Côté de la Montagne-Saint-Laurent";
        for max in [5.0, 12.0, 20.0, 34.5, 50.0] {
            let fitted = fit(text, 5.0, 3.0, max);
            assert!(fitted.width_mm <= max, "{fitted:?} wider than {max}");
            assert_eq!(fitted.size_mm, 3.0);
            assert!(fitted.text.ends_with(ELLIPSIS), "{fitted:?}");
            assert!(!fitted.text.contains(" …"), "{fitted:?}");
            assert!(text.starts_with(fitted.text.trim_end_matches(ELLIPSIS)));
        }
    }

    #[test]
    fn truncation_never_splits_a_letter_from_its_accent() {
        // A decomposed é that NFC could not compose is not expected, but a mark on a
        // letter without a precomposed form (q̃) stays with its letter.
        let text = "q\u{303}".repeat(40);
        let fitted = fit(&text, 5.0, 3.0, 20.0);
        let kept = fitted.text.trim_end_matches(ELLIPSIS);
        assert!(!kept.is_empty());
        assert!(kept.ends_with('\u{303}'), "{kept:?}");
    }

    #[test]
    fn nothing_fits_in_no_room() {
        assert_eq!(fit("Hélène", 5.0, 3.0, 0.5).text, "");
    }
}
