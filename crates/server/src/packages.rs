//! Parcels: the desk's `package_intake`, `package_edit`, `package_transition` and
//! `package_photo_add` mutations, validated here in commit order.
//!
//! Called by [`crate::mutations`] inside the push's transaction. The rules of the
//! record and its lifecycle are `frontdesk_protocol::packages`, the same code the desk
//! runs before queueing; what only the server can tell (does the resident exist in this
//! building, has another desk already picked the parcel up) is decided here. Every
//! check comes before any write: a rejection writes nothing.

use frontdesk_protocol::{
    Authority, ChangeBody, NOTIFIER_ACTOR, NoticeKind, Package, PackageEdit, PackageEvent,
    PackageFlags, PackageIntake, PackagePhoto, PackagePhotoAdd, PackageSize, PackageStatus,
    PackageTransition, RejectCode, check_transition, is_blob_sha256, is_image_type,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::{bool_from_db, bool_to_db, now_ms};
use crate::error::{Error, Result};
use crate::mutations::{Caller, Verdict, check_id};
use crate::notifications;

/// The columns of a package row, in the order of [`Package`].
macro_rules! package_columns {
    () => {
        "id, building_id, code, tracking_number, carrier, resident_id, unit_id, shelf, size, \
         perishable, signature_required, fragile, note, status, received_at_ms, received_by, \
         status_at_ms, collected_by"
    };
}

/// Takes a parcel in: the package, `waiting`, and its intake event (whose id is the
/// mutation's).
pub async fn intake(
    conn: &mut AnyConnection,
    caller: &Caller,
    client_time_ms: i64,
    event_id: &str,
    intake: &PackageIntake,
) -> Result<Verdict> {
    let intake = match intake.clone().normalized() {
        Ok(intake) => intake,
        Err(reason) => return Ok(Verdict::rejected(RejectCode::Invalid, reason)),
    };
    if let Some(rejection) = check_id(&intake.id, "package") {
        return Ok(rejection);
    }
    let row = sqlx::query(
        "SELECT (SELECT building_id FROM packages WHERE id = $1) AS package_building, \
         (SELECT COUNT(*) FROM packages WHERE building_id = $2 AND code = $3 \
          AND status IN ('waiting', 'notified')) AS code_on_shelf, \
         (SELECT COUNT(*) FROM package_events WHERE id = $4) AS event_taken",
    )
    .bind(&intake.id)
    .bind(&caller.building_id)
    .bind(&intake.code)
    .bind(event_id)
    .fetch_one(&mut *conn)
    .await?;
    let package_building: Option<String> = row.try_get("package_building")?;
    match package_building {
        Some(b) if b == caller.building_id => {
            return Ok(Verdict::rejected(
                RejectCode::Conflict,
                format!("package {} was already taken in", intake.id),
            ));
        }
        Some(_) => return Ok(forbidden(&intake.id)),
        None => {}
    }
    let event_taken: i64 = row.try_get("event_taken")?;
    if event_taken > 0 {
        return Ok(Verdict::rejected(
            RejectCode::Conflict,
            format!("event {event_id} already exists"),
        ));
    }
    let on_shelf: i64 = row.try_get("code_on_shelf")?;
    if on_shelf > 0 {
        return Ok(Verdict::rejected(
            RejectCode::Conflict,
            format!(
                "another package on the shelf already has code {}: reprint this one's label",
                intake.code
            ),
        ));
    }
    let (resident_id, unit_id) =
        match recipient(conn, caller, intake.resident_id, intake.unit_id).await? {
            Ok(found) => found,
            Err(rejection) => return Ok(rejection),
        };
    let package = Package {
        id: intake.id,
        building_id: caller.building_id.clone(),
        code: intake.code,
        tracking_number: intake.tracking_number,
        carrier: intake.carrier,
        resident_id,
        unit_id,
        shelf: intake.shelf,
        size: intake.size,
        flags: intake.flags,
        note: intake.note.clone(),
        status: PackageStatus::Waiting,
        received_at_ms: client_time_ms,
        received_by: caller.staff_id.clone(),
        status_at_ms: client_time_ms,
        collected_by: None,
    };
    let event = PackageEvent {
        id: event_id.to_owned(),
        package_id: package.id.clone(),
        building_id: caller.building_id.clone(),
        from: None,
        to: PackageStatus::Waiting,
        by: caller.staff_id.clone(),
        at_ms: client_time_ms,
        note: None,
        override_reason: None,
        signature: None,
    };
    insert_package(conn, &package).await?;
    insert_event(conn, &event).await?;
    // In this transaction: the parcel is never committed without its notice.
    let notice = notifications::queue::enqueue_intake(conn, &package, now_ms()).await?;
    let mut changes = vec![
        ChangeBody::PackageUpserted(package),
        ChangeBody::PackageEventAdded(event),
    ];
    changes.extend(notice.as_ref().map(notifications::queue::change));
    Ok(Verdict::Applied(changes))
}

/// Corrects a parcel still on the shelf, or assigns its recipient.
pub async fn edit(
    conn: &mut AnyConnection,
    caller: &Caller,
    edit: &PackageEdit,
) -> Result<Verdict> {
    let edit = match edit.clone().normalized() {
        Ok(edit) => edit,
        Err(reason) => return Ok(Verdict::rejected(RejectCode::Invalid, reason)),
    };
    let package = match stored(conn, caller, &edit.id).await? {
        Ok(package) => package,
        Err(rejection) => return Ok(rejection),
    };
    if !package.status.is_on_shelf() {
        return Ok(Verdict::rejected(
            RejectCode::Conflict,
            format!(
                "package {} is no longer on the shelf ({}): it cannot be changed",
                package.code,
                package.status.as_str()
            ),
        ));
    }
    let (resident_id, unit_id) =
        match recipient(conn, caller, edit.resident_id, edit.unit_id).await? {
            Ok(found) => found,
            Err(rejection) => return Ok(rejection),
        };
    let assigned = package.resident_id.is_none() && resident_id.is_some();
    let package = Package {
        carrier: edit.carrier,
        resident_id,
        unit_id,
        shelf: edit.shelf,
        size: edit.size,
        flags: edit.flags,
        note: edit.note,
        ..package
    };
    update_package(conn, &package).await?;
    // A bulk intake's parcel gets its intake notice when it gets its resident.
    let notice = if assigned
        && package.status == PackageStatus::Waiting
        && !notifications::queue::has_notice(conn, &package.id, NoticeKind::Intake).await?
    {
        notifications::queue::enqueue_intake(conn, &package, now_ms()).await?
    } else {
        None
    };
    let mut changes = vec![ChangeBody::PackageUpserted(package)];
    changes.extend(notice.as_ref().map(notifications::queue::change));
    Ok(Verdict::Applied(changes))
}

/// Moves a parcel to `notified` once its email was accepted, if its status as
/// committed allows it (not if it was picked up meanwhile), as the notifier
/// ([`NOTIFIER_ACTOR`]). Returns the changes to append; none when the rule refuses.
pub async fn mark_notified(
    conn: &mut AnyConnection,
    building_id: &str,
    package_id: &str,
    at_ms: i64,
) -> Result<Vec<ChangeBody>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        package_columns!(),
        " FROM packages WHERE id = $1 AND building_id = $2"
    ))
    .bind(package_id)
    .bind(building_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(Vec::new());
    };
    let package = package_from_row(&row)?;
    if let Err(reason) = check_transition(
        package.status,
        PackageStatus::Notified,
        Authority::Staff,
        None,
    ) {
        tracing::debug!(package = %package.id, %reason, "not moved to notified");
        return Ok(Vec::new());
    }
    let event = PackageEvent {
        id: uuid::Uuid::now_v7().to_string(),
        package_id: package.id.clone(),
        building_id: building_id.to_owned(),
        from: Some(package.status),
        to: PackageStatus::Notified,
        by: NOTIFIER_ACTOR.to_owned(),
        at_ms,
        note: None,
        override_reason: None,
        signature: None,
    };
    let package = Package {
        status: PackageStatus::Notified,
        status_at_ms: at_ms,
        ..package
    };
    update_package(conn, &package).await?;
    insert_event(conn, &event).await?;
    Ok(vec![
        ChangeBody::PackageUpserted(package),
        ChangeBody::PackageEventAdded(event),
    ])
}

