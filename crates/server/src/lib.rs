//! The Frontdesk building server: staff sign-in, the building directory, the
//! per-building change log the desks sync from, the desks' writes (mutations), and the
//! live fan-out of new changes over WebSocket (`ws`, `fanout`, `pg_listen`).
//!
//! `main.rs` is only the command line; everything it runs lives here, so tests start
//! the real server in-process: `Db::connect`, `AppState::new`, `build_app`, `serve`.

pub mod audience;
pub mod auth;
pub mod blobs;
pub mod changelog;
pub mod cli;
pub mod compaction;
pub mod db;
pub mod directory;
pub mod error;
pub mod fanout;
pub mod health;
pub mod instructions;
pub mod json;
pub mod messaging;
pub mod mutations;
pub mod notifications;
pub mod openapi;
pub mod packages;
pub mod pg_listen;
pub mod shutdown;
pub mod sync_routes;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use auth::rate_limit::RateLimit;
pub use db::Db;
pub use error::{Error, Result};
use fanout::Hub;
use shutdown::Shutdown;

/// Largest request body accepted (JSON bodies are small; attachments have their own
/// routes and limit, [`blobs::BLOB_BODY_LIMIT`]).
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// Knobs of a running server. `Default` is what `serve` uses unless told otherwise.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub session_lifetime: Duration,
    /// Sign-in attempts allowed per account (email), whatever address they come from.
    pub login_per_account: RateLimit,
    /// Sign-in attempts allowed per client IP address, whatever accounts they target.
    pub login_per_address: RateLimit,
    /// WebSocket ping period; a desk silent for three periods is disconnected, and
    /// sessions are re-checked at each ping.
    pub ws_ping_interval: Duration,
    /// Frames a WebSocket connection may fall behind its building's stream before it
    /// is sent a poke instead of the changes it missed.
    pub ws_queue_frames: usize,
    /// Safety poll of the change log for buildings with WebSocket subscribers, for
    /// writers this process is not told about (other processes on SQLite, notifications
    /// lost while reconnecting on PostgreSQL).
    pub fanout_poll_interval: Duration,
    /// Compact every building's change log while serving, keeping this many days of
    /// full history (`serve --compact-keep-days N`). None (the default): never; the
    /// operator runs `log compact` when they choose.
    pub compact_keep_days: Option<u32>,
    /// How often the compaction above runs (the first run is at start).
    pub compact_every: Duration,
    /// Resident notifications by email (`serve --smtp-url …`). None: off; parcels
    /// still get their notices queued, sent once a notifier runs.
    pub notifier: Option<notifications::NotifierConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            session_lifetime: Duration::from_secs(30 * 24 * 60 * 60),
            login_per_account: RateLimit::per_minute(5, 5),
            login_per_address: RateLimit::per_minute(30, 10),
            ws_ping_interval: Duration::from_secs(15),
            ws_queue_frames: 256,
            fanout_poll_interval: Duration::from_secs(5),
            compact_keep_days: None,
            compact_every: Duration::from_secs(24 * 60 * 60),
            notifier: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<ServerConfig>,
    pub login_limiter: Arc<auth::rate_limit::LoginLimiter>,
    /// The live fan-out of committed changes to WebSocket connections.
    pub hub: Hub,
    pub shutdown: Shutdown,
}

impl AppState {
    pub fn new(db: Db, config: ServerConfig) -> Self {
        let login_limiter = Arc::new(auth::rate_limit::LoginLimiter::new(
            config.login_per_account,
            config.login_per_address,
        ));
        let hub = Hub::new(db.clone(), config.ws_queue_frames);
        Self {
            db,
            config: Arc::new(config),
            login_limiter,
            hub,
            shutdown: Shutdown::default(),
        }
    }
}

/// The routes, plus what `serve` needs to close the WebSockets when it stops.
pub struct App {
    router: Router,
    shutdown: Shutdown,
}

