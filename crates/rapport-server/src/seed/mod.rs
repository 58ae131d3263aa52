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

use crate::Db;
use crate::codes::Code;
use crate::store::{Batch, IdTable, ProductSpec};

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
    Ok(db.read().await?.any_customer().await?)
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
    let total = opts.customers;
    let (first_customer, ids) = {
        // The generator numbers customers, orders and contacts itself, from
        // the next free ids: seed while nothing else adds customers.
        let n = i64::try_from(total).context("too many customers")?;
        let mut tx = db.begin().await?;
        let first = tx.reserve_ids(IdTable::Customers, n.max(1)).await?;
        let ids = Ids {
            order: tx.reserve_ids(IdTable::Orders, 1).await?,
            interaction: tx.reserve_ids(IdTable::Interactions, 1).await?,
        };
        tx.commit().await?;
        (first, ids)
    };
    progress(0, total);

    // Bulk loading: a crash mid-way loses at most the last chunks, and the
    // load can be rerun, so commits need not wait for the disk (on this
    // connection only).
    let mut conn = db.read().await?;
    conn.bulk_load(true).await?;

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
            let written = txn
                .write_batch(&batch)
                .await
                .context("could not store demo customers")?;
            txn.commit().await?;
            db.vocab.add(written.tokens.iter().map(String::as_str));
            done += batch.customers.len() as u64;
            progress(done, total);
        }
        Ok(())
    }
    .await;
    drop(rx);
    let generated = producer.await;
    conn.bulk_load(false).await?;
    generated.context("the demo-data generator stopped unexpectedly")?;
    result?;
    anyhow::ensure!(
        done == total,
        "only {done} of {total} demo customers were generated"
    );

    conn.after_bulk_load().await?;
    Ok(())
}

/// Insert the catalogue products that are missing; return the database id
/// of every entry of [`PRODUCTS`], in order.
async fn ensure_catalogue(db: &Db) -> anyhow::Result<Vec<i64>> {
    let specs: Vec<ProductSpec> = PRODUCTS
        .iter()
        .map(|p| ProductSpec {
            sku: p.sku,
            name: p.name,
            category: p.category,
            line: p.line,
            price_minor: p.price_gbp_minor,
            currency: "GBP",
            margin: p.margin,
        })
        .collect();
    let mut tx = db.begin().await?;
    let rows = tx.ensure_products(&specs).await?;
    tx.commit().await?;
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
    let mut tx = db.begin().await?;
    for (name, role, team) in SEED_AGENTS {
        let id = match tx.agent_by_name(name).await? {
            Some(a) => a.id,
            None => crate::agents::insert_agent(&mut *tx, name, *role, *team).await?,
        };
        if role.code() != "admin" {
            ids.push(id);
        }
    }
    tx.commit().await?;
    Ok(ids)
}
