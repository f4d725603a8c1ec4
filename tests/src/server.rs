//! The real `frontdesk-server` binary as a child process on loopback.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct ServerProcess {
    child: Option<Child>,
    database: String,
    pub url: String,
    pub port: u16,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
    }
}

/// An embedded SQLite database for a server, in `dir`.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("server.db").display())
}

impl ServerProcess {
    /// Seeds the demo building and serves on a free port.
    pub async fn start_demo(database: &str) -> anyhow::Result<Self> {
        Self::start_on(database, true).await
    }

    /// Serves an existing database on a free port, as a second instance of a building
    /// server on the same PostgreSQL would.
    pub async fn start(database: &str) -> anyhow::Result<Self> {
        Self::start_on(database, false).await
    }

    async fn start_on(database: &str, demo: bool) -> anyhow::Result<Self> {
        let (child, url, port) = spawn(database, "127.0.0.1:0", demo).await?;
        Ok(Self {
            child: Some(child),
            database: database.to_owned(),
            url,
            port,
        })
    }
}

/// Starts the binary and waits for its "listening on URL" line.
async fn spawn(database: &str, listen: &str, demo: bool) -> anyhow::Result<(Child, String, u16)> {
    let mut cmd = Command::new(binary());
    cmd.args(["--database", database, "serve", "--listen", listen]);
    if demo {
        cmd.arg("--demo");
    }
    // Quiet unless asked: FRONTDESK_TEST_SERVER_LOG=info shows every request.
    let log = std::env::var("FRONTDESK_TEST_SERVER_LOG").unwrap_or_else(|_| "warn".into());
    cmd.env("RUST_LOG", log)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(rest) = line.split("listening on ").nth(1) {
                return anyhow::Ok(rest.trim().to_owned());
            }
        }
        anyhow::bail!("the server exited before listening")
    })
    .await
    .map_err(|_| anyhow::anyhow!("the server did not start listening within 60 s"))??;
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let port = url
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no port in {url:?}"))?;
    Ok((child, url, port))
}

impl ServerProcess {
    /// Runs a `frontdesk-server` admin command (e.g. `user disable EMAIL`) on this
    /// server's database, as an operator would while it serves.
    pub async fn admin(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(binary())
            .args(["--database", &self.database])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .await?;
        anyhow::ensure!(
            out.status.success(),
            "frontdesk-server {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Stops the server as an operator would (SIGTERM) and waits for it to exit.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        self.signal_and_wait(Signal::SIGTERM).await
    }

    /// Kills the server without warning (SIGKILL), as a crash or power cut would.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        self.signal_and_wait(Signal::SIGKILL).await
    }

    async fn signal_and_wait(&mut self, signal: Signal) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                kill(Pid::from_raw(pid as i32), signal)?;
            }
            tokio::time::timeout(Duration::from_secs(30), child.wait()).await??;
        }
        Ok(())
    }

    /// Starts the server again on the same database and port.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        anyhow::ensure!(self.child.is_none(), "stop the server before restarting it");
        let listen = format!("127.0.0.1:{}", self.port);
        let (child, _, _) = spawn(&self.database, &listen, false).await?;
        self.child = Some(child);
        Ok(())
    }
}

fn binary() -> PathBuf {
    crate::bins::built("frontdesk-server")
}
