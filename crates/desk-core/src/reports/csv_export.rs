//! A report's tables as CSV files for a spreadsheet.
//!
//! RFC 4180 (comma, double quotes doubled, CRLF) through the `csv` crate. Column
//! names are stable English identifiers, not translated words, so a sheet built on an
//! export keeps working whichever language the desk is in.
//!
//! Cells hold text typed by people (names, notes). A spreadsheet runs a cell that
//! starts with `=`, `+`, `-` or `@` as a formula (and tab or CR can smuggle one in), so
//! such a cell is written with a leading `'`: it reads as text, and shows what was
//! typed.

use std::path::{Path, PathBuf};

use super::calendar::Calendar;
use super::{PackageReport, ReportTable};
use crate::error::{DeskError, DeskErrorCode, DeskResult};

/// One table of `report` as CSV, its header row first.
pub fn report_csv(report: &PackageReport, table: ReportTable) -> String {
    let rows = rows(report, table);
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        out.write_record(row.iter().map(|cell| guard(cell)))
            .expect("CSV into memory");
    }
    let bytes = out.into_inner().expect("CSV into memory");
    String::from_utf8(bytes).expect("CSV of UTF-8 cells")
}

/// The cell as written: prefixed with `'` when a spreadsheet would run it.
pub fn guard(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

fn rows(report: &PackageReport, table: ReportTable) -> Vec<Vec<String>> {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let mut rows: Vec<Vec<String>> =
        vec![table.columns().iter().map(|c| (*c).to_owned()).collect()];
    match table {
        ReportTable::ByDay => {
            rows.extend(
                report
                    .by_day
                    .iter()
                    .map(|d| vec![d.date.clone(), d.parcels.to_string()]),
            );
        }
        ReportTable::ByCarrier => {
            rows.extend(report.by_carrier.iter().map(|c| {
                vec![
                    c.carrier_name
                        .clone()
                        .or(c.carrier.clone())
                        .unwrap_or_default(),
                    text(&c.carrier),
                    c.parcels.to_string(),
                ]
            }));
        }
        ReportTable::PickupTimes => {
            let minutes = |ms: Option<i64>| ms.map(|ms| rounded_minutes(ms).to_string());
            rows.push(vec![
                report.pickup.parcels.to_string(),
                text(&minutes(report.pickup.median_ms)),
                text(&minutes(report.pickup.p90_ms)),
            ]);
        }
        ReportTable::Overdue => {
            // The zone was checked when the report was made; a report built by hand
            // with a bad one still exports, in UTC, with the zone said in the cell.
            let (calendar, suffix) = match Calendar::new(&report.time_zone) {
                Ok(c) => (c, ""),
                Err(_) => (Calendar::utc(), " UTC"),
            };
            rows.extend(report.overdue.iter().map(|p| {
                let received = calendar
                    .local_minute(p.received_at_ms)
                    .map(|t| format!("{t}{suffix}"))
                    .unwrap_or_else(|_| p.received_at_ms.to_string());
                vec![
                    p.code.clone(),
                    text(&p.unit_number),
                    text(&p.recipient),
                    p.carrier_name
                        .clone()
                        .or(p.carrier.clone())
                        .unwrap_or_default(),
                    text(&p.shelf),
                    received,
                    p.days_waiting.to_string(),
                    p.status.as_str().to_owned(),
                    text(&p.note),
                ]
            }));
        }
        ReportTable::ByStaff => {
            rows.extend(
                report
                    .by_staff
                    .iter()
                    .map(|s| vec![text(&s.name), s.staff_id.clone(), s.parcels.to_string()]),
            );
        }
    }
    rows
}

fn rounded_minutes(ms: i64) -> i64 {
    (ms + 30_000).div_euclid(60_000)
}

/// The file name of an export: the table and when it was made, on the local clock.
pub fn report_file_name(report: &PackageReport, table: ReportTable) -> String {
    let calendar = Calendar::new(&report.time_zone).unwrap_or_else(|_| Calendar::utc());
    let stamp = calendar
        .stamp(report.generated_at_ms)
        .unwrap_or_else(|_| report.generated_at_ms.to_string());
    format!("frontdesk-{}-{stamp}.csv", table.slug())
}

/// Writes `csv` to a new file named `name` in `dir` (`name-2.csv`, `name-3.csv`, … when
/// taken: an export never overwrites a file). The file starts with a UTF-8 byte order
/// mark: without it, Excel on Windows reads "Côté" as "CÃ´tÃ©".
pub async fn write_new_csv(dir: &Path, name: &str, csv: &str) -> DeskResult<PathBuf> {
    use tokio::io::AsyncWriteExt;

    let storage = |path: &Path, e: std::io::Error| {
        DeskError::new(DeskErrorCode::Storage, format!("{}: {e}", path.display()))
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| storage(dir, e))?;
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "csv"));
    for n in 1..1000 {
        let path = if n == 1 {
            dir.join(name)
        } else {
            dir.join(format!("{stem}-{n}.{ext}"))
        };
        let mut file = match tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(storage(&path, e)),
        };
        let mut bytes = Vec::with_capacity(csv.len() + 3);
        bytes.extend_from_slice("\u{feff}".as_bytes());
        bytes.extend_from_slice(csv.as_bytes());
        file.write_all(&bytes)
            .await
            .map_err(|e| storage(&path, e))?;
        file.sync_all().await.map_err(|e| storage(&path, e))?;
        return Ok(path);
    }
    Err(DeskError::new(
        DeskErrorCode::Storage,
        format!("{}: too many exports named {name}", dir.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_written_as_text() {
        for cell in ["=1+1", "+33", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["", "Côté", "1=1", "a-b", "'quoted"] {
            assert_eq!(guard(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn durations_round_to_the_nearest_minute() {
        assert_eq!(rounded_minutes(29_999), 0);
        assert_eq!(rounded_minutes(30_000), 1);
        assert_eq!(rounded_minutes(7_200_000), 120);
    }
}