/// Moves a parcel along its lifecycle, if its status as committed allows it: of two
/// desks picking up the same parcel, the second is told it already was.
pub async fn transition(
    conn: &mut AnyConnection,
    caller: &Caller,
    client_time_ms: i64,
    transition: &PackageTransition,
) -> Result<Verdict> {
    let transition = match transition.clone().normalized() {
        Ok(t) => t,
        Err(reason) => return Ok(Verdict::rejected(RejectCode::Invalid, reason)),
    };
    if let Some(rejection) = check_id(&transition.event_id, "event") {
        return Ok(rejection);
    }
    let package = match stored(conn, caller, &transition.id).await? {
        Ok(package) => package,
        Err(rejection) => return Ok(rejection),
    };
    if let Err(reason) = check_transition(
        package.status,
        transition.to,
        caller.authority,
        transition.override_reason.as_deref(),
    ) {
        return Ok(Verdict::rejected(
            RejectCode::Conflict,
            format!("{}: {reason}", package.code),
        ));
    }
    let taken: Option<String> = sqlx::query("SELECT id FROM package_events WHERE id = $1")
        .bind(&transition.event_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get("id"))
        .transpose()?;
    if taken.is_some() {
        return Ok(Verdict::rejected(
            RejectCode::Conflict,
            format!("event {} already exists", transition.event_id),
        ));
    }
    let event = PackageEvent {
        id: transition.event_id,
        package_id: package.id.clone(),
        building_id: caller.building_id.clone(),
        from: Some(package.status),
        to: transition.to,
        by: caller.staff_id.clone(),
        at_ms: client_time_ms,
        note: transition.note,
        // Kept only when the rules alone would have refused.
        override_reason: check_transition(package.status, transition.to, Authority::Staff, None)
            .err()
            .and(transition.override_reason),
        signature: transition.signature,
    };
    let package = Package {
        status: transition.to,
        status_at_ms: client_time_ms,
        collected_by: transition.collected_by,
        ..package
    };
    update_package(conn, &package).await?;
    insert_event(conn, &event).await?;
    Ok(Verdict::Applied(vec![
        ChangeBody::PackageUpserted(package),
        ChangeBody::PackageEventAdded(event),
    ]))
}

