//! Staff messaging from the real desk app, over WebDriver, with a second desk (headless,
//! the real desk-core) on the same server: the app opens a conversation with the other
//! desk's staff member and they exchange messages live; an own message goes sent →
//! delivered → read as the other desk receives and reads it; markup in a message shows
//! as literal text and runs nothing; with the server stopped a message shows "sending"
//! and the status bar counts it queued, and once the server is back it becomes "sent",
//! then "delivered".

use std::time::Duration;

use fantoccini::Locator;
use fantoccini::key::Key;
use frontdesk_desk_core::messaging::ConversationQuery;
use frontdesk_desk_core::session::SessionStorePolicy;
use frontdesk_desk_core::{Desk, DeskOptions};
use frontdesk_e2e::desk_app::{DeskApp, Driver, text_of};
use frontdesk_e2e::display::Display;
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::{artifacts, eventually};

const WAIT: Duration = Duration::from_secs(60);
/// After a restart the desk retries at its next backoff, up to 30 s away.
const BACK: Duration = Duration::from_secs(90);
const XSS: &str =
    "<img src=x onerror=\"window.__pwned=1\"> <script>window.__pwned=2</script> <b>bold?</b>";

/// Types `text` into the composer as a person does, then Enter. (Keys sent in one
/// burst, as WebDriver sends them, are a barcode scanner's to the desk: a scan.)
async fn send(app: &DeskApp, text: &str) -> anyhow::Result<()> {
    let input = app.wait_for("[data-testid=composer-input]").await?;
    input.click().await?;
    for c in text.chars() {
        input.send_keys(&c.to_string()).await?;
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    input.send_keys(&char::from(Key::Enter).to_string()).await?;
    Ok(())
}

/// The state shown on the own message whose text is `text` (once it is shown).
async fn state_of(app: &DeskApp, text: &str) -> anyhow::Result<Option<String>> {
    for bubble in app
        .client
        .find_all(Locator::Css("[data-testid=message][data-own=true]"))
        .await?
    {
        // System messages ("… started the conversation") have no text body.
        for body in bubble
            .find_all(Locator::Css("[data-testid=message-text]"))
            .await?
        {
            if text_of(&body).await? == text {
                return Ok(bubble.attr("data-state").await?);
            }
        }
    }
    Ok(None)
}

async fn wait_state(
    app: &DeskApp,
    text: &str,
    wanted: &[&str],
    within: Duration,
) -> anyhow::Result<String> {
    let shown = eventually(&format!("{text:?} shown as {wanted:?}"), within, || async {
        Ok(state_of(app, text)
            .await?
            .filter(|s| wanted.contains(&s.as_str())))
    })
    .await;
    if shown.is_err() {
        // What the screen showed instead, for the artifacts.
        let html = app
            .client
            .execute(
                "return document.querySelector('[data-testid=messages-screen]')?.outerHTML ?? document.body.outerHTML;",
                vec![],
            )
            .await
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let dir = artifacts::dir("e2e/desk_messaging_app");
        let _ = std::fs::write(dir.join("failure.html"), html);
        let _ = app.screenshot(&dir, "failure").await;
    }
    shown
}

#[tokio::test(flavor = "multi_thread")]
async fn two_desks_chat_live_and_offline_with_truthful_states() -> anyhow::Result<()> {
    let shots = artifacts::dir("e2e/desk_messaging_app");
    let tmp = tempfile::tempdir()?;
    let mut server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;

    let mut options = DeskOptions::new(tmp.path().join("other"));
    options.session_store = SessionStorePolicy::FileOnly;
    options.poll_interval = Duration::from_millis(200);
    let other = Desk::open(options).await?;
    let security = other
        .sign_in(&server.url, "security@lofts-des-arts.demo", "security-demo")
        .await?
        .staff;

    let display = Display::get()?;
    let driver = Driver::start(&display.name).await?;
    let args = vec![
        "--data-dir".to_owned(),
        tmp.path().join("app").display().to_string(),
        "--session-file".into(),
        "--server".into(),
        server.url.clone(),
    ];
    let app = driver.launch(&args).await?;
    app.type_into("#email", "concierge@lofts-des-arts.demo")
        .await?;
    app.type_into("#password", "concierge-demo").await?;
    app.click("[data-testid=sign-in-submit]").await?;
    app.wait_for_attr("[data-testid=status-connection]", "data-state", &["online"])
        .await?;

    // A new conversation with the security guard, from the Messages screen.
    app.click("[data-testid=nav-messages]").await?;
    app.click("[data-testid=new-conversation]").await?;
    app.click(&format!(
        "[data-testid=staff-option][data-staff-id=\"{}\"]",
        security.id
    ))
    .await?;
    app.click("[data-testid=new-conversation-start]").await?;
    app.wait_for("[data-testid=thread]").await?;

    // Live: sent, then delivered once the other desk has it, then read once it reads.
    send(&app, "Colis pour le 4B à la réception").await?;
    wait_state(
        &app,
        "Colis pour le 4B à la réception",
        &["sent", "delivered", "read"],
        WAIT,
    )
    .await?;
    let conversation = eventually("the conversation at the other desk", WAIT, || async {
        let list = other.conversations(&ConversationQuery::default()).await?;
        Ok(list
            .into_iter()
            .find(|c| c.last_message.is_some() && c.unread > 0))
    })
    .await?;
    wait_state(
        &app,
        "Colis pour le 4B à la réception",
        &["delivered", "read"],
        WAIT,
    )
    .await?;
    other.mark_read(&conversation.id).await?;
    wait_state(&app, "Colis pour le 4B à la réception", &["read"], WAIT).await?;
    app.screenshot(&shots, "01-read").await?;

    // The other desk answers; the app shows it live, as someone else's message.
    other
        .send_message(&conversation.id, "Merci, je passe le prendre", Vec::new())
        .await?;
    eventually("the reply shown", WAIT, || async {
        for bubble in app
            .client
            .find_all(Locator::Css("[data-testid=message][data-own=false]"))
            .await?
        {
            let text = text_of(&bubble).await?;
            if text.contains("Merci, je passe le prendre") {
                return Ok(Some(()));
            }
        }
        Ok(None)
    })
    .await?;

    // Markup is text: shown literally, nothing made of it, nothing run.
    send(&app, XSS).await?;
    wait_state(&app, XSS, &["sent", "delivered", "read"], WAIT).await?;
    let made = app
        .client
        .execute(
            "const t = document.querySelector('[data-testid=thread]');\
             return { img: t.querySelectorAll('img').length, script: t.querySelectorAll('script').length,\
                      b: t.querySelectorAll('[data-testid=message-text] b').length, pwned: window.__pwned ?? null };",
            vec![],
        )
        .await?;
    assert_eq!(made["img"], 0, "{made}");
    assert_eq!(made["script"], 0, "{made}");
    assert_eq!(made["b"], 0, "{made}");
    assert!(made["pwned"].is_null(), "{made}");
    let at_other = eventually("the markup at the other desk", WAIT, || async {
        let page = other.messages(&conversation.id, None, None).await?;
        Ok(page.messages.into_iter().find(|m| m.text == XSS))
    })
    .await?;
    assert_eq!(at_other.text, XSS, "kept exactly as typed");
    app.screenshot(&shots, "02-markup-as-text").await?;

    // Offline: the message waits as "sending", counted as queued; then sent, delivered.
    server.stop().await?;
    app.wait_for_attr(
        "[data-testid=status-connection]",
        "data-state",
        &["reconnecting", "offline"],
    )
    .await?;
    send(&app, "Pendant la panne").await?;
    wait_state(&app, "Pendant la panne", &["sending"], WAIT).await?;
    let queued = app
        .wait_for("[data-testid=status-queued]")
        .await?
        .attr("data-count")
        .await?
        .unwrap_or_default();
    assert!(
        queued.parse::<u32>().unwrap_or(0) >= 1,
        "the status bar counts it queued: {queued:?}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        state_of(&app, "Pendant la panne").await?.as_deref(),
        Some("sending"),
        "it stays sending while the server is away"
    );
    app.screenshot(&shots, "03-sending-offline").await?;

    server.restart().await?;
    wait_state(
        &app,
        "Pendant la panne",
        &["sent", "delivered", "read"],
        BACK,
    )
    .await?;
    wait_state(&app, "Pendant la panne", &["delivered", "read"], BACK).await?;
    app.wait_for_attr_within(BACK, "[data-testid=status-queued]", "data-count", &["0"])
        .await?;
    let texts: Vec<String> = other
        .messages(&conversation.id, None, None)
        .await?
        .messages
        .into_iter()
        .filter(|m| m.text == "Pendant la panne")
        .map(|m| m.text)
        .collect();
    assert_eq!(texts.len(), 1, "the offline message arrived once");
    app.screenshot(&shots, "04-delivered-after-outage").await?;
    Ok(())
}
