//! Standing front-desk instructions on a unit or a resident: the desk's
//! `instruction_save` and `instruction_delete` mutations.
//!
//! Called by [`crate::mutations`] inside the mutation's transaction; a rejection is
//! returned as a [`Verdict`], not an error. Saves are last-writer-wins in commit order.

use frontdesk_protocol::{
    ChangeBody, Instruction, InstructionTarget, RejectCode, normalize_instruction_text,
};
use sqlx::{AnyConnection, Row};

use crate::error::Result;
use crate::mutations::{Caller, Verdict, check_id};

/// Creates or replaces instruction `id` (text and target), stamped with the caller
/// and the desk's time. The stored text is trimmed.
pub async fn save(
    conn: &mut AnyConnection,
    caller: &Caller,
    client_time_ms: i64,
    id: &str,
    target: &InstructionTarget,
    text: &str,
) -> Result<Verdict> {
    if let Some(rejection) = check_id(id, "instruction") {
        return Ok(rejection);
    }
    // The same rule the desk applies before queueing, so both say the same thing.
    let text = match normalize_instruction_text(text) {
        Ok(text) => text,
        Err(reason) => return Ok(Verdict::rejected(RejectCode::Invalid, reason)),
    };
    let owners = owners(conn, target, id).await?;
    // Another building's unit or resident counts as missing: nothing is revealed.
    if owners.target.as_deref() != Some(caller.building_id.as_str()) {
        let (kind, target_id) = target_parts(target);
        return Ok(Verdict::rejected(
            RejectCode::NotFound,
            format!("{kind} {target_id} is not in this building"),
        ));
    }
    if owners.instruction.is_some_and(|b| b != caller.building_id) {
        return Ok(forbidden(id));
    }

    let instruction = Instruction {
        id: id.to_owned(),
        building_id: caller.building_id.clone(),
        target: target.clone(),
        text,
        updated_by: caller.staff_id.clone(),
        updated_at_ms: client_time_ms,
    };
    if !upsert(conn, &instruction).await? {
        // Created by another building between the check and the write.
        return Ok(forbidden(id));
    }
    Ok(Verdict::Applied(vec![ChangeBody::InstructionUpserted(
        instruction,
    )]))
}

/// Removes instruction `id` from the caller's building. Removing one that is already
/// gone (or never was) is applied all the same, and logged, so every desk converges.
pub async fn delete(conn: &mut AnyConnection, caller: &Caller, id: &str) -> Result<Verdict> {
    if let Some(rejection) = check_id(id, "instruction") {
        return Ok(rejection);
    }
    if owned_elsewhere(conn, id, &caller.building_id).await? {
        return Ok(forbidden(id));
    }
    sqlx::query("DELETE FROM instructions WHERE id = $1 AND building_id = $2")
        .bind(id)
        .bind(&caller.building_id)
        .execute(&mut *conn)
        .await?;
    Ok(Verdict::Applied(vec![ChangeBody::InstructionDeleted {
        id: id.to_owned(),
    }]))
}

fn forbidden(id: &str) -> Verdict {
    Verdict::rejected(
        RejectCode::Forbidden,
        format!("instruction {id} cannot be changed from this building"),
    )
}

fn target_parts(target: &InstructionTarget) -> (&'static str, &str) {
    match target {
        InstructionTarget::Unit(id) => ("unit", id),
        InstructionTarget::Resident(id) => ("resident", id),
    }
}

/// The buildings of a save's target and of the instruction it replaces, if any.
struct Owners {
    target: Option<String>,
    instruction: Option<String>,
}

/// One query for both checks of a save: a push applies hundreds of saves, and each
/// statement costs a round trip to the database.
async fn owners(
    conn: &mut AnyConnection,
    target: &InstructionTarget,
    instruction_id: &str,
) -> Result<Owners> {
    let (sql, target_id) = match target {
        InstructionTarget::Unit(id) => (
            "SELECT (SELECT building_id FROM units WHERE id = $1) AS target_building, \
             (SELECT building_id FROM instructions WHERE id = $2) AS instruction_building",
            id,
        ),
        InstructionTarget::Resident(id) => (
            "SELECT (SELECT building_id FROM residents WHERE id = $1) AS target_building, \
             (SELECT building_id FROM instructions WHERE id = $2) AS instruction_building",
            id,
        ),
    };
    let row = sqlx::query(sql)
        .bind(target_id)
        .bind(instruction_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Owners {
        target: row.try_get("target_building")?,
        instruction: row.try_get("instruction_building")?,
    })
}

/// Whether instruction `id` exists in a building other than `building_id`.
async fn owned_elsewhere(conn: &mut AnyConnection, id: &str, building_id: &str) -> Result<bool> {
    let owner: Option<String> = sqlx::query("SELECT building_id FROM instructions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get("building_id"))
        .transpose()?;
    Ok(owner.is_some_and(|b| b != building_id))
}

/// Inserts or replaces the instruction; false (nothing written) when the id belongs to
/// another building.
async fn upsert(conn: &mut AnyConnection, i: &Instruction) -> Result<bool> {
    let (target_type, target_id) = target_parts(&i.target);
    let written = sqlx::query(
        "INSERT INTO instructions \
         (id, building_id, target_type, target_id, text, updated_by, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET \
         target_type = excluded.target_type, target_id = excluded.target_id, \
         text = excluded.text, updated_by = excluded.updated_by, \
         updated_at_ms = excluded.updated_at_ms \
         WHERE instructions.building_id = excluded.building_id",
    )
    .bind(&i.id)
    .bind(&i.building_id)
    .bind(target_type)
    .bind(target_id)
    .bind(&i.text)
    .bind(&i.updated_by)
    .bind(i.updated_at_ms)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(written > 0)
}
