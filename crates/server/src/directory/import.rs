//! `import buildings|units|residents FILE.csv`: the web admin's CSV exports, as they are.
//!
//! All or nothing: every row is checked (format first, then against the database inside
//! the write transaction) before anything is written, and a file with any bad row
//! writes nothing. Records are upserted by the export's ids, so importing a newer export
//! updates in place, and only records that really changed reach the change log.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use csv::StringRecord;
use frontdesk_protocol::{Building, Resident, Unit};

use crate::changelog;
use crate::db::{Db, now_ms};
use crate::directory::apply::{self, PendingChanges, Tally};
use crate::directory::csv_fields::{Columns, Fields};
use crate::directory::store;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportKind {
    Buildings,
    Units,
    Residents,
}

impl ImportKind {
    pub fn noun(self) -> &'static str {
        match self {
            Self::Buildings => "buildings",
            Self::Units => "units",
            Self::Residents => "residents",
        }
    }

    fn required_columns(self) -> &'static [&'static str] {
        match self {
            Self::Buildings => &["id", "name"],
            Self::Units => &["id", "building_id", "unit_number"],
            Self::Residents => &["id", "building_id", "first_name", "last_name"],
        }
    }
}

/// A row that cannot be imported. `line` counts file lines, the header being line 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub kind: ImportKind,
    pub tally: Tally,
    /// Buildings that units or residents named before any buildings import did.
    pub placeholder_buildings: Vec<String>,
    pub changes_logged: usize,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.noun(), self.tally)?;
        if !self.placeholder_buildings.is_empty() {
            write!(
                f,
                "; placeholder building(s) created for {} (import the buildings file to name them)",
                self.placeholder_buildings.join(", ")
            )?;
        }
        Ok(())
    }
}

/// A report of hundreds of identical problems helps nobody; past this many, stop listing.
const MAX_PROBLEMS: usize = 100;

enum Parsed {
    Buildings(Vec<(u64, Building)>),
    Units(Vec<(u64, Unit)>),
    Residents(Vec<(u64, Resident)>),
}

pub async fn import_file(db: &Db, kind: ImportKind, path: &Path) -> Result<ImportSummary> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    import_bytes(db, kind, &path.display().to_string(), &bytes).await
}

pub async fn import_bytes(
    db: &Db,
    kind: ImportKind,
    file_label: &str,
    bytes: &[u8],
) -> Result<ImportSummary> {
    let rejected = |problems| Error::ImportRejected {
        file: file_label.to_owned(),
        problems,
    };
    let parsed = parse(kind, bytes).map_err(rejected)?;

    let mut tx = db.begin_write().await?;
    let now = now_ms();
    let building_ids: BTreeSet<String> = match &parsed {
        Parsed::Buildings(rows) => rows.iter().map(|(_, b)| b.id.clone()).collect(),
        Parsed::Units(rows) => rows.iter().map(|(_, u)| u.building_id.clone()).collect(),
        Parsed::Residents(rows) => rows.iter().map(|(_, r)| r.building_id.clone()).collect(),
    };
    let mut missing_buildings = Vec::new();
    for id in &building_ids {
        if store::get_building(&mut tx, id).await?.is_some() {
            changelog::lock_building(&mut tx, id).await?;
        } else {
            missing_buildings.push(id.clone());
        }
    }

    let problems = check_against_database(&mut tx, &parsed).await?;
    if !problems.is_empty() {
        tx.rollback().await?;
        return Err(rejected(problems));
    }

    let mut pending = PendingChanges::default();
    let mut tally = Tally::default();
    let mut placeholder_buildings = Vec::new();
    if !matches!(parsed, Parsed::Buildings(_)) {
        for id in missing_buildings {
            let placeholder = Building {
                id: id.clone(),
                name: format!("Building {id}"),
                address: None,
                city: None,
                province: None,
                postal_code: None,
                country: None,
            };
            apply::put_building(&mut tx, &placeholder, now, &mut pending).await?;
            placeholder_buildings.push(id);
        }
    }
    match &parsed {
        Parsed::Buildings(rows) => {
            for (_, b) in rows {
                tally.add(apply::put_building(&mut tx, b, now, &mut pending).await?);
            }
        }
        Parsed::Units(rows) => {
            for (_, u) in rows {
                tally.add(apply::put_unit(&mut tx, u, now, &mut pending).await?);
            }
        }
        Parsed::Residents(rows) => {
            for (_, r) in rows {
                tally.add(apply::put_resident(&mut tx, r, now, &mut pending).await?);
            }
        }
    }
    let changes_logged = pending.append_all(&mut tx, now).await?;
    tx.commit().await?;
    tracing::info!(file = file_label, kind = kind.noun(), %tally, changes_logged, "import committed");
    Ok(ImportSummary {
        kind,
        tally,
        placeholder_buildings,
        changes_logged,
    })
}

