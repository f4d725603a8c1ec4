//! The WebSocket fast path: the server pushes its committed changes as they happen.
//!
//! The change log stays the source of truth. A frame is applied only when it continues
//! this desk's cursor exactly, with no gap inside; a gap, a `poke` or a new connection
//! wakes the puller, which pulls from the cursor. A frame with a range (`after_seq`,
//! `through_seq`: it holds what this desk may see of that stretch of the log, the rest
//! being other staff's conversations) continues the cursor when it starts there, and
//! moves it to its end. Lost or late frames therefore cost a
//! pull, never a change. A connection that drops also wakes the puller, whose exchange
//! then tells whether the server itself is gone. A cursor the server no longer serves
//! is the puller's business alone (it reloads the building): the live path only wakes
//! it, and never applies a frame from a server whose hello is behind the cursor.
//!
//! Liveness has its own timer, independent of data: a ping every
//! [`Timeouts::heartbeat_every`] (15 s), and the connection is dropped when nothing
//! (pong or data) has arrived for [`Timeouts::dead_after`] (45 s). A busy stream of
//! changes cannot starve it. Reconnects
//! back off with full jitter, and happen at once when an HTTP exchange has just
//! succeeded (the server is evidently back).

use std::sync::Arc;

use frontdesk_protocol::{Change, MAX_WS_FRAME_BYTES, ServerFrame};
use futures_util::{FutureExt, SinkExt, StreamExt};
use reqwest::Url;
use tokio::sync::Notify;
use tokio::time::{Instant, MissedTickBehavior, interval};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{AUTHORIZATION, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::backoff::Backoff;
use super::engine::{Changed, SyncHandles, status_from_store};
use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::server_api::Timeouts;
use crate::store::{FrameOutcome, Store};

/// What the live connection shares with the puller.
pub struct LiveLinks {
    /// Wake the puller: a gap, a poke, or a fresh connection.
    pub pull_now: Arc<Notify>,
    /// Set by the puller after a successful exchange: reconnect without waiting.
    pub reconnect_now: Arc<Notify>,
}

pub struct Live {
    pub store: Store,
    pub url: Url,
    pub token: String,
    pub handles: SyncHandles,
    pub links: LiveLinks,
    pub backoff: Backoff,
    pub timeouts: Timeouts,
}

/// `http(s)://host/base/` → `ws(s)://host/base/v1/ws`.
pub fn ws_url(base: &Url) -> DeskResult<Url> {
    let mut url = base
        .join("v1/ws")
        .map_err(|e| DeskError::new(DeskErrorCode::InvalidServerUrl, e.to_string()))?;
    let scheme = if base.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    url.set_scheme(scheme).map_err(|()| {
        DeskError::new(
            DeskErrorCode::InvalidServerUrl,
            "no WebSocket scheme for this address",
        )
    })?;
    Ok(url)
}

impl Live {
    pub async fn run(self) {
        let mut failures: u32 = 0;
        loop {
            match self.session().await {
                Ok(()) => failures = 0,
                Err(e) => {
                    failures += 1;
                    tracing::debug!(attempt = failures, "live connection: {e}");
                }
            }
            let delay = self.backoff.delay(failures.max(1), &mut rand::rng());
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.links.reconnect_now.notified() => {}
            }
        }
    }

    /// One connection, from the upgrade until it drops. Ok when it was up and then
    /// closed or went silent; Err when it could not be established or broke.
    async fn session(&self) -> DeskResult<()> {
        let mut request = self.url.as_str().into_client_request().map_err(ws_error)?;
        let bearer = HeaderValue::from_str(&format!("Bearer {}", self.token))
            .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))?;
        request.headers_mut().insert(AUTHORIZATION, bearer);
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_WS_FRAME_BYTES))
            .max_frame_size(Some(MAX_WS_FRAME_BYTES));
        // The opening handshake is an HTTP exchange and gets the same limit: a server or
        // path that accepts the connection and then says nothing must not hold this
        // task forever (nothing else would ever reconnect it).
        let connect = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
        let (stream, _) = tokio::time::timeout(self.timeouts.request, connect)
            .await
            .map_err(|_| {
                DeskError::new(
                    DeskErrorCode::Network,
                    format!(
                        "WebSocket: no answer to the opening handshake within {:?}",
                        self.timeouts.request
                    ),
                )
            })?
            .map_err(ws_error)?;
        tracing::info!("live connection to the server is up");
        let ended = self.pump(stream).await;
        // It was up and is gone: the server may be too. Find out now rather than at the
        // next poll, so the status bar says so while staff keep working.
        self.links.pull_now.notify_one();
        ended
    }

    async fn pump(
        &self,
        stream: tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    ) -> DeskResult<()> {
        let (mut sink, mut frames) = stream.split();
        let Timeouts {
            heartbeat_every,
            dead_after,
            ..
        } = self.timeouts;
        let mut heartbeat = interval(heartbeat_every);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        loop {
            tokio::select! {
                biased;
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() >= dead_after {
                        tracing::info!("live connection silent for {dead_after:?}: dropping it");
                        return Ok(());
                    }
                    sink.send(Message::Ping(Vec::new().into())).await.map_err(ws_error)?;
                }
                frame = frames.next() => {
                    let Some(frame) = frame else { return Ok(()) };
                    last_heard = Instant::now();
                    // Frames that arrived meanwhile go with this one: their changes are
                    // applied in one transaction, so a desk that fell behind a busy
                    // building catches up instead of paying a commit per frame.
                    let mut ready = vec![frame.map_err(ws_error)?];
                    let mut stream_ended = false;
                    while ready.len() < FRAMES_PER_APPLY {
                        match frames.next().now_or_never() {
                            Some(Some(frame)) => ready.push(frame.map_err(ws_error)?),
                            Some(None) => {
                                stream_ended = true;
                                break;
                            }
                            None => break,
                        }
                    }
                    let closed = self.on_messages(ready).await?;
                    if closed || stream_ended {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Handles messages in arrival order, consecutive `changes` frames that continue
    /// each other together. True when the server closed the connection.
    async fn on_messages(&self, messages: Vec<Message>) -> DeskResult<bool> {
        let mut run: Option<Stretch> = None;
        for message in messages {
            match message {
                Message::Text(text) => match parse_frame(text.as_str())? {
                    ServerFrame::Changes {
                        changes,
                        after_seq,
                        through_seq,
                    } => match Covers::of(changes, after_seq, through_seq)? {
                        Covers::Stretch(next) => {
                            if let Some(joined) = run.as_mut().filter(|r| r.through == next.after) {
                                joined.through = next.through;
                                joined.changes.extend(next.changes);
                            } else {
                                self.on_stretch(run.replace(next)).await?;
                            }
                        }
                        Covers::Nothing => {}
                        Covers::Gap => {
                            self.on_stretch(run.take()).await?;
                            self.links.pull_now.notify_one();
                        }
                    },
                    other => {
                        self.on_stretch(run.take()).await?;
                        self.on_signal(other).await?;
                    }
                },
                Message::Close(_) => {
                    self.on_stretch(run).await?;
                    return Ok(true);
                }
                // Pings are answered by tungstenite; pongs only prove life.
                _ => {}
            }
        }
        self.on_stretch(run).await?;
        Ok(false)
    }

    /// A `hello` or a `poke`.
    async fn on_signal(&self, frame: ServerFrame) -> DeskResult<()> {
        match frame {
            ServerFrame::Hello { head_seq } => {
                let cursor = self.store.sync_cursor().await?.0;
                if head_seq < cursor {
                    // This server's log ends before this desk's cursor: it does not
                    // know this desk's history (restored from an older backup, or
                    // another server), so its frames cannot be trusted to continue
                    // the cursor. The puller's pull is refused (410) and reloads the
                    // building; meanwhile this connection goes, and comes back with
                    // backoff (an error counts as a failure).
                    self.links.pull_now.notify_one();
                    return Err(DeskError::new(
                        DeskErrorCode::CursorExpired,
                        format!(
                            "the server's head {head_seq} is behind this desk's cursor {cursor}"
                        ),
                    ));
                }
                // A new connection proves the server is back: exchange now, which
                // also pushes a queue that built up meanwhile, rather than at the
                // retry timer.
                self.links.pull_now.notify_one();
            }
            ServerFrame::Poke { head_seq } => {
                if head_seq > self.store.sync_cursor().await?.0 {
                    self.links.pull_now.notify_one();
                }
            }
            ServerFrame::Changes {
                changes,
                after_seq,
                through_seq,
            } => match Covers::of(changes, after_seq, through_seq)? {
                Covers::Stretch(stretch) => self.on_stretch(Some(stretch)).await?,
                Covers::Nothing => {}
                Covers::Gap => self.links.pull_now.notify_one(),
            },
        }
        Ok(())
    }

    /// The changes of one or more consecutive frames, applied in one transaction when
    /// together they continue the cursor.
    async fn on_stretch(&self, stretch: Option<Stretch>) -> DeskResult<()> {
        let Some(Stretch {
            after,
            through,
            changes,
        }) = stretch
        else {
            return Ok(());
        };
        let now_ms = crate::now_ms();
        match self
            .store
            .apply_range(&changes, after, through, now_ms)
            .await?
        {
            FrameOutcome::Applied(applied) => {
                if applied.directory_changed {
                    let _ = self.handles.changed.send(Changed::Directory);
                }
                if applied.instructions_changed {
                    let _ = self.handles.changed.send(Changed::Instructions);
                    let _ = self.handles.changed.send(Changed::Outbox);
                }
                if applied.packages_changed {
                    let _ = self.handles.changed.send(Changed::Packages);
                    let _ = self.handles.changed.send(Changed::Outbox);
                }
                if applied.messages_changed {
                    let _ = self.handles.changed.send(Changed::Messages);
                    let _ = self.handles.changed.send(Changed::Outbox);
                }
                if applied.echoes == 0 && applied.receipts_queued == 0 {
                    // Other desks' changes: only the cursor and the sync time moved,
                    // and reading the store for the rest would cost a query per frame.
                    self.handles.status.send_modify(|status| {
                        status.cursor = status.cursor.max(applied.cursor);
                        status.last_sync_ms = Some(now_ms);
                    });
                } else {
                    let connection = self.handles.status.borrow().connection.clone();
                    self.handles
                        .status
                        .send_replace(status_from_store(&self.store, connection).await?);
                }
            }
            FrameOutcome::AlreadyHave => {}
            FrameOutcome::Gap => self.links.pull_now.notify_one(),
        }
        Ok(())
    }
}

/// A stretch of the log as frames bring it: every change with `after < seq <=
/// through` that this desk may see.
#[derive(Debug)]
struct Stretch {
    after: i64,
    through: i64,
    changes: Vec<Change>,
}

/// What a `changes` frame covers.
#[derive(Debug)]
enum Covers {
    Stretch(Stretch),
    /// An empty frame without a range.
    Nothing,
    /// A frame without a range with a gap inside: something was missed, pull.
    Gap,
}

impl Covers {
    /// A frame with a range covers it; one without (the gapless kind) covers its first
    /// to last change.
    fn of(
        changes: Vec<Change>,
        after_seq: Option<i64>,
        through_seq: Option<i64>,
    ) -> DeskResult<Self> {
        match (after_seq, through_seq) {
            (Some(after), Some(through)) if after < through => Ok(Self::Stretch(Stretch {
                after,
                through,
                changes,
            })),
            (None, None) => {
                let (Some(first), Some(last)) = (changes.first(), changes.last()) else {
                    return Ok(Self::Nothing);
                };
                let (first, last) = (first.seq, last.seq);
                if !changes.iter().map(|c| c.seq).eq(first..=last) {
                    return Ok(Self::Gap);
                }
                Ok(Self::Stretch(Stretch {
                    after: first - 1,
                    through: last,
                    changes,
                }))
            }
            _ => Err(DeskError::new(
                DeskErrorCode::BadResponse,
                format!("a changes frame with a broken range: {after_seq:?}..{through_seq:?}"),
            )),
        }
    }
}

/// At most this many frames already received are handled together (each holds at most
/// the server's 200 changes).
const FRAMES_PER_APPLY: usize = 32;

fn parse_frame(text: &str) -> DeskResult<ServerFrame> {
    serde_json::from_str(text).map_err(|e| {
        DeskError::new(
            DeskErrorCode::BadResponse,
            format!("unreadable WebSocket frame: {e}"),
        )
    })
}

fn ws_error(e: tokio_tungstenite::tungstenite::Error) -> DeskError {
    use tokio_tungstenite::tungstenite::Error as E;
    let code = match &e {
        E::Http(resp) if resp.status() == 401 => DeskErrorCode::NotSignedIn,
        _ => DeskErrorCode::Network,
    };
    DeskError::new(code, format!("WebSocket: {e}"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::{broadcast, watch};

    use super::*;
    use crate::sync::ConnectionState;

    /// A server that accepts connections and never says a word, as a dead network
    /// path or a hung server looks from the desk.
    async fn silent_server() -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        addr
    }

    #[tokio::test]
    async fn an_unanswered_opening_handshake_gives_up() {
        let addr = silent_server().await;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
        let status = status_from_store(&store, ConnectionState::SignedOut)
            .await
            .unwrap();
        let live = Live {
            store,
            url: Url::parse(&format!("ws://{addr}/v1/ws")).unwrap(),
            token: "token".into(),
            handles: SyncHandles {
                status: watch::channel(status).0,
                changed: broadcast::channel(4).0,
            },
            links: LiveLinks {
                pull_now: Arc::new(Notify::new()),
                reconnect_now: Arc::new(Notify::new()),
            },
            backoff: Backoff::default(),
            timeouts: Timeouts {
                request: Duration::from_millis(300),
                ..Timeouts::default()
            },
        };
        // Stuck there, the live connection would never come back, even once the
        // server answers again.
        let ended = tokio::time::timeout(Duration::from_secs(10), live.session()).await;
        let error = ended
            .expect("the handshake gives up after the request timeout")
            .unwrap_err();
        assert_eq!(error.code, DeskErrorCode::Network, "{error}");
    }

    #[test]
    fn ws_url_follows_the_server_address() {
        let http = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(ws_url(&http).unwrap().as_str(), "ws://127.0.0.1:8080/v1/ws");
        let https = Url::parse("https://desk.example/frontdesk/").unwrap();
        assert_eq!(
            ws_url(&https).unwrap().as_str(),
            "wss://desk.example/frontdesk/v1/ws"
        );
    }
}
