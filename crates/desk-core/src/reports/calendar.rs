//! Calendar days in the building's time zone.
//!
//! A report's days are local days, not UTC days nor days of one fixed offset: Montréal
//! moves its clocks twice a year, and a 30-day period often spans the change, so a
//! parcel taken in at 23:30 the evening after it must still count on that evening's
//! day. The zone is named by the caller (an IANA name such as `America/Toronto`) and
//! resolved against the time zone database bundled with this build, so every desk PC
//! and every test draws the same boundaries whatever its OS has installed.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::error::{DeskError, DeskErrorCode, DeskResult};

#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    tz: TimeZone,
}

/// One local day: its date and the instant it starts.
pub(crate) struct Day {
    pub date: Date,
    pub start_ms: i64,
}

impl Calendar {
    pub fn new(time_zone: &str) -> DeskResult<Self> {
        let tz = TimeZone::get(time_zone.trim()).map_err(|e| {
            DeskError::new(
                DeskErrorCode::InvalidInput,
                format!("unknown time zone {time_zone:?}: {e}"),
            )
        })?;
        Ok(Self { tz })
    }

    pub fn utc() -> Self {
        Self { tz: TimeZone::UTC }
    }

    pub fn date_of(&self, ms: i64) -> DeskResult<Date> {
        Ok(instant(ms)?.to_zoned(self.tz.clone()).date())
    }

    /// Every local day that `[from_ms, to_ms)` touches, in order.
    pub fn days(&self, from_ms: i64, to_ms: i64) -> DeskResult<Vec<Day>> {
        let last = self.date_of(to_ms - 1)?;
        let mut date = self.date_of(from_ms)?;
        let mut days = Vec::new();
        while date <= last {
            let start = date
                .to_zoned(self.tz.clone())
                .and_then(|z| z.start_of_day())
                .map_err(out_of_range)?;
            days.push(Day {
                date,
                start_ms: start.timestamp().as_millisecond(),
            });
            date = date.tomorrow().map_err(out_of_range)?;
        }
        Ok(days)
    }

    /// `YYYY-MM-DD HH:MM` on the local clock: what staff read and spreadsheets parse.
    pub fn local_minute(&self, ms: i64) -> DeskResult<String> {
        Ok(instant(ms)?
            .to_zoned(self.tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string())
    }

    /// `YYYYMMDD-HHMMSS` on the local clock, for file names.
    pub fn stamp(&self, ms: i64) -> DeskResult<String> {
        Ok(instant(ms)?
            .to_zoned(self.tz.clone())
            .strftime("%Y%m%d-%H%M%S")
            .to_string())
    }
}

fn instant(ms: i64) -> DeskResult<Timestamp> {
    Timestamp::from_millisecond(ms).map_err(out_of_range)
}

fn out_of_range(e: jiff::Error) -> DeskError {
    DeskError::new(
        DeskErrorCode::InvalidInput,
        format!("a date out of range: {e}"),
    )
}
