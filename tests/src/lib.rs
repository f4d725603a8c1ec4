//! Harness for the end-to-end tests: the real binaries of this workspace, started as
//! processes on loopback, and the real desk app driven over WebDriver.

pub mod artifacts;
pub mod bench;
pub mod bins;
pub mod desk_app;
pub mod display;
pub mod fault_proxy;
pub mod headless;
/// Throwaway PostgreSQL databases: the server tests' own helper, shared rather than
/// copied.
#[path = "../../crates/server/tests/common/pg.rs"]
pub mod pg;
pub mod server;
pub mod server_http;

/// Polls `check` until it yields a value or `timeout` passes.
pub async fn eventually<T, F, Fut>(
    what: &str,
    timeout: std::time::Duration,
    mut check: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last_error = Some(e),
        }
        if tokio::time::Instant::now() >= deadline {
            anyhow::bail!(
                "timed out after {timeout:?} waiting for {what} (last error: {last_error:?})"
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
