//! Attachment content at the desk: files under the desk's data folder, each named by
//! the SHA-256 of its bytes, so a file is written once whatever refers to it, and its
//! name alone says whether it is intact. See `docs/blobs.md`.
//!
//! A file is checked (size, type from its bytes) before anything refers to it, with
//! the rules the server applies again; it is written to a temporary file, fsynced and
//! renamed, so a crash never leaves half a blob under a real name.

use std::path::{Path, PathBuf};

use frontdesk_protocol::{
    Attachment, MAX_ATTACHMENT_BYTES, blob_sha256, clean_attachment_name, is_blob_sha256,
    sniff_content_type,
};
use tokio::io::AsyncWriteExt;

use crate::error::{DeskError, DeskErrorCode, DeskResult};

/// The folder of blobs, `blobs/` in the desk's data folder.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

/// The type `bytes` may be attached as, or why they may not: the protocol's rules,
/// as the server applies them.
pub fn check_attachment(bytes: &[u8]) -> DeskResult<&'static str> {
    if bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
        return Err(DeskError::new(
            DeskErrorCode::AttachmentTooLarge,
            format!(
                "the file is {} bytes; attachments are at most {MAX_ATTACHMENT_BYTES} bytes",
                bytes.len()
            ),
        ));
    }
    sniff_content_type(bytes).ok_or_else(|| {
        DeskError::new(
            DeskErrorCode::AttachmentType,
            "attachments may be PNG, JPEG, GIF, WebP or PDF files, or plain UTF-8 text",
        )
    })
}

fn storage(path: &Path, e: std::io::Error) -> DeskError {
    DeskError::new(DeskErrorCode::Storage, format!("{}: {e}", path.display()))
}

impl BlobStore {
    pub fn open(data_dir: &Path) -> DeskResult<Self> {
        let dir = data_dir.join("blobs");
        std::fs::create_dir_all(&dir).map_err(|e| storage(&dir, e))?;
        Ok(Self { dir })
    }

    /// Where blob `sha256` lives; only ever for a checked name, so no name can reach
    /// outside the folder.
    fn path(&self, sha256: &str) -> DeskResult<PathBuf> {
        if !is_blob_sha256(sha256) {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                format!("{sha256:?} is not a blob name"),
            ));
        }
        Ok(self.dir.join(sha256))
    }

    /// Checks `bytes` as an attachment and keeps them: what a message refers to. Nothing
    /// is queued here, so a refused file costs nothing.
    pub async fn attach(&self, bytes: Vec<u8>, name: &str) -> DeskResult<Attachment> {
        let content_type = check_attachment(&bytes)?;
        let sha256 = blob_sha256(&bytes);
        let size = bytes.len() as u64;
        self.put(&sha256, bytes).await?;
        Ok(Attachment {
            sha256,
            name: clean_attachment_name(name),
            content_type: content_type.to_owned(),
            size,
        })
    }

    /// Stores `bytes` as blob `sha256` (which they must hash to), unless it is here.
    pub async fn put(&self, sha256: &str, bytes: Vec<u8>) -> DeskResult<()> {
        let path = self.path(sha256)?;
        if blob_sha256(&bytes) != sha256 {
            return Err(DeskError::new(
                DeskErrorCode::BadResponse,
                format!("the content given as blob {sha256} is not that blob"),
            ));
        }
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(());
        }
        // A name of our own per write, so two writers of one blob never share a file.
        let temp = self
            .dir
            .join(format!(".{sha256}.{}.part", uuid::Uuid::now_v7()));
        let written = async {
            let mut file = tokio::fs::File::create(&temp).await?;
            file.write_all(&bytes).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&temp, &path).await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(storage(&path, e));
        }
        Ok(())
    }

    /// Blob `sha256`'s bytes, if this desk has them intact. A file whose content is not
    /// its name (damaged on disk) is removed and counts as missing, to be fetched again.
    pub async fn get(&self, sha256: &str) -> DeskResult<Option<Vec<u8>>> {
        let path = self.path(sha256)?;
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(storage(&path, e)),
        };
        if blob_sha256(&bytes) != sha256 {
            tracing::warn!(
                sha256,
                "a stored attachment is damaged; it will be fetched again"
            );
            let _ = tokio::fs::remove_file(&path).await;
            return Ok(None);
        }
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn attachments_are_checked_then_kept_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let attachment = blobs
            .attach(png.clone(), "../../Photos/colis abîmé.png")
            .await
            .unwrap();
        assert_eq!(attachment.sha256, blob_sha256(&png));
        assert_eq!(attachment.name, "colis abîmé.png");
        assert_eq!(attachment.content_type, "image/png");
        assert_eq!(attachment.size, png.len() as u64);
        assert_eq!(
            blobs.get(&attachment.sha256).await.unwrap(),
            Some(png.clone())
        );
        // Only the blob itself is in the folder: no temporary file is left behind.
        let names: Vec<String> = std::fs::read_dir(dir.path().join("blobs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec![attachment.sha256.clone()]);
        // Again: nothing changes.
        blobs.attach(png, "again.png").await.unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path().join("blobs")).unwrap().count(),
            1
        );
    }

    #[tokio::test]
    async fn refused_files_are_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let elf = b"\x7fELF\x02\x01\x01\0".to_vec();
        let err = blobs.attach(elf, "tool.png").await.unwrap_err();
        assert_eq!(err.code, DeskErrorCode::AttachmentType);
        let big = vec![b'a'; MAX_ATTACHMENT_BYTES as usize + 1];
        let err = blobs.attach(big, "notes.txt").await.unwrap_err();
        assert_eq!(err.code, DeskErrorCode::AttachmentTooLarge);
        assert_eq!(
            std::fs::read_dir(dir.path().join("blobs")).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn names_never_leave_the_folder_and_damage_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        for bad in ["../desk.db", "", &"A".repeat(64)] {
            assert_eq!(
                blobs.get(bad).await.unwrap_err().code,
                DeskErrorCode::InvalidInput
            );
        }
        let text = b"Livraison au 12".to_vec();
        let sha = blob_sha256(&text);
        assert_eq!(
            blobs.put(&sha, b"other".to_vec()).await.unwrap_err().code,
            DeskErrorCode::BadResponse
        );
        blobs.put(&sha, text).await.unwrap();
        std::fs::write(dir.path().join("blobs").join(&sha), b"bit rot").unwrap();
        assert_eq!(blobs.get(&sha).await.unwrap(), None);
        assert!(!dir.path().join("blobs").join(&sha).exists());
    }
}
