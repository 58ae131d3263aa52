//! Order intake (`POST /v1/orders`): an order placed for a customer, in
//! their currency, with lines of catalogue products. Like every write it
//! leaves an audit entry and an event; the event is what makes the
//! customer's figures be recomputed at once.

use chrono::Duration;
use rapport_api::{EventBody, NewOrder, OrderSummary};
use sqlx::SqliteConnection;

use super::{Trail, Writer, Written, customer_currency, written};
use crate::error::{Error, Result};
use crate::money;
use crate::store::{self, Batch, LineRecord, OrderRecord};

/// Lines accepted in one order.
pub const LINES_MAX: usize = 200;
/// Largest quantity of one line of an order taken through the API.
pub const QUANTITY_MAX: i64 = 10_000;
const FUTURE_SLACK: Duration = Duration::minutes(5);

pub async fn create(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    new: &NewOrder,
) -> Result<Written<OrderSummary>> {
    let currency = customer_currency(&mut *conn, new.customer_id).await?;
    if new.lines.is_empty() {
        return Err(Error::invalid(
            "/lines",
            "An order needs at least one line.",
        ));
    }
    if new.lines.len() > LINES_MAX {
        return Err(Error::invalid(
            "/lines",
            format!("An order has at most {LINES_MAX} lines."),
        ));
    }
    let placed = new.placed_at.unwrap_or(w.at);
    if placed > w.at + FUTURE_SLACK {
        return Err(Error::invalid(
            "/placed_at",
            "An order cannot be placed in the future; leave placed_at out to use now.",
        ));
    }
    let mut lines = Vec::with_capacity(new.lines.len());
    let mut categories: Vec<String> = Vec::new();
    for (i, l) in new.lines.iter().enumerate() {
        let product: Option<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT id, price_minor, currency, category FROM products WHERE sku = ?",
        )
        .bind(l.sku.trim())
        .fetch_optional(&mut *conn)
        .await?;
        let Some((product_id, price, price_currency, category)) = product else {
            return Err(Error::invalid(
                format!("/lines/{i}/sku"),
                format!("There is no product with SKU '{}'.", l.sku.trim()),
            ));
        };
        money::quantity(&format!("/lines/{i}/quantity"), l.quantity, QUANTITY_MAX)?;
        let unit = match l.unit_price_minor {
            Some(p) => money::unit_price(&format!("/lines/{i}/unit_price_minor"), p)?,
            None if price_currency == currency => {
                money::unit_price(&format!("/lines/{i}/unit_price_minor"), price)?
            }
            None => {
                return Err(Error::invalid(
                    format!("/lines/{i}/unit_price_minor"),
                    format!(
                        "The catalogue prices {} in {price_currency} and this customer pays in \
                         {currency}: give unit_price_minor in {currency}.",
                        l.sku.trim()
                    ),
                ));
            }
        };
        if !categories.contains(&category) {
            categories.push(category);
        }
        lines.push(LineRecord {
            product_id,
            quantity: l.quantity,
            unit_price_minor: unit,
        });
    }
    let id = store::next_id(&mut *conn, "orders").await?;
    let record = OrderRecord {
        id,
        customer_id: new.customer_id,
        placed_at: placed.timestamp(),
        channel: new.channel,
        currency: currency.clone(),
        lines,
    };
    let summary = OrderSummary {
        id,
        placed_at: store::from_epoch(record.placed_at),
        channel: new.channel,
        total_minor: record.total_minor()?,
        currency,
        items: record.item_count()?,
        categories,
    };
    store::write_batch(
        &mut *conn,
        &Batch {
            orders: vec![record],
            ..Batch::default()
        },
    )
    .await?;
    let trail = Trail {
        action: "order.create",
        entity: "order",
        entity_id: id,
        customer_id: new.customer_id,
        before: None::<&()>,
        event: EventBody::OrderCreated(summary.clone()),
    };
    written(conn, w, summary, trail).await
}
