//! `GET /v1/ws`: the WebSocket fast path. One task per connection forwards its
//! building's fan-out stream (see `fanout`) to the desk.
//!
//! What a desk receives: `hello {head_seq}` first, then `changes` frames that continue
//! each other exactly (the first seq of each is one past the last seq sent before) and
//! `poke {head_seq}` frames where a run of changes is not sent (the connection fell
//! behind, or the batch did not fit in a frame): the desk pulls up to there, and the
//! next `changes` frame continues after it. Anything that would break that rule is
//! turned into a poke, so a connection never shows a gap or goes backwards.
//!
//! A batch holding changes for some staff only (a conversation's) is sent as a
//! `changes` frame with a range (`after_seq` = the end of the last frame this desk
//! was sent, `through_seq` = the batch's last seq) holding what this desk's staff
//! member may see: the range continues the desk's cursor exactly. A batch this desk
//! may see nothing of is not sent at once: the next frame's range covers it, or, when
//! nothing else comes within [`COVER_DELAY`], one empty ranged frame covers all that
//! was held back. Most of a building's messages are for a few desks; without this,
//! every desk would receive (and commit, to move its cursor) a frame per message of
//! every conversation in the building. Each connection keeps the conversations of its
//! staff member as of its cursor (see `audience`).
//!
//! Liveness: a WebSocket ping every `ws_ping_interval`; a desk silent for three
//! intervals (no pong, no frame at all) is closed, and so is one whose session was
//! revoked, expired or whose account was disabled (the token is re-checked at each
//! ping). A send that cannot complete within the same three intervals (the desk stopped
//! reading) closes the connection too, so a stuck desk holds nothing but its own task.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use frontdesk_protocol::{MAX_WS_FRAME_BYTES, ServerFrame};
use tokio::time::Instant;

use crate::AppState;
use crate::audience::{self, View};
use crate::auth::extractor::AuthStaff;
use crate::auth::store;
use crate::db::now_ms;
use crate::error::Result;
use crate::fanout::{self, Batch, Content, Next, Subscription};
use crate::messaging;
use crate::shutdown::ShutdownListener;

/// How long a connection closed for cause stays open after its close frame, so the
/// desk reads the frame before the socket goes (dropping a socket with unread input
/// resets it, which can discard the close frame on the desk's side).
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// How long a close frame may take to go out: a desk that stopped reading must not hold
/// up a shutdown.
const CLOSE_SEND_LIMIT: Duration = Duration::from_secs(2);

/// How long a connection holds back a stretch of the log its desk may see nothing of
/// before sending one empty ranged frame for it (if no other frame covered it first):
/// the desk's cursor is then at most this far behind, and it commits a cursor move at
/// most this often for other staff's conversations.
pub const COVER_DELAY: Duration = Duration::from_secs(1);

/// Upgrades an authenticated request (a bad token gets 401 before any upgrade).
#[utoipa::path(
    get,
    path = "/v1/ws",
    tag = "sync",
    security(("bearer" = [])),
    responses(
        (status = 101, description = "WebSocket: the server sends ServerFrame JSON text frames (hello, changes, poke)", body = frontdesk_protocol::ServerFrame),
        (status = 401, description = "Missing or invalid token", body = frontdesk_protocol::ApiError),
    )
)]
pub async fn upgrade(
    State(state): State<AppState>,
    auth: AuthStaff,
    ws: WebSocketUpgrade,
) -> Response {
    let shutdown = state.shutdown.listener();
    ws.max_message_size(MAX_WS_FRAME_BYTES)
        .max_frame_size(MAX_WS_FRAME_BYTES)
        .on_upgrade(move |socket| async move {
            let building = auth.building_id().to_owned();
            let staff = auth.staff.id.clone();
            tracing::info!(%building, %staff, "websocket connected");
            let reason = Connection::new(socket, state, auth, shutdown).run().await;
            tracing::info!(%building, %staff, reason, "websocket closed");
        })
}

struct Connection {
    socket: WebSocket,
    state: AppState,
    auth: AuthStaff,
    shutdown: ShutdownListener,
    /// The last sequence number this connection has dealt with: sent, or held back
    /// as nothing this desk may see.
    cursor: i64,
    /// The end of the last frame sent (changes or poke): the desk's cursor, as far as
    /// this connection knows. `sent_through..=cursor` is held back.
    sent_through: i64,
    /// Since when a stretch has been held back (`sent_through < cursor`).
    held_since: Option<Instant>,
    /// What its staff member may see, as of `cursor`.
    view: View,
    /// How long the desk may stay silent, and a send may take, before we give up.
    patience: Duration,
}

/// Why a connection ended, for the log.
type Ending = &'static str;