/// Adds a photo to a parcel, whatever its status (a damaged parcel may be photographed
/// after it was handed over). The blob must be in the building already (the desk
/// uploads it first) and be an image; the type is the server's own sniff of the bytes.
/// A photo the parcel already has is answered with the photo as first added, so a
/// repeat changes nothing.
pub async fn add_photo(
    conn: &mut AnyConnection,
    caller: &Caller,
    taken_at_ms: i64,
    add: &PackagePhotoAdd,
) -> Result<Verdict> {
    if let Some(rejection) = check_id(&add.id, "package") {
        return Ok(rejection);
    }
    if !is_blob_sha256(&add.sha256) {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            "a photo is named by the SHA-256 of its content: 64 lower-case hex digits",
        ));
    }
    let package = match stored(conn, caller, &add.id).await? {
        Ok(package) => package,
        Err(rejection) => return Ok(rejection),
    };
    let Some((_, content_type)) =
        crate::blobs::blob_meta(conn, &caller.building_id, &add.sha256).await?
    else {
        return Ok(Verdict::rejected(
            RejectCode::NotFound,
            format!("the photo {} was not uploaded to this building", add.sha256),
        ));
    };
    if !is_image_type(&content_type) {
        return Ok(Verdict::rejected(
            RejectCode::Invalid,
            format!("a photo must be an image; this file is {content_type}"),
        ));
    }
    let existing = sqlx::query(
        "SELECT taken_at_ms, taken_by FROM package_photos WHERE package_id = $1 AND sha256 = $2",
    )
    .bind(&package.id)
    .bind(&add.sha256)
    .fetch_optional(&mut *conn)
    .await?;
    let photo = match existing {
        Some(row) => PackagePhoto {
            package_id: package.id,
            building_id: package.building_id,
            sha256: add.sha256.clone(),
            taken_at_ms: row.try_get("taken_at_ms")?,
            taken_by: row.try_get("taken_by")?,
        },
        None => {
            let photo = PackagePhoto {
                package_id: package.id,
                building_id: package.building_id,
                sha256: add.sha256.clone(),
                taken_at_ms,
                taken_by: caller.staff_id.clone(),
            };
            sqlx::query(
                "INSERT INTO package_photos \
                 (building_id, package_id, sha256, taken_at_ms, taken_by) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&photo.building_id)
            .bind(&photo.package_id)
            .bind(&photo.sha256)
            .bind(photo.taken_at_ms)
            .bind(&photo.taken_by)
            .execute(&mut *conn)
            .await?;
            photo
        }
    };
    Ok(Verdict::Applied(vec![ChangeBody::PackagePhotoAdded(photo)]))
}

