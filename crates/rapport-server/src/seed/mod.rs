//! Demo data: a product catalogue, a team of agents, and customers with
//! years of orders, contacts on every channel, complaints and survey answers.
//!
//! Deterministic: the same seed and anchor date give the same data. A
//! generator thread builds customers in chunks while this task writes the
//! previous chunk in one transaction of multi-row `INSERT`s, so memory stays
//! bounded however many customers are asked for.

pub mod catalogue;
pub mod content;
pub mod generate;
pub mod names;
pub mod places;

use anyhow::Context as _;
use chrono::NaiveDate;
use rapport_api::Role;
use sqlx::{Connection, QueryBuilder, Sqlite};

use crate::Db;
use crate::codes::Code;
use crate::store::{self, Batch};

use self::catalogue::PRODUCTS;
use self::generate::{Context, Ids};

/// Customers per transaction.
const CHUNK: u64 = 1000;

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub customers: u64,
    pub seed: u64,
    /// The day the history runs up to (exclusive); "today" for a live demo.
    pub anchor: NaiveDate,
}

impl SeedOptions {
    /// `customers` customers from `seed`, with history up to today.
    pub fn new(customers: u64, seed: u64) -> SeedOptions {
        SeedOptions {
            customers,
            seed,
            anchor: chrono::Utc::now().date_naive(),
        }
    }
}

/// The demo team: (name, role, team).
pub const SEED_AGENTS: &[(&str, Role, Option<&str>)] = &[
    ("Amara Okonkwo", Role::Supervisor, Some("Retention")),
    ("Margaret Ellison", Role::Supervisor, Some("Complaints")),
    ("Hannah Schulz", Role::Supervisor, Some("Technical")),
    ("Tom Whitfield", Role::Agent, Some("Billing")),
    ("Priya Raman", Role::Agent, Some("Billing")),
    ("Lukas Becker", Role::Agent, Some("Technical")),
    ("Sofía Marín", Role::Agent, Some("Technical")),
    ("Chen Jing", Role::Agent, Some("Sales")),
    ("Aoife Byrne", Role::Agent, Some("Retention")),
    ("Kwame Mensah", Role::Agent, Some("Sales")),
    ("Daniel Reyes", Role::Agent, Some("Complaints")),
    ("Rapport Admin", Role::Admin, None),
];

/// True when the database holds any customer.
pub async fn is_seeded(db: &Db) -> anyhow::Result<bool> {
    let any: Option<i64> = sqlx::query_scalar("SELECT id FROM customers LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    Ok(any.is_some())
}

/// Add `opts.customers` demo customers (after any already there), plus the
/// catalogue and the demo agents if missing. `progress(done, total)` is
/// called after every chunk.
pub async fn seed(
    db: &Db,
    opts: &SeedOptions,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> anyhow::Result<()> {
    let product_ids = ensure_catalogue(db).await?;
    let agents = ensure_agents(db).await?;
    let mut conn = db.pool.acquire().await?;
    let first_customer = store::next_id(&mut conn, "customers").await?;
    let ids = Ids {
        order: store::next_id(&mut conn, "orders").await?,
        interaction: store::next_id(&mut conn, "interactions").await?,
    };
    let total = opts.customers;
    progress(0, total);

    // Bulk loading: a crash mid-way loses at most the last chunks, and the
    // load can be rerun, so commits need not wait for the disk.
    // A larger page cache for this connection keeps the index pages that
    // every chunk touches in memory instead of rereading and rewriting them.
    for sql in [
        "PRAGMA synchronous = NORMAL",
        "PRAGMA cache_size = -262144",
        "PRAGMA wal_autocheckpoint = 16384",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }

    let ctx = Context::new(opts.seed, opts.anchor, product_ids, agents);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(2);
    let producer = tokio::task::spawn_blocking(move || {
        let mut ids = ids;
        let mut index = 0u64;
        while index < total {
            let end = (index + CHUNK).min(total);
            let mut batch = Batch::default();
            for i in index..end {
                generate::customer(&ctx, i, first_customer + i as i64, &mut ids, &mut batch);
            }
            if tx.blocking_send(batch).is_err() {
                break; // the writer gave up
            }
            index = end;
        }
    });

    let mut done = 0u64;
    let result: anyhow::Result<()> = async {
        while let Some(batch) = rx.recv().await {
            let mut txn = conn.begin().await?;
            let tokens = store::write_batch(&mut txn, &batch)
                .await
                .context("could not store demo customers")?;
            txn.commit().await?;
            db.vocab.add(tokens.iter().map(String::as_str));
            done += batch.customers.len() as u64;
            progress(done, total);
        }
        Ok(())
    }
    .await;
    drop(rx);
    let generated = producer.await;
    for sql in [
        "PRAGMA synchronous = FULL",
        "PRAGMA cache_size = -8192",
        "PRAGMA wal_autocheckpoint = 1000",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    generated.context("the demo-data generator stopped unexpectedly")?;
    result?;
    anyhow::ensure!(
        done == total,
        "only {done} of {total} demo customers were generated"
    );

    // One segment per full-text index makes queries faster; then refresh
    // the planner's statistics (sampled, so this stays quick).
    for sql in [
        "INSERT INTO search_words (search_words) VALUES ('optimize')",
        "INSERT INTO search_trigram (search_trigram) VALUES ('optimize')",
        "PRAGMA analysis_limit = 1000",
        "ANALYZE",
        "PRAGMA wal_checkpoint(TRUNCATE)",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Insert the catalogue products that are missing; return the database id
/// of every entry of [`PRODUCTS`], in order.
async fn ensure_catalogue(db: &Db) -> anyhow::Result<Vec<i64>> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO products (sku, name, category, line, line_tier, price_minor, currency, margin) ",
    );
    qb.push_values(PRODUCTS.iter(), |mut b, p| {
        b.push_bind(p.sku)
            .push_bind(p.name)
            .push_bind(p.category)
            .push_bind(p.line.map(|l| l.0))
            .push_bind(p.line.map(|l| l.1))
            .push_bind(p.price_gbp_minor)
            .push_bind("GBP")
            .push_bind(p.margin);
    });
    qb.push(" ON CONFLICT (sku) DO NOTHING");
    qb.build().execute(&db.pool).await?;
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, sku FROM products")
        .fetch_all(&db.pool)
        .await?;
    PRODUCTS
        .iter()
        .map(|p| {
            rows.iter()
                .find(|(_, sku)| sku == p.sku)
                .map(|(id, _)| *id)
                .with_context(|| format!("product {} is missing after inserting it", p.sku))
        })
        .collect()
}

/// Create the demo agents that are missing; return the ids of those who
/// handle contacts (agents and supervisors).
async fn ensure_agents(db: &Db) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut conn = db.pool.acquire().await?;
    for (name, role, team) in SEED_AGENTS {
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM agents WHERE name = ?")
            .bind(*name)
            .fetch_optional(&mut *conn)
            .await?;
        let id = match existing {
            Some(id) => id,
            None => crate::agents::insert_agent(&mut conn, name, *role, *team).await?,
        };
        if role.code() != "admin" {
            ids.push(id);
        }
    }
    Ok(ids)
}
