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
        Self::start_with_env(display, &[]).await
    }

    /// A tauri-driver with `env` added to its environment, which every app it starts
    /// inherits (tauri-driver has no per-session environment). Apps that need different
    /// values, such as the `FRONTDESK_PASSWORD` of `--sign-in`, each need their own Driver;
    /// several can share one display.
    pub async fn start_with_env(display: &str, env: &[(&str, &str)]) -> anyhow::Result<Self> {
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
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group, so that stopping it also stops the WebKitWebDriver
            // and app processes it starts (they would otherwise outlive the test and
            // hold its output open).
            .process_group(0)
            .kill_on_drop(true)
            .spawn()?;
        // tauri-driver spawns WebKitWebDriver and listens at once, without waiting for
        // it: a session asked for before WebKitWebDriver listens fails ("webdriver server
        // did not respond"). So wait for both.
        for (what, port) in [
            ("tauri-driver to listen", port),
            ("WebKitWebDriver to listen", native_port),
        ] {
            crate::eventually(what, STEP_TIMEOUT, || async {
                Ok(tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .ok()
                    .map(|_| ()))
            })
            .await?;
        }
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

    /// Enter on its own into whatever has focus, as a person presses it (well after
    /// the last key: a burst ending in Enter is what the scanner detection looks for).
    pub async fn press_enter(&self) -> anyhow::Result<()> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let focused = self.client.active_element().await?;
        focused
            .send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
            .await?;
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

    /// Starts recording what the status bar shows: from now on, every change of its
    /// connection state or queued count that reaches the page is appended to a log kept
    /// in the page (a MutationObserver, so a state shown for a single frame is not missed
    /// between two polls). Read it with [`DeskApp::status_shown`].
    pub async fn record_status(&self) -> anyhow::Result<()> {
        self.wait_for(STATUS_CONNECTION).await?;
        self.client.execute(RECORD_STATUS_JS, vec![]).await?;
        Ok(())
    }

    /// What the status bar has shown since [`DeskApp::record_status`], oldest first.
    pub async fn status_shown(&self) -> anyhow::Result<Vec<StatusShown>> {
        let log = self
            .client
            .execute("return window.__frontdeskStatusLog || null;", vec![])
            .await?;
        let entries = log
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("the status bar is not being recorded"))?;
        entries
            .iter()
            .map(|e| {
                Ok(StatusShown {
                    state: e["state"].as_str().unwrap_or_default().to_owned(),
                    queued: e["queued"]
                        .as_u64()
                        .ok_or_else(|| anyhow::anyhow!("no queued count in {e}"))?
                        as u32,
                    at_ms: e["at_ms"].as_i64().unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Saves a PNG of the window as `<dir>/<name>.png`.
    /// It first lets the page paint twice: the DOM that WebDriver reads can be ahead of
    /// the last frame drawn, and a shot taken at once sometimes showed an older one.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
        self.client
            .execute_async(AFTER_TWO_FRAMES_JS, vec![])
            .await?;
        let png = self.client.screenshot().await?;
        anyhow::ensure!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }
}

/// The status bar's connection indicator (its `data-state` is the desk's connection state).
pub const STATUS_CONNECTION: &str = "[data-testid=status-connection]";
/// The status bar's queued-writes button (its `data-count` is the number queued).
pub const STATUS_QUEUED: &str = "[data-testid=status-queued]";

/// One change in what the status bar shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusShown {
    /// `online`, `reconnecting`, `offline`, `session_expired` or `signed_out`.
    pub state: String,
    pub queued: u32,
    /// The page's clock when it was shown.
    pub at_ms: i64,
}

/// Returns after two animation frames, or after a second when the page is not painting.
const AFTER_TWO_FRAMES_JS: &str = r#"
const done = arguments[arguments.length - 1];
setTimeout(done, 1000);
requestAnimationFrame(() => requestAnimationFrame(() => done()));
"#;

/// Installs the status recorder once per page. It reads the two status elements after
/// every DOM change under the body (attributes, or the elements being replaced) and
/// appends a row when the pair differs from the last one.
const RECORD_STATUS_JS: &str = r#"
if (!window.__frontdeskStatusLog) {
  const log = [];
  const read = () => {
    const c = document.querySelector("[data-testid=status-connection]");
    const q = document.querySelector("[data-testid=status-queued]");
    if (!c || !q) return;
    const state = c.getAttribute("data-state");
    const queued = Number(q.getAttribute("data-count"));
    const last = log[log.length - 1];
    if (!last || last.state !== state || last.queued !== queued) {
      log.push({ state, queued, at_ms: Date.now() });
    }
  };
  new MutationObserver(read).observe(document.body, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["data-state", "data-count"],
  });
  read();
  window.__frontdeskStatusLog = log;
}
return true;
"#;

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
