//! Full resync through the real server binary: a desk whose cursor the server no longer
//! serves (its log was compacted with the real `log compact` command while the desk
//! was away, or the server's database was restored from an older backup) reloads the
//! building from the start, keeps the writes it queued while away, and ends with
//! exactly the server's state, its writes applied once and in order.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use frontdesk_desk_core::sync::ConnectionState;
use frontdesk_desk_core::{Desk, DeskOptions};
use frontdesk_e2e::eventually;
use frontdesk_e2e::headless::{desk_options, first_pull, first_units, signed_in};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::{DEMO_ADMIN, change_log_and_head, login};
use frontdesk_protocol::InstructionTarget;
use serde_json::Value;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(60);
const CONCIERGE: (&str, &str) = ("concierge@lofts-des-arts.demo", "concierge-demo");
const SECURITY: (&str, &str) = ("security@lofts-des-arts.demo", "security-demo");

fn options(dir: &Path) -> DeskOptions {
    desk_options(dir, Duration::from_millis(100))
}

async fn signed_in_desk(dir: &Path, server: &str, account: (&str, &str)) -> anyhow::Result<Desk> {
    let desk = signed_in(options(dir), server, account).await?;
    first_pull(&desk, WAIT).await?;
    Ok(desk)
}

/// Waits until the desk has pushed everything and pulled up to `head` (or further).
async fn settled(desk: &Desk, what: &str) -> anyhow::Result<()> {
    eventually(what, WAIT, || async {
        let status = desk.sync_now().await?;
        Ok((status.queued == 0 && status.connection == ConnectionState::Online).then_some(()))
    })
    .await
}

/// What the server holds, read from its change log from 0 as a desk reads it.
#[derive(Debug, PartialEq)]
struct ServerState {
    instructions: BTreeMap<String, String>,
    units: Vec<String>,
    residents: Vec<String>,
    head: i64,
    log: Vec<Value>,
}

async fn server_state(url: &str, token: &str) -> anyhow::Result<ServerState> {
    let (log, head) = change_log_and_head(url, token).await?;
    let mut instructions = BTreeMap::new();
    let mut units = BTreeMap::new();
    let mut residents = BTreeMap::new();
    for change in &log {
        let data = &change["body"]["data"];
        let id = data["id"].as_str().unwrap_or_default().to_owned();
        match change["body"]["kind"].as_str().unwrap_or_default() {
            "instruction_upserted" => {
                instructions.insert(id, data["text"].as_str().unwrap_or_default().to_owned());
            }
            "instruction_deleted" => {
                instructions.remove(&id);
            }
            "unit_upserted" => {
                units.insert(id, ());
            }
            "unit_deleted" => {
                units.remove(&id);
            }
            "resident_upserted" => {
                residents.insert(id, ());
            }
            "resident_deleted" => {
                residents.remove(&id);
            }
            _ => {}
        }
    }
    Ok(ServerState {
        instructions,
        units: units.into_keys().collect(),
        residents: residents.into_keys().collect(),
        head,
        log,
    })
}

/// The server's state as the desk holds it in its tables (the outbox aside).
async fn desk_tables(
    desk: &Desk,
) -> anyhow::Result<(BTreeMap<String, String>, Vec<String>, Vec<String>)> {
    let pool = desk.store().pool();
    let instructions: Vec<(String, String)> =
        sqlx::query_as("SELECT id, text FROM instructions ORDER BY id")
            .fetch_all(pool)
            .await?;
    let units: Vec<(String,)> = sqlx::query_as("SELECT id FROM units ORDER BY id")
        .fetch_all(pool)
        .await?;
    let residents: Vec<(String,)> = sqlx::query_as("SELECT id FROM residents ORDER BY id")
        .fetch_all(pool)
        .await?;
    Ok((
        instructions.into_iter().collect(),
        units.into_iter().map(|(id,)| id).collect(),
        residents.into_iter().map(|(id,)| id).collect(),
    ))
}

/// Writes made on the returning desk while the server was unreachable.
#[derive(Debug, Clone)]
enum Away {
    Save(String, usize, String),
    Delete(String),
}

