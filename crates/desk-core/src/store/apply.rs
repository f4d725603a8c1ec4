//! Applying the server's change log to the local store.
//!
//! A page of changes and the cursor that follows it are written in one transaction, so
//! a crash leaves the desk either before or after the page, never half-way. Every
//! change carries the whole record, so applying one twice is harmless. A full resync
//! starts the same way: forgetting the old state, the cursor back to 0 and the first
//! page are one transaction.

use frontdesk_protocol::{
    Building, Change, ChangeBody, Conversation, ConversationPref, Instruction, Message, Package,
    PackageEvent, PackageNotice, PackagePhoto, PullResponse, Reaction, Receipt, Resident,
    StaffMember, Unit,
};
use sqlx::SqliteConnection;

use super::Store;
use crate::directory::search::index_terms;
use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::instructions::target_columns;
use crate::messaging::apply::{self as messaging, ApplyContext};
use crate::outbox;

/// What applying a page did, for the status bar and the "directory changed" event.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub changes: usize,
    pub directory_changed: bool,
    pub instructions_changed: bool,
    pub packages_changed: bool,
    /// Conversations, messages, reactions, receipts or flags.
    pub messages_changed: bool,
    /// How many of the changes were echoes of writes still pending here (which settles
    /// them in the outbox, so its counts changed). Other desks' writes are not counted.
    pub echoes: usize,
    /// Delivered receipts the apply queued (the outbox's counts changed too).
    pub receipts_queued: usize,
    /// The cursor after the apply.
    pub cursor: i64,
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
        let mut tx = self.begin_apply().await?;
        let cursor = cursor_in(&mut tx).await?;
        let applied = apply_in(&mut tx, cursor, changes, now_ms, None).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// [`Store::apply_changes`] for a whole pull answer: also keeps the horizon it was
    /// read against (for the next pull) and, on the last page, moves the cursor to the
    /// head.
    pub async fn apply_page(&self, page: &PullResponse, now_ms: i64) -> DeskResult<Applied> {
        let mut tx = self.begin_apply().await?;
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
        let mut tx = self.begin_apply().await?;
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
        applied.packages_changed = true;
        applied.messages_changed = true;
        Ok(applied)
    }

    /// Applies a frame of changes pushed over the WebSocket, but only when it
    /// continues the cursor exactly, with no gap inside; the check and the apply are
    /// one transaction.
    pub async fn apply_frame(&self, changes: &[Change], now_ms: i64) -> DeskResult<FrameOutcome> {
        let Some(first) = changes.first() else {
            return Ok(FrameOutcome::AlreadyHave);
        };
        let last = changes.last().map_or(first.seq, |c| c.seq);
        if !changes.iter().map(|c| c.seq).eq(first.seq..=last) {
            return Ok(FrameOutcome::Gap);
        }
        self.apply_range(changes, first.seq - 1, last, now_ms).await
    }

    /// Applies a frame that covers the log's `after < seq <= through` with `changes`,
    /// everything of that stretch this desk may see (the rest is other staff's), when
    /// the stretch continues the cursor: it starts at or before the cursor and ends
    /// past it. The cursor then moves to `through`; the check and the apply are one
    /// transaction.
    pub async fn apply_range(
        &self,
        changes: &[Change],
        after: i64,
        through: i64,
        now_ms: i64,
    ) -> DeskResult<FrameOutcome> {
        let mut previous = after;
        for change in changes {
            if change.seq <= previous || change.seq > through {
                return Err(DeskError::new(
                    DeskErrorCode::BadResponse,
                    format!(
                        "server sent change {} out of order in a frame covering {after}..{through}",
                        change.seq
                    ),
                ));
            }
            previous = change.seq;
        }
        // The usual frame continues the cursor exactly. Apply it on that assumption and
        // move the cursor only if it held (one statement fewer than reading the cursor
        // first: this runs for every frame); if it did not, undo and look closer.
        let mut tx = self.begin_apply().await?;
        let fast = apply_fresh(
            &mut tx,
            &changes.iter().collect::<Vec<_>>(),
            false,
            now_ms,
            CursorTo {
                through,
                only_from: Some(after),
            },
        )
        .await?;
        if let Some(applied) = fast {
            tx.commit().await?;
            return Ok(FrameOutcome::Applied(applied));
        }
        tx.rollback().await?;

        let mut tx = self.begin_apply().await?;
        let cursor = cursor_in(&mut tx).await?;
        if through <= cursor {
            return Ok(FrameOutcome::AlreadyHave);
        }
        if after > cursor {
            return Ok(FrameOutcome::Gap);
        }
        let fresh: Vec<&Change> = changes.iter().filter(|c| c.seq > cursor).collect();
        let applied = apply_fresh(&mut tx, &fresh, false, now_ms, CursorTo::any(through))
            .await?
            .ok_or_else(cursor_not_moved)?;
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
    }
    let fresh: Vec<&Change> = changes.iter().filter(|c| c.seq > cursor).collect();
    let mut last = fresh.last().map_or(cursor, |c| c.seq);
    if let Some(head) = end.and_then(|e| e.through) {
        last = last.max(head);
    }
    // From 0 (a first sync, a full resync) the whole building arrives: nothing is news.
    let applied = apply_fresh(&mut *conn, &fresh, cursor == 0, now_ms, CursorTo::any(last))
        .await?
        .ok_or_else(cursor_not_moved)?;
    if let Some(end) = end {
        sqlx::query("UPDATE sync_state SET horizon_seq = ? WHERE id = 1")
            .bind(end.horizon_seq)
            .execute(&mut *conn)
            .await?;
    }
    Ok(applied)
}

