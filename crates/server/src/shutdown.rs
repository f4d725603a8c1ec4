//! Graceful shutdown for what outlives an HTTP request: WebSocket connections (axum's
//! graceful shutdown stops tracking a connection once it is upgraded) and the fan-out's
//! background tasks.
//!
//! Each of them holds a [`ShutdownListener`]; `serve` calls [`Shutdown::begin`] once
//! the HTTP side is told to stop, then waits (bounded) until every listener is dropped,
//! so sockets get their close frame before the process exits.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct Shutdown {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self {
            tx: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl Shutdown {
    pub fn listener(&self) -> ShutdownListener {
        ShutdownListener(self.tx.subscribe())
    }

    pub fn begin(&self) {
        self.tx.send_replace(true);
    }

    /// Waits until every listener is gone, at most `limit`; false if some are left.
    pub async fn drained(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.tx.closed()).await.is_ok()
    }
}

#[derive(Debug)]
pub struct ShutdownListener(watch::Receiver<bool>);

impl ShutdownListener {
    /// Resolves once shutdown has begun (or the server state is gone altogether).
    pub async fn wait(&mut self) {
        let _ = self.0.wait_for(|&stopping| stopping).await;
    }
}
