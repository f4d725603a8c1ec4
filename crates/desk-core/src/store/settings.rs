//! Small key/value settings of this desk (server address, language, who is signed in).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Store;
use crate::error::DeskResult;

impl Store {
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> DeskResult<Option<T>> {
        let raw: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(match raw {
            Some((json,)) => Some(serde_json::from_str(&json)?),
            None => None,
        })
    }

    /// Stores `value` under `key`; `None` removes the key.
    pub async fn set_setting<T: Serialize>(&self, key: &str, value: Option<&T>) -> DeskResult<()> {
        match value {
            Some(v) => {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES (?, ?) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(serde_json::to_string(v)?)
                .execute(self.pool())
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM settings WHERE key = ?")
                    .bind(key)
                    .execute(self.pool())
                    .await?;
            }
        }
        Ok(())
    }
}
