//! Directory search over the local full-text index: instant, offline, accent- and
//! case-insensitive, by name, unit number, email or phone.
//!
//! Whatever staff type is turned into a safe FTS5 expression: every word becomes a
//! quoted prefix term, and all must match. Nothing typed can inject FTS5 syntax.

use unicode_normalization::UnicodeNormalization;

/// The text of one resident's index row.
pub struct IndexTerms {
    pub name: String,
    pub unit_number: String,
    pub email: String,
    pub phone: String,
}

pub fn index_terms(
    first_name: &str,
    last_name: &str,
    unit_number: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> IndexTerms {
    IndexTerms {
        name: format!("{first_name} {last_name}"),
        unit_number: unit_number.unwrap_or_default().to_owned(),
        email: email.unwrap_or_default().to_owned(),
        phone: phone.map(phone_forms).unwrap_or_default(),
    }
}

/// A phone number as digit strings staff might type a prefix of: the whole number,
/// without the country code, without the area code, and the last four digits.
fn phone_forms(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let mut forms = vec![digits.clone()];
    let national = digits
        .strip_prefix('1')
        .filter(|d| d.len() == 10)
        .unwrap_or(&digits);
    if national.len() == 10 {
        forms.push(national.to_owned());
        forms.push(national[3..].to_owned());
    }
    if digits.len() > 4 {
        forms.push(digits[digits.len() - 4..].to_owned());
    }
    forms.dedup();
    forms.join(" ")
}

/// Lower-case, accent-free words of `text`: what the index tokenizer also produces, so
/// the query and the index agree even for letters SQLite's folding misses.
pub fn query_words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The FTS5 MATCH expression for what staff typed, or None when there is nothing to
/// search for. Each word is a quoted prefix term: `"celi"* "gag"*`.
pub fn fts_query(text: &str) -> Option<String> {
    let words = query_words(text);
    if words.is_empty() {
        return None;
    }
    Some(
        words
            .iter()
            .map(|w| format!("\"{}\"*", w.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_accents_case_and_punctuation() {
        assert_eq!(query_words("  Céline  GAGNÉ "), vec!["celine", "gagne"]);
        assert_eq!(query_words("Jean-François"), vec!["jean", "francois"]);
        assert_eq!(query_words("(514) 555-0199"), vec!["514", "555", "0199"]);
        assert!(query_words(" - ; ").is_empty());
    }

    #[test]
    fn fts_query_quotes_every_word_so_syntax_cannot_leak() {
        assert_eq!(fts_query("zoë 12").as_deref(), Some("\"zoe\"* \"12\"*"));
        assert_eq!(
            fts_query("a OR b NEAR(c)").as_deref(),
            Some("\"a\"* \"or\"* \"b\"* \"near\"* \"c\"*")
        );
        assert_eq!(fts_query("\"*"), None);
    }

    #[test]
    fn phone_forms_cover_what_staff_type() {
        assert_eq!(
            phone_forms("+1 (514) 555-0199"),
            "15145550199 5145550199 5550199 0199"
        );
        assert_eq!(phone_forms("514.555.0199"), "5145550199 5550199 0199");
        assert_eq!(phone_forms("123"), "123");
    }
}
