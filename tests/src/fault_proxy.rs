//! A fault-injecting TCP proxy on loopback: desks connect to it instead of the server,
//! and the test switches faults on and off while traffic flows.
//!
//! It forwards bytes, not requests, so plain HTTP and WebSocket upgrades go through it
//! alike. The faults ([`Fault`]):
//!
//! - **latency**: every chunk read on one side is written to the other `up` (desk to
//!   server) or `down` (server to desk) later. A delay line: chunks keep their order
//!   and their delays do not add up.
//! - **reset**: every forwarding connection is aborted with a TCP RST on both sides
//!   (linger 0, then close), and every new one is accepted and aborted at once.
//! - **blackhole**: nothing is forwarded any more, in either direction. What arrives is
//!   read and thrown away, and nothing is closed, whatever the server does. New
//!   connections are accepted and treated the same. Only the client's own timeouts
//!   (request timeout, WebSocket heartbeat) can tell.
//! - **slow close**: forwarding stops, the sockets are held open for `hold` (input
//!   thrown away), then closed with a FIN on both sides. New connections likewise.
//!
//! A connection that met a blackhole or a slow close never forwards again, even once
//! the fault is lifted, since bytes were dropped from its stream: as on a real network
//! path that died, the client has to give up on it and connect again. Later faults
//! leave such a connection alone. New connections made with no fault (or latency)
//! forward normally.

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What the proxy does to traffic, switched at runtime with [`FaultProxy::set`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// Forward everything at once.
    #[default]
    None,
    /// Hold each chunk `up` (desk to server) or `down` (server to desk) before writing it.
    Latency { up: Duration, down: Duration },
    /// RST every connection, open or new.
    Reset,
    /// Swallow everything, close nothing.
    Blackhole,
    /// Stop forwarding, hold the sockets open for `hold`, then FIN.
    SlowClose { hold: Duration },
}

