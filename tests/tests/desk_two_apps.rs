//! The outage scenario from two real desk apps on one server: both open the same unit's
//! instructions through the UI; the server is killed; each desk adds, edits and deletes
//! instructions, turn about; the server restarts. Both windows must end showing every
//! instruction from both desks, once, newest first; the server's change log must hold each
//! desk's writes once and in the order that desk made them; and each status bar must have
//! gone through the connection states the desk publishes, its queued count back to zero.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;
use frontdesk_e2e::desk_app::{
    DeskApp, Driver, STATUS_CONNECTION, STATUS_QUEUED, StatusShown, text_of,
};
use frontdesk_e2e::display::Display;
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::demo_change_log;
use frontdesk_e2e::{artifacts, eventually};
use serde_json::Value;

/// How long a desk may take to show something another process caused.
const WAIT: Duration = Duration::from_secs(60);
/// After the restart each desk retries at its next jittered backoff, up to 30 s away
/// after a long outage (`crates/desk-core/src/sync/backoff.rs`), and its live
/// connection likewise: generous.
const BACK: Duration = Duration::from_secs(90);
const UNIT_SECTION: &str = "[data-testid=instructions-unit]";
const ARTIFACTS: &str = "e2e/desk_two_apps";

/// A desk app window, who is signed in at it, and the writes it made during the outage.
struct Desk {
    name: &'static str,
    app: DeskApp,
    made: Vec<Made>,
}

/// One write made at a desk, as the server's change log should record it.
#[derive(Debug, Clone)]
enum Made {
    Saved { id: String, text: String },
    Deleted { id: String },
}

/// One instruction as the unit's section shows it.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    id: String,
    text: String,
    pending: bool,
}

/// The unit's instructions as shown, top to bottom (newest first), read in one call.
async fn shown(app: &DeskApp) -> anyhow::Result<Vec<Shown>> {
    let js = format!(
        r#"return [...document.querySelectorAll("{UNIT_SECTION} [data-testid=instruction]")].map((li) => ({{
            id: li.dataset.instructionId,
            pending: li.dataset.pending === "true",
            text: li.querySelector("[data-testid=instruction-body]")?.textContent ?? null,
        }}));"#
    );
    let rows = app.client.execute(&js, vec![]).await?;
    rows.as_array()
        .ok_or_else(|| anyhow::anyhow!("no instruction list: {rows}"))?
        .iter()
        .map(|r| {
            Ok(Shown {
                id: r["id"].as_str().unwrap_or_default().to_owned(),
                text: r["text"]
                    .as_str()
                    .ok_or_else(|| anyhow::anyhow!("an instruction shows no text: {r}"))?
                    .to_owned(),
                pending: r["pending"].as_bool().unwrap_or_default(),
            })
        })
        .collect()
}

async fn id_shown(app: &DeskApp, text: &str) -> anyhow::Result<String> {
    eventually(&format!("{text:?} shown"), WAIT, || async {
        Ok(shown(app)
            .await?
            .into_iter()
            .find(|s| s.text == text)
            .map(|s| s.id))
    })
    .await
}

/// Waits until the instruction `id` shows `text`, and returns whether it is marked pending.
async fn wait_shown(app: &DeskApp, id: &str, text: &str) -> anyhow::Result<bool> {
    eventually(&format!("{text:?} shown as {id}"), WAIT, || async {
        Ok(shown(app)
            .await?
            .into_iter()
            .find(|s| s.id == id && s.text == text)
            .map(|s| s.pending))
    })
    .await
}

/// Waits until the status bar counts `count` queued writes, and says the number.
async fn queued(app: &DeskApp, count: usize) -> anyhow::Result<()> {
    app.wait_for_attr(STATUS_QUEUED, "data-count", &[&count.to_string()])
        .await?;
    let said = app.text(STATUS_QUEUED).await?;
    anyhow::ensure!(
        count == 0 || said.contains(&count.to_string()),
        "the status bar counts {count} queued but says {said:?}"
    );
    Ok(())
}

