//! The database handle: connection pools on one of the two backends,
//! opened with the settings the server relies on and migrated on open, plus
//! the in-memory search vocabulary that belongs to the data in it.
//!
//! - **SQLite** (the embedded default): WAL, `synchronous=FULL`, foreign
//!   keys, a busy timeout. Two pools: one connection that writes (so writers
//!   queue in order, in memory, instead of polling SQLite's lock) and several
//!   that read. A reader never waits for the writer, and the writer may read
//!   beside its transaction from the read pool without a lock-order deadlock.
//! - **PostgreSQL** (several servers over one database): a read pool and a
//!   write pool as well, so a transaction holding row locks never waits for a
//!   connection that requests queued behind those locks are holding.
//!
//! Every connection that comes back to a pool still inside a transaction
//! (a COMMIT that failed on a full disk leaves SQLite's connection so, and
//! sqlx's rollback of it fails too) is closed instead of reused: after any
//! storage error the next write starts on a clean connection, so the write
//! path heals as soon as the cause (space, the device) is back.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection as _, Postgres, Sqlite};
use thiserror::Error;

use crate::search::vocab::Vocabulary;
use crate::store::{Conn, Tx};

/// The SQLite migrations compiled into the binary
/// (crates/rapport-server/migrations/sqlite).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
/// The PostgreSQL migrations (crates/rapport-server/migrations/postgres).
pub static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Error)]
pub enum DatabaseUrlError {
    #[error(
        "'{0}' is not a database URL this server understands: use sqlite://PATH (for example sqlite://rapport.db) or postgres://USER@HOST/DATABASE"
    )]
    Unsupported(String),
    #[error(
        "the database URL is empty: use sqlite://PATH (for example sqlite://rapport.db) or postgres://USER@HOST/DATABASE"
    )]
    Empty,
}

/// Where a database URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite file.
    File(PathBuf),
    /// A private in-memory SQLite database.
    Memory,
    /// A PostgreSQL database, by its `postgres://` URL.
    Postgres(String),
}

/// The name the first SQLite-only callers knew [`Target`] by.
pub type SqliteTarget = Target;

/// Which engine a [`Db`] stores in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Read a database URL: `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:`, a
/// bare file path, or `postgres://…` / `postgresql://…`. SQLite query strings
/// (`?mode=rwc`) are ignored: the file is always created when missing.
pub fn parse_url(url: &str) -> Result<Target, DatabaseUrlError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(DatabaseUrlError::Empty);
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url.to_string()));
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
        return Ok(Target::Memory);
    }
    Ok(Target::File(PathBuf::from(path)))
}

/// A URL with any password replaced, for messages and logs.
pub fn shown_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((user, host)) => {
                let user = user.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}@{host}")
            }
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The pools of one backend.
#[derive(Clone)]
pub(crate) enum Pools {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres { read: PgPool, write: PgPool },
}

/// A handle on the Rapport database. Cheap to clone; clones share the pools.
#[derive(Clone)]
pub struct Db {
    pub(crate) pools: Pools,
    pub(crate) vocab: Arc<Vocabulary>,
    target: Arc<Target>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let target = match &*self.target {
            Target::Postgres(url) => format!("Postgres({})", shown_url(url)),
            t => format!("{t:?}"),
        };
        f.debug_struct("Db").field("target", &target).finish()
    }
}

