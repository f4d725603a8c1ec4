//! A PostgreSQL database that exists for one test and is dropped afterwards, created on
//! the server named by `FRONTDESK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`; `scripts/setup.sh` provides one).
//!
//! Shared by the server's tests and the end-to-end harness (`frontdesk_e2e::pg`
//! includes this file), so it uses nothing but sqlx, tokio and rand.

use sqlx::Connection;

pub fn pg_admin_url() -> String {
    std::env::var("FRONTDESK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub struct PgTestDb {
    /// The new database's URL.
    pub url: String,
    name: String,
}

impl PgTestDb {
    /// Creates an empty database with a random name. Fails when PostgreSQL is
    /// unreachable at [`pg_admin_url`].
    pub async fn create() -> Result<Self, sqlx::Error> {
        let admin = pg_admin_url();
        let base = admin.split('?').next().unwrap_or(&admin);
        let Some((server, _)) = base.rsplit_once('/') else {
            return Err(sqlx::Error::Configuration(
                format!("{admin} does not name a database").into(),
            ));
        };
        let name = format!("frontdesk_test_{:016x}", rand::random::<u64>());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        conn.close().await.ok();
        Ok(Self {
            url: format!("{server}/{name}"),
            name,
        })
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be shutting down: use a thread
        // with its own runtime. FORCE ends the connections still open.
        let admin = pg_admin_url();
        let name = std::mem::take(&mut self.name);
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            });
        })
        .join();
    }
}
