//! Importing real data from CSV files: customers, transactions (order
//! lines), interactions and survey answers (`rapport-server import KIND
//! FILE.csv`).
//!
//! A file is imported whole or not at all: it is read in one write
//! transaction, every bad row is reported with the file, line, column and
//! reason, and any bad row rolls everything back, unless `--skip-bad-rows`
//! is given, when the good rows are kept and every skipped line is listed.
//! A file whose SHA-256 was imported before is refused unless `--again`.
//! Customers are named in the other files by the `customer_id` of the
//! customers file (kept as their external id), or with `--match-by account`
//! by account number (`ACC-0012345`).
//!
//! Columns are found by their header names (any order, any case); other
//! columns are ignored and listed. See [`columns`] for each kind.

pub mod cli;
pub mod parse;
mod rows;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use crate::Db;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Customers,
    Transactions,
    Interactions,
    Surveys,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Customers => "customers",
            Kind::Transactions => "transactions",
            Kind::Interactions => "interactions",
            Kind::Surveys => "surveys",
        }
    }

    /// The foreign-key checks of the tables an import of this kind writes
    /// rows with references into.
    fn key_checks(self) -> &'static [&'static str] {
        match self {
            Kind::Customers => &[
                "PRAGMA foreign_key_check(customers)",
                "PRAGMA foreign_key_check(customer_phones)",
                "PRAGMA foreign_key_check(customer_emails)",
                "PRAGMA foreign_key_check(preferences)",
                "PRAGMA foreign_key_check(name_tokens)",
            ],
            Kind::Transactions => &[
                "PRAGMA foreign_key_check(orders)",
                "PRAGMA foreign_key_check(order_lines)",
            ],
            Kind::Interactions => &["PRAGMA foreign_key_check(interactions)"],
            Kind::Surveys => &["PRAGMA foreign_key_check(survey_answers)"],
        }
    }
}

/// (required, optional) columns of each kind.
pub fn columns(kind: Kind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        Kind::Customers => (
            &["customer_id"],
            &[
                "name",
                "given_name",
                "family_name",
                "email",
                "phone",
                "address",
                "city",
                "postcode",
                "country",
                "currency",
                "customer_since",
                "tier",
                "language",
                "consent_email",
                "consent_sms",
                "consent_phone",
                "consent_post",
                "do_not_contact",
            ],
        ),
        Kind::Transactions => (
            &["customer_id", "date", "amount"],
            &["order_id", "product", "category", "quantity", "channel"],
        ),
        Kind::Interactions => (
            &["customer_id", "date", "channel"],
            &["direction", "reason", "notes", "outcome"],
        ),
        Kind::Surveys => (&["customer_id", "date", "score"], &["kind"]),
    }
}

/// How customers are named in a file other than the customers file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MatchBy {
    /// The `customer_id` of an imported customers file.
    External,
    /// The account number, `ACC-0012345` (or its digits).
    Account,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub skip_bad_rows: bool,
    pub again: bool,
    pub match_by: MatchBy,
    /// Currency of customers whose row does not say.
    pub currency: String,
    /// Gross margin of products an import creates.
    pub default_margin: f64,
    /// Amounts are written `12,50` and `1.200,00`.
    pub decimal_comma: bool,
    /// Accept a transactions line repeated exactly within one order.
    pub allow_repeated_lines: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            skip_bad_rows: false,
            again: false,
            match_by: MatchBy::External,
            currency: "GBP".into(),
            default_margin: 0.30,
            decimal_comma: false,
            allow_repeated_lines: false,
        }
    }
}

/// One bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    /// The header of the column at fault (empty for the row as a whole).
    pub column: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub rows: u64,
    pub stored: u64,
    /// Rows skipped (with `--skip-bad-rows`) or refused.
    pub bad: Vec<BadRow>,
    pub committed: bool,
    pub ignored_columns: Vec<String>,
    pub seconds: f64,
}

