//! The PostgreSQL store: every aggregate's SQL for a database several
//! servers share, one module per aggregate. Transactions run at once here
//! (`READ COMMITTED`), so each invariant SQLite's single writer kept is
//! kept by a lock or a constraint, named beside the SQL that needs it.

mod agents;
mod customers;
pub mod events;
mod search;
mod taxonomy;

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, Postgres, SqliteConnection, Transaction};

use super::Store;
use crate::db::Backend;

/// A PostgreSQL connection: pooled, a transaction, or one the caller holds.
pub enum PgConn<'a> {
    Pooled(PoolConnection<Postgres>),
    Tx(Transaction<'a, Postgres>),
    Borrowed(&'a mut PgConnection),
}

impl PgConn<'_> {
    pub(crate) fn c(&mut self) -> &mut PgConnection {
        match self {
            PgConn::Pooled(c) => c,
            PgConn::Tx(t) => t,
            PgConn::Borrowed(c) => c,
        }
    }
}

impl Store for PgConn<'_> {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }
}

impl super::sqlite_only::Escape for PgConn<'_> {
    fn sqlite(&mut self) -> Option<&mut SqliteConnection> {
        None
    }
}
