//! SQL for staff accounts and sessions.

use frontdesk_protocol::{Building, StaffMember, StaffRole};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::{bool_from_db, bool_to_db};
use crate::error::{Error, Result};

fn staff_from_row(row: &AnyRow) -> Result<StaffMember> {
    let role: String = row.try_get("role")?;
    Ok(StaffMember {
        id: row.try_get("id")?,
        building_id: row.try_get("building_id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: StaffRole::parse(&role)
            .ok_or_else(|| Error::Internal(format!("unknown staff role {role:?} in database")))?,
        disabled: bool_from_db(row.try_get("disabled")?),
    })
}

/// Emails are compared trimmed and lowercased, and stored that way.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub struct StaffWithHash {
    pub staff: StaffMember,
    pub password_hash: String,
}

pub async fn find_staff_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<StaffWithHash>> {
    let row = sqlx::query(
        "SELECT id, building_id, name, email, role, disabled, password_hash \
         FROM staff WHERE email = $1",
    )
    .bind(normalize_email(email))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(StaffWithHash {
            staff: staff_from_row(&row)?,
            password_hash: row.try_get("password_hash")?,
        })
    })
    .transpose()
}

pub async fn insert_staff(
    conn: &mut AnyConnection,
    staff: &StaffMember,
    password_hash: &str,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO staff \
         (id, building_id, name, email, role, password_hash, disabled, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&staff.id)
    .bind(&staff.building_id)
    .bind(&staff.name)
    .bind(&staff.email)
    .bind(staff.role.as_str())
    .bind(password_hash)
    .bind(bool_to_db(staff.disabled))
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_disabled(conn: &mut AnyConnection, staff_id: &str, now_ms: i64) -> Result<()> {
    sqlx::query("UPDATE staff SET disabled = 1, updated_at_ms = $1 WHERE id = $2")
        .bind(now_ms)
        .bind(staff_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Returns how many live sessions were revoked.
pub async fn revoke_staff_sessions(
    conn: &mut AnyConnection,
    staff_id: &str,
    now_ms: i64,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at_ms = $1 WHERE staff_id = $2 AND revoked_at_ms IS NULL",
    )
    .bind(now_ms)
    .bind(staff_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    staff: &StaffMember,
    now_ms: i64,
    expires_at_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, staff_id, building_id, created_at_ms, expires_at_ms) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(&staff.id)
    .bind(&staff.building_id)
    .bind(now_ms)
    .bind(expires_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn revoke_session(conn: &mut AnyConnection, token_hash: &str, now_ms: i64) -> Result<()> {
    sqlx::query(
        "UPDATE sessions SET revoked_at_ms = $1 WHERE token_hash = $2 AND revoked_at_ms IS NULL",
    )
    .bind(now_ms)
    .bind(token_hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub struct LiveSession {
    pub staff: StaffMember,
    pub building: Building,
    pub expires_at_ms: i64,
}

/// The session behind a token hash, if it is still good: not revoked, not expired, and
/// its staff member not disabled since it was issued.
pub async fn live_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<LiveSession>> {
    let row = sqlx::query(
        "SELECT s.expires_at_ms, \
                st.id, st.building_id, st.name, st.email, st.role, st.disabled, \
                b.id AS b_id, b.name AS b_name, b.address AS b_address, b.city AS b_city, \
                b.province AS b_province, b.postal_code AS b_postal_code, b.country AS b_country \
         FROM sessions s \
         JOIN staff st ON st.id = s.staff_id \
         JOIN buildings b ON b.id = s.building_id \
         WHERE s.token_hash = $1 AND s.revoked_at_ms IS NULL AND s.expires_at_ms > $2 \
           AND st.disabled = 0",
    )
    .bind(token_hash)
    .bind(now_ms)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(LiveSession {
            staff: staff_from_row(&row)?,
            building: Building {
                id: row.try_get("b_id")?,
                name: row.try_get("b_name")?,
                address: row.try_get("b_address")?,
                city: row.try_get("b_city")?,
                province: row.try_get("b_province")?,
                postal_code: row.try_get("b_postal_code")?,
                country: row.try_get("b_country")?,
            },
            expires_at_ms: row.try_get("expires_at_ms")?,
        })
    })
    .transpose()
}
