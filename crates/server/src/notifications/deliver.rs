//! Sending what is due: one email per resident and kind of notice, then its outcome
//! written to the notices, the parcels and the change log in one transaction.

use std::time::Duration;

use frontdesk_protocol::{NoticeKind, NoticeState, PackageNotice, PackageStatus};
use lettre::AsyncTransport;
use rand::Rng;
use sqlx::Row;

use super::mail::{self, Context, Item, Language};
use super::{Notifier, NotifierConfig, queue};
use crate::changelog;
use crate::error::Result;

/// Groups looked at per pass; the rest wait for the next one.
const GROUPS_PER_PASS: i64 = 100;

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Sends every group with a due notice at `now_ms`; returns how many emails the mail
/// server accepted.
pub async fn deliver_due(notifier: &Notifier, now_ms: i64) -> Result<usize> {
    let config = &notifier.config;
    // A first attempt waits out the grouping window; a retry only its backoff.
    let rows = sqlx::query(
        "SELECT DISTINCT building_id, resident_id, kind FROM package_notices \
         WHERE state = 'queued' AND resident_id IS NOT NULL \
         AND due_at_ms <= CASE WHEN attempts = 0 THEN $1 ELSE $2 END \
         AND (lease_until_ms IS NULL OR lease_until_ms < $2) \
         ORDER BY building_id, resident_id, kind LIMIT $3",
    )
    .bind(now_ms.saturating_sub(ms(config.group_window)))
    .bind(now_ms)
    .bind(GROUPS_PER_PASS)
    .fetch_all(&notifier.db.pool)
    .await?;
    let quiet = config
        .quiet_hours
        .is_some_and(|q| q.at(now_ms, &config.time_zone));
    let mut sent = 0;
    for row in rows {
        let building_id: String = row.try_get("building_id")?;
        let resident_id: String = row.try_get("resident_id")?;
        let kind: String = row.try_get("kind")?;
        let Some(kind) = NoticeKind::parse(&kind) else {
            continue;
        };
        if kind == NoticeKind::Reminder && quiet {
            continue;
        }
        let group = Group {
            building_id,
            resident_id,
            kind,
        };
        let notices = claim(notifier, &group, now_ms).await?;
        if notices.is_empty() {
            continue;
        }
        if send_group(notifier, &group, notices, now_ms).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// A resident's notices of one kind: one email.
struct Group {
    building_id: String,
    resident_id: String,
    kind: NoticeKind,
}

/// Takes the group's queued notices that no other notifier holds, for the lease.
/// On PostgreSQL the building's row lock makes two instances take turns here.
async fn claim(notifier: &Notifier, group: &Group, now_ms: i64) -> Result<Vec<PackageNotice>> {
    let mut tx = notifier.db.begin_write().await?;
    changelog::lock_building(&mut tx, &group.building_id).await?;
    const FREE: &str = "building_id = $1 AND resident_id = $2 AND kind = $3 AND state = 'queued' \
         AND (lease_until_ms IS NULL OR lease_until_ms < $4)";
    let notices = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM package_notices WHERE {FREE} ORDER BY created_at_ms, id",
        queue::NOTICE_COLUMNS
    )))
    .bind(&group.building_id)
    .bind(&group.resident_id)
    .bind(group.kind.as_str())
    .bind(now_ms)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(queue::notice_from_row)
    .collect::<Result<Vec<_>>>()?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE package_notices SET lease_until_ms = $5 WHERE {FREE}"
    )))
    .bind(&group.building_id)
    .bind(&group.resident_id)
    .bind(group.kind.as_str())
    .bind(now_ms)
    .bind(now_ms.saturating_add(ms(notifier.config.lease)))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(notices)
}

/// What became of one notice, and when it may be tried again if still queued.
struct Settled {
    notice: PackageNotice,
    due_at_ms: Option<i64>,
}

