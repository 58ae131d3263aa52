//! Customers and their history as written in bulk (demo data, imports,
//! single new records), with the search index kept in step.

use async_trait::async_trait;

use super::records::{Batch, BatchWritten};
use crate::error::Result;

/// Tables whose ids the server hands out itself (their rows refer to each
/// other within one batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTable {
    Customers,
    Orders,
    Interactions,
}

impl IdTable {
    pub fn name(self) -> &'static str {
        match self {
            IdTable::Customers => "customers",
            IdTable::Orders => "orders",
            IdTable::Interactions => "interactions",
        }
    }
}

/// A catalogue product to make sure of.
#[derive(Debug, Clone)]
pub struct ProductSpec<'a> {
    pub sku: &'a str,
    pub name: &'a str,
    pub category: &'a str,
    pub line: Option<(&'a str, i64)>,
    pub price_minor: i64,
    pub currency: &'a str,
    pub margin: f64,
}

#[async_trait]
pub trait CustomerStore {
    /// Store everything in `batch` (ids given), keeping the search index
    /// and the name-token counts in step.
    async fn write_batch(&mut self, batch: &Batch) -> Result<BatchWritten>;
    /// The first of `n` consecutive ids of `table` no one else will be
    /// given. On SQLite the writer's lock makes the next free id safe within
    /// the transaction; on PostgreSQL the table's sequence is advanced past
    /// the block.
    async fn reserve_ids(&mut self, table: IdTable, n: i64) -> Result<i64>;
    /// Whether a customer with this id exists.
    async fn customer_exists(&mut self, id: i64) -> Result<bool>;
    /// Whether any customer exists.
    async fn any_customer(&mut self) -> Result<bool>;
    /// The customer's currency, if they exist.
    async fn customer_currency(&mut self, id: i64) -> Result<Option<String>>;
    /// (id, catalogue price) of the product with this SKU.
    async fn product_by_sku(&mut self, sku: &str) -> Result<Option<(i64, i64)>>;
    /// Insert the products whose SKU is missing; (id, sku) of every product.
    async fn ensure_products(&mut self, products: &[ProductSpec<'_>])
    -> Result<Vec<(i64, String)>>;
    /// Bulk loading on this connection: commits need not wait for the disk
    /// (a crash loses at most the last chunks of a load that can be rerun).
    async fn bulk_load(&mut self, on: bool) -> Result<()>;
    /// After a bulk load: compact the search index and refresh the
    /// planner's statistics.
    async fn after_bulk_load(&mut self) -> Result<()>;
}
