//! The customer-360 document and paged interaction history, read with a
//! handful of indexed queries on one connection.

use chrono::{NaiveDate, Utc};
use rapport_api::{
    Address, Agent, AgentRef, Channel, Consent, CustomerId, CustomerView, Direction, Interaction,
    InteractionPage, OrderSummary, Phone, PhoneKind, Preferences, Profile, RelationshipStage,
    Sentiment, Tier,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::Db;
use crate::codes::Code;
use crate::cursor::{self, Position};
use crate::error::{Error, Result};
use crate::recording::{complaints, limits, recovery};
use crate::store::from_epoch;
use crate::summary::{OrderFact, purchase_summary};

/// Orders listed in the view.
pub const RECENT_ORDERS: i64 = 10;
/// Default and largest page of `GET /v1/customers/{id}/interactions`.
pub const PAGE_DEFAULT: u32 = 50;
pub const PAGE_MAX: u32 = 200;

fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::Corrupt(format!("'{s}' is not a YYYY-MM-DD date in the database")))
}

fn agent_ref(id: Option<i64>, name: Option<String>) -> Option<AgentRef> {
    match (id, name) {
        (Some(id), Some(name)) => Some(AgentRef { id, name }),
        _ => None,
    }
}

/// Assemble the customer-360 view as of `as_of`; with `reader`, include
/// what that agent may grant without approval.
pub async fn customer_view(
    db: &Db,
    id: CustomerId,
    as_of: NaiveDate,
    reader: Option<&Agent>,
) -> Result<CustomerView> {
    let mut conn = db.pool().acquire().await?;
    let now = Utc::now();
    // Two halves on two connections at once when the pool has one idle
    // (never waiting for a second: a view holding one connection while
    // waiting for another could starve the pool); one after the other
    // otherwise. Each statement reads its own snapshot either way.
    let (own, activity) = match db.pool().try_acquire() {
        Some(mut second) => {
            tokio::try_join!(about(&mut conn, id, reader, now), activity(&mut second, id))?
        }
        None => {
            let own = about(&mut conn, id, reader, now).await?;
            (own, activity(&mut conn, id).await?)
        }
    };
    let About {
        profile,
        preferences,
        goodwill_year_minor,
        authority,
        analytics,
    } = own;
    let Activity {
        facts,
        recent_orders,
        mut interactions,
        open_complaints,
    } = activity;
    let facts: Vec<OrderFact> = facts
        .into_iter()
        .map(|(at, total)| OrderFact {
            day: from_epoch(at).date_naive(),
            total_minor: total,
        })
        .collect();
    let summary = purchase_summary(&facts, as_of, &profile.currency);
    let interactions_cursor = next_cursor(&mut interactions, rapport_api::VIEW_INTERACTIONS);

    Ok(CustomerView {
        profile,
        preferences,
        summary,
        recent_orders,
        interactions,
        interactions_cursor,
        open_complaints,
        goodwill_year_minor,
        authority,
        viewers: Vec::new(),
        server_time: now,
        analytics,
    })
}

/// The customer themselves: profile, preferences, goodwill this year, the
/// reader's authority, analytics.
struct About {
    profile: Profile,
    preferences: Preferences,
    goodwill_year_minor: i64,
    authority: Option<rapport_api::Authority>,
    analytics: Option<rapport_api::CustomerAnalytics>,
}

async fn about(
    conn: &mut SqliteConnection,
    id: CustomerId,
    reader: Option<&Agent>,
    now: chrono::DateTime<Utc>,
) -> Result<About> {
    // Contact details leave the server masked; the full values only come
    // from an audited reveal (`crate::privacy::reveal`).
    let profile = profile(&mut *conn, id).await?.masked();
    let preferences = preferences(&mut *conn, id).await?;
    let goodwill_year_minor =
        recovery::goodwill_this_year(&mut *conn, id, &profile.currency, now).await?;
    let authority = match reader {
        Some(agent) => Some(limits::authority(&mut *conn, agent, &profile.currency, now).await?),
        None => None,
    };
    let analytics =
        crate::analytics::read::for_customer(&mut *conn, id, &preferences.consent).await?;
    Ok(About {
        profile,
        preferences,
        goodwill_year_minor,
        authority,
        analytics,
    })
}

/// What the customer did: orders (every one's day and total, the latest
/// listed), the latest interactions (one more than shown, for the
/// cursor), open complaints.
struct Activity {
    facts: Vec<(i64, i64)>,
    recent_orders: Vec<OrderSummary>,
    interactions: Vec<Interaction>,
    open_complaints: Vec<rapport_api::Complaint>,
}

async fn activity(conn: &mut SqliteConnection, id: CustomerId) -> Result<Activity> {
    let facts: Vec<(i64, i64)> =
        sqlx::query_as("SELECT placed_at, total_minor FROM orders WHERE customer_id = ?")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let recent_orders = recent_orders(&mut *conn, id).await?;
    let interactions = interactions(
        &mut *conn,
        id,
        None,
        None,
        rapport_api::VIEW_INTERACTIONS as i64 + 1,
    )
    .await?;
    let open_complaints = complaints::open_for_customer(&mut *conn, id).await?;
    Ok(Activity {
        facts,
        recent_orders,
        interactions,
        open_complaints,
    })
}