/// Builds the routes and starts the background tasks (the fan-out's safety poll, on
/// PostgreSQL the LISTEN for other writers' commits, and the periodic log compaction
/// when configured, and the notifier when SMTP is); they end with `serve`.
pub async fn build_app(state: AppState) -> App {
    // Computing the dummy hash now keeps the first unknown-email sign-in from being
    // measurably slower than the others.
    if let Err(e) = auth::password::warm_up().await {
        tracing::warn!(error = %e, "could not precompute the dummy password hash");
    }
    let v1 = Router::new()
        .route("/auth/login", post(auth::routes::login))
        .route("/auth/logout", post(auth::routes::logout))
        .route("/auth/me", get(auth::routes::me))
        .route("/sync/pull", get(sync_routes::pull))
        .route("/sync/push", post(sync_routes::push))
        .route("/ws", get(ws::upgrade))
        .route(
            "/conversations/{id}/messages",
            get(messaging::routes::history),
        )
        .route("/openapi.json", get(openapi::openapi_json))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(
            BODY_LIMIT_BYTES,
            reject_declared_oversize,
        ));
    // Attachments are larger than any JSON body: their routes alone take that much.
    let blob_routes = Router::new()
        .route(
            "/blobs/{sha256}",
            put(blobs::put_blob)
                .get(blobs::get_blob)
                .head(blobs::head_blob),
        )
        .layer(DefaultBodyLimit::max(blobs::BLOB_BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            blobs::BLOB_BODY_LIMIT,
            reject_declared_oversize,
        ));
    let v1 = v1.merge(blob_routes);
    state
        .hub
        .spawn_poll(state.config.fanout_poll_interval, state.shutdown.listener());
    pg_listen::spawn(&state.db, state.hub.clone(), state.shutdown.listener());
    if let Some(keep_days) = state.config.compact_keep_days {
        compaction::spawn_periodic(
            state.db.clone(),
            keep_days,
            state.config.compact_every,
            state.shutdown.listener(),
        );
    }
    match &state.config.notifier {
        Some(config) => {
            // NotifierConfig::new already checked the address; this cannot fail then.
            match notifications::Notifier::new(state.db.clone(), state.hub.clone(), config.clone())
            {
                Ok(notifier) => {
                    tracing::info!(
                        smtp = %config.smtp_url_for_logs(),
                        from = %config.from,
                        "resident notifications by email are on"
                    );
                    notifier.spawn(state.shutdown.listener());
                }
                Err(e) => tracing::error!(error = %e, "resident notifications are off"),
            }
        }
        None => tracing::info!(
            "resident notifications are off (no --smtp-url): notices stay queued until a server with SMTP sends them"
        ),
    }
    let shutdown = state.shutdown.clone();
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .nest(frontdesk_protocol::API_PREFIX, v1)
        .fallback(|| async { Error::NotFound("no such route".into()) })
        .layer(
            // One span and one line per request at INFO; headers stay out of the logs
            // because they carry bearer tokens.
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state);
    App { router, shutdown }
}

/// Refuses a body whose declared length is over the routes' `limit` before reading any
/// of it. Bodies without a length (chunked) are cut off while reading (by
/// `DefaultBodyLimit`, or the blob upload's own reader).
async fn reject_declared_oversize(
    axum::extract::State(limit): axum::extract::State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Error::PayloadTooLarge { limit }.into_response();
    }
    next.run(request).await
}

/// How long `serve` waits, once the HTTP side has stopped, for the WebSockets to send
/// their close frames and the background tasks to end.
const SOCKETS_CLOSE_LIMIT: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight
/// requests and closes the WebSockets with a close frame. Connect info is what gives
/// the per-address sign-in limit its key.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sockets = app.shutdown.clone();
    // Without TCP_NODELAY a second small write (the next WebSocket frame, a response
    // body after its headers) waits for the peer's delayed ACK, up to 40 ms on Linux:
    // the live fan-out is a stream of small frames.
    let listener = listener.tap_io(|stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY on a connection");
        }
    });
    axum::serve(
        listener,
        app.router
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        // Upgraded connections are no longer axum's: tell them ourselves.
        sockets.begin();
    })
    .await?;
    if !app.shutdown.drained(SOCKETS_CLOSE_LIMIT).await {
        tracing::warn!("some WebSocket connections did not close in time");
    }
    Ok(())
}