/// Where an apply leaves the cursor.
#[derive(Debug, Clone, Copy)]
struct CursorTo {
    through: i64,
    /// Only if the cursor is here (the frame continues it); else nothing moves.
    only_from: Option<i64>,
}

impl CursorTo {
    fn any(through: i64) -> Self {
        Self {
            through,
            only_from: None,
        }
    }
}

fn cursor_not_moved() -> DeskError {
    DeskError::new(DeskErrorCode::Internal, "the sync cursor did not move")
}

/// Applies `changes` (all after the cursor, in order), settles the outbox rows they
/// echo and moves the cursor; `None` (with the changes written, for the caller to roll
/// back) when `to.only_from` did not hold. `quiet`: see [`ApplyContext::quiet`].
async fn apply_fresh(
    conn: &mut SqliteConnection,
    fresh: &[&Change],
    quiet: bool,
    now_ms: i64,
    to: CursorTo,
) -> DeskResult<Option<Applied>> {
    // Who the messaging changes are for costs a read: only when there are some.
    let cx = if fresh.iter().any(|c| is_messaging(&c.body)) {
        Some(ApplyContext::read(&mut *conn, quiet, now_ms).await?)
    } else {
        None
    };
    let mut applied = apply_runs(&mut *conn, fresh, cx.as_ref()).await?;
    if let Some(cx) = &cx {
        let messages: Vec<&Message> = bodies(fresh, |b| match b {
            ChangeBody::MessageUpserted(m) => Some(m),
            _ => None,
        });
        applied.receipts_queued = messaging::queue_delivered(&mut *conn, &messages, cx).await?;
    }
    let echoes: Vec<(uuid::Uuid, i64)> = fresh
        .iter()
        .filter_map(|c| c.mutation_id.map(|id| (id, c.seq)))
        .collect();
    // Settling the echoes and moving the cursor are one call (this runs for every live
    // frame); each row says which statement it came from: 0 per settled outbox row,
    // 1 when the cursor moved. Moving the cursor fires the trigger that forgets the
    // acknowledged writes it passes (see the migrations).
    let tags: Vec<(i64,)> = sqlx::query_as(concat!(
        outbox::mark_applied_sql!(),
        " RETURNING 0; \
         UPDATE sync_state SET cursor = ?2, last_sync_ms = ?3 \
         WHERE id = 1 AND (?4 IS NULL OR cursor = ?4) RETURNING 1"
    ))
    .bind(outbox::echoes_json(&echoes)?)
    .bind(to.through)
    .bind(now_ms)
    .bind(to.only_from)
    .fetch_all(&mut *conn)
    .await?;
    if !tags.contains(&(1,)) {
        return Ok(None);
    }
    applied.echoes = tags.iter().filter(|(tag,)| *tag == 0).count();
    applied.cursor = to.through;
    Ok(Some(applied))
}