/// Makes `writes` on `desk` (queued: the server is down) and returns their mutation
/// ids, in the order made.
async fn write_while_away(
    desk: &Desk,
    units: &[InstructionTarget],
    writes: &[Away],
) -> anyhow::Result<Vec<Uuid>> {
    for write in writes {
        match write {
            Away::Save(id, unit, text) => {
                desk.save_instruction(Some(id.clone()), units[*unit].clone(), text)
                    .await?
            }
            Away::Delete(id) => desk.delete_instruction(id).await?,
        }
    }
    let queued = desk.outbox().await?;
    anyhow::ensure!(queued.len() == writes.len(), "all queued: {queued:?}");
    Ok(queued.iter().map(|i| i.mutation.id).collect())
}

fn apply_away(state: &mut BTreeMap<String, String>, writes: &[Away]) {
    for write in writes {
        match write {
            Away::Save(id, _, text) => {
                state.insert(id.clone(), text.clone());
            }
            Away::Delete(id) => {
                state.remove(id);
            }
        }
    }
}

/// Checks the returned desk against the server: same directory and instructions, its
/// own writes each once in the log, in the order made, and nothing left to send.
async fn assert_in_step(
    desk: &Desk,
    server: &ServerState,
    expected: &BTreeMap<String, String>,
    written: &[Uuid],
) -> anyhow::Result<()> {
    assert_eq!(
        &server.instructions, expected,
        "the server applied every write"
    );
    let (instructions, units, residents) = desk_tables(desk).await?;
    assert_eq!(instructions, server.instructions, "the desk's instructions");
    assert_eq!(units, server.units, "the desk's units");
    assert_eq!(residents, server.residents, "the desk's residents");
    let status = desk.status();
    assert_eq!(status.queued, 0);
    assert_eq!(status.rejected, 0);
    assert_eq!(status.cursor, server.head);
    assert!(
        status.last_full_resync_ms.is_some(),
        "the status says it reloaded"
    );
    let seqs: Vec<i64> = written
        .iter()
        .map(|id| {
            let hits: Vec<i64> = server
                .log
                .iter()
                .filter(|c| c["mutation_id"].as_str() == Some(id.to_string().as_str()))
                .filter_map(|c| c["seq"].as_i64())
                .collect();
            assert_eq!(hits.len(), 1, "mutation {id} applied once: {hits:?}");
            hits[0]
        })
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in the order made: {seqs:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_whose_cursor_was_compacted_away_resyncs_and_keeps_its_queued_writes()
-> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let admin = login(&server.url, DEMO_ADMIN).await?;
    let other = signed_in_desk(&tmp.path().join("other"), &server.url, SECURITY).await?;
    let units = first_units(&other, 3).await?;
    for n in 0..6 {
        other
            .save_instruction(
                Some(format!("shared-{n}")),
                units[n % 3].clone(),
                &format!("before {n}"),
            )
            .await?;
    }
    settled(&other, "the first instructions to reach the server").await?;

    // The returning desk syncs once, sees them, and goes away.
    let away_dir = tmp.path().join("away");
    let cursor_before = {
        let desk = signed_in_desk(&away_dir, &server.url, CONCIERGE).await?;
        settled(&desk, "the desk to catch up").await?;
        let (instructions, _, _) = desk_tables(&desk).await?;
        assert_eq!(instructions.len(), 6);
        desk.status().cursor
    };

    // Meanwhile: many more writes, editing and deleting what it saw.
    for round in 0..40 {
        for n in 0..6 {
            let id = format!("shared-{n}");
            if (round + n) % 5 == 0 {
                other.delete_instruction(&id).await?;
            } else {
                other
                    .save_instruction(
                        Some(id),
                        units[n % 3].clone(),
                        &format!("round {round} of {n}"),
                    )
                    .await?;
            }
        }
    }
    other.delete_instruction("shared-0").await?;
    other.delete_instruction("shared-1").await?;
    settled(&other, "the other desk's writes to reach the server").await?;

    // The operator compacts the log, with the real command, while the server runs.
    let out = server
        .admin(&["log", "compact", "--keep-days", "0"])
        .await?;
    let horizon: i64 = out
        .split("horizon ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no horizon in {out:?}"))?;
    assert!(cursor_before < horizon, "{cursor_before} vs {out}");
    let before_return = server_state(&server.url, &admin).await?;
    assert!(!before_return.instructions.contains_key("shared-0"));

    // The desk comes back while the server is down; staff write on it meanwhile,
    // including on instructions deleted or rewritten upstream since it last synced.
    server.stop().await?;
    let desk = Desk::open(options(&away_dir)).await?;
    eventually("the desk to see the outage", WAIT, || async {
        Ok(matches!(
            desk.status().connection,
            ConnectionState::Reconnecting { attempt: 1.., .. } | ConnectionState::Offline { .. }
        )
        .then_some(()))
    })
    .await?;
    let mut writes = vec![
        Away::Save(
            "shared-0".into(),
            0,
            "rewritten at the returning desk".into(),
        ),
        Away::Delete("shared-3".into()),
    ];
    for n in 0..8 {
        writes.push(Away::Save(
            format!("away-{n}"),
            n % 3,
            format!("away note {n}"),
        ));
    }
    writes.push(Away::Save("away-1".into(), 1, "away note 1, edited".into()));
    writes.push(Away::Delete("away-2".into()));
    let written = write_while_away(&desk, &units, &writes).await?;
    assert_eq!(desk.status().queued as usize, writes.len());

    server.restart().await?;
    settled(&desk, "the returning desk to resync and send its queue").await?;
    let mut expected = before_return.instructions.clone();
    apply_away(&mut expected, &writes);
    let now = server_state(&server.url, &admin).await?;
    assert_in_step(&desk, &now, &expected, &written).await?;
    // The screen shows the server's state, nothing waiting.
    for target in &units {
        let views = desk.instructions(target).await?;
        assert!(views.iter().all(|v| !v.pending));
        for view in views {
            assert_eq!(
                now.instructions.get(&view.instruction.id),
                Some(&view.instruction.text)
            );
        }
    }
    Ok(())
}

