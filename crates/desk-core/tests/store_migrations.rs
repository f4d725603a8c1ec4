//! The store's file across restarts and upgrades.

use frontdesk_desk_core::store::{MIGRATOR, Store};
use frontdesk_protocol::{Change, ChangeBody, Unit};

fn unit_change(seq: i64) -> Change {
    Change {
        seq,
        committed_at_ms: 0,
        mutation_id: None,
        body: ChangeBody::UnitUpserted(Unit {
            id: format!("u{seq}"),
            building_id: "b".into(),
            unit_number: seq.to_string(),
            floor_number: None,
            square_footage: None,
            bedrooms: None,
            bathrooms: None,
            is_occupied: None,
            unit_type: None,
            occupant_name: None,
        }),
    }
}

#[tokio::test]
async fn reopening_an_existing_store_keeps_its_data_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    {
        let store = Store::open(&path).await.unwrap();
        store
            .apply_changes(&[unit_change(1), unit_change(2)], 42)
            .await
            .unwrap();
        store.set_setting("language", Some(&"fr")).await.unwrap();
        store.pool().close().await;
    }
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.sync_cursor().await.unwrap(), (2, Some(42)));
    assert_eq!(
        store
            .setting::<String>("language")
            .await
            .unwrap()
            .as_deref(),
        Some("fr")
    );
    let (applied,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(applied as usize, MIGRATOR.iter().count());
}

#[tokio::test]
async fn a_store_written_by_an_older_version_is_upgraded_in_place() {
    // Build the file as the first released schema left it, with data, then open it
    // with today's code: every later migration applies and the data survives.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let first = MIGRATOR.iter().next().expect("at least one migration");
    {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        let older = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(vec![first.clone()]),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        older.run(&pool).await.unwrap();
        sqlx::query("INSERT INTO settings (key, value) VALUES ('server_url', '\"http://x/\"')")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let store = Store::open(&path).await.unwrap();
    assert_eq!(
        store
            .setting::<String>("server_url")
            .await
            .unwrap()
            .as_deref(),
        Some("http://x/")
    );
    store.apply_changes(&[unit_change(1)], 1).await.unwrap();
}

#[tokio::test]
async fn a_store_from_a_newer_version_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = Store::open(&path).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (99991231000000, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.pool().close().await;
    let err = Store::open(&path).await.unwrap_err();
    assert_eq!(err.code, frontdesk_desk_core::DeskErrorCode::Storage);
    assert!(err.message.contains("migration"), "{}", err.message);
}