/// Consecutive changes of one kind are applied by one statement each, whatever their
/// number: a page of thousands costs a handful of statements, not thousands. Runs keep
/// the log's order, and within a run the rows are written in order.
async fn apply_runs(
    conn: &mut SqliteConnection,
    fresh: &[&Change],
    cx: Option<&ApplyContext>,
) -> DeskResult<Applied> {
    let mut applied = Applied {
        changes: fresh.len(),
        ..Applied::default()
    };
    for run in fresh.chunk_by(|a, b| same_kind(&a.body, &b.body)) {
        apply_run(&mut *conn, run, cx).await?;
        match run[0].body {
            ChangeBody::InstructionUpserted(_) | ChangeBody::InstructionDeleted { .. } => {
                applied.instructions_changed = true;
            }
            ChangeBody::PackageUpserted(_)
            | ChangeBody::PackageEventAdded(_)
            | ChangeBody::PackageNoticeUpserted(_)
            | ChangeBody::PackagePhotoAdded(_) => {
                applied.packages_changed = true;
            }
            ref body if is_messaging(body) => applied.messages_changed = true,
            // A staff member's name shows in their conversations too.
            ChangeBody::StaffUpserted(_) => {
                applied.directory_changed = true;
                applied.messages_changed = true;
            }
            _ => applied.directory_changed = true,
        }
    }
    Ok(applied)
}

fn is_messaging(body: &ChangeBody) -> bool {
    matches!(
        body,
        ChangeBody::ConversationUpserted(_)
            | ChangeBody::MessageUpserted(_)
            | ChangeBody::ReactionUpserted(_)
            | ChangeBody::ReceiptUpserted(_)
            | ChangeBody::ConversationPrefUpserted(_)
    )
}

