//! Customers and their history on SQLite: multi-row `INSERT`s within the
//! bound-parameter limit, and the two FTS5 search tables.

use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::SqliteConn;
use crate::codes::Code;
use crate::error::Result;
use crate::store::records::{Batch, BatchWritten, SurveyKind};
use crate::store::{CustomerStore, IdTable, ProductSpec};
use crate::text;

/// SQLite accepts up to 32766 bound parameters per statement; stay below.
const MAX_PARAMS: usize = 30_000;
/// More rows per statement stop paying off well before the parameter limit.
const MAX_ROWS: usize = 500;

fn rows_per_statement(cols: usize) -> usize {
    (MAX_PARAMS / cols).min(MAX_ROWS)
}

/// Insert `rows` with as few statements as the limits allow.
async fn insert_rows<T>(
    conn: &mut SqliteConnection,
    head: &str,
    cols: usize,
    rows: &[T],
    mut bind: impl FnMut(&mut sqlx::query_builder::Separated<'_, Sqlite, &'static str>, &T),
) -> Result<()> {
    for chunk in rows.chunks(rows_per_statement(cols)) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(head);
        qb.push(" ");
        qb.push_values(chunk, |mut b, row| bind(&mut b, row));
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

#[async_trait]
impl CustomerStore for SqliteConn<'_> {
    async fn write_batch(&mut self, batch: &Batch) -> Result<BatchWritten> {
        let conn = self.c();
        let rows = batch.rows();
        insert_rows(
            conn,
            "INSERT INTO customers (id, account_number, given_name, family_name, display_name, \
             name_key, address_line1, address_line2, city, region, postcode, country, birthday, \
             customer_since, tier, stage, currency, declining, created_at)",
            19,
            &rows.docs,
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
                    .push_bind(c.birthday.map(super::super::date_text))
                    .push_bind(super::super::date_text(c.customer_since))
                    .push_bind(c.tier.code())
                    .push_bind(c.stage.code())
                    .push_bind(c.currency.clone())
                    .push_bind(c.declining)
                    .push_bind(c.created_at);
            },
        )
        .await?;
        insert_rows(
            conn,
            "INSERT INTO customer_phones (customer_id, position, e164, kind, digits, national, digits_rev)",
            7,
            &rows.phones,
            |b, (id, pos, p, kind)| {
                b.push_bind(*id)
                    .push_bind(*pos)
                    .push_bind(p.e164.clone())
                    .push_bind(kind.code())
                    .push_bind(p.digits.clone())
                    .push_bind(p.national.clone())
                    .push_bind(p.digits_rev.clone());
            },
        )
        .await?;
        insert_rows(
            conn,
            "INSERT INTO customer_emails (customer_id, position, email, email_norm)",
            4,
            &rows.emails,
            |b, (id, pos, e)| {
                b.push_bind(*id)
                    .push_bind(*pos)
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
        insert_rows(
            conn,
            "INSERT INTO search_words (rowid, name)",
            2,
            &rows.docs,
            |b, (c, d)| {
                b.push_bind(c.id).push_bind(d.words.clone());
            },
        )
        .await?;
        insert_rows(
            conn,
            "INSERT INTO search_trigram (rowid, name, phone, email)",
            4,
            &rows.docs,
            |b, (c, d)| {
                b.push_bind(c.id)
                    .push_bind(d.name_line.clone())
                    .push_bind(d.phones.clone())
                    .push_bind(d.emails.clone());
            },
        )
        .await?;
        for chunk in rows.token_counts.chunks(rows_per_statement(2)) {
            let mut qb: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO name_tokens (token, customers) ");
            qb.push_values(chunk, |mut b, (t, n)| {
                b.push_bind(t.clone()).push_bind(*n);
            });
            qb.push(
                " ON CONFLICT (token) DO UPDATE SET customers = name_tokens.customers + excluded.customers",
            );
            qb.build().execute(&mut *conn).await?;
        }
        // Totals checked before anything is written (crate::money).
        let orders = batch
            .orders
            .iter()
            .map(|o| Ok((o, o.total_minor()?, o.item_count()?)))
            .collect::<Result<Vec<_>>>()?;
        insert_rows(
            conn,
            "INSERT INTO orders (id, customer_id, placed_at, channel, currency, total_minor, item_count)",
            7,
            &orders,
            |b, (o, total, items)| {
                b.push_bind(o.id)
                    .push_bind(o.customer_id)
                    .push_bind(o.placed_at)
                    .push_bind(o.channel.code())
                    .push_bind(o.currency.clone())
                    .push_bind(*total)
                    .push_bind(*items);
            },
        )
        .await?;
        insert_rows(
            conn,
            "INSERT INTO order_lines (order_id, product_id, quantity, unit_price_minor)",
            4,
            &rows.lines,
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
        let mut complaint_ids = Vec::with_capacity(batch.complaints.len());
        for chunk in batch.complaints.chunks(rows_per_statement(13)) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO complaints (customer_id, category, severity, status, summary, \
                 remedy_sought, opened_at, sla_due_at, final_response_due_at, owner_id, escalated, \
                 closed_at, version) ",
            );
            qb.push_values(chunk, |mut b, c| {
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
            });
            qb.push(" RETURNING id");
            let ids: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *conn).await?;
            complaint_ids.extend(ids);
        }
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
        Ok(BatchWritten::of(rows, complaint_ids))
    }

    async fn reserve_ids(&mut self, table: IdTable, _n: i64) -> Result<i64> {
        // One writer at a time: the next free id stays free until this
        // transaction commits.
        let sql = match table {
            IdTable::Customers => "SELECT COALESCE(MAX(id), 0) + 1 FROM customers",
            IdTable::Orders => "SELECT COALESCE(MAX(id), 0) + 1 FROM orders",
            IdTable::Interactions => "SELECT COALESCE(MAX(id), 0) + 1 FROM interactions",
        };
        Ok(sqlx::query_scalar(sql).fetch_one(self.c()).await?)
    }

    async fn customer_exists(&mut self, id: i64) -> Result<bool> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT id FROM customers WHERE id = ?")
                .bind(id)
                .fetch_optional(self.c())
                .await?
                .is_some(),
        )
    }

    async fn any_customer(&mut self) -> Result<bool> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT id FROM customers LIMIT 1")
                .fetch_optional(self.c())
                .await?
                .is_some(),
        )
    }

    async fn customer_currency(&mut self, id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT currency FROM customers WHERE id = ?")
                .bind(id)
                .fetch_optional(self.c())
                .await?,
        )
    }

    async fn product_by_sku(&mut self, sku: &str) -> Result<Option<(i64, i64)>> {
        Ok(
            sqlx::query_as("SELECT id, price_minor FROM products WHERE sku = ?")
                .bind(sku)
                .fetch_optional(self.c())
                .await?,
        )
    }

    async fn ensure_products(
        &mut self,
        products: &[ProductSpec<'_>],
    ) -> Result<Vec<(i64, String)>> {
        if !products.is_empty() {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO products (sku, name, category, line, line_tier, price_minor, currency, margin) ",
            );
            qb.push_values(products, |mut b, p| {
                b.push_bind(p.sku.to_string())
                    .push_bind(p.name.to_string())
                    .push_bind(p.category.to_string())
                    .push_bind(p.line.map(|l| l.0.to_string()))
                    .push_bind(p.line.map(|l| l.1))
                    .push_bind(p.price_minor)
                    .push_bind(p.currency.to_string())
                    .push_bind(p.margin);
            });
            qb.push(" ON CONFLICT (sku) DO NOTHING");
            qb.build().execute(self.c()).await?;
        }
        Ok(sqlx::query_as("SELECT id, sku FROM products")
            .fetch_all(self.c())
            .await?)
    }

    async fn bulk_load(&mut self, on: bool) -> Result<()> {
        // A larger page cache keeps the index pages that every chunk touches
        // in memory instead of rereading and rewriting them.
        let sqls: [&str; 3] = if on {
            [
                "PRAGMA synchronous = NORMAL",
                "PRAGMA cache_size = -262144",
                "PRAGMA wal_autocheckpoint = 16384",
            ]
        } else {
            [
                "PRAGMA synchronous = FULL",
                "PRAGMA cache_size = -8192",
                "PRAGMA wal_autocheckpoint = 0",
            ]
        };
        for sql in sqls {
            sqlx::query(sql).execute(self.c()).await?;
        }
        Ok(())
    }

    async fn after_bulk_load(&mut self) -> Result<()> {
        // One segment per full-text index makes queries faster; then refresh
        // the planner's statistics (sampled, so this stays quick).
        for sql in [
            "INSERT INTO search_words (search_words) VALUES ('optimize')",
            "INSERT INTO search_trigram (search_trigram) VALUES ('optimize')",
            "PRAGMA analysis_limit = 1000",
            "ANALYZE",
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ] {
            sqlx::query(sql).execute(self.c()).await?;
        }
        Ok(())
    }
}
