//! A message's attachments reach the real server before the message does: the desk's
//! pusher uploads them first (asking before sending), an upload that dies on the
//! network is sent again without the server keeping two copies, and a message whose
//! file can never be sent is refused at its desk with the reason, without the message
//! reaching the server.
//!
//! The messages go to a real conversation the desk opened, so the server applies them:
//! the echo settling the outbox row shows the message was pushed and accepted, the
//! blob on the server shows it was uploaded first, and a refused upload leaves no trace
//! of the message on the server.

use std::path::Path;
use std::time::Duration;

use frontdesk_desk_core::outbox::{self, OutboxItem, OutboxState};
use frontdesk_desk_core::{Desk, Timeouts};
use frontdesk_e2e::eventually;
use frontdesk_e2e::fault_proxy::{Fault, FaultProxy};
use frontdesk_e2e::headless::{desk_options, first_pull, signed_in};
use frontdesk_e2e::server::{ServerProcess, sqlite_url};
use frontdesk_e2e::server_http::login;
use frontdesk_protocol::{
    Attachment, AttachmentRef, MessageSend, MutationBody, RejectCode, blob_sha256,
};
use sqlx::{Connection, Row, SqliteConnection};
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(60);
const CONCIERGE: (&str, &str) = ("concierge@lofts-des-arts.demo", "concierge-demo");

fn test_timeouts() -> Timeouts {
    Timeouts {
        request: Duration::from_secs(2),
        connect: Duration::from_secs(1),
        heartbeat_every: Duration::from_millis(300),
        dead_after: Duration::from_millis(1500),
    }
}

async fn desk_at(dir: &Path, server: &str, timeouts: Timeouts) -> anyhow::Result<Desk> {
    let mut options = desk_options(dir, Duration::from_millis(200));
    options.timeouts = timeouts;
    let desk = signed_in(options, server, CONCIERGE).await?;
    first_pull(&desk, WAIT).await?;
    Ok(desk)
}

/// Opens the direct conversation with another staff member, as the messaging screen does.
async fn conversation(desk: &Desk) -> anyhow::Result<String> {
    let other = desk
        .staff_directory()
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no colleague to write to in the demo"))?;
    Ok(desk.start_conversation(vec![other.id], None).await?)
}

/// Queues a message with `attachments` in `conversation_id` through the outbox (so
/// the test holds its mutation id), and wakes the pusher. Returns the mutation id.
async fn queue_message(
    desk: &Desk,
    conversation_id: &str,
    attachments: &[Attachment],
) -> anyhow::Result<Uuid> {
    let body = MutationBody::MessageSend(MessageSend {
        id: Uuid::now_v7().to_string(),
        conversation_id: conversation_id.to_owned(),
        text: "Colis abîmé, photo jointe".into(),
        attachments: attachments
            .iter()
            .map(|a| AttachmentRef {
                sha256: a.sha256.clone(),
                name: a.name.clone(),
            })
            .collect(),
    });
    let mut tx = desk.store().begin_write().await?;
    let mutation = outbox::enqueue(&mut tx, body, 0).await?;
    tx.commit().await?;
    desk.sync_now().await?;
    Ok(mutation.id)
}

async fn outbox_item(desk: &Desk, id: Uuid) -> anyhow::Result<OutboxItem> {
    desk.outbox()
        .await?
        .into_iter()
        .find(|i| i.mutation.id == id)
        .ok_or_else(|| anyhow::anyhow!("mutation {id} is not in the outbox"))
}

/// Waits until the server has applied the message (its echo settles the outbox row).
async fn accepted(desk: &Desk, id: Uuid) -> anyhow::Result<()> {
    eventually("the message to be applied", WAIT, || async {
        match outbox_item(desk, id).await {
            Err(_) => Ok(Some(())),
            Ok(item) => {
                anyhow::ensure!(
                    item.state != OutboxState::Rejected,
                    "refused: {:?}",
                    item.reject_reason
                );
                Ok(None)
            }
        }
    })
    .await
}

/// Waits until the message is refused, and returns the reason.
async fn refusal(desk: &Desk, id: Uuid) -> anyhow::Result<String> {
    eventually("the message to be answered", WAIT, || async {
        let item = outbox_item(desk, id).await?;
        Ok((item.state == OutboxState::Rejected).then(|| item.reject_reason.unwrap_or_default()))
    })
    .await
}

/// The server's own record: copies of blob `sha256`, and whether it ever saw the
/// mutation `id`.
async fn server_rows(database: &str, sha256: &str, id: Uuid) -> anyhow::Result<(i64, i64)> {
    let mut conn = SqliteConnection::connect(database).await?;
    let blobs: i64 = sqlx::query("SELECT COUNT(*) AS n FROM blobs WHERE sha256 = ?")
        .bind(sha256)
        .fetch_one(&mut conn)
        .await?
        .try_get("n")?;
    let mutations: i64 = sqlx::query("SELECT COUNT(*) AS n FROM mutations WHERE id = ?")
        .bind(id.to_string())
        .fetch_one(&mut conn)
        .await?
        .try_get("n")?;
    conn.close().await?;
    Ok((blobs, mutations))
}

fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend((0..len).map(|i| (i % 251) as u8));
    bytes
}

async fn server_blob(url: &str, token: &str, sha256: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    let res = reqwest::Client::new()
        .get(format!("{url}/v1/blobs/{sha256}"))
        .bearer_auth(token)
        .send()
        .await?;
    Ok((res.status().as_u16(), res.bytes().await?.to_vec()))
}

#[tokio::test(flavor = "multi_thread")]
async fn attachments_are_uploaded_before_their_message_is_pushed() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let database = sqlite_url(tmp.path());
    let server = ServerProcess::start_demo(&database).await?;
    let desk = desk_at(&tmp.path().join("desk"), &server.url, test_timeouts()).await?;

    let photo = desk
        .attach_file(png(200_000), "C:\\Photos\\colis.png")
        .await?;
    let note = desk
        .attach_file(
            "Laissé chez le voisin du 4B".as_bytes().to_vec(),
            "note.txt",
        )
        .await?;
    assert_eq!(photo.name, "colis.png");
    assert_eq!(photo.content_type, "image/png");
    assert_eq!(note.content_type, "text/plain");
    let chat = conversation(&desk).await?;
    let id = queue_message(&desk, &chat, &[photo.clone(), note.clone()]).await?;
    accepted(&desk, id).await?;
    let token = login(&server.url, CONCIERGE).await?;
    for attachment in [&photo, &note] {
        let (status, bytes) = server_blob(&server.url, &token, &attachment.sha256).await?;
        assert_eq!(status, 200);
        assert_eq!(blob_sha256(&bytes), attachment.sha256);
        assert_eq!(
            server_rows(&database, &attachment.sha256, id).await?,
            (1, 1)
        );
    }

    // The same files in a second message: already there, nothing is stored again.
    let again = queue_message(&desk, &chat, std::slice::from_ref(&photo)).await?;
    accepted(&desk, again).await?;
    assert_eq!(server_rows(&database, &photo.sha256, again).await?, (1, 1));

    // A desk that lost its copy reads it back from the server.
    std::fs::remove_file(tmp.path().join("desk/blobs").join(&photo.sha256))?;
    assert_eq!(blob_sha256(&desk.blob(&photo.sha256).await?), photo.sha256);
    assert!(
        tmp.path().join("desk/blobs").join(&photo.sha256).exists(),
        "kept again"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_lost_on_the_network_is_sent_again_and_stored_once() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let database = sqlite_url(tmp.path());
    let server = ServerProcess::start_demo(&database).await?;
    let upstream = format!("127.0.0.1:{}", server.port).parse()?;
    let proxy = FaultProxy::start(upstream).await?;
    let desk = desk_at(&tmp.path().join("desk"), &proxy.url(), test_timeouts()).await?;

    // Large enough that it cannot go through in one TCP write.
    let photo = desk.attach_file(png(8 * 1024 * 1024), "scan.png").await?;
    let chat = conversation(&desk).await?;
    eventually("the conversation to be opened", WAIT, || async {
        Ok((desk.status().queued == 0).then_some(()))
    })
    .await?;
    proxy.set(Fault::Blackhole);
    let id = queue_message(&desk, &chat, std::slice::from_ref(&photo)).await?;
    eventually("an attempt to fail", WAIT, || async {
        let item = outbox_item(&desk, id).await?;
        Ok((item.attempts >= 1 && item.last_error.is_some()).then_some(()))
    })
    .await?;
    let waiting = outbox_item(&desk, id).await?;
    assert_eq!(
        waiting.state,
        OutboxState::Pending,
        "a passing failure keeps it queued"
    );
    assert_eq!(
        server_rows(&database, &photo.sha256, id).await?.1,
        0,
        "not pushed yet"
    );

    proxy.set(Fault::None);
    accepted(&desk, id).await?;
    assert_eq!(server_rows(&database, &photo.sha256, id).await?, (1, 1));
    let token = login(&server.url, CONCIERGE).await?;
    let (status, bytes) = server_blob(&server.url, &token, &photo.sha256).await?;
    assert_eq!(status, 200);
    assert_eq!(bytes.len() as u64, photo.size);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_whose_file_cannot_be_sent_is_refused_at_its_desk() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let database = sqlite_url(tmp.path());
    let server = ServerProcess::start_demo(&database).await?;
    let desk = desk_at(&tmp.path().join("desk"), &server.url, test_timeouts()).await?;

    // Attaching a refused file fails at once, and queues nothing.
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    let err = desk
        .attach_file(elf.clone(), "photo.png")
        .await
        .unwrap_err();
    assert_eq!(err.code, frontdesk_desk_core::DeskErrorCode::AttachmentType);
    assert_eq!(desk.status().queued, 0);

    // A file that reached the desk's folder some other way (an older desk, say) and
    // that the rules refuse: the message is refused with the reason, and neither it
    // nor the file reaches the server.
    let sha256 = blob_sha256(&elf);
    std::fs::write(tmp.path().join("desk/blobs").join(&sha256), &elf)?;
    let smuggled = Attachment {
        sha256: sha256.clone(),
        name: "photo.png".into(),
        content_type: "image/png".into(),
        size: elf.len() as u64,
    };
    // Queued behind it, an ordinary write still goes through.
    let chat = conversation(&desk).await?;
    let refused = queue_message(&desk, &chat, &[smuggled]).await?;
    let fine = desk.attach_file(png(1000), "ok.png").await?;
    let after = queue_message(&desk, &chat, std::slice::from_ref(&fine)).await?;

    let reason = refusal(&desk, refused).await?;
    assert!(
        reason.contains("photo.png") && reason.contains("PNG, JPEG"),
        "{reason}"
    );
    let item = outbox_item(&desk, refused).await?;
    assert_eq!(item.reject_code, Some(RejectCode::Invalid));
    assert_eq!(server_rows(&database, &sha256, refused).await?, (0, 0));
    accepted(&desk, after).await?;

    // A file gone from the desk (and never uploaded) can never be sent either.
    let gone = Attachment {
        sha256: blob_sha256(b"deleted before it was sent"),
        name: "gone.pdf".into(),
        content_type: "application/pdf".into(),
        size: 26,
    };
    let lost = queue_message(&desk, &chat, std::slice::from_ref(&gone)).await?;
    let reason = refusal(&desk, lost).await?;
    assert!(reason.contains("no longer on this desk"), "{reason}");
    assert_eq!(server_rows(&database, &gone.sha256, lost).await?, (0, 0));
    Ok(())
}

