//! Package photos: a still from the webcam, kept with the parcel on this desk. The JPEG
//! is a file named by its SHA-256 (the name a blob will have on the server) in the
//! desk's `photos` folder, and `package_photos` says which parcel it shows. The upload
//! as a blob through the sync engine is not there yet: until then a photo is seen only
//! at the desk that took it.

use std::io::Write;
use std::path::{Path, PathBuf};

use frontdesk_protocol::{blob_sha256, is_blob_sha256};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PackagePhoto {
    pub package_id: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub taken_at_ms: i64,
}

/// Where the photo files are.
#[derive(Debug, Clone)]
pub struct PhotoFolder {
    dir: PathBuf,
}

fn storage(what: &str, path: &Path, e: std::io::Error) -> DeskError {
    DeskError::new(
        DeskErrorCode::Storage,
        format!("{what} {}: {e}", path.display()),
    )
}

impl PhotoFolder {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        PhotoFolder { dir: dir.into() }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.jpg"))
    }

    /// Writes `jpeg` under its hash, durably (temporary file, fsync, rename), unless it
    /// is already there. Returns the hash.
    pub fn put(&self, jpeg: &[u8]) -> DeskResult<String> {
        let sha256 = blob_sha256(jpeg);
        let path = self.path(&sha256);
        if path.exists() {
            return Ok(sha256);
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| storage("creating", &self.dir, e))?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(|e| storage("writing in", &self.dir, e))?;
        file.write_all(jpeg)
            .and_then(|()| file.as_file().sync_all())
            .map_err(|e| storage("writing", file.path(), e))?;
        file.persist(&path)
            .map_err(|e| storage("writing", &path, e.error))?;
        Ok(sha256)
    }

    /// The JPEG named `sha256`.
    pub fn get(&self, sha256: &str) -> DeskResult<Vec<u8>> {
        // The name comes from the window: only a hash, never a path.
        if !is_blob_sha256(sha256) {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                "a photo is named by its SHA-256",
            ));
        }
        let path = self.path(sha256);
        std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                DeskError::new(DeskErrorCode::NotFound, "no such photo at this desk")
            }
            _ => storage("reading", &path, e),
        })
    }
}

impl Store {
    pub async fn add_package_photo(
        &self,
        package_id: &str,
        sha256: &str,
        taken_at_ms: i64,
    ) -> DeskResult<PackagePhoto> {
        sqlx::query(
            "INSERT INTO package_photos (package_id, sha256, taken_at_ms) VALUES (?, ?, ?) \
             ON CONFLICT (package_id, sha256) DO NOTHING",
        )
        .bind(package_id)
        .bind(sha256)
        .bind(taken_at_ms)
        .execute(self.pool())
        .await?;
        Ok(PackagePhoto {
            package_id: package_id.to_owned(),
            sha256: sha256.to_owned(),
            taken_at_ms,
        })
    }

    /// A parcel's photos, oldest first.
    pub async fn package_photos(&self, package_id: &str) -> DeskResult<Vec<PackagePhoto>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT package_id, sha256, taken_at_ms FROM package_photos \
             WHERE package_id = ? ORDER BY taken_at_ms, sha256",
        )
        .bind(package_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(package_id, sha256, taken_at_ms)| PackagePhoto {
                package_id,
                sha256,
                taken_at_ms,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_is_kept_under_its_hash_and_only_a_hash_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let folder = PhotoFolder::new(dir.path().join("photos"));
        let sha = folder.put(b"\xff\xd8 a jpeg").unwrap();
        assert_eq!(sha, blob_sha256(b"\xff\xd8 a jpeg"));
        assert_eq!(folder.put(b"\xff\xd8 a jpeg").unwrap(), sha);
        assert_eq!(folder.get(&sha).unwrap(), b"\xff\xd8 a jpeg");
        assert_eq!(
            folder.get("../desk.db").unwrap_err().code,
            DeskErrorCode::InvalidInput
        );
        assert_eq!(
            folder.get(&"0".repeat(64)).unwrap_err().code,
            DeskErrorCode::NotFound
        );
    }
}
