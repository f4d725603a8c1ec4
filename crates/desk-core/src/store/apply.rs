//! Applying the server's change log to the local store.
//!
//! A page of changes and the cursor that follows it are written in one transaction, so
//! a crash leaves the desk either before or after the page, never half-way. Every
//! change carries the whole record, so applying one twice is harmless. A full resync
//! starts the same way: forgetting the old state, the cursor back to 0 and the first
//! page are one transaction.

use frontdesk_protocol::{
    Building, Change, ChangeBody, Instruction, PullResponse, Resident, StaffMember, Unit,
};
use sqlx::SqliteConnection;

use super::Store;
use crate::directory::search::index_terms;
use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::instructions::target_columns;
use crate::outbox;

/// What applying a page did, for the status bar and the "directory changed" event.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub changes: usize,
    pub directory_changed: bool,
    pub instructions_changed: bool,
}

/// What became of a WebSocket frame of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameOutcome {
    Applied(Applied),
    /// Every change in it was already applied (a pull got there first).
    AlreadyHave,
    /// It does not continue the cursor: something was missed, pull instead.
    Gap,
}

/// What a pulled page says besides its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PageEnd {
    /// The server's compaction horizon the page was read against.
    horizon_seq: i64,
    /// The head, when the page is the last one (`has_more` false): it brought
    /// everything up to there, even if compaction removed the last changes.
    through: Option<i64>,
}

impl PageEnd {
    fn of(page: &PullResponse) -> Self {
        Self {
            horizon_seq: page.horizon_seq,
            through: (!page.has_more).then_some(page.head_seq),
        }
    }
}

