//! The background task that keeps a signed-in desk in step with its server.
//!
//! It pulls the building's change log page by page from the desk's cursor, then waits
//! for the poll interval or a wake-up (`sync_now`). A failed exchange is retried with
//! jittered backoff; the connection state it publishes is what the status bar shows.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_protocol::{DEFAULT_PULL_LIMIT, RejectCode};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

use super::backoff::Backoff;
use super::live::{self, Live, LiveLinks};
use super::status::{ConnectionState, SyncStatus};
use crate::error::{DeskErrorCode, DeskResult};
use crate::server_api::ServerApi;
use crate::store::Store;

/// After this many failed attempts in a row the desk calls itself offline rather
/// than reconnecting.
const OFFLINE_AFTER_FAILURES: u32 = 3;

/// Mutations per push: small enough that one slow request does not hold up the
/// status, large enough that a long offline queue drains in few round trips.
const PUSH_BATCH: u32 = 200;

/// What changed in the local store, for the screens showing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    Directory,
    Instructions,
    /// The outbox: something was queued, acknowledged or rejected.
    Outbox,
}

/// The channels a desk keeps across sign-ins; each engine publishes into them.
#[derive(Clone)]
pub struct SyncHandles {
    pub status: watch::Sender<SyncStatus>,
    pub changed: broadcast::Sender<Changed>,
}

/// The running sync tasks (puller and live connection). Dropping it stops them.
pub struct SyncEngine {
    wake: Arc<Notify>,
    nudge: Arc<Notify>,
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
        api: ServerApi,
        token: String,
        handles: SyncHandles,
        poll_interval: Duration,
    ) -> Self {
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
        let worker = Worker {
            store,
            api,
            token,
            handles,
            poll_interval,
            backoff: Backoff::default(),
            reconnect_now,
        };
        tasks.push(tokio::spawn(worker.run(wake.clone(), nudge.clone())));
        Self { wake, nudge, tasks }
    }

    /// Asks for a push and pull now instead of at the next poll or retry (staff asked).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A local write is queued: push it now if the server is answering. While it is not,
    /// the retry timer decides: otherwise every keystroke-sized write during an outage
    /// would cost a failed round trip and a write to the outbox, slowing the next write.
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }
}

struct Worker {
    store: Store,
    api: ServerApi,
    token: String,
    handles: SyncHandles,
    poll_interval: Duration,
    backoff: Backoff,
    /// Tells the live connection the server answers again.
    reconnect_now: Arc<Notify>,
}

impl Worker {
    async fn run(self, wake: Arc<Notify>, nudge: Arc<Notify>) {
        let mut failures: u32 = 0;
        let mut offline_since: Option<i64> = None;
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
            let round = async {
                self.push_pending().await?;
                self.pull_until_current().await
            };
            let wait = match round.await {
                Ok(()) => {
                    if failures > 0 {
                        self.reconnect_now.notify_one();
                    }
                    failures = 0;
                    offline_since = None;
                    self.publish(ConnectionState::Online).await;
                    self.poll_interval
                }
                Err(e) if e.code == DeskErrorCode::NotSignedIn => {
                    tracing::warn!("the server refused this desk's session: {e}");
                    self.publish(ConnectionState::SessionExpired).await;
                    return;
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
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(until) => break,
                    _ = wake.notified() => break,
                    _ = nudge.notified() => if failures == 0 { break },
                }
            }
        }
    }

    /// Sends the outbox in order until it is empty. A mutation the server refuses is
    /// marked rejected and the rest go on; a transport failure stops the round (the
    /// caller retries with backoff) and nothing is lost or reordered.
    async fn push_pending(&self) -> DeskResult<()> {
        let mut batch_size = PUSH_BATCH;
        loop {
            let batch = self.store.pending_batch(batch_size).await?;
            if batch.is_empty() {
                return Ok(());
            }
            match self.api.push(&self.token, &batch).await {
                Ok(answer) => {
                    self.store.record_push_results(&answer.results).await?;
                    self.notify(Changed::Outbox);
                    self.notify(Changed::Instructions);
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
                    self.notify(Changed::Outbox);
                    self.notify(Changed::Instructions);
                }
                Err(e) => {
                    let ids: Vec<_> = batch.iter().map(|m| m.id).collect();
                    self.store.record_push_failure(&ids, &e.message).await?;
                    return Err(e);
                }
            }
        }
    }

    /// Pulls pages until the server says there is no more.
    async fn pull_until_current(&self) -> DeskResult<()> {
        loop {
            let (cursor, _) = self.store.sync_cursor().await?;
            let page = self
                .api
                .pull(&self.token, cursor, DEFAULT_PULL_LIMIT)
                .await?;
            let applied = self
                .store
                .apply_changes(&page.changes, crate::now_ms())
                .await?;
            if applied.directory_changed {
                self.notify(Changed::Directory);
            }
            if applied.instructions_changed {
                self.notify(Changed::Instructions);
                self.notify(Changed::Outbox);
            }
            if !page.has_more || page.changes.is_empty() {
                return Ok(());
            }
        }
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

/// The status with the store's cursor, last sync time and outbox counts.
pub async fn status_from_store(
    store: &Store,
    connection: ConnectionState,
) -> DeskResult<SyncStatus> {
    let (cursor, last_sync_ms) = store.sync_cursor().await?;
    let outbox = store.outbox_counts().await?;
    Ok(SyncStatus {
        connection,
        last_sync_ms,
        queued: outbox.queued,
        oldest_queued_ms: outbox.oldest_queued_ms,
        rejected: outbox.rejected,
        cursor,
    })
}
