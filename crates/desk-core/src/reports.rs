//! Package reports, computed from the local store so they work offline: volume by day
//! and by carrier, time from arrival to pickup, parcels waiting too long, intake per
//! staff member.
//!
//! The parcels are read as every screen reads them ([`Store::packages`]): the server's
//! rows with this desk's queued intakes and pickups laid over them, in one snapshot. A
//! parcel taken in during an outage counts at once, and a queued pickup takes it off
//! the overdue list at once.
//!
//! What counts where, for a period `[from_ms, to_ms)`:
//! - volumes (by day, by carrier, by staff member): parcels *taken in* during the
//!   period, whatever happened to them since;
//! - arrival → pickup: parcels *picked up* during the period (taken in then or
//!   before), from taken in to handed over;
//! - waiting too long: parcels on the shelf *now* (waiting or notified) that were taken
//!   in more than `waiting_days` × 24 hours ago, whatever the period.
//!
//! Day boundaries are those of the time zone the caller names (see [`calendar`]).

mod calendar;
mod csv_export;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use frontdesk_protocol::{Package, PackageStatus};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::desk::Desk;
use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::instructions::Author;
use crate::packages::{PackageQuery, PackageView};
use crate::store::Store;
use calendar::Calendar;
pub use csv_export::{guard, report_csv, report_file_name, write_new_csv};

/// The threshold of the "waiting too long" list when the caller gives none.
pub const DEFAULT_WAITING_DAYS: u32 = 3;
pub const MAX_WAITING_DAYS: u32 = 365;
/// The longest period a report covers (a year and some slack): a day per row.
pub const MAX_PERIOD_DAYS: i64 = 400;

const DAY_MS: i64 = 86_400_000;

/// What to report on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReportRequest {
    /// The period, start included, end excluded (Unix milliseconds).
    #[ts(type = "number")]
    pub from_ms: i64,
    #[ts(type = "number")]
    pub to_ms: i64,
    /// The IANA time zone whose calendar days the report counts in
    /// (`America/Toronto` for Montréal): the desk's own zone, as the UI knows it.
    pub time_zone: String,
    /// Parcels on the shelf longer than this many days are listed;
    /// [`DEFAULT_WAITING_DAYS`] when `None`.
    pub waiting_days: Option<u32>,
}

/// The five tables of a package report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PackageReport {
    #[ts(type = "number")]
    pub from_ms: i64,
    #[ts(type = "number")]
    pub to_ms: i64,
    pub time_zone: String,
    /// The threshold applied (the default filled in).
    pub waiting_days: u32,
    /// "Now" for the waiting list.
    #[ts(type = "number")]
    pub generated_at_ms: i64,
    /// Parcels taken in during the period.
    pub received: u32,
    /// Every local day of the period, oldest first, days without parcels included.
    pub by_day: Vec<DayVolume>,
    /// Most parcels first; parcels without a carrier are one row (`carrier: None`).
    pub by_carrier: Vec<CarrierVolume>,
    pub pickup: PickupTimes,
    /// Longest waiting first.
    pub overdue: Vec<OverdueParcel>,
    /// Most parcels first.
    pub by_staff: Vec<StaffIntake>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DayVolume {
    /// The local calendar date, `YYYY-MM-DD`.
    pub date: String,
    /// When that day starts.
    #[ts(type = "number")]
    pub start_ms: i64,
    pub parcels: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CarrierVolume {
    /// The carrier code (`ups`, `canada_post`, …); `None` for parcels without one.
    pub carrier: Option<String>,
    /// Its name as shown to staff, when the code is a known carrier.
    pub carrier_name: Option<String>,
    pub parcels: u32,
}

/// How long parcels picked up during the period waited, from intake to handover.
///
/// Percentiles are by nearest rank: of n durations sorted from shortest, the p-th
/// percentile is the ⌈p·n/100⌉-th (counting from 1). Each figure is then a wait some
/// parcel really had; the median is the 50th percentile by the same rule, so for an
/// even count it is the shorter of the two middle waits, not their mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PickupTimes {
    pub parcels: u32,
    /// `None` when no parcel was picked up.
    #[ts(type = "number | null")]
    pub median_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub p90_ms: Option<i64>,
}

