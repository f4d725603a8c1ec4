//! SQL for the building directory: buildings, units and residents.
//!
//! Writers here only touch the tables; recording the change in the log is the caller's
//! job (see `directory::apply`), done in the same transaction.

use frontdesk_protocol::{Building, Resident, Unit};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::{bind_opt_f64, bool_from_db, bool_to_db};
use crate::error::{Error, Result};

fn opt_i32(row: &AnyRow, col: &str) -> Result<Option<i32>> {
    let v: Option<i64> = row.try_get(col)?;
    v.map(|v| i32::try_from(v).map_err(Error::internal))
        .transpose()
}

pub fn building_from_row(row: &AnyRow) -> Result<Building> {
    Ok(Building {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        address: row.try_get("address")?,
        city: row.try_get("city")?,
        province: row.try_get("province")?,
        postal_code: row.try_get("postal_code")?,
        country: row.try_get("country")?,
    })
}

fn unit_from_row(row: &AnyRow) -> Result<Unit> {
    let is_occupied: Option<i64> = row.try_get("is_occupied")?;
    Ok(Unit {
        id: row.try_get("id")?,
        building_id: row.try_get("building_id")?,
        unit_number: row.try_get("unit_number")?,
        floor_number: opt_i32(row, "floor_number")?,
        square_footage: row.try_get("square_footage")?,
        bedrooms: opt_i32(row, "bedrooms")?,
        bathrooms: row.try_get("bathrooms")?,
        is_occupied: is_occupied.map(bool_from_db),
        unit_type: row.try_get("unit_type")?,
        occupant_name: row.try_get("occupant_name")?,
    })
}

fn resident_from_row(row: &AnyRow) -> Result<Resident> {
    Ok(Resident {
        id: row.try_get("id")?,
        building_id: row.try_get("building_id")?,
        unit_id: row.try_get("unit_id")?,
        user_id: row.try_get("user_id")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        is_owner: bool_from_db(row.try_get("is_owner")?),
        is_primary_resident: bool_from_db(row.try_get("is_primary_resident")?),
        move_in_date: row.try_get("move_in_date")?,
        move_out_date: row.try_get("move_out_date")?,
        preferred_language: row.try_get("preferred_language")?,
        preferred_notification_method: row.try_get("preferred_notification_method")?,
        notes: row.try_get("notes")?,
    })
}

pub async fn get_building(conn: &mut AnyConnection, id: &str) -> Result<Option<Building>> {
    sqlx::query(
        "SELECT id, name, address, city, province, postal_code, country \
         FROM buildings WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(building_from_row)
    .transpose()
}

pub async fn get_unit(conn: &mut AnyConnection, id: &str) -> Result<Option<Unit>> {
    sqlx::query(
        "SELECT id, building_id, unit_number, floor_number, square_footage, bedrooms, \
         bathrooms, is_occupied, unit_type, occupant_name FROM units WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(unit_from_row)
    .transpose()
}

pub async fn get_resident(conn: &mut AnyConnection, id: &str) -> Result<Option<Resident>> {
    sqlx::query(
        "SELECT id, building_id, unit_id, user_id, first_name, last_name, email, phone, \
         is_owner, is_primary_resident, move_in_date, move_out_date, preferred_language, \
         preferred_notification_method, notes FROM residents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(resident_from_row)
    .transpose()
}

pub async fn upsert_building(conn: &mut AnyConnection, b: &Building, now_ms: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO buildings \
         (id, name, address, city, province, postal_code, country, head_seq, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, \
         city = excluded.city, province = excluded.province, \
         postal_code = excluded.postal_code, country = excluded.country, \
         updated_at_ms = excluded.updated_at_ms",
    )
    .bind(&b.id)
    .bind(&b.name)
    .bind(&b.address)
    .bind(&b.city)
    .bind(&b.province)
    .bind(&b.postal_code)
    .bind(&b.country)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn upsert_unit(conn: &mut AnyConnection, u: &Unit, now_ms: i64) -> Result<()> {
    let query = sqlx::query(
        "INSERT INTO units \
         (id, building_id, unit_number, floor_number, square_footage, bedrooms, bathrooms, \
          is_occupied, unit_type, occupant_name, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
         ON CONFLICT (id) DO UPDATE SET building_id = excluded.building_id, \
         unit_number = excluded.unit_number, floor_number = excluded.floor_number, \
         square_footage = excluded.square_footage, bedrooms = excluded.bedrooms, \
         bathrooms = excluded.bathrooms, is_occupied = excluded.is_occupied, \
         unit_type = excluded.unit_type, occupant_name = excluded.occupant_name, \
         updated_at_ms = excluded.updated_at_ms",
    )
    .bind(&u.id)
    .bind(&u.building_id)
    .bind(&u.unit_number)
    .bind(u.floor_number.map(i64::from));
    let query = bind_opt_f64(query, u.square_footage).bind(u.bedrooms.map(i64::from));
    bind_opt_f64(query, u.bathrooms)
        .bind(u.is_occupied.map(bool_to_db))
        .bind(&u.unit_type)
        .bind(&u.occupant_name)
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn upsert_resident(conn: &mut AnyConnection, r: &Resident, now_ms: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO residents \
         (id, building_id, unit_id, user_id, first_name, last_name, email, phone, is_owner, \
          is_primary_resident, move_in_date, move_out_date, preferred_language, \
          preferred_notification_method, notes, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
         ON CONFLICT (id) DO UPDATE SET building_id = excluded.building_id, \
         unit_id = excluded.unit_id, user_id = excluded.user_id, \
         first_name = excluded.first_name, last_name = excluded.last_name, \
         email = excluded.email, phone = excluded.phone, is_owner = excluded.is_owner, \
         is_primary_resident = excluded.is_primary_resident, \
         move_in_date = excluded.move_in_date, move_out_date = excluded.move_out_date, \
         preferred_language = excluded.preferred_language, \
         preferred_notification_method = excluded.preferred_notification_method, \
         notes = excluded.notes, updated_at_ms = excluded.updated_at_ms",
    )
    .bind(&r.id)
    .bind(&r.building_id)
    .bind(&r.unit_id)
    .bind(&r.user_id)
    .bind(&r.first_name)
    .bind(&r.last_name)
    .bind(&r.email)
    .bind(&r.phone)
    .bind(bool_to_db(r.is_owner))
    .bind(bool_to_db(r.is_primary_resident))
    .bind(&r.move_in_date)
    .bind(&r.move_out_date)
    .bind(&r.preferred_language)
    .bind(&r.preferred_notification_method)
    .bind(&r.notes)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
