//! Databases for tests, on either backend: a fresh SQLite file in a
//! temporary directory, or a fresh PostgreSQL database created beside the
//! one `RAPPORT_TEST_POSTGRES_URL` names and dropped when the test ends.
//!
//! Without `RAPPORT_TEST_POSTGRES_URL` the PostgreSQL half of a test is
//! skipped with a loud line on standard error, unless `CI` is set: there a
//! missing PostgreSQL fails the test, so a run can never pass with the
//! PostgreSQL backend quietly untested.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection as _;
use sqlx::postgres::PgConnection;

use crate::Db;
use crate::db::Backend;

/// The variable naming a PostgreSQL database the tests may create others
/// beside (`postgres://postgres@127.0.0.1:5432/test`).
pub const POSTGRES_URL_VAR: &str = "RAPPORT_TEST_POSTGRES_URL";

/// A database that exists for one test.
pub struct TestDb {
    pub db: Db,
    url: String,
    _dir: Option<tempfile::TempDir>,
    /// The admin URL and the name of the database to drop.
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database on `backend`, migrated; None when the backend is
    /// PostgreSQL and none is configured outside CI (said on stderr).
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(TestDb::sqlite().await),
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    /// A fresh SQLite file.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::Builder::new()
            .prefix("rapport-test")
            .tempdir()
            .expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("rapport.db").display());
        let db = Db::connect(&url).await.expect("a SQLite test database");
        TestDb {
            db,
            url,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh PostgreSQL database (see the module docs for when there is
    /// none).
    pub async fn postgres() -> Option<TestDb> {
        let admin = match postgres_url() {
            Some(url) => url,
            None => return None,
        };
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "rapport_t{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {POSTGRES_URL_VAR} could not be reached: {e}")
        });
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("a PostgreSQL test database");
        conn.close().await.ok();
        let url = with_database(&admin, &name);
        let db = Db::connect(&url)
            .await
            .expect("a migrated PostgreSQL database");
        Some(TestDb {
            db,
            url,
            _dir: None,
            pg: Some((admin, name)),
        })
    }

    /// The database's URL, for commands and servers started by the test.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        let db = self.db.clone();
        // A thread of its own: Drop may run inside a runtime or outside one.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                db.close().await;
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            })
        });
        let _ = dropped.join();
    }
}

/// The configured PostgreSQL URL; None (said loudly) when there is none and
/// this is not CI.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{POSTGRES_URL_VAR} is not set in CI: the PostgreSQL backend must be tested (see .ci/run)"
        ),
        _ => {
            eprintln!(
                "\n*** PostgreSQL SKIPPED: {POSTGRES_URL_VAR} is not set, so this test ran on SQLite only ***\n"
            );
            None
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The number of rows in `table`, on either backend (for tests' checks).
pub async fn count(conn: &mut crate::store::Conn<'_>, table: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    match conn {
        crate::store::Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(c.c()).await,
        crate::store::Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(c.c()).await,
    }
    .unwrap_or_else(|e| panic!("could not count {table}: {e}"))
}

/// Runs an async test body once per backend: on SQLite, then on PostgreSQL
/// (skipped as [`postgres_url`] says). The body gets the database and the
/// backend's name for messages.
#[macro_export]
macro_rules! each_backend {
    ($(#[$meta:meta])* async fn $name:ident($t:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$meta])*
            async fn sqlite() {
                let $t = $crate::testing::TestDb::sqlite().await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$meta])*
            async fn postgres() {
                let Some($t) = $crate::testing::TestDb::postgres().await else {
                    return;
                };
                $body
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }

    crate::each_backend! {
        async fn a_fresh_database_is_migrated(t) {
            let mut conn = t.db.read().await.unwrap();
            assert!(conn.name_tokens().await.unwrap().is_empty());
            assert_eq!(conn.name_token_count().await.unwrap(), 0);
        }
    }
}