/// One page of a customer's interactions, newest first, strictly older than
/// `cursor` when given, optionally of one channel.
pub async fn interaction_page(
    db: &Db,
    id: CustomerId,
    cursor: Option<&str>,
    limit: u32,
    channel: Option<Channel>,
) -> Result<InteractionPage> {
    let after = match cursor {
        Some(c) => Some(
            cursor::decode(c).map_err(|e| Error::invalid("cursor", capitalise(&e.to_string())))?,
        ),
        None => None,
    };
    let mut conn = db.pool().acquire().await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM customers WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        return Err(Error::NotFound {
            what: "customer",
            id,
        });
    }
    let limit = limit as usize;
    let mut items = interactions(&mut conn, id, after, channel, limit as i64 + 1).await?;
    let next_cursor = next_cursor(&mut items, limit);
    Ok(InteractionPage { items, next_cursor })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

/// Given up to `limit + 1` items, keep `limit` and return the cursor after
/// the last one kept when there was one more.
fn next_cursor(items: &mut Vec<Interaction>, limit: usize) -> Option<String> {
    if items.len() <= limit {
        return None;
    }
    items.truncate(limit);
    items.last().map(|i| {
        cursor::encode(Position {
            started_at: i.started_at.timestamp(),
            id: i.id,
        })
    })
}