impl Connection {
    fn new(
        socket: WebSocket,
        state: AppState,
        auth: AuthStaff,
        shutdown: ShutdownListener,
    ) -> Self {
        let patience = state.config.ws_ping_interval * 3;
        let view = View {
            staff_id: auth.staff.id.clone(),
            conversations: Default::default(),
        };
        Self {
            view,
            socket,
            state,
            auth,
            shutdown,
            cursor: 0,
            sent_through: 0,
            held_since: None,
            patience,
        }
    }

    async fn run(mut self) -> Ending {
        let mut subscription = match self.start().await {
            Ok(Some(subscription)) => subscription,
            Ok(None) => return "desk gone before hello",
            Err(e) => {
                tracing::error!(error = %e, "websocket could not start");
                return self.close(close_code::ERROR, "server error").await;
            }
        };
        let period = self.state.config.ws_ping_interval;
        let mut pings = tokio::time::interval_at(Instant::now() + period, period);
        pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        loop {
            tokio::select! {
                () = self.shutdown.wait() => {
                    return self.close(close_code::NORMAL, "server shutting down").await;
                }
                next = subscription.next() => {
                    let texts = match next {
                        Next::Batch(batch) => self.forward(&batch).await,
                        Next::Lagged { .. } => self.resume().await.map(Vec::from_iter),
                        Next::Closed => {
                            return self.close(close_code::ERROR, "server error").await;
                        }
                    };
                    let texts = match texts {
                        Ok(texts) => texts,
                        Err(e) => {
                            tracing::error!(error = %e, "websocket could not read its view");
                            return self.close(close_code::ERROR, "server error").await;
                        }
                    };
                    for text in texts {
                        if !self.send(Message::Text(text)).await {
                            return "send failed or timed out";
                        }
                    }
                }
                () = cover_due(self.held_since) => {
                    if let Some(text) = self.cover()
                        && !self.send(Message::Text(text)).await
                    {
                        return "send failed or timed out";
                    }
                }
                received = self.socket.recv() => match received {
                    None => return "desk disconnected",
                    Some(Ok(message)) => {
                        last_heard = Instant::now();
                        // Pings are answered by axum itself; the desk has nothing to say
                        // yet, so small text and binary frames are ignored. A close is
                        // answered by axum; the next recv ends the loop.
                        if let Message::Close(_) = message {
                            continue;
                        }
                    }
                    Some(Err(e)) => {
                        // A live desk can cause an error only by breaking the rules:
                        // a frame over the size limit or a protocol violation. (On a
                        // dead socket the close frame simply fails.)
                        tracing::info!(error = %e, "websocket frame refused");
                        return self
                            .close(close_code::POLICY, "frame over the size limit or malformed")
                            .await;
                    }
                },
                _ = pings.tick() => {
                    if last_heard.elapsed() > self.patience {
                        return self.close(close_code::POLICY, "no answer to pings").await;
                    }
                    match session_is_live(&self.state, &self.auth.token_hash).await {
                        Ok(true) => {}
                        Ok(false) => {
                            return self.close(close_code::POLICY, "session ended").await;
                        }
                        // A database hiccup is not the desk's fault: check again next time.
                        Err(e) => tracing::warn!(error = %e, "cannot re-check a websocket session"),
                    }
                    if !self.send(Message::Ping(Default::default())).await {
                        return "ping failed or timed out";
                    }
                }
            }
        }
    }

    /// Subscribes, then says hello with the head read after subscribing: every change
    /// after the hello is then broadcast to this subscription, and the ones before it
    /// that the feed still broadcasts are skipped (the desk pulls them). The view is
    /// read with the head, in one statement, so it is the view as of the hello: the
    /// first batch after it is judged by who was in which conversation then, and a
    /// conversation joined or left by a change after the hello is followed from that
    /// change (were the view read later than the head, a leaving committed in between
    /// would hide the leaver's last changes from them; read earlier, a joining would).
    async fn start(&mut self) -> Result<Option<Subscription>> {
        let subscription = self.state.hub.subscribe(self.auth.building_id()).await?;
        let head_seq = self.snapshot().await?;
        // The desk pulls up to the hello's head; frames continue from there.
        self.sent(head_seq);
        let hello = fanout::encode(&ServerFrame::Hello { head_seq });
        Ok(self
            .send(Message::Text(hello))
            .await
            .then_some(subscription))
    }

    /// Moves the cursor to the building's head and the view to that head's, read
    /// together; returns the head.
    async fn snapshot(&mut self) -> Result<i64> {
        let mut conn = self.state.db.pool.acquire().await?;
        let (head_seq, conversations) = messaging::store::head_and_conversations(
            &mut conn,
            self.auth.building_id(),
            &self.auth.staff.id,
        )
        .await?;
        self.cursor = head_seq;
        self.view.conversations = conversations;
        Ok(head_seq)
    }