impl Desk {
    /// Adds an instruction to the unit; it shows at once, marked pending when `offline`.
    async fn add(&mut self, text: &str, offline: bool) -> anyhow::Result<String> {
        let before: HashSet<String> = shown(&self.app).await?.into_iter().map(|s| s.id).collect();
        self.app
            .click(&format!("{UNIT_SECTION} [data-testid=instruction-add]"))
            .await?;
        self.app
            .type_into(
                &format!(
                    "{UNIT_SECTION} [data-testid=instruction-editor] [data-testid=instruction-text]"
                ),
                text,
            )
            .await?;
        self.app
            .click(&format!("{UNIT_SECTION} [data-testid=instruction-save]"))
            .await?;
        let id = eventually(
            &format!("{text:?} added at {}", self.name),
            WAIT,
            || async {
                Ok(shown(&self.app)
                    .await?
                    .into_iter()
                    .find(|s| s.text == text && !before.contains(&s.id))
                    .map(|s| s.id))
            },
        )
        .await?;
        if offline {
            anyhow::ensure!(
                wait_shown(&self.app, &id, text).await?,
                "{text:?} is not marked as waiting at {}",
                self.name
            );
            self.made.push(Made::Saved {
                id: id.clone(),
                text: text.to_owned(),
            });
            queued(&self.app, self.made.len()).await?;
        }
        Ok(id)
    }

    /// Edits the instruction showing `old` to say `new` (offline).
    async fn edit(&mut self, old: &str, new: &str) -> anyhow::Result<()> {
        let id = id_shown(&self.app, old).await?;
        let item = format!("{UNIT_SECTION} [data-instruction-id=\"{id}\"]");
        self.app
            .click(&format!("{item} [data-testid=instruction-edit]"))
            .await?;
        self.app
            .type_into(&format!("{item} [data-testid=instruction-text]"), new)
            .await?;
        self.app
            .click(&format!("{item} [data-testid=instruction-save]"))
            .await?;
        anyhow::ensure!(
            wait_shown(&self.app, &id, new).await?,
            "the edit to {new:?} is not marked as waiting at {}",
            self.name
        );
        self.made.push(Made::Saved {
            id,
            text: new.to_owned(),
        });
        queued(&self.app, self.made.len()).await
    }

    /// Deletes the instruction showing `text` (offline): it goes from the list at once.
    async fn delete(&mut self, text: &str) -> anyhow::Result<()> {
        let id = id_shown(&self.app, text).await?;
        let item = format!("{UNIT_SECTION} [data-instruction-id=\"{id}\"]");
        self.app
            .click(&format!("{item} [data-testid=instruction-delete]"))
            .await?;
        self.app
            .click(&format!("{item} [data-testid=instruction-delete-confirm]"))
            .await?;
        eventually(&format!("{text:?} gone at {}", self.name), WAIT, || async {
            Ok((!shown(&self.app).await?.iter().any(|s| s.id == id)).then_some(()))
        })
        .await?;
        self.made.push(Made::Deleted { id });
        queued(&self.app, self.made.len()).await
    }

    /// The desk's queued writes as its Sync panel lists them (opened from the status
    /// bar), oldest first: their mutation ids. Checks they are this desk's writes, in
    /// the order made.
    async fn queued_mutations(&self, shots: &Path) -> anyhow::Result<Vec<String>> {
        self.app.click(STATUS_QUEUED).await?;
        self.app.wait_for("[data-testid=sync-panel]").await?;
        let items = self
            .app
            .wait_for_all("[data-testid=outbox-item]", self.made.len())
            .await?;
        anyhow::ensure!(
            items.len() == self.made.len(),
            "{}'s Sync panel lists {} writes, {} were made",
            self.name,
            items.len(),
            self.made.len()
        );
        let mut ids = Vec::new();
        for (item, made) in items.iter().zip(&self.made) {
            let described = text_of(
                &item
                    .find(Locator::Css("[data-testid=outbox-description]"))
                    .await?,
            )
            .await?;
            let kind = item.attr("data-kind").await?.unwrap_or_default();
            let matches = match made {
                Made::Saved { text, .. } => {
                    kind == "instruction_save" && described.contains(text.as_str())
                }
                Made::Deleted { .. } => kind == "instruction_delete",
            };
            anyhow::ensure!(
                matches,
                "{}'s Sync panel, in order: {kind} {described:?} listed for {made:?}",
                self.name
            );
            anyhow::ensure!(item.attr("data-state").await?.as_deref() == Some("pending"));
            ids.push(item.attr("data-mutation-id").await?.unwrap_or_default());
        }
        self.app
            .screenshot(shots, &format!("{}-2-sync-panel-offline", self.name))
            .await?;
        self.app.click("[data-testid=sync-panel-close]").await?;
        eventually("the Sync panel to close", WAIT, || async {
            Ok(self
                .app
                .client
                .find_all(Locator::Css("[data-testid=sync-panel]"))
                .await?
                .is_empty()
                .then_some(()))
        })
        .await?;
        Ok(ids)
    }
}

