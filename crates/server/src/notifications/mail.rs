//! The email itself: one per resident, listing every parcel of the group, in the
//! resident's language. Only text we wrote goes in headers (the subject has no
//! resident data; names are stripped of control characters and encoded by lettre),
//! so a name or note with CR/LF cannot add a header. The HTML part escapes everything.

use frontdesk_protocol::NoticeKind;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Fr,
    En,
}

impl Language {
    /// English for `en…`; French otherwise, unset included: the building is in
    /// Montréal, where French is the default.
    pub fn of(preferred: Option<&str>) -> Self {
        match preferred.map(|p| p.trim().to_lowercase()) {
            Some(p) if p.starts_with("en") => Self::En,
            _ => Self::Fr,
        }
    }
}

/// One parcel as the email lists it.
#[derive(Debug, Clone)]
pub struct Item {
    pub code: String,
    pub carrier: Option<String>,
    pub shelf: Option<String>,
    pub received_at_ms: i64,
}

pub struct Letter {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Who writes, to whom, about what.
pub struct Context<'a> {
    pub language: Language,
    pub kind: NoticeKind,
    pub resident_name: &'a str,
    pub building_name: &'a str,
    pub time_zone: &'a TimeZone,
}

/// Text with control characters (CR, LF, tabs…) turned into spaces and runs of
/// spaces folded: what may go into a display name or a line of the body.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn carrier_name(code: &str) -> String {
    code.parse::<frontdesk_carriers::Carrier>()
        .map(|c| c.name().to_owned())
        .unwrap_or_else(|_| one_line(code))
}

fn local_time(ms: i64, tz: &TimeZone, language: Language) -> String {
    let Ok(at) = Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let at = at.to_zoned(tz.clone());
    match language {
        Language::Fr => at.strftime("%Y-%m-%d à %H h %M").to_string(),
        Language::En => at.strftime("%Y-%m-%d at %H:%M").to_string(),
    }
}

pub fn compose(ctx: &Context<'_>, items: &[Item]) -> Letter {
    let n = items.len();
    let (subject, greeting, lead, closing) = match (ctx.language, ctx.kind) {
        (Language::Fr, NoticeKind::Intake) => (
            if n == 1 {
                "Un colis vous attend à la réception".to_owned()
            } else {
                format!("{n} colis vous attendent à la réception")
            },
            "Bonjour",
            if n == 1 {
                "Un colis est arrivé pour vous. Il vous attend à la réception :".to_owned()
            } else {
                format!("{n} colis sont arrivés pour vous. Ils vous attendent à la réception :")
            },
            "Présentez le code à la réception pour le récupérer.",
        ),
        (Language::Fr, NoticeKind::Reminder) => (
            if n == 1 {
                "Rappel : un colis vous attend toujours à la réception".to_owned()
            } else {
                format!("Rappel : {n} colis vous attendent toujours à la réception")
            },
            "Bonjour",
            if n == 1 {
                "Ce colis vous attend toujours à la réception :".to_owned()
            } else {
                "Ces colis vous attendent toujours à la réception :".to_owned()
            },
            "Présentez le code à la réception pour le récupérer.",
        ),
        (Language::En, NoticeKind::Intake) => (
            if n == 1 {
                "A package is waiting for you at the front desk".to_owned()
            } else {
                format!("{n} packages are waiting for you at the front desk")
            },
            "Hello",
            if n == 1 {
                "A package arrived for you. It is waiting at the front desk:".to_owned()
            } else {
                format!("{n} packages arrived for you. They are waiting at the front desk:")
            },
            "Show the code at the front desk to collect it.",
        ),
        (Language::En, NoticeKind::Reminder) => (
            if n == 1 {
                "Reminder: a package is still waiting for you at the front desk".to_owned()
            } else {
                format!("Reminder: {n} packages are still waiting for you at the front desk")
            },
            "Hello",
            if n == 1 {
                "This package is still waiting for you at the front desk:".to_owned()
            } else {
                "These packages are still waiting for you at the front desk:".to_owned()
            },
            "Show the code at the front desk to collect it.",
        ),
    };
    let (carrier_word, shelf_word, received_word) = match ctx.language {
        Language::Fr => ("transporteur", "tablette", "reçu le"),
        Language::En => ("carrier", "shelf", "received"),
    };
    let name = one_line(ctx.resident_name);
    let building = one_line(ctx.building_name);
    let lines: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            let mut parts = vec![one_line(&item.code)];
            if let Some(c) = &item.carrier {
                parts.push(format!("{carrier_word} {}", carrier_name(c)));
            }
            if let Some(s) = &item.shelf {
                parts.push(format!("{shelf_word} {}", one_line(s)));
            }
            parts.push(format!(
                "{received_word} {}",
                local_time(item.received_at_ms, ctx.time_zone, ctx.language)
            ));
            parts
        })
        .collect();

    let mut text = format!("{greeting} {name},\n\n{lead}\n\n");
    for parts in &lines {
        text.push_str(&format!("  - {}\n", parts.join(" · ")));
    }
    text.push_str(&format!("\n{closing}\n\n-- \n{building}\n"));

    let mut html = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>{} {},</p>\n<p>{}</p>\n<ul>\n",
        escape(greeting),
        escape(&name),
        escape(&lead)
    );
    for parts in &lines {
        let (code, rest) = parts
            .split_first()
            .map_or(("", &[][..]), |(c, r)| (c.as_str(), r));
        html.push_str(&format!("<li><strong>{}</strong>", escape(code)));
        for part in rest {
            html.push_str(&format!(" · {}", escape(part)));
        }
        html.push_str("</li>\n");
    }
    html.push_str(&format!(
        "</ul>\n<p>{}</p>\n<p>{}</p>\n</body></html>\n",
        escape(closing),
        escape(&building)
    ));
    Letter {
        subject,
        text,
        html,
    }
}

