//! Desks behind a fault-injecting TCP proxy (`fault_proxy`) while they write: added
//! latency, connection resets, a blackhole and slow closes, a few seconds each. Once
//! the network is clean again every write is on the server exactly once and in its
//! desk's order, every desk shows the same instructions, every queue is empty, and the
//! desks noticed the faults where they must: the writers' status left Online, and a
//! WebSocket gone silent in the blackhole was dropped by the desk's own heartbeat and
//! came back.
//!
//! Desks "a" and "b" write through their own proxy, "c" only listens through its own
//! proxy, and "o" writes straight to the server (its writes reach the others live
//! during the faults). The proxied desks poll once an hour, so what they receive after
//! the faults comes over their live connection.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontdesk_desk_core::sync::ConnectionState;
use frontdesk_desk_core::{Desk, Timeouts};
use frontdesk_e2e::eventually;
use frontdesk_e2e::fault_proxy::{Fault, FaultProxy};
use frontdesk_e2e::headless::{Ask, desk_options, settled_texts, signed_in};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::{assert_writes_once_in_order, demo_change_log};
use frontdesk_protocol::InstructionTarget;

const WAIT: Duration = Duration::from_secs(60);

/// Short enough that every fault shows within its few seconds; long enough for a
/// loaded machine's loopback.
fn test_timeouts() -> Timeouts {
    Timeouts {
        request: Duration::from_secs(2),
        connect: Duration::from_secs(1),
        heartbeat_every: Duration::from_millis(300),
        dead_after: Duration::from_millis(1500),
    }
}

