//! The storage seam. Domain logic (routing, limits, recovery rules, clocks,
//! analytics, queue figures, search ranking, the view's assembly) asks for
//! data through the interfaces here, one trait per aggregate; the SQL that
//! answers lives only in [`sqlite`] and [`postgres`], one module per
//! aggregate in each.
//!
//! A [`Conn`] is a read connection; a [`Tx`] a write transaction. Both
//! dereference to `dyn Store`, so a domain function takes
//! `&mut dyn Store` and works inside or outside a transaction, on either
//! backend:
//!
//! ```ignore
//! let mut tx = db.begin().await?;
//! let authority = recording::limits::authority(&mut *tx, agent, "GBP").await?;
//! tx.commit().await?;
//! ```
//!
//! Each invariant that SQLite's single writer gives for free (one writer at
//! a time) is enforced explicitly for PostgreSQL, where transactions run at
//! once; the method that needs a lock says which, beside its SQL.

pub mod copy;
pub mod postgres;
pub mod records;
pub mod sqlite;

// One interface per aggregate; each is implemented in sqlite/ and postgres/.
mod agents;
mod customers;
mod events;
mod search;
mod taxonomy;

pub use self::agents::{AgentRecord, AgentStore, TokenMatch, TokenRecord};
pub use self::customers::{CustomerStore, IdTable, ProductSpec};
pub use self::events::{EVENTS_CHANNEL, EventRow, EventStore};
pub use self::search::SearchStore;
pub use self::taxonomy::{ReasonRow, TaxonomyStore};

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, SqliteConnection, Transaction};

pub use self::records::*;
use crate::db::Backend;

pub use self::postgres::PgConn;
pub use self::sqlite::SqliteConn;

/// Every aggregate's store, on one connection or transaction.
pub trait Store:
    Send + sqlite_only::Escape + AgentStore + CustomerStore + EventStore + SearchStore + TaxonomyStore
{
    /// Which backend answers.
    fn backend(&self) -> Backend;
}

pub(crate) mod sqlite_only {
    use sqlx::SqliteConnection;

    /// The way out to raw SQLite for code that has not moved behind the
    /// store interfaces yet (it refuses PostgreSQL with a clear error).
    pub trait Escape {
        fn sqlite(&mut self) -> Option<&mut SqliteConnection>;
    }
}

/// The SQLite connection under `store`, or an error saying the operation is
/// not available on this backend yet.
pub fn sqlite_conn(store: &mut dyn Store) -> crate::error::Result<&mut SqliteConnection> {
    let backend = store.backend();
    store.sqlite().ok_or_else(|| {
        crate::error::Error::Unsupported(format!(
            "This operation is not available on {backend} yet; it works on SQLite."
        ))
    })
}

/// A connection (read pool) or transaction, on either backend.
pub enum Conn<'a> {
    Sqlite(SqliteConn<'a>),
    Postgres(PgConn<'a>),
}

impl Conn<'static> {
    pub(crate) fn sqlite(c: PoolConnection<sqlx::Sqlite>) -> Conn<'static> {
        Conn::Sqlite(SqliteConn::Pooled(c))
    }

    pub(crate) fn postgres(c: PoolConnection<sqlx::Postgres>) -> Conn<'static> {
        Conn::Postgres(PgConn::Pooled(c))
    }
}

impl<'a> Conn<'a> {
    /// A store over a SQLite connection the caller holds (a transaction of
    /// code that runs its own SQL), for calling code that takes a store.
    pub fn borrow_sqlite(c: &'a mut SqliteConnection) -> Conn<'a> {
        Conn::Sqlite(SqliteConn::Borrowed(c))
    }

    /// A store over a PostgreSQL connection the caller holds.
    pub fn borrow_postgres(c: &'a mut PgConnection) -> Conn<'a> {
        Conn::Postgres(PgConn::Borrowed(c))
    }
}

impl<'a> Deref for Conn<'a> {
    type Target = dyn Store + 'a;
    fn deref(&self) -> &Self::Target {
        match self {
            Conn::Sqlite(c) => c,
            Conn::Postgres(c) => c,
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Conn::Sqlite(c) => c,
            Conn::Postgres(c) => c,
        }
    }
}

/// A transaction on either backend: dropped without [`Tx::commit`], it
/// rolls back.
pub struct Tx<'a>(Conn<'a>);

impl Tx<'static> {
    pub(crate) fn sqlite(t: Transaction<'static, sqlx::Sqlite>) -> Tx<'static> {
        Tx(Conn::Sqlite(SqliteConn::Tx(t)))
    }

    pub(crate) fn postgres(t: Transaction<'static, sqlx::Postgres>) -> Tx<'static> {
        Tx(Conn::Postgres(PgConn::Tx(t)))
    }
}

impl Tx<'_> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Conn::Sqlite(SqliteConn::Tx(t)) => t.commit().await,
            Conn::Postgres(PgConn::Tx(t)) => t.commit().await,
            _ => unreachable!("a Tx always holds a transaction"),
        }
    }
}

impl Conn<'_> {
    /// A transaction on this connection (a plain `BEGIN`: on a read-pool
    /// connection, for work that writes beside the server's writer, such as
    /// a bulk load).
    pub async fn begin(&mut self) -> Result<Tx<'_>, sqlx::Error> {
        use sqlx::Connection as _;
        Ok(Tx(match self {
            Conn::Sqlite(c) => Conn::Sqlite(SqliteConn::Tx(c.c().begin().await?)),
            Conn::Postgres(c) => Conn::Postgres(PgConn::Tx(c.c().begin().await?)),
        }))
    }
}

impl<'a> Deref for Tx<'a> {
    type Target = dyn Store + 'a;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut *self.0
    }
}

/// [`CustomerStore::write_batch`] for SQLite code that holds a raw
/// connection and has not moved behind the store interfaces yet.
pub async fn write_batch(
    conn: &mut SqliteConnection,
    batch: &Batch,
) -> Result<Vec<String>, sqlx::Error> {
    Conn::borrow_sqlite(conn)
        .write_batch(batch)
        .await
        .map(|w| w.tokens)
        .map_err(into_sqlx)
}

/// [`CustomerStore::reserve_ids`] of one id, for SQLite code that holds a
/// raw connection and has not moved behind the store interfaces yet.
pub async fn next_id(conn: &mut SqliteConnection, table: &'static str) -> Result<i64, sqlx::Error> {
    let table = match table {
        "customers" => IdTable::Customers,
        "orders" => IdTable::Orders,
        "interactions" => IdTable::Interactions,
        other => unreachable!("next_id is not used for {other}"),
    };
    Conn::borrow_sqlite(conn)
        .reserve_ids(table, 1)
        .await
        .map_err(into_sqlx)
}

fn into_sqlx(e: crate::error::Error) -> sqlx::Error {
    match e {
        crate::error::Error::Database(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}
