//! `rapport-server copy-store`: a SQLite deployment's data moved to an empty
//! PostgreSQL database, every table with its ids, in one PostgreSQL
//! transaction (all or nothing), counts verified table by table.
//!
//! The tables and columns come from the PostgreSQL schema this build
//! migrated, so a table added by a later migration is copied without a
//! change here. The source is read inside one read transaction: a running
//! server may keep writing to it, and the copy is the database as it was
//! when the copy began. Rows go in through `COPY … FROM STDIN`, in an order
//! that keeps every foreign key satisfied; a column that refers to its own
//! table (a transferred call's next leg) is filled in afterwards. The
//! search tables PostgreSQL has of its own (`search_docs`, `search_words`)
//! are built from the copied customers, and every id sequence is moved past
//! the largest id copied.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context as _, bail, ensure};
use futures::TryStreamExt as _;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection as _, Row as _};

use crate::Db;
use crate::db::{Backend, Target, parse_url, shown_url};
use crate::store::Conn;
use crate::store::records::SearchDoc;

/// Tables the PostgreSQL store keeps beside the shared schema, rebuilt from
/// the customers rather than copied.
const DERIVED: &[&str] = &["search_docs", "search_words"];
/// Rows per `COPY` message.
const ROWS_PER_SEND: usize = 5_000;

/// A row whose self-references are filled in after the copy: its key values
/// and the (column, value) pairs to set.
type Deferred = (Vec<String>, Vec<(String, String)>);

/// What the copy is doing, for a progress display.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Starting `table`, which has `rows` rows.
    Table { table: String, rows: u64 },
    /// `done` rows of the current table copied.
    Rows { done: u64 },
    /// Building PostgreSQL's search tables.
    Search { customers: u64 },
    /// Counting both sides.
    Verifying,
}

/// What was copied: each table with its row count (equal on both sides).
#[derive(Debug, Clone, Default)]
pub struct Copied {
    pub tables: Vec<(String, u64)>,
}

/// A column as the target stores it.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
    /// It refers to its own table: copied as NULL, set afterwards.
    self_ref: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Float,
    Text,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<Column>,
    /// The primary key's columns (for filling in self references).
    key: Vec<String>,
    identity: bool,
}

/// Copy everything in the SQLite database at `from` into the empty
/// PostgreSQL database at `to` (migrating it first).
pub async fn copy_store(
    from: &str,
    to: &str,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> anyhow::Result<Copied> {
    ensure!(
        matches!(parse_url(from)?, Target::File(_)),
        "--from must be a SQLite database file (sqlite://PATH)"
    );
    ensure!(
        matches!(parse_url(to)?, Target::Postgres(_)),
        "--to must be a PostgreSQL database (postgres://USER@HOST/DATABASE)"
    );
    let source = Db::connect_existing(from).await.with_context(|| {
        format!("could not open {from}: run this version's server on it once, then copy")
    })?;
    let target = Db::connect(to).await?;
    ensure!(
        target.backend() == Backend::Postgres,
        "--to is not PostgreSQL"
    );
    let result = copy_between(&source, &target, progress).await;
    source.close().await;
    target.close().await;
    result.with_context(|| format!("nothing was copied to {}", shown_url(to)))
}

async fn copy_between(
    source: &Db,
    target: &Db,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> anyhow::Result<Copied> {
    let mut src = source.pool().acquire().await?;
    let mut src = src.begin().await?;
    let mut conn = target.read().await?;
    let Conn::Postgres(pg) = &mut conn else {
        bail!("the target is not PostgreSQL");
    };
    let pg = pg.c();
    let tables = target_tables(pg).await?;
    let mut tx = pg.begin().await?;
    let seeded = refuse_unless_empty(&mut tx, &tables).await?;
    // Lists the migrations filled (reasons, outcomes, limits…) take the
    // source's rows instead.
    for t in tables.iter().rev().filter(|t| seeded.contains(&t.name)) {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", t.name)))
            .execute(&mut *tx)
            .await?;
    }
    let mut copied = Copied::default();
    for t in &tables {
        let rows = copy_table(&mut src, &mut tx, t, progress).await?;
        copied.tables.push((t.name.clone(), rows));
    }
    let customers = build_search(&mut src, &mut tx, progress).await?;
    for t in tables.iter().filter(|t| t.identity) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {t}), \
             (SELECT COUNT(*) > 0 FROM {t}))",
            t = t.name
        )))
        .execute(&mut *tx)
        .await?;
    }
    progress(Progress::Verifying);
    for (table, rows) in &copied.tables {
        let there: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut *tx)
                .await?;
        ensure!(
            there as u64 == *rows,
            "{table}: {rows} rows read but {there} stored"
        );
    }
    let docs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_docs")
        .fetch_one(&mut *tx)
        .await?;
    ensure!(
        docs as u64 == customers,
        "search: {customers} customers but {docs} search documents"
    );
    tx.commit().await?;
    src.commit().await?;
    Ok(copied)
}

