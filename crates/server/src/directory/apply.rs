//! Writing directory records only when they differ, and logging exactly those writes.
//!
//! Both the CSV import and the demo seed go through here, which is what makes a
//! re-import of an unchanged file (or a second `demo`) add nothing to the change log.

use std::collections::BTreeMap;

use frontdesk_protocol::{Building, ChangeBody, Resident, Unit};
use sqlx::AnyConnection;

use crate::changelog;
use crate::directory::store;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Tally {
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged",
            self.created, self.updated, self.unchanged
        )
    }
}

/// Changes gathered during one transaction, grouped by the building whose log they
/// belong to, in the order they were made.
#[derive(Default)]
pub struct PendingChanges {
    by_building: BTreeMap<String, Vec<ChangeBody>>,
}

impl PendingChanges {
    pub fn push(&mut self, building_id: &str, body: ChangeBody) {
        self.by_building
            .entry(building_id.to_owned())
            .or_default()
            .push(body);
    }

    /// Appends everything to the change logs; call last, inside the same transaction.
    pub async fn append_all(self, conn: &mut AnyConnection, now_ms: i64) -> Result<usize> {
        let mut total = 0;
        for (building_id, bodies) in self.by_building {
            total += changelog::append(conn, &building_id, None, now_ms, &bodies)
                .await?
                .len();
        }
        Ok(total)
    }
}

pub async fn put_building(
    conn: &mut AnyConnection,
    b: &Building,
    now_ms: i64,
    pending: &mut PendingChanges,
) -> Result<Outcome> {
    let outcome = match store::get_building(conn, &b.id).await? {
        None => Outcome::Created,
        Some(old) if &old == b => return Ok(Outcome::Unchanged),
        Some(_) => Outcome::Updated,
    };
    store::upsert_building(conn, b, now_ms).await?;
    pending.push(&b.id, ChangeBody::BuildingUpserted(b.clone()));
    Ok(outcome)
}

pub async fn put_unit(
    conn: &mut AnyConnection,
    u: &Unit,
    now_ms: i64,
    pending: &mut PendingChanges,
) -> Result<Outcome> {
    let outcome = match store::get_unit(conn, &u.id).await? {
        None => Outcome::Created,
        Some(old) if &old == u => return Ok(Outcome::Unchanged),
        Some(_) => Outcome::Updated,
    };
    store::upsert_unit(conn, u, now_ms).await?;
    pending.push(&u.building_id, ChangeBody::UnitUpserted(u.clone()));
    Ok(outcome)
}

pub async fn put_resident(
    conn: &mut AnyConnection,
    r: &Resident,
    now_ms: i64,
    pending: &mut PendingChanges,
) -> Result<Outcome> {
    let outcome = match store::get_resident(conn, &r.id).await? {
        None => Outcome::Created,
        Some(old) if &old == r => return Ok(Outcome::Unchanged),
        Some(_) => Outcome::Updated,
    };
    store::upsert_resident(conn, r, now_ms).await?;
    pending.push(&r.building_id, ChangeBody::ResidentUpserted(r.clone()));
    Ok(outcome)
}