fn same_kind(a: &ChangeBody, b: &ChangeBody) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Applies consecutive changes of one kind. `cx` is there when the page holds messaging
/// changes.
async fn apply_run(
    conn: &mut SqliteConnection,
    run: &[&Change],
    cx: Option<&ApplyContext>,
) -> DeskResult<()> {
    match &run[0].body {
        ChangeBody::BuildingUpserted(_) => {
            for change in run {
                if let ChangeBody::BuildingUpserted(b) = &change.body {
                    upsert_building(&mut *conn, b).await?;
                }
            }
            Ok(())
        }
        ChangeBody::UnitUpserted(_) => {
            let units: Vec<&Unit> = bodies(run, |b| match b {
                ChangeBody::UnitUpserted(u) => Some(u),
                _ => None,
            });
            upsert_units(&mut *conn, &units).await?;
            let ids: Vec<&str> = units.iter().map(|u| u.id.as_str()).collect();
            reindex_units_residents(conn, &ids).await
        }
        ChangeBody::UnitDeleted { .. } => {
            let ids = bodies(run, |b| match b {
                ChangeBody::UnitDeleted { id } => Some(id.as_str()),
                _ => None,
            });
            delete_by_ids(&mut *conn, DeleteFrom::Units, &ids).await?;
            reindex_units_residents(conn, &ids).await
        }
        ChangeBody::ResidentUpserted(_) => {
            let residents: Vec<&Resident> = bodies(run, |b| match b {
                ChangeBody::ResidentUpserted(r) => Some(r),
                _ => None,
            });
            upsert_residents(&mut *conn, &residents).await?;
            let ids: Vec<&str> = residents.iter().map(|r| r.id.as_str()).collect();
            reindex_residents(conn, &ids).await
        }
        ChangeBody::ResidentDeleted { .. } => {
            let ids = bodies(run, |b| match b {
                ChangeBody::ResidentDeleted { id } => Some(id.as_str()),
                _ => None,
            });
            delete_by_ids(&mut *conn, DeleteFrom::Residents, &ids).await?;
            reindex_residents(conn, &ids).await
        }
        ChangeBody::StaffUpserted(_) => {
            let staff: Vec<&StaffMember> = bodies(run, |b| match b {
                ChangeBody::StaffUpserted(s) => Some(s),
                _ => None,
            });
            upsert_staff(&mut *conn, &staff).await?;
            let ids: Vec<&str> = staff.iter().map(|s| s.id.as_str()).collect();
            messaging::reindex_staff_conversations(conn, &ids).await
        }
        ChangeBody::InstructionUpserted(_) => {
            let instructions: Vec<&Instruction> = bodies(run, |b| match b {
                ChangeBody::InstructionUpserted(i) => Some(i),
                _ => None,
            });
            upsert_instructions(conn, &instructions).await
        }
        ChangeBody::InstructionDeleted { .. } => {
            let ids = bodies(run, |b| match b {
                ChangeBody::InstructionDeleted { id } => Some(id.as_str()),
                _ => None,
            });
            delete_by_ids(conn, DeleteFrom::Instructions, &ids).await
        }
        ChangeBody::PackageUpserted(_) => {
            let packages: Vec<&Package> = bodies(run, |b| match b {
                ChangeBody::PackageUpserted(p) => Some(p),
                _ => None,
            });
            upsert_packages(conn, &packages).await
        }
        ChangeBody::PackageEventAdded(_) => {
            let events: Vec<&PackageEvent> = bodies(run, |b| match b {
                ChangeBody::PackageEventAdded(e) => Some(e),
                _ => None,
            });
            upsert_package_events(conn, &events).await
        }
        ChangeBody::PackageNoticeUpserted(_) => {
            let notices: Vec<&PackageNotice> = bodies(run, |b| match b {
                ChangeBody::PackageNoticeUpserted(n) => Some(n),
                _ => None,
            });
            upsert_package_notices(conn, &notices).await
        }
        ChangeBody::PackagePhotoAdded(_) => {
            let photos: Vec<&PackagePhoto> = bodies(run, |b| match b {
                ChangeBody::PackagePhotoAdded(p) => Some(p),
                _ => None,
            });
            upsert_package_photos(conn, &photos).await
        }
        ChangeBody::ConversationUpserted(_) => {
            let conversations: Vec<&Conversation> = bodies(run, |b| match b {
                ChangeBody::ConversationUpserted(c) => Some(c),
                _ => None,
            });
            messaging::upsert_conversations(conn, &conversations, messaging_context(cx)?).await
        }
        ChangeBody::MessageUpserted(_) => {
            let messages: Vec<&Message> = bodies(run, |b| match b {
                ChangeBody::MessageUpserted(m) => Some(m),
                _ => None,
            });
            messaging::upsert_messages(conn, &messages, messaging_context(cx)?).await
        }
        ChangeBody::ReactionUpserted(_) => {
            let reactions: Vec<&Reaction> = bodies(run, |b| match b {
                ChangeBody::ReactionUpserted(r) => Some(r),
                _ => None,
            });
            messaging::upsert_reactions(conn, &reactions).await
        }
        ChangeBody::ReceiptUpserted(_) => {
            let receipts: Vec<&Receipt> = bodies(run, |b| match b {
                ChangeBody::ReceiptUpserted(r) => Some(r),
                _ => None,
            });
            messaging::upsert_receipts(conn, &receipts).await
        }
        ChangeBody::ConversationPrefUpserted(_) => {
            let prefs: Vec<&ConversationPref> = bodies(run, |b| match b {
                ChangeBody::ConversationPrefUpserted(p) => Some(p),
                _ => None,
            });
            messaging::upsert_prefs(conn, &prefs).await
        }
    }
}

fn messaging_context(cx: Option<&ApplyContext>) -> DeskResult<&ApplyContext> {
    cx.ok_or_else(|| {
        DeskError::new(
            DeskErrorCode::Internal,
            "messaging changes applied without their context",
        )
    })
}

