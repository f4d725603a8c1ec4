//! Keeping the session token between runs, so that a desk restarted during an outage
//! opens signed in.
//!
//! The token goes to the operating system's keyring when there is one. Front-desk PCs
//! on Linux often run without a Secret Service; there the token is kept in a file only
//! this user can read, and Settings says so plainly rather than failing sign-in.

use std::path::{Path, PathBuf};

use crate::desk::SessionStorage;
use crate::error::{DeskError, DeskErrorCode, DeskResult};

const KEYRING_SERVICE: &str = "ca.frontdesk.desk";
const TOKEN_FILE: &str = "session-token";

/// Where to keep the token: let the desk pick, or force the file (`FRONTDESK_SESSION_STORE=file`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStorePolicy {
    Auto,
    FileOnly,
}

pub struct TokenVault {
    kind: SessionStorage,
    file: PathBuf,
    /// One keyring entry per data folder, so two desks of one OS user do not share.
    keyring_account: String,
}

impl TokenVault {
    /// Probes the keyring once (it is blocking D-Bus work, so off the async runtime).
    pub async fn open(data_dir: &Path, policy: SessionStorePolicy) -> Self {
        let file = data_dir.join(TOKEN_FILE);
        let keyring_account = format!("session:{}", data_dir.display());
        let kind = match policy {
            SessionStorePolicy::FileOnly => SessionStorage::File,
            SessionStorePolicy::Auto => {
                let account = keyring_account.clone();
                let usable = tokio::task::spawn_blocking(move || keyring_usable(&account))
                    .await
                    .unwrap_or(false);
                if usable {
                    SessionStorage::Keyring
                } else {
                    SessionStorage::File
                }
            }
        };
        tracing::info!(?kind, "session token storage");
        Self {
            kind,
            file,
            keyring_account,
        }
    }

    pub fn kind(&self) -> SessionStorage {
        self.kind
    }

    pub async fn load(&self) -> DeskResult<Option<String>> {
        match self.kind {
            SessionStorage::Keyring => {
                let account = self.keyring_account.clone();
                blocking(move || match entry(&account)?.get_password() {
                    Ok(token) => Ok(Some(token)),
                    Err(keyring::Error::NoEntry) => Ok(None),
                    Err(e) => Err(keyring_error(e)),
                })
                .await
            }
            SessionStorage::File => match tokio::fs::read_to_string(&self.file).await {
                Ok(token) if !token.trim().is_empty() => Ok(Some(token.trim().to_owned())),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(io_error(&self.file, e)),
            },
        }
    }

    pub async fn save(&self, token: &str) -> DeskResult<()> {
        match self.kind {
            SessionStorage::Keyring => {
                let (account, token) = (self.keyring_account.clone(), token.to_owned());
                blocking(move || entry(&account)?.set_password(&token).map_err(keyring_error)).await
            }
            SessionStorage::File => write_private(&self.file, token).await,
        }
    }

    pub async fn clear(&self) -> DeskResult<()> {
        match self.kind {
            SessionStorage::Keyring => {
                let account = self.keyring_account.clone();
                blocking(move || match entry(&account)?.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                    Err(e) => Err(keyring_error(e)),
                })
                .await
            }
            SessionStorage::File => match tokio::fs::remove_file(&self.file).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error(&self.file, e)),
            },
        }
    }
}

fn keyring_usable(account: &str) -> bool {
    match entry(account).map(|e| e.get_password()) {
        Ok(Ok(_)) | Ok(Err(keyring::Error::NoEntry)) => true,
        Ok(Err(e)) => {
            tracing::info!("no usable OS keyring ({e}); keeping the session in a private file");
            false
        }
        Err(e) => {
            tracing::info!("no usable OS keyring ({e}); keeping the session in a private file");
            false
        }
    }
}

fn entry(account: &str) -> DeskResult<keyring::Entry> {
    keyring::Entry::new(KEYRING_SERVICE, account).map_err(keyring_error)
}

fn keyring_error(e: keyring::Error) -> DeskError {
    DeskError::new(DeskErrorCode::Storage, format!("OS keyring: {e}"))
}

fn io_error(path: &Path, e: std::io::Error) -> DeskError {
    DeskError::new(DeskErrorCode::Storage, format!("{}: {e}", path.display()))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> DeskResult<T> + Send + 'static,
) -> DeskResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, format!("keyring task: {e}")))?
}

/// Writes `contents` so that only this user can read it, replacing the file atomically
/// (a crash mid-write leaves the old token, not half a token).
async fn write_private(path: &Path, contents: &str) -> DeskResult<()> {
    let tmp = path.with_extension("tmp");
    let (tmp2, contents) = (tmp.clone(), contents.to_owned());
    blocking(move || {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp2).map_err(|e| io_error(&tmp2, e))?;
        f.write_all(contents.as_bytes())
            .map_err(|e| io_error(&tmp2, e))?;
        f.sync_all().map_err(|e| io_error(&tmp2, e))
    })
    .await?;
    tokio::fs::rename(&tmp, path)
        .await
        .map_err(|e| io_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_vault_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let vault = TokenVault::open(dir.path(), SessionStorePolicy::FileOnly).await;
        assert_eq!(vault.kind(), SessionStorage::File);
        assert_eq!(vault.load().await.unwrap(), None);
        vault.save("tok-1").await.unwrap();
        vault.save("tok-2").await.unwrap();
        assert_eq!(vault.load().await.unwrap().as_deref(), Some("tok-2"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(TOKEN_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        vault.clear().await.unwrap();
        vault.clear().await.unwrap();
        assert_eq!(vault.load().await.unwrap(), None);
    }
}
