//! `/v1/blobs/{sha256}` against SQLite and PostgreSQL: attachments stored by content
//! hash, with the server checking the hash, the size and the type itself, scoped to a
//! building and readable only by who may see them.

mod common;

use common::{Backend, TestDb, TestServer, api_error, count, relaxed_config};
use frontdesk_protocol::{BlobInfo, ErrorCode, MAX_ATTACHMENT_BYTES, StaffRole, blob_sha256};
use frontdesk_server::auth::accounts;
use reqwest::StatusCode;

/// A small but real PNG header, as a desk would upload it.
fn png(seed: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend((0..4096u32).map(|i| (i as u8).wrapping_mul(seed)));
    bytes
}

struct Building {
    server: TestServer,
    /// The doorman of building A, the one who uploads.
    a: String,
    /// Another staff member of building A.
    a2: String,
    /// The doorman of building B.
    b: String,
}

async fn start(tdb: &TestDb) -> Building {
    let db = tdb.connect().await;
    common::two_buildings(&db).await;
    common::add_staff(&db, "A", "night@a.test", "password-a2", StaffRole::Doorman).await;
    let server = TestServer::start(db, relaxed_config()).await;
    let a = server.login_ok("desk@a.test", "password-a").await.token;
    let a2 = server.login_ok("night@a.test", "password-a2").await.token;
    let b = server.login_ok("desk@b.test", "password-b").await.token;
    Building { server, a, a2, b }
}

async fn put(
    server: &TestServer,
    token: Option<&str>,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let mut req = server
        .http
        .put(server.url(&format!("/v1/blobs/{name}")))
        .body(bytes.to_vec());
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("PUT")
}

async fn head(server: &TestServer, token: Option<&str>, name: &str) -> reqwest::Response {
    let mut req = server.http.head(server.url(&format!("/v1/blobs/{name}")));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("HEAD")
}

async fn get(server: &TestServer, token: &str, name: &str) -> reqwest::Response {
    server.get(&format!("/v1/blobs/{name}"), Some(token)).await
}

fn header<'r>(res: &'r reqwest::Response, name: &str) -> &'r str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .expect("ASCII header")
}

async fn an_upload_is_read_back_byte_for_byte_and_a_repeat_writes_nothing(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let Building { server, a, .. } = start(&tdb).await;
    let bytes = png(7);
    let name = blob_sha256(&bytes);

    let res = put(&server, Some(&a), &name, &bytes).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let info: BlobInfo = res.json().await.expect("BlobInfo");
    assert_eq!(
        info,
        BlobInfo {
            sha256: name.clone(),
            size: bytes.len() as u64,
            content_type: "image/png".into()
        }
    );

    let res = head(&server, Some(&a), &name).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-length"), bytes.len().to_string());
    assert_eq!(header(&res, "content-type"), "image/png");

    let res = get(&server, &a, &name).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "image/png");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert!(header(&res, "content-security-policy").starts_with("sandbox"));
    assert_eq!(header(&res, "content-disposition"), "inline");
    assert_eq!(res.bytes().await.expect("body").as_ref(), bytes.as_slice());

    // An upload restarted from scratch (the first answer was lost, say): the same
    // answer, and nothing new is stored.
    for _ in 0..2 {
        let res = put(&server, Some(&a), &name, &bytes).await;
        assert_eq!(res.status(), StatusCode::OK);
        let again: BlobInfo = res.json().await.expect("BlobInfo");
        assert_eq!(again, info);
    }
    assert_eq!(count(&server.db, "blobs").await, 1);
    server.stop().await;
}

async fn a_body_that_is_not_its_name_is_refused(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let Building { server, a, .. } = start(&tdb).await;
    let bytes = png(3);
    let other = blob_sha256(b"something else");

    let res = put(&server, Some(&a), &other, &bytes).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = api_error(res).await;
    assert_eq!(error.code, ErrorCode::DigestMismatch);
    assert!(
        error.message.contains(&blob_sha256(&bytes)),
        "{}",
        error.message
    );

    // A body cut short by one byte is a different body.
    let name = blob_sha256(&bytes);
    let res = put(&server, Some(&a), &name, &bytes[..bytes.len() - 1]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&server.db, "blobs").await, 0, "nothing stored");
    assert_eq!(
        head(&server, Some(&a), &name).await.status(),
        StatusCode::NOT_FOUND
    );
    server.stop().await;
}

