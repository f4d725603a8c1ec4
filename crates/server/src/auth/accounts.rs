//! Creating and disabling staff accounts (the `user` subcommands and the demo seed).

use frontdesk_protocol::{ChangeBody, StaffMember, StaffRole};
use sqlx::AnyConnection;
use uuid::Uuid;

use crate::auth::{password, store};
use crate::changelog;
use crate::db::{Db, now_ms};
use crate::directory::store as directory_store;
use crate::error::{Error, Result};

pub struct NewStaff {
    /// `None` lets the server pick a UUID v7; the demo passes fixed ids.
    pub id: Option<String>,
    pub building_id: String,
    pub name: String,
    pub email: String,
    pub role: StaffRole,
    pub password: String,
}

pub async fn add_staff(db: &Db, new: NewStaff) -> Result<StaffMember> {
    password::check_password_policy(&new.password)?;
    // Hashing takes a good fraction of a second by design: do it before taking the
    // write lock, not while holding it.
    let hash = password::hash(new.password.clone()).await?;
    let mut tx = db.begin_write().await?;
    let staff = add_staff_in(&mut tx, new, &hash).await?;
    tx.commit().await?;
    tracing::info!(email = %staff.email, role = staff.role.as_str(), building = %staff.building_id, "staff account created");
    Ok(staff)
}

/// Inside the caller's transaction, so the demo can seed everything atomically.
/// `password_hash` is `new.password` already hashed (see `password::hash`).
pub async fn add_staff_in(
    conn: &mut AnyConnection,
    new: NewStaff,
    password_hash: &str,
) -> Result<StaffMember> {
    let email = store::normalize_email(&new.email);
    if !is_plausible_email(&email) {
        return Err(Error::InvalidInput(format!(
            "{:?} does not look like an email address",
            new.email
        )));
    }
    let name = new.name.trim().to_owned();
    if name.is_empty() {
        return Err(Error::InvalidInput("the name must not be empty".into()));
    }
    password::check_password_policy(&new.password)?;
    if directory_store::get_building(conn, &new.building_id)
        .await?
        .is_none()
    {
        return Err(Error::InvalidInput(format!(
            "no building with id {:?} (import the buildings file, or run `demo`)",
            new.building_id
        )));
    }
    if store::find_staff_by_email(conn, &email).await?.is_some() {
        return Err(Error::InvalidInput(format!(
            "a staff account with email {email} already exists"
        )));
    }
    let staff = StaffMember {
        id: new.id.unwrap_or_else(|| Uuid::now_v7().to_string()),
        building_id: new.building_id,
        name,
        email,
        role: new.role,
        disabled: false,
    };
    let now = now_ms();
    store::insert_staff(conn, &staff, password_hash, now).await?;
    changelog::append(
        conn,
        &staff.building_id,
        None,
        now,
        &[ChangeBody::StaffUpserted(staff.clone())],
    )
    .await?;
    Ok(staff)
}

pub struct Disabled {
    pub staff: StaffMember,
    pub was_already_disabled: bool,
    pub sessions_revoked: u64,
}

/// Disables the account and revokes its sessions at once: a disabled account must not
/// keep working on a desk where it is still signed in.
pub async fn disable_staff(db: &Db, email: &str) -> Result<Disabled> {
    let mut tx = db.begin_write().await?;
    let found = store::find_staff_by_email(&mut tx, email)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no staff account with email {}", email.trim())))?;
    let mut staff = found.staff;
    let now = now_ms();
    let was_already_disabled = staff.disabled;
    if !was_already_disabled {
        store::set_disabled(&mut tx, &staff.id, now).await?;
        staff.disabled = true;
        changelog::append(
            &mut tx,
            &staff.building_id,
            None,
            now,
            &[ChangeBody::StaffUpserted(staff.clone())],
        )
        .await?;
    }
    let sessions_revoked = store::revoke_staff_sessions(&mut tx, &staff.id, now).await?;
    tx.commit().await?;
    tracing::info!(email = %staff.email, sessions_revoked, "staff account disabled");
    Ok(Disabled {
        staff,
        was_already_disabled,
        sessions_revoked,
    })
}

fn is_plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}
