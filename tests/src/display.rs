//! An X display for the app window: the session's own when it has one, else a private
//! Xvfb started for the test and stopped with it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Display {
    pub name: String,
    xvfb: Option<Child>,
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(mut child) = self.xvfb.take() {
            // SIGTERM, so Xvfb removes its lock file; a killed one leaves it behind.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            let _ = child.wait();
        }
    }
}

/// Whether display `n` is taken: its lock file names a live process. A lock left by a
/// process that is gone is stale, and Xvfb replaces it.
fn taken(n: u32) -> bool {
    let Ok(lock) = std::fs::read_to_string(format!("/tmp/.X{n}-lock")) else {
        return false;
    };
    match lock.trim().parse::<i32>() {
        Ok(pid) => nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok(),
        Err(_) => true,
    }
}

impl Display {
    pub fn get() -> anyhow::Result<Self> {
        if let Ok(name) = std::env::var("DISPLAY")
            && !name.is_empty()
        {
            return Ok(Self { name, xvfb: None });
        }
        let n = (90..400)
            .find(|n| !taken(*n))
            .ok_or_else(|| anyhow::anyhow!("no free X display number"))?;
        let name = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([&name, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("starting Xvfb (apt-get install xvfb): {e}"))?;
        let socket = format!("/tmp/.X11-unix/X{n}");
        for _ in 0..100 {
            if Path::new(&socket).exists() {
                return Ok(Self {
                    name,
                    xvfb: Some(child),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        anyhow::bail!("Xvfb {name} did not come up")
    }
}