/// The payloads of a run (all of one kind, so `pick` matches each).
fn bodies<'a, T>(run: &[&'a Change], pick: impl Fn(&'a ChangeBody) -> Option<T>) -> Vec<T> {
    run.iter().filter_map(|c| pick(&c.body)).collect()
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

// The bulk statements read their rows from one JSON array bound as a parameter
// (`json_each`), in array order. Field names are the protocol's serde names.

async fn upsert_units(conn: &mut SqliteConnection, units: &[&Unit]) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO units (id, building_id, unit_number, floor_number, square_footage, \
         bedrooms, bathrooms, is_occupied, unit_type, occupant_name) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.unit_number'), json_extract(value, '$.floor_number'), \
         json_extract(value, '$.square_footage'), json_extract(value, '$.bedrooms'), \
         json_extract(value, '$.bathrooms'), json_extract(value, '$.is_occupied'), \
         json_extract(value, '$.unit_type'), json_extract(value, '$.occupant_name') \
         FROM json_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(units)?)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_residents(conn: &mut SqliteConnection, residents: &[&Resident]) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO residents (id, building_id, unit_id, user_id, first_name, last_name, \
         email, phone, is_owner, is_primary_resident, move_in_date, move_out_date, \
         preferred_language, preferred_notification_method, notes) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.unit_id'), json_extract(value, '$.user_id'), \
         json_extract(value, '$.first_name'), json_extract(value, '$.last_name'), \
         json_extract(value, '$.email'), json_extract(value, '$.phone'), \
         json_extract(value, '$.is_owner'), json_extract(value, '$.is_primary_resident'), \
         json_extract(value, '$.move_in_date'), json_extract(value, '$.move_out_date'), \
         json_extract(value, '$.preferred_language'), \
         json_extract(value, '$.preferred_notification_method'), json_extract(value, '$.notes') \
         FROM json_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(residents)?)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_staff(conn: &mut SqliteConnection, staff: &[&StaffMember]) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO staff (id, building_id, name, email, role, disabled) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.name'), json_extract(value, '$.email'), \
         json_extract(value, '$.role'), json_extract(value, '$.disabled') \
         FROM json_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(staff)?)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_instructions(
    conn: &mut SqliteConnection,
    instructions: &[&Instruction],
) -> DeskResult<()> {
    // The target is stored as two columns.
    let rows: Vec<serde_json::Value> = instructions
        .iter()
        .map(|i| {
            let (target_type, target_id) = target_columns(&i.target);
            serde_json::json!({
                "id": i.id,
                "building_id": i.building_id,
                "target_type": target_type,
                "target_id": target_id,
                "text": i.text,
                "updated_by": i.updated_by,
                "updated_at_ms": i.updated_at_ms,
            })
        })
        .collect();
    sqlx::query(
        "INSERT OR REPLACE INTO instructions (id, building_id, target_type, target_id, text, \
         updated_by, updated_at_ms) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.target_type'), json_extract(value, '$.target_id'), \
         json_extract(value, '$.text'), json_extract(value, '$.updated_by'), \
         json_extract(value, '$.updated_at_ms') \
         FROM json_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(&rows)?)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_packages(conn: &mut SqliteConnection, packages: &[&Package]) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO packages (id, building_id, code, tracking_number, carrier, \
         resident_id, unit_id, shelf, size, perishable, signature_required, fragile, note, \
         status, received_at_ms, received_by, status_at_ms, collected_by) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.code'), json_extract(value, '$.tracking_number'), \
         json_extract(value, '$.carrier'), json_extract(value, '$.resident_id'), \
         json_extract(value, '$.unit_id'), json_extract(value, '$.shelf'), \
         json_extract(value, '$.size'), json_extract(value, '$.flags.perishable'), \
         json_extract(value, '$.flags.signature_required'), \
         json_extract(value, '$.flags.fragile'), json_extract(value, '$.note'), \
         json_extract(value, '$.status'), json_extract(value, '$.received_at_ms'), \
         json_extract(value, '$.received_by'), json_extract(value, '$.status_at_ms'), \
         json_extract(value, '$.collected_by') \
         FROM json_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(packages)?)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_package_events(
    conn: &mut SqliteConnection,
    events: &[&PackageEvent],
) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO package_events (id, package_id, building_id, from_status, \
         to_status, by_staff, at_ms, note, override_reason, signature) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.package_id'), \
         json_extract(value, '$.building_id'), json_extract(value, '$.from'), \
         json_extract(value, '$.to'), json_extract(value, '$.by'), \
         json_extract(value, '$.at_ms'), json_extract(value, '$.note'), \
         json_extract(value, '$.override_reason'), json_extract(value, '$.signature') \
         FROM json_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(events)?)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_package_notices(
    conn: &mut SqliteConnection,
    notices: &[&PackageNotice],
) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO package_notices (id, package_id, building_id, resident_id, \
         kind, state, attempts, last_error, last_attempt_at_ms, sent_at_ms, created_at_ms) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.package_id'), \
         json_extract(value, '$.building_id'), json_extract(value, '$.resident_id'), \
         json_extract(value, '$.kind'), json_extract(value, '$.state'), \
         json_extract(value, '$.attempts'), json_extract(value, '$.last_error'), \
         json_extract(value, '$.last_attempt_at_ms'), json_extract(value, '$.sent_at_ms'), \
         json_extract(value, '$.created_at_ms') \
         FROM json_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(notices)?)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_package_photos(
    conn: &mut SqliteConnection,
    photos: &[&PackagePhoto],
) -> DeskResult<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO package_photos (package_id, building_id, sha256, taken_at_ms, \
         taken_by) \
         SELECT json_extract(value, '$.package_id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.sha256'), json_extract(value, '$.taken_at_ms'), \
         json_extract(value, '$.taken_by') \
         FROM json_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(photos)?)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Copy)]
