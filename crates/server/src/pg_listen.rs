//! PostgreSQL only: LISTEN for the commit-time notifications `changelog::append`
//! queues, and poke the fan-out of the building named in each.
//!
//! The Any pool cannot listen, so this opens a `PgListener` (its own connection) from
//! the pool's URL. A notification is only a poke; the feed reads the log from what it
//! last sent, so notifications lost while disconnected cost nothing as long as every
//! building with subscribers is poked once the listener is back: that is done on every
//! (re)connection, whether sqlx reconnected by itself or we did after an error.

use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::changelog::NOTIFY_CHANNEL;
use crate::db::{Backend, Db};
use crate::fanout::Hub;
use crate::shutdown::ShutdownListener;

/// Waits between attempts to get a listener back after an error, doubling up to the cap.
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_CAP: Duration = Duration::from_secs(10);

/// Starts the listener task when the database is PostgreSQL; does nothing on SQLite.
pub fn spawn(db: &Db, hub: Hub, shutdown: ShutdownListener) {
    if db.backend != Backend::Postgres {
        return;
    }
    let url = db.pool.connect_options().database_url.to_string();
    tokio::spawn(run(url, hub, shutdown));
}

async fn run(url: String, hub: Hub, mut shutdown: ShutdownListener) {
    let mut retry = RETRY_FIRST;
    loop {
        let mut listener = tokio::select! {
            () = shutdown.wait() => return,
            connected = connect(&url) => match connected {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_ms = retry.as_millis() as u64, "cannot LISTEN for changes from other writers");
                    tokio::select! {
                        () = shutdown.wait() => return,
                        () = tokio::time::sleep(retry) => {}
                    }
                    retry = (retry * 2).min(RETRY_CAP);
                    continue;
                }
            },
        };
        tracing::info!(
            channel = NOTIFY_CHANNEL,
            "listening for changes from other writers"
        );
        retry = RETRY_FIRST;
        // Anything committed while we were not listening is caught up from the log.
        hub.poke_all();
        loop {
            let received = tokio::select! {
                () = shutdown.wait() => return,
                received = listener.try_recv() => received,
            };
            match received {
                Ok(Some(notification)) => hub.poke(notification.payload()),
                Ok(None) => {
                    // sqlx lost the connection and reconnected (eagerly, by default);
                    // notifications in between are gone.
                    tracing::warn!("LISTEN connection lost and re-established; catching up");
                    hub.poke_all();
                }
                Err(e) => {
                    // Start over with a fresh listener rather than trust this one.
                    // (After a short pause, so a listener that fails at once cannot spin.)
                    tracing::warn!(error = %e, "LISTEN connection failed; reconnecting");
                    tokio::time::sleep(RETRY_FIRST).await;
                    break;
                }
            }
        }
    }
}

async fn connect(url: &str) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    Ok(listener)
}