/// A demo unit with residents, as (unit number, the ids of its residents).
async fn unit_with_residents(server: &str) -> anyhow::Result<(String, HashSet<String>)> {
    let log = demo_change_log(server).await?;
    let data = |kind: &'static str| {
        log.iter()
            .filter(move |c| c["body"]["kind"] == kind)
            .map(|c| &c["body"]["data"])
    };
    for unit in data("unit_upserted") {
        let residents: HashSet<String> = data("resident_upserted")
            .filter(|r| r["unit_id"] == unit["id"])
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect();
        if !residents.is_empty()
            && let Some(number) = unit["unit_number"].as_str()
        {
            return Ok((number.to_owned(), residents));
        }
    }
    anyhow::bail!("the demo has no unit with residents")
}

/// Signs in at start (`--sign-in`, the password from the Driver's environment).
fn desk_args(data_dir: &Path, server: &str, email: &str) -> Vec<String> {
    vec![
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--session-file".into(),
        "--server".into(),
        server.into(),
        "--sign-in".into(),
        email.into(),
    ]
}

/// Searches the directory for the unit's number and opens one of its residents: the
/// page shows the unit's instructions.
async fn open_unit(app: &DeskApp, unit: &str, residents: &HashSet<String>) -> anyhow::Result<()> {
    app.click("[data-testid=nav-residents]").await?;
    app.type_into("[data-testid=resident-search]", unit).await?;
    let hit = eventually(&format!("a resident of unit {unit}"), WAIT, || async {
        for hit in app
            .client
            .find_all(Locator::Css("[data-testid=resident-hit]"))
            .await?
        {
            if let Some(id) = hit.attr("data-resident-id").await?
                && residents.contains(&id)
            {
                return Ok(Some(hit));
            }
        }
        Ok(None)
    })
    .await?;
    hit.click().await?;
    let shown_unit = app.text("[data-testid=resident-unit]").await?;
    anyhow::ensure!(
        shown_unit == unit,
        "opened unit {shown_unit:?}, not {unit:?}"
    );
    app.wait_for(&format!("{UNIT_SECTION} [data-testid=instruction-add]"))
        .await?;
    Ok(())
}

/// Switches the desk to French in Settings, as staff would.
async fn choose_french(app: &DeskApp) -> anyhow::Result<()> {
    app.click("[data-testid=nav-settings]").await?;
    app.wait_for("[data-testid=language-select]")
        .await?
        .select_by_value("fr")
        .await?;
    eventually("the page in French", WAIT, || async {
        let lang = app
            .client
            .execute("return document.documentElement.lang;", vec![])
            .await?;
        Ok((lang == "fr").then_some(()))
    })
    .await
}

/// Consecutive repeats of a state collapsed: the states in the order shown.
fn states(log: &[StatusShown]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in log {
        if out.last() != Some(&s.state.as_str()) {
            out.push(&s.state);
        }
    }
    out
}

