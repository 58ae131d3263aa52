//! The database handle: a SQLite connection pool opened with the settings the
//! server relies on (WAL, `synchronous=FULL`, foreign keys, a busy timeout),
//! migrated on open, plus the in-memory search vocabulary that belongs to the
//! data in it.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use thiserror::Error;

use crate::search::vocab::Vocabulary;

/// Migrations compiled into the binary (crates/rapport-server/migrations).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Error)]
pub enum DatabaseUrlError {
    #[error(
        "PostgreSQL is not supported by this build yet; use a SQLite database such as sqlite://rapport.db"
    )]
    PostgresNotYet,
    #[error(
        "'{0}' is not a database URL this server understands: use sqlite://PATH (for example sqlite://rapport.db)"
    )]
    Unsupported(String),
    #[error("the database URL is empty: use sqlite://PATH (for example sqlite://rapport.db)")]
    Empty,
}

/// Where a `sqlite:` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteTarget {
    File(PathBuf),
    Memory,
}

/// Read a database URL: `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:`, or
/// a bare file path. Query strings (`?mode=rwc`) are ignored: the file is
/// always created when missing.
pub fn parse_url(url: &str) -> Result<SqliteTarget, DatabaseUrlError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(DatabaseUrlError::Empty);
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(DatabaseUrlError::PostgresNotYet);
    }
    let rest = if let Some(r) = url.strip_prefix("sqlite://") {
        r
    } else if let Some(r) = url.strip_prefix("sqlite:") {
        r
    } else if url.contains("://") {
        return Err(DatabaseUrlError::Unsupported(url.to_string()));
    } else {
        url
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path == ":memory:" || path.is_empty() {
        return Ok(SqliteTarget::Memory);
    }
    Ok(SqliteTarget::File(PathBuf::from(path)))
}

/// A handle on the Rapport database. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: SqlitePool,
    pub(crate) vocab: Arc<Vocabulary>,
    target: Arc<SqliteTarget>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("target", &self.target).finish()
    }
}

impl Db {
    /// Open (creating the file if missing) and migrate the database at `url`.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        let target = parse_url(url)?;
        Db::open(target, url, Open::CreateAndMigrate).await
    }

    /// Open (creating it and its directory if missing) and migrate the
    /// SQLite file at `path`.
    pub async fn connect_path(path: &Path) -> anyhow::Result<Db> {
        let shown = path.display().to_string();
        Db::open(
            SqliteTarget::File(path.to_path_buf()),
            &shown,
            Open::CreateAndMigrate,
        )
        .await
    }

    /// Open an existing database file without migrating it, and only if
    /// its applied migrations are exactly the ones compiled into this
    /// build. For tools that must not change a file other builds share
    /// (the benchmarks read one database from several checkouts).
    pub async fn connect_existing(url: &str) -> anyhow::Result<Db> {
        let target = parse_url(url)?;
        let SqliteTarget::File(path) = &target else {
            anyhow::bail!("{url} is not a database file: connect_existing needs sqlite://PATH");
        };
        anyhow::ensure!(
            path.is_file(),
            "there is no database at {}: seed one first (rapport-server seed --database {url})",
            path.display()
        );
        Db::open(target, url, Open::Existing).await
    }

    async fn open(target: SqliteTarget, url: &str, how: Open) -> anyhow::Result<Db> {
        let (opts, max) = match &target {
            SqliteTarget::File(path) => {
                if let Some(dir) = path
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty() && how == Open::CreateAndMigrate)
                {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!("could not create the database directory {}", dir.display())
                    })?;
                }
                (SqliteConnectOptions::new().filename(path), 8)
            }
            // Every in-memory connection is its own database: keep one.
            SqliteTarget::Memory => (SqliteConnectOptions::from_str("sqlite::memory:")?, 1),
        };
        let opts = opts
            .create_if_missing(how == Open::CreateAndMigrate)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-8192")
            .pragma("mmap_size", "1073741824")
            // Checkpoints run beside the writes (see [`checkpoints`]), not
            // in the commit that happens to fill the WAL: in a large
            // database that commit would wait for scattered page writes
            // and an fsync of the whole file.
            .pragma("wal_autocheckpoint", "0")
            .statement_cache_capacity(256);
        if matches!(target, SqliteTarget::File(_)) {
            // One connection alone first: it creates the file and turns it
            // to WAL. Several connections of a new pool doing that at once
            // can fail at once with "database is locked".
            use sqlx::{ConnectOptions, Connection};
            let first = opts
                .connect()
                .await
                .with_context(|| format!("could not open the database {url}"))?;
            first.close().await?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await
            .with_context(|| format!("could not open the database {url}"))?;
        match how {
            Open::CreateAndMigrate => MIGRATOR
                .run(&pool)
                .await
                .with_context(|| format!("could not migrate the database {url}"))?,
            Open::Existing => {
                if let Err(e) = check_migrations(&pool).await {
                    pool.close().await;
                    return Err(e.context(format!(
                        "{url} was migrated by another version of Rapport: copy it and open the copy, or seed a new one"
                    )));
                }
            }
        }
        if matches!(target, SqliteTarget::File(_)) {
            tokio::spawn(checkpoints(pool.clone()));
        }
        Ok(Db {
            pool,
            vocab: Arc::new(Vocabulary::default()),
            target: Arc::new(target),
        })
    }

    /// The connection pool, for callers that run their own SQL.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction. `BEGIN IMMEDIATE` takes the write lock up front,
    /// so concurrent writers queue on the busy timeout instead of failing
    /// when a read would have to turn into a write.
    pub async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// `sqlite` (the only backend so far).
    pub fn backend(&self) -> &'static str {
        "sqlite"
    }

    /// Load the typo corrector's vocabulary if it is not loaded yet.
    pub async fn warm_up(&self) -> Result<(), sqlx::Error> {
        self.vocab.ensure_loaded(&self.pool).await
    }

    /// Close every connection, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// How [`Db::open`] treats the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// Create it if missing and apply pending migrations.
    CreateAndMigrate,
    /// It must exist and be migrated exactly as this build expects.
    Existing,
}