enum DeleteFrom {
    Units,
    Residents,
    Instructions,
}

async fn delete_by_ids(
    conn: &mut SqliteConnection,
    table: DeleteFrom,
    ids: &[&str],
) -> DeskResult<()> {
    let statement = match table {
        DeleteFrom::Units => "DELETE FROM units WHERE id IN (SELECT value FROM json_each(?))",
        DeleteFrom::Residents => {
            "DELETE FROM residents WHERE id IN (SELECT value FROM json_each(?))"
        }
        DeleteFrom::Instructions => {
            "DELETE FROM instructions WHERE id IN (SELECT value FROM json_each(?))"
        }
    };
    sqlx::query(statement)
        .bind(serde_json::to_string(ids)?)
        .execute(conn)
        .await?;
    Ok(())
}

/// Rewrites the search-index rows of residents from their stored rows (removing those
/// of residents that are gone), in three statements whatever their number.
async fn reindex_residents(conn: &mut SqliteConnection, resident_ids: &[&str]) -> DeskResult<()> {
    if resident_ids.is_empty() {
        return Ok(());
    }
    let ids = serde_json::to_string(resident_ids)?;
    sqlx::query("DELETE FROM residents_fts WHERE resident_id IN (SELECT value FROM json_each(?))")
        .bind(&ids)
        .execute(&mut *conn)
        .await?;
    let sources: Vec<IndexSource> = sqlx::query_as(
        "SELECT r.id, r.first_name, r.last_name, u.unit_number, r.email, r.phone \
         FROM residents r LEFT JOIN units u ON u.id = r.unit_id \
         WHERE r.id IN (SELECT value FROM json_each(?))",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    if sources.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = sources
        .iter()
        .map(|src| {
            let terms = index_terms(
                &src.first_name,
                &src.last_name,
                src.unit_number.as_deref(),
                src.email.as_deref(),
                src.phone.as_deref(),
            );
            serde_json::json!({
                "resident_id": src.id,
                "name": terms.name,
                "unit_number": terms.unit_number,
                "email": terms.email,
                "phone": terms.phone,
            })
        })
        .collect();
    sqlx::query(
        "INSERT INTO residents_fts (resident_id, name, unit_number, email, phone) \
         SELECT json_extract(value, '$.resident_id'), json_extract(value, '$.name'), \
         json_extract(value, '$.unit_number'), json_extract(value, '$.email'), \
         json_extract(value, '$.phone') FROM json_each(?)",
    )
    .bind(serde_json::to_string(&rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A unit's number is part of its residents' index rows, so renumbering a unit
/// reindexes them.
async fn reindex_units_residents(conn: &mut SqliteConnection, unit_ids: &[&str]) -> DeskResult<()> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM residents WHERE unit_id IN (SELECT value FROM json_each(?))",
    )
    .bind(serde_json::to_string(unit_ids)?)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<&str> = ids.iter().map(|(id,)| id.as_str()).collect();
    reindex_residents(conn, &ids).await
}

#[derive(sqlx::FromRow)]
struct IndexSource {
    id: String,
    first_name: String,
    last_name: String,
    unit_number: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}