impl Store {
    /// Applies a pulled page and moves the cursor to its last change, stamping
    /// `now_ms` as the last sync time. Changes at or below the cursor are skipped:
    /// the live connection may have applied them while the page was on its way.
    pub async fn apply_changes(&self, changes: &[Change], now_ms: i64) -> DeskResult<Applied> {
        let mut tx = self.begin_write().await?;
        let cursor = cursor_in(&mut tx).await?;
        let applied = apply_in(&mut tx, cursor, changes, now_ms, None).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// [`Store::apply_changes`] for a whole pull answer: also keeps the horizon it was
    /// read against (for the next pull) and, on the last page, moves the cursor to the
    /// head.
    pub async fn apply_page(&self, page: &PullResponse, now_ms: i64) -> DeskResult<Applied> {
        let mut tx = self.begin_write().await?;
        let cursor = cursor_in(&mut tx).await?;
        let applied = apply_in(
            &mut tx,
            cursor,
            &page.changes,
            now_ms,
            Some(PageEnd::of(page)),
        )
        .await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Starts a full resync with `first`, the first page of the server's log (pulled
    /// after 0), in **one** transaction: forgets the server's state held here, moves
    /// the cursor back to 0, and applies the page. The outbox stays: pending writes
    /// are laid over the new state as before, and acknowledged ones not yet pulled
    /// go back to pending, because the server that acknowledged them may not have them
    /// any more (restored from an older backup); it answers the ones it has as
    /// duplicates, with their sequence numbers.
    ///
    /// A crash before the commit leaves the old state and cursor (the next pull is
    /// refused again and the resync starts over); after it, a store that goes on from
    /// the first page like any pull.
    pub async fn start_full_resync(
        &self,
        first: &PullResponse,
        now_ms: i64,
    ) -> DeskResult<Applied> {
        let mut tx = self.begin_write().await?;
        super::clear_server_state(&mut tx).await?;
        sqlx::query("UPDATE outbox SET state = 'pending', acked_seq = NULL WHERE state = 'acked'")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE sync_state SET cursor = 0, horizon_seq = NULL, last_resync_ms = ? WHERE id = 1",
        )
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let mut applied =
            apply_in(&mut tx, 0, &first.changes, now_ms, Some(PageEnd::of(first))).await?;
        tx.commit().await?;
        // Everything shown may have changed, whatever the page held.
        applied.directory_changed = true;
        applied.instructions_changed = true;
        Ok(applied)
    }

    /// Applies a frame of changes pushed over the WebSocket, but only when it
    /// continues the cursor exactly, with no gap inside; the check and the apply are
    /// one transaction.
    pub async fn apply_frame(&self, changes: &[Change], now_ms: i64) -> DeskResult<FrameOutcome> {
        let Some(first) = changes.first() else {
            return Ok(FrameOutcome::AlreadyHave);
        };
        let mut tx = self.begin_write().await?;
        let cursor = cursor_in(&mut tx).await?;
        let last = changes.last().map_or(first.seq, |c| c.seq);
        if last <= cursor {
            return Ok(FrameOutcome::AlreadyHave);
        }
        let new = changes
            .iter()
            .map(|c| c.seq)
            .skip_while(|&seq| seq <= cursor);
        if !new.eq(cursor + 1..=last) {
            return Ok(FrameOutcome::Gap);
        }
        let applied = apply_in(&mut tx, cursor, changes, now_ms, None).await?;
        tx.commit().await?;
        Ok(FrameOutcome::Applied(applied))
    }
}

async fn cursor_in(conn: &mut SqliteConnection) -> DeskResult<i64> {
    let (cursor,): (i64,) = sqlx::query_as("SELECT cursor FROM sync_state WHERE id = 1")
        .fetch_one(conn)
        .await?;
    Ok(cursor)
}

async fn apply_in(
    conn: &mut SqliteConnection,
    cursor: i64,
    changes: &[Change],
    now_ms: i64,
    end: Option<PageEnd>,
) -> DeskResult<Applied> {
    let mut previous = None;
    let mut last = cursor;
    let mut applied = Applied::default();
    let mut echoes = Vec::new();
    for change in changes {
        if previous.is_some_and(|p| change.seq <= p) {
            return Err(DeskError::new(
                DeskErrorCode::BadResponse,
                format!(
                    "server sent change {} after {}: out of order",
                    change.seq,
                    previous.unwrap_or_default()
                ),
            ));
        }
        previous = Some(change.seq);
        if change.seq <= cursor {
            continue;
        }
        apply_one(&mut *conn, &change.body).await?;
        if let Some(mutation_id) = change.mutation_id {
            echoes.push((mutation_id, change.seq));
        }
        last = change.seq;
        applied.changes += 1;
        match change.body {
            ChangeBody::InstructionUpserted(_) | ChangeBody::InstructionDeleted { .. } => {
                applied.instructions_changed = true;
            }
            _ => applied.directory_changed = true,
        }
    }
    if let Some(head) = end.and_then(|e| e.through) {
        last = last.max(head);
    }
    outbox::mark_applied(&mut *conn, &echoes).await?;
    outbox::forget_pulled(&mut *conn, last).await?;
    sqlx::query("UPDATE sync_state SET cursor = ?, last_sync_ms = ? WHERE id = 1")
        .bind(last)
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    if let Some(end) = end {
        sqlx::query("UPDATE sync_state SET horizon_seq = ? WHERE id = 1")
            .bind(end.horizon_seq)
            .execute(&mut *conn)
            .await?;
    }
    Ok(applied)
}

async fn apply_one(conn: &mut SqliteConnection, body: &ChangeBody) -> DeskResult<()> {
    match body {
        ChangeBody::BuildingUpserted(b) => upsert_building(conn, b).await,
        ChangeBody::UnitUpserted(u) => {
            upsert_unit(conn, u).await?;
            reindex_unit_residents(conn, &u.id).await
        }
        ChangeBody::UnitDeleted { id } => {
            sqlx::query("DELETE FROM units WHERE id = ?")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            reindex_unit_residents(conn, id).await
        }
        ChangeBody::ResidentUpserted(r) => {
            upsert_resident(conn, r).await?;
            reindex_resident(conn, &r.id).await
        }
        ChangeBody::ResidentDeleted { id } => {
            sqlx::query("DELETE FROM residents WHERE id = ?")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            reindex_resident(conn, id).await
        }
        ChangeBody::StaffUpserted(s) => upsert_staff(conn, s).await,
        ChangeBody::InstructionUpserted(i) => upsert_instruction(conn, i).await,
        ChangeBody::InstructionDeleted { id } => {
            sqlx::query("DELETE FROM instructions WHERE id = ?")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
    }
}

async fn upsert_building(conn: &mut SqliteConnection, b: &Building) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO buildings (id, name, address, city, province, postal_code, country) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&b.id)
    .bind(&b.name)
    .bind(&b.address)
    .bind(&b.city)
    .bind(&b.province)
    .bind(&b.postal_code)
    .bind(&b.country)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_unit(conn: &mut SqliteConnection, u: &Unit) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO units (id, building_id, unit_number, floor_number, square_footage, \
         bedrooms, bathrooms, is_occupied, unit_type, occupant_name) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&u.id)
    .bind(&u.building_id)
    .bind(&u.unit_number)
    .bind(u.floor_number)
    .bind(u.square_footage)
    .bind(u.bedrooms)
    .bind(u.bathrooms)
    .bind(u.is_occupied)
    .bind(&u.unit_type)
    .bind(&u.occupant_name)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_resident(conn: &mut SqliteConnection, r: &Resident) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO residents (id, building_id, unit_id, user_id, first_name, last_name, \
         email, phone, is_owner, is_primary_resident, move_in_date, move_out_date, \
         preferred_language, preferred_notification_method, notes) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&r.id)
    .bind(&r.building_id)
    .bind(&r.unit_id)
    .bind(&r.user_id)
    .bind(&r.first_name)
    .bind(&r.last_name)
    .bind(&r.email)
    .bind(&r.phone)
    .bind(r.is_owner)
    .bind(r.is_primary_resident)
    .bind(&r.move_in_date)
    .bind(&r.move_out_date)
    .bind(&r.preferred_language)
    .bind(&r.preferred_notification_method)
    .bind(&r.notes)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_instruction(conn: &mut SqliteConnection, i: &Instruction) -> DeskResult<()> {
    let (target_type, target_id) = target_columns(&i.target);
    sqlx::query(
        "INSERT OR REPLACE INTO instructions (id, building_id, target_type, target_id, text, updated_by, updated_at_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&i.id)
    .bind(&i.building_id)
    .bind(target_type)
    .bind(target_id)
    .bind(&i.text)
    .bind(&i.updated_by)
    .bind(i.updated_at_ms)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_staff(conn: &mut SqliteConnection, s: &StaffMember) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO staff (id, building_id, name, email, role, disabled) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&s.id)
    .bind(&s.building_id)
    .bind(&s.name)
    .bind(&s.email)
    .bind(s.role.as_str())
    .bind(s.disabled)
    .execute(conn)
    .await?;
    Ok(())
}