fn print_log(name: &str, log: &[StatusShown], restarted_at_ms: i64) {
    let start = log.first().map_or(0, |s| s.at_ms);
    eprintln!(
        "{name}: the server restarted at +{:.1}s",
        (restarted_at_ms - start) as f64 / 1000.0
    );
    let rows: Vec<String> = log
        .iter()
        .map(|s| {
            format!(
                "+{:.1}s {} queued={}",
                (s.at_ms - start) as f64 / 1000.0,
                s.state,
                s.queued
            )
        })
        .collect();
    eprintln!("{name}'s status bar showed:\n  {}", rows.join("\n  "));
}

/// The status bar from just before the server stopped to the end, as the desk-core
/// engine publishes it (`crates/desk-core/src/sync/engine.rs`, docs/sync-protocol.md):
/// `online`; the server gone, `reconnecting` while the first two attempts fail, then
/// `offline` from the third, with a brief `reconnecting` while each later retry runs;
/// after the restart, `reconnecting` while the successful attempt sends the queue, then
/// `online`. That last `reconnecting` may not be painted: when the attempt answers
/// within a few milliseconds, the two states reach the window together and one render
/// shows the second. The queued count rises by one per write and is zero once online
/// again.
fn check_status_log(
    name: &str,
    log: &[StatusShown],
    writes: usize,
    restarted_at_ms: i64,
) -> anyhow::Result<()> {
    print_log(name, log, restarted_at_ms);
    let seen = states(log);
    let between = seen
        .get(1..seen.len().saturating_sub(1))
        .unwrap_or_default();
    anyhow::ensure!(
        seen.first() == Some(&"online")
            && seen.get(1) == Some(&"reconnecting")
            && seen.len() >= 4
            && seen.last() == Some(&"online")
            && between.contains(&"offline")
            && between
                .iter()
                .all(|s| *s == "reconnecting" || *s == "offline"),
        "{name}'s status bar showed the states {seen:?}, expected online → reconnecting → \
         offline (with reconnecting at each retry) → (reconnecting) → online"
    );
    // The queued count: up one per write while the server is away, never down until it
    // is back, then zero.
    let counts: Vec<u32> = log.iter().map(|s| s.queued).collect();
    let peak = counts
        .iter()
        .position(|&c| c as usize == writes)
        .ok_or_else(|| {
            anyhow::anyhow!("{name}'s queued count never showed {writes}: {counts:?}")
        })?;
    let rising = &counts[..=peak];
    let mut rising_dedup = rising.to_vec();
    rising_dedup.dedup();
    anyhow::ensure!(
        rising_dedup == (0..=writes as u32).collect::<Vec<_>>(),
        "{name}'s queued count rose as {rising:?}, expected one step per write"
    );
    anyhow::ensure!(
        counts[peak..].windows(2).all(|w| w[1] <= w[0]),
        "{name}'s queued count went up again after the restart: {counts:?}"
    );
    let back = log
        .iter()
        .rposition(|s| s.state != "online")
        .map(|i| &log[i + 1..])
        .unwrap_or_default();
    anyhow::ensure!(
        back.iter().all(|s| s.queued == 0),
        "{name} showed online with writes still queued: {back:?}"
    );
    // The page and this test read the same clock.
    anyhow::ensure!(
        back.first().is_some_and(|s| s.at_ms >= restarted_at_ms),
        "{name} was back online before the server was restarted"
    );
    anyhow::ensure!(
        log.last()
            .is_some_and(|s| s.queued == 0 && s.state == "online"),
        "{name} did not end online with nothing queued"
    );
    Ok(())
}