    /// After batches were lost to this connection (it fell behind): their membership
    /// changes are lost with them, so the view is read again, with the head it is
    /// valid at, and the desk is poked up to that head. Later batches continue from it
    /// as after a hello.
    async fn resume(&mut self) -> Result<Option<Utf8Bytes>> {
        let before = self.cursor;
        let head_seq = self.snapshot().await?;
        if head_seq > before {
            self.sent(head_seq);
            Ok(Some(fanout::poke_frame(head_seq)))
        } else {
            Ok(None)
        }
    }

    /// What to send for a batch, keeping the frames on this connection consecutive.
    async fn forward(&mut self, batch: &Batch) -> Result<Vec<Utf8Bytes>> {
        if batch.last_seq <= self.cursor {
            // Already covered by the hello or an earlier poke.
            return Ok(Vec::new());
        }
        if batch.first_seq > self.cursor + 1 {
            // Changes between the cursor and this batch never reached this connection
            // (the feed's batches are consecutive, so only after a lag, which
            // `resume` handles): what they did to the view is unknown.
            return Ok(self.resume().await?.into_iter().collect());
        }
        Ok(match &batch.content {
            Content::Everyone(text) if batch.first_seq == self.cursor + 1 => {
                // A plain frame continues from its first change: what was held back
                // goes first, so that it starts at the desk's cursor.
                let held = self.cover();
                self.cursor = batch.last_seq;
                self.sent(batch.last_seq);
                held.into_iter().chain([text.clone()]).collect()
            }
            // Straddles the cursor (a batch read before the hello): it cannot be sent
            // as it is without a repeat. Nothing in it changes the view.
            Content::Everyone(_) => self.poke(batch.last_seq).into_iter().collect(),
            Content::Poke { parts, .. } => {
                if let Some(parts) = parts {
                    self.view.skip(parts, self.cursor);
                }
                self.poke(batch.last_seq).into_iter().collect()
            }
            // Continues the cursor, or straddles it: the part after it, in a frame
            // that starts where the desk is.
            Content::PerView(parts) => {
                let text = parts.frame_for(&mut self.view, self.cursor, self.sent_through);
                self.cursor = batch.last_seq;
                match text {
                    Some(text) => {
                        self.sent(batch.last_seq);
                        vec![text]
                    }
                    None => {
                        self.held_since.get_or_insert_with(Instant::now);
                        Vec::new()
                    }
                }
            }
        })
    }

    fn poke(&mut self, head_seq: i64) -> Option<Utf8Bytes> {
        if head_seq <= self.cursor {
            return None;
        }
        self.cursor = head_seq;
        self.sent(head_seq);
        Some(fanout::poke_frame(head_seq))
    }

    /// The empty ranged frame covering what was held back, if anything was.
    fn cover(&mut self) -> Option<Utf8Bytes> {
        if self.sent_through >= self.cursor {
            return None;
        }
        let text = Utf8Bytes::from(audience::changes_frame(
            [],
            Some((self.sent_through, self.cursor)),
        ));
        self.sent(self.cursor);
        Some(text)
    }

    /// The desk has been sent everything through `seq`.
    fn sent(&mut self, seq: i64) {
        self.sent_through = seq;
        self.held_since = None;
    }

    /// Sends within `patience`; false when the desk is gone or not reading.
    async fn send(&mut self, message: Message) -> bool {
        matches!(
            tokio::time::timeout(self.patience, self.socket.send(message)).await,
            Ok(Ok(()))
        )
    }

    async fn close(mut self, code: u16, reason: &'static str) -> Ending {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let sent = tokio::time::timeout(
            CLOSE_SEND_LIMIT,
            self.socket.send(Message::Close(Some(frame))),
        )
        .await;
        if matches!(sent, Ok(Ok(()))) && code != close_code::NORMAL {
            tokio::time::sleep(CLOSE_GRACE).await;
        }
        reason
    }
}

/// Resolves when a stretch held back since `held_since` is due to be covered; never
/// when nothing is held back.
async fn cover_due(held_since: Option<Instant>) {
    match held_since {
        Some(since) => tokio::time::sleep_until(since + COVER_DELAY).await,
        None => std::future::pending().await,
    }
}

/// Not revoked, not expired, account not disabled (a free function: a `&Connection`
/// held across an await would make the task not `Send`).
async fn session_is_live(state: &AppState, token_hash: &str) -> Result<bool> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(store::live_session(&mut conn, token_hash, now_ms())
        .await?
        .is_some())
}
