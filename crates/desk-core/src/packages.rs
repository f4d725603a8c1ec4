//! Parcels as the desk sees them: the server's rows with this desk's queued intakes,
//! edits and transitions laid over them, so a parcel taken in during an outage is on
//! the shelf at once and a pickup shows at once.
//!
//! The rules (what a package code is, which transitions are allowed, text limits) are
//! `frontdesk_protocol::packages`, the same code the server runs on push. The desk
//! checks before queueing so staff hear about a mistake at once; the server decides in
//! commit order (two desks picking up one parcel: the second is refused, and its
//! optimistic pickup is reverted with the reason).

use std::collections::{BTreeMap, BTreeSet};

use frontdesk_protocol::{
    Authority, Mutation, MutationBody, Package, PackageEdit, PackageEvent, PackageFlags,
    PackageIntake, PackageSize, PackageStatus, PackageTransition, check_transition,
    package_code_from_bits, parse_package_code,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::instructions::Author;
use crate::outbox::{self, OutboxState};
use crate::store::Store;

/// The setting holding the shelf of the last parcel taken in here.
pub(crate) const LAST_SHELF: &str = "last_shelf";

/// Days on the shelf after which a parcel is overdue: shown with a badge at the desk,
/// and the server's default for reminders.
pub const OVERDUE_AFTER_DAYS: i64 = 3;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A parcel as shown, with whether something about it still waits for the server.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PackageView {
    pub package: Package,
    /// Taken in, edited or moved at this desk and not yet acknowledged by the server.
    pub pending: bool,
    /// The recipient's name from the local directory (`None` when unassigned or no
    /// longer in the directory).
    pub recipient_name: Option<String>,
    pub unit_number: Option<String>,
    /// The staff member who took it in, by name.
    pub received_by_name: Option<String>,
    /// On the shelf for more than [`OVERDUE_AFTER_DAYS`] days.
    pub overdue: bool,
}

impl PackageView {
    fn new(package: Package, pending: bool) -> Self {
        Self {
            package,
            pending,
            recipient_name: None,
            unit_number: None,
            received_by_name: None,
            overdue: false,
        }
    }
}

/// What staff enter at intake. The desk makes the id and the code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NewPackage {
    /// As scanned or typed; normalised with the carrier recognition.
    pub tracking_number: Option<String>,
    /// A carrier code chosen by staff; when `None`, the one recognised from the number.
    pub carrier: Option<String>,
    pub resident_id: Option<String>,
    pub unit_id: Option<String>,
    pub shelf: Option<String>,
    pub size: Option<PackageSize>,
    pub flags: PackageFlags,
    pub note: Option<String>,
}

/// Which parcels to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PackageQuery {
    /// Only parcels still waiting for their resident (`waiting` or `notified`).
    pub on_shelf: bool,
    /// Only parcels with this status.
    pub status: Option<PackageStatus>,
    /// Only parcels without a recipient yet (taken in by bulk intake, to assign).
    pub unassigned: bool,
    /// Only parcels received before this time (the "older than N days" filter).
    #[ts(type = "number | null")]
    pub received_before_ms: Option<i64>,
    pub unit_id: Option<String>,
    /// A unit number as staff read it: parcels of the units whose number starts with it
    /// (`12` finds 1204 and 1205), case-insensitive.
    pub unit_number: Option<String>,
    pub carrier: Option<String>,
    /// Matches the package code or the tracking number (a whole scan or a prefix).
    pub text: Option<String>,
    pub limit: u32,
}

/// A step of a parcel's history, as shown.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PackageEventView {
    pub event: PackageEvent,
    pub pending: bool,
    /// Who made it, by name (`None` when the staff member is not in the directory).
    pub by_name: Option<String>,
}

/// A parcel's page: the parcel, its history (oldest first), and what the server did to
/// tell its resident (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PackageDetail {
    pub view: PackageView,
    pub events: Vec<PackageEventView>,
    pub notices: Vec<frontdesk_protocol::PackageNotice>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    building_id: String,
    code: String,
    tracking_number: Option<String>,
    carrier: Option<String>,
    resident_id: Option<String>,
    unit_id: Option<String>,
    shelf: Option<String>,
    size: Option<String>,
    perishable: bool,
    signature_required: bool,
    fragile: bool,
    note: Option<String>,
    status: String,
    received_at_ms: i64,
    received_by: String,
    status_at_ms: i64,
    collected_by: Option<String>,
}