impl Outcome {
    /// `FILE:LINE: column 'amount': reason`, one per bad row.
    pub fn report(&self, file: &str) -> Vec<String> {
        self.bad
            .iter()
            .map(|b| {
                if b.column.is_empty() {
                    format!("{file}:{}: {}", b.line, b.reason)
                } else {
                    format!("{file}:{}: column '{}': {}", b.line, b.column, b.reason)
                }
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Store(#[from] crate::error::Error),
}

/// Where columns are in the file.
#[derive(Debug, Clone)]
pub struct Header {
    pub index: HashMap<&'static str, usize>,
    pub ignored: Vec<String>,
}

impl Header {
    fn of(kind: Kind, names: &csv::StringRecord) -> Result<Header, String> {
        let (required, optional) = columns(kind);
        let mut index = HashMap::new();
        let mut ignored = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let n = n.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
            match required.iter().chain(optional).find(|c| **c == n) {
                Some(c) => {
                    if index.insert(*c, i).is_some() {
                        return Err(format!("the column '{c}' appears twice in the header"));
                    }
                }
                None => ignored.push(n),
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .filter(|c| !index.contains_key(*c))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the header lacks the column{} {}; a {} file needs {} (and may have {})",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                kind.code(),
                required.join(", "),
                optional.join(", ")
            ));
        }
        Ok(Header { index, ignored })
    }

    pub fn get<'r>(&self, r: &'r csv::StringRecord, col: &str) -> Option<&'r str> {
        self.index
            .get(col)
            .and_then(|i| r.get(*i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

fn sha256_of(path: &Path) -> Result<String, ImportError> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| ImportError::File(format!("cannot open {}: {e}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| ImportError::File(format!("cannot read {}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Import `path` as `kind`. `progress(bytes read, file size)` is called as
/// the file is read.
pub async fn import(
    db: &Db,
    kind: Kind,
    path: &Path,
    opts: &Options,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<Outcome, ImportError> {
    let started = Instant::now();
    let size = std::fs::metadata(path)
        .map_err(|e| ImportError::File(format!("cannot open {}: {e}", path.display())))?
        .len();
    let sha = sha256_of(path)?;
    if !opts.again {
        let before: Option<i64> = sqlx::query_scalar(
            "SELECT finished_at FROM imports WHERE kind = ? AND sha256 = ? ORDER BY id DESC LIMIT 1",
        )
        .bind(kind.code())
        .bind(&sha)
        .fetch_optional(db.pool())
        .await?;
        if let Some(at) = before {
            return Err(ImportError::File(format!(
                "{} was already imported as {} on {}; importing it again would store every row \
                 twice. Give --again if that is what you want.",
                path.display(),
                kind.code(),
                crate::store::from_epoch(at).format("%d %b %Y %H:%M UTC")
            )));
        }
    }
    if size == 0 {
        return Err(ImportError::File(format!(
            "{} is empty: nothing was imported (a {} file starts with a header line naming \
             its columns)",
            path.display(),
            kind.code()
        )));
    }
    // Every row must have the header's number of fields: a value with an
    // unquoted comma (1,200.00) would otherwise shift the fields after it.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_path(path)
        .map_err(|e| ImportError::File(format!("cannot read {}: {e}", path.display())))?;
    let header = reader
        .headers()
        .map_err(|e| {
            ImportError::File(format!("{}: the header does not read: {e}", path.display()))
        })?
        .clone();
    if header
        .iter()
        .all(|f| f.trim().trim_start_matches('\u{feff}').is_empty())
    {
        return Err(ImportError::File(format!(
            "{}:1: the header line is empty: nothing was imported (a {} file starts with a \
             header line naming its columns)",
            path.display(),
            kind.code()
        )));
    }
    if header.len() == 1 {
        let only = header.get(0).unwrap_or("");
        if let Some(name) = [(';', "semicolons (;)"), ('\t', "tabs"), ('|', "bars (|)")]
            .iter()
            .find(|(c, _)| only.contains(*c))
            .map(|(_, name)| name)
        {
            return Err(ImportError::File(format!(
                "{}:1: the file is separated by {name}, not commas: nothing was imported; save \
                 it as comma-separated CSV",
                path.display()
            )));
        }
    }
    let header = Header::of(kind, &header)
        .map_err(|e| ImportError::File(format!("{}:1: {e}", path.display())))?;

    let mut conn = db.pool().acquire().await?;
    // A bulk load: commits need not wait for the disk here (the whole file
    // is one transaction, and a crash loses it whole), and a larger page
    // cache keeps the indexes' hot pages in memory.
    //
    // Foreign keys are not checked row by row during the load: every row's
    // customer is looked up in the map read at the start (inside the same
    // write transaction, so none can vanish), every product is found or
    // created first, and every order id is this import's own. Checking them
    // again in SQLite cost a parent lookup per row and a statement journal
    // per INSERT. `PRAGMA foreign_key_check` runs before the commit instead.
    for sql in [
        "PRAGMA synchronous = NORMAL",
        "PRAGMA cache_size = -262144",
        "PRAGMA foreign_keys = OFF",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    let result = run(&mut conn, kind, &mut reader, &header, opts, size, progress).await;
    if result.is_err() {
        // Before the pragmas below: `foreign_keys` cannot change inside a
        // transaction, and this connection goes back to the pool.
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    for sql in [
        "PRAGMA synchronous = FULL",
        "PRAGMA cache_size = -8192",
        "PRAGMA foreign_keys = ON",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    let (rows, stored, bad, committed) = result?;
    if committed {
        sqlx::query(
            "INSERT INTO imports (kind, file_name, sha256, rows_read, rows_stored, rows_skipped, \
             started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(kind.code())
        .bind(path.display().to_string())
        .bind(&sha)
        .bind(rows as i64)
        .bind(stored as i64)
        .bind(bad.len() as i64)
        .bind(Utc::now().timestamp() - started.elapsed().as_secs() as i64)
        .bind(Utc::now().timestamp())
        .execute(&mut *conn)
        .await?;
    }
    Ok(Outcome {
        rows,
        stored,
        bad,
        committed,
        ignored_columns: header.ignored,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Read every row inside one transaction; commit unless a bad row (without
/// `skip_bad_rows`). Returns (rows, stored, bad rows, committed).
async fn run(
    conn: &mut SqliteConnection,
    kind: Kind,
    reader: &mut csv::Reader<std::fs::File>,
    header: &Header,
    opts: &Options,
    size: u64,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<(u64, u64, Vec<BadRow>, bool), ImportError> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let rebuilt = set_indexes_aside(&mut *conn, kind, size).await?;
    let mut sink = rows::Sink::new(conn, kind, opts).await?;
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    let mut bad = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!(
                        "the row has {len} fields but the header has {expected_len}: a value \
                         with a comma in it (such as 1,200.00) must be quoted, \"1,200.00\""
                    ),
                    _ => format!("the row does not read as CSV ({e})"),
                };
                bad.push(BadRow {
                    line,
                    column: String::new(),
                    reason,
                });
                if !opts.skip_bad_rows && bad.len() >= 1000 {
                    break;
                }
                continue;
            }
        }
        rows += 1;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if let Err((column, reason)) = sink
            .row(header, &record, !bad.is_empty() && !opts.skip_bad_rows)
            .await?
        {
            bad.push(BadRow {
                line,
                column: column.to_string(),
                reason,
            });
            // All or nothing: past a thousand reasons the file is wrong as
            // a whole; stop reading.
            if !opts.skip_bad_rows && bad.len() >= 1000 {
                break;
            }
        }
        if rows.is_multiple_of(20_000) {
            progress(reader.position().byte(), size);
        }
    }
    let stored = sink.finish().await?;
    progress(size, size);
    if rows == 0 && bad.is_empty() {
        // `import` rolls back on an error, so no import is recorded.
        return Err(ImportError::File(
            "the file has a header and no rows: nothing was imported".into(),
        ));
    }
    let commit = bad.is_empty() || opts.skip_bad_rows;
    let conn = sink.into_conn();
    if commit {
        for sql in rebuilt {
            // The database's own definitions, read from sqlite_master.
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *conn)
                .await?;
        }
        // The rows were stored without SQLite's per-row foreign-key checks
        // (see `import`); make sure, once, that every reference holds.
        for check in kind.key_checks() {
            let broken: Vec<(String, Option<i64>, String, i64)> =
                sqlx::query_as(*check).fetch_all(&mut *conn).await?;
            if let Some((t, row, parent, _)) = broken.first() {
                let row = row
                    .map(|r| format!("row {r}"))
                    .unwrap_or_else(|| "a row".into());
                // `import` rolls back on an error.
                return Err(ImportError::File(format!(
                    "nothing was imported: {row} of {t} would refer to a missing row of \
                     {parent} ({} such rows)",
                    broken.len()
                )));
            }
        }
        sqlx::query("COMMIT").execute(&mut *conn).await?;
    } else {
        sqlx::query("ROLLBACK").execute(&mut *conn).await?;
    }
    Ok((rows, if commit { stored } else { 0 }, bad, commit))
}

/// A large transactions file is loaded without the secondary indexes of
/// `orders` and `order_lines`, which are built again, sorted, before the
/// commit: filling `orders_customer` (customer, date, value) row by row in
/// file order touches a random page of it for every order, and past the
/// page cache each touch is a read. Dropped inside the import's
/// transaction, so a rollback brings them back and other connections see
/// them throughout. A file small beside the orders already stored keeps
/// them (rebuilding would cost more than it saves). Returns the statements
/// that create them again.
async fn set_indexes_aside(
    conn: &mut SqliteConnection,
    kind: Kind,
    file_bytes: u64,
) -> Result<Vec<String>, ImportError> {
    if kind != Kind::Transactions {
        return Ok(Vec::new());
    }
    // About 40 bytes a line in the files seen; the guess only picks a path.
    let lines = file_bytes / 40;
    let stored: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM orders")
        .fetch_one(&mut *conn)
        .await?;
    if !bulk(lines, stored) {
        return Ok(Vec::new());
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
         AND tbl_name IN ('orders', 'order_lines') AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &indexes {
        // A name from sqlite_master, quoted as an identifier.
        let drop = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&mut *conn)
            .await?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

/// Whether a file of about `lines` lines is loaded with the indexes set
/// aside, given `stored` orders already there.
fn bulk(lines: u64, stored: i64) -> bool {
    lines >= 100_000 && lines.saturating_mul(4) >= stored.max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::bulk;

    #[test]
    fn only_large_files_set_the_indexes_aside() {
        assert!(!bulk(99_999, 0), "a small file into an empty database");
        assert!(bulk(100_000, 0));
        assert!(bulk(1_000_000, 4_000_000), "a quarter of what is there");
        assert!(!bulk(1_000_000, 4_000_001));
        assert!(!bulk(10, i64::MAX));
    }
}
