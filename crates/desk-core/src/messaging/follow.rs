//! What the desk does after messaging changes were applied, away from the apply itself
//! (which must stay one quick transaction): raise the alerts the apply left, push the
//! delivered receipts it queued, and fetch the history of conversations this staff
//! member was just added to.

use frontdesk_protocol::Message;

use super::apply::{self, ApplyContext};
use crate::error::DeskResult;
use crate::server_api::ServerApi;
use crate::store::Store;
use crate::store::script::Script;
use frontdesk_protocol::ConversationHistory;

/// Messages asked for per history page.
const HISTORY_PAGE: u32 = 200;

impl Store {
    /// Conversations whose older messages are still to be fetched.
    pub async fn backfills_due(&self) -> DeskResult<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT conversation_id FROM conversation_backfills ORDER BY rowid")
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The lowest message number held of a conversation.
    pub async fn oldest_message_no(&self, conversation_id: &str) -> DeskResult<Option<i64>> {
        let (no,): (Option<i64>,) =
            sqlx::query_as("SELECT min(no) FROM messages WHERE conversation_id = ?")
                .bind(conversation_id)
                .fetch_one(self.pool())
                .await?;
        Ok(no)
    }

    /// Stores a page of fetched history. It never replaces what the log brought (which
    /// may be newer), and it is not news: no alerts, no receipts.
    pub async fn apply_history(&self, history: &ConversationHistory) -> DeskResult<()> {
        // Quiet: nothing in it is news, so whom it is for does not matter.
        let cx = ApplyContext {
            me: None,
            quiet: true,
            now_ms: crate::now_ms(),
        };
        let mut script = Script::new();
        let messages: Vec<&Message> = history.messages.iter().collect();
        apply::upsert_messages(&mut script, &messages, &cx)?;
        apply::insert_missing_reactions(&mut script, &history.reactions)?;
        apply::upsert_receipts(&mut script, &history.receipts)?;
        self.begin_apply().await?.commit(script).await?;
        Ok(())
    }

    /// Drops the queued receipt marks a later one covers (see
    /// [`apply::supersede_receipts`]); answers how many. For the pusher, between pushes.
    ///
    /// Without an fsync, on the apply connection: a mark this takes back after a power
    /// cut is only sent again, and watermarks never move back.
    pub async fn supersede_receipts(&self) -> DeskResult<u64> {
        let mut conn = self.apply_connection().await;
        apply::supersede_receipts(&mut conn).await
    }

    pub async fn finish_backfill(&self, conversation_id: &str) -> DeskResult<()> {
        sqlx::query("DELETE FROM conversation_backfills WHERE conversation_id = ?")
            .bind(conversation_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// Fetches the history of every conversation waiting for it, page by page from the
/// oldest message held back to the first. Answers whether anything was stored. A
/// failure leaves the conversation waiting (tried again after the next change).
pub async fn backfill(store: &Store, api: &ServerApi, token: &str) -> DeskResult<bool> {
    let mut stored = false;
    for conversation_id in store.backfills_due().await? {
        let mut before = store.oldest_message_no(&conversation_id).await?;
        loop {
            let page = api
                .conversation_history(token, &conversation_id, before, HISTORY_PAGE)
                .await?;
            store.apply_history(&page).await?;
            stored |= !page.messages.is_empty();
            match page.messages.first() {
                Some(first) if page.has_more && before != Some(first.no) => before = Some(first.no),
                _ => break,
            }
        }
        store.finish_backfill(&conversation_id).await?;
    }
    Ok(stored)
}
