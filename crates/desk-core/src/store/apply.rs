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
use super::apply_connection::ApplyTx;
use super::script::Script;
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

/// What an apply reads with its `BEGIN`, under the write lock: the cursor, and whom the
/// messaging changes are for.
#[derive(sqlx::FromRow)]
struct Start {
    cursor: i64,
    me: Option<String>,
}

static START: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT cursor, {} AS me FROM sync_state WHERE id = 1",
        messaging::ME_SQL
    )
});

/// Tag of the rows the outbox's settling of echoes returns, one per settled row.
const ECHO_SETTLED: i64 = 0;

impl Store {
    async fn begin_at_cursor(&self) -> DeskResult<(ApplyTx, Start)> {
        self.apply.begin_with_read(&START).await
    }

    /// Applies a pulled page and moves the cursor to its last change, stamping
    /// `now_ms` as the last sync time. Changes at or below the cursor are skipped:
    /// the live connection may have applied them while the page was on its way.
    pub async fn apply_changes(&self, changes: &[Change], now_ms: i64) -> DeskResult<Applied> {
        let (mut tx, start) = self.begin_at_cursor().await?;
        let pending = apply_in(&mut tx, &start, changes, now_ms, None).await?;
        pending.commit(tx).await
    }

    /// [`Store::apply_changes`] for a whole pull answer: also keeps the horizon it was
    /// read against (for the next pull) and, on the last page, moves the cursor to the
    /// head.
    pub async fn apply_page(&self, page: &PullResponse, now_ms: i64) -> DeskResult<Applied> {
        let (mut tx, start) = self.begin_at_cursor().await?;
        let pending = apply_in(
            &mut tx,
            &start,
            &page.changes,
            now_ms,
            Some(PageEnd::of(page)),
        )
        .await?;
        pending.commit(tx).await
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
        let (mut tx, start) = self.begin_at_cursor().await?;
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
        let start = Start { cursor: 0, ..start };
        let pending = apply_in(
            &mut tx,
            &start,
            &first.changes,
            now_ms,
            Some(PageEnd::of(first)),
        )
        .await?;
        let mut applied = pending.commit(tx).await?;
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
    ///
    /// Two calls to the connection's thread, whatever the frame holds of messaging,
    /// instructions or parcels: the `BEGIN` with the cursor's reading, then every
    /// write with the `COMMIT` (see [`Script`]). This runs for every live frame.
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
        let (mut tx, start) = self.begin_at_cursor().await?;
        if through <= start.cursor {
            tx.rollback().await?;
            return Ok(FrameOutcome::AlreadyHave);
        }
        if after > start.cursor {
            tx.rollback().await?;
            return Ok(FrameOutcome::Gap);
        }
        let fresh: Vec<&Change> = changes.iter().filter(|c| c.seq > start.cursor).collect();
        let cx = ApplyContext {
            me: start.me,
            quiet: false,
            now_ms,
        };
        let pending = apply_fresh(&mut tx, &fresh, &cx, through).await?;
        Ok(FrameOutcome::Applied(pending.commit(tx).await?))
    }
}

/// An apply whose last statements wait in `script`, to go with its `COMMIT`.
struct Pending {
    script: Script,
    applied: Applied,
}

impl Pending {
    async fn commit(mut self, tx: ApplyTx) -> DeskResult<Applied> {
        let tags = tx.commit(self.script).await?;
        let count = |tag| tags.iter().filter(|&&t| t == tag).count();
        self.applied.echoes = count(ECHO_SETTLED);
        self.applied.receipts_queued = count(messaging::RECEIPT_QUEUED);
        Ok(self.applied)
    }
}