/// The server's log holds each of the desk's queued writes exactly once, in the order
/// the desk made them, and each says what was written.
fn check_change_log(desk: &Desk, log: &[Value], mutation_ids: &[String]) -> anyhow::Result<()> {
    let mine: HashSet<&str> = mutation_ids.iter().map(String::as_str).collect();
    let arrived: Vec<&Value> = log
        .iter()
        .filter(|c| {
            c["mutation_id"]
                .as_str()
                .is_some_and(|id| mine.contains(id))
        })
        .collect();
    let arrived_ids: Vec<&str> = arrived
        .iter()
        .filter_map(|c| c["mutation_id"].as_str())
        .collect();
    anyhow::ensure!(
        arrived_ids == mutation_ids.iter().map(String::as_str).collect::<Vec<_>>(),
        "{}'s writes in the server's log, by mutation id: {arrived_ids:?}, made as {mutation_ids:?}",
        desk.name
    );
    for (change, made) in arrived.iter().zip(&desk.made) {
        let body = &change["body"];
        let ok = match made {
            Made::Saved { id, text } => {
                body["kind"] == "instruction_upserted"
                    && body["data"]["id"] == id.as_str()
                    && body["data"]["text"] == text.as_str()
            }
            Made::Deleted { id } => {
                body["kind"] == "instruction_deleted" && body["data"]["id"] == id.as_str()
            }
        };
        anyhow::ensure!(ok, "{}: {made:?} was logged as {change}", desk.name);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_desks_write_through_an_outage_and_converge() -> anyhow::Result<()> {
    let shots = artifacts::dir(ARTIFACTS);
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let (unit, residents) = unit_with_residents(&server.url).await?;

    // One display; a tauri-driver per desk, because each signs in with its own password.
    let display = Display::get()?;
    let driver_a =
        Driver::start_with_env(&display.name, &[("FRONTDESK_PASSWORD", "concierge-demo")]).await?;
    let driver_b =
        Driver::start_with_env(&display.name, &[("FRONTDESK_PASSWORD", "security-demo")]).await?;
    let mut a = Desk {
        name: "desk-a",
        app: driver_a
            .launch(&desk_args(
                &tmp.path().join("desk-a"),
                &server.url,
                "concierge@lofts-des-arts.demo",
            ))
            .await?,
        made: Vec::new(),
    };
    let mut b = Desk {
        name: "desk-b",
        app: driver_b
            .launch(&desk_args(
                &tmp.path().join("desk-b"),
                &server.url,
                "security@lofts-des-arts.demo",
            ))
            .await?,
        made: Vec::new(),
    };

    let result = scenario(&mut server, &mut a, &mut b, &unit, &residents, &shots).await;
    if result.is_err() {
        for desk in [&a, &b] {
            if let Err(e) = desk
                .app
                .screenshot(&shots, &format!("{}-failed", desk.name))
                .await
            {
                eprintln!("no screenshot of {} after the failure: {e}", desk.name);
            }
        }
    }
    result?;
    a.app.close().await?;
    b.app.close().await?;
    Ok(())
}

async fn scenario(
    server: &mut ServerProcess,
    a: &mut Desk,
    b: &mut Desk,
    unit: &str,
    residents: &HashSet<String>,
    shots: &Path,
) -> anyhow::Result<()> {
    for desk in [&*a, &*b] {
        desk.app.wait_for("[data-testid=app-ready]").await?;
        desk.app
            .wait_for_attr(STATUS_CONNECTION, "data-state", &["online"])
            .await?;
    }
    // Desk B works in French, so both languages are on screen.
    choose_french(&b.app).await?;
    for desk in [&*a, &*b] {
        open_unit(&desk.app, unit, residents).await?;
    }
    let baseline = shown(&a.app).await?;
    anyhow::ensure!(
        shown(&b.app).await? == baseline,
        "the desks disagree before anything was written"
    );

    // Online: each desk's instruction reaches the other.
    let a0 = "Deliveries for this unit go to the back door";
    let b0 = "Le chien est gentil, mais ne pas ouvrir la porte";
    let a0_id = a.add(a0, false).await?;
    let b0_id = b.add(b0, false).await?;
    for (desk, id, text) in [
        (&*b, &a0_id, a0),
        (&*a, &b0_id, b0),
        (&*a, &a0_id, a0),
        (&*b, &b0_id, b0),
    ] {
        eventually(
            &format!("{text:?} settled at {}", desk.name),
            WAIT,
            || async { Ok((!wait_shown(&desk.app, id, text).await?).then_some(())) },
        )
        .await?;
    }
    for desk in [&*a, &*b] {
        queued(&desk.app, 0).await?;
        desk.app.record_status().await?;
    }

    // The server dies. Each desk writes, turn about; each write shows at once, waiting.
    server.kill().await?;
    let a1 = "Dry cleaning: leave it at the door after 18:00";
    let b1 = "Clés de secours chez la voisine du 504";
    let a2 = "Plumber expected Tuesday morning";
    let b2 = "Colis fragiles : appeler avant de monter";
    let a0_edited = "Deliveries for this unit go to the back door, never the lobby";
    let a3 = "Do not buzz up before 9:00";
    let b1_edited = "Clés de secours chez la voisine du 504 (Mme Tremblay)";
    let b3 = "Travaux dans l'unité jusqu'au 30 juin : prévenir les livreurs";
    a.add(a1, true).await?;
    b.add(b1, true).await?;
    a.add(a2, true).await?;
    b.add(b2, true).await?;
    a.edit(a0, a0_edited).await?;
    b.delete(b0).await?;
    a.add(a3, true).await?;
    b.edit(b1, b1_edited).await?;
    a.delete(a2).await?;
    b.add(b3, true).await?;

    for desk in [&*a, &*b] {
        desk.app
            .wait_for_attr(STATUS_CONNECTION, "data-state", &["offline"])
            .await?;
        desk.app
            .screenshot(shots, &format!("{}-1-offline-queued", desk.name))
            .await?;
    }
    // Neither desk sees the other's writes while the server is away.
    let texts = |list: Vec<Shown>| list.into_iter().map(|s| s.text).collect::<Vec<_>>();
    let at_a = texts(shown(&a.app).await?);
    let at_b = texts(shown(&b.app).await?);
    anyhow::ensure!(
        !at_a
            .iter()
            .any(|t| [b1_edited, b2, b3].contains(&t.as_str())),
        "desk A shows desk B's offline writes: {at_a:?}"
    );
    anyhow::ensure!(
        !at_b
            .iter()
            .any(|t| [a1, a3, a0_edited].contains(&t.as_str())),
        "desk B shows desk A's offline writes: {at_b:?}"
    );
    let ids_a = a.queued_mutations(shots).await?;
    let ids_b = b.queued_mutations(shots).await?;

    // The server returns: each desk sends its queue by itself and takes the other's.
    let restarted_at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    server.restart().await?;
    for desk in [&*a, &*b] {
        desk.app
            .wait_for_attr_within(BACK, STATUS_QUEUED, "data-count", &["0"])
            .await?;
        desk.app
            .wait_for_attr_within(BACK, STATUS_CONNECTION, "data-state", &["online"])
            .await?;
    }
    // Newest first: the order the writes were made in, last one on top.
    let mut expected: Vec<&str> = vec![b3, b1_edited, a3, a0_edited, b2, a1];
    expected.extend(baseline.iter().map(|s| s.text.as_str()));
    for desk in [&*a, &*b] {
        let what = format!("{} to show both desks' instructions", desk.name);
        let list = eventually(&what, WAIT, || async {
            let list = shown(&desk.app).await?;
            let now: Vec<&str> = list.iter().map(|s| s.text.as_str()).collect();
            Ok((now == expected && list.iter().all(|s| !s.pending)).then_some(list))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}; expected {expected:?}"))?;
        let ids: HashSet<&str> = list.iter().map(|s| s.id.as_str()).collect();
        anyhow::ensure!(
            ids.len() == list.len(),
            "{} shows an instruction twice",
            desk.name
        );
        desk.app
            .screenshot(shots, &format!("{}-3-back-online", desk.name))
            .await?;
    }
    anyhow::ensure!(
        shown(&a.app).await? == shown(&b.app).await?,
        "the desks show different instructions"
    );

    let log = demo_change_log(&server.url).await?;
    check_change_log(a, &log, &ids_a)?;
    check_change_log(b, &log, &ids_b)?;

    for desk in [&*a, &*b] {
        let log = desk.app.status_shown().await?;
        check_status_log(desk.name, &log, desk.made.len(), restarted_at_ms)?;
    }
    Ok(())
}
