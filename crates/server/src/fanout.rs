//! The live fan-out: one ordered stream of committed changes per building, which the
//! WebSocket connections of that building forward to their desks.
//!
//! The stream is fed by reading the change log, never by handlers handing over what
//! they wrote: two transactions can commit in a different order than they took their
//! sequence numbers in, and other processes (imports, `user add`, other instances on
//! the same PostgreSQL) write too. A per-building feed task keeps `last_sent` and,
//! each time it is poked, reads the log after it and broadcasts what it finds in
//! order. A poke carries no data, so a lost, doubled or early one costs nothing:
//!
//! - this process pokes after each commit that appended changes (`sync_routes::push`);
//! - on PostgreSQL, every instance pokes on the commit-time `NOTIFY` (`pg_listen`);
//! - a slow safety poll pokes every building that has subscribers, for writers that
//!   cannot reach us (SQLite has no NOTIFY) and for notifications lost while the
//!   listener was reconnecting.
//!
//! A batch whose changes all go to the whole building is encoded once, for every
//! connection. One holding changes for some staff only (a conversation's, see
//! `audience`) is sent by each connection as the part its staff member may see, with
//! the range of the log it covers; those frames are encoded once per distinct part.
//!
//! Feeds exist only while a building has subscribers. Broadcasting never waits for a
//! subscriber: a connection that falls more than the queue behind is told so
//! ([`Next::Lagged`]) and sends the desk a poke instead.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use frontdesk_protocol::{Change, MAX_WS_FRAME_BYTES, ServerFrame};
use tokio::sync::{Notify, broadcast};
use tokio::task::AbortHandle;

use crate::audience::{self, RestrictedParts};
use crate::changelog;
use crate::db::Db;
use crate::error::Result;
use crate::shutdown::ShutdownListener;

/// Changes read per log page, hence at most per `changes` frame. Kept well under what
/// fits in [`MAX_WS_FRAME_BYTES`]; a page that still does not fit becomes a poke.
const CHANGES_PER_FRAME: u32 = 200;

/// Consecutive changes `first_seq..=last_seq`, as the connections send them.
#[derive(Debug)]
pub struct Batch {
    pub first_seq: i64,
    pub last_seq: i64,
    pub content: Content,
}

#[derive(Debug)]
pub enum Content {
    /// Changes the whole building may see: one `changes` frame for every connection.
    Everyone(Utf8Bytes),
    /// A `poke` for every connection: the changes did not fit in one frame, or some
    /// were compacted away before the feed read them. `parts`, when some were for some
    /// staff only, still moves each connection's view along.
    Poke {
        text: Utf8Bytes,
        parts: Option<RestrictedParts>,
    },
    /// Some changes are for some staff only: each connection sends what its view may
    /// see ([`RestrictedParts::frame_for`]).
    PerView(RestrictedParts),
}

/// The encoded `poke` frame telling a desk to pull up to `head_seq`.
pub fn poke_frame(head_seq: i64) -> Utf8Bytes {
    encode(&ServerFrame::Poke { head_seq })
}

pub fn encode(frame: &ServerFrame) -> Utf8Bytes {
    // Serialising our own frame types cannot fail: no maps with non-string keys.
    Utf8Bytes::from(serde_json::to_string(frame).unwrap_or_default())
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    queue_frames: usize,
    feeds: Mutex<HashMap<String, Feed>>,
}

