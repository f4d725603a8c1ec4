//! Reminders: parcels on the shelf longer than N days are listed again, in one email
//! per resident, at most one a day, and never during the building's quiet hours.

use std::collections::BTreeMap;
use std::str::FromStr;

use frontdesk_protocol::{NoticeKind, NoticeState};
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use sqlx::Row;

use super::Notifier;
use super::queue;
use crate::error::Result;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Hours of the building's local day when no reminder goes out, e.g. `21:00-08:00`
/// (across midnight) or `12:00-13:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: Time,
    pub end: Time,
}

impl FromStr for QuietHours {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad =
            || format!("{s:?} is not quiet hours: write them as HH:MM-HH:MM, e.g. 21:00-08:00");
        let (start, end) = s.trim().split_once('-').ok_or_else(bad)?;
        let parse = |t: &str| Time::strptime("%H:%M", t.trim()).map_err(|_| bad());
        let hours = Self {
            start: parse(start)?,
            end: parse(end)?,
        };
        if hours.start == hours.end {
            return Err(format!(
                "{s:?}: quiet hours must not start and end at the same time"
            ));
        }
        Ok(hours)
    }
}

impl QuietHours {
    pub fn contains(&self, t: Time) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// Whether `now_ms` falls in these hours in `tz`.
    pub fn at(&self, now_ms: i64, tz: &TimeZone) -> bool {
        Timestamp::from_millisecond(now_ms)
            .map(|t| self.contains(t.to_zoned(tz.clone()).time()))
            .unwrap_or(false)
    }
}

/// Queues reminders due at `now_ms`: for each resident told by email with parcels on
/// the shelf since more than `reminder_days`, none of whose notices is still queued,
/// and who had no reminder in the last day, one reminder notice per parcel (so one
/// email). Nothing during quiet hours. Returns how many notices were queued.
pub async fn enqueue_due(notifier: &Notifier, now_ms: i64) -> Result<usize> {
    let config = &notifier.config;
    if config
        .quiet_hours
        .is_some_and(|q| q.at(now_ms, &config.time_zone))
    {
        return Ok(0);
    }
    let cutoff = now_ms - i64::from(config.reminder_days) * DAY_MS;
    let rows = sqlx::query(
        "SELECT p.id, p.building_id, p.resident_id, r.email, r.preferred_notification_method \
         FROM packages p JOIN residents r ON r.id = p.resident_id AND r.building_id = p.building_id \
         WHERE p.status IN ('waiting', 'notified') AND p.received_at_ms <= $1 \
         AND NOT EXISTS (SELECT 1 FROM package_notices n \
             WHERE n.package_id = p.id AND n.state = 'queued') \
         AND NOT EXISTS (SELECT 1 FROM package_notices n \
             WHERE n.resident_id = p.resident_id AND n.kind = 'reminder' AND n.created_at_ms > $2) \
         ORDER BY p.building_id, p.received_at_ms, p.id",
    )
    .bind(cutoff)
    .bind(now_ms - DAY_MS)
    .fetch_all(&notifier.db.pool)
    .await?;
    let mut per_building: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in &rows {
        let email: Option<String> = row.try_get("email")?;
        let method: Option<String> = row.try_get("preferred_notification_method")?;
        if queue::email_channel(method.as_deref(), email.as_deref()).is_err() {
            continue;
        }
        per_building
            .entry(row.try_get("building_id")?)
            .or_default()
            .push((row.try_get("id")?, row.try_get("resident_id")?));
    }
    let mut queued = 0;
    for (building_id, packages) in per_building {
        let mut tx = notifier.db.begin_write().await?;
        let mut changes = Vec::with_capacity(packages.len());
        for (package_id, resident_id) in packages {
            let about = queue::About {
                package_id: &package_id,
                building_id: &building_id,
                resident_id: &resident_id,
            };
            let notice = queue::new_notice(
                &about,
                NoticeKind::Reminder,
                NoticeState::Queued,
                None,
                now_ms,
            );
            queue::insert(&mut tx, &notice, Some(now_ms)).await?;
            changes.push(queue::change(&notice));
        }
        crate::changelog::append(&mut tx, &building_id, None, now_ms, &changes).await?;
        tx.commit().await?;
        notifier.hub.poke(&building_id);
        queued += changes.len();
        tracing::info!(building = %building_id, reminders = changes.len(), "reminders queued");
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_may_wrap_midnight() {
        let night: QuietHours = "21:00-08:00".parse().unwrap();
        let t = |h, m| Time::new(h, m, 0, 0).unwrap();
        assert!(night.contains(t(23, 0)));
        assert!(night.contains(t(7, 59)));
        assert!(!night.contains(t(8, 0)));
        assert!(!night.contains(t(12, 0)));
        let lunch: QuietHours = "12:00-13:00".parse().unwrap();
        assert!(lunch.contains(t(12, 30)));
        assert!(!lunch.contains(t(13, 0)));
        assert!("21h-8h".parse::<QuietHours>().is_err());
        assert!("08:00-08:00".parse::<QuietHours>().is_err());
    }

    #[test]
    fn quiet_hours_are_in_the_building_time() {
        let tz = TimeZone::get("America/Toronto").unwrap();
        let night: QuietHours = "21:00-08:00".parse().unwrap();
        // 2026-01-15T04:00Z is 23:00 in Montréal; 17:00Z is noon.
        assert!(night.at(1_768_449_600_000, &tz));
        assert!(!night.at(1_768_496_400_000, &tz));
    }
}