fn database_files(dir: &Path) -> [std::path::PathBuf; 3] {
    ["server.db", "server.db-wal", "server.db-shm"].map(|name| dir.join(name))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_ahead_of_a_restored_server_resyncs() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let other = signed_in_desk(&tmp.path().join("other"), &server.url, SECURITY).await?;
    let desk = signed_in_desk(&tmp.path().join("desk"), &server.url, CONCIERGE).await?;
    let units = first_units(&desk, 2).await?;
    other
        .save_instruction(Some("kept".into()), units[0].clone(), "in the backup")
        .await?;
    settled(&other, "the first write").await?;
    settled(&desk, "the desk to catch up").await?;

    // The nightly backup (server stopped, so the files are consistent).
    server.stop().await?;
    let backup = tmp.path().join("backup");
    std::fs::create_dir(&backup)?;
    for file in database_files(tmp.path()) {
        if file.exists() {
            std::fs::copy(&file, backup.join(file.file_name().unwrap_or_default()))?;
        }
    }
    server.restart().await?;

    // A day's work after it, which the desk pulls.
    for n in 0..20 {
        other
            .save_instruction(
                Some(format!("lost-{n}")),
                units[1].clone(),
                &format!("after the backup {n}"),
            )
            .await?;
    }
    desk.save_instruction(
        Some("lost-mine".into()),
        units[1].clone(),
        "also after the backup",
    )
    .await?;
    settled(&other, "the day's writes").await?;
    settled(&desk, "the desk to pull the day's writes").await?;
    let cursor_before = desk.status().cursor;

    // The disk dies; the backup is restored. The desk writes while the server is down.
    server.stop().await?;
    for file in database_files(tmp.path()) {
        let saved = backup.join(file.file_name().unwrap_or_default());
        if saved.exists() {
            std::fs::copy(&saved, &file)?;
        } else if file.exists() {
            std::fs::remove_file(&file)?;
        }
    }
    eventually("the desk to see the outage", WAIT, || async {
        Ok((!matches!(desk.status().connection, ConnectionState::Online)).then_some(()))
    })
    .await?;
    let writes = vec![
        Away::Save(
            "during-restore".into(),
            0,
            "written while the server was restored".into(),
        ),
        Away::Save(
            "kept".into(),
            0,
            "edited while the server was restored".into(),
        ),
    ];
    let written = write_while_away(&desk, &units, &writes).await?;

    server.restart().await?;
    let admin = login(&server.url, DEMO_ADMIN).await?;
    let restored = server_state(&server.url, &admin).await?;
    assert!(
        restored.head < cursor_before,
        "the desk is ahead of the restored server"
    );
    let mut expected = restored.instructions.clone();
    apply_away(&mut expected, &writes);

    settled(&desk, "the desk to resync with the restored server").await?;
    let now = server_state(&server.url, &admin).await?;
    assert_in_step(&desk, &now, &expected, &written).await?;
    assert!(
        !now.instructions.keys().any(|id| id.starts_with("lost-")),
        "what the restored server lost is gone at the desk too"
    );
    Ok(())
}
