//! The server's HTTP API as a plain client, for tests and benches that check what the
//! server itself holds (its change log), independently of any desk.

use serde_json::Value;

/// The demo building's admin, whose token reads the whole Lofts des Arts log.
pub const DEMO_ADMIN: (&str, &str) = ("admin@lofts-des-arts.demo", "admin-demo");

pub async fn login(url: &str, (email, password): (&str, &str)) -> anyhow::Result<String> {
    let session: Value = reqwest::Client::new()
        .post(format!("{url}/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    session["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no token in {session}"))
}

/// Every change of the token's building, paging through `GET /v1/sync/pull` from 0
/// as a desk does (sending back each page's compaction horizon).
pub async fn change_log(url: &str, token: &str) -> anyhow::Result<Vec<Value>> {
    Ok(change_log_and_head(url, token).await?.0)
}

/// [`change_log`], and the building's head at the end of it.
pub async fn change_log_and_head(url: &str, token: &str) -> anyhow::Result<(Vec<Value>, i64)> {
    let http = reqwest::Client::new();
    let mut all = Vec::new();
    let mut after = 0i64;
    let mut horizon = String::new();
    loop {
        let page: Value = http
            .get(format!(
                "{url}/v1/sync/pull?after={after}&limit=5000{horizon}"
            ))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let changes = page["changes"].as_array().cloned().unwrap_or_default();
        after = changes
            .last()
            .and_then(|c| c["seq"].as_i64())
            .unwrap_or(after);
        if let Some(h) = page["horizon_seq"].as_i64() {
            horizon = format!("&horizon={h}");
        }
        let more = page["has_more"].as_bool().unwrap_or(false);
        all.extend(changes);
        if !more {
            let head = page["head_seq"].as_i64().unwrap_or(after);
            return Ok((all, head));
        }
    }
}

/// The demo building's whole change log, read as its admin.
pub async fn demo_change_log(url: &str) -> anyhow::Result<Vec<Value>> {
    change_log(url, &login(url, DEMO_ADMIN).await?).await
}

/// Every numbered write of desk `label` (texts `LABEL-00000`, `LABEL-00001`, … up to
/// `count`) is in the change log exactly once, in order, each under its own mutation id.
pub fn assert_writes_once_in_order(log: &[Value], label: &str, count: usize) {
    let prefix = format!("{label}-");
    let mine: Vec<&Value> = log
        .iter()
        .filter(|c| c["body"]["kind"] == "instruction_upserted")
        .filter(|c| {
            c["body"]["data"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with(&prefix))
        })
        .collect();
    let texts: Vec<&str> = mine
        .iter()
        .filter_map(|c| c["body"]["data"]["text"].as_str())
        .collect();
    let expected: Vec<String> = (0..count).map(|n| format!("{prefix}{n:05}")).collect();
    assert_eq!(
        texts.len(),
        count,
        "desk {label}: every write once (got {})",
        texts.len()
    );
    assert_eq!(
        texts,
        expected.iter().map(String::as_str).collect::<Vec<_>>(),
        "desk {label}: in order"
    );
    let mut ids: Vec<&str> = mine
        .iter()
        .filter_map(|c| c["mutation_id"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "desk {label}: one mutation id per write");
}
