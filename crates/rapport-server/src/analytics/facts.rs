//! What the formulas read about a customer, loaded for everyone at once
//! (the refresh: one pass over each table, in the order it is stored) or
//! for one customer (indexed lookups, for the update after a change).
//!
//! Only what the figures need is kept: each order's day, total, gross
//! profit and category set; the products owned; inbound contacts of the
//! last 395 days; open and recently closed complaints; the latest NPS
//! answer; the latest response per rule.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt;
use rapport_api::SuggestionAnswer;
use sqlx::SqliteConnection;

use crate::error::Result;
use crate::store::from_epoch;

/// Days a window of `n` days reaches back to: `(as_of − n, as_of]`.
pub fn window_start(as_of: NaiveDate, n: i64) -> NaiveDate {
    as_of - chrono::Duration::days(n)
}

/// Midnight (UTC) starting `day`, as stored.
pub fn day_start(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp()
}

/// The calendar day (UTC) of a stored instant.
pub fn day_of(epoch: i64) -> NaiveDate {
    from_epoch(epoch).date_naive()
}

/// A catalogue product as analytics sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    /// Index into [`Catalogue::categories`].
    pub category: usize,
    pub margin: f64,
    /// (line, tier) for up-sell.
    pub line: Option<(String, i64)>,
}

/// The products and categories, with the category of each product as a bit
/// of an order's category set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalogue {
    pub products: HashMap<i64, Product>,
    /// Category names; the first [`super::rules::MAX_ITEMS`] take part in
    /// rule mining (largest by product count first).
    pub categories: Vec<String>,
}

type ProductRow = (
    i64,
    String,
    String,
    String,
    f64,
    Option<String>,
    Option<i64>,
);

/// Whether anything may be offered to a customer: some marketing consent,
/// and no do-not-contact.
pub fn marketing_allowed(c: &rapport_api::Consent) -> bool {
    (c.email || c.sms || c.phone || c.post) && !c.do_not_contact
}

impl Catalogue {
    /// The catalogue, with the categories of `order` (a model's) first in
    /// that order so its category bits still mean the same, then any others
    /// largest first.
    pub async fn load(conn: &mut SqliteConnection, order: &[String]) -> Result<Catalogue> {
        let rows: Vec<ProductRow> = sqlx::query_as(
            "SELECT id, sku, name, category, margin, line, line_tier FROM products ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut sizes: HashMap<&str, usize> = HashMap::new();
        for r in &rows {
            *sizes.entry(r.3.as_str()).or_default() += 1;
        }
        let mut rest: Vec<String> = sizes
            .keys()
            .filter(|c| !order.iter().any(|o| o == *c))
            .map(|c| c.to_string())
            .collect();
        rest.sort_by(|a, b| sizes[b.as_str()].cmp(&sizes[a.as_str()]).then(a.cmp(b)));
        let mut categories: Vec<String> = order.to_vec();
        categories.extend(rest);
        let index: HashMap<&str, usize> = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let products = rows
            .iter()
            .map(|(id, sku, name, cat, margin, line, tier)| {
                (
                    *id,
                    Product {
                        id: *id,
                        sku: sku.clone(),
                        name: name.clone(),
                        category: index.get(cat.as_str()).copied().unwrap_or(usize::MAX),
                        margin: *margin,
                        line: line.clone().zip(*tier),
                    },
                )
            })
            .collect();
        Ok(Catalogue {
            products,
            categories,
        })
    }

    /// The bit of a category in an order's set (none beyond the 64th).
    pub fn bit(category: usize) -> u64 {
        if category < super::rules::MAX_ITEMS {
            1u64 << category
        } else {
            0
        }
    }
}

/// One order, as the formulas see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Order {
    pub day: NaiveDate,
    pub total_minor: i64,
    /// Σ quantity × unit price × product margin, rounded; the order total
    /// × the default margin for an order without lines.
    pub profit_minor: i64,
    /// The same before rounding.
    pub profit_exact: f64,
    /// Sum of the line values (quantity × unit price).
    pub lines_minor: i64,
    /// Category set (see [`Catalogue::bit`]).
    pub categories: u64,
}