impl Row {
    fn package(self) -> DeskResult<Package> {
        Ok(Package {
            status: PackageStatus::parse(&self.status).ok_or_else(|| {
                DeskError::new(
                    DeskErrorCode::Storage,
                    format!("package status {:?} unknown", self.status),
                )
            })?,
            id: self.id,
            building_id: self.building_id,
            code: self.code,
            tracking_number: self.tracking_number,
            carrier: self.carrier,
            resident_id: self.resident_id,
            unit_id: self.unit_id,
            shelf: self.shelf,
            size: self.size.as_deref().and_then(PackageSize::parse),
            flags: PackageFlags {
                perishable: self.perishable,
                signature_required: self.signature_required,
                fragile: self.fragile,
            },
            note: self.note,
            received_at_ms: self.received_at_ms,
            received_by: self.received_by,
            status_at_ms: self.status_at_ms,
            collected_by: self.collected_by,
        })
    }
}

macro_rules! select_packages {
    ($($rest:literal),*) => {
        concat!(
            "SELECT id, building_id, code, tracking_number, carrier, resident_id, unit_id, \
             shelf, size, perishable, signature_required, fragile, note, status, \
             received_at_ms, received_by, status_at_ms, collected_by FROM packages ",
            $($rest),*
        )
    };
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: String,
    package_id: String,
    building_id: String,
    from_status: Option<String>,
    to_status: String,
    by_staff: String,
    at_ms: i64,
    note: Option<String>,
    override_reason: Option<String>,
    signature: Option<String>,
}

impl EventRow {
    fn event(self) -> DeskResult<PackageEvent> {
        let status = |s: &str| {
            PackageStatus::parse(s).ok_or_else(|| {
                DeskError::new(
                    DeskErrorCode::Storage,
                    format!("package status {s:?} unknown"),
                )
            })
        };
        Ok(PackageEvent {
            from: self.from_status.as_deref().map(status).transpose()?,
            to: status(&self.to_status)?,
            id: self.id,
            package_id: self.package_id,
            building_id: self.building_id,
            by: self.by_staff,
            at_ms: self.at_ms,
            note: self.note,
            override_reason: self.override_reason,
            signature: self.signature,
        })
    }
}

fn invalid(reason: impl Into<String>) -> DeskError {
    DeskError::new(DeskErrorCode::InvalidInput, reason)
}

/// The package a mutation is about, if it is a package mutation.
fn package_id(body: &MutationBody) -> Option<&str> {
    match body {
        MutationBody::PackageIntake(i) => Some(&i.id),
        MutationBody::PackageEdit(e) => Some(&e.id),
        MutationBody::PackageTransition(t) => Some(&t.id),
        _ => None,
    }
}

