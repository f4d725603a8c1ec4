//! Desk processes killed (SIGKILL) in the middle of writing and flushing their outbox,
//! again and again at random moments, then left to finish: every write reaches the
//! server exactly once, in the order it was made.
//!
//! 20 kills per desk by default; `FRONTDESK_SOAK_KILLS=200 cargo test -p frontdesk-e2e
//! --test desk_crashes` is the soak.

use std::process::Stdio;
use std::time::Duration;

use frontdesk_e2e::bins::built;
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::{assert_writes_once_in_order, demo_change_log};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rand::Rng;
use tokio::process::Command;

const WRITES: usize = 1_000;

fn agent(
    dir: &std::path::Path,
    server: &str,
    (email, password): (&str, &str),
    label: &str,
    unit: &str,
    writes: usize,
) -> Command {
    let mut cmd = Command::new(built("desk-agent"));
    cmd.args(["--data-dir", &dir.display().to_string(), "--server", server])
        .args(["--email", email, "--password", password, "--label", label])
        .args(["--writes", &writes.to_string(), "--unit", unit])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    cmd
}

async fn some_unit(server: &str) -> anyhow::Result<String> {
    let log = demo_change_log(server).await?;
    log.iter()
        .find(|c| c["body"]["kind"] == "unit_upserted")
        .and_then(|c| c["body"]["data"]["id"].as_str().map(str::to_owned))
        .ok_or_else(|| anyhow::anyhow!("no unit in the demo"))
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_desks_lose_nothing_and_duplicate_nothing() -> anyhow::Result<()> {
    let kills: usize = std::env::var("FRONTDESK_SOAK_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let unit = some_unit(&server.url).await?;
    let desks = [
        ("a", "concierge@lofts-des-arts.demo", "concierge-demo"),
        ("b", "security@lofts-des-arts.demo", "security-demo"),
    ];

    // Each desk signs in once, as at installation. A kill that lands during sign-in would
    // make the next round sign in again, and the server's sign-in rate limit (five a
    // minute per account) would then fail the round for a reason that is not the point.
    for (label, email, password) in desks {
        let out = agent(
            &tmp.path().join(label),
            &server.url,
            (email, password),
            label,
            &unit,
            0,
        )
        .output()
        .await?;
        assert!(
            out.status.success(),
            "desk {label} did not sign in: {}",
            out.status
        );
    }

    let mut rng = rand::rng();
    let mut killed_mid_work = 0;
    for round in 0..kills {
        // Both desks run at once and are killed at independent random moments.
        let mut running = Vec::new();
        for (label, email, password) in desks {
            let dir = tmp.path().join(label);
            let child =
                agent(&dir, &server.url, (email, password), label, &unit, WRITES).spawn()?;
            running.push((child, Duration::from_millis(rng.random_range(20..400))));
        }
        for (mut child, after) in running {
            tokio::time::sleep(after).await;
            if let Some(pid) = child.id() {
                // It may have finished already: that round then just checks a clean exit.
                let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            }
            let status = child.wait().await?;
            assert!(
                status.success() || status.code().is_none(),
                "round {round}: the desk failed on its own: {status}"
            );
            if status.code().is_none() {
                killed_mid_work += 1;
            }
        }
    }
    eprintln!(
        "{killed_mid_work} of {} desk runs were killed mid-work",
        kills * desks.len()
    );
    // Kills must land while desks are still writing or flushing, or this test would
    // prove nothing about crashes (late rounds may find a desk already done).
    assert!(
        killed_mid_work >= kills / 2,
        "only {killed_mid_work} of {} desk runs were killed mid-work",
        kills * desks.len()
    );
    // Left alone, each desk finishes writing and flushing.
    for (label, email, password) in desks {
        let dir = tmp.path().join(label);
        let out = tokio::time::timeout(
            Duration::from_secs(120),
            agent(&dir, &server.url, (email, password), label, &unit, WRITES).output(),
        )
        .await??;
        assert!(
            out.status.success(),
            "desk {label} did not finish: {}",
            out.status
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("flushed {WRITES}")),
            "desk {label}: {stdout}"
        );
    }

    let log = demo_change_log(&server.url).await?;
    for (label, _, _) in desks {
        assert_writes_once_in_order(&log, label, WRITES);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_traffic_loses_and_duplicates_nothing() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let unit = some_unit(&server.url).await?;
    let desks = [
        ("c", "concierge@lofts-des-arts.demo", "concierge-demo"),
        ("d", "manager@lofts-des-arts.demo", "manager-demo"),
    ];
    // Desks are signed in before the trouble starts, as in real life.
    for (label, email, password) in desks {
        let dir = tmp.path().join(label);
        let out = agent(&dir, &server.url, (email, password), label, &unit, 0)
            .output()
            .await?;
        assert!(out.status.success(), "desk {label} could not sign in");
    }
    let mut agents = Vec::new();
    for (label, email, password) in desks {
        let dir = tmp.path().join(label);
        agents.push((
            label,
            agent(&dir, &server.url, (email, password), label, &unit, WRITES).spawn()?,
        ));
    }
    // Power cuts on the server while both desks write and push.
    for pause_ms in [150, 300] {
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        server.kill().await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        server.restart().await?;
    }
    for (label, child) in agents {
        let out =
            tokio::time::timeout(Duration::from_secs(180), child.wait_with_output()).await??;
        assert!(out.status.success(), "desk {label}: {}", out.status);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("flushed {WRITES}")),
            "desk {label}: {stdout}"
        );
    }
    let log = demo_change_log(&server.url).await?;
    for (label, _, _) in desks {
        assert_writes_once_in_order(&log, label, WRITES);
    }
    Ok(())
}