/// A parcel on the shelf longer than the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OverdueParcel {
    pub package_id: String,
    pub code: String,
    /// `None` while a bulk intake has not assigned it.
    pub unit_id: Option<String>,
    pub unit_number: Option<String>,
    pub resident_id: Option<String>,
    /// The resident's name as in the directory.
    pub recipient: Option<String>,
    pub carrier: Option<String>,
    pub carrier_name: Option<String>,
    pub shelf: Option<String>,
    pub note: Option<String>,
    pub status: PackageStatus,
    #[ts(type = "number")]
    pub received_at_ms: i64,
    /// Whole days since it was taken in.
    pub days_waiting: u32,
    /// Something about it still waits for the server.
    pub pending: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StaffIntake {
    pub staff_id: String,
    /// From the staff list; `None` for an id this desk does not know.
    pub name: Option<String>,
    pub parcels: u32,
}

/// A table of the report, for its CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReportTable {
    ByDay,
    ByCarrier,
    PickupTimes,
    Overdue,
    ByStaff,
}

impl ReportTable {
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::ByDay => &["date", "parcels"],
            Self::ByCarrier => &["carrier", "carrier_code", "parcels"],
            Self::PickupTimes => &["parcels_picked_up", "median_minutes", "p90_minutes"],
            Self::Overdue => &[
                "code",
                "unit",
                "recipient",
                "carrier",
                "shelf",
                "received_at",
                "days_waiting",
                "status",
                "note",
            ],
            Self::ByStaff => &["staff", "staff_id", "parcels"],
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Self::ByDay => "parcels-by-day",
            Self::ByCarrier => "parcels-by-carrier",
            Self::PickupTimes => "pickup-times",
            Self::Overdue => "waiting-parcels",
            Self::ByStaff => "intake-by-staff",
        }
    }
}

/// The nearest-rank `p`-th percentile of `sorted` (see [`PickupTimes`]).
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p as usize * sorted.len())
        .div_ceil(100)
        .clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

struct Checked {
    from_ms: i64,
    to_ms: i64,
    waiting_days: u32,
    calendar: Calendar,
}

impl ReportRequest {
    fn checked(&self) -> DeskResult<Checked> {
        let invalid = |m: String| DeskError::new(DeskErrorCode::InvalidInput, m);
        if self.to_ms <= self.from_ms {
            return Err(invalid("the period ends before it starts".into()));
        }
        if self.to_ms - self.from_ms > MAX_PERIOD_DAYS * DAY_MS {
            return Err(invalid(format!(
                "a report covers at most {MAX_PERIOD_DAYS} days"
            )));
        }
        let waiting_days = self.waiting_days.unwrap_or(DEFAULT_WAITING_DAYS);
        if waiting_days > MAX_WAITING_DAYS {
            return Err(invalid(format!(
                "the waiting threshold is at most {MAX_WAITING_DAYS} days"
            )));
        }
        Ok(Checked {
            from_ms: self.from_ms,
            to_ms: self.to_ms,
            waiting_days,
            calendar: Calendar::new(&self.time_zone)?,
        })
    }
}