/// The target's tables (but its own derived ones), parents before children.
async fn target_tables(pg: &mut PgConnection) -> anyhow::Result<Vec<Table>> {
    let cols: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT c.table_name::TEXT, c.column_name::TEXT, c.data_type::TEXT, c.is_identity = 'YES' \
         FROM information_schema.columns c JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> '_sqlx_migrations' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(&mut *pg)
    .await?;
    // (table, referenced table, column) of every foreign key.
    let fks: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT cl.relname::TEXT, rf.relname::TEXT, a.attname::TEXT \
         FROM pg_constraint k \
         JOIN pg_class cl ON cl.oid = k.conrelid \
         JOIN pg_class rf ON rf.oid = k.confrelid \
         JOIN pg_namespace n ON n.oid = cl.relnamespace \
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) \
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut *pg)
    .await?;
    let keys: Vec<(String, String)> = sqlx::query_as(
        "SELECT cl.relname::TEXT, a.attname::TEXT \
         FROM pg_constraint k \
         JOIN pg_class cl ON cl.oid = k.conrelid \
         JOIN pg_namespace n ON n.oid = cl.relnamespace \
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) \
         WHERE k.contype = 'p' AND n.nspname = current_schema() \
         ORDER BY cl.relname, array_position(k.conkey, a.attnum)",
    )
    .fetch_all(&mut *pg)
    .await?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for (table, name, ty, identity) in cols {
        if DERIVED.contains(&table.as_str()) {
            continue;
        }
        let kind = match ty.as_str() {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "boolean" => Kind::Bool,
            "double precision" | "real" | "numeric" => Kind::Float,
            "text" | "character varying" => Kind::Text,
            other => bail!("{table}.{name} has a type copy-store does not know: {other}"),
        };
        let self_ref = fks
            .iter()
            .any(|(t, r, c)| t == &table && r == &table && c == &name);
        let t = tables.entry(table.clone()).or_insert_with(|| Table {
            name: table.clone(),
            columns: Vec::new(),
            key: Vec::new(),
            identity: false,
        });
        t.identity |= identity && name == "id";
        t.columns.push(Column {
            name,
            kind,
            self_ref,
        });
    }
    for (table, col) in keys {
        if let Some(t) = tables.get_mut(&table) {
            t.key.push(col);
        }
    }
    // Parents first.
    let mut order = Vec::new();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    while placed.len() < tables.len() {
        let before = placed.len();
        for name in tables.keys() {
            if placed.contains(name) {
                continue;
            }
            let ready = fks
                .iter()
                .filter(|(t, r, _)| t == name && r != name && !DERIVED.contains(&t.as_str()))
                .all(|(_, r, _)| placed.contains(r) || !tables.contains_key(r));
            if ready {
                placed.insert(name.clone());
                order.push(name.clone());
            }
        }
        ensure!(
            placed.len() > before,
            "the schema's foreign keys go round in a circle"
        );
    }
    Ok(order
        .into_iter()
        .filter_map(|n| tables.remove(&n))
        .collect())
}