async fn apply_in(
    conn: &mut SqliteConnection,
    start: &Start,
    changes: &[Change],
    now_ms: i64,
    end: Option<PageEnd>,
) -> DeskResult<Pending> {
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
    let cursor = start.cursor;
    let fresh: Vec<&Change> = changes.iter().filter(|c| c.seq > cursor).collect();
    let mut last = fresh.last().map_or(cursor, |c| c.seq);
    if let Some(head) = end.and_then(|e| e.through) {
        last = last.max(head);
    }
    // From 0 (a first sync, a full resync) the whole building arrives: nothing is news.
    let cx = ApplyContext {
        me: start.me.clone(),
        quiet: cursor == 0,
        now_ms,
    };
    let mut pending = apply_fresh(&mut *conn, &fresh, &cx, last).await?;
    if let Some(end) = end {
        pending
            .script
            .push("UPDATE sync_state SET horizon_seq = ? WHERE id = 1")
            .bind(end.horizon_seq);
    }
    Ok(pending)
}

/// Applies `fresh` (all after the cursor, in order), settles the outbox rows they echo
/// and moves the cursor to `through`: what needs no reading on the way is left in the
/// answer's script, for the caller to send with its `COMMIT`.
async fn apply_fresh(
    conn: &mut SqliteConnection,
    fresh: &[&Change],
    cx: &ApplyContext,
    through: i64,
) -> DeskResult<Pending> {
    let mut script = Script::new();
    let applied = apply_runs(&mut *conn, &mut script, fresh, cx).await?;
    let messages: Vec<&Message> = bodies(fresh, |b| match b {
        ChangeBody::MessageUpserted(m) => Some(m),
        _ => None,
    });
    messaging::queue_delivered(&mut script, &messages, cx)?;
    let echoes: Vec<(uuid::Uuid, i64)> = fresh
        .iter()
        .filter_map(|c| c.mutation_id.map(|id| (id, c.seq)))
        .collect();
    if !echoes.is_empty() {
        script
            .push_tagged(outbox::mark_applied_sql!(), ECHO_SETTLED)
            .bind(outbox::echoes_json(&echoes)?);
    }
    // Moving the cursor fires the trigger that forgets the acknowledged writes it
    // passes (see the migrations).
    script
        .push("UPDATE sync_state SET cursor = ?, last_sync_ms = ? WHERE id = 1")
        .bind(through)
        .bind(cx.now_ms);
    Ok(Pending {
        script,
        applied: Applied {
            cursor: through,
            ..applied
        },
    })
}

