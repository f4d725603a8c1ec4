//! What the building server did to tell a parcel's resident (its notices), as the
//! change log delivered them: read-only at the desk, written by the server's notifier.

use frontdesk_protocol::{NoticeKind, NoticeState, PackageNotice};

use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::store::Store;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    package_id: String,
    building_id: String,
    resident_id: Option<String>,
    kind: String,
    state: String,
    attempts: i64,
    last_error: Option<String>,
    last_attempt_at_ms: Option<i64>,
    sent_at_ms: Option<i64>,
    created_at_ms: i64,
}

impl TryFrom<Row> for PackageNotice {
    type Error = DeskError;

    fn try_from(r: Row) -> DeskResult<Self> {
        let bad = |what: &str, v: &str| {
            DeskError::new(
                DeskErrorCode::Internal,
                format!("stored notice {} has an unknown {what} {v:?}", r.id),
            )
        };
        Ok(Self {
            kind: NoticeKind::parse(&r.kind).ok_or_else(|| bad("kind", &r.kind))?,
            state: NoticeState::parse(&r.state).ok_or_else(|| bad("state", &r.state))?,
            attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
            id: r.id,
            package_id: r.package_id,
            building_id: r.building_id,
            resident_id: r.resident_id,
            last_error: r.last_error,
            last_attempt_at_ms: r.last_attempt_at_ms,
            sent_at_ms: r.sent_at_ms,
            created_at_ms: r.created_at_ms,
        })
    }
}

impl Store {
    /// A parcel's notices, oldest first: its intake notice, then its reminders.
    pub async fn package_notices(&self, package_id: &str) -> DeskResult<Vec<PackageNotice>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, package_id, building_id, resident_id, kind, state, attempts, last_error, \
             last_attempt_at_ms, sent_at_ms, created_at_ms FROM package_notices \
             WHERE package_id = ? ORDER BY created_at_ms, id",
        )
        .bind(package_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(PackageNotice::try_from).collect()
    }
}
