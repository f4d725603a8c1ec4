//! The building server's HTTP API as the desk calls it.
//!
//! Every failure is classified once, here, into a [`DeskError`] code: the sync engine
//! decides retry versus give-up from the code, and the UI translates it.

use std::time::Duration;

use frontdesk_protocol::{
    ApiError, BlobInfo, ConversationHistory, ErrorCode, LoginRequest, Me, Mutation, PullResponse,
    PushRequest, PushResponse, Session, blob_sha256, is_blob_sha256,
};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::error::{DeskError, DeskErrorCode, DeskResult};

/// How long the desk waits on the server before it calls an exchange failed. The
/// defaults are the production values; tests shorten them so that a fault shows in
/// seconds rather than in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// One HTTP exchange, from connecting to the last byte of the answer, and the
    /// WebSocket's opening handshake. Long enough for a slow link, short enough that
    /// staff are not left waiting when the server is gone.
    pub request: Duration,
    /// Establishing the TCP connection of an HTTP exchange.
    pub connect: Duration,
    /// The live connection sends a ping this often.
    pub heartbeat_every: Duration,
    /// The live connection is dropped when nothing (pong or data) has arrived for this
    /// long.
    pub dead_after: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            request: Duration::from_secs(15),
            connect: Duration::from_secs(5),
            heartbeat_every: Duration::from_secs(15),
            dead_after: Duration::from_secs(45),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ServerApi {
    http: reqwest::Client,
    base: Url,
    timeouts: Timeouts,
}

/// Checks what staff typed as the server address and normalises it (trailing slash,
/// scheme), so `lofts.example:8080` is refused with a clear reason rather than
/// failing later as a network error.
pub fn parse_server_url(input: &str) -> DeskResult<Url> {
    let trimmed = input.trim();
    let invalid = |why: &str| {
        DeskError::new(
            DeskErrorCode::InvalidServerUrl,
            format!("{trimmed:?} is not a server address: {why}"),
        )
    };
    let mut url = Url::parse(trimmed).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("it must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

impl ServerApi {
    pub fn new(base: Url, timeouts: Timeouts) -> DeskResult<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeouts.request)
            .connect_timeout(timeouts.connect)
            .user_agent(concat!("frontdesk-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DeskError::new(DeskErrorCode::Internal, format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            timeouts,
        })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    fn url(&self, path: &str) -> Url {
        self.base
            .join(path.trim_start_matches('/'))
            .expect("static API paths join")
    }

    pub async fn login(&self, email: &str, password: &str) -> DeskResult<Session> {
        let body = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let resp = self
            .http
            .post(self.url("v1/auth/login"))
            .json(&body)
            .send()
            .await;
        decode(resp, Endpoint::Login).await
    }

    pub async fn logout(&self, token: &str) -> DeskResult<()> {
        let resp = self
            .http
            .post(self.url("v1/auth/logout"))
            .bearer_auth(token)
            .send()
            .await;
        let resp = check(resp, Endpoint::Authenticated).await?;
        drop(resp);
        Ok(())
    }

    pub async fn me(&self, token: &str) -> DeskResult<Me> {
        let resp = self
            .http
            .get(self.url("v1/auth/me"))
            .bearer_auth(token)
            .send()
            .await;
        decode(resp, Endpoint::Authenticated).await
    }

    pub async fn push(&self, token: &str, mutations: &[Mutation]) -> DeskResult<PushResponse> {
        let body = PushRequest {
            mutations: mutations.to_vec(),
        };
        let resp = self
            .http
            .post(self.url("v1/sync/push"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await;
        let answer: PushResponse = decode(resp, Endpoint::Authenticated).await?;
        let answered: Vec<_> = answer.results.iter().map(|r| r.id).collect();
        let sent: Vec<_> = mutations.iter().map(|m| m.id).collect();
        if answered != sent {
            return Err(DeskError::new(
                DeskErrorCode::BadResponse,
                "the server's push answer does not match the mutations sent",
            ));
        }
        Ok(answer)
    }

    /// A page of the change log after `after`. `horizon` is the `horizon_seq` of the
    /// previous page applied (None from 0): the server needs it to go on serving a
    /// desk that reads its compacted log from 0. A cursor it no longer serves is
    /// [`DeskErrorCode::CursorExpired`].
    pub async fn pull(
        &self,
        token: &str,
        after: i64,
        horizon: Option<i64>,
        limit: u32,
    ) -> DeskResult<PullResponse> {
        let mut url = self.url("v1/sync/pull");
        url.query_pairs_mut()
            .append_pair("after", &after.to_string())
            .append_pair("limit", &limit.to_string());
        if let Some(horizon) = horizon {
            url.query_pairs_mut()
                .append_pair("horizon", &horizon.to_string());
        }
        let resp = self.http.get(url).bearer_auth(token).send().await;
        decode(resp, Endpoint::Authenticated).await
    }
}

impl ServerApi {
    /// A page of a conversation's messages before `before_no` (the latest without it),
    /// for a desk whose staff member was added after they went by in the log.
    pub async fn conversation_history(
        &self,
        token: &str,
        conversation_id: &str,
        before_no: Option<i64>,
        limit: u32,
    ) -> DeskResult<ConversationHistory> {
        let mut url = self.url("v1/conversations/");
        url.path_segments_mut()
            .map_err(|()| DeskError::new(DeskErrorCode::Internal, "server URL has no path"))?
            .pop_if_empty()
            .push(conversation_id)
            .push("messages");
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string());
        if let Some(before_no) = before_no {
            url.query_pairs_mut()
                .append_pair("before_no", &before_no.to_string());
        }
        let resp = self.http.get(url).bearer_auth(token).send().await;
        decode(resp, Endpoint::Authenticated).await
    }
}

/// The slowest link an attachment is still expected to cross: its transfer may take
/// as long as this rate needs, on top of the usual request timeout (10 MiB at 15 s
/// would need 5.6 Mbit/s, more than a building's uplink may give).
const SLOWEST_TRANSFER_BYTES_PER_SEC: u64 = 32 * 1024;

impl ServerApi {
    /// How long a transfer of `bytes` may take.
    fn transfer_timeout(&self, bytes: u64) -> Duration {
        self.timeouts.request + Duration::from_secs(bytes / SLOWEST_TRANSFER_BYTES_PER_SEC)
    }

    fn blob_url(&self, sha256: &str) -> DeskResult<Url> {
        // Checked here too: the name becomes part of a URL.
        if !is_blob_sha256(sha256) {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                format!("{sha256:?} is not a blob name"),
            ));
        }
        Ok(self.url(&format!("v1/blobs/{sha256}")))
    }

    /// Whether the server has blob `sha256` for this caller (so an upload can be
    /// skipped). False also for a blob it has but would not show this caller: an
    /// upload then proves the caller has the bytes, and writes nothing.
    pub async fn has_blob(&self, token: &str, sha256: &str) -> DeskResult<bool> {
        let resp = self
            .http
            .head(self.blob_url(sha256)?)
            .bearer_auth(token)
            .send()
            .await;
        match check(resp, Endpoint::Authenticated).await {
            Ok(_) => Ok(true),
            Err(e) if e.code == DeskErrorCode::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Uploads blob `sha256`. Refusals for good (too large, wrong type, not its hash)
    /// are [`DeskErrorCode::InvalidInput`] with the server's reason.
    pub async fn put_blob(
        &self,
        token: &str,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> DeskResult<BlobInfo> {
        let resp = self
            .http
            .put(self.blob_url(sha256)?)
            .timeout(self.transfer_timeout(bytes.len() as u64))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes)
            .send()
            .await;
        decode(resp, Endpoint::Authenticated).await
    }

    /// Blob `sha256`'s bytes, checked against the name: what comes back is that blob or
    /// an error.
    pub async fn get_blob(&self, token: &str, sha256: &str) -> DeskResult<Vec<u8>> {
        let resp = self
            .http
            .get(self.blob_url(sha256)?)
            .timeout(self.transfer_timeout(frontdesk_protocol::MAX_ATTACHMENT_BYTES))
            .bearer_auth(token)
            .send()
            .await;
        let resp = check(resp, Endpoint::Authenticated).await?;
        let bytes = resp.bytes().await.map_err(transport_error)?;
        if blob_sha256(&bytes) != sha256 {
            return Err(DeskError::new(
                DeskErrorCode::BadResponse,
                format!("the server's copy of blob {sha256} is not that blob"),
            ));
        }
        Ok(bytes.to_vec())
    }
}

/// Which kind of call failed matters for 401: at sign-in it means a wrong password,
/// anywhere else it means the session is gone.
#[derive(Clone, Copy)]
enum Endpoint {
    Login,
    Authenticated,
}

async fn decode<T: DeserializeOwned>(
    resp: reqwest::Result<reqwest::Response>,
    endpoint: Endpoint,
) -> DeskResult<T> {
    let resp = check(resp, endpoint).await?;
    let bytes = resp.bytes().await.map_err(transport_error)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        DeskError::new(
            DeskErrorCode::BadResponse,
            format!("the server's answer could not be read: {e}"),
        )
    })
}