/// Sends the group's email (if anything is left to tell) and records the outcome.
/// Returns whether an email was accepted.
async fn send_group(
    notifier: &Notifier,
    group: &Group,
    notices: Vec<PackageNotice>,
    now_ms: i64,
) -> Result<bool> {
    let db = &notifier.db;
    let resident = sqlx::query(
        "SELECT first_name, last_name, email, preferred_language, preferred_notification_method \
         FROM residents WHERE id = $1 AND building_id = $2",
    )
    .bind(&group.resident_id)
    .bind(&group.building_id)
    .fetch_optional(&db.pool)
    .await?;
    let building_name: String = sqlx::query("SELECT name FROM buildings WHERE id = $1")
        .bind(&group.building_id)
        .fetch_optional(&db.pool)
        .await?
        .map(|row| row.try_get("name"))
        .transpose()?
        .unwrap_or_default();

    let mut settled = Vec::with_capacity(notices.len());
    let mut to_tell: Vec<(PackageNotice, Item)> = Vec::new();
    for notice in notices {
        let package = sqlx::query(
            "SELECT code, carrier, shelf, received_at_ms, status FROM packages \
             WHERE id = $1 AND building_id = $2",
        )
        .bind(&notice.package_id)
        .bind(&group.building_id)
        .fetch_optional(&db.pool)
        .await?;
        let Some(package) = package else {
            settled.push(skip(notice, "the package is not in this building", now_ms));
            continue;
        };
        let status: String = package.try_get("status")?;
        let on_shelf = PackageStatus::parse(&status).is_some_and(PackageStatus::is_on_shelf);
        if !on_shelf {
            // Telling a resident to collect a parcel they have is worse than silence.
            let reason = format!("the package left the shelf ({status}) before the email went");
            settled.push(skip(notice, &reason, now_ms));
            continue;
        }
        let item = Item {
            code: package.try_get("code")?,
            carrier: package.try_get("carrier")?,
            shelf: package.try_get("shelf")?,
            received_at_ms: package.try_get("received_at_ms")?,
        };
        to_tell.push((notice, item));
    }

    let mut accepted = false;
    if !to_tell.is_empty() {
        let outcome = match &resident {
            None => Err(Failure::Skip(
                "the resident is no longer in the directory".into(),
            )),
            Some(row) => {
                let first: String = row.try_get("first_name")?;
                let last: String = row.try_get("last_name")?;
                let email: Option<String> = row.try_get("email")?;
                let language: Option<String> = row.try_get("preferred_language")?;
                let method: Option<String> = row.try_get("preferred_notification_method")?;
                match queue::email_channel(method.as_deref(), email.as_deref()) {
                    Err(reason) => Err(Failure::Skip(reason)),
                    Ok(()) => {
                        let name = format!("{first} {last}");
                        let items: Vec<Item> = to_tell.iter().map(|(_, i)| i.clone()).collect();
                        let letter = mail::compose(
                            &Context {
                                language: Language::of(language.as_deref()),
                                kind: group.kind,
                                resident_name: &name,
                                building_name: &building_name,
                                time_zone: &notifier.config.time_zone,
                            },
                            &items,
                        );
                        send(
                            notifier,
                            &name,
                            email.as_deref().unwrap_or_default(),
                            letter,
                        )
                        .await
                    }
                }
            }
        };
        accepted = outcome.is_ok();
        match &outcome {
            Ok(()) => tracing::info!(
                building = %group.building_id,
                resident = %group.resident_id,
                kind = group.kind.as_str(),
                packages = to_tell.len(),
                "notification email accepted"
            ),
            Err(Failure::Skip(reason)) => tracing::info!(
                building = %group.building_id, resident = %group.resident_id, %reason,
                "notification skipped"
            ),
            Err(Failure::Send { error, permanent }) => tracing::warn!(
                building = %group.building_id, resident = %group.resident_id, %error, permanent,
                "notification email failed"
            ),
        }
        for (notice, _) in to_tell {
            settled.push(match &outcome {
                Ok(()) => sent(notice, now_ms),
                Err(Failure::Skip(reason)) => skip(notice, reason, now_ms),
                Err(Failure::Send { error, permanent }) => {
                    failed(&notifier.config, notice, error, *permanent, now_ms)
                }
            });
        }
    }
    record(notifier, group, settled, now_ms).await?;
    Ok(accepted)
}

