//! Writing customers and their history: the one path every insert takes, in
//! batches of multi-row `INSERT`s, so the demo-data generator and a single
//! new customer both keep the search index and the typo vocabulary in step
//! with the tables.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rapport_api::{
    Address, Channel, ComplaintStatus, Consent, Direction, PhoneKind, RelationshipStage, Severity,
    Tier,
};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::codes::Code;
use crate::phone::PhoneKeys;
use crate::text;

/// SQLite accepts up to 32766 bound parameters per statement; stay below.
const MAX_PARAMS: usize = 30_000;
/// More rows per statement stop paying off well before the parameter limit.
const MAX_ROWS: usize = 500;

/// Seconds since the Unix epoch, as stored.
pub fn to_epoch(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Stored seconds back to an instant (out-of-range values clamp to the epoch).
pub fn from_epoch(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

/// `YYYY-MM-DD`, as stored.
pub fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The account number of a customer id: `ACC-0012345`.
pub fn account_number(id: i64) -> String {
    format!("ACC-{id:07}")
}

#[derive(Debug, Clone)]
pub struct PreferencesRecord {
    pub channel: Channel,
    pub language: String,
    pub contact_window: Option<String>,
    pub notes: String,
    pub consent: Consent,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CustomerRecord {
    pub id: i64,
    pub account_number: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub address: Address,
    pub birthday: Option<NaiveDate>,
    pub customer_since: NaiveDate,
    pub tier: Tier,
    pub stage: RelationshipStage,
    pub currency: String,
    pub declining: bool,
    pub created_at: i64,
    pub phones: Vec<(PhoneKeys, PhoneKind)>,
    pub emails: Vec<String>,
    pub preferences: PreferencesRecord,
}

#[derive(Debug, Clone)]
pub struct LineRecord {
    pub product_id: i64,
    pub quantity: i64,
    pub unit_price_minor: i64,
}

#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub id: i64,
    pub customer_id: i64,
    pub placed_at: i64,
    pub channel: Channel,
    pub currency: String,
    pub lines: Vec<LineRecord>,
}

impl OrderRecord {
    pub fn total_minor(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.quantity * l.unit_price_minor)
            .sum()
    }
    pub fn item_count(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }
}

#[derive(Debug, Clone)]
pub struct InteractionRecord {
    pub id: i64,
    pub customer_id: i64,
    pub channel: Channel,
    pub direction: Direction,
    pub reason: String,
    pub notes: String,
    pub outcome: String,
    pub agent_id: Option<i64>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ComplaintRecord {
    pub customer_id: i64,
    pub category: String,
    pub severity: Severity,
    pub status: ComplaintStatus,
    pub summary: String,
    pub remedy_sought: String,
    pub opened_at: i64,
    pub sla_due_at: i64,
    pub final_response_due_at: Option<i64>,
    pub owner_id: Option<i64>,
    pub escalated: bool,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub enum SurveyKind {
    Nps,
    Csat,
}

#[derive(Debug, Clone)]
pub struct SurveyRecord {
    pub customer_id: i64,
    pub kind: SurveyKind,
    pub score: i64,
    pub answered_at: i64,
    pub interaction_id: Option<i64>,
}

/// Everything one write transaction stores.
#[derive(Debug, Default)]
pub struct Batch {
    pub customers: Vec<CustomerRecord>,
    pub orders: Vec<OrderRecord>,
    pub interactions: Vec<InteractionRecord>,
    pub complaints: Vec<ComplaintRecord>,
    pub surveys: Vec<SurveyRecord>,
}

impl Batch {
    pub fn clear(&mut self) {
        self.customers.clear();
        self.orders.clear();
        self.interactions.clear();
        self.complaints.clear();
        self.surveys.clear();
    }
}

/// The text a customer is found by, derived in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    pub name_key: String,
    /// Name tokens, space-joined, for the word-prefix index.
    pub words: String,
    pub tokens: Vec<String>,
    /// Folded display name, for the substring index.
    pub name_line: String,
    pub phones: String,
    pub emails: String,
}

impl SearchDoc {
    pub fn of(c: &CustomerRecord) -> SearchDoc {
        let tokens = text::name_tokens(&c.given_name, &c.family_name);
        SearchDoc {
            name_key: text::name_key(&c.display_name),
            words: tokens.join(" "),
            tokens,
            name_line: text::name_line(&c.display_name),
            phones: c
                .phones
                .iter()
                .map(|(p, _)| p.digits.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            emails: c
                .emails
                .iter()
                .map(|e| text::fold_email(e))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

fn rows_per_statement(cols: usize) -> usize {
    (MAX_PARAMS / cols).min(MAX_ROWS)
}

/// Insert `rows` into `table` with as few statements as the limits allow.
async fn insert_rows<T>(
    conn: &mut SqliteConnection,
    head: &str,
    cols: usize,
    rows: &[T],
    mut bind: impl FnMut(&mut sqlx::query_builder::Separated<'_, Sqlite, &'static str>, &T),
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(rows_per_statement(cols)) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(head);
        qb.push(" ");
        qb.push_values(chunk, |mut b, row| bind(&mut b, row));
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Write a batch inside the caller's transaction. Returns the name tokens
/// stored (one entry per customer per token), for the in-memory vocabulary.
pub async fn write_batch(
    conn: &mut SqliteConnection,
    batch: &Batch,
) -> Result<Vec<String>, sqlx::Error> {
    let docs: Vec<SearchDoc> = batch.customers.iter().map(SearchDoc::of).collect();

    insert_rows(
        conn,
        "INSERT INTO customers (id, account_number, given_name, family_name, display_name, \
         name_key, address_line1, address_line2, city, region, postcode, country, birthday, \
         customer_since, tier, stage, currency, declining, created_at)",
        19,
        &batch.customers.iter().zip(&docs).collect::<Vec<_>>(),
        |b, (c, d)| {
            b.push_bind(c.id)
                .push_bind(c.account_number.clone())
                .push_bind(c.given_name.clone())
                .push_bind(c.family_name.clone())
                .push_bind(c.display_name.clone())
                .push_bind(d.name_key.clone())
                .push_bind(c.address.line1.clone())
                .push_bind(c.address.line2.clone())
                .push_bind(c.address.city.clone())
                .push_bind(c.address.region.clone())
                .push_bind(c.address.postcode.clone())
                .push_bind(c.address.country.clone())
                .push_bind(c.birthday.map(date_text))
                .push_bind(date_text(c.customer_since))
                .push_bind(c.tier.code())
                .push_bind(c.stage.code())
                .push_bind(c.currency.clone())
                .push_bind(c.declining)
                .push_bind(c.created_at);
        },
    )
    .await?;

    let phones: Vec<(i64, usize, &PhoneKeys, PhoneKind)> = batch
        .customers
        .iter()
        .flat_map(|c| {
            c.phones
                .iter()
                .enumerate()
                .map(move |(i, (p, k))| (c.id, i, p, *k))
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO customer_phones (customer_id, position, e164, kind, digits, national, digits_rev)",
        7,
        &phones,
        |b, (id, pos, p, kind)| {
            b.push_bind(*id)
                .push_bind(*pos as i64)
                .push_bind(p.e164.clone())
                .push_bind(kind.code())
                .push_bind(p.digits.clone())
                .push_bind(p.national.clone())
                .push_bind(p.digits_rev.clone());
        },
    )
    .await?;

    let emails: Vec<(i64, usize, &String)> = batch
        .customers
        .iter()
        .flat_map(|c| c.emails.iter().enumerate().map(move |(i, e)| (c.id, i, e)))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO customer_emails (customer_id, position, email, email_norm)",
        4,
        &emails,
        |b, (id, pos, e)| {
            b.push_bind(*id)
                .push_bind(*pos as i64)
                .push_bind(e.trim().to_string())
                .push_bind(text::fold_email(e));
        },
    )
    .await?;

    insert_rows(
        conn,
        "INSERT INTO preferences (customer_id, channel, language, contact_window, notes, \
         consent_email, consent_sms, consent_phone, consent_post, do_not_contact, updated_at, \
         updated_by, version)",
        13,
        &batch.customers,
        |b, c| {
            let p = &c.preferences;
            b.push_bind(c.id)
                .push_bind(p.channel.code())
                .push_bind(p.language.clone())
                .push_bind(p.contact_window.clone())
                .push_bind(p.notes.clone())
                .push_bind(p.consent.email)
                .push_bind(p.consent.sms)
                .push_bind(p.consent.phone)
                .push_bind(p.consent.post)
                .push_bind(p.consent.do_not_contact)
                .push_bind(p.updated_at)
                .push_bind(p.updated_by)
                .push_bind(1_i64);
        },
    )
    .await?;

    let with_docs: Vec<(i64, &SearchDoc)> =
        batch.customers.iter().map(|c| c.id).zip(&docs).collect();
    insert_rows(
        conn,
        "INSERT INTO search_words (rowid, name)",
        2,
        &with_docs,
        |b, (id, d)| {
            b.push_bind(*id).push_bind(d.words.clone());
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO search_trigram (rowid, name, phone, email)",
        4,
        &with_docs,
        |b, (id, d)| {
            b.push_bind(*id)
                .push_bind(d.name_line.clone())
                .push_bind(d.phones.clone())
                .push_bind(d.emails.clone());
        },
    )
    .await?;

    let mut token_counts: HashMap<&str, i64> = HashMap::new();
    for d in &docs {
        for t in &d.tokens {
            *token_counts.entry(t.as_str()).or_insert(0) += 1;
        }
    }
    let mut token_rows: Vec<(&str, i64)> = token_counts.into_iter().collect();
    token_rows.sort_unstable();
    for chunk in token_rows.chunks(rows_per_statement(2)) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO name_tokens (token, customers) ");
        qb.push_values(chunk, |mut b, (t, n)| {
            b.push_bind(t.to_string()).push_bind(*n);
        });
        qb.push(
            " ON CONFLICT (token) DO UPDATE SET customers = name_tokens.customers + excluded.customers",
        );
        qb.build().execute(&mut *conn).await?;
    }

    insert_rows(
        conn,
        "INSERT INTO orders (id, customer_id, placed_at, channel, currency, total_minor, item_count)",
        7,
        &batch.orders,
        |b, o| {
            b.push_bind(o.id)
                .push_bind(o.customer_id)
                .push_bind(o.placed_at)
                .push_bind(o.channel.code())
                .push_bind(o.currency.clone())
                .push_bind(o.total_minor())
                .push_bind(o.item_count());
        },
    )
    .await?;
    let lines: Vec<(i64, &LineRecord)> = batch
        .orders
        .iter()
        .flat_map(|o| o.lines.iter().map(move |l| (o.id, l)))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO order_lines (order_id, product_id, quantity, unit_price_minor)",
        4,
        &lines,
        |b, (oid, l)| {
            b.push_bind(*oid)
                .push_bind(l.product_id)
                .push_bind(l.quantity)
                .push_bind(l.unit_price_minor);
        },
    )
    .await?;

    insert_rows(
        conn,
        "INSERT INTO interactions (id, customer_id, channel, direction, reason, notes, outcome, \
         agent_id, started_at, ended_at)",
        10,
        &batch.interactions,
        |b, i| {
            b.push_bind(i.id)
                .push_bind(i.customer_id)
                .push_bind(i.channel.code())
                .push_bind(i.direction.code())
                .push_bind(i.reason.clone())
                .push_bind(i.notes.clone())
                .push_bind(i.outcome.clone())
                .push_bind(i.agent_id)
                .push_bind(i.started_at)
                .push_bind(i.ended_at);
        },
    )
    .await?;

    insert_rows(
        conn,
        "INSERT INTO complaints (customer_id, category, severity, status, summary, remedy_sought, \
         opened_at, sla_due_at, final_response_due_at, owner_id, escalated, closed_at, version)",
        13,
        &batch.complaints,
        |b, c| {
            b.push_bind(c.customer_id)
                .push_bind(c.category.clone())
                .push_bind(c.severity.code())
                .push_bind(c.status.code())
                .push_bind(c.summary.clone())
                .push_bind(c.remedy_sought.clone())
                .push_bind(c.opened_at)
                .push_bind(c.sla_due_at)
                .push_bind(c.final_response_due_at)
                .push_bind(c.owner_id)
                .push_bind(c.escalated)
                .push_bind(c.closed_at)
                .push_bind(1_i64);
        },
    )
    .await?;

    insert_rows(
        conn,
        "INSERT INTO survey_answers (customer_id, kind, score, answered_at, interaction_id)",
        5,
        &batch.surveys,
        |b, s| {
            b.push_bind(s.customer_id)
                .push_bind(match s.kind {
                    SurveyKind::Nps => "nps",
                    SurveyKind::Csat => "csat",
                })
                .push_bind(s.score)
                .push_bind(s.answered_at)
                .push_bind(s.interaction_id);
        },
    )
    .await?;

    Ok(docs.into_iter().flat_map(|d| d.tokens).collect())
}

/// The next free id of a table with an INTEGER PRIMARY KEY `id`.
pub async fn next_id(conn: &mut SqliteConnection, table: &'static str) -> Result<i64, sqlx::Error> {
    let sql = match table {
        "customers" => "SELECT COALESCE(MAX(id), 0) + 1 FROM customers",
        "orders" => "SELECT COALESCE(MAX(id), 0) + 1 FROM orders",
        "interactions" => "SELECT COALESCE(MAX(id), 0) + 1 FROM interactions",
        other => unreachable!("next_id is not used for {other}"),
    };
    sqlx::query_scalar(sql).fetch_one(conn).await
}