/// HTML text and attribute escaping.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The message to send, or why it cannot be made (an address that is not one).
pub fn message(
    from: &Mailbox,
    to_name: &str,
    to_email: &str,
    letter: Letter,
) -> Result<Message, String> {
    let address = to_email
        .trim()
        .parse()
        .map_err(|e| format!("{:?} is not a valid email address: {e}", to_email.trim()))?;
    let name = one_line(to_name);
    let to = Mailbox::new((!name.is_empty()).then_some(name), address);
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(letter.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(letter.text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(letter.html),
                ),
        )
        .map_err(|e| format!("the email could not be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str) -> Item {
        Item {
            code: code.into(),
            carrier: Some("ups".into()),
            shelf: Some("B-2".into()),
            received_at_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn language_defaults_to_french() {
        assert_eq!(Language::of(None), Language::Fr);
        assert_eq!(Language::of(Some("fr")), Language::Fr);
        assert_eq!(Language::of(Some("EN-ca")), Language::En);
    }

    #[test]
    fn the_letter_lists_every_parcel_in_local_time_and_escapes_html() {
        let tz = jiff::tz::TimeZone::get("America/Toronto").unwrap();
        let ctx = Context {
            language: Language::En,
            kind: NoticeKind::Intake,
            resident_name: "Ada <b>\r\nLovelace",
            building_name: "Lofts & Arts",
            time_zone: &tz,
        };
        let letter = compose(&ctx, &[item("AAAA-BBBB"), item("CCCC-DDDD")]);
        assert_eq!(
            letter.subject,
            "2 packages are waiting for you at the front desk"
        );
        assert!(
            letter.text.contains("Hello Ada <b> Lovelace,"),
            "{}",
            letter.text
        );
        // 2023-11-14T22:13:20Z is 17:13 in Montréal (EST).
        assert!(
            letter
                .text
                .contains("AAAA-BBBB · carrier UPS · shelf B-2 · received 2023-11-14 at 17:13"),
            "{}",
            letter.text
        );
        assert!(letter.text.contains("CCCC-DDDD"));
        assert!(
            letter.html.contains("Ada &lt;b&gt; Lovelace"),
            "{}",
            letter.html
        );
        assert!(letter.html.contains("Lofts &amp; Arts"));
        assert!(!letter.html.contains("<b>"));
    }

    #[test]
    fn a_bad_address_is_refused_with_a_reason() {
        let from: Mailbox = "Desk <desk@building.test>".parse().unwrap();
        let letter = || Letter {
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
        };
        let err = message(&from, "Eve", "eve@x.test\r\nBcc: a@b.test", letter()).unwrap_err();
        assert!(err.contains("not a valid email address"), "{err}");
        assert!(message(&from, "Eve", "eve@x.test", letter()).is_ok());
    }
}
