//! Turning rows into stored records, in batches of multi-row INSERTs inside
//! the import's transaction. Customers go through [`crate::store`] (so
//! search finds them); transactions become orders (lines of one
//! `order_id` are one order, valued at the sum of their amounts) and order
//! lines of products (created when the file names one the catalogue lacks).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use chrono::Utc;
use rapport_api::{Address, Channel, Consent, Direction, RelationshipStage, Tier};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::parse::{AmountStyle, amount, flag, instant, whole};
use super::{Header, ImportError, Kind, MatchBy, Options};
use crate::codes::Code;
use crate::phone::parse_e164;
use crate::store::{
    self, Batch, CustomerRecord, InteractionRecord, PreferencesRecord, SurveyKind, SurveyRecord,
};

/// Orders (or customers, contacts, answers) per flush.
const FLUSH: usize = 4000;

type Bad = (&'static str, String);

/// Why an amount that takes an order past the money bound is refused.
fn over_the_order_limit() -> String {
    format!(
        "takes the order past the largest order total, {} minor units",
        rapport_api::money::group_thousands(crate::money::MAX_ORDER_TOTAL_MINOR.unsigned_abs())
    )
}

struct Order {
    id: i64,
    customer: i64,
    placed_at: i64,
    channel: Channel,
    currency: String,
    total: i64,
    items: i64,
}

pub(super) struct Sink<'c> {
    conn: &'c mut SqliteConnection,
    kind: Kind,
    opts: Options,
    customers: HashMap<String, (i64, String)>,
    products: HashMap<String, i64>,
    next_order: i64,
    /// (customer, hash of the file's order id) → (order id, index in
    /// `orders` while unwritten).
    order_keys: HashMap<(i64, u128), (i64, Option<usize>)>,
    orders: Vec<Order>,
    lines: Vec<(i64, i64, i64, i64)>,
    first_order: HashMap<i64, i64>,
    next_customer: i64,
    next_interaction: i64,
    batch: Batch,
    externals: Vec<(i64, String)>,
    seen: HashSet<String>,
    /// Hash of (order, whole line) → the line it was first read on.
    lines_seen: HashMap<u64, u64>,
    stored: u64,
}

fn key_hash(s: &str) -> u128 {
    let half = |salt: u8| {
        let mut h = std::hash::DefaultHasher::new();
        salt.hash(&mut h);
        s.hash(&mut h);
        h.finish() as u128
    };
    (half(0) << 64) | half(1)
}

/// Digits of an account number: `ACC-0012345` and `12345` name id 12345.
fn account_id(s: &str) -> Option<i64> {
    let t = s.trim();
    let t = t
        .strip_prefix("ACC-")
        .or_else(|| t.strip_prefix("acc-"))
        .unwrap_or(t);
    t.parse().ok()
}