/// Connections reading beside the writer (SQLite), or per pool (PostgreSQL).
const READ_CONNECTIONS: u32 = 8;
/// PostgreSQL connections per pool for writes: transactions run at once there.
const PG_WRITE_CONNECTIONS: u32 = 8;
/// How long a request waits for a connection before it is told the server is
/// overloaded.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    /// Open (creating a SQLite file if missing) and migrate the database at
    /// `url`.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        let target = parse_url(url)?;
        Db::open(target, url, Open::CreateAndMigrate).await
    }

    /// Open (creating it and its directory if missing) and migrate the
    /// SQLite file at `path`.
    pub async fn connect_path(path: &Path) -> anyhow::Result<Db> {
        let shown = path.display().to_string();
        Db::open(
            Target::File(path.to_path_buf()),
            &shown,
            Open::CreateAndMigrate,
        )
        .await
    }

    /// Open an existing database without migrating it, and only if its
    /// applied migrations are exactly the ones compiled into this build. For
    /// tools that must not change a database other builds share (the
    /// benchmarks read one database from several checkouts).
    pub async fn connect_existing(url: &str) -> anyhow::Result<Db> {
        let target = parse_url(url)?;
        match &target {
            Target::File(path) => anyhow::ensure!(
                path.is_file(),
                "there is no database at {}: seed one first (rapport-server seed --database {url})",
                path.display()
            ),
            Target::Memory => {
                anyhow::bail!("{url} is not a database file: connect_existing needs sqlite://PATH")
            }
            Target::Postgres(_) => {}
        }
        Db::open(target, url, Open::Existing).await
    }

    async fn open(target: Target, url: &str, how: Open) -> anyhow::Result<Db> {
        let pools = match &target {
            Target::Postgres(pg) => open_postgres(pg, how).await?,
            sqlite => open_sqlite(sqlite, url, how).await?,
        };
        if let Pools::Sqlite { write, .. } = &pools
            && matches!(target, Target::File(_))
        {
            tokio::spawn(checkpoints(write.clone()));
        }
        Ok(Db {
            pools,
            vocab: Arc::new(Vocabulary::default()),
            target: Arc::new(target),
        })
    }

    /// Which engine this database is on.
    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Where it is (a PostgreSQL URL's password removed).
    pub fn shown(&self) -> String {
        match &*self.target {
            Target::File(p) => format!("sqlite://{}", p.display()),
            Target::Memory => "sqlite::memory:".into(),
            Target::Postgres(url) => shown_url(url),
        }
    }

    /// A connection from the read pool, for reads outside a transaction.
    pub async fn read(&self) -> Result<Conn<'static>, sqlx::Error> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => Conn::sqlite(read.acquire().await?),
            Pools::Postgres { read, .. } => Conn::postgres(read.acquire().await?),
        })
    }

    /// A read connection if one is idle now, without waiting: for reads
    /// that may run beside another when the pool has room, and otherwise
    /// run after it on the first.
    pub fn try_read(&self) -> Option<Conn<'static>> {
        match &self.pools {
            Pools::Sqlite { read, .. } => read.try_acquire().map(Conn::sqlite),
            Pools::Postgres { read, .. } => read.try_acquire().map(Conn::postgres),
        }
    }

    /// A write transaction. On SQLite, `BEGIN IMMEDIATE` on the one writing
    /// connection takes the write lock up front (another process's writers
    /// queue on the busy timeout instead of failing when a read would have
    /// to turn into a write). On PostgreSQL, `READ COMMITTED`: each
    /// invariant that needs more takes its own lock, as its store says.
    pub async fn begin(&self) -> Result<Tx<'static>, sqlx::Error> {
        Ok(match &self.pools {
            Pools::Sqlite { write, .. } => Tx::sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Pools::Postgres { write, .. } => Tx::postgres(write.begin().await?),
        })
    }

    /// The SQLite read pool, for code that runs its own SQL and has not
    /// moved behind the store interfaces yet.
    ///
    /// # Panics
    /// On PostgreSQL, which such code does not support.
    pub fn pool(&self) -> &SqlitePool {
        match &self.pools {
            Pools::Sqlite { read, .. } => read,
            Pools::Postgres { .. } => panic!("this operation is not available on PostgreSQL"),
        }
    }

    /// A SQLite write transaction, for code that runs its own SQL and has
    /// not moved behind the store interfaces yet. See [`Db::begin`].
    ///
    /// # Panics
    /// On PostgreSQL, which such code does not support.
    pub async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        match &self.pools {
            Pools::Sqlite { write, .. } => write.begin_with("BEGIN IMMEDIATE").await,
            Pools::Postgres { .. } => panic!("this operation is not available on PostgreSQL"),
        }
    }

    /// The SQLite pool that writes (one connection), for whole-file work
    /// such as imports that run their own SQL. See [`Db::pool`].
    pub fn write_pool(&self) -> &SqlitePool {
        match &self.pools {
            Pools::Sqlite { write, .. } => write,
            Pools::Postgres { .. } => panic!("this operation is not available on PostgreSQL"),
        }
    }

    /// Load the typo corrector's vocabulary if it is not loaded yet.
    pub async fn warm_up(&self) -> crate::error::Result<()> {
        self.vocab.ensure_loaded(self).await
    }

    /// Close every connection (on SQLite, checkpointing the WAL).
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres { read, write } => {
                read.close().await;
                write.close().await;
            }
        }
    }
}