/// A message with an attachment arrives at its other participant's desk, which fetches
/// the file (the server lets a participant read what their conversation attaches).
#[tokio::test(flavor = "multi_thread")]
async fn a_message_with_an_attachment_arrives_with_its_file() -> anyhow::Result<()> {
    use frontdesk_protocol::{ConversationCreate, ConversationKind, direct_conversation_id};
    const SECURITY: (&str, &str) = ("security@lofts-des-arts.demo", "security-demo");
    let tmp = tempfile::tempdir()?;
    let server = ServerProcess::start_demo(&sqlite_url(tmp.path())).await?;
    let sender = desk_at(&tmp.path().join("sender"), &server.url, test_timeouts()).await?;
    let mut options = desk_options(&tmp.path().join("receiver"), Duration::from_millis(200));
    options.timeouts = test_timeouts();
    let receiver = signed_in(options, &server.url, SECURITY).await?;
    first_pull(&receiver, WAIT).await?;

    let me = sender
        .bootstrap()
        .await?
        .signed_in
        .expect("signed in")
        .staff
        .id;
    let them = receiver
        .bootstrap()
        .await?
        .signed_in
        .expect("signed in")
        .staff
        .id;
    let conversation_id = direct_conversation_id(&me, &them);
    let photo = sender.attach_file(png(50_000), "colis.png").await?;
    let mut tx = sender.store().begin_write().await?;
    outbox::enqueue(
        &mut tx,
        MutationBody::ConversationCreate(ConversationCreate {
            id: conversation_id.clone(),
            kind: ConversationKind::Direct,
            title: None,
            participant_ids: vec![them.clone()],
        }),
        0,
    )
    .await?;
    tx.commit().await?;
    let id = {
        let body = MutationBody::MessageSend(MessageSend {
            id: Uuid::now_v7().to_string(),
            conversation_id,
            text: "Photo du colis".into(),
            attachments: vec![AttachmentRef {
                sha256: photo.sha256.clone(),
                name: photo.name.clone(),
            }],
        });
        let mut tx = sender.store().begin_write().await?;
        let m = outbox::enqueue(&mut tx, body, 0).await?;
        tx.commit().await?;
        m.id
    };
    sender.sync_now().await?;
    eventually("the message to be applied", WAIT, || async {
        Ok(outbox_item(&sender, id).await.is_err().then_some(()))
    })
    .await?;
    let bytes = eventually("the receiver to fetch the file", WAIT, || async {
        Ok(receiver.blob(&photo.sha256).await.ok())
    })
    .await?;
    assert_eq!(blob_sha256(&bytes), photo.sha256);
    Ok(())
}