enum Failure {
    /// Nothing to send after all (the resident or their preference changed).
    Skip(String),
    Send {
        error: String,
        permanent: bool,
    },
}

async fn send(
    notifier: &Notifier,
    name: &str,
    email: &str,
    letter: mail::Letter,
) -> std::result::Result<(), Failure> {
    let message = mail::message(&notifier.config.from, name, email, letter).map_err(|error| {
        Failure::Send {
            error,
            permanent: true,
        }
    })?;
    match notifier.transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::Send {
            error: e.to_string(),
            permanent: e.is_permanent(),
        }),
    }
}

fn sent(mut notice: PackageNotice, now_ms: i64) -> Settled {
    notice.state = NoticeState::Sent;
    notice.attempts += 1;
    notice.last_error = None;
    notice.last_attempt_at_ms = Some(now_ms);
    notice.sent_at_ms = Some(now_ms);
    Settled {
        notice,
        due_at_ms: None,
    }
}

fn skip(mut notice: PackageNotice, reason: &str, _now_ms: i64) -> Settled {
    notice.state = NoticeState::Skipped;
    notice.last_error = Some(queue::error_text(reason));
    Settled {
        notice,
        due_at_ms: None,
    }
}

fn failed(
    config: &NotifierConfig,
    mut notice: PackageNotice,
    error: &str,
    permanent: bool,
    now_ms: i64,
) -> Settled {
    notice.attempts += 1;
    notice.last_error = Some(queue::error_text(error));
    notice.last_attempt_at_ms = Some(now_ms);
    let bound = if permanent {
        config.max_permanent_attempts
    } else {
        config.max_attempts
    };
    if notice.attempts >= bound {
        notice.state = NoticeState::Failed;
        return Settled {
            notice,
            due_at_ms: None,
        };
    }
    let delay = retry_delay(config, notice.attempts);
    Settled {
        notice,
        due_at_ms: Some(now_ms.saturating_add(ms(delay))),
    }
}

/// Capped exponential backoff with jitter: after attempt n, between half and all of
/// `base * 2^(n-1)` (at most `cap`), so notifiers that failed together do not retry
/// together.
pub fn retry_delay(config: &NotifierConfig, attempts: u32) -> Duration {
    let exp = config
        .retry_base
        .saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1).min(20)))
        .min(config.retry_cap);
    let half = exp / 2;
    let jitter = rand::rng().random_range(0..=ms(half).max(0) as u64);
    half + Duration::from_millis(jitter)
}

/// Writes the settled notices and, for the sent ones, moves their parcels to
/// `notified`; all in one transaction with their changes, then wakes the desks.
async fn record(
    notifier: &Notifier,
    group: &Group,
    settled: Vec<Settled>,
    now_ms: i64,
) -> Result<()> {
    if settled.is_empty() {
        return Ok(());
    }
    let mut tx = notifier.db.begin_write().await?;
    let mut changes = Vec::new();
    for s in &settled {
        if s.notice.state == NoticeState::Sent {
            changes.extend(
                crate::packages::mark_notified(
                    &mut tx,
                    &group.building_id,
                    &s.notice.package_id,
                    now_ms,
                )
                .await?,
            );
        }
        queue::update(&mut tx, &s.notice, s.due_at_ms).await?;
        changes.push(queue::change(&s.notice));
    }
    changelog::append(&mut tx, &group.building_id, None, now_ms, &changes).await?;
    tx.commit().await?;
    notifier.hub.poke(&group.building_id);
    Ok(())
}