/// How [`Db::open`] treats the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// Create it if missing and apply pending migrations.
    CreateAndMigrate,
    /// It must exist and be migrated exactly as this build expects.
    Existing,
}

/// Pool settings both backends share: a connection handed back inside a
/// transaction (or broken) is closed, not reused.
fn healing<DB: sqlx::Database>(opts: PoolOptions<DB>) -> PoolOptions<DB>
where
    DB::Connection: sqlx::Connection,
{
    opts.acquire_timeout(ACQUIRE_TIMEOUT)
        .after_release(|conn, _meta| {
            Box::pin(async move {
                // The ping goes through the connection's queue after any
                // rollback its transaction left there, so the depth read
                // after it is the settled one.
                if conn.ping().await.is_err() {
                    tracing::warn!("a database connection failed; it is replaced");
                    return Ok(false);
                }
                if conn.is_in_transaction() {
                    tracing::warn!(
                        "a database connection came back inside a transaction (a failed commit or rollback); it is replaced"
                    );
                    return Ok(false);
                }
                Ok(true)
            })
        })
}

async fn open_sqlite(target: &Target, url: &str, how: Open) -> anyhow::Result<Pools> {
    let (opts, readers) = match target {
        Target::File(path) => {
            if let Some(dir) = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty() && how == Open::CreateAndMigrate)
            {
                std::fs::create_dir_all(dir).with_context(|| {
                    format!("could not create the database directory {}", dir.display())
                })?;
            }
            (SqliteConnectOptions::new().filename(path), READ_CONNECTIONS)
        }
        // Every in-memory connection is its own database: one connection
        // does everything, and the write "pool" is that same pool.
        _ => (SqliteConnectOptions::from_str("sqlite::memory:")?, 1),
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
        // Checkpoints run beside the writes (see [`checkpoints`]), not in
        // the commit that happens to fill the WAL: in a large database that
        // commit would wait for scattered page writes and an fsync of the
        // whole file.
        .pragma("wal_autocheckpoint", "0")
        .statement_cache_capacity(256);
    if matches!(target, Target::File(_)) {
        // One connection alone first: it creates the file and turns it to
        // WAL. Several connections of a new pool doing that at once can fail
        // at once with "database is locked".
        use sqlx::ConnectOptions;
        let first = opts
            .connect()
            .await
            .with_context(|| format!("could not open the database {url}"))?;
        first.close().await?;
    }
    let pool_opts = || {
        healing(SqlitePoolOptions::new())
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    };
    let read = pool_opts()
        .max_connections(readers)
        .connect_with(opts.clone())
        .await
        .with_context(|| format!("could not open the database {url}"))?;
    let write = if matches!(target, Target::File(_)) {
        pool_opts()
            .max_connections(1)
            .connect_with(opts)
            .await
            .with_context(|| format!("could not open the database {url}"))?
    } else {
        read.clone()
    };
    match how {
        Open::CreateAndMigrate => MIGRATOR
            .run(&write)
            .await
            .with_context(|| format!("could not migrate the database {url}"))?,
        Open::Existing => {
            let applied = sqlx::query_as::<Sqlite, (i64, Vec<u8>)>(APPLIED)
                .fetch_all(&read)
                .await;
            if let Err(e) = check_migrations(applied, &MIGRATOR) {
                read.close().await;
                write.close().await;
                return Err(e.context(format!(
                    "{url} was migrated by another version of Rapport: copy it and open the copy, or seed a new one"
                )));
            }
        }
    }
    Ok(Pools::Sqlite { read, write })
}

