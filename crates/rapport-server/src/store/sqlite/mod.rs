//! The SQLite store: every aggregate's SQL for the embedded default, one
//! module per aggregate. SQLite has one writer at a time (`BEGIN IMMEDIATE`
//! on the one writing connection), which is what keeps its invariants.

mod agents;
mod customers;
mod events;
mod search;
mod taxonomy;

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, Transaction};

use super::Store;
use crate::db::Backend;

/// A SQLite connection: pooled, a transaction, or one the caller holds.
pub enum SqliteConn<'a> {
    Pooled(PoolConnection<Sqlite>),
    Tx(Transaction<'a, Sqlite>),
    Borrowed(&'a mut SqliteConnection),
}

impl SqliteConn<'_> {
    pub(crate) fn c(&mut self) -> &mut SqliteConnection {
        match self {
            SqliteConn::Pooled(c) => c,
            SqliteConn::Tx(t) => t,
            SqliteConn::Borrowed(c) => c,
        }
    }
}

impl Store for SqliteConn<'_> {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
}

impl super::sqlite_only::Escape for SqliteConn<'_> {
    fn sqlite(&mut self) -> Option<&mut SqliteConnection> {
        Some(self.c())
    }
}