impl Fault {
    fn latency(self, direction: Direction) -> Duration {
        match (self, direction) {
            (Fault::Latency { up, .. }, Direction::Up) => up,
            (Fault::Latency { down, .. }, Direction::Down) => down,
            _ => Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Direction {
    Up,
    Down,
}

/// What the proxy has done so far, counted per connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    pub accepted: usize,
    /// Connections aborted with a RST (open ones and new ones refused).
    pub reset: usize,
    /// Connections that fell into a blackhole (open ones and new ones).
    pub blackholed: usize,
    /// Blackholed connections the client closed itself: it noticed the silence.
    pub blackholed_closed_by_client: usize,
    /// Of those, the ones that were open and forwarding when the blackhole began (not
    /// accepted into it): established connections whose silence the client noticed.
    pub blackholed_open_closed_by_client: usize,
    /// Connections closed slowly.
    pub slow_closed: usize,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicUsize,
    reset: AtomicUsize,
    blackholed: AtomicUsize,
    blackholed_closed_by_client: AtomicUsize,
    blackholed_open_closed_by_client: AtomicUsize,
    slow_closed: AtomicUsize,
}

fn bump(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The proxy: listens on a free loopback port and forwards to `upstream`. Dropping it
/// stops accepting and ends every connection it holds.
pub struct FaultProxy {
    addr: SocketAddr,
    fault: watch::Sender<Fault>,
    counters: Arc<Counters>,
    accept: JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl FaultProxy {
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (fault, _) = watch::channel(Fault::None);
        let counters = Arc::new(Counters::default());
        let accept = tokio::spawn(accept_loop(
            listener,
            upstream,
            fault.clone(),
            Arc::clone(&counters),
        ));
        Ok(Self {
            addr,
            fault,
            counters,
            accept,
        })
    }

    /// The address desks should use as their server.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Switches to `fault` for open connections and new ones.
    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }

    pub fn fault(&self) -> Fault {
        *self.fault.borrow()
    }

    pub fn stats(&self) -> ProxyStats {
        let c = &self.counters;
        let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        ProxyStats {
            accepted: get(&c.accepted),
            reset: get(&c.reset),
            blackholed: get(&c.blackholed),
            blackholed_closed_by_client: get(&c.blackholed_closed_by_client),
            blackholed_open_closed_by_client: get(&c.blackholed_open_closed_by_client),
            slow_closed: get(&c.slow_closed),
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    fault: watch::Sender<Fault>,
    counters: Arc<Counters>,
) {
    loop {
        match listener.accept().await {
            Ok((client, _)) => {
                bump(&counters.accepted);
                tokio::spawn(connection(
                    client,
                    upstream,
                    fault.subscribe(),
                    Arc::clone(&counters),
                ));
            }
            // Out of file descriptors and the like: let the test's other tasks breathe.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// How a forwarding connection stopped forwarding.
enum Ending {
    /// Both sides closed their sending half: close normally.
    Done,
    /// A read or write failed (a peer reset): abort the other side too.
    Broken,
    /// The proxy was dropped.
    ProxyGone,
    Fault(Fault),
}

async fn connection(
    mut client: TcpStream,
    upstream: SocketAddr,
    mut faults: watch::Receiver<Fault>,
    counters: Arc<Counters>,
) {
    let at_accept = *faults.borrow_and_update();
    if is_fatal(at_accept) {
        return fail(at_accept, client, None, faults, &counters).await;
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return abort([Some(client), None], &counters);
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let ending = {
        let (client_read, client_write) = client.split();
        let (server_read, server_write) = server.split();
        let mut up = pin!(pump(
            client_read,
            server_write,
            Direction::Up,
            faults.clone()
        ));
        let mut down = pin!(pump(
            server_read,
            client_write,
            Direction::Down,
            faults.clone()
        ));
        let (mut up_done, mut down_done) = (false, false);
        loop {
            tokio::select! {
                result = &mut up, if !up_done => {
                    if result.is_err() {
                        break Ending::Broken;
                    }
                    up_done = true;
                }
                result = &mut down, if !down_done => {
                    if result.is_err() {
                        break Ending::Broken;
                    }
                    down_done = true;
                }
                changed = faults.changed() => {
                    if changed.is_err() {
                        break Ending::ProxyGone;
                    }
                    let fault = *faults.borrow_and_update();
                    if is_fatal(fault) {
                        break Ending::Fault(fault);
                    }
                }
            }
            if up_done && down_done {
                break Ending::Done;
            }
        }
    };
    // The pumps are gone, and with them whatever they held: this connection never
    // forwards again.
    match ending {
        Ending::Done | Ending::ProxyGone => {}
        Ending::Broken => abort([Some(client), Some(server)], &counters),
        Ending::Fault(fault) => fail(fault, client, Some(server), faults, &counters).await,
    }
}

/// Whether a fault ends forwarding on the connections it finds.
fn is_fatal(fault: Fault) -> bool {
    matches!(
        fault,
        Fault::Reset | Fault::Blackhole | Fault::SlowClose { .. }
    )
}

/// Copies `from` to `to`, each chunk held for the latency in force when it was read.
/// Ends after passing on the end of the stream (a FIN), or at the first error.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    direction: Direction,
    faults: watch::Receiver<Fault>,
) -> std::io::Result<()> {
    let (queue, mut queued) = mpsc::channel::<(Instant, Vec<u8>)>(64);
    let read = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = from.read(&mut buf).await?;
            if n == 0 {
                // Dropping the queue lets the writer finish and pass the FIN on.
                return Ok(());
            }
            let due = Instant::now() + faults.borrow().latency(direction);
            if queue.send((due, buf[..n].to_vec())).await.is_err() {
                return Ok(());
            }
        }
    };
    let write = async move {
        while let Some((due, chunk)) = queued.recv().await {
            tokio::time::sleep_until(due).await;
            to.write_all(&chunk).await?;
        }
        to.shutdown().await
    };
    tokio::try_join!(read, write).map(|_| ())
}

/// Applies a fatal fault to a connection (`server` is None when it never got one).
async fn fail(
    fault: Fault,
    client: TcpStream,
    server: Option<TcpStream>,
    faults: watch::Receiver<Fault>,
    counters: &Counters,
) {
    match fault {
        Fault::Reset => abort([Some(client), server], counters),
        Fault::Blackhole => blackhole(client, server, faults, counters).await,
        Fault::SlowClose { hold } => slow_close(client, server, hold, counters).await,
        Fault::None | Fault::Latency { .. } => {}
    }
}

/// Closes with a RST: `SO_LINGER` zero (tokio's `set_zero_linger`, i.e.
/// `set_linger(Some(0))`), then drop.
fn abort(streams: [Option<TcpStream>; 2], counters: &Counters) {
    bump(&counters.reset);
    for stream in streams.into_iter().flatten() {
        let _ = stream.set_zero_linger();
        drop(stream);
    }
}

/// Swallows both sides and closes nothing until the client gives up on the connection
/// (or the proxy is dropped). The server closing its side is not passed on.
async fn blackhole(
    mut client: TcpStream,
    mut server: Option<TcpStream>,
    mut faults: watch::Receiver<Fault>,
    counters: &Counters,
) {
    bump(&counters.blackholed);
    let was_open = server.is_some();
    loop {
        tokio::select! {
            () = swallow(&mut client) => {
                bump(&counters.blackholed_closed_by_client);
                if was_open {
                    bump(&counters.blackholed_open_closed_by_client);
                }
                return;
            }
            () = swallow_opt(&mut server) => server = None,
            () = proxy_gone(&mut faults) => return,
        }
    }
}

/// Swallows both sides for `hold`, then sends a FIN each way and lets the peers close.
async fn slow_close(
    mut client: TcpStream,
    mut server: Option<TcpStream>,
    hold: Duration,
    counters: &Counters,
) {
    bump(&counters.slow_closed);
    let _ = tokio::time::timeout(
        hold,
        futures_join(swallow(&mut client), swallow_opt(&mut server)),
    )
    .await;
    let _ = client.shutdown().await;
    if let Some(server) = server.as_mut() {
        let _ = server.shutdown().await;
    }
    // Read until the peers close too, so that the close stays a FIN: dropping a socket
    // with unread input would send a RST.
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        futures_join(swallow(&mut client), swallow_opt(&mut server)),
    )
    .await;
}

async fn futures_join(a: impl Future<Output = ()>, b: impl Future<Output = ()>) {
    tokio::join!(a, b);
}

/// Reads and discards until the end of the stream or an error.
async fn swallow(stream: &mut TcpStream) {
    let mut buf = vec![0u8; 16 * 1024];
    while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
}

async fn swallow_opt(stream: &mut Option<TcpStream>) {
    match stream {
        Some(stream) => swallow(stream).await,
        None => std::future::pending().await,
    }
}

/// Resolves when the proxy (the fault sender) is dropped.
async fn proxy_gone(faults: &mut watch::Receiver<Fault>) {
    while faults.changed().await.is_ok() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that echoes every connection back until its client closes.
    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = stream.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                    let _ = w.shutdown().await;
                });
            }
        });
        addr
    }

    /// Sends `data`, closes the sending half, and reads the whole answer.
    async fn round_trip(proxy: &FaultProxy, data: &[u8]) -> Vec<u8> {
        let stream = TcpStream::connect(proxy.addr()).await.unwrap();
        let (mut r, mut w) = stream.into_split();
        let data = data.to_vec();
        let send = tokio::spawn(async move {
            w.write_all(&data).await.unwrap();
            w.shutdown().await.unwrap();
        });
        let mut back = Vec::new();
        r.read_to_end(&mut back).await.unwrap();
        send.await.unwrap();
        back
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bytes_pass_unchanged_with_and_without_latency() {
        let proxy = FaultProxy::start(echo_server().await).await.unwrap();
        let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        assert!(round_trip(&proxy, &data).await == data, "plain");
        proxy.set(Fault::Latency {
            up: Duration::from_millis(20),
            down: Duration::from_millis(5),
        });
        assert!(round_trip(&proxy, &data).await == data, "with latency");
        assert_eq!(proxy.stats().accepted, 2);
        assert_eq!(proxy.stats().reset, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reset_really_resets_open_and_new_connections() {
        let proxy = FaultProxy::start(echo_server().await).await.unwrap();
        let mut open = TcpStream::connect(proxy.addr()).await.unwrap();
        open.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        open.read_exact(&mut buf).await.unwrap();

        proxy.set(Fault::Reset);
        let err = open.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");

        // A new connection is reset as soon as accepted: its connect may already see it.
        let err = match TcpStream::connect(proxy.addr()).await {
            Ok(mut new) => new.read(&mut buf).await.unwrap_err(),
            Err(e) => e,
        };
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
        assert_eq!(proxy.stats().reset, 2);

        proxy.set(Fault::None);
        assert_eq!(round_trip(&proxy, b"back").await, b"back");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_blackhole_swallows_and_never_closes() {
        let proxy = FaultProxy::start(echo_server().await).await.unwrap();
        let mut open = TcpStream::connect(proxy.addr()).await.unwrap();
        open.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        open.read_exact(&mut buf).await.unwrap();

        proxy.set(Fault::Blackhole);
        open.write_all(b"lost").await.unwrap();
        let new = TcpStream::connect(proxy.addr()).await.unwrap();
        let silent = tokio::time::timeout(Duration::from_millis(500), open.read(&mut buf)).await;
        assert!(silent.is_err(), "nothing comes back, not even a close");

        // Lifting the fault does not revive a connection that lost bytes.
        proxy.set(Fault::None);
        open.write_all(b"more").await.unwrap();
        let silent = tokio::time::timeout(Duration::from_millis(300), open.read(&mut buf)).await;
        assert!(silent.is_err(), "a blackholed connection stays dead");
        assert_eq!(round_trip(&proxy, b"fresh").await, b"fresh");

        // The client giving up is what the proxy counts.
        drop(open);
        drop(new);
        crate::eventually(
            "both closes to be seen",
            Duration::from_secs(10),
            || async { Ok((proxy.stats().blackholed_closed_by_client == 2).then_some(())) },
        )
        .await
        .unwrap();
        assert_eq!(proxy.stats().blackholed, 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_close_holds_then_sends_a_fin() {
        let proxy = FaultProxy::start(echo_server().await).await.unwrap();
        let mut open = TcpStream::connect(proxy.addr()).await.unwrap();
        open.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        open.read_exact(&mut buf).await.unwrap();

        let hold = Duration::from_millis(400);
        let started = Instant::now();
        proxy.set(Fault::SlowClose { hold });
        open.write_all(b"lost").await.unwrap();
        // A clean end of stream (not a reset), and not before the hold is over.
        assert_eq!(open.read(&mut buf).await.unwrap(), 0);
        assert!(started.elapsed() >= hold);
        assert_eq!(proxy.stats().slow_closed, 1);
    }
}