async fn open_postgres(url: &str, how: Open) -> anyhow::Result<Pools> {
    let shown = shown_url(url);
    let opts = PgConnectOptions::from_str(url)
        .with_context(|| format!("{shown} is not a PostgreSQL URL this server can use"))?
        .application_name("rapport-server");
    let pool = |n: u32| {
        healing(PgPoolOptions::new())
            .max_connections(n)
            .min_connections(1)
            .connect_with(opts.clone())
    };
    let write = pool(PG_WRITE_CONNECTIONS)
        .await
        .with_context(|| format!("could not connect to the database {shown}"))?;
    let read = pool(READ_CONNECTIONS)
        .await
        .with_context(|| format!("could not connect to the database {shown}"))?;
    match how {
        Open::CreateAndMigrate => PG_MIGRATOR
            .run(&write)
            .await
            .with_context(|| format!("could not migrate the database {shown}"))?,
        Open::Existing => {
            let applied = sqlx::query_as::<Postgres, (i64, Vec<u8>)>(APPLIED)
                .fetch_all(&read)
                .await;
            if let Err(e) = check_migrations(applied, &PG_MIGRATOR) {
                read.close().await;
                write.close().await;
                return Err(e.context(format!(
                    "{shown} was migrated by another version of Rapport: open a copy, or seed a new one"
                )));
            }
        }
    }
    Ok(Pools::Postgres { read, write })
}

const APPLIED: &str =
    "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version";

