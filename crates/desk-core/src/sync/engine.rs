//! The background task that keeps a signed-in desk in step with its server.
//!
//! It pulls the building's change log page by page from the desk's cursor, then waits
//! for the poll interval or a wake-up (`sync_now`). A failed exchange is retried with
//! jittered backoff; the connection state it publishes is what the status bar shows.
//!
//! When the server no longer serves the cursor (410 `cursor_expired`: its log was
//! compacted past it, or it is a restored or different server), the puller reloads
//! the building from 0 (a full resync), keeping the outbox. A second refusal before
//! the server has served it again is a hard error: the status says so and syncing
//! waits for staff's Sync now, rather than reloading over and over.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_protocol::{
    MAX_PULL_LIMIT, MAX_PUSH_BATCH, Mutation, MutationBody, PullResponse, RejectCode,
};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::backoff::Backoff;
use super::live::{self, Live, LiveLinks};
use super::status::{ConnectionState, SyncStatus};
use super::uploads::{self, Uploaded};
use crate::blobs::BlobStore;
use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::server_api::ServerApi;
use crate::store::Store;

/// After this many failed attempts in a row the desk calls itself offline rather
/// than reconnecting.
const OFFLINE_AFTER_FAILURES: u32 = 3;

/// Mutations per push at most: as many as the server takes, so a long offline queue
/// drains in few round trips (the server commits each push once).
const PUSH_BATCH: u32 = MAX_PUSH_BATCH as u32;

/// Serialized size of a push at most, well under the server's 1 MiB body limit:
/// instructions run up to 2000 characters, and 500 long ones would not fit.
const PUSH_BYTES: usize = 512 * 1024;

/// How long a queue of nothing but delivered receipts waits before it is pushed. A desk
/// receiving a busy conversation queues a receipt per applied frame; pushed at once,
/// each would be a request, a write on the server and a change sent to every
/// participant's desk, every few milliseconds. Held this long, later ones supersede
/// earlier ones first, and "delivered" still shows well within a second. Anything else
/// queued behind them goes at once, and takes them along.
const RECEIPT_HOLD: Duration = Duration::from_millis(250);

/// Changes per pull page: the most the server gives, so a fresh desk's first sync
/// takes few round trips and few (durable) transactions.
const PULL_PAGE: u32 = MAX_PULL_LIMIT;

/// What changed in the local store, for the screens showing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    Directory,
    Instructions,
    Packages,
    /// Conversations and messages (see `messaging`).
    Messages,
    /// The outbox: something was queued, acknowledged or rejected.
    Outbox,
}

/// The channels a desk keeps across sign-ins; each engine publishes into them.
#[derive(Clone)]
pub struct SyncHandles {
    pub status: watch::Sender<SyncStatus>,
    pub changed: broadcast::Sender<Changed>,
}

/// The session an engine syncs with: its token, and whose writes it sends.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub token: String,
    /// The signed-in staff member: only their queued writes are pushed (see
    /// [`Store::pending_batch`]).
    pub staff_id: String,
}