/// The faults in the order applied. The blackhole comes right after a phase in which
/// the live connections are up, so that it silences established WebSockets.
fn phases() -> [(&'static str, Fault, Duration); 4] {
    [
        (
            "latency",
            Fault::Latency {
                up: Duration::from_millis(120),
                down: Duration::from_millis(80),
            },
            Duration::from_secs(4),
        ),
        ("blackhole", Fault::Blackhole, Duration::from_secs(5)),
        ("reset", Fault::Reset, Duration::from_secs(3)),
        (
            "slow close",
            Fault::SlowClose {
                hold: Duration::from_millis(1500),
            },
            Duration::from_secs(4),
        ),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Writes through its own proxy, polls hourly.
    Writer,
    /// Only listens, through its own proxy, polls hourly.
    Listener,
    /// Writes straight to the server.
    Observer,
}

const DESKS: [(&str, &str, &str, Role); 4] = [
    (
        "a",
        "concierge@lofts-des-arts.demo",
        "concierge-demo",
        Role::Writer,
    ),
    (
        "b",
        "security@lofts-des-arts.demo",
        "security-demo",
        Role::Writer,
    ),
    (
        "c",
        "manager@lofts-des-arts.demo",
        "manager-demo",
        Role::Listener,
    ),
    (
        "o",
        "admin@lofts-des-arts.demo",
        "admin-demo",
        Role::Observer,
    ),
];

struct TestDesk {
    label: &'static str,
    desk: Arc<Desk>,
    proxy: Option<FaultProxy>,
    writes: bool,
}

async fn open_desk(
    dir: &std::path::Path,
    server: &str,
    account: (&str, &str),
    poll_interval: Duration,
) -> anyhow::Result<Desk> {
    let mut options = desk_options(dir, poll_interval);
    options.timeouts = test_timeouts();
    signed_in(options, server, account).await
}

/// The ids of the first two units in the demo's log: one for the writes, one for the
/// last write that must arrive live.
async fn two_units(server: &str) -> anyhow::Result<(InstructionTarget, InstructionTarget)> {
    let log = demo_change_log(server).await?;
    let mut units = log
        .iter()
        .filter(|c| c["body"]["kind"] == "unit_upserted")
        .filter_map(|c| c["body"]["data"]["id"].as_str())
        .map(|id| InstructionTarget::Unit(id.to_owned()));
    match (units.next(), units.next()) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => anyhow::bail!("the demo has fewer than two units"),
    }
}

/// Writes `LABEL-00000`, `LABEL-00001`, … on `target` until told to stop; the count.
async fn keep_writing(
    desk: Arc<Desk>,
    label: &'static str,
    target: InstructionTarget,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<usize> {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        desk.save_instruction(None, target.clone(), &format!("{label}-{n:05}"))
            .await?;
        n += 1;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    Ok(n)
}

/// Records, per phase, whether the desk's status was ever other than Online.
fn watch_status(
    desk: &Desk,
    phase: Arc<Mutex<&'static str>>,
    left_online: Arc<Mutex<BTreeSet<&'static str>>>,
) {
    let mut status = desk.subscribe_status();
    tokio::spawn(async move {
        while status.changed().await.is_ok() {
            let online = status.borrow_and_update().connection == ConnectionState::Online;
            if !online {
                let now = *phase.lock().expect("phase lock");
                left_online.lock().expect("record lock").insert(now);
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_survive_latency_resets_blackholes_and_slow_closes() -> anyhow::Result<()> {
    let started = tokio::time::Instant::now();
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let upstream = SocketAddr::from(([127, 0, 0, 1], server.port));
    let (target, live_target) = two_units(&server.url).await?;
    let head = demo_change_log(&server.url)
        .await?
        .last()
        .and_then(|c| c["seq"].as_i64())
        .unwrap_or(0);

    let mut desks = Vec::new();
    for (label, email, password, role) in DESKS {
        let dir = tmp.path().join(label);
        let (proxy, url, poll) = if role == Role::Observer {
            (None, server.url.clone(), Duration::from_millis(100))
        } else {
            let proxy = FaultProxy::start(upstream).await?;
            let url = proxy.url();
            (Some(proxy), url, Duration::from_secs(3600))
        };
        let desk = open_desk(&dir, &url, (email, password), poll).await?;
        desks.push(TestDesk {
            label,
            desk: Arc::new(desk),
            proxy,
            writes: role != Role::Listener,
        });
    }
    for d in &desks {
        eventually(
            &format!("desk {} to pull the demo", d.label),
            WAIT,
            || async {
                let s = d.desk.status();
                Ok((s.cursor >= head && s.connection == ConnectionState::Online).then_some(()))
            },
        )
        .await?;
    }
    eprintln!("desks ready after {:?}", started.elapsed());

    let phase = Arc::new(Mutex::new("clean"));
    let mut left_online = BTreeMap::new();
    for d in desks.iter().filter(|d| d.proxy.is_some()) {
        let record = Arc::new(Mutex::new(BTreeSet::new()));
        watch_status(&d.desk, Arc::clone(&phase), Arc::clone(&record));
        left_online.insert(d.label, record);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for d in desks.iter().filter(|d| d.writes) {
        writers.push((
            d.label,
            tokio::spawn(keep_writing(
                Arc::clone(&d.desk),
                d.label,
                target.clone(),
                Arc::clone(&stop),
            )),
        ));
    }
    // What each proxy had seen when the blackhole was lifted.
    let mut after_blackhole = BTreeMap::new();
    for (name, fault, length) in phases() {
        *phase.lock().expect("phase lock") = name;
        for proxy in desks.iter().filter_map(|d| d.proxy.as_ref()) {
            proxy.set(fault);
        }
        tokio::time::sleep(length).await;
        if fault == Fault::Blackhole {
            for d in &desks {
                if let Some(proxy) = &d.proxy {
                    after_blackhole.insert(d.label, proxy.stats());
                }
            }
        }
    }
    *phase.lock().expect("phase lock") = "after";
    for proxy in desks.iter().filter_map(|d| d.proxy.as_ref()) {
        proxy.set(Fault::None);
    }
    // A little clean writing: staff carry on once the network is back.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut written = BTreeMap::new();
    for (label, writer) in writers {
        written.insert(label, writer.await??);
    }
    eprintln!(
        "faults over after {:?}; writes per desk: {written:?}",
        started.elapsed()
    );

    // Every queue drains by itself (no "Sync now").
    for d in &desks {
        eventually(
            &format!("desk {}'s queue to drain", d.label),
            WAIT,
            || async {
                let s = d.desk.status();
                Ok((s.queued == 0 && s.rejected == 0).then_some(()))
            },
        )
        .await?;
    }

    // A write made now reaches the proxied desks, which poll hourly: their live
    // connections came back after the faults.
    let observer = desks.iter().find(|d| d.label == "o").expect("observer");
    observer
        .desk
        .save_instruction(None, live_target.clone(), "after the storm")
        .await?;
    for d in desks.iter().filter(|d| d.proxy.is_some()) {
        eventually(
            &format!("the last write to reach desk {} live", d.label),
            WAIT,
            || async {
                let views = d.desk.instructions(&live_target).await?;
                Ok(views
                    .iter()
                    .any(|v| v.instruction.text == "after the storm")
                    .then_some(()))
            },
        )
        .await?;
    }
    eprintln!("live connections back after {:?}", started.elapsed());

    // On the server: each desk's writes exactly once, in the order it made them.
    let log = demo_change_log(&server.url).await?;
    for (label, count) in &written {
        assert_writes_once_in_order(&log, label, *count);
    }

    // Every desk shows the same instructions: all of them.
    let mut all: Vec<String> = written
        .iter()
        .flat_map(|(label, count)| (0..*count).map(move |n| format!("{label}-{n:05}")))
        .collect();
    all.sort();
    for d in &desks {
        let got = eventually(&format!("desk {} to converge", d.label), WAIT, || async {
            Ok(settled_texts(&d.desk, &target, Ask::SyncNow)
                .await?
                .filter(|t| *t == all))
        })
        .await;
        assert!(
            got.is_ok(),
            "desk {}: {got:?}; it shows {:?} instructions",
            d.label,
            settled_texts(&d.desk, &target, Ask::SyncNow)
                .await?
                .map(|t| t.len())
        );
    }

    // What the desks noticed. The writers' exchanges failed in each hard fault. In the
    // blackhole every desk closed an established connection by itself before the
    // blackhole was lifted: for the listener, which had nothing else open then, that
    // was its WebSocket, dropped by the heartbeat.
    for d in desks.iter().filter(|d| d.proxy.is_some()) {
        let in_blackhole = after_blackhole[d.label];
        let phases_off = left_online[d.label].lock().expect("record lock").clone();
        eprintln!(
            "desk {}: at the blackhole's end {in_blackhole:?}; at the end {:?}; status left Online during {phases_off:?}",
            d.label,
            d.proxy.as_ref().map(FaultProxy::stats).unwrap_or_default()
        );
        assert!(
            in_blackhole.blackholed_open_closed_by_client >= 1,
            "desk {} gave up on a connection gone silent: {in_blackhole:?}",
            d.label
        );
        if d.writes {
            for fault in ["blackhole", "reset", "slow close"] {
                assert!(
                    phases_off.contains(fault),
                    "desk {}'s status left Online during the {fault}: {phases_off:?}",
                    d.label
                );
            }
        }
        eventually(&format!("desk {} back Online", d.label), WAIT, || async {
            Ok((d.desk.status().connection == ConnectionState::Online).then_some(()))
        })
        .await?;
    }
    eprintln!("done in {:?}", started.elapsed());
    Ok(())
}
