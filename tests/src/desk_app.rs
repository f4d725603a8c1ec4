//! The real desk app, built with its UI embedded, driven over WebDriver: tauri-driver
//! in front of WebKitWebDriver, on a display from [`crate::display`].

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};

/// How long a step may take before the test fails: generous, the machines are shared.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// One running tauri-driver; each [`DeskApp`] is a WebDriver session on it.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    pub async fn start(display: &str) -> anyhow::Result<Self> {
        // Both ports are held while choosing, or the OS may hand out the same one twice.
        let (a, b) = (
            std::net::TcpListener::bind("127.0.0.1:0")?,
            std::net::TcpListener::bind("127.0.0.1:0")?,
        );
        let (port, native_port) = (a.local_addr()?.port(), b.local_addr()?.port());
        drop((a, b));
        let driver = which("tauri-driver")?;
        let child = Command::new(driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("DISPLAY", display)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group, so that stopping it also stops the WebKitWebDriver
            // and app processes it starts (they would otherwise outlive the test and
            // hold its output open).
            .process_group(0)
            .kill_on_drop(true)
            .spawn()?;
        crate::eventually("tauri-driver to listen", STEP_TIMEOUT, || async {
            Ok(tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(|_| ()))
        })
        .await?;
        Ok(Self { child, port })
    }

    /// Starts the desk app with `args` and opens a WebDriver session on its window.
    pub async fn launch(&self, args: &[String]) -> anyhow::Result<DeskApp> {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": crate::bins::built("frontdesk"),
                "args": args,
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await?;
        Ok(DeskApp { client })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.child.start_kill();
    }
}

pub struct DeskApp {
    pub client: Client,
}

impl DeskApp {
    /// Closes the window (the app exits with its last window).
    pub async fn close(self) -> anyhow::Result<()> {
        self.client.close().await?;
        Ok(())
    }

    pub async fn wait_for(&self, css: &str) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| anyhow::anyhow!("waiting for {css}: {e}"))
    }

    /// Waits until the element matching `css` has attribute `attr` equal to one of `values`.
    pub async fn wait_for_attr(
        &self,
        css: &str,
        attr: &str,
        values: &[&str],
    ) -> anyhow::Result<String> {
        self.wait_for_attr_within(STEP_TIMEOUT, css, attr, values)
            .await
    }

    pub async fn wait_for_attr_within(
        &self,
        timeout: Duration,
        css: &str,
        attr: &str,
        values: &[&str],
    ) -> anyhow::Result<String> {
        crate::eventually(&format!("{css}[{attr}] in {values:?}"), timeout, || async {
            let el = self.client.find(Locator::Css(css)).await?;
            Ok(el
                .attr(attr)
                .await?
                .filter(|v| values.contains(&v.as_str())))
        })
        .await
    }

    /// Waits until at least `min` elements match `css`, and returns them.
    pub async fn wait_for_all(&self, css: &str, min: usize) -> anyhow::Result<Vec<Element>> {
        crate::eventually(&format!("{min}+ of {css}"), STEP_TIMEOUT, || async {
            let els = self.client.find_all(Locator::Css(css)).await?;
            Ok((els.len() >= min).then_some(els))
        })
        .await
    }

    pub async fn type_into(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let el = self.wait_for(css).await?;
        el.clear().await?;
        el.send_keys(text).await?;
        Ok(())
    }

    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    /// The text content of the element matching `css`. WebKitWebDriver's "visible
    /// text" leaves out text in overflow-hidden (`truncate`) boxes even when it is on
    /// screen, so this reads the DOM's textContent; screenshots show what is drawn.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        text_of(&self.wait_for(css).await?).await
    }

    /// Saves a PNG of the window as `<dir>/<name>.png`.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
        let png = self.client.screenshot().await?;
        anyhow::ensure!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }
}

pub async fn text_of(element: &Element) -> anyhow::Result<String> {
    Ok(element.prop("textContent").await?.unwrap_or_default())
}

fn which(name: &str) -> anyhow::Result<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| anyhow::anyhow!("{name} not found: `cargo install tauri-driver --locked --version 2.1.0` (scripts/test.sh does)"))
}