fn carrier_name(code: Option<&str>) -> Option<String> {
    code?
        .parse::<frontdesk_carriers::Carrier>()
        .ok()
        .map(|c| c.name().to_owned())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// The package report for `request`, as of `now_ms`, this desk's queued writes
    /// included (`author` is who they are by, as for [`Store::packages`]).
    pub async fn package_report(
        &self,
        request: &ReportRequest,
        author: &Author<'_>,
        now_ms: i64,
    ) -> DeskResult<PackageReport> {
        let period = request.checked()?;
        // Every parcel kept here: pickups in the period may have arrived long before,
        // and the waiting list ignores the period.
        let parcels = self.packages(&PackageQuery::default(), author).await?;
        let staff: HashMap<String, String> = sqlx::query_as("SELECT id, name FROM staff")
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .collect();
        let mut report = report_of(request, &period, &parcels, &staff, now_ms)?;
        self.name_recipients(&mut report.overdue).await?;
        Ok(report)
    }

    /// Fills in unit numbers and residents' names from the local directory.
    async fn name_recipients(&self, parcels: &mut [OverdueParcel]) -> DeskResult<()> {
        let units: Vec<&String> = parcels.iter().filter_map(|p| p.unit_id.as_ref()).collect();
        let units: HashMap<String, String> = sqlx::query_as(
            "SELECT id, unit_number FROM units WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(&units)?)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();
        let residents: Vec<&String> = parcels
            .iter()
            .filter_map(|p| p.resident_id.as_ref())
            .collect();
        let residents: HashMap<String, String> = sqlx::query_as(
            "SELECT id, trim(first_name || ' ' || last_name) FROM residents \
             WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(&residents)?)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();
        for p in parcels {
            p.unit_number = p.unit_id.as_ref().and_then(|u| units.get(u).cloned());
            p.recipient = p
                .resident_id
                .as_ref()
                .and_then(|r| residents.get(r).cloned());
        }
        Ok(())
    }
}

fn report_of(
    request: &ReportRequest,
    period: &Checked,
    parcels: &[PackageView],
    staff: &HashMap<String, String>,
    now_ms: i64,
) -> DeskResult<PackageReport> {
    let received: Vec<&Package> = parcels
        .iter()
        .map(|v| &v.package)
        .filter(|p| (period.from_ms..period.to_ms).contains(&p.received_at_ms))
        .collect();

    let mut per_date: HashMap<jiff::civil::Date, u32> = HashMap::new();
    for p in &received {
        *per_date
            .entry(period.calendar.date_of(p.received_at_ms)?)
            .or_default() += 1;
    }
    let by_day = period
        .calendar
        .days(period.from_ms, period.to_ms)?
        .into_iter()
        .map(|day| DayVolume {
            date: day.date.to_string(),
            start_ms: day.start_ms,
            parcels: per_date.get(&day.date).copied().unwrap_or(0),
        })
        .collect();

    let mut per_carrier: BTreeMap<Option<&str>, u32> = BTreeMap::new();
    for p in &received {
        *per_carrier.entry(p.carrier.as_deref()).or_default() += 1;
    }
    let mut by_carrier: Vec<CarrierVolume> = per_carrier
        .into_iter()
        .map(|(carrier, parcels)| CarrierVolume {
            carrier: carrier.map(str::to_owned),
            carrier_name: carrier_name(carrier),
            parcels,
        })
        .collect();
    // Ties by code, the carrier-less row after the others.
    by_carrier.sort_by(|a, b| {
        b.parcels
            .cmp(&a.parcels)
            .then_with(|| a.carrier.is_none().cmp(&b.carrier.is_none()))
            .then_with(|| a.carrier.cmp(&b.carrier))
    });

    let mut per_staff: BTreeMap<&str, u32> = BTreeMap::new();
    for p in &received {
        *per_staff.entry(p.received_by.as_str()).or_default() += 1;
    }
    let mut by_staff: Vec<StaffIntake> = per_staff
        .into_iter()
        .map(|(id, parcels)| StaffIntake {
            staff_id: id.to_owned(),
            name: staff.get(id).cloned(),
            parcels,
        })
        .collect();
    // Ties by name, the unknown ids after the named staff.
    by_staff.sort_by(|a, b| {
        b.parcels
            .cmp(&a.parcels)
            .then_with(|| a.name.is_none().cmp(&b.name.is_none()))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.staff_id.cmp(&b.staff_id))
    });

    // A wait below zero is two desks' clocks disagreeing, not a parcel handed over
    // before it arrived: it counts as no wait.
    let mut waits: Vec<i64> = parcels
        .iter()
        .map(|v| &v.package)
        .filter(|p| {
            p.status == PackageStatus::PickedUp
                && (period.from_ms..period.to_ms).contains(&p.status_at_ms)
        })
        .map(|p| (p.status_at_ms - p.received_at_ms).max(0))
        .collect();
    waits.sort_unstable();
    let pickup = PickupTimes {
        parcels: count(waits.len()),
        median_ms: nearest_rank(&waits, 50),
        p90_ms: nearest_rank(&waits, 90),
    };

    let threshold_ms = i64::from(period.waiting_days) * DAY_MS;
    let mut overdue: Vec<OverdueParcel> = parcels
        .iter()
        .filter(|v| {
            v.package.status.is_on_shelf() && now_ms - v.package.received_at_ms > threshold_ms
        })
        .map(|v| {
            let p = &v.package;
            OverdueParcel {
                package_id: p.id.clone(),
                code: p.code.clone(),
                unit_id: p.unit_id.clone(),
                unit_number: None,
                resident_id: p.resident_id.clone(),
                recipient: None,
                carrier: p.carrier.clone(),
                carrier_name: carrier_name(p.carrier.as_deref()),
                shelf: p.shelf.clone(),
                note: p.note.clone(),
                status: p.status,
                received_at_ms: p.received_at_ms,
                days_waiting: u32::try_from((now_ms - p.received_at_ms) / DAY_MS)
                    .unwrap_or(u32::MAX),
                pending: v.pending,
            }
        })
        .collect();
    overdue.sort_by(|a, b| {
        a.received_at_ms
            .cmp(&b.received_at_ms)
            .then_with(|| a.code.cmp(&b.code))
    });

    Ok(PackageReport {
        from_ms: period.from_ms,
        to_ms: period.to_ms,
        time_zone: request.time_zone.trim().to_owned(),
        waiting_days: period.waiting_days,
        generated_at_ms: now_ms,
        received: count(received.len()),
        by_day,
        by_carrier,
        pickup,
        overdue,
        by_staff,
    })
}

impl Desk {
    /// The package report for `request`, as of now, from the local store.
    pub async fn package_report(&self, request: &ReportRequest) -> DeskResult<PackageReport> {
        let signed_in = self
            .bootstrap()
            .await?
            .signed_in
            .ok_or_else(|| DeskError::new(DeskErrorCode::NotSignedIn, "sign in first"))?;
        let author = Author {
            staff_id: &signed_in.staff.id,
            building_id: &signed_in.building.id,
        };
        self.store()
            .package_report(request, &author, crate::now_ms())
            .await
    }

    /// One table of the report for `request`, as CSV.
    pub async fn report_csv(
        &self,
        request: &ReportRequest,
        table: ReportTable,
    ) -> DeskResult<String> {
        Ok(report_csv(&self.package_report(request).await?, table))
    }

    /// Writes one table of the report for `request` to a new CSV file in `dir` and
    /// answers its path. The report is made afresh from the store, so the file holds
    /// what the store holds now.
    pub async fn export_report_csv(
        &self,
        request: &ReportRequest,
        table: ReportTable,
        dir: &Path,
    ) -> DeskResult<PathBuf> {
        let report = self.package_report(request).await?;
        let name = report_file_name(&report, table);
        write_new_csv(dir, &name, &report_csv(&report, table)).await
    }
}

#[cfg(test)]
mod tests {
    use super::nearest_rank;

    #[test]
    fn percentiles_are_by_nearest_rank() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        // Even count: the lower middle, not the mean of the two.
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 90), Some(4));
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5], 50), Some(3));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        assert_eq!(nearest_rank(&ten, 91), Some(10));
        assert_eq!(nearest_rank(&ten, 0), Some(1));
    }
}