/// Fails unless every table is empty but those the migrations filled; returns
/// those.
async fn refuse_unless_empty(
    pg: &mut PgConnection,
    tables: &[Table],
) -> anyhow::Result<BTreeSet<String>> {
    let mut seeded = BTreeSet::new();
    for t in tables {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {}",
            t.name
        )))
        .fetch_one(&mut *pg)
        .await?;
        if n == 0 {
            continue;
        }
        if MIGRATION_FILLED.contains(&t.name.as_str()) {
            seeded.insert(t.name.clone());
        } else {
            bail!(
                "the target database is not empty: {} holds {n} rows. Copy into a new, empty database",
                t.name
            );
        }
    }
    Ok(seeded)
}

/// Lists the migrations fill in a new database.
const MIGRATION_FILLED: &[&str] = &[
    "contact_reasons",
    "contact_outcomes",
    "complaint_categories",
    "sla_policies",
    "approval_limits",
    "token_version",
];

async fn copy_table(
    src: &mut SqliteConnection,
    pg: &mut PgConnection,
    t: &Table,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> anyhow::Result<u64> {
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {}",
        t.name
    )))
    .fetch_one(&mut *src)
    .await
    .with_context(|| format!("the source has no table {}", t.name))?;
    progress(Progress::Table {
        table: t.name.clone(),
        rows: total as u64,
    });
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    let list = names.join(", ");
    let select = format!(
        "SELECT {list} FROM {} ORDER BY {}",
        t.name,
        if t.key.is_empty() {
            "rowid".to_string()
        } else {
            t.key.join(", ")
        }
    );
    let mut copy = pg
        .copy_in_raw(&format!("COPY {} ({list}) FROM STDIN", t.name))
        .await?;
    let mut later: Vec<Deferred> = Vec::new();
    let mut buf = String::new();
    let mut done = 0u64;
    let mut in_buf = 0usize;
    {
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(&mut *src);
        while let Some(row) = rows.try_next().await? {
            let mut refs = Vec::new();
            for (i, c) in t.columns.iter().enumerate() {
                if i > 0 {
                    buf.push('\t');
                }
                let value = text_value(&row, i, c.kind)
                    .with_context(|| format!("{}.{} of row {}", t.name, c.name, done + 1))?;
                match value {
                    Some(v) if c.self_ref => {
                        refs.push((c.name.clone(), v));
                        buf.push_str("\\N");
                    }
                    Some(v) => escape_into(&mut buf, &v),
                    None => buf.push_str("\\N"),
                }
            }
            buf.push('\n');
            if !refs.is_empty() {
                let key = t
                    .key
                    .iter()
                    .map(|k| {
                        let i = names.iter().position(|n| n == k).unwrap_or(0);
                        text_value(&row, i, t.columns[i].kind)
                            .ok()
                            .flatten()
                            .unwrap_or_default()
                    })
                    .collect();
                later.push((key, refs));
            }
            done += 1;
            in_buf += 1;
            if in_buf == ROWS_PER_SEND {
                copy.send(buf.as_bytes()).await?;
                buf.clear();
                in_buf = 0;
                progress(Progress::Rows { done });
            }
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_bytes()).await?;
    }
    let stored = copy.finish().await?;
    progress(Progress::Rows { done });
    ensure!(
        stored == done,
        "{}: {done} rows read but {stored} stored",
        t.name
    );
    for (key, refs) in later {
        let mut q = format!("UPDATE {} SET ", t.name);
        for (i, (col, _)) in refs.iter().enumerate() {
            if i > 0 {
                q.push_str(", ");
            }
            q.push_str(&format!("{col} = ${}", i + 1));
        }
        q.push_str(" WHERE ");
        for (i, k) in t.key.iter().enumerate() {
            if i > 0 {
                q.push_str(" AND ");
            }
            q.push_str(&format!("{k} = ${}", refs.len() + i + 1));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(q));
        for (_, v) in &refs {
            query = query.bind(v.parse::<i64>().context("a reference that is not an id")?);
        }
        for k in &key {
            query = query.bind(k.parse::<i64>().context("a key that is not an id")?);
        }
        query.execute(&mut *pg).await?;
    }
    Ok(done)
}