/// Lays one queued mutation over the packages shown (and their histories, when kept).
fn lay_over(
    views: &mut BTreeMap<String, PackageView>,
    events: Option<&mut Vec<PackageEventView>>,
    mutation: &Mutation,
    pending: bool,
    author: &Author<'_>,
) {
    let at = mutation.client_time_ms;
    match &mutation.body {
        MutationBody::PackageIntake(i) => {
            let package = Package {
                id: i.id.clone(),
                building_id: author.building_id.to_owned(),
                code: i.code.clone(),
                tracking_number: i.tracking_number.clone(),
                carrier: i.carrier.clone(),
                resident_id: i.resident_id.clone(),
                unit_id: i.unit_id.clone(),
                shelf: i.shelf.clone(),
                size: i.size,
                flags: i.flags,
                note: i.note.clone(),
                status: PackageStatus::Waiting,
                received_at_ms: at,
                received_by: author.staff_id.to_owned(),
                status_at_ms: at,
                collected_by: None,
            };
            if let Some(events) = events {
                events.push(PackageEventView {
                    event: PackageEvent {
                        id: mutation.id.to_string(),
                        package_id: i.id.clone(),
                        building_id: author.building_id.to_owned(),
                        from: None,
                        to: PackageStatus::Waiting,
                        by: author.staff_id.to_owned(),
                        at_ms: at,
                        note: None,
                        override_reason: None,
                        signature: None,
                    },
                    pending,
                    by_name: None,
                });
            }
            views.insert(i.id.clone(), PackageView::new(package, pending));
        }
        MutationBody::PackageEdit(e) => {
            if let Some(view) = views.get_mut(&e.id) {
                let p = &mut view.package;
                p.carrier = e.carrier.clone();
                p.resident_id = e.resident_id.clone();
                p.unit_id = e.unit_id.clone();
                p.shelf = e.shelf.clone();
                p.size = e.size;
                p.flags = e.flags;
                p.note = e.note.clone();
                view.pending |= pending;
            }
        }
        MutationBody::PackageTransition(t) => {
            if let Some(view) = views.get_mut(&t.id) {
                if let Some(events) = events {
                    events.push(PackageEventView {
                        event: PackageEvent {
                            id: t.event_id.clone(),
                            package_id: t.id.clone(),
                            building_id: author.building_id.to_owned(),
                            from: Some(view.package.status),
                            to: t.to,
                            by: author.staff_id.to_owned(),
                            at_ms: at,
                            note: t.note.clone(),
                            override_reason: t.override_reason.clone(),
                            signature: t.signature.clone(),
                        },
                        pending,
                        by_name: None,
                    });
                }
                let p = &mut view.package;
                p.status = t.to;
                p.status_at_ms = at;
                p.collected_by = t.collected_by.clone();
                view.pending |= pending;
            }
        }
        // Other domains' writes do not touch packages.
        _ => {}
    }
}

impl PackageQuery {
    /// `units`: the ids of the units `unit_number` names, when it is given.
    fn matches(&self, p: &Package, text: Option<&str>, units: Option<&BTreeSet<String>>) -> bool {
        units.is_none_or(|u| p.unit_id.as_ref().is_some_and(|id| u.contains(id)))
            && (!self.on_shelf || p.status.is_on_shelf())
            && self.status.is_none_or(|s| p.status == s)
            && (!self.unassigned || (p.resident_id.is_none() && p.unit_id.is_none()))
            && self.received_before_ms.is_none_or(|t| p.received_at_ms < t)
            && self
                .unit_id
                .as_ref()
                .is_none_or(|u| p.unit_id.as_ref() == Some(u))
            && self
                .carrier
                .as_ref()
                .is_none_or(|c| p.carrier.as_ref() == Some(c))
            && text.is_none_or(|t| {
                p.code.replace('-', "").starts_with(&t.replace('-', ""))
                    || p.tracking_number.as_ref().is_some_and(|n| n.starts_with(t))
            })
    }

    /// The search text as codes and tracking numbers are stored: upper case, trimmed.
    fn text(&self) -> Option<String> {
        let text = self.text.as_deref()?.trim();
        (!text.is_empty()).then(|| {
            parse_package_code(text).unwrap_or_else(|| frontdesk_carriers::normalize(text))
        })
    }
}