impl<'c> Sink<'c> {
    pub(super) async fn new(
        conn: &'c mut SqliteConnection,
        kind: Kind,
        opts: &Options,
    ) -> Result<Sink<'c>, ImportError> {
        let mut customers = HashMap::new();
        if kind == Kind::Customers {
            let rows: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, external_id, currency FROM customers WHERE external_id IS NOT NULL",
            )
            .fetch_all(&mut *conn)
            .await?;
            for (id, ext, cur) in rows {
                customers.insert(ext, (id, cur));
            }
        } else {
            let rows: Vec<(i64, Option<String>, String)> =
                sqlx::query_as("SELECT id, external_id, currency FROM customers")
                    .fetch_all(&mut *conn)
                    .await?;
            for (id, ext, cur) in rows {
                let key = match opts.match_by {
                    MatchBy::External => match ext {
                        Some(e) => e,
                        None => continue,
                    },
                    MatchBy::Account => id.to_string(),
                };
                customers.insert(key, (id, cur));
            }
        }
        let products: Vec<(String, i64)> = sqlx::query_as("SELECT sku, id FROM products")
            .fetch_all(&mut *conn)
            .await?;
        let next_order = store::next_id(&mut *conn, "orders").await?;
        let next_customer = store::next_id(&mut *conn, "customers").await?;
        let next_interaction = store::next_id(&mut *conn, "interactions").await?;
        Ok(Sink {
            conn,
            kind,
            opts: opts.clone(),
            customers,
            products: products.into_iter().collect(),
            next_order,
            order_keys: HashMap::new(),
            orders: Vec::new(),
            lines: Vec::new(),
            first_order: HashMap::new(),
            next_customer,
            next_interaction,
            batch: Batch::default(),
            externals: Vec::new(),
            seen: HashSet::new(),
            lines_seen: HashMap::new(),
            stored: 0,
        })
    }

    pub(super) fn into_conn(self) -> &'c mut SqliteConnection {
        self.conn
    }

    fn customer(&self, h: &Header, r: &csv::StringRecord) -> Result<(i64, String), Bad> {
        let raw = h
            .get(r, "customer_id")
            .ok_or(("customer_id", "is empty".to_string()))?;
        let key = match self.opts.match_by {
            MatchBy::External => raw.to_string(),
            MatchBy::Account => account_id(raw).map(|i| i.to_string()).unwrap_or_default(),
        };
        self.customers.get(&key).cloned().ok_or_else(|| {
            (
                "customer_id",
                match self.opts.match_by {
                    MatchBy::External => format!(
                        "no customer was imported with id '{raw}': import the customers file first \
                         (or give --match-by account for account numbers)"
                    ),
                    MatchBy::Account => format!("there is no customer with account number '{raw}'"),
                },
            )
        })
    }

    /// Check one row and, unless `check_only`, store it.
    pub(super) async fn row(
        &mut self,
        h: &Header,
        r: &csv::StringRecord,
        check_only: bool,
    ) -> Result<Result<(), Bad>, ImportError> {
        let result = match self.kind {
            Kind::Transactions => self.transaction(h, r, check_only).await?,
            Kind::Customers => self.new_customer(h, r, check_only),
            Kind::Interactions => self.interaction(h, r, check_only),
            Kind::Surveys => self.survey(h, r, check_only),
        };
        if result.is_ok() && !check_only {
            self.flush(false).await?;
        }
        Ok(result)
    }

    async fn transaction(
        &mut self,
        h: &Header,
        r: &csv::StringRecord,
        check_only: bool,
    ) -> Result<Result<(), Bad>, ImportError> {
        let (customer, currency) = match self.customer(h, r) {
            Ok(c) => c,
            Err(b) => return Ok(Err(b)),
        };
        let at = match instant(h.get(r, "date").unwrap_or("")) {
            Ok(t) => t,
            Err(e) => return Ok(Err(("date", e))),
        };
        if at > Utc::now().timestamp() + 86_400 {
            return Ok(Err(("date", "is in the future".into())));
        }
        let style = AmountStyle {
            decimal_comma: self.opts.decimal_comma,
        };
        let value = match amount(h.get(r, "amount").unwrap_or(""), &currency, style) {
            Ok(v) => v,
            Err(e) => return Ok(Err(("amount", e))),
        };
        if value > crate::money::MAX_ORDER_TOTAL_MINOR {
            return Ok(Err(("amount", over_the_order_limit())));
        }
        let qty = match h.get(r, "quantity").map(|q| whole(q, 1, 1_000_000)) {
            None => 1,
            Some(Ok(q)) => q,
            Some(Err(e)) => return Ok(Err(("quantity", e))),
        };
        if value / qty > crate::money::MAX_UNIT_PRICE_MINOR {
            return Ok(Err((
                "amount",
                format!(
                    "is more than the largest unit price, {} minor units, per item",
                    rapport_api::money::group_thousands(
                        crate::money::MAX_UNIT_PRICE_MINOR.unsigned_abs()
                    )
                ),
            )));
        }
        let channel = match h.get(r, "channel").map(|c| c.parse::<Channel>()) {
            None => Channel::Web,
            Some(Ok(c)) => c,
            Some(Err(e)) => return Ok(Err(("channel", e))),
        };
        let product = h.get(r, "product");
        let category = h.get(r, "category");
        if check_only {
            return Ok(Ok(()));
        }
        let product_id = match (product, category) {
            (None, None) => None,
            (p, c) => {
                let sku = match (p, c) {
                    (Some(p), _) => p.to_string(),
                    (None, Some(c)) => format!("CATEGORY:{c}"),
                    (None, None) => unreachable!(),
                };
                Some(self.product(&sku, p, c, &currency, value / qty).await?)
            }
        };
        let unit = value / qty;
        let key = h.get(r, "order_id").map(|o| (customer, key_hash(o)));
        // A line repeated exactly within one order is refused unless the
        // file is known to list a line twice: a duplicate export would
        // otherwise double the order without a word.
        if let (Some(k), false) = (key, self.opts.allow_repeated_lines) {
            let joined: Vec<&str> = r.iter().map(str::trim).collect();
            let line_key = key_hash(&format!("{:x}\u{1f}{}", k.1, joined.join("\u{1f}"))) as u64;
            let line = r.position().map(|p| p.line()).unwrap_or(0);
            if let Some(first) = self.lines_seen.insert(line_key, line) {
                self.lines_seen.insert(line_key, first);
                return Ok(Err((
                    "order_id",
                    format!(
                        "repeats line {first} exactly within order '{}': a product bought twice \
                         is one line with quantity 2; give --allow-repeated-lines if the file \
                         really lists one line twice",
                        h.get(r, "order_id").unwrap_or("")
                    ),
                )));
            }
        }
        let known = key.and_then(|k| self.order_keys.get(&k).copied());
        let order_id = match known {
            Some((id, Some(i))) => {
                let o = &mut self.orders[i];
                match o.total.checked_add(value) {
                    Some(t) if t <= crate::money::MAX_ORDER_TOTAL_MINOR => o.total = t,
                    _ => return Ok(Err(("amount", over_the_order_limit()))),
                }
                o.items += qty;
                id
            }
            Some((id, None)) => {
                // The order was written already (its lines are not next to
                // each other in the file): add to it.
                let added = sqlx::query(
                    "UPDATE orders SET total_minor = total_minor + ?, item_count = item_count + ? \
                     WHERE id = ? AND total_minor <= ? - ?",
                )
                .bind(value)
                .bind(qty)
                .bind(id)
                .bind(crate::money::MAX_ORDER_TOTAL_MINOR)
                .bind(value)
                .execute(&mut *self.conn)
                .await?;
                if added.rows_affected() == 0 {
                    return Ok(Err(("amount", over_the_order_limit())));
                }
                id
            }
            None => {
                let id = self.next_order;
                self.next_order += 1;
                if let Some(k) = key {
                    self.order_keys.insert(k, (id, Some(self.orders.len())));
                }
                self.orders.push(Order {
                    id,
                    customer,
                    placed_at: at,
                    channel,
                    currency,
                    total: value,
                    items: qty,
                });
                id
            }
        };
        if let Some(p) = product_id {
            self.lines.push((order_id, p, qty, unit));
        }
        let first = self.first_order.entry(customer).or_insert(at);
        *first = (*first).min(at);
        self.stored += 1;
        Ok(Ok(()))
    }

    async fn product(
        &mut self,
        sku: &str,
        name: Option<&str>,
        category: Option<&str>,
        currency: &str,
        price: i64,
    ) -> Result<i64, ImportError> {
        if let Some(id) = self.products.get(sku) {
            return Ok(*id);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO products (sku, name, category, price_minor, currency, margin) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(sku)
        .bind(name.or(category).unwrap_or(sku))
        .bind(category.unwrap_or("Uncategorised"))
        .bind(price)
        .bind(currency)
        .bind(self.opts.default_margin)
        .fetch_one(&mut *self.conn)
        .await?;
        self.products.insert(sku.to_string(), id);
        Ok(id)
    }

    fn new_customer(
        &mut self,
        h: &Header,
        r: &csv::StringRecord,
        check_only: bool,
    ) -> Result<(), Bad> {
        let ext = h
            .get(r, "customer_id")
            .ok_or(("customer_id", "is empty".to_string()))?
            .to_string();
        if self.customers.contains_key(&ext) {
            return Err((
                "customer_id",
                format!("a customer with id '{ext}' was imported before"),
            ));
        }
        if !self.seen.insert(ext.clone()) {
            return Err(("customer_id", format!("'{ext}' appears twice in the file")));
        }
        let (given, family) = match (
            h.get(r, "given_name"),
            h.get(r, "family_name"),
            h.get(r, "name"),
        ) {
            (Some(g), f, _) => (g.to_string(), f.unwrap_or("").to_string()),
            (None, Some(f), _) => (String::new(), f.to_string()),
            (None, None, Some(n)) => match n.rsplit_once(' ') {
                Some((g, f)) => (g.trim().to_string(), f.trim().to_string()),
                None => (String::new(), n.to_string()),
            },
            (None, None, None) => {
                return Err((
                    "name",
                    "a customer needs a name (name, or given_name and family_name)".into(),
                ));
            }
        };
        let currency = h
            .get(r, "currency")
            .unwrap_or(&self.opts.currency)
            .to_ascii_uppercase();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err((
                "currency",
                format!("'{currency}' is not an ISO 4217 code such as GBP"),
            ));
        }
        let phones = match h.get(r, "phone") {
            Some(p) => vec![(
                parse_e164(p).map_err(|e| ("phone", e.to_string()))?,
                rapport_api::PhoneKind::Mobile,
            )],
            None => vec![],
        };
        let emails = match h.get(r, "email") {
            Some(e) if !e.contains('@') => {
                return Err((
                    "email",
                    format!("'{e}' is not an email address: it has no '@'"),
                ));
            }
            Some(e) => vec![e.to_string()],
            None => vec![],
        };
        let since = match h.get(r, "customer_since") {
            Some(d) => {
                crate::analytics::facts::day_of(instant(d).map_err(|e| ("customer_since", e))?)
            }
            None => Utc::now().date_naive(),
        };
        let tier = match h.get(r, "tier") {
            Some(t) => Tier::from_code(&t.to_ascii_lowercase()).ok_or((
                "tier",
                format!("'{t}' is not a tier: standard, silver, gold or platinum"),
            ))?,
            None => Tier::Standard,
        };
        let f = |col: &'static str| h.get(r, col).map(flag).transpose().map_err(|e| (col, e));
        let consent = Consent {
            email: f("consent_email")?.unwrap_or(false),
            sms: f("consent_sms")?.unwrap_or(false),
            phone: f("consent_phone")?.unwrap_or(false),
            post: f("consent_post")?.unwrap_or(false),
            do_not_contact: f("do_not_contact")?.unwrap_or(false),
        };
        if check_only {
            return Ok(());
        }
        let id = self.next_customer;
        self.next_customer += 1;
        let now = Utc::now().timestamp();
        let display = crate::customers::display_name(&given, &family);
        self.batch.customers.push(CustomerRecord {
            id,
            account_number: store::account_number(id),
            given_name: given,
            family_name: family,
            display_name: display,
            address: Address {
                line1: h.get(r, "address").unwrap_or("").to_string(),
                line2: None,
                city: h.get(r, "city").unwrap_or("").to_string(),
                region: None,
                postcode: h.get(r, "postcode").unwrap_or("").to_string(),
                country: h.get(r, "country").unwrap_or("").to_ascii_uppercase(),
            },
            birthday: None,
            customer_since: since,
            tier,
            stage: RelationshipStage::Exploration,
            currency,
            declining: false,
            created_at: now,
            phones,
            emails,
            preferences: PreferencesRecord {
                channel: Channel::Email,
                language: h.get(r, "language").unwrap_or("en-GB").to_string(),
                contact_window: None,
                notes: String::new(),
                consent,
                updated_at: now,
                updated_by: None,
            },
        });
        self.externals.push((id, ext));
        self.stored += 1;
        Ok(())
    }

    fn interaction(
        &mut self,
        h: &Header,
        r: &csv::StringRecord,
        check_only: bool,
    ) -> Result<(), Bad> {
        let (customer, _) = self.customer(h, r)?;
        let at = instant(h.get(r, "date").unwrap_or("")).map_err(|e| ("date", e))?;
        let channel = h
            .get(r, "channel")
            .unwrap_or("")
            .parse::<Channel>()
            .map_err(|e| ("channel", e))?;
        let direction = match h.get(r, "direction").map(|d| d.to_ascii_lowercase()) {
            None => Direction::Inbound,
            Some(d) if d == "inbound" || d == "in" => Direction::Inbound,
            Some(d) if d == "outbound" || d == "out" => Direction::Outbound,
            Some(d) => return Err(("direction", format!("'{d}' is not inbound or outbound"))),
        };
        if check_only {
            return Ok(());
        }
        let id = self.next_interaction;
        self.next_interaction += 1;
        self.batch.interactions.push(InteractionRecord {
            id,
            customer_id: customer,
            channel,
            direction,
            reason: h.get(r, "reason").unwrap_or("Imported contact").to_string(),
            notes: h.get(r, "notes").unwrap_or("").to_string(),
            outcome: h.get(r, "outcome").unwrap_or("Not recorded").to_string(),
            agent_id: None,
            started_at: at,
            ended_at: None,
        });
        self.stored += 1;
        Ok(())
    }

    fn survey(&mut self, h: &Header, r: &csv::StringRecord, check_only: bool) -> Result<(), Bad> {
        let (customer, _) = self.customer(h, r)?;
        let at = instant(h.get(r, "date").unwrap_or("")).map_err(|e| ("date", e))?;
        let kind = match h.get(r, "kind").map(|k| k.to_ascii_lowercase()) {
            None => SurveyKind::Nps,
            Some(k) if k == "nps" => SurveyKind::Nps,
            Some(k) if k == "csat" => SurveyKind::Csat,
            Some(k) => return Err(("kind", format!("'{k}' is not nps or csat"))),
        };
        let (lo, hi) = match kind {
            SurveyKind::Nps => (0, 10),
            SurveyKind::Csat => (1, 5),
        };
        let score = whole(h.get(r, "score").unwrap_or(""), lo, hi).map_err(|e| ("score", e))?;
        if check_only {
            return Ok(());
        }
        self.batch.surveys.push(SurveyRecord {
            customer_id: customer,
            kind,
            score,
            answered_at: at,
            interaction_id: None,
        });
        self.stored += 1;
        Ok(())
    }

    async fn flush(&mut self, all: bool) -> Result<(), ImportError> {
        let n = self.orders.len()
            + self.batch.customers.len()
            + self.batch.interactions.len()
            + self.batch.surveys.len();
        if n == 0 || (!all && n < FLUSH) {
            return Ok(());
        }
        if !self.orders.is_empty() {
            for chunk in self.orders.chunks(400) {
                let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                    "INSERT OR FAIL INTO orders (id, customer_id, placed_at, channel, currency, \
                     total_minor, item_count) ",
                );
                qb.push_values(chunk, |mut b, o| {
                    b.push_bind(o.id)
                        .push_bind(o.customer)
                        .push_bind(o.placed_at)
                        .push_bind(o.channel.code())
                        .push_bind(o.currency.clone())
                        .push_bind(o.total)
                        .push_bind(o.items);
                });
                qb.build().execute(&mut *self.conn).await?;
            }
            for (_, slot) in self.order_keys.values_mut() {
                *slot = None;
            }
            self.orders.clear();
        }
        for chunk in self.lines.chunks(800) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR FAIL INTO order_lines (order_id, product_id, quantity, unit_price_minor) ",
            );
            qb.push_values(chunk, |mut b, l| {
                b.push_bind(l.0)
                    .push_bind(l.1)
                    .push_bind(l.2)
                    .push_bind(l.3);
            });
            qb.build().execute(&mut *self.conn).await?;
        }
        self.lines.clear();
        if !self.batch.customers.is_empty()
            || !self.batch.interactions.is_empty()
            || !self.batch.surveys.is_empty()
        {
            store::write_batch(&mut *self.conn, &self.batch).await?;
            for (id, ext) in self.externals.drain(..) {
                sqlx::query("UPDATE customers SET external_id = ? WHERE id = ?")
                    .bind(&ext)
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
                self.customers.insert(ext, (id, String::new()));
            }
            self.batch.clear();
        }
        Ok(())
    }

    /// Write what is left; customers whose first imported order is older
    /// than their `customer_since` are customers since that day (400 to a
    /// statement: one UPDATE a customer cost more than the orders did).
    pub(super) async fn finish(&mut self) -> Result<u64, ImportError> {
        self.flush(true).await?;
        let mut firsts: Vec<(i64, String)> = std::mem::take(&mut self.first_order)
            .into_iter()
            .map(|(c, at)| (c, store::date_text(crate::analytics::facts::day_of(at))))
            .collect();
        firsts.sort_unstable();
        for chunk in firsts.chunks(400) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("WITH v (id, day) AS (VALUES ");
            for (i, (c, day)) in chunk.iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                qb.push("(")
                    .push_bind(*c)
                    .push(", ")
                    .push_bind(day.clone())
                    .push(")");
            }
            qb.push(
                ") UPDATE customers SET customer_since = v.day FROM v \
                 WHERE customers.id = v.id AND customers.customer_since > v.day",
            );
            qb.build().execute(&mut *self.conn).await?;
        }
        Ok(self.stored)
    }
}