/// Everything about one customer that the figures are computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub id: i64,
    pub currency: String,
    pub customer_since: NaiveDate,
    pub dissolution: bool,
    /// Some marketing consent given, and do-not-contact not set.
    pub marketing_allowed: bool,
    pub orders: Vec<Order>,
    /// (order index, product id, quantity, line value) of every line.
    pub lines: Vec<(u32, i64, i64, i64)>,
    /// Days of inbound contacts in the 395 days to `as_of`.
    pub contacts: Vec<NaiveDate>,
    /// Open complaints: (id, SLA deadline).
    pub open_complaints: Vec<(i64, DateTime<Utc>)>,
    /// Complaints closed after their SLA: (id, closed).
    pub late_closed: Vec<(i64, DateTime<Utc>)>,
    /// Latest NPS answer (score, instant).
    pub latest_nps: Option<(i64, DateTime<Utc>)>,
    /// Latest response per rule: (rule id, answer, instant).
    pub responses: Vec<(i64, SuggestionAnswer, DateTime<Utc>)>,
}

impl Facts {
    fn new(id: i64, currency: String, since: NaiveDate, stage: &str, consent: [bool; 5]) -> Facts {
        let [email, sms, phone, post, do_not_contact] = consent;
        let consent = rapport_api::Consent {
            email,
            sms,
            phone,
            post,
            do_not_contact,
        };
        Facts {
            id,
            currency,
            customer_since: since,
            dissolution: stage == "dissolution",
            marketing_allowed: marketing_allowed(&consent),
            orders: Vec::new(),
            lines: Vec::new(),
            contacts: Vec::new(),
            open_complaints: Vec::new(),
            late_closed: Vec::new(),
            latest_nps: None,
            responses: Vec::new(),
        }
    }

    /// Fill order profits and categories from the lines. Each order's
    /// profit is rounded to a minor unit once, from its lines in a fixed
    /// order, so every sum over orders is exact whichever way they were read.
    fn finish_orders(&mut self, cat: &Catalogue, default_margin: f64) {
        self.lines.sort_unstable();
        let mut profit = vec![0.0f64; self.orders.len()];
        for o in &mut self.orders {
            o.lines_minor = 0;
            o.categories = 0;
        }
        for &(i, product, _, value) in &self.lines {
            let o = &mut self.orders[i as usize];
            o.lines_minor += value;
            match cat.products.get(&product) {
                Some(p) => {
                    profit[i as usize] += value as f64 * p.margin;
                    o.categories |= Catalogue::bit(p.category);
                }
                None => profit[i as usize] += value as f64 * default_margin,
            }
        }
        for (o, p) in self.orders.iter_mut().zip(profit) {
            // Spend the lines do not account for (an order imported without
            // products, or one whose lines were rounded) at the default margin.
            let rest = o.total_minor - o.lines_minor;
            o.profit_exact = p + rest as f64 * default_margin;
            o.profit_minor = o.profit_exact.round() as i64;
        }
    }
}

fn parse_day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

/// The customer columns facts start from (a macro, so queries built on it
/// stay literal SQL).
macro_rules! customer_sql {
    () => {
        "SELECT c.id, c.currency, c.customer_since, c.stage, \
         COALESCE(p.consent_email, 0), COALESCE(p.consent_sms, 0), COALESCE(p.consent_phone, 0), \
         COALESCE(p.consent_post, 0), COALESCE(p.do_not_contact, 1) \
         FROM customers c LEFT JOIN preferences p ON p.customer_id = c.id"
    };
}

macro_rules! complaint_sql {
    () => {
        "SELECT id, customer_id, status, sla_due_at, COALESCE(resolved_at, closed_at) \
         FROM complaints"
    };
}

type ComplaintRow = (i64, i64, String, i64, Option<i64>);

type CustomerRow = (i64, String, String, String, bool, bool, bool, bool, bool);

fn facts_of(r: CustomerRow) -> Facts {
    Facts::new(r.0, r.1, parse_day(&r.2), &r.3, [r.4, r.5, r.6, r.7, r.8])
}

/// Where a customer id (or order id) sits in a dense array.
enum IdIndex {
    Dense(Vec<u32>),
    Sparse(HashMap<i64, u32>),
}

const NONE: u32 = u32::MAX;

impl IdIndex {
    fn build(ids: impl Iterator<Item = i64> + Clone) -> IdIndex {
        let (n, max) = ids
            .clone()
            .fold((0usize, 0i64), |(n, m), id| (n + 1, m.max(id)));
        if max >= 0 && (max as usize) < 4 * n + 1024 {
            let mut v = vec![NONE; max as usize + 1];
            for (i, id) in ids.enumerate() {
                if id >= 0 {
                    v[id as usize] = i as u32;
                }
            }
            IdIndex::Dense(v)
        } else {
            IdIndex::Sparse(ids.enumerate().map(|(i, id)| (id, i as u32)).collect())
        }
    }