async fn check(
    resp: reqwest::Result<reqwest::Response>,
    endpoint: Endpoint,
) -> DeskResult<reqwest::Response> {
    let resp = resp.map_err(transport_error)?;
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let body = resp.bytes().await.unwrap_or_default();
    let api: Option<ApiError> = serde_json::from_slice(&body).ok();
    let message = api
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_else(|| format!("the server answered {status}"));
    let code = match (status, api.map(|e| e.code), endpoint) {
        (_, Some(ErrorCode::AccountDisabled), _) => DeskErrorCode::AccountDisabled,
        (StatusCode::GONE, Some(ErrorCode::CursorExpired), _) => DeskErrorCode::CursorExpired,
        (StatusCode::TOO_MANY_REQUESTS, _, _) => DeskErrorCode::RateLimited,
        (StatusCode::UNAUTHORIZED, _, Endpoint::Login) => DeskErrorCode::InvalidCredentials,
        (StatusCode::UNAUTHORIZED, _, Endpoint::Authenticated) => DeskErrorCode::NotSignedIn,
        (StatusCode::NOT_FOUND, _, _) => DeskErrorCode::NotFound,
        // A proxy's or a restarting server's 5xx is a passing outage, retried like one.
        (s, _, _) if s.is_server_error() => DeskErrorCode::Network,
        (s, _, _) if s.is_client_error() => DeskErrorCode::InvalidInput,
        _ => DeskErrorCode::BadResponse,
    };
    Err(DeskError::new(code, message))
}

fn transport_error(e: reqwest::Error) -> DeskError {
    DeskError::new(
        DeskErrorCode::Network,
        format!("can't reach the server: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_checked_and_normalised() {
        assert_eq!(
            parse_server_url(" http://127.0.0.1:8080 ")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            parse_server_url("https://desk.example/api")
                .unwrap()
                .as_str(),
            "https://desk.example/api/"
        );
        for bad in [
            "",
            "lofts.example:8080",
            "ftp://x",
            "http://",
            "http://h/?a=b",
        ] {
            let err = parse_server_url(bad).unwrap_err();
            assert_eq!(err.code, DeskErrorCode::InvalidServerUrl, "{bad:?}");
        }
    }
}