/// The running sync tasks (puller and live connection). Dropping it stops them.
pub struct SyncEngine {
    wake: Arc<Notify>,
    nudge: Arc<Notify>,
    /// Counts staff's "Sync now": the only thing that restarts syncing after a failed
    /// full resync (anything automatic could loop).
    staff_retry: watch::Sender<u64>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for SyncEngine {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl SyncEngine {
    pub fn start(
        store: Store,
        blobs: BlobStore,
        api: ServerApi,
        credentials: Credentials,
        handles: SyncHandles,
        poll_interval: Duration,
    ) -> Self {
        let Credentials { token, staff_id } = credentials;
        let wake = Arc::new(Notify::new());
        let nudge = Arc::new(Notify::new());
        let reconnect_now = Arc::new(Notify::new());
        let mut tasks = Vec::new();
        match live::ws_url(api.base()) {
            Ok(url) => {
                let live = Live {
                    store: store.clone(),
                    url,
                    token: token.clone(),
                    handles: handles.clone(),
                    links: LiveLinks {
                        pull_now: wake.clone(),
                        reconnect_now: reconnect_now.clone(),
                    },
                    backoff: Backoff::default(),
                    timeouts: api.timeouts(),
                };
                tasks.push(tokio::spawn(live.run()));
            }
            Err(e) => tracing::error!("no live connection: {e}"),
        }
        tasks.push(tokio::spawn(checkpoints(store.clone())));
        let (staff_retry, staff_retries) = watch::channel(0);
        let worker = Worker {
            store,
            blobs,
            api,
            token,
            staff_id,
            handles,
            poll_interval,
            backoff: Backoff::default(),
            reconnect_now,
        };
        tasks.push(tokio::spawn(worker.run(
            wake.clone(),
            nudge.clone(),
            staff_retries,
        )));
        Self {
            wake,
            nudge,
            staff_retry,
            tasks,
        }
    }

    /// Asks for a push and pull now instead of at the next poll or retry.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A local write is queued: push it now if the server is answering. While it is not,
    /// the retry timer decides: otherwise every keystroke-sized write during an outage
    /// would cost a failed round trip and a write to the outbox, slowing the next write.
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }

    /// Staff pressed Sync now: [`SyncEngine::wake`], and also restarts syncing
    /// after a failed full resync.
    pub fn sync_now(&self) {
        self.staff_retry.send_modify(|n| *n = n.wrapping_add(1));
        self.wake.notify_one();
    }
}

/// What a [`Worker::push_pending`] did.
#[derive(Debug, Default, Clone, Copy)]
struct Pushed {
    /// At least one push was answered.
    sent: bool,
    /// It stopped at a queue of young delivered receipts, to be pushed then.
    receipts_held_until: Option<tokio::time::Instant>,
}

/// When `batch` (read with `limit`) is the whole queue and holds nothing but delivered
/// receipts: until when to hold it, [`RECEIPT_HOLD`] from when holding began (`since`,
/// kept across rounds). Not from the receipts' own age: each new one supersedes the one
/// before, and in a conversation that never pauses they would be held for ever.
/// `None`: push now (and holding starts over next time).
fn receipts_to_hold(
    batch: &[Mutation],
    limit: u32,
    since: &mut Option<tokio::time::Instant>,
    now: tokio::time::Instant,
) -> Option<tokio::time::Instant> {
    let whole_queue = batch.len() < limit as usize;
    let only_receipts = !batch.is_empty()
        && batch
            .iter()
            .all(|m| matches!(&m.body, MutationBody::ReceiptMark(r) if r.read_through.is_none()));
    let until = *since.get_or_insert(now) + RECEIPT_HOLD;
    if whole_queue && only_receipts && now < until {
        return Some(until);
    }
    *since = None;
    None
}

/// How often the WAL that the applies leave is copied into the database file (the
/// apply connection never does it itself: see the `store` module docs).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Checkpoints the store every [`CHECKPOINT_EVERY`] while the engine runs.
async fn checkpoints(store: Store) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = store.checkpoint().await {
            // Nothing is lost: the WAL keeps it, and the next tick tries again.
            tracing::warn!("store checkpoint: {e}");
        }
    }
}

/// What the puller knows about full resyncs, across rounds.
#[derive(Debug, Default)]
struct ResyncGuard {
    /// A full resync started and the server has not yet served a pull after a
    /// non-zero cursor since: another 410 now would start a loop, so it is a hard
    /// error ([`DeskErrorCode::ResyncFailed`]) instead.
    unconfirmed: bool,
}

struct Worker {
    store: Store,
    blobs: BlobStore,
    api: ServerApi,
    token: String,
    staff_id: String,
    handles: SyncHandles,
    poll_interval: Duration,
    backoff: Backoff,
    /// Tells the live connection the server answers again.
    reconnect_now: Arc<Notify>,
}