/// Fails unless the applied migrations are this build's, version for version
/// and checksum for checksum.
fn check_migrations(
    applied: Result<Vec<(i64, Vec<u8>)>, sqlx::Error>,
    migrator: &sqlx::migrate::Migrator,
) -> anyhow::Result<()> {
    let applied = applied.context("it has no migration history")?;
    let compiled: Vec<(i64, Vec<u8>)> = migrator
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

/// The WAL copied into the database file every [`CHECKPOINT_EVERY`], while
/// the pool is open. `PASSIVE` never waits for readers or writers: what a
/// long read still needs is copied on a later turn. It runs on the writing
/// connection between transactions, so it never meets a commit's fsync.
/// Closing the pool ends it (and the last connection to close checkpoints
/// whatever is left).
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

/// Whether an error is the storage failing (a full disk, an I/O error, the
/// database unreachable) rather than the request: the client is told the
/// cause with a 503 and may try again once it is mended.
pub fn storage_failure(e: &sqlx::Error) -> Option<&'static str> {
    match e {
        sqlx::Error::Io(_) => Some("The database could not be reached."),
        sqlx::Error::PoolTimedOut => Some(
            "The server is overloaded: no database connection came free in time. Try again in a moment.",
        ),
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            Some("The database is closing or its connection failed. Try again in a moment.")
        }
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or_default();
            // SQLite's primary result code is the low byte of the extended one.
            let sqlite = code.parse::<i32>().ok().map(|c| c & 0xff);
            match sqlite {
                Some(13) => Some(
                    "The database's disk is full: nothing was saved. Free some space; saving works again as soon as there is room.",
                ),
                Some(10) => Some(
                    "The database's disk reported an I/O error: nothing was saved. Try again; if it persists, check the disk.",
                ),
                Some(14) => Some("The database file could not be opened: nothing was saved."),
                Some(8) => Some("The database is read-only: nothing was saved."),
                Some(5) | Some(6) => {
                    Some("The database is busy with other work. Try again in a moment.")
                }
                _ => match code {
                    "53100" => Some(
                        "The database's disk is full: nothing was saved. Free some space; saving works again as soon as there is room.",
                    ),
                    c if c.starts_with("53") => Some(
                        "The database is out of resources (memory or connections): nothing was saved. Try again in a moment.",
                    ),
                    c if c.starts_with("58") => Some(
                        "The database reported an I/O error: nothing was saved. Try again; if it persists, check its disk.",
                    ),
                    c if c.starts_with("08") || c.starts_with("57") => Some(
                        "The database went away or is shutting down: nothing was saved. Try again in a moment.",
                    ),
                    "40001" | "40P01" => Some(
                        "The change met another at the same moment and was not saved. Try again.",
                    ),
                    "25006" => Some("The database is read-only: nothing was saved."),
                    _ => None,
                },
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        assert_eq!(
            parse_url("sqlite://data/rapport.db").unwrap(),
            Target::File("data/rapport.db".into())
        );
        assert_eq!(
            parse_url("sqlite:///tmp/x.db?mode=rwc").unwrap(),
            Target::File("/tmp/x.db".into())
        );
        assert_eq!(
            parse_url("sqlite:rapport.db").unwrap(),
            Target::File("rapport.db".into())
        );
        assert_eq!(parse_url("sqlite::memory:").unwrap(), Target::Memory);
        assert_eq!(
            parse_url("/var/lib/rapport.db").unwrap(),
            Target::File("/var/lib/rapport.db".into())
        );
        assert_eq!(
            parse_url("postgres://x@y/z").unwrap(),
            Target::Postgres("postgres://x@y/z".into())
        );
        assert!(matches!(
            parse_url("mysql://x"),
            Err(DatabaseUrlError::Unsupported(_))
        ));
        assert!(matches!(parse_url("  "), Err(DatabaseUrlError::Empty)));
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            shown_url("postgres://rapport:s3cret@db.example.net:5432/crm"),
            "postgres://rapport@db.example.net:5432/crm"
        );
        assert_eq!(shown_url("postgres://db/crm"), "postgres://db/crm");
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
        .execute(db.write_pool())
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
            .execute(db.write_pool())
            .await
            .unwrap();
        for _ in 0..50 {
            sqlx::query("INSERT INTO t VALUES (randomblob(8000))")
                .execute(db.write_pool())
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

    /// A full disk (here: the writing connection may not grow the file past
    /// its size) fails the write with the cause named; once there is room
    /// again, the next write succeeds on the same server, without a restart.
    /// A failed write leaves SQLite's transaction rolled back under sqlx,
    /// which then fails its own rollback: without replacing that connection
    /// every later write would fail with "begin_with at non-zero transaction
    /// depth".
    #[tokio::test]
    async fn the_write_path_heals_after_a_full_disk() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect_path(&dir.path().join("x.sqlite"))
            .await
            .unwrap();
        {
            let mut tx = db.write().await.unwrap();
            sqlx::query("CREATE TABLE t (x BLOB)")
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(db.pool())
            .await
            .unwrap();
        for _ in 0..3 {
            let failed = async {
                let mut tx = db.write().await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "PRAGMA max_page_count = {pages}"
                )))
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO t VALUES (randomblob(100000))")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
            .await
            .unwrap_err();
            let said = storage_failure(&failed)
                .unwrap_or_else(|| panic!("not a storage failure: {failed}"));
            assert!(said.contains("disk is full"), "{failed}: {said}");
        }
        // Room again: the same Db writes.
        let mut tx = db.write().await.unwrap();
        sqlx::query("PRAGMA max_page_count = 1073741823")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t VALUES (randomblob(100000))")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(n, 1);
        db.close().await;
    }
}