    fn get(&self, id: i64) -> Option<usize> {
        match self {
            IdIndex::Dense(v) => v
                .get(usize::try_from(id).ok()?)
                .filter(|&&i| i != NONE)
                .map(|&i| i as usize),
            IdIndex::Sparse(m) => m.get(&id).map(|&i| i as usize),
        }
    }
}

/// What [`load_side`] reads: contacts, complaints, NPS answers and
/// responses, by customer id.
#[derive(Debug, Default)]
pub struct Side {
    contacts: Vec<(i64, i64)>,
    complaints: Vec<ComplaintRow>,
    nps: Vec<(i64, i64, i64)>,
    responses: Vec<(i64, i64, String, i64)>,
}

/// Contacts, complaints, NPS answers and responses of every customer: the
/// part of [`load_all`] that does not depend on the orders, so it can be
/// read on a second connection at the same time.
pub async fn load_side(conn: &mut SqliteConnection, as_of: NaiveDate) -> Result<Side> {
    let until = day_start(as_of + chrono::Duration::days(1));
    let from = day_start(window_start(as_of, 395) + chrono::Duration::days(1));
    let recent = day_start(window_start(as_of, 90) + chrono::Duration::days(1));
    let contacts = sqlx::query_as::<_, (i64, i64)>(
        "SELECT customer_id, started_at FROM interactions \
         WHERE direction = 'inbound' AND started_at >= ? AND started_at < ?",
    )
    .bind(from)
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    let complaints = sqlx::query_as::<_, ComplaintRow>(concat!(
        complaint_sql!(),
        " WHERE (status NOT IN ('resolved', 'closed') AND opened_at < ?) \
         OR (COALESCE(resolved_at, closed_at) >= ? AND COALESCE(resolved_at, closed_at) < ?)"
    ))
    .bind(until)
    .bind(recent)
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    let nps = sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT customer_id, score, answered_at FROM survey_answers \
         WHERE kind = 'nps' AND answered_at < ?",
    )
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    let responses = sqlx::query_as::<_, (i64, i64, String, i64)>(
        "SELECT customer_id, rule_id, response, responded_at FROM suggestion_responses \
         ORDER BY responded_at, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Side {
        contacts,
        complaints,
        nps,
        responses,
    })
}

/// Customers with their orders and lines, in id order (inside the caller's
/// transaction); [`add_side`] adds the rest.
pub async fn load_orders(
    conn: &mut SqliteConnection,
    cat: &Catalogue,
    as_of: NaiveDate,
    default_margin: f64,
) -> Result<Vec<Facts>> {
    let mut all: Vec<Facts> = Vec::new();
    {
        let mut rows = sqlx::query_as::<_, CustomerRow>(concat!(customer_sql!(), " ORDER BY c.id"))
            .fetch(&mut *conn);
        while let Some(r) = rows.try_next().await? {
            all.push(facts_of(r));
        }
    }
    let customers = IdIndex::build(all.iter().map(|f| f.id));
    let until = day_start(as_of + chrono::Duration::days(1));
    // Orders, and where each one landed, for its lines.
    let mut order_ids: Vec<i64> = Vec::new();
    let mut order_at: Vec<(u32, u32)> = Vec::new();
    packed_rows(
        &mut *conn,
        "orders",
        "customer_id || ',' || placed_at || ',' || total_minor",
        "placed_at < ?2",
        until,
        |id, [customer, at, total]: [i64; 3]| {
            let Some(c) = customers.get(customer) else {
                return;
            };
            let f = &mut all[c];
            order_ids.push(id);
            order_at.push((c as u32, f.orders.len() as u32));
            f.orders.push(Order {
                day: day_of(at),
                total_minor: total,
                profit_minor: 0,
                profit_exact: 0.0,
                lines_minor: 0,
                categories: 0,
            });
        },
    )
    .await?;
    let orders = IdIndex::build(order_ids.iter().copied());
    drop(order_ids);
    packed_rows(
        &mut *conn,
        "order_lines",
        "order_id || ',' || product_id || ',' || quantity || ',' || unit_price_minor",
        "?2 = ?2",
        0,
        |_, [order, product, qty, price]: [i64; 4]| {
            let Some(o) = orders.get(order) else { return };
            let (c, i) = order_at[o];
            all[c as usize].lines.push((i, product, qty, qty * price));
        },
    )
    .await?;
    drop(order_at);
    for f in &mut all {
        f.finish_orders(cat, default_margin);
    }

    Ok(all)
}