struct Feed {
    sender: broadcast::Sender<Arc<Batch>>,
    wake: Arc<Notify>,
    last_sent: Arc<AtomicI64>,
    task: AbortHandle,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Feed {
    fn subscribe(&self) -> Subscription {
        Subscription {
            receiver: self.sender.subscribe(),
            last_sent: Arc::clone(&self.last_sent),
        }
    }
}

/// One connection's view of its building's stream.
pub struct Subscription {
    receiver: broadcast::Receiver<Arc<Batch>>,
    last_sent: Arc<AtomicI64>,
}

pub enum Next {
    Batch(Arc<Batch>),
    /// This subscriber fell behind and lost batches; everything up to `head_seq` has
    /// been broadcast, and the next batch received starts after it or is older.
    Lagged {
        head_seq: i64,
    },
    /// The feed is gone (only if its task died): reconnecting starts a new one.
    Closed,
}

impl Subscription {
    pub async fn next(&mut self) -> Next {
        match self.receiver.recv().await {
            Ok(batch) => Next::Batch(batch),
            Err(broadcast::error::RecvError::Lagged(_)) => Next::Lagged {
                head_seq: self.last_sent.load(Ordering::Acquire),
            },
            Err(broadcast::error::RecvError::Closed) => Next::Closed,
        }
    }
}

impl Hub {
    /// `queue_frames`: how many batches a subscriber may fall behind before it lags.
    pub fn new(db: Db, queue_frames: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                queue_frames: queue_frames.max(1),
                feeds: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn feeds(&self) -> std::sync::MutexGuard<'_, HashMap<String, Feed>> {
        // The map stays consistent whatever panicked while holding it.
        self.inner
            .feeds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Joins the building's stream, starting its feed if needed. The subscriber gets
    /// every batch broadcast from now on; what it needs before that it pulls.
    pub async fn subscribe(&self, building_id: &str) -> Result<Subscription> {
        if let Some(feed) = self.feeds().get(building_id) {
            return Ok(feed.subscribe());
        }
        // A new feed starts from the head read now, before the subscriber reads the
        // head it announces in its hello: the feed never starts after it, so nothing
        // committed after the hello can be skipped.
        let head = {
            let mut conn = self.inner.db.pool.acquire().await?;
            changelog::head_seq(&mut conn, building_id).await?
        };
        let mut feeds = self.feeds();
        let feed = feeds
            .entry(building_id.to_owned())
            .or_insert_with(|| self.start_feed(building_id, head));
        Ok(feed.subscribe())
    }

    fn start_feed(&self, building_id: &str, head: i64) -> Feed {
        let (sender, _) = broadcast::channel(self.inner.queue_frames);
        let wake = Arc::new(Notify::new());
        let last_sent = Arc::new(AtomicI64::new(head));
        let task = tokio::spawn(run_feed(
            self.inner.db.clone(),
            building_id.to_owned(),
            sender.clone(),
            Arc::clone(&wake),
            Arc::clone(&last_sent),
        ))
        .abort_handle();
        tracing::debug!(building = %building_id, head, "fan-out feed started");
        Feed {
            sender,
            wake,
            last_sent,
            task,
        }
    }

    /// Something may have been committed for this building: its feed reads the log.
    /// Pokes that arrive while the feed is reading are folded into one more read.
    pub fn poke(&self, building_id: &str) {
        if let Some(feed) = self.feeds().get(building_id) {
            feed.wake.notify_one();
        }
    }

    /// Pokes every building that has subscribers, and ends the feeds that have none.
    pub fn poke_all(&self) {
        let mut feeds = self.feeds();
        feeds.retain(|building, feed| {
            let keep = feed.sender.receiver_count() > 0;
            if keep {
                feed.wake.notify_one();
            } else {
                tracing::debug!(%building, "fan-out feed stopped: no subscribers");
            }
            keep
        });
    }

    /// The safety poll: [`Hub::poke_all`] every `interval` until shutdown.
    pub fn spawn_poll(&self, interval: Duration, mut shutdown: ShutdownListener) {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.wait() => break,
                    _ = ticks.tick() => hub.poke_all(),
                }
            }
        });
    }
}

/// How the connections send `changes` (read after `after`, through `last_seq`).
fn batch_content(changes: &[Change], gapless: bool, after: i64, last_seq: i64) -> Content {
    let jsons: Vec<String> = changes.iter().map(audience::change_json).collect();
    // The largest frame any connection may send of it: all of it, with its range.
    let full = audience::changes_frame(jsons.iter().map(String::as_str), Some((after, last_seq)));
    let fits = gapless && full.len() <= MAX_WS_FRAME_BYTES;
    if !audience::any_restricted(changes) {
        return if fits {
            Content::Everyone(Utf8Bytes::from(audience::changes_frame(
                jsons.iter().map(String::as_str),
                None,
            )))
        } else {
            Content::Poke {
                text: poke_frame(last_seq),
                parts: None,
            }
        };
    }
    let parts = RestrictedParts::new(changes, jsons, last_seq);
    if fits {
        Content::PerView(parts)
    } else {
        Content::Poke {
            text: poke_frame(last_seq),
            parts: Some(parts),
        }
    }
}

async fn run_feed(
    db: Db,
    building_id: String,
    sender: broadcast::Sender<Arc<Batch>>,
    wake: Arc<Notify>,
    last_sent: Arc<AtomicI64>,
) {
    loop {
        wake.notified().await;
        if let Err(e) = catch_up(&db, &building_id, &sender, &last_sent).await {
            // The next poke (at the latest the safety poll's) retries from last_sent.
            tracing::warn!(building = %building_id, error = %e, "fan-out could not read the change log");
        }
    }
}

/// Broadcasts everything committed after `last_sent`, in order, page by page.
async fn catch_up(
    db: &Db,
    building_id: &str,
    sender: &broadcast::Sender<Arc<Batch>>,
    last_sent: &AtomicI64,
) -> Result<()> {
    let mut conn = db.pool.acquire().await?;
    loop {
        let after = last_sent.load(Ordering::Acquire);
        let page = changelog::read_page(&mut conn, building_id, after, CHANGES_PER_FRAME).await?;
        let Some(last_seq) = page.changes.last().map(|c| c.seq) else {
            return Ok(());
        };
        // What this batch covers; with an uncompacted log, exactly its changes.
        let first_seq = after + 1;
        // Compaction (`log compact`) may have removed changes this feed had not sent
        // yet, a deletion among them: a frame with a hole would let a desk skip it.
        // Such a run goes out as a poke covering it; the desk's pull then decides
        // (answered 410 if its cursor is below the new horizon, and it reloads).
        let gapless = page.changes.iter().map(|c| c.seq).eq(after + 1..=last_seq);
        let content = batch_content(&page.changes, gapless, after, last_seq);
        // An error only means nobody is subscribed right now; the feed still moves on,
        // since later subscribers start from their own hello.
        let _ = sender.send(Arc::new(Batch {
            first_seq,
            last_seq,
            content,
        }));
        // Stored after the send: a lagging subscriber told "up to last_sent" finds
        // every later batch still ahead of it in the queue.
        last_sent.store(last_seq, Ordering::Release);
        if !page.has_more {
            return Ok(());
        }
    }
}
