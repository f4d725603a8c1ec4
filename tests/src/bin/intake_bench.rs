//! Intake throughput of the desk: parcels registered through `Desk::intake_package` (the
//! call behind Enter on the Intake screen: carrier recognised, recipient checked, parcel
//! and outbox row committed durably, the parcel read back for the screen), with the server
//! stopped so that only the desk is measured. Prints one JSON document. Run in release, on
//! a quiet machine:
//!
//!   cargo build --release --workspace --bins && cargo run --release -p frontdesk-e2e --bin intake-bench
//!
//! Figures (goals from the packages issue in brackets): `intake.per_second` (≥ 1,000/s),
//! `intake.p99_ms` (≤ 5 ms, durable), beside a bare durable SQLite commit on the same disk
//! in the same run and the store's own intake without the read-back (`store_intake`).

use std::time::Instant;

use frontdesk_desk_core::packages::NewPackage;
use frontdesk_e2e::bench::{arg, bare_commit_latencies, open_desk, percentile};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_protocol::PackageFlags;
use serde_json::json;

/// Real-format tracking numbers of several carriers, each made unique by its serial.
fn tracking(n: usize) -> String {
    match n % 3 {
        0 => format!("TBA{:012}", n),
        1 => format!("1Z999AA1{:010}", n),
        _ => format!("{:016}", 7_316_000_000_000_000u64 + n as u64),
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let parcels: usize = arg("--parcels", 5_000);
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let desk = open_desk(
        &tmp.path().join("desk"),
        &server.url,
        "concierge@lofts-des-arts.demo",
        "concierge-demo",
    )
    .await?;
    let residents: Vec<String> = desk
        .search_residents("", 200)
        .await?
        .hits
        .into_iter()
        .filter(|h| h.unit_id.is_some())
        .map(|h| h.id)
        .collect();
    anyhow::ensure!(!residents.is_empty(), "no resident with a unit in the demo");
    server.stop().await?;

    let new = |n: usize| NewPackage {
        tracking_number: Some(tracking(n)),
        carrier: None,
        resident_id: Some(residents[n % residents.len()].clone()),
        unit_id: None,
        shelf: Some(format!("B-{}", n % 12)),
        size: None,
        flags: PackageFlags {
            perishable: n.is_multiple_of(7),
            ..PackageFlags::default()
        },
        note: None,
    };

    let mut intake_ms = Vec::with_capacity(parcels);
    let started = Instant::now();
    for n in 0..parcels {
        let t = Instant::now();
        let view = desk.intake_package(new(n)).await?;
        intake_ms.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(view.pending, "a parcel taken in offline is waiting to sync");
    }
    let total = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        desk.status().queued as usize == parcels,
        "every intake is in the outbox"
    );

    // The same registrations without the read-back the screen needs.
    let store_n = parcels.min(2_000);
    let mut store_ms = Vec::with_capacity(store_n);
    for n in 0..store_n {
        let t = Instant::now();
        desk.store()
            .intake_package(new(parcels + n), n as i64)
            .await?;
        store_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut baseline = bare_commit_latencies(&tmp.path().join("baseline.db"), store_n).await?;

    let report = json!({
        "parcels": parcels,
        "intake": {
            "per_second": parcels as f64 / total,
            "p50_ms": percentile(&mut intake_ms, 0.50),
            "p99_ms": percentile(&mut intake_ms, 0.99),
            "max_ms": percentile(&mut intake_ms, 1.0),
        },
        "store_intake": {
            "registrations": store_n,
            "p50_ms": percentile(&mut store_ms, 0.50),
            "p99_ms": percentile(&mut store_ms, 0.99),
        },
        "baseline_bare_sqlite_commit": {
            "commits": baseline.len(),
            "p50_ms": percentile(&mut baseline, 0.50),
            "p99_ms": percentile(&mut baseline, 0.99),
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