/// Rows of a table read in blocks of [`BLOCK`]: SQLite joins each block's
/// integer columns (`row`, comma-separated, NOT NULL) into one text value,
/// so a scan of millions of rows crosses sqlx's hand-over between its
/// SQLite thread and ours once a block rather than once a row. `each` gets
/// the row's id and its columns, in id order. `filter` may use `?2`
/// (`bind`).
async fn packed_rows<const N: usize>(
    conn: &mut SqliteConnection,
    table: &str,
    row: &str,
    filter: &str,
    bind: i64,
    mut each: impl FnMut(i64, [i64; N]),
) -> Result<()> {
    let sql = format!(
        "SELECT max(id), count(*), group_concat(id || ',' || {row}, ';') FROM \
         (SELECT * FROM {table} WHERE id > ?1 AND ({filter}) ORDER BY id LIMIT {BLOCK})"
    );
    let mut after = i64::MIN;
    loop {
        // Table, columns and filter are this module's constants.
        let (last, n, text): (Option<i64>, i64, Option<String>) =
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(after)
                .bind(bind)
                .fetch_one(&mut *conn)
                .await?;
        let (Some(last), Some(text)) = (last, text) else {
            return Ok(());
        };
        let mut seen = 0i64;
        for r in text.split(';') {
            let mut fields = r.split(',').map(|v| v.parse::<i64>());
            let bad = || crate::error::Error::Corrupt(format!("{table}: a row read as {r:?}"));
            let id = fields.next().and_then(|v| v.ok()).ok_or_else(bad)?;
            let mut cols = [0i64; N];
            for c in &mut cols {
                *c = fields.next().and_then(|v| v.ok()).ok_or_else(bad)?;
            }
            each(id, cols);
            seen += 1;
        }
        if seen != n {
            return Err(crate::error::Error::Corrupt(format!(
                "{table}: {n} rows after id {after}, {seen} read"
            )));
        }
        after = last;
    }
}

/// Rows a block of [`packed_rows`].
const BLOCK: i64 = 20_000;

/// Add what [`load_side`] read to the customers it concerns.
pub fn add_side(all: &mut [Facts], side: Side, as_of: NaiveDate) {
    let customers = IdIndex::build(all.iter().map(|f| f.id));
    let until = day_start(as_of + chrono::Duration::days(1));
    for (customer, at) in side.contacts {
        if let Some(c) = customers.get(customer) {
            all[c].contacts.push(day_of(at));
        }
    }
    for r in side.complaints {
        if let Some(c) = customers.get(r.1) {
            add_complaint(&mut all[c], r, until);
        }
    }
    for (customer, score, at) in side.nps {
        if let Some(c) = customers.get(customer) {
            add_nps(&mut all[c], score, at);
        }
    }
    for (customer, rule, answer, at) in side.responses {
        if let Some(c) = customers.get(customer) {
            add_response(&mut all[c], rule, &answer, at);
        }
    }
}

fn add_complaint(f: &mut Facts, (id, _, status, due, closed): ComplaintRow, until: i64) {
    let open = status != "resolved" && status != "closed";
    match (open, closed) {
        (true, _) => f.open_complaints.push((id, from_epoch(due))),
        // Closed after the analysis date counts as still open then.
        (false, Some(c)) if c >= until => f.open_complaints.push((id, from_epoch(due))),
        (false, Some(c)) if c > due => f.late_closed.push((id, from_epoch(c))),
        _ => {}
    }
}

fn add_nps(f: &mut Facts, score: i64, at: i64) {
    let at = from_epoch(at);
    if f.latest_nps.is_none_or(|(_, t)| at >= t) {
        f.latest_nps = Some((score, at));
    }
}

fn add_response(f: &mut Facts, rule: i64, answer: &str, at: i64) {
    let Some(answer) = SuggestionAnswer::ALL
        .into_iter()
        .find(|a| a.code() == answer)
    else {
        return;
    };
    let at = from_epoch(at);
    match f.responses.iter_mut().find(|r| r.0 == rule) {
        Some(r) => *r = (rule, answer, at),
        None => f.responses.push((rule, answer, at)),
    }
}