/// Fails unless the applied migrations are this build's, version for version
/// and checksum for checksum.
async fn check_migrations(pool: &SqlitePool) -> anyhow::Result<()> {
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version",
    )
    .fetch_all(pool)
    .await
    .context("it has no migration history")?;
    let compiled: Vec<(i64, Vec<u8>)> = MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| (m.version, m.checksum.to_vec()))
        .collect();
    let versions = |v: &[(i64, Vec<u8>)]| v.iter().map(|m| m.0).collect::<Vec<_>>();
    anyhow::ensure!(
        applied == compiled,
        "its applied migrations are {:?}, this build's are {:?}{}",
        versions(&applied),
        versions(&compiled),
        if versions(&applied) == versions(&compiled) {
            " (same versions, different contents)"
        } else {
            ""
        }
    );
    Ok(())
}

/// How often the WAL is copied into the database file. A checkpoint ends
/// with an fsync of the whole database file, and a commit whose own fsync
/// lands beside it waits for it (on a 1M-customer file, the slowest call
/// hooks were those): a few seconds apart, few commits meet one, and the
/// WAL still stays small.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(5);

/// The WAL copied into the database file every [`CHECKPOINT_EVERY`], on a connection
/// of its own from the pool, while the pool is open. `PASSIVE` never waits
/// for readers or writers: what a long read still needs is copied on a
/// later turn. Closing the pool ends it (and the last connection to close
/// checkpoints whatever is left).
async fn checkpoints(pool: SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "a WAL checkpoint failed; the next one tries again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        assert_eq!(
            parse_url("sqlite://data/rapport.db").unwrap(),
            SqliteTarget::File("data/rapport.db".into())
        );
        assert_eq!(
            parse_url("sqlite:///tmp/x.db?mode=rwc").unwrap(),
            SqliteTarget::File("/tmp/x.db".into())
        );
        assert_eq!(
            parse_url("sqlite:rapport.db").unwrap(),
            SqliteTarget::File("rapport.db".into())
        );
        assert_eq!(parse_url("sqlite::memory:").unwrap(), SqliteTarget::Memory);
        assert_eq!(
            parse_url("/var/lib/rapport.db").unwrap(),
            SqliteTarget::File("/var/lib/rapport.db".into())
        );
        assert!(matches!(
            parse_url("postgres://x@y/z"),
            Err(DatabaseUrlError::PostgresNotYet)
        ));
        assert!(matches!(
            parse_url("mysql://x"),
            Err(DatabaseUrlError::Unsupported(_))
        ));
    }

    #[tokio::test]
    async fn existing_databases_open_only_when_migrated_alike() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite");
        let url = format!("sqlite://{}", path.display());
        let missing = Db::connect_existing(&url).await.unwrap_err();
        assert!(
            missing.to_string().contains("seed one first"),
            "{missing:#}"
        );
        assert!(!path.exists(), "nothing is created");

        Db::connect(&url).await.unwrap().close().await;
        Db::connect_existing(&url).await.unwrap().close().await;

        // A migration this build does not know, as another branch might add.
        let db = Db::connect(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99990101000000, 'elsewhere', 1, x'00', 0)",
        )
        .execute(db.pool())
        .await
        .unwrap();
        db.close().await;
        let e = Db::connect_existing(&url).await.unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("another version of Rapport"), "{msg}");
        assert!(msg.contains("99990101000000"), "{msg}");
    }

    #[tokio::test]
    async fn the_wal_is_checkpointed_beside_the_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite");
        let db = Db::connect_path(&path).await.unwrap();
        let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(auto, 0, "no commit checkpoints");
        // Let the checkpointer copy the migrations' pages first.
        tokio::time::sleep(CHECKPOINT_EVERY + Duration::from_secs(1)).await;
        let before = std::fs::metadata(&path).unwrap().len();
        sqlx::query("CREATE TABLE t (x BLOB)")
            .execute(db.pool())
            .await
            .unwrap();
        for _ in 0..50 {
            sqlx::query("INSERT INTO t VALUES (randomblob(8000))")
                .execute(db.pool())
                .await
                .unwrap();
        }
        // The rows are in the WAL; at the next checkpoint they are in the
        // file.
        let until = std::time::Instant::now() + CHECKPOINT_EVERY * 2;
        while std::fs::metadata(&path).unwrap().len() < before + 50 * 8000 {
            assert!(
                std::time::Instant::now() < until,
                "the database file did not grow: no checkpoint ran"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        db.close().await;
    }
}
