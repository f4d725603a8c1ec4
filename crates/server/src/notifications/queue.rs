//! The `package_notices` table: notices queued by the intake in the push's own
//! transaction (so a parcel taken in is never left without its notice, whatever
//! crashes), and read and settled by the notifier.

use frontdesk_protocol::{
    ChangeBody, MAX_NOTICE_ERROR_CHARS, NoticeKind, NoticeState, Package, PackageNotice,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Whether a resident is told by email, or why not (shown on the notice). Decided
/// again when the mail goes: the preference may have changed meanwhile.
pub fn email_channel(method: Option<&str>, email: Option<&str>) -> std::result::Result<(), String> {
    let method = method.map(|m| m.trim().to_lowercase()).unwrap_or_default();
    match method.as_str() {
        // Unset counts as email: the web admin's default, and the only channel here.
        "" | "email" | "e-mail" | "courriel" => {
            if email.map(str::trim).is_some_and(|e| !e.is_empty()) {
                Ok(())
            } else {
                Err("the resident has no email address".into())
            }
        }
        "none" => Err("the resident asked not to be notified".into()),
        other => Err(format!(
            "the resident prefers to be told by {other}, which this server does not send"
        )),
    }
}

/// The intake notice of a parcel just taken in, queued or skipped, written in the
/// caller's transaction. None when the parcel has no resident yet (a bulk intake):
/// its notice comes with the edit that assigns one.
pub async fn enqueue_intake(
    conn: &mut AnyConnection,
    package: &Package,
    now_ms: i64,
) -> Result<Option<PackageNotice>> {
    let Some(resident_id) = &package.resident_id else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT email, preferred_notification_method FROM residents \
         WHERE id = $1 AND building_id = $2",
    )
    .bind(resident_id)
    .bind(&package.building_id)
    .fetch_optional(&mut *conn)
    .await?;
    let channel = match &row {
        Some(row) => {
            let email: Option<String> = row.try_get("email")?;
            let method: Option<String> = row.try_get("preferred_notification_method")?;
            email_channel(method.as_deref(), email.as_deref())
        }
        None => Err("the resident is not in this building's directory".into()),
    };
    let (state, reason) = match channel {
        Ok(()) => (NoticeState::Queued, None),
        Err(reason) => (NoticeState::Skipped, Some(reason)),
    };
    let about = About {
        package_id: &package.id,
        building_id: &package.building_id,
        resident_id,
    };
    let notice = new_notice(&about, NoticeKind::Intake, state, reason, now_ms);
    insert(
        conn,
        &notice,
        (state == NoticeState::Queued).then_some(now_ms),
    )
    .await?;
    Ok(Some(notice))
}

/// Whether the package already has a notice of `kind`.
pub async fn has_notice(
    conn: &mut AnyConnection,
    package_id: &str,
    kind: NoticeKind,
) -> Result<bool> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM package_notices WHERE package_id = $1 AND kind = $2",
    )
    .bind(package_id)
    .bind(kind.as_str())
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// The parcel and resident a new notice is about.
pub struct About<'a> {
    pub package_id: &'a str,
    pub building_id: &'a str,
    pub resident_id: &'a str,
}

pub fn new_notice(
    about: &About<'_>,
    kind: NoticeKind,
    state: NoticeState,
    reason: Option<String>,
    now_ms: i64,
) -> PackageNotice {
    PackageNotice {
        id: Uuid::now_v7().to_string(),
        package_id: about.package_id.to_owned(),
        building_id: about.building_id.to_owned(),
        resident_id: Some(about.resident_id.to_owned()),
        kind,
        state,
        attempts: 0,
        last_error: reason,
        last_attempt_at_ms: None,
        sent_at_ms: None,
        created_at_ms: now_ms,
    }
}