async fn names_that_are_not_sha256_hex_are_refused_and_file_names_ignored(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let Building { server, a, .. } = start(&tdb).await;
    let bytes = png(5);
    let name = blob_sha256(&bytes);
    for bad in [
        name.to_uppercase(),
        name[..63].to_owned(),
        format!("{name}0"),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        format!("..%2F{}", &name[..61]),
        "%2e%2e%2f%2e%2e%2fserver.db".to_owned(),
    ] {
        let res = put(&server, Some(&a), &bad, &bytes).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "PUT {bad}");
        assert_eq!(api_error(res).await.code, ErrorCode::BadRequest);
        assert_eq!(
            get(&server, &a, &bad).await.status(),
            StatusCode::BAD_REQUEST,
            "GET {bad}"
        );
    }
    // A client's name and type for the file are not the server's business: the blob
    // is stored under its hash, with the type of its bytes.
    let res = server
        .http
        .put(server.url(&format!("/v1/blobs/{name}")))
        .bearer_auth(&a)
        .header("content-type", "text/html")
        .header(
            "content-disposition",
            "attachment; filename=\"../../evil.html\"",
        )
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.json::<BlobInfo>().await.unwrap().content_type,
        "image/png"
    );
    let res = get(&server, &a, &name).await;
    assert_eq!(header(&res, "content-type"), "image/png");
    assert_eq!(header(&res, "content-disposition"), "inline");
    assert_eq!(count(&server.db, "blobs").await, 1);
    server.stop().await;
}

async fn content_of_a_refused_type_is_refused_whatever_it_claims(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let Building { server, a, .. } = start(&tdb).await;
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0".to_vec();
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    let wav = b"RIFF\x10\0\0\0WAVEfmt \x10\0\0\0".to_vec();
    for bytes in [elf, exe, wav] {
        let res = server
            .http
            .put(server.url(&format!("/v1/blobs/{}", blob_sha256(&bytes))))
            .bearer_auth(&a)
            .header("content-type", "image/png")
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(api_error(res).await.code, ErrorCode::UnsupportedMediaType);
    }
    assert_eq!(count(&server.db, "blobs").await, 0);

    // HTML claiming to be a PNG is text, and is served as text to download: a browser
    // opening it never renders it as a page.
    let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let name = blob_sha256(&html);
    let res = server
        .http
        .put(server.url(&format!("/v1/blobs/{name}")))
        .bearer_auth(&a)
        .header("content-type", "image/png")
        .body(html.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.json::<BlobInfo>().await.unwrap().content_type,
        "text/plain"
    );
    let res = get(&server, &a, &name).await;
    assert_eq!(header(&res, "content-type"), "text/plain");
    assert_eq!(header(&res, "content-disposition"), "attachment");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert!(header(&res, "content-security-policy").contains("sandbox"));
    server.stop().await;
}