impl Worker {
    async fn run(
        self,
        wake: Arc<Notify>,
        nudge: Arc<Notify>,
        mut staff_retries: watch::Receiver<u64>,
    ) {
        let mut failures: u32 = 0;
        let mut offline_since: Option<i64> = None;
        let mut resync = ResyncGuard::default();
        // Whether this round is only for a local write just queued (see `round`).
        let mut nudged = false;
        // Since when a queue of only delivered receipts has been held back.
        let mut receipts_since = None;
        loop {
            if failures > 0 {
                // Say so while the attempt runs: after an outage the queue drains during
                // it, and "offline" would be wrong while writes are being sent.
                self.publish(ConnectionState::Reconnecting {
                    attempt: failures + 1,
                    next_attempt_at_ms: crate::now_ms(),
                })
                .await;
            }
            let wait = match self.round(&mut resync, nudged, &mut receipts_since).await {
                Ok(round) => {
                    if failures > 0 {
                        self.reconnect_now.notify_one();
                    }
                    failures = 0;
                    offline_since = None;
                    self.publish(ConnectionState::Online).await;
                    match round.receipts_held_until {
                        Some(until) => until
                            .saturating_duration_since(tokio::time::Instant::now())
                            .min(self.poll_interval),
                        None => self.poll_interval,
                    }
                }
                Err(e) if e.code == DeskErrorCode::NotSignedIn => {
                    tracing::warn!("the server refused this desk's session: {e}");
                    self.publish(ConnectionState::SessionExpired).await;
                    return;
                }
                Err(e) if e.code == DeskErrorCode::ResyncFailed => {
                    tracing::error!("sync stopped until staff retry: {e}");
                    // Wake-ups from the live connection and the poll would only
                    // repeat it: wait for staff's next Sync now. Earlier presses are
                    // marked seen before the state is shown, not after: a press made
                    // once staff see it must not be taken for an earlier one.
                    staff_retries.borrow_and_update();
                    self.publish(ConnectionState::ResyncFailed {
                        since_ms: crate::now_ms(),
                    })
                    .await;
                    if staff_retries.changed().await.is_err() {
                        return;
                    }
                    tracing::info!("staff asked to sync again: a new full resync may start");
                    self.publish(ConnectionState::Reconnecting {
                        attempt: 0,
                        next_attempt_at_ms: crate::now_ms(),
                    })
                    .await;
                    resync = ResyncGuard::default();
                    failures = 0;
                    offline_since = None;
                    continue;
                }
                Err(e) => {
                    failures += 1;
                    let delay = self.backoff.delay(failures, &mut rand::rng());
                    let next_attempt_at_ms = crate::now_ms() + delay.as_millis() as i64;
                    let state = if failures >= OFFLINE_AFTER_FAILURES {
                        let since_ms = *offline_since.get_or_insert_with(crate::now_ms);
                        ConnectionState::Offline {
                            since_ms,
                            next_attempt_at_ms,
                        }
                    } else {
                        ConnectionState::Reconnecting {
                            attempt: failures,
                            next_attempt_at_ms,
                        }
                    };
                    if e.is_network() {
                        tracing::info!(attempt = failures, ?delay, "sync: {e}");
                    } else {
                        tracing::error!(attempt = failures, ?delay, "sync failed: {e}");
                    }
                    self.publish(state).await;
                    delay
                }
            };
            let until = tokio::time::Instant::now() + wait;
            nudged = false;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(until) => break,
                    _ = wake.notified() => break,
                    _ = nudge.notified() => if failures == 0 {
                        nudged = true;
                        break;
                    },
                }
            }
        }
    }

    /// Sends the outbox in order until it is empty (the signed-in staff member's
    /// writes). A mutation the server refuses is marked rejected and the rest go on; a
    /// transport failure stops the round (the caller retries with backoff) and nothing
    /// is lost or reordered.
    ///
    /// The attachments of the messages in a batch are uploaded first: a message never
    /// reaches the server before its files. A failed upload stops the push at its
    /// message (those before it still go); one the server refuses for good rejects the
    /// message with the server's reason.
    ///
    /// A queue of nothing but young delivered receipts is held (see [`RECEIPT_HOLD`]).
    async fn push_pending(
        &self,
        receipts_since: &mut Option<tokio::time::Instant>,
    ) -> DeskResult<Pushed> {
        let mut batch_size = PUSH_BATCH;
        let mut pushed = Pushed::default();
        loop {
            // Nothing is in flight here: receipt marks queued since the last push that a
            // later one covers need not go at all.
            if self.store.supersede_receipts().await? > 0 {
                self.notify(Changed::Outbox);
            }
            let mut batch = self.store.pending_batch(batch_size, &self.staff_id).await?;
            if batch.is_empty() {
                return Ok(pushed);
            }
            let now = tokio::time::Instant::now();
            if let Some(until) = receipts_to_hold(&batch, batch_size, receipts_since, now) {
                pushed.receipts_held_until = Some(until);
                return Ok(pushed);
            }
            pushed.sent = true;
            fit_in_one_push(&mut batch);
            let stopped = match uploads::prepare(&self.blobs, &self.api, &self.token, &batch).await
            {
                Uploaded::All => None,
                Uploaded::Refused { id, reason } => {
                    tracing::warn!(mutation = %id, "an attachment was refused: {reason}");
                    self.store
                        .reject_mutation(id, RejectCode::Invalid, &reason)
                        .await?;
                    self.notify_outbox_changed();
                    // The next batch is read again without it.
                    continue;
                }
                Uploaded::StoppedAt(index, e) => {
                    let ids: Vec<_> = batch[index..].iter().map(|m| m.id).collect();
                    self.store.record_push_failure(&ids, &e.message).await?;
                    batch.truncate(index);
                    Some(e)
                }
            };
            if batch.is_empty() {
                return Err(stopped.expect("an empty batch stopped at its first upload"));
            }
            let started = std::time::Instant::now();
            match self.api.push(&self.token, &batch).await {
                Ok(answer) => {
                    let answered = started.elapsed();
                    self.store.record_push_results(&answer.results).await?;
                    tracing::debug!(
                        mutations = batch.len(),
                        ?answered,
                        recorded = ?started.elapsed() - answered,
                        "pushed"
                    );
                    self.notify_outbox_changed();
                    if let Some(e) = stopped {
                        return Err(e);
                    }
                }
                // The request as a whole was refused (too large, malformed): find the
                // culprit by sending one at a time, and reject only it.
                Err(e) if e.code == DeskErrorCode::InvalidInput && batch.len() > 1 => {
                    batch_size = 1
                }
                Err(e) if e.code == DeskErrorCode::InvalidInput => {
                    tracing::warn!(mutation = %batch[0].id, "the server refused a mutation: {e}");
                    self.store
                        .reject_mutation(batch[0].id, RejectCode::Invalid, &e.message)
                        .await?;
                    self.notify_outbox_changed();
                }
                Err(e) => {
                    let ids: Vec<_> = batch.iter().map(|m| m.id).collect();
                    self.store.record_push_failure(&ids, &e.message).await?;
                    return Err(e);
                }
            }
        }
    }

    /// One exchange with the server: the outbox out, then the log in. After a full
    /// resync, the writes it put back in the queue go out again, and the log is
    /// pulled once more (a 410 there is a hard error, see [`ResyncGuard`]).
    ///
    /// A round `nudged` for a local write that turned out to be only receipts to hold
    /// sent nothing, so it has nothing to pull for either: the live connection brings
    /// the log meanwhile (a busy conversation nudges after every frame it applies).
    async fn round(
        &self,
        resync: &mut ResyncGuard,
        nudged: bool,
        receipts_since: &mut Option<tokio::time::Instant>,
    ) -> DeskResult<Pushed> {
        let pushed = self.push_pending(receipts_since).await?;
        if nudged && !pushed.sent && pushed.receipts_held_until.is_some() {
            return Ok(pushed);
        }
        if self.pull_until_current(resync).await? == Pulled::AfterFullResync {
            let again = self.push_pending(receipts_since).await?;
            self.pull_until_current(resync).await?;
            return Ok(again);
        }
        Ok(pushed)
    }

    /// Pulls pages until the server says there is no more. When the server no longer
    /// serves the cursor (410 `cursor_expired`), reloads the building from 0 on the
    /// way: one code path, so a refusal can never become a loop of them.
    async fn pull_until_current(&self, resync: &mut ResyncGuard) -> DeskResult<Pulled> {
        let mut pulled = Pulled::Incremental;
        // The next page, asked for while the previous one was being applied: a fresh
        // desk's first sync is a long series of pages, and the network and the server
        // then work while the store writes.
        let mut prefetched: Option<(i64, DeskResult<PullResponse>)> = None;
        loop {
            let (after, answer) = match prefetched.take() {
                Some(next) => next,
                None => {
                    let position = self.store.sync_position().await?;
                    let answer = self
                        .api
                        .pull(
                            &self.token,
                            position.cursor,
                            position.horizon_seq,
                            PULL_PAGE,
                        )
                        .await;
                    (position.cursor, answer)
                }
            };
            let page = match answer {
                Ok(page) => {
                    if after > 0 {
                        resync.unconfirmed = false;
                    }
                    page
                }
                Err(e) if e.code == DeskErrorCode::CursorExpired => {
                    if resync.unconfirmed {
                        return Err(refused_again(after, &e));
                    }
                    resync.unconfirmed = true;
                    pulled = Pulled::AfterFullResync;
                    let page = self.start_full_resync(after, &e).await?;
                    if !page.has_more || page.changes.is_empty() {
                        return Ok(pulled);
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            // Where the store will stand once this page is applied, and so what the
            // next pull asks for.
            let next = match page.changes.last() {
                Some(last) if page.has_more => Some((last.seq, page.horizon_seq)),
                _ => None,
            };
            let (applied, next_answer) =
                tokio::join!(self.store.apply_page(&page, crate::now_ms()), async {
                    match next {
                        Some((after, horizon)) => Some((
                            after,
                            self.api
                                .pull(&self.token, after, Some(horizon), PULL_PAGE)
                                .await,
                        )),
                        None => None,
                    }
                });
            let applied = applied?;
            if applied.directory_changed {
                self.notify(Changed::Directory);
            }
            if applied.instructions_changed {
                self.notify(Changed::Instructions);
                self.notify(Changed::Outbox);
            }
            if applied.packages_changed {
                self.notify(Changed::Packages);
                self.notify(Changed::Outbox);
            }
            if applied.messages_changed {
                self.notify(Changed::Messages);
                self.notify(Changed::Outbox);
            }
            match next_answer {
                Some(next) => prefetched = Some(next),
                None => {
                    if pulled == Pulled::AfterFullResync {
                        tracing::info!(cursor = page.head_seq, "full resync done");
                    }
                    return Ok(pulled);
                }
            }
        }
    }

    /// Pulls the first page from 0 and makes it the store's whole server state (see
    /// [`Store::start_full_resync`]); returns it, for the caller to go on from.
    async fn start_full_resync(
        &self,
        cursor: i64,
        refusal: &DeskError,
    ) -> DeskResult<frontdesk_protocol::PullResponse> {
        let queued = self.store.outbox_counts().await?.queued;
        tracing::warn!(
            cursor,
            queued,
            "the server no longer serves this desk's cursor ({refusal}): reloading the \
             building from the start; queued writes are kept"
        );
        let first = self
            .api
            .pull(&self.token, 0, None, PULL_PAGE)
            .await
            .map_err(|e| {
                if e.code == DeskErrorCode::CursorExpired {
                    refused_again(0, &e)
                } else {
                    e
                }
            })?;
        self.store
            .start_full_resync(&first, crate::now_ms())
            .await?;
        self.notify(Changed::Directory);
        self.notify(Changed::Instructions);
        self.notify(Changed::Packages);
        self.notify(Changed::Messages);
        self.notify(Changed::Outbox);
        // The status says a full resync happened, whatever the connection shows.
        let connection = self.handles.status.borrow().connection.clone();
        self.publish(connection).await;
        Ok(first)
    }

    fn notify_outbox_changed(&self) {
        self.notify(Changed::Outbox);
        self.notify(Changed::Instructions);
        self.notify(Changed::Packages);
    }

    fn notify(&self, what: Changed) {
        // No receiver (no window) is fine.
        let _ = self.handles.changed.send(what);
    }

    async fn publish(&self, connection: ConnectionState) {
        match status_from_store(&self.store, connection).await {
            Ok(status) => {
                self.handles.status.send_replace(status);
            }
            Err(e) => tracing::error!("reading sync status: {e}"),
        }
    }
}

/// How a pull ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pulled {
    /// From the cursor, as usual.
    Incremental,
    /// The cursor had expired: the building was reloaded from 0.
    AfterFullResync,
}

/// Keeps the head of `batch` that fits in [`PUSH_BYTES`] (at least one mutation: a
/// single one too large for the server is its to refuse).
fn fit_in_one_push(batch: &mut Vec<frontdesk_protocol::Mutation>) {
    let mut bytes = 0;
    let fits = batch
        .iter()
        .take_while(|m| {
            bytes += serde_json::to_vec(m).map_or(usize::MAX / 2, |v| v.len() + 1);
            bytes <= PUSH_BYTES
        })
        .count();
    batch.truncate(fits.max(1));
}

fn refused_again(cursor: i64, refusal: &DeskError) -> DeskError {
    DeskError::new(
        DeskErrorCode::ResyncFailed,
        format!(
            "the server refused cursor {cursor} right after a full resync ({refusal}); \
             syncing stops until staff press Sync now"
        ),
    )
}

/// The status with the store's cursor, last sync time and outbox counts.
pub async fn status_from_store(
    store: &Store,
    connection: ConnectionState,
) -> DeskResult<SyncStatus> {
    // One statement: this runs after every write and every applied frame.
    let (cursor, last_sync_ms, last_full_resync_ms, queued, oldest_queued_ms, rejected): (
        i64,
        Option<i64>,
        Option<i64>,
        i64,
        Option<i64>,
        i64,
    ) = sqlx::query_as(
        "SELECT s.cursor, s.last_sync_ms, s.last_resync_ms, \
         (SELECT n FROM outbox_tally WHERE state = 'pending'), \
         (SELECT client_time_ms FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1), \
         (SELECT n FROM outbox_tally WHERE state = 'rejected') \
         FROM sync_state s WHERE s.id = 1",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(SyncStatus {
        connection,
        last_sync_ms,
        queued: u32::try_from(queued).unwrap_or(u32::MAX),
        oldest_queued_ms,
        rejected: u32::try_from(rejected).unwrap_or(u32::MAX),
        cursor,
        last_full_resync_ms,
    })
}

#[cfg(test)]
mod tests {
    use frontdesk_protocol::{InstructionTarget, Mutation, MutationBody, ReceiptMark};

    use super::*;

    fn save(text_chars: usize) -> Mutation {
        Mutation {
            id: uuid::Uuid::now_v7(),
            client_time_ms: 0,
            body: MutationBody::InstructionSave {
                id: uuid::Uuid::now_v7().to_string(),
                target: InstructionTarget::Unit("u-1".into()),
                text: "é".repeat(text_chars),
            },
        }
    }

    #[test]
    fn a_push_stays_under_the_byte_budget() {
        let mut long: Vec<Mutation> = (0..500).map(|_| save(2000)).collect();
        fit_in_one_push(&mut long);
        let bytes = serde_json::to_vec(&long).unwrap().len();
        assert!(long.len() > 1 && long.len() < 500, "{} kept", long.len());
        assert!(bytes <= PUSH_BYTES, "{bytes} bytes");

        let mut short: Vec<Mutation> = (0..500).map(|_| save(20)).collect();
        fit_in_one_push(&mut short);
        assert_eq!(short.len(), 500, "short ones all go");

        let mut huge = vec![save(400_000), save(10)];
        fit_in_one_push(&mut huge);
        assert_eq!(huge.len(), 1, "one too large still goes, alone");
    }

    fn mark(delivered: i64, read: Option<i64>) -> Mutation {
        Mutation {
            id: uuid::Uuid::now_v7(),
            client_time_ms: 0,
            body: MutationBody::ReceiptMark(ReceiptMark {
                conversation_id: "c-1".into(),
                delivered_through: Some(delivered),
                read_through: read,
            }),
        }
    }

    #[test]
    fn delivered_receipts_wait_a_little_but_never_for_ever() {
        let t0 = tokio::time::Instant::now();
        let step = Duration::from_millis(10);
        let mut since = None;
        // A conversation that never pauses: a fresh receipt (superseding the last) at
        // every round. They are held, then pushed once the hold is over, then held
        // again.
        let mut pushed_at = Vec::new();
        for n in 0..60 {
            let now = t0 + step * n;
            if receipts_to_hold(&[mark(i64::from(n), None)], 500, &mut since, now).is_none() {
                pushed_at.push(now - t0);
            }
        }
        assert_eq!(
            pushed_at,
            [RECEIPT_HOLD, RECEIPT_HOLD * 2 + step],
            "pushed every hold, however often new receipts come"
        );

        // Anything else in the queue, a read receipt, or a queue longer than one batch:
        // at once.
        let mut since = None;
        assert_eq!(
            receipts_to_hold(&[mark(3, None), save(5)], 500, &mut since, t0),
            None
        );
        assert_eq!(
            receipts_to_hold(&[mark(3, Some(3))], 500, &mut since, t0),
            None
        );
        assert_eq!(
            receipts_to_hold(&[mark(3, None), mark(4, None)], 2, &mut since, t0),
            None
        );
        assert_eq!(
            receipts_to_hold(&[mark(3, None)], 500, &mut since, t0),
            Some(t0 + RECEIPT_HOLD)
        );
    }
}
