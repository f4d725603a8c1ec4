//! The residents directory, read from the local store.

pub mod search;

use frontdesk_protocol::{Resident, Unit};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::store::Store;

/// Most results one search returns.
pub const MAX_SEARCH_RESULTS: u32 = 200;

/// One line of a directory search result.
#[derive(Debug, Clone, PartialEq, Serialize, TS, sqlx::FromRow)]
#[ts(export)]
pub struct ResidentHit {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub unit_id: Option<String>,
    pub unit_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_owner: bool,
}

/// A page of search results and how many residents match in all, so the UI can say
/// "50 of 215" rather than pretend the page is everything.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ResidentSearch {
    pub hits: Vec<ResidentHit>,
    pub total: u32,
}

/// A resident's page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ResidentDetail {
    pub resident: Resident,
    pub unit: Option<Unit>,
    /// The other residents of the same unit.
    pub household: Vec<ResidentHit>,
}

/// The columns of a [`ResidentHit`], over `residents r LEFT JOIN units u`.
macro_rules! hit_select {
    ($($rest:literal),*) => {
        concat!(
            "SELECT r.id, r.first_name, r.last_name, r.unit_id, u.unit_number, r.email, r.phone, r.is_owner ",
            $($rest),*
        )
    };
}

impl Store {
    /// Residents matching what staff typed, best first: an exact unit number, then the
    /// full-text rank, then by name. An empty query lists residents by name.
    pub async fn search_residents(&self, text: &str, limit: u32) -> DeskResult<ResidentSearch> {
        let limit = limit.clamp(1, MAX_SEARCH_RESULTS);
        let expr = search::fts_query(text);
        let (total,): (i64,) = match &expr {
            None => {
                sqlx::query_as("SELECT COUNT(*) FROM residents")
                    .fetch_one(self.pool())
                    .await?
            }
            Some(expr) => {
                sqlx::query_as("SELECT COUNT(*) FROM residents_fts WHERE residents_fts MATCH ?")
                    .bind(expr)
                    .fetch_one(self.pool())
                    .await?
            }
        };
        let hits = match expr {
            None => {
                sqlx::query_as(hit_select!(
                    "FROM residents r LEFT JOIN units u ON u.id = r.unit_id ",
                    "ORDER BY r.last_name COLLATE NOCASE, r.first_name COLLATE NOCASE LIMIT ?"
                ))
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
            Some(expr) => {
                sqlx::query_as(hit_select!(
                    "FROM residents_fts f JOIN residents r ON r.id = f.resident_id ",
                    "LEFT JOIN units u ON u.id = r.unit_id ",
                    "WHERE residents_fts MATCH ? ",
                    "ORDER BY (u.unit_number = ?) DESC, bm25(residents_fts), ",
                    "r.last_name COLLATE NOCASE, r.first_name COLLATE NOCASE LIMIT ?"
                ))
                .bind(expr)
                .bind(text.trim())
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
        };
        Ok(ResidentSearch {
            hits,
            total: u32::try_from(total).unwrap_or(u32::MAX),
        })
    }

    pub async fn resident_detail(&self, id: &str) -> DeskResult<ResidentDetail> {
        let resident = sqlx::query_as::<_, ResidentRow>("SELECT * FROM residents WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| DeskError::new(DeskErrorCode::NotFound, format!("no resident {id}")))?
            .into();
        let resident: Resident = resident;
        let unit = match &resident.unit_id {
            Some(unit_id) => sqlx::query_as::<_, UnitRow>("SELECT * FROM units WHERE id = ?")
                .bind(unit_id)
                .fetch_optional(self.pool())
                .await?
                .map(Unit::from),
            None => None,
        };
        let household = match &resident.unit_id {
            Some(unit_id) => {
                sqlx::query_as(hit_select!(
                    "FROM residents r LEFT JOIN units u ON u.id = r.unit_id ",
                    "WHERE r.unit_id = ? AND r.id <> ? ",
                    "ORDER BY r.is_primary_resident DESC, r.last_name, r.first_name"
                ))
                .bind(unit_id)
                .bind(&resident.id)
                .fetch_all(self.pool())
                .await?
            }
            None => Vec::new(),
        };
        Ok(ResidentDetail {
            resident,
            unit,
            household,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ResidentRow {
    id: String,
    building_id: String,
    unit_id: Option<String>,
    user_id: Option<String>,
    first_name: String,
    last_name: String,
    email: Option<String>,
    phone: Option<String>,
    is_owner: bool,
    is_primary_resident: bool,
    move_in_date: Option<String>,
    move_out_date: Option<String>,
    preferred_language: Option<String>,
    preferred_notification_method: Option<String>,
    notes: Option<String>,
}

impl From<ResidentRow> for Resident {
    fn from(r: ResidentRow) -> Self {
        Resident {
            id: r.id,
            building_id: r.building_id,
            unit_id: r.unit_id,
            user_id: r.user_id,
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            phone: r.phone,
            is_owner: r.is_owner,
            is_primary_resident: r.is_primary_resident,
            move_in_date: r.move_in_date,
            move_out_date: r.move_out_date,
            preferred_language: r.preferred_language,
            preferred_notification_method: r.preferred_notification_method,
            notes: r.notes,
        }
    }
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: String,
    building_id: String,
    unit_number: String,
    floor_number: Option<i32>,
    square_footage: Option<f64>,
    bedrooms: Option<i32>,
    bathrooms: Option<f64>,
    is_occupied: Option<bool>,
    unit_type: Option<String>,
    occupant_name: Option<String>,
}

impl From<UnitRow> for Unit {
    fn from(u: UnitRow) -> Self {
        Unit {
            id: u.id,
            building_id: u.building_id,
            unit_number: u.unit_number,
            floor_number: u.floor_number,
            square_footage: u.square_footage,
            bedrooms: u.bedrooms,
            bathrooms: u.bathrooms,
            is_occupied: u.is_occupied,
            unit_type: u.unit_type,
            occupant_name: u.occupant_name,
        }
    }
}
