//! The pusher's first step: the blobs a batch refers to (a message's attachments, a
//! parcel's photo) go to the server before the mutations, so that a mutation never
//! arrives before its files.

use frontdesk_protocol::{Mutation, MutationBody};
use uuid::Uuid;

use crate::blobs::{BlobStore, check_attachment};
use crate::error::{DeskError, DeskErrorCode};
use crate::server_api::ServerApi;

/// How uploading a batch's blobs ended.
#[derive(Debug)]
pub(super) enum Uploaded {
    /// Every blob of the batch is on the server.
    All,
    /// This mutation cannot be sent, ever (its file is refused, or gone from this desk):
    /// it is to be rejected with the reason, and the rest go on.
    Refused { id: Uuid, reason: String },
    /// Uploading the blobs of the mutation at this index failed for a passing
    /// reason (network, server down): push the ones before it, and retry later.
    StoppedAt(usize, DeskError),
}

enum Failure {
    Refused(String),
    Passing(DeskError),
}

/// Makes sure the server has every blob `batch` refers to, in order: asks
/// first (HEAD), so a file already there, or sent by an attempt that was cut short
/// after the server stored it, is not sent again; otherwise sends it whole (the server
/// keeps nothing of an upload that did not arrive whole, so a retry starts over).
pub(super) async fn prepare(
    blobs: &BlobStore,
    api: &ServerApi,
    token: &str,
    batch: &[Mutation],
) -> Uploaded {
    for (index, mutation) in batch.iter().enumerate() {
        let files: Vec<(&str, String)> = match &mutation.body {
            MutationBody::MessageSend(send) => send
                .attachments
                .iter()
                .map(|a| (a.sha256.as_str(), format!("the attachment {:?}", a.name)))
                .collect(),
            MutationBody::PackagePhotoAdd(add) => {
                vec![(add.sha256.as_str(), "the photo".to_owned())]
            }
            _ => continue,
        };
        for (sha256, what) in files {
            match upload(blobs, api, token, sha256).await {
                Ok(()) => {}
                Err(Failure::Refused(why)) => {
                    return Uploaded::Refused {
                        id: mutation.id,
                        reason: format!("{what} was refused: {why}"),
                    };
                }
                Err(Failure::Passing(e)) => return Uploaded::StoppedAt(index, e),
            }
        }
    }
    Uploaded::All
}

async fn upload(
    blobs: &BlobStore,
    api: &ServerApi,
    token: &str,
    sha256: &str,
) -> Result<(), Failure> {
    let local = match blobs.get(sha256).await {
        Ok(local) => local,
        // Not a blob name at all: no file can ever be sent for it.
        Err(e) if e.code == DeskErrorCode::InvalidInput => return Err(Failure::Refused(e.message)),
        Err(e) => return Err(Failure::Passing(e)),
    };
    // The server's rules, checked here first: a file they refuse is not sent at all.
    if let Some(bytes) = &local
        && let Err(e) = check_attachment(bytes)
    {
        return Err(Failure::Refused(e.message));
    }
    match api.has_blob(token, sha256).await {
        Ok(true) => return Ok(()),
        Ok(false) => {}
        Err(e) => return Err(classify(e)),
    }
    let Some(bytes) = local else {
        return Err(Failure::Refused(
            "the file is no longer on this desk".to_owned(),
        ));
    };
    match api.put_blob(token, sha256, bytes).await {
        Ok(_) => Ok(()),
        Err(e) => Err(classify(e)),
    }
}

/// The server's refusal of a request (413, 415, 422, 400) is for good; anything else
/// (network, 5xx, a session to renew) passes.
fn classify(e: DeskError) -> Failure {
    if e.code == DeskErrorCode::InvalidInput {
        Failure::Refused(e.message)
    } else {
        Failure::Passing(e)
    }
}