impl Store {
    /// Parcels matching `query`, newest first, this desk's queued writes included.
    pub async fn packages(
        &self,
        query: &PackageQuery,
        author: &Author<'_>,
    ) -> DeskResult<Vec<PackageView>> {
        // One snapshot for the outbox and the server's rows (see `outbox::overlay_in`).
        let mut snapshot = self.pool().begin().await?;
        let overlay: Vec<(Mutation, OutboxState)> = outbox::overlay_in(&mut snapshot)
            .await?
            .into_iter()
            .filter(|(m, _)| package_id(&m.body).is_some())
            .collect();
        // The server's rows the query may show, plus every row a queued write touches
        // (a queued pickup takes a parcel off the shelf; a queued edit may move it to
        // the unit asked for): the query is then decided on the laid-over state.
        let touched: BTreeSet<&str> = overlay
            .iter()
            .filter_map(|(m, _)| package_id(&m.body))
            .collect();
        let touched = serde_json::to_string(&touched)?;
        let units = match query
            .unit_number
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(prefix) => {
                // A prefix, with LIKE's own wildcards in it taken literally.
                let mut pattern = String::with_capacity(prefix.len() + 1);
                for c in prefix.chars() {
                    if matches!(c, '\\' | '%' | '_') {
                        pattern.push('\\');
                    }
                    pattern.push(c);
                }
                pattern.push('%');
                let ids: Vec<String> =
                    sqlx::query_scalar("SELECT id FROM units WHERE unit_number LIKE ? ESCAPE '\\'")
                        .bind(pattern)
                        .fetch_all(&mut *snapshot)
                        .await?;
                Some(ids.into_iter().collect::<BTreeSet<String>>())
            }
            None => None,
        };
        let unit_ids = units.as_ref().map(serde_json::to_string).transpose()?;
        let status_filter = if query.on_shelf { 1 } else { 0 };
        let rows: Vec<Row> = sqlx::query_as(select_packages!(
            "WHERE (((? = 0 OR status IN ('waiting', 'notified')) ",
            "AND (? IS NULL OR status = ?) AND (? IS NULL OR received_at_ms < ?) ",
            "AND (? IS NULL OR unit_id = ?) AND (? IS NULL OR carrier = ?) ",
            "AND (? IS NULL OR unit_id IN (SELECT value FROM json_each(?)))) ",
            "OR id IN (SELECT value FROM json_each(?))) ",
            "ORDER BY received_at_ms DESC"
        ))
        .bind(status_filter)
        .bind(query.status.map(PackageStatus::as_str))
        .bind(query.status.map(PackageStatus::as_str))
        .bind(query.received_before_ms)
        .bind(query.received_before_ms)
        .bind(&query.unit_id)
        .bind(&query.unit_id)
        .bind(&query.carrier)
        .bind(&query.carrier)
        .bind(&unit_ids)
        .bind(&unit_ids)
        .bind(touched)
        .fetch_all(&mut *snapshot)
        .await?;
        snapshot.commit().await?;
        let mut views = BTreeMap::new();
        for row in rows {
            let package = row.package()?;
            views.insert(package.id.clone(), PackageView::new(package, false));
        }
        for (mutation, state) in &overlay {
            lay_over(
                &mut views,
                None,
                mutation,
                *state == OutboxState::Pending,
                author,
            );
        }
        let text = query.text();
        let mut shown: Vec<PackageView> = views
            .into_values()
            .filter(|v| query.matches(&v.package, text.as_deref(), units.as_ref()))
            .collect();
        shown.sort_by(|a, b| {
            b.package
                .received_at_ms
                .cmp(&a.package.received_at_ms)
                .then_with(|| b.package.id.cmp(&a.package.id))
        });
        if query.limit > 0 {
            shown.truncate(query.limit as usize);
        }
        self.describe(&mut shown, &mut [], crate::now_ms()).await?;
        Ok(shown)
    }

    /// One parcel and its history (oldest first), queued writes included.
    pub async fn package(
        &self,
        id: &str,
        author: &Author<'_>,
    ) -> DeskResult<(PackageView, Vec<PackageEventView>)> {
        let mut snapshot = self.pool().begin().await?;
        let row: Option<Row> = sqlx::query_as(select_packages!("WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *snapshot)
            .await?;
        let mut views = BTreeMap::new();
        if let Some(row) = row {
            let package = row.package()?;
            views.insert(package.id.clone(), PackageView::new(package, false));
        }
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT id, package_id, building_id, from_status, to_status, by_staff, at_ms, note, \
             override_reason, signature FROM package_events WHERE package_id = ? ORDER BY at_ms, id",
        )
        .bind(id)
        .fetch_all(&mut *snapshot)
        .await?;
        let overlay = outbox::overlay_of_in(&mut snapshot, id).await?;
        snapshot.commit().await?;
        let mut events: Vec<PackageEventView> = rows
            .into_iter()
            .map(|r| {
                r.event().map(|event| PackageEventView {
                    event,
                    pending: false,
                    by_name: None,
                })
            })
            .collect::<DeskResult<_>>()?;
        for (mutation, state) in overlay {
            if package_id(&mutation.body) != Some(id) {
                continue;
            }
            // An echo already pulled is in the history: laid over once, not twice.
            let known: BTreeSet<String> = events.iter().map(|e| e.event.id.clone()).collect();
            let mut fresh = Vec::new();
            lay_over(
                &mut views,
                Some(&mut fresh),
                &mutation,
                state == OutboxState::Pending,
                author,
            );
            events.extend(fresh.into_iter().filter(|e| !known.contains(&e.event.id)));
        }
        let view = views
            .remove(id)
            .ok_or_else(|| DeskError::new(DeskErrorCode::NotFound, format!("no package {id}")))?;
        let mut shown = [view];
        self.describe(&mut shown, &mut events, crate::now_ms())
            .await?;
        let [view] = shown;
        Ok((view, events))
    }

    /// Takes a parcel in: recognises the carrier, checks the recipient, and queues the
    /// intake with a new id and code, in one transaction.
    pub async fn intake_package(
        &self,
        new: NewPackage,
        now_ms: i64,
    ) -> DeskResult<(Mutation, PackageIntake)> {
        let tracking = new
            .tracking_number
            .as_deref()
            .map(frontdesk_carriers::identify)
            .filter(|id| !id.tracking_number.is_empty());
        let carrier = new.carrier.or_else(|| {
            tracking
                .as_ref()
                .and_then(|id| id.carrier)
                .map(|c| c.code().to_owned())
        });
        let id = uuid::Uuid::now_v7();
        let intake = PackageIntake {
            id: id.to_string(),
            code: package_code_from_bits(rand::random::<u64>()),
            tracking_number: tracking.map(|id| id.tracking_number),
            carrier,
            resident_id: new.resident_id,
            unit_id: new.unit_id,
            shelf: new.shelf,
            size: new.size,
            flags: new.flags,
            note: new.note,
        }
        .normalized()
        .map_err(invalid)?;
        let mut tx = self.begin_write().await?;
        let (resident_id, unit_id) =
            recipient_in(&mut tx, intake.resident_id.clone(), intake.unit_id.clone()).await?;
        let intake = PackageIntake {
            resident_id,
            unit_id,
            ..intake
        };
        let mutation =
            outbox::enqueue(&mut tx, MutationBody::PackageIntake(intake.clone()), now_ms).await?;
        // The next parcel usually goes beside this one: kept in the same commit (a second
        // durable write per intake would double its cost).
        if let Some(shelf) = &intake.shelf {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES (?, ?) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(LAST_SHELF)
            .bind(serde_json::to_string(shelf)?)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok((mutation, intake))
    }

    /// Corrects a parcel on the shelf, or assigns its recipient.
    pub async fn edit_package(
        &self,
        edit: PackageEdit,
        author: &Author<'_>,
        now_ms: i64,
    ) -> DeskResult<Mutation> {
        let edit = edit.normalized().map_err(invalid)?;
        let (view, _) = self.package(&edit.id, author).await?;
        if !view.package.status.is_on_shelf() {
            return Err(DeskError::new(
                DeskErrorCode::Conflict,
                format!(
                    "package {} is no longer on the shelf: it cannot be changed",
                    view.package.code
                ),
            ));
        }
        let mut tx = self.begin_write().await?;
        let (resident_id, unit_id) =
            recipient_in(&mut tx, edit.resident_id.clone(), edit.unit_id.clone()).await?;
        let edit = PackageEdit {
            resident_id,
            unit_id,
            ..edit
        };
        let mutation = outbox::enqueue(&mut tx, MutationBody::PackageEdit(edit), now_ms).await?;
        tx.commit().await?;
        Ok(mutation)
    }

    /// Moves parcels along their lifecycle (a pickup of everything for a unit is one
    /// call), each checked against its status as shown here, all queued in one
    /// transaction: either every one is queued or none.
    pub async fn transition_packages(
        &self,
        moves: Vec<PackageTransition>,
        authority: Authority,
        author: &Author<'_>,
        now_ms: i64,
    ) -> DeskResult<Vec<Mutation>> {
        let mut checked = Vec::with_capacity(moves.len());
        for t in moves {
            let t = t.normalized().map_err(invalid)?;
            let (view, _) = self.package(&t.id, author).await?;
            check_transition(
                view.package.status,
                t.to,
                authority,
                t.override_reason.as_deref(),
            )
            .map_err(|reason| {
                DeskError::new(
                    DeskErrorCode::Conflict,
                    format!("{}: {reason}", view.package.code),
                )
            })?;
            checked.push(t);
        }
        let mut tx = self.begin_write().await?;
        let mut queued = Vec::with_capacity(checked.len());
        for t in checked {
            queued
                .push(outbox::enqueue(&mut tx, MutationBody::PackageTransition(t), now_ms).await?);
        }
        tx.commit().await?;
        Ok(queued)
    }
}

impl Store {
    /// Fills in the names the screens show (recipient, unit, staff) from the local
    /// directory in three statements, whatever the number of parcels, and whether each
    /// parcel is overdue at `now_ms`.
    async fn describe(
        &self,
        views: &mut [PackageView],
        events: &mut [PackageEventView],
        now_ms: i64,
    ) -> DeskResult<()> {
        let ids = |it: &mut dyn Iterator<Item = Option<&String>>| -> DeskResult<String> {
            let set: BTreeSet<&String> = it.flatten().collect();
            Ok(serde_json::to_string(&set)?)
        };
        let residents = ids(&mut views.iter().map(|v| v.package.resident_id.as_ref()))?;
        let units = ids(&mut views.iter().map(|v| v.package.unit_id.as_ref()))?;
        let staff = ids(&mut views
            .iter()
            .map(|v| Some(&v.package.received_by))
            .chain(events.iter().map(|e| Some(&e.event.by))))?;
        let mut conn = self.pool().acquire().await?;
        let resident_names: BTreeMap<String, String> = sqlx::query_as(
            "SELECT id, trim(first_name || ' ' || last_name) FROM residents \
             WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(residents)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        let unit_numbers: BTreeMap<String, String> = sqlx::query_as(
            "SELECT id, unit_number FROM units WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(units)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        let staff_names: BTreeMap<String, String> = sqlx::query_as(
            "SELECT id, name FROM staff WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(staff)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        let name = |map: &BTreeMap<String, String>, id: Option<&String>| {
            id.and_then(|id| map.get(id)).cloned()
        };
        for v in views.iter_mut() {
            let p = &v.package;
            v.recipient_name = name(&resident_names, p.resident_id.as_ref());
            v.unit_number = name(&unit_numbers, p.unit_id.as_ref());
            v.received_by_name = name(&staff_names, Some(&p.received_by));
            v.overdue =
                p.status.is_on_shelf() && now_ms - p.received_at_ms > OVERDUE_AFTER_DAYS * DAY_MS;
        }
        for e in events.iter_mut() {
            e.by_name = if e.event.by == frontdesk_protocol::NOTIFIER_ACTOR {
                // The server's notifier moved it (the resident's email was accepted).
                Some("Frontdesk".to_owned())
            } else {
                name(&staff_names, Some(&e.event.by))
            };
        }
        Ok(())
    }
}

/// Checks a recipient against the local directory and completes it as the server
/// will: a resident's unit is theirs when none is given.
async fn recipient_in(
    conn: &mut sqlx::SqliteConnection,
    resident_id: Option<String>,
    unit_id: Option<String>,
) -> DeskResult<(Option<String>, Option<String>)> {
    let resident_unit = match &resident_id {
        Some(resident) => {
            let row: Option<(Option<String>,)> =
                sqlx::query_as("SELECT unit_id FROM residents WHERE id = ?")
                    .bind(resident)
                    .fetch_optional(&mut *conn)
                    .await?;
            let Some((unit,)) = row else {
                return Err(DeskError::new(
                    DeskErrorCode::NotFound,
                    format!("no resident {resident} here"),
                ));
            };
            unit
        }
        None => None,
    };
    if let Some(unit) = &unit_id {
        let exists: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM units WHERE id = ?")
            .bind(unit)
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_none() {
            return Err(DeskError::new(
                DeskErrorCode::NotFound,
                format!("no unit {unit} here"),
            ));
        }
        if resident_id.is_some() && resident_unit.as_deref() != Some(unit.as_str()) {
            return Err(invalid("the resident does not live in that unit"));
        }
    }
    Ok((resident_id, unit_id.or(resident_unit)))
}