/// Facts of one customer (None when there is no such customer).
pub async fn load_one(
    conn: &mut SqliteConnection,
    cat: &Catalogue,
    id: i64,
    as_of: NaiveDate,
    default_margin: f64,
) -> Result<Option<Facts>> {
    let Some(row) = sqlx::query_as::<_, CustomerRow>(concat!(customer_sql!(), " WHERE c.id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut f = facts_of(row);
    let until = day_start(as_of + chrono::Duration::days(1));
    let orders: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, placed_at, total_minor FROM orders WHERE customer_id = ? AND placed_at < ? \
         ORDER BY placed_at, id",
    )
    .bind(id)
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    let mut at: HashMap<i64, u32> = HashMap::with_capacity(orders.len());
    for (i, (oid, placed, total)) in orders.iter().enumerate() {
        at.insert(*oid, i as u32);
        f.orders.push(Order {
            day: day_of(*placed),
            total_minor: *total,
            profit_minor: 0,
            profit_exact: 0.0,
            lines_minor: 0,
            categories: 0,
        });
    }
    let lines: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT l.order_id, l.product_id, l.quantity, l.unit_price_minor FROM orders o \
         JOIN order_lines l ON l.order_id = o.id WHERE o.customer_id = ? AND o.placed_at < ?",
    )
    .bind(id)
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    for (order, product, qty, price) in lines {
        if let Some(&i) = at.get(&order) {
            f.lines.push((i, product, qty, qty * price));
        }
    }
    f.finish_orders(cat, default_margin);
    let from = day_start(window_start(as_of, 395) + chrono::Duration::days(1));
    let contacts: Vec<i64> = sqlx::query_scalar(
        "SELECT started_at FROM interactions WHERE customer_id = ? AND started_at >= ? \
         AND started_at < ? AND direction = 'inbound'",
    )
    .bind(id)
    .bind(from)
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    f.contacts = contacts.into_iter().map(day_of).collect();
    let recent = day_start(window_start(as_of, 90) + chrono::Duration::days(1));
    let complaints: Vec<ComplaintRow> = sqlx::query_as(concat!(
        complaint_sql!(),
        " WHERE customer_id = ? AND ((status NOT IN ('resolved', 'closed') \
         AND opened_at < ?) OR (COALESCE(resolved_at, closed_at) >= ? \
         AND COALESCE(resolved_at, closed_at) < ?)) ORDER BY id"
    ))
    .bind(id)
    .bind(until)
    .bind(recent)
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    for r in complaints {
        add_complaint(&mut f, r, until);
    }
    let nps: Option<(i64, i64)> = sqlx::query_as(
        "SELECT score, answered_at FROM survey_answers WHERE customer_id = ? AND kind = 'nps' \
         AND answered_at < ? ORDER BY answered_at DESC, id DESC LIMIT 1",
    )
    .bind(id)
    .bind(until)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((score, at)) = nps {
        add_nps(&mut f, score, at);
    }
    let responses: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT rule_id, response, responded_at FROM suggestion_responses WHERE customer_id = ? \
         ORDER BY responded_at, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for (rule, answer, at) in responses {
        add_response(&mut f, rule, &answer, at);
    }
    Ok(Some(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    #[tokio::test]
    async fn packed_rows_reads_every_row_in_order_across_blocks() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b INTEGER NOT NULL)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        // Sparse ids, negative values, more rows than two blocks.
        let n = 2 * BLOCK + 7;
        sqlx::query(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1) \
             INSERT INTO t (id, a, b) SELECT i * 3, -i, i % 10 FROM k",
        )
        .bind(n)
        .execute(&mut conn)
        .await
        .unwrap();
        let mut got = Vec::new();
        packed_rows(
            &mut conn,
            "t",
            "a || ',' || b",
            "b < ?2",
            5,
            |id, [a, b]: [i64; 2]| got.push((id, a, b)),
        )
        .await
        .unwrap();
        let want: Vec<(i64, i64, i64)> = (1..=n)
            .filter(|i| i % 10 < 5)
            .map(|i| (i * 3, -i, i % 10))
            .collect();
        assert_eq!(got.len(), want.len());
        assert_eq!(got, want);

        let mut none = 0;
        sqlx::query("DELETE FROM t")
            .execute(&mut conn)
            .await
            .unwrap();
        packed_rows(
            &mut conn,
            "t",
            "a || ',' || b",
            "?2 = ?2",
            0,
            |_, _: [i64; 2]| none += 1,
        )
        .await
        .unwrap();
        assert_eq!(none, 0, "an empty table reads nothing");
    }
}