/// Consecutive changes of one kind are applied by one statement each, whatever their
/// number: a page of thousands costs a handful of statements, not thousands. Runs keep
/// the log's order, and within a run the rows are written in order. The statements go
/// into `script`; the few kinds that read on the way (the residents' search rows) send
/// it first.
async fn apply_runs(
    conn: &mut SqliteConnection,
    script: &mut Script,
    fresh: &[&Change],
    cx: &ApplyContext,
) -> DeskResult<Applied> {
    let mut applied = Applied {
        changes: fresh.len(),
        ..Applied::default()
    };
    for run in fresh.chunk_by(|a, b| same_kind(&a.body, &b.body)) {
        apply_run(&mut *conn, script, run, cx).await?;
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

/// Applies consecutive changes of one kind.
async fn apply_run(
    conn: &mut SqliteConnection,
    script: &mut Script,
    run: &[&Change],
    cx: &ApplyContext,
) -> DeskResult<()> {
    match &run[0].body {
        ChangeBody::BuildingUpserted(_) => {
            for change in run {
                if let ChangeBody::BuildingUpserted(b) = &change.body {
                    upsert_building(script, b);
                }
            }
            Ok(())
        }
        ChangeBody::UnitUpserted(_) => {
            let units: Vec<&Unit> = bodies(run, |b| match b {
                ChangeBody::UnitUpserted(u) => Some(u),
                _ => None,
            });
            upsert_units(script, &units)?;
            script.flush(&mut *conn).await?;
            let ids: Vec<&str> = units.iter().map(|u| u.id.as_str()).collect();
            reindex_units_residents(conn, &ids).await
        }
        ChangeBody::UnitDeleted { .. } => {
            let ids = bodies(run, |b| match b {
                ChangeBody::UnitDeleted { id } => Some(id.as_str()),
                _ => None,
            });
            delete_by_ids(script, DeleteFrom::Units, &ids)?;
            script.flush(&mut *conn).await?;
            reindex_units_residents(conn, &ids).await
        }
        ChangeBody::ResidentUpserted(_) => {
            let residents: Vec<&Resident> = bodies(run, |b| match b {
                ChangeBody::ResidentUpserted(r) => Some(r),
                _ => None,
            });
            upsert_residents(script, &residents)?;
            script.flush(&mut *conn).await?;
            let ids: Vec<&str> = residents.iter().map(|r| r.id.as_str()).collect();
            reindex_residents(conn, &ids).await
        }
        ChangeBody::ResidentDeleted { .. } => {
            let ids = bodies(run, |b| match b {
                ChangeBody::ResidentDeleted { id } => Some(id.as_str()),
                _ => None,
            });
            delete_by_ids(script, DeleteFrom::Residents, &ids)?;
            script.flush(&mut *conn).await?;
            reindex_residents(conn, &ids).await
        }
        ChangeBody::StaffUpserted(_) => {
            let staff: Vec<&StaffMember> = bodies(run, |b| match b {
                ChangeBody::StaffUpserted(s) => Some(s),
                _ => None,
            });
            upsert_staff(script, &staff)?;
            let ids: Vec<&str> = staff.iter().map(|s| s.id.as_str()).collect();
            messaging::reindex_staff_conversations(script, &ids)
        }
        ChangeBody::InstructionUpserted(_) => {
            let instructions: Vec<&Instruction> = bodies(run, |b| match b {
                ChangeBody::InstructionUpserted(i) => Some(i),
                _ => None,
            });
            upsert_instructions(script, &instructions)
        }
        ChangeBody::InstructionDeleted { .. } => {
            let ids = bodies(run, |b| match b {
                ChangeBody::InstructionDeleted { id } => Some(id.as_str()),
                _ => None,
            });
            delete_by_ids(script, DeleteFrom::Instructions, &ids)
        }
        ChangeBody::PackageUpserted(_) => {
            let packages: Vec<&Package> = bodies(run, |b| match b {
                ChangeBody::PackageUpserted(p) => Some(p),
                _ => None,
            });
            upsert_packages(script, &packages)
        }
        ChangeBody::PackageEventAdded(_) => {
            let events: Vec<&PackageEvent> = bodies(run, |b| match b {
                ChangeBody::PackageEventAdded(e) => Some(e),
                _ => None,
            });
            upsert_package_events(script, &events)
        }
        ChangeBody::PackageNoticeUpserted(_) => {
            let notices: Vec<&PackageNotice> = bodies(run, |b| match b {
                ChangeBody::PackageNoticeUpserted(n) => Some(n),
                _ => None,
            });
            upsert_package_notices(script, &notices)
        }
        ChangeBody::PackagePhotoAdded(_) => {
            let photos: Vec<&PackagePhoto> = bodies(run, |b| match b {
                ChangeBody::PackagePhotoAdded(p) => Some(p),
                _ => None,
            });
            upsert_package_photos(script, &photos)
        }
        ChangeBody::ConversationUpserted(_) => {
            let conversations: Vec<&Conversation> = bodies(run, |b| match b {
                ChangeBody::ConversationUpserted(c) => Some(c),
                _ => None,
            });
            messaging::upsert_conversations(script, &conversations, cx)
        }
        ChangeBody::MessageUpserted(_) => {
            let messages: Vec<&Message> = bodies(run, |b| match b {
                ChangeBody::MessageUpserted(m) => Some(m),
                _ => None,
            });
            messaging::upsert_messages(script, &messages, cx)
        }
        ChangeBody::ReactionUpserted(_) => {
            let reactions: Vec<&Reaction> = bodies(run, |b| match b {
                ChangeBody::ReactionUpserted(r) => Some(r),
                _ => None,
            });
            messaging::upsert_reactions(script, &reactions)
        }
        ChangeBody::ReceiptUpserted(_) => {
            let receipts: Vec<&Receipt> = bodies(run, |b| match b {
                ChangeBody::ReceiptUpserted(r) => Some(r),
                _ => None,
            });
            messaging::upsert_receipts(script, &receipts)
        }
        ChangeBody::ConversationPrefUpserted(_) => {
            let prefs: Vec<&ConversationPref> = bodies(run, |b| match b {
                ChangeBody::ConversationPrefUpserted(p) => Some(p),
                _ => None,
            });
            messaging::upsert_prefs(script, &prefs)
        }
    }
}

/// The payloads of a run (all of one kind, so `pick` matches each).
fn bodies<'a, T>(run: &[&'a Change], pick: impl Fn(&'a ChangeBody) -> Option<T>) -> Vec<T> {
    run.iter().filter_map(|c| pick(&c.body)).collect()
}

fn upsert_building(script: &mut Script, b: &Building) {
    script.push(
        "INSERT OR REPLACE INTO buildings (id, name, address, city, province, postal_code, country) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(b.id.clone())
    .bind(b.name.clone())
    .bind(b.address.clone())
    .bind(b.city.clone())
    .bind(b.province.clone())
    .bind(b.postal_code.clone())
    .bind(b.country.clone());
}

// The bulk statements read their rows from one JSON array bound as a parameter, in array
// order, with `jsonb_each`: it parses the array once, where `json_each` would hand each
// element over as text, parsed again by every `->>` on it. Field names are the
// protocol's serde names.

fn upsert_units(script: &mut Script, units: &[&Unit]) -> DeskResult<()> {
    script.push(
        "INSERT OR REPLACE INTO units (id, building_id, unit_number, floor_number, square_footage, \
         bedrooms, bathrooms, is_occupied, unit_type, occupant_name) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.unit_number'), json_extract(value, '$.floor_number'), \
         json_extract(value, '$.square_footage'), json_extract(value, '$.bedrooms'), \
         json_extract(value, '$.bathrooms'), json_extract(value, '$.is_occupied'), \
         json_extract(value, '$.unit_type'), json_extract(value, '$.occupant_name') \
         FROM jsonb_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(units)?);
    Ok(())
}

fn upsert_residents(script: &mut Script, residents: &[&Resident]) -> DeskResult<()> {
    script.push(
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
         FROM jsonb_each(?) ORDER BY key",
    )
    .bind(serde_json::to_string(residents)?);
    Ok(())
}

fn upsert_staff(script: &mut Script, staff: &[&StaffMember]) -> DeskResult<()> {
    script
        .push(
            "INSERT OR REPLACE INTO staff (id, building_id, name, email, role, disabled) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.name'), json_extract(value, '$.email'), \
         json_extract(value, '$.role'), json_extract(value, '$.disabled') \
         FROM jsonb_each(?) ORDER BY key",
        )
        .bind(serde_json::to_string(staff)?);
    Ok(())
}

fn upsert_instructions(script: &mut Script, instructions: &[&Instruction]) -> DeskResult<()> {
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
    script
        .push(
            "INSERT OR REPLACE INTO instructions (id, building_id, target_type, target_id, text, \
         updated_by, updated_at_ms) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.target_type'), json_extract(value, '$.target_id'), \
         json_extract(value, '$.text'), json_extract(value, '$.updated_by'), \
         json_extract(value, '$.updated_at_ms') \
         FROM jsonb_each(?) ORDER BY key",
        )
        .bind(serde_json::to_string(&rows)?);
    Ok(())
}

fn upsert_packages(script: &mut Script, packages: &[&Package]) -> DeskResult<()> {
    script
        .push(
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
         FROM jsonb_each(?) ORDER BY key",
        )
        .bind(serde_json::to_string(packages)?);
    Ok(())
}

fn upsert_package_events(script: &mut Script, events: &[&PackageEvent]) -> DeskResult<()> {
    script
        .push(
            "INSERT OR REPLACE INTO package_events (id, package_id, building_id, from_status, \
         to_status, by_staff, at_ms, note, override_reason, signature) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.package_id'), \
         json_extract(value, '$.building_id'), json_extract(value, '$.from'), \
         json_extract(value, '$.to'), json_extract(value, '$.by'), \
         json_extract(value, '$.at_ms'), json_extract(value, '$.note'), \
         json_extract(value, '$.override_reason'), json_extract(value, '$.signature') \
         FROM jsonb_each(?) ORDER BY key",
        )
        .bind(serde_json::to_string(events)?);
    Ok(())
}

fn upsert_package_notices(script: &mut Script, notices: &[&PackageNotice]) -> DeskResult<()> {
    script
        .push(
            "INSERT OR REPLACE INTO package_notices (id, package_id, building_id, resident_id, \
         kind, state, attempts, last_error, last_attempt_at_ms, sent_at_ms, created_at_ms) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.package_id'), \
         json_extract(value, '$.building_id'), json_extract(value, '$.resident_id'), \
         json_extract(value, '$.kind'), json_extract(value, '$.state'), \
         json_extract(value, '$.attempts'), json_extract(value, '$.last_error'), \
         json_extract(value, '$.last_attempt_at_ms'), json_extract(value, '$.sent_at_ms'), \
         json_extract(value, '$.created_at_ms') \
         FROM jsonb_each(?) ORDER BY key",
        )
        .bind(serde_json::to_string(notices)?);
    Ok(())
}

fn upsert_package_photos(script: &mut Script, photos: &[&PackagePhoto]) -> DeskResult<()> {
    script
        .push(
            "INSERT OR REPLACE INTO package_photos (package_id, building_id, sha256, taken_at_ms, \
         taken_by) \
         SELECT json_extract(value, '$.package_id'), json_extract(value, '$.building_id'), \
         json_extract(value, '$.sha256'), json_extract(value, '$.taken_at_ms'), \
         json_extract(value, '$.taken_by') \
         FROM jsonb_each(?) ORDER BY key",
        )
        .bind(serde_json::to_string(photos)?);
    Ok(())
}

#[derive(Clone, Copy)]
enum DeleteFrom {
    Units,
    Residents,
    Instructions,
}

fn delete_by_ids(script: &mut Script, table: DeleteFrom, ids: &[&str]) -> DeskResult<()> {
    let statement = match table {
        DeleteFrom::Units => "DELETE FROM units WHERE id IN (SELECT value FROM jsonb_each(?))",
        DeleteFrom::Residents => {
            "DELETE FROM residents WHERE id IN (SELECT value FROM jsonb_each(?))"
        }
        DeleteFrom::Instructions => {
            "DELETE FROM instructions WHERE id IN (SELECT value FROM jsonb_each(?))"
        }
    };
    script.push(statement).bind(serde_json::to_string(ids)?);
    Ok(())
}

/// Rewrites the search-index rows of residents from their stored rows (removing those
/// of residents that are gone), in three statements whatever their number.
async fn reindex_residents(conn: &mut SqliteConnection, resident_ids: &[&str]) -> DeskResult<()> {
    if resident_ids.is_empty() {
        return Ok(());
    }
    let ids = serde_json::to_string(resident_ids)?;
    sqlx::query("DELETE FROM residents_fts WHERE resident_id IN (SELECT value FROM jsonb_each(?))")
        .bind(&ids)
        .execute(&mut *conn)
        .await?;
    let sources: Vec<IndexSource> = sqlx::query_as(
        "SELECT r.id, r.first_name, r.last_name, u.unit_number, r.email, r.phone \
         FROM residents r LEFT JOIN units u ON u.id = r.unit_id \
         WHERE r.id IN (SELECT value FROM jsonb_each(?))",
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
         json_extract(value, '$.phone') FROM jsonb_each(?)",
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
        "SELECT id FROM residents WHERE unit_id IN (SELECT value FROM jsonb_each(?))",
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