/// Column `i` of a SQLite row as PostgreSQL's text form of `kind`.
fn text_value(
    row: &sqlx::sqlite::SqliteRow,
    i: usize,
    kind: Kind,
) -> anyhow::Result<Option<String>> {
    Ok(match kind {
        Kind::Int => row.try_get::<Option<i64>, _>(i)?.map(|v| v.to_string()),
        Kind::Bool => row
            .try_get::<Option<i64>, _>(i)?
            .map(|v| if v != 0 { "t" } else { "f" }.to_string()),
        Kind::Float => row.try_get::<Option<f64>, _>(i)?.map(|v| format!("{v:?}")),
        Kind::Text => match row.try_get::<Option<String>, _>(i) {
            Ok(v) => v,
            // SQLite keeps what it was given: a number in a text column.
            Err(_) => row.try_get::<Option<i64>, _>(i)?.map(|v| v.to_string()),
        },
    })
}

/// `COPY`'s text format: backslash, tab, newline and carriage return
/// escaped.
fn escape_into(buf: &mut String, v: &str) {
    for ch in v.chars() {
        match ch {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

/// PostgreSQL's search tables, from the customers as the source has them.
async fn build_search(
    src: &mut SqliteConnection,
    pg: &mut PgConnection,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> anyhow::Result<u64> {
    let phones: Vec<(i64, String)> = sqlx::query_as(
        "SELECT customer_id, digits FROM customer_phones ORDER BY customer_id, position",
    )
    .fetch_all(&mut *src)
    .await?;
    let emails: Vec<(i64, String)> = sqlx::query_as(
        "SELECT customer_id, email FROM customer_emails ORDER BY customer_id, position",
    )
    .fetch_all(&mut *src)
    .await?;
    let mut phones_of: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (c, d) in phones {
        phones_of.entry(c).or_default().push(d);
    }
    let mut emails_of: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (c, e) in emails {
        emails_of.entry(c).or_default().push(e);
    }
    let mut docs = pg
        .copy_in_raw("COPY search_docs (customer_id, name, phone, email) FROM STDIN")
        .await?;
    let mut words: Vec<(i64, String)> = Vec::new();
    let mut buf = String::new();
    let mut n = 0u64;
    {
        let mut rows = sqlx::query_as::<_, (i64, String, String, String)>(
            "SELECT id, given_name, family_name, display_name FROM customers ORDER BY id",
        )
        .fetch(&mut *src);
        while let Some((id, given, family, display)) = rows.try_next().await? {
            let phones = phones_of.remove(&id).unwrap_or_default();
            let emails = emails_of.remove(&id).unwrap_or_default();
            let d = SearchDoc::from_parts(&given, &family, &display, &phones, &emails);
            buf.push_str(&id.to_string());
            for v in [&d.name_line, &d.phones, &d.emails] {
                buf.push('\t');
                escape_into(&mut buf, v);
            }
            buf.push('\n');
            let mut w: Vec<&str> = d.words.split_whitespace().collect();
            w.sort_unstable();
            w.dedup();
            words.extend(w.into_iter().map(|w| (id, w.to_string())));
            n += 1;
            if n.is_multiple_of(ROWS_PER_SEND as u64) {
                docs.send(buf.as_bytes()).await?;
                buf.clear();
                progress(Progress::Search { customers: n });
            }
        }
    }
    if !buf.is_empty() {
        docs.send(buf.as_bytes()).await?;
    }
    docs.finish().await?;
    let mut out = pg
        .copy_in_raw("COPY search_words (customer_id, word) FROM STDIN")
        .await?;
    for chunk in words.chunks(ROWS_PER_SEND) {
        let mut buf = String::new();
        for (id, w) in chunk {
            buf.push_str(&id.to_string());
            buf.push('\t');
            escape_into(&mut buf, w);
            buf.push('\n');
        }
        out.send(buf.as_bytes()).await?;
    }
    out.finish().await?;
    progress(Progress::Search { customers: n });
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_is_escaped() {
        let mut b = String::new();
        escape_into(&mut b, "a\tb\nc\\d\re");
        assert_eq!(b, "a\\tb\\nc\\\\d\\re");
    }
}