/// Rewrites the search-index row of one resident from its stored row (or removes it
/// when the resident is gone).
async fn reindex_resident(conn: &mut SqliteConnection, resident_id: &str) -> DeskResult<()> {
    sqlx::query("DELETE FROM residents_fts WHERE resident_id = ?")
        .bind(resident_id)
        .execute(&mut *conn)
        .await?;
    let row: Option<IndexSource> = sqlx::query_as(
        "SELECT r.first_name, r.last_name, u.unit_number, r.email, r.phone \
         FROM residents r LEFT JOIN units u ON u.id = r.unit_id WHERE r.id = ?",
    )
    .bind(resident_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(src) = row {
        let terms = index_terms(
            &src.first_name,
            &src.last_name,
            src.unit_number.as_deref(),
            src.email.as_deref(),
            src.phone.as_deref(),
        );
        sqlx::query(
            "INSERT INTO residents_fts (resident_id, name, unit_number, email, phone) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(resident_id)
        .bind(terms.name)
        .bind(terms.unit_number)
        .bind(terms.email)
        .bind(terms.phone)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A unit's number is part of its residents' index rows, so renumbering a unit
/// reindexes them.
async fn reindex_unit_residents(conn: &mut SqliteConnection, unit_id: &str) -> DeskResult<()> {
    let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM residents WHERE unit_id = ?")
        .bind(unit_id)
        .fetch_all(&mut *conn)
        .await?;
    for (id,) in ids {
        reindex_resident(conn, &id).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct IndexSource {
    first_name: String,
    last_name: String,
    unit_number: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}