/// Sends a PUT by hand: `head` lines, then `body` as is (already chunked if the head
/// says so), then reads the answer.
async fn raw_put(server: &TestServer, token: &str, name: &str, head: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "PUT /v1/blobs/{name} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         {head}Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    // The server may answer and close before taking everything: that is the point.
    for piece in body.chunks(64 * 1024) {
        if stream.write_all(piece).await.is_err() {
            break;
        }
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

fn chunked(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in bytes.chunks(64 * 1024) {
        out.extend(format!("{:x}\r\n", piece.len()).into_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

async fn blobs_over_the_limit_are_refused_and_nothing_is_stored(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let Building { server, a, .. } = start(&tdb).await;
    let limit = MAX_ATTACHMENT_BYTES as usize;
    // Valid text, one byte too many.
    let over = vec![b'x'; limit + 1];
    let name = blob_sha256(&over);

    // Declared too long: refused before any of it is read.
    let response = raw_put(
        &server,
        &a,
        &name,
        &format!("Content-Length: {}\r\n", over.len()),
        &[],
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("payload_too_large"), "{response}");
    // Chunked, with no length to go by: cut off while reading.
    let response = raw_put(
        &server,
        &a,
        &name,
        "Transfer-Encoding: chunked\r\n",
        &chunked(&over),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert_eq!(count(&server.db, "blobs").await, 0);

    // Exactly at the limit is fine, chunked or not.
    let at = vec![b'y'; limit];
    let name = blob_sha256(&at);
    let response = raw_put(
        &server,
        &a,
        &name,
        "Transfer-Encoding: chunked\r\n",
        &chunked(&at),
    )
    .await;
    assert!(
        response.starts_with("HTTP/1.1 201"),
        "{}",
        &response[..200.min(response.len())]
    );
    let res = get(&server, &a, &name).await;
    assert_eq!(res.bytes().await.unwrap().len(), limit);
    assert_eq!(count(&server.db, "blobs").await, 1);
    server.stop().await;
}

async fn an_upload_cut_short_stores_nothing_and_is_sent_again_once(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let Building { server, a, .. } = start(&tdb).await;
    let bytes = png(11).repeat(64);
    let name = blob_sha256(&bytes);

    // The desk's connection drops halfway through the body.
    {
        use tokio::io::AsyncWriteExt;
        let addr = server.base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "PUT /v1/blobs/{name} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {a}\r\n\
             Content-Length: {}\r\n\r\n",
            bytes.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.write_all(&bytes[..bytes.len() / 2]).await.unwrap();
        stream.shutdown().await.unwrap();
        drop(stream);
    }
    assert_eq!(
        count(&server.db, "blobs").await,
        0,
        "half an upload is not a blob"
    );
    assert_eq!(
        head(&server, Some(&a), &name).await.status(),
        StatusCode::NOT_FOUND
    );

    // It restarts from the beginning (the desk asks first, then sends it all).
    assert_eq!(
        put(&server, Some(&a), &name, &bytes).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        put(&server, Some(&a), &name, &bytes).await.status(),
        StatusCode::OK
    );
    assert_eq!(count(&server.db, "blobs").await, 1);
    assert_eq!(
        get(&server, &a, &name)
            .await
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        bytes.as_slice()
    );
    server.stop().await;
}

async fn only_who_may_see_a_blob_can_read_it(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let Building { server, a, a2, b } = start(&tdb).await;
    let bytes = png(13);
    let name = blob_sha256(&bytes);
    assert_eq!(
        put(&server, Some(&a), &name, &bytes).await.status(),
        StatusCode::CREATED
    );
    let unknown = blob_sha256(b"never uploaded");

    // Another building, and a colleague outside any conversation that refers to it,
    // get what they get for a blob that does not exist.
    for token in [&b, &a2] {
        for sha in [&name, &unknown] {
            let res = get(&server, token, sha).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
            let error = api_error(res).await;
            assert_eq!(error.code, ErrorCode::NotFound);
            assert_eq!(error.message, "no such blob");
            assert_eq!(
                head(&server, Some(token), sha).await.status(),
                StatusCode::NOT_FOUND
            );
        }
    }

    // Building B uploading the same bytes gets its own copy, and A's is untouched.
    assert_eq!(
        put(&server, Some(&b), &name, &bytes).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(get(&server, &b, &name).await.status(), StatusCode::OK);
    assert_eq!(count(&server.db, "blobs").await, 2);
    assert_eq!(
        get(&server, &a, &name)
            .await
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        bytes.as_slice()
    );
    server.stop().await;
}

async fn blobs_need_a_live_session(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let Building { server, a, a2, .. } = start(&tdb).await;
    let bytes = png(17);
    let name = blob_sha256(&bytes);

    let res = put(&server, None, &name, &bytes).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(api_error(res).await.code, ErrorCode::Unauthorized);
    assert_eq!(
        put(&server, Some("forged"), &name, &bytes).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(count(&server.db, "blobs").await, 0);

    assert_eq!(
        put(&server, Some(&a), &name, &bytes).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        head(&server, None, &name).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = server.get(&format!("/v1/blobs/{name}"), None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A disabled account's token stops working at once, for reading and writing.
    accounts::disable_staff(&server.db, "desk@a.test")
        .await
        .unwrap();
    assert_eq!(
        get(&server, &a, &name).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        head(&server, Some(&a), &name).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let other = png(19);
    let res = put(&server, Some(&a), &blob_sha256(&other), &other).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(count(&server.db, "blobs").await, 1);
    // Their colleague is not affected.
    assert_eq!(
        put(&server, Some(&a2), &blob_sha256(&other), &other)
            .await
            .status(),
        StatusCode::CREATED
    );
    server.stop().await;
}

async fn json_routes_keep_their_own_smaller_limit(backend: Backend) {
    let tdb = TestDb::new(backend).await;
    let Building { server, a, .. } = start(&tdb).await;
    // 2 MiB is a fine attachment but not a fine push. The server answers 413 from the
    // declared length without reading the body and closes the connection, so the client
    // may still be writing when it goes: then it sees the close (a broken pipe or a
    // reset) instead of the answer. Either way the push was refused unread.
    match server
        .http
        .post(server.url("/v1/sync/push"))
        .bearer_auth(&a)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
    {
        Ok(res) => assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => {
            let mut source = std::error::Error::source(&e);
            let mut closed = false;
            while let Some(s) = source {
                if let Some(io) = s.downcast_ref::<std::io::Error>() {
                    closed = matches!(
                        io.kind(),
                        std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
                    );
                }
                source = s.source();
            }
            assert!(
                e.is_request() && closed,
                "neither a 413 nor the connection closed mid-body: {e:?}"
            );
        }
    }
    let text = vec![b'z'; 2 * 1024 * 1024];
    assert_eq!(
        put(&server, Some(&a), &blob_sha256(&text), &text)
            .await
            .status(),
        StatusCode::CREATED
    );

    let doc: serde_json::Value = server
        .get("/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let path = &doc["paths"]["/v1/blobs/{sha256}"];
    for method in ["put", "get", "head"] {
        assert!(path[method].is_object(), "{method} in {path}");
    }
    assert!(doc["components"]["schemas"]["BlobInfo"].is_object());
    server.stop().await;
}

/// Pushes `body` as `token`'s mutation; it must be applied.
async fn push_applied(server: &TestServer, token: &str, body: frontdesk_protocol::MutationBody) {
    let mutation = frontdesk_protocol::Mutation {
        id: uuid::Uuid::now_v7(),
        client_time_ms: 1,
        body,
    };
    server.push_applied(token, &[mutation]).await;
}

fn message(conversation_id: &str, sha256: &str) -> frontdesk_protocol::MutationBody {
    frontdesk_protocol::MutationBody::MessageSend(frontdesk_protocol::MessageSend {
        id: uuid::Uuid::now_v7().to_string(),
        conversation_id: conversation_id.to_owned(),
        text: "photo".into(),
        attachments: vec![frontdesk_protocol::AttachmentRef {
            sha256: sha256.to_owned(),
            name: "colis.png".into(),
        }],
    })
}

/// Once the server takes messages (branch msg-server), the participants of a
/// conversation read the blobs its messages refer to; nobody else does, and who left
/// reads only what came before.
async fn participants_read_what_their_conversations_attach(backend: Backend) {
    use frontdesk_protocol::{ConversationCreate, ConversationKind, MutationBody};
    let tdb = TestDb::new(backend).await;
    let Building { server, a, a2, b } = start(&tdb).await;
    common::add_staff(
        &server.db,
        "A",
        "day@a.test",
        "password-a3",
        StaffRole::Doorman,
    )
    .await;
    let outsider = server.login_ok("day@a.test", "password-a3").await.token;
    let a2_id = server
        .login_ok("night@a.test", "password-a2")
        .await
        .staff
        .id;

    let before = png(23);
    let before_sha = blob_sha256(&before);
    assert_eq!(
        put(&server, Some(&a), &before_sha, &before).await.status(),
        StatusCode::CREATED
    );
    let conversation = uuid::Uuid::now_v7().to_string();
    push_applied(
        &server,
        &a,
        MutationBody::ConversationCreate(ConversationCreate {
            id: conversation.clone(),
            kind: ConversationKind::Group,
            title: Some("Night shift".into()),
            participant_ids: vec![a2_id],
        }),
    )
    .await;
    push_applied(&server, &a, message(&conversation, &before_sha)).await;
    assert_eq!(
        get(&server, &a2, &before_sha)
            .await
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        before.as_slice()
    );
    assert_eq!(
        head(&server, Some(&a2), &before_sha).await.status(),
        StatusCode::OK
    );
    for token in [&outsider, &b] {
        assert_eq!(
            get(&server, token, &before_sha).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            head(&server, Some(token), &before_sha).await.status(),
            StatusCode::NOT_FOUND
        );
    }

    // After a2 leaves, what is attached later is not theirs to read.
    push_applied(
        &server,
        &a2,
        MutationBody::ConversationLeave {
            conversation_id: conversation.clone(),
        },
    )
    .await;
    let after = png(29);
    let after_sha = blob_sha256(&after);
    assert_eq!(
        put(&server, Some(&a), &after_sha, &after).await.status(),
        StatusCode::CREATED
    );
    push_applied(&server, &a, message(&conversation, &after_sha)).await;
    assert_eq!(
        get(&server, &a2, &after_sha).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&server, &a2, &before_sha).await.status(),
        StatusCode::OK
    );
    server.stop().await;
}

mod participants_read_what_their_conversations_attach {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::participants_read_what_their_conversations_attach(super::common::Backend::Sqlite)
            .await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::participants_read_what_their_conversations_attach(super::common::Backend::Postgres)
            .await
    }
}

on_both_databases!(
    an_upload_is_read_back_byte_for_byte_and_a_repeat_writes_nothing,
    a_body_that_is_not_its_name_is_refused,
    names_that_are_not_sha256_hex_are_refused_and_file_names_ignored,
    content_of_a_refused_type_is_refused_whatever_it_claims,
    blobs_over_the_limit_are_refused_and_nothing_is_stored,
    an_upload_cut_short_stores_nothing_and_is_sent_again_once,
    only_who_may_see_a_blob_can_read_it,
    blobs_need_a_live_session,
    json_routes_keep_their_own_smaller_limit,
);