/// Inserts a notice; `due_at_ms` only for a queued one.
pub async fn insert(
    conn: &mut AnyConnection,
    n: &PackageNotice,
    due_at_ms: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO package_notices (id, package_id, building_id, resident_id, kind, state, \
         attempts, last_error, last_attempt_at_ms, sent_at_ms, created_at_ms, due_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&n.id)
    .bind(&n.package_id)
    .bind(&n.building_id)
    .bind(&n.resident_id)
    .bind(n.kind.as_str())
    .bind(n.state.as_str())
    .bind(i64::from(n.attempts))
    .bind(&n.last_error)
    .bind(n.last_attempt_at_ms)
    .bind(n.sent_at_ms)
    .bind(n.created_at_ms)
    .bind(due_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes a notice's new state; `due_at_ms` is when a queued one may be tried again.
/// The lease is released.
pub async fn update(
    conn: &mut AnyConnection,
    n: &PackageNotice,
    due_at_ms: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "UPDATE package_notices SET state = $1, attempts = $2, last_error = $3, \
         last_attempt_at_ms = $4, sent_at_ms = $5, due_at_ms = $6, lease_until_ms = NULL \
         WHERE id = $7",
    )
    .bind(n.state.as_str())
    .bind(i64::from(n.attempts))
    .bind(&n.last_error)
    .bind(n.last_attempt_at_ms)
    .bind(n.sent_at_ms)
    .bind(due_at_ms)
    .bind(&n.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub const NOTICE_COLUMNS: &str = "id, package_id, building_id, resident_id, kind, state, attempts, \
     last_error, last_attempt_at_ms, sent_at_ms, created_at_ms";

pub fn notice_from_row(row: &AnyRow) -> Result<PackageNotice> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let attempts: i64 = row.try_get("attempts")?;
    Ok(PackageNotice {
        id: row.try_get("id")?,
        package_id: row.try_get("package_id")?,
        building_id: row.try_get("building_id")?,
        resident_id: row.try_get("resident_id")?,
        kind: NoticeKind::parse(&kind)
            .ok_or_else(|| Error::Internal(format!("notice kind {kind:?} unknown")))?,
        state: NoticeState::parse(&state)
            .ok_or_else(|| Error::Internal(format!("notice state {state:?} unknown")))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        last_error: row.try_get("last_error")?,
        last_attempt_at_ms: row.try_get("last_attempt_at_ms")?,
        sent_at_ms: row.try_get("sent_at_ms")?,
        created_at_ms: row.try_get("created_at_ms")?,
    })
}

/// A building's notices of one package, oldest first.
pub async fn of_package(conn: &mut AnyConnection, package_id: &str) -> Result<Vec<PackageNotice>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTICE_COLUMNS} FROM package_notices WHERE package_id = $1 \
         ORDER BY created_at_ms, id"
    )))
    .bind(package_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(notice_from_row)
    .collect()
}

/// An error as kept on a notice: one line, bounded.
pub fn error_text(error: &str) -> String {
    let line: String = error
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let line = line.trim();
    if line.chars().count() <= MAX_NOTICE_ERROR_CHARS {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(MAX_NOTICE_ERROR_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// The change that sends a notice's state to the desks.
pub fn change(notice: &PackageNotice) -> ChangeBody {
    ChangeBody::PackageNoticeUpserted(notice.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_follows_the_preference_and_needs_an_address() {
        assert_eq!(email_channel(None, Some("a@b.test")), Ok(()));
        assert_eq!(email_channel(Some(" Email "), Some("a@b.test")), Ok(()));
        assert_eq!(
            email_channel(Some("email"), Some("  ")).unwrap_err(),
            "the resident has no email address"
        );
        assert_eq!(
            email_channel(Some("none"), Some("a@b.test")).unwrap_err(),
            "the resident asked not to be notified"
        );
        assert!(
            email_channel(Some("SMS"), Some("a@b.test"))
                .unwrap_err()
                .contains("sms")
        );
    }

    #[test]
    fn errors_are_one_bounded_line() {
        assert_eq!(error_text(" 550 no\r\nsuch user "), "550 no  such user");
        let long = error_text(&"x".repeat(2000));
        assert_eq!(long.chars().count(), MAX_NOTICE_ERROR_CHARS);
    }
}