/// The profile with its contact details in full: for the audited reveal
/// only; everything sent elsewhere goes through [`Profile::masked`].
pub(crate) async fn profile(conn: &mut SqliteConnection, id: CustomerId) -> Result<Profile> {
    let row = sqlx::query(
        "SELECT id, account_number, given_name, family_name, display_name, address_line1, \
         address_line2, city, region, postcode, country, birthday, customer_since, tier, stage, \
         currency FROM customers WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound {
        what: "customer",
        id,
    })?;

    let phones: Vec<(String, String)> = sqlx::query_as(
        "SELECT e164, kind FROM customer_phones WHERE customer_id = ? ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let phones = phones
        .into_iter()
        .map(|(e164, kind)| {
            Ok(Phone {
                e164,
                kind: PhoneKind::decode(&kind)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT email FROM customer_emails WHERE customer_id = ? ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;

    let birthday: Option<String> = row.try_get("birthday")?;
    Ok(Profile {
        id: row.try_get("id")?,
        account_number: row.try_get("account_number")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        display_name: row.try_get("display_name")?,
        phones,
        emails,
        address: Address {
            line1: row.try_get("address_line1")?,
            line2: row.try_get("address_line2")?,
            city: row.try_get("city")?,
            region: row.try_get("region")?,
            postcode: row.try_get("postcode")?,
            country: row.try_get("country")?,
        },
        birthday: birthday.as_deref().map(parse_date).transpose()?,
        contact_masked: false,
        customer_since: parse_date(&row.try_get::<String, _>("customer_since")?)?,
        tier: Tier::decode(&row.try_get::<String, _>("tier")?)?,
        stage: RelationshipStage::decode(&row.try_get::<String, _>("stage")?)?,
        currency: row.try_get("currency")?,
    })
}

pub(crate) async fn preferences(
    conn: &mut SqliteConnection,
    id: CustomerId,
) -> Result<Preferences> {
    let row = sqlx::query(
        "SELECT p.channel, p.language, p.contact_window, p.notes, p.consent_email, p.consent_sms, \
         p.consent_phone, p.consent_post, p.do_not_contact, p.updated_at, p.updated_by, \
         a.name AS updated_by_name, p.version \
         FROM preferences p LEFT JOIN agents a ON a.id = p.updated_by WHERE p.customer_id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Err(Error::Corrupt(format!(
            "customer {id} has no preferences row"
        )));
    };
    Ok(Preferences {
        channel: Channel::decode(&row.try_get::<String, _>("channel")?)?,
        language: row.try_get("language")?,
        contact_window: row.try_get("contact_window")?,
        notes: row.try_get("notes")?,
        consent: Consent {
            email: row.try_get("consent_email")?,
            sms: row.try_get("consent_sms")?,
            phone: row.try_get("consent_phone")?,
            post: row.try_get("consent_post")?,
            do_not_contact: row.try_get("do_not_contact")?,
        },
        updated_at: from_epoch(row.try_get("updated_at")?),
        updated_by: agent_ref(row.try_get("updated_by")?, row.try_get("updated_by_name")?),
        version: row.try_get("version")?,
    })
}

async fn recent_orders(conn: &mut SqliteConnection, id: CustomerId) -> Result<Vec<OrderSummary>> {
    let rows: Vec<(i64, i64, String, i64, String, i64)> = sqlx::query_as(
        "SELECT id, placed_at, channel, total_minor, currency, item_count FROM orders \
         WHERE customer_id = ? ORDER BY placed_at DESC, id DESC LIMIT ?",
    )
    .bind(id)
    .bind(RECENT_ORDERS)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT l.order_id, p.category FROM order_lines l JOIN products p ON p.id = l.product_id \
         WHERE l.order_id IN (",
    );
    let mut sep = qb.separated(", ");
    for r in &rows {
        sep.push_bind(r.0);
    }
    qb.push(") ORDER BY l.order_id, l.id");
    let cats: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
    rows.into_iter()
        .map(|(oid, at, channel, total, currency, items)| {
            let mut categories: Vec<String> = Vec::new();
            for (_, c) in cats.iter().filter(|(o, _)| *o == oid) {
                if !categories.contains(c) {
                    categories.push(c.clone());
                }
            }
            Ok(OrderSummary {
                id: oid,
                placed_at: from_epoch(at),
                channel: Channel::decode(&channel)?,
                total_minor: total,
                currency,
                items,
                categories,
            })
        })
        .collect()
}

async fn interactions(
    conn: &mut SqliteConnection,
    id: CustomerId,
    before: Option<Position>,
    channel: Option<Channel>,
    limit: i64,
) -> Result<Vec<Interaction>> {
    // Four literal statements rather than one built string: each is prepared
    // once and cached.
    let rows = match (before, channel) {
        (None, None) => sqlx::query(
            "SELECT i.id, i.customer_id, i.channel, i.direction, i.reason, i.notes, i.outcome, \
             i.agent_id, a.name AS agent_name, i.started_at, i.ended_at, i.sentiment, \
             i.follow_up_on, i.complaint_id, i.call_id \
             FROM interactions i LEFT JOIN agents a ON a.id = i.agent_id \
             WHERE i.customer_id = ? ORDER BY i.started_at DESC, i.id DESC LIMIT ?",
        )
        .bind(id)
        .bind(limit),
        (None, Some(ch)) => sqlx::query(
            "SELECT i.id, i.customer_id, i.channel, i.direction, i.reason, i.notes, i.outcome, \
             i.agent_id, a.name AS agent_name, i.started_at, i.ended_at, i.sentiment, \
             i.follow_up_on, i.complaint_id, i.call_id \
             FROM interactions i LEFT JOIN agents a ON a.id = i.agent_id \
             WHERE i.customer_id = ? AND i.channel = ? \
             ORDER BY i.started_at DESC, i.id DESC LIMIT ?",
        )
        .bind(id)
        .bind(ch.code())
        .bind(limit),
        (Some(p), None) => sqlx::query(
            "SELECT i.id, i.customer_id, i.channel, i.direction, i.reason, i.notes, i.outcome, \
             i.agent_id, a.name AS agent_name, i.started_at, i.ended_at, i.sentiment, \
             i.follow_up_on, i.complaint_id, i.call_id \
             FROM interactions i LEFT JOIN agents a ON a.id = i.agent_id \
             WHERE i.customer_id = ? AND (i.started_at, i.id) < (?, ?) \
             ORDER BY i.started_at DESC, i.id DESC LIMIT ?",
        )
        .bind(id)
        .bind(p.started_at)
        .bind(p.id)
        .bind(limit),
        (Some(p), Some(ch)) => sqlx::query(
            "SELECT i.id, i.customer_id, i.channel, i.direction, i.reason, i.notes, i.outcome, \
             i.agent_id, a.name AS agent_name, i.started_at, i.ended_at, i.sentiment, \
             i.follow_up_on, i.complaint_id, i.call_id \
             FROM interactions i LEFT JOIN agents a ON a.id = i.agent_id \
             WHERE i.customer_id = ? AND i.channel = ? AND (i.started_at, i.id) < (?, ?) \
             ORDER BY i.started_at DESC, i.id DESC LIMIT ?",
        )
        .bind(id)
        .bind(ch.code())
        .bind(p.started_at)
        .bind(p.id)
        .bind(limit),
    }
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let ended: Option<i64> = row.try_get("ended_at")?;
            Ok(Interaction {
                id: row.try_get("id")?,
                customer_id: row.try_get("customer_id")?,
                channel: Channel::decode(&row.try_get::<String, _>("channel")?)?,
                direction: Direction::decode(&row.try_get::<String, _>("direction")?)?,
                reason: row.try_get("reason")?,
                notes: row.try_get("notes")?,
                outcome: row.try_get("outcome")?,
                agent: agent_ref(row.try_get("agent_id")?, row.try_get("agent_name")?),
                started_at: from_epoch(row.try_get("started_at")?),
                ended_at: ended.map(from_epoch),
                sentiment: row
                    .try_get::<Option<String>, _>("sentiment")?
                    .map(|s| Sentiment::decode(&s))
                    .transpose()?,
                follow_up_on: row
                    .try_get::<Option<String>, _>("follow_up_on")?
                    .map(|d| parse_date(&d))
                    .transpose()?,
                complaint_id: row.try_get("complaint_id")?,
                call_id: row.try_get("call_id")?,
            })
        })
        .collect()
}