fn forbidden(id: &str) -> Verdict {
    Verdict::rejected(
        RejectCode::Forbidden,
        format!("package {id} cannot be changed from this building"),
    )
}

/// The caller's building's package `id`, or the rejection to answer (another
/// building's counts as missing: nothing is revealed).
async fn stored(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<std::result::Result<Package, Verdict>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        package_columns!(),
        " FROM packages WHERE id = $1 AND building_id = $2"
    ))
    .bind(id)
    .bind(&caller.building_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => Ok(package_from_row(&row)?),
        None => Err(Verdict::rejected(
            RejectCode::NotFound,
            format!("package {id} is not in this building"),
        )),
    })
}

/// Checks a recipient in the caller's building and completes it: a resident's unit is
/// theirs when none is given; a unit given with a resident must be theirs.
async fn recipient(
    conn: &mut AnyConnection,
    caller: &Caller,
    resident_id: Option<String>,
    unit_id: Option<String>,
) -> Result<std::result::Result<(Option<String>, Option<String>), Verdict>> {
    let row = sqlx::query(
        "SELECT (SELECT building_id FROM residents WHERE id = $1) AS resident_building, \
         (SELECT unit_id FROM residents WHERE id = $1) AS resident_unit, \
         (SELECT building_id FROM units WHERE id = $2) AS unit_building",
    )
    .bind(resident_id.as_deref().unwrap_or_default())
    .bind(unit_id.as_deref().unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    let resident_building: Option<String> = row.try_get("resident_building")?;
    let resident_unit: Option<String> = row.try_get("resident_unit")?;
    let unit_building: Option<String> = row.try_get("unit_building")?;
    let here = Some(caller.building_id.as_str());
    if let Some(resident) = &resident_id
        && resident_building.as_deref() != here
    {
        return Ok(Err(Verdict::rejected(
            RejectCode::NotFound,
            format!("resident {resident} is not in this building"),
        )));
    }
    if let Some(unit) = &unit_id
        && unit_building.as_deref() != here
    {
        return Ok(Err(Verdict::rejected(
            RejectCode::NotFound,
            format!("unit {unit} is not in this building"),
        )));
    }
    let unit_id = match (&resident_id, unit_id) {
        (Some(resident), Some(unit)) if resident_unit.as_deref() != Some(unit.as_str()) => {
            return Ok(Err(Verdict::rejected(
                RejectCode::Invalid,
                format!("resident {resident} does not live in unit {unit}"),
            )));
        }
        (Some(_), None) => resident_unit,
        (_, unit) => unit,
    };
    Ok(Ok((resident_id, unit_id)))
}

fn package_from_row(row: &AnyRow) -> Result<Package> {
    let status: String = row.try_get("status")?;
    let size: Option<String> = row.try_get("size")?;
    Ok(Package {
        id: row.try_get("id")?,
        building_id: row.try_get("building_id")?,
        code: row.try_get("code")?,
        tracking_number: row.try_get("tracking_number")?,
        carrier: row.try_get("carrier")?,
        resident_id: row.try_get("resident_id")?,
        unit_id: row.try_get("unit_id")?,
        shelf: row.try_get("shelf")?,
        size: size.as_deref().and_then(PackageSize::parse),
        flags: PackageFlags {
            perishable: bool_from_db(row.try_get("perishable")?),
            signature_required: bool_from_db(row.try_get("signature_required")?),
            fragile: bool_from_db(row.try_get("fragile")?),
        },
        note: row.try_get("note")?,
        status: PackageStatus::parse(&status)
            .ok_or_else(|| Error::Internal(format!("package status {status:?} unknown")))?,
        received_at_ms: row.try_get("received_at_ms")?,
        received_by: row.try_get("received_by")?,
        status_at_ms: row.try_get("status_at_ms")?,
        collected_by: row.try_get("collected_by")?,
    })
}

async fn insert_package(conn: &mut AnyConnection, p: &Package) -> Result<()> {
    sqlx::query(concat!(
        "INSERT INTO packages (",
        package_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    ))
    .bind(&p.id)
    .bind(&p.building_id)
    .bind(&p.code)
    .bind(&p.tracking_number)
    .bind(&p.carrier)
    .bind(&p.resident_id)
    .bind(&p.unit_id)
    .bind(&p.shelf)
    .bind(p.size.map(PackageSize::as_str))
    .bind(bool_to_db(p.flags.perishable))
    .bind(bool_to_db(p.flags.signature_required))
    .bind(bool_to_db(p.flags.fragile))
    .bind(&p.note)
    .bind(p.status.as_str())
    .bind(p.received_at_ms)
    .bind(&p.received_by)
    .bind(p.status_at_ms)
    .bind(&p.collected_by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn update_package(conn: &mut AnyConnection, p: &Package) -> Result<()> {
    sqlx::query(
        "UPDATE packages SET carrier = $1, resident_id = $2, unit_id = $3, shelf = $4, \
         size = $5, perishable = $6, signature_required = $7, fragile = $8, note = $9, \
         status = $10, status_at_ms = $11, collected_by = $12 \
         WHERE id = $13 AND building_id = $14",
    )
    .bind(&p.carrier)
    .bind(&p.resident_id)
    .bind(&p.unit_id)
    .bind(&p.shelf)
    .bind(p.size.map(PackageSize::as_str))
    .bind(bool_to_db(p.flags.perishable))
    .bind(bool_to_db(p.flags.signature_required))
    .bind(bool_to_db(p.flags.fragile))
    .bind(&p.note)
    .bind(p.status.as_str())
    .bind(p.status_at_ms)
    .bind(&p.collected_by)
    .bind(&p.id)
    .bind(&p.building_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_event(conn: &mut AnyConnection, e: &PackageEvent) -> Result<()> {
    sqlx::query(
        "INSERT INTO package_events \
         (id, package_id, building_id, from_status, to_status, by_staff, at_ms, note, \
          override_reason, signature) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&e.id)
    .bind(&e.package_id)
    .bind(&e.building_id)
    .bind(e.from.map(PackageStatus::as_str))
    .bind(e.to.as_str())
    .bind(&e.by)
    .bind(e.at_ms)
    .bind(&e.note)
    .bind(&e.override_reason)
    .bind(&e.signature)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