/// Problems only the database can reveal: a record id already used in another building
/// (ids come from outside, and moving records between tenants silently would be worse
/// than refusing), and residents pointing at units their building does not have.
async fn check_against_database(
    conn: &mut sqlx::AnyConnection,
    parsed: &Parsed,
) -> Result<Vec<RowProblem>> {
    let mut problems = Vec::new();
    match parsed {
        Parsed::Buildings(_) => {}
        Parsed::Units(rows) => {
            for (line, u) in rows {
                if let Some(old) = store::get_unit(conn, &u.id).await?
                    && old.building_id != u.building_id
                {
                    problems.push(RowProblem {
                        line: *line,
                        reason: format!(
                            "unit id {:?} already belongs to building {:?}",
                            u.id, old.building_id
                        ),
                    });
                }
            }
        }
        Parsed::Residents(rows) => {
            for (line, r) in rows {
                if let Some(old) = store::get_resident(conn, &r.id).await?
                    && old.building_id != r.building_id
                {
                    problems.push(RowProblem {
                        line: *line,
                        reason: format!(
                            "resident id {:?} already belongs to building {:?}",
                            r.id, old.building_id
                        ),
                    });
                }
                if let Some(unit_id) = &r.unit_id {
                    let known = store::get_unit(conn, unit_id)
                        .await?
                        .is_some_and(|u| u.building_id == r.building_id);
                    if !known {
                        problems.push(RowProblem {
                            line: *line,
                            reason: format!(
                                "unit_id {unit_id:?} is not a known unit of building {:?} \
                                 (import the units file first)",
                                r.building_id
                            ),
                        });
                    }
                }
            }
        }
    }
    problems.truncate(MAX_PROBLEMS);
    Ok(problems)
}

fn parse(kind: ImportKind, bytes: &[u8]) -> Result<Parsed, Vec<RowProblem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let header = reader.headers().cloned().map_err(|e| {
        vec![RowProblem {
            line: 1,
            reason: format!("unreadable header row: {}", csv_reason(&e)),
        }]
    })?;
    let columns = Columns::from_header(&header);
    let missing = columns.missing(kind.required_columns());
    if !missing.is_empty() {
        return Err(vec![RowProblem {
            line: 1,
            reason: format!(
                "missing column(s) {} (is this a {} export?)",
                missing.join(", "),
                kind.noun()
            ),
        }]);
    }

    let mut problems = Vec::new();
    let mut parsed = match kind {
        ImportKind::Buildings => Parsed::Buildings(Vec::new()),
        ImportKind::Units => Parsed::Units(Vec::new()),
        ImportKind::Residents => Parsed::Residents(Vec::new()),
    };
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    let mut record = StringRecord::new();
    loop {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(RowProblem {
                    line,
                    reason: csv_reason(&e),
                });
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut fields = Fields::new(&columns, &record);
        let id = fields.required("id");
        match &mut parsed {
            Parsed::Buildings(rows) => {
                let b = building_row(&mut fields, id.clone());
                rows.push((line, b));
            }
            Parsed::Units(rows) => {
                let u = unit_row(&mut fields, id.clone());
                rows.push((line, u));
            }
            Parsed::Residents(rows) => {
                let r = resident_row(&mut fields, id.clone());
                rows.push((line, r));
            }
        }
        if !id.is_empty() {
            match first_seen.get(&id) {
                Some(first) => fields
                    .problems
                    .push(format!("id {id:?} appears again (first on line {first})")),
                None => {
                    first_seen.insert(id, line);
                }
            }
        }
        if !fields.problems.is_empty() {
            problems.push(RowProblem {
                line,
                reason: fields.problems.join("; "),
            });
        }
    }
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(problems)
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text (save the export as UTF-8)".into(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        _ => e.to_string(),
    }
}

fn building_row(f: &mut Fields<'_>, id: String) -> Building {
    Building {
        id,
        name: f.required("name"),
        address: f.text("address"),
        city: f.text("city"),
        province: f.text("province"),
        postal_code: f.text("postal_code"),
        country: f.text("country"),
    }
}

fn unit_row(f: &mut Fields<'_>, id: String) -> Unit {
    Unit {
        id,
        building_id: f.required("building_id"),
        unit_number: f.required("unit_number"),
        // Basements are negative floors.
        floor_number: f.int("floor_number", true),
        square_footage: f.non_negative_float("square_footage"),
        bedrooms: f.int("bedrooms", false),
        bathrooms: f.non_negative_float("bathrooms"),
        is_occupied: f.bool("is_occupied"),
        unit_type: f.text("unit_type"),
        occupant_name: f.text("occupant_name"),
    }
}

fn resident_row(f: &mut Fields<'_>, id: String) -> Resident {
    // The admin allows a one-part name (a company, a nickname), so only both empty is
    // an error.
    let first_name = f.text("first_name");
    let last_name = f.text("last_name");
    if first_name.is_none() && last_name.is_none() {
        f.problems
            .push("first_name and last_name are both empty".to_owned());
    }
    Resident {
        id,
        building_id: f.required("building_id"),
        unit_id: f.text("unit_id"),
        user_id: f.text("user_id"),
        first_name: first_name.unwrap_or_default(),
        last_name: last_name.unwrap_or_default(),
        email: f.text("email"),
        phone: f.text("phone"),
        is_owner: f.bool("is_owner").unwrap_or(false),
        is_primary_resident: f.bool("is_primary_resident").unwrap_or(false),
        move_in_date: f.date("move_in_date"),
        move_out_date: f.date("move_out_date"),
        preferred_language: f.text("preferred_language"),
        preferred_notification_method: f.text("preferred_notification_method"),
        notes: f.text("notes"),
    }
}
