//! A headless desk as its own process, for tests that kill desks: it signs in, makes
//! numbered writes (`LABEL-00000`, `LABEL-00001`, …) up to `--writes`, waits until the
//! server has acknowledged them all, and exits. Killed and started again on the same
//! data folder, it carries on from the writes its store already holds. A write is one
//! durable transaction, so the count in the store is exact.
//!
//!   desk-agent --data-dir D --server URL --email E --password P --label L --writes N --unit UNIT_ID

use std::time::Duration;

use frontdesk_desk_core::session::SessionStorePolicy;
use frontdesk_desk_core::{Desk, DeskErrorCode, DeskOptions};
use frontdesk_protocol::InstructionTarget;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let data_dir = value("--data-dir")?;
    let server = value("--server")?;
    let label = value("--label")?;
    let writes: usize = value("--writes")?.parse()?;
    let target = InstructionTarget::Unit(value("--unit")?);

    let mut options = DeskOptions::new(&data_dir);
    options.session_store = SessionStorePolicy::FileOnly;
    options.poll_interval = Duration::from_millis(50);
    let desk = Desk::open(options).await?;
    if desk.bootstrap().await?.signed_in.is_none() {
        desk.sign_in(&server, &value("--email")?, &value("--password")?)
            .await?;
    }

    let prefix = format!("{label}-");
    let mut done = desk
        .instructions(&target)
        .await?
        .iter()
        .filter(|v| v.instruction.text.starts_with(&prefix))
        .count();
    let mut status = desk.subscribe_status();
    while done < writes {
        let text = format!("{prefix}{done:05}");
        match desk.save_instruction(None, target.clone(), &text).await {
            Ok(()) => {
                done += 1;
                println!("wrote {done}");
            }
            // The first pull has not brought the unit here yet, as on a desk's first
            // minute: wait for the sync, as staff would.
            Err(e) if e.code == DeskErrorCode::NotFound => {
                let _ = tokio::time::timeout(Duration::from_millis(100), status.changed()).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    while desk.status().queued > 0 {
        let _ = tokio::time::timeout(Duration::from_millis(100), status.changed()).await;
    }
    println!("flushed {done}");
    Ok(())
}

fn value(name: &str) -> anyhow::Result<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("missing {name}"))
}
