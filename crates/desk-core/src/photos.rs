//! Package photos: a still from the webcam, kept with the parcel and seen at every desk
//! of the building.
//!
//! The JPEG is a blob (the desk's `blobs/` folder, [`crate::blobs`]), and adding it is
//! a queued `package_photo_add` like any write: the pusher uploads the blob, then the
//! mutation (`sync::uploads`). The server's photos arrive in the change log into
//! `package_photos`; this desk's queued ones are laid over them until their echo. A
//! desk that did not take a photo fetches its JPEG from the server the first time it
//! shows it (`Desk::blob`). See `docs/blobs.md`.

use std::collections::BTreeMap;
use std::path::Path;

use frontdesk_protocol::{MutationBody, PackagePhoto, PackagePhotoAdd, is_blob_sha256};
use serde::Serialize;
use ts_rs::TS;

use crate::blobs::BlobStore;
use crate::error::DeskResult;
use crate::instructions::Author;
use crate::outbox::{self, OutboxState};
use crate::store::Store;

/// A photo as shown on the parcel's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PackagePhotoView {
    pub photo: PackagePhoto,
    /// Taken here and not yet on the server (other desks do not see it yet).
    pub pending: bool,
    /// Who took it, by name, as the local directory has it.
    pub taken_by_name: Option<String>,
}

impl Store {
    /// Queues photo `sha256` (already in the desk's blobs) of parcel `package_id`.
    pub async fn add_package_photo(
        &self,
        package_id: &str,
        sha256: &str,
        now_ms: i64,
    ) -> DeskResult<frontdesk_protocol::Mutation> {
        let mut tx = self.begin_write().await?;
        let body = MutationBody::PackagePhotoAdd(PackagePhotoAdd {
            id: package_id.to_owned(),
            sha256: sha256.to_owned(),
        });
        let mutation = outbox::enqueue(&mut tx, body, now_ms).await?;
        tx.commit().await?;
        Ok(mutation)
    }

    /// A parcel's photos, oldest first: the server's, and this desk's queued ones.
    pub async fn package_photos(
        &self,
        package_id: &str,
        author: &Author<'_>,
    ) -> DeskResult<Vec<PackagePhotoView>> {
        // One snapshot, so a photo whose echo is being applied is in one of the two reads.
        let mut snapshot = self.pool().begin().await?;
        let rows: Vec<(String, String, String, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT p.package_id, p.building_id, p.sha256, p.taken_at_ms, p.taken_by, s.name \
             FROM package_photos p LEFT JOIN staff s ON s.id = p.taken_by \
             WHERE p.package_id = ?",
        )
        .bind(package_id)
        .fetch_all(&mut *snapshot)
        .await?;
        let overlay = outbox::overlay_of_in(&mut snapshot, package_id).await?;
        let my_name: Option<String> = sqlx::query_scalar("SELECT name FROM staff WHERE id = ?")
            .bind(author.staff_id)
            .fetch_optional(&mut *snapshot)
            .await?;
        snapshot.commit().await?;

        let mut shown: BTreeMap<String, PackagePhotoView> = rows
            .into_iter()
            .map(
                |(package_id, building_id, sha256, taken_at_ms, taken_by, name)| {
                    let view = PackagePhotoView {
                        photo: PackagePhoto {
                            package_id,
                            building_id,
                            sha256: sha256.clone(),
                            taken_at_ms,
                            taken_by,
                        },
                        pending: false,
                        taken_by_name: name,
                    };
                    (sha256, view)
                },
            )
            .collect();
        for (mutation, state) in overlay {
            let MutationBody::PackagePhotoAdd(add) = &mutation.body else {
                continue;
            };
            if add.id != package_id {
                continue;
            }
            // The server's row, once pulled, is the photo as first added.
            shown
                .entry(add.sha256.clone())
                .or_insert_with(|| PackagePhotoView {
                    photo: PackagePhoto {
                        package_id: add.id.clone(),
                        building_id: author.building_id.to_owned(),
                        sha256: add.sha256.clone(),
                        taken_at_ms: mutation.client_time_ms,
                        taken_by: author.staff_id.to_owned(),
                    },
                    pending: state == OutboxState::Pending,
                    taken_by_name: my_name.clone(),
                });
        }
        let mut photos: Vec<PackagePhotoView> = shown.into_values().collect();
        photos.sort_by(|a, b| {
            (a.photo.taken_at_ms, &a.photo.sha256).cmp(&(b.photo.taken_at_ms, &b.photo.sha256))
        });
        Ok(photos)
    }
}

/// Moves the photos an older desk kept apart, in `photos/` as `{sha256}.jpg`, into
/// the blobs (desk migration 15 queued their `package_photo_add`). A file whose content
/// is not its name is left where it is, and said.
pub(crate) async fn adopt_photo_folder(data_dir: &Path, blobs: &BlobStore) -> DeskResult<()> {
    let dir = data_dir.join("photos");
    let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
        return Ok(());
    };
    let mut kept = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        let name = entry.file_name();
        let Some(sha256) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".jpg"))
            .filter(|n| is_blob_sha256(n))
        else {
            kept += 1;
            continue;
        };
        let Ok(bytes) = tokio::fs::read(&path).await else {
            kept += 1;
            continue;
        };
        match blobs.put(sha256, bytes).await {
            Ok(()) => {
                let _ = tokio::fs::remove_file(&path).await;
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "a package photo could not be moved to the blobs");
                kept += 1;
            }
        }
    }
    if kept == 0 {
        let _ = tokio::fs::remove_dir(&dir).await;
    }
    Ok(())
}
