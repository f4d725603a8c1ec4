//! Headless desks for the end-to-end tests: the real `Desk` of desk-core, each with its
//! own store folder, the session kept in a file (no keyring on test machines).

use std::path::Path;
use std::time::Duration;

use frontdesk_desk_core::session::SessionStorePolicy;
use frontdesk_desk_core::{Desk, DeskOptions};
use frontdesk_protocol::InstructionTarget;

pub fn desk_options(dir: &Path, poll_interval: Duration) -> DeskOptions {
    let mut options = DeskOptions::new(dir);
    options.session_store = SessionStorePolicy::FileOnly;
    options.poll_interval = poll_interval;
    options
}

/// Opens a desk with `options` and signs it in (without waiting for its first pull).
pub async fn signed_in(
    options: DeskOptions,
    server: &str,
    (email, password): (&str, &str),
) -> anyhow::Result<Desk> {
    let desk = Desk::open(options).await?;
    desk.sign_in(server, email, password).await?;
    Ok(desk)
}

/// Waits until the desk has applied its first pull.
pub async fn first_pull(desk: &Desk, timeout: Duration) -> anyhow::Result<()> {
    crate::eventually("the first pull", timeout, || async {
        Ok((desk.status().cursor > 0).then_some(()))
    })
    .await
}

/// A desk in its own folder `dir`, polling every 100 ms, signed in as `account` and
/// through its first pull: ready to show the building.
pub async fn synced_desk(
    dir: &Path,
    server: &str,
    account: (&str, &str),
    timeout: Duration,
) -> anyhow::Result<Desk> {
    let desk = signed_in(
        desk_options(dir, Duration::from_millis(100)),
        server,
        account,
    )
    .await?;
    first_pull(&desk, timeout).await?;
    Ok(desk)
}

/// A resident of the building with a unit, once `desk`'s directory has one: someone
/// to receive a parcel.
pub async fn resident_with_unit(
    desk: &Desk,
    timeout: Duration,
) -> anyhow::Result<frontdesk_desk_core::directory::ResidentHit> {
    crate::eventually(
        "a resident with a unit in the directory",
        timeout,
        || async {
            let found = desk.search_residents("", 50).await?;
            Ok(found.hits.into_iter().find(|h| h.unit_id.is_some()))
        },
    )
    .await
}

/// Whether [`settled_texts`] asks for a sync first, or looks only at what the desk did
/// by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    SyncNow,
    Nothing,
}

/// The instruction texts a desk shows on `target`, sorted, once none is pending.
pub async fn settled_texts(
    desk: &Desk,
    target: &InstructionTarget,
    ask: Ask,
) -> anyhow::Result<Option<Vec<String>>> {
    if ask == Ask::SyncNow {
        desk.sync_now().await?;
    }
    let views = desk.instructions(target).await?;
    if views.iter().any(|v| v.pending) {
        return Ok(None);
    }
    let mut texts: Vec<String> = views.into_iter().map(|v| v.instruction.text).collect();
    texts.sort();
    Ok(Some(texts))
}

/// The first `n` distinct units of occupied demo residents, as the desk finds them.
pub async fn first_units(desk: &Desk, n: usize) -> anyhow::Result<Vec<InstructionTarget>> {
    let mut units = Vec::new();
    for hit in desk.search_residents("", 50).await?.hits {
        if let Some(unit) = desk.resident(&hit.id).await?.unit {
            let target = InstructionTarget::Unit(unit.id);
            if !units.contains(&target) {
                units.push(target);
            }
        }
        if units.len() == n {
            break;
        }
    }
    anyhow::ensure!(
        units.len() == n,
        "the demo has fewer than {n} occupied units"
    );
    Ok(units)
}
