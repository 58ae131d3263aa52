//! Customer search: one box for names, phone numbers, emails and account
//! numbers, typo tolerant and ranked, answered from indexes only.
//!
//! A query is read once ([`Query::read`]) and then tried against sources in
//! tier order, best first, each an index lookup with a `LIMIT`:
//!
//! 1. **exact**: account number, phone (E.164 or national), email, whole name
//!    (B-tree indexes on the normalised values);
//! 2. **prefix**: every query word is a whole name word, then every query
//!    word begins a name word (FTS5 `search_words`: a prefix index for up to
//!    three characters, longer prefixes spelled out as the tokens the
//!    vocabulary knows they begin), then phone, account and email prefixes
//!    (B-tree ranges);
//! 3. **substring**: phone numbers ending with the digits (an index on the
//!    reversed digits), then the FTS5 trigram index over phone digits (for
//!    3 to 8 digits: a part of a number) or over names (one word) and emails
//!    (one word, or a fragment with `@`, `.` or `_`), three characters or more;
//! 4. **typo**: name words corrected against the in-memory vocabulary
//!    ([`vocab`]), whole words first, then as the start of a word.
//!
//! Sources are tried until `limit + 1` distinct customers are found, so the
//! response knows whether there are `more` without counting anything. Within
//! a tier, hits are ordered by a score that prefers the more specific source
//! and the name of which the query covers more; ties go to the lower id.

pub mod distance;
pub mod vocab;

use std::collections::HashSet;

use rapport_api::{CustomerHit, MatchField, MatchKind, SearchResponse};
use sqlx::pool::PoolConnection;
use sqlx::{QueryBuilder, Sqlite};

use crate::Db;
use crate::codes::Code;
use crate::error::Result;
use crate::phone::{self, PhoneQuery};
use crate::store::account_number;
use crate::text;

use self::distance::osa_distance;

/// At most this many words of a query are used.
const MAX_WORDS: usize = 6;
/// Candidate corrections tried per mistyped word.
const MAX_CORRECTIONS: usize = 8;
/// Longest list of tokens a word prefix is spelled out as.
const MAX_EXPANSION: usize = 24;
/// Substring search over phone digits is for parts of a number (the middle
/// of it); longer inputs are whole numbers, found exactly or by their start
/// or end.
const MAX_SUBSTRING_DIGITS: usize = 8;
/// Substring search over names and emails is for one word or fragment.
const MAX_SUBSTRING_CHARS: usize = 40;

/// A query as the sources need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// As typed, trimmed.
    pub raw: String,
    /// Folded (see [`text::fold`]).
    pub folded: String,
    /// Folded words, at most [`MAX_WORDS`].
    pub words: Vec<String>,
    /// Set when the input looks like a phone number.
    pub phone: Option<PhoneQuery>,
    /// An exact account number this could be (`ACC-0012345`).
    pub account: Option<String>,
    /// The beginning of an account number (`ACC-001`).
    pub account_prefix: Option<String>,
}

impl Query {
    pub fn read(input: &str) -> Query {
        let raw = input.trim().to_string();
        let folded = text::fold(&raw);
        let mut words = text::words(&folded);
        words.truncate(MAX_WORDS);
        let phone = phone::looks_like_phone(&raw).then(|| phone::read_query(&raw));
        let (account, account_prefix) = read_account(&folded);
        Query {
            raw,
            folded,
            words,
            phone,
            account,
            account_prefix,
        }
    }

    fn is_phone(&self) -> bool {
        self.phone.is_some()
    }

    fn is_account_like(&self) -> bool {
        self.account_prefix.is_some() || self.folded.starts_with("acc-")
    }

    fn looks_like_email(&self) -> bool {
        self.folded.contains('@')
    }
}

/// Account numbers are `ACC-` and seven or more digits. `acc-12345`,
/// `ACC0012345` and a bare `12345` all name `ACC-0012345`; `ACC-001` is
/// the start of several.
fn read_account(folded: &str) -> (Option<String>, Option<String>) {
    let rest = folded
        .strip_prefix("acc-")
        .or_else(|| folded.strip_prefix("acc"))
        .map(str::trim);
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match rest {
        Some("") => (None, Some("ACC-".to_string())),
        Some(r) if digits_only(r) => {
            // "ACC-001" is being typed out in full; "ACC-12345" drops zeros.
            let partial = r.len() < 7 && r.starts_with('0');
            let exact = if partial {
                None
            } else {
                r.parse::<i64>().ok().map(account_number)
            };
            let prefix = (r.len() < 7).then(|| format!("ACC-{r}"));
            (exact, prefix)
        }
        Some(_) => (None, None),
        None if digits_only(folded) && folded.len() <= 9 => {
            (folded.parse::<i64>().ok().map(account_number), None)
        }
        None => (None, None),
    }
}

#[derive(Debug, Clone)]
struct Found {
    id: i64,
    field: MatchField,
    kind: MatchKind,
    score: f32,
    /// The matched value when it is not the name (phone, email, account).
    text: Option<String>,
}

/// Collects distinct customers in the order sources find them.
struct Collector {
    limit: usize,
    found: Vec<Found>,
    seen: HashSet<i64>,
}

impl Collector {
    fn new(limit: usize) -> Collector {
        Collector {
            limit,
            found: Vec::with_capacity(limit + 1),
            seen: HashSet::with_capacity(limit + 1),
        }
    }

    /// True once one more than the limit is known: stop looking.
    fn full(&self) -> bool {
        self.found.len() > self.limit
    }

    /// Rows to ask a source for: enough to fill up even if every customer
    /// already found comes back again.
    fn want(&self) -> i64 {
        (self.limit + 1 - self.found.len().min(self.limit + 1) + self.seen.len()) as i64
    }

    fn add(&mut self, f: Found) {
        if !self.full() && self.seen.insert(f.id) {
            self.found.push(f);
        }
    }
}

type Conn = PoolConnection<Sqlite>;

/// Search customers. `limit` must be 1..=100 (checked by the caller).
pub async fn search(db: &Db, input: &str, limit: u32) -> Result<SearchResponse> {
    let q = Query::read(input);
    let mut c = Collector::new(limit as usize);
    if q.folded.is_empty() {
        return Ok(SearchResponse {
            query: input.to_string(),
            hits: Vec::new(),
            more: false,
        });
    }
    db.vocab.ensure_loaded(db).await?;
    let mut conn = db.pool().acquire().await?;

    // ---------------------------------------------------------- exact
    if let Some(acc) = &q.account {
        let sql = "SELECT id, account_number FROM customers WHERE account_number = ? LIMIT ?";
        let field = (MatchField::Account, MatchKind::Exact, 100.0);
        matched_values(&mut conn, &mut c, sql, &[acc], field).await?;
    }
    if let Some(p) = &q.phone
        && p.digits.len() >= 5
    {
        phone_numbers(&mut conn, &mut c, p, PhoneMatch::Exact).await?;
    }
    if q.looks_like_email() {
        let sql = "SELECT customer_id, email FROM customer_emails WHERE email_norm = ? LIMIT ?";
        let field = (MatchField::Email, MatchKind::Exact, 96.0);
        matched_values(&mut conn, &mut c, sql, &[&text::fold_email(&q.raw)], field).await?;
    }
    let name_search = !q.is_phone() && !q.is_account_like() && !q.words.is_empty();
    if name_search && !c.full() {
        let mut key = q.words.clone();
        key.sort();
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM customers WHERE name_key = ? ORDER BY id LIMIT ?")
                .bind(key.join(" "))
                .bind(c.want())
                .fetch_all(&mut *conn)
                .await?;
        for id in ids {
            c.add(found(id, MatchField::Name, MatchKind::Exact, 94.0, None));
        }
    }

    // ---------------------------------------------------------- prefix
    if name_search && !q.looks_like_email() {
        let whole = q
            .words
            .iter()
            .map(|w| text::fts_quote(w))
            .collect::<Vec<_>>()
            .join(" AND ");
        words_match(&mut conn, &mut c, &whole, MatchKind::Prefix, 80.0).await?;
        let prefix = q
            .words
            .iter()
            .map(|w| prefix_term(db, w))
            .collect::<Vec<_>>()
            .join(" AND ");
        words_match(&mut conn, &mut c, &prefix, MatchKind::Prefix, 70.0).await?;
    }
    if let Some(p) = &q.phone {
        phone_numbers(&mut conn, &mut c, p, PhoneMatch::Prefix).await?;
    }
    if let Some(prefix) = &q.account_prefix {
        let sql = "SELECT id, account_number FROM customers \
                   WHERE account_number >= ? AND account_number < ? ORDER BY account_number LIMIT ?";
        let field = (MatchField::Account, MatchKind::Prefix, 64.0);
        let range = [prefix.as_str(), &upper_bound(prefix)];
        matched_values(&mut conn, &mut c, sql, &range, field).await?;
    }
    let emailish = !q.is_phone() && !q.folded.contains(char::is_whitespace) && q.folded.len() >= 3;
    if emailish {
        let sql = "SELECT customer_id, email FROM customer_emails \
                   WHERE email_norm >= ? AND email_norm < ? ORDER BY email_norm LIMIT ?";
        let field = (MatchField::Email, MatchKind::Prefix, 60.0);
        let needle = text::fold_email(&q.raw);
        let range = [needle.as_str(), &upper_bound(&needle)];
        matched_values(&mut conn, &mut c, sql, &range, field).await?;
    }

    // ---------------------------------------------------------- substring
    let mut trigram_phone: Option<String> = None;
    let mut trigram_text: Option<(String, String)> = None;
    if let Some(p) = &q.phone {
        let core = p.digits.trim_start_matches('0');
        let core = if core.len() >= 3 {
            core
        } else {
            p.digits.as_str()
        };
        if !c.full() {
            let rev: String = core.chars().rev().collect();
            phones(
                &mut conn,
                &mut c,
                PhoneLookup::Suffix,
                &rev,
                MatchKind::Substring,
                50.0,
            )
            .await?;
        }
        if !c.full() && (3..=MAX_SUBSTRING_DIGITS).contains(&core.len()) {
            let expr = format!("phone : {}", text::fts_quote(core));
            let before = c.found.len();
            trigram_match(&mut conn, &mut c, &expr, MatchField::Phone, 45.0).await?;
            if c.found.len() > before {
                trigram_phone = Some(core.to_string());
            }
        }
    } else if !q.is_account_like()
        && !q.raw.contains(char::is_whitespace)
        && q.raw.chars().count() <= MAX_SUBSTRING_CHARS
        && !c.full()
    {
        // Names: one word (several are matched word by word above). Emails:
        // one word, or a fragment with the punctuation of an address.
        let name_needle = q.words.join(" ");
        let email_needle = text::fold_email(&q.raw);
        let long_enough = |s: &str| s.chars().count() >= 3;
        let mut parts = Vec::new();
        if q.words.len() == 1 && long_enough(&name_needle) {
            parts.push(format!("name : {}", text::fts_quote(&name_needle)));
        }
        let address_like = q.words.len() == 1 || email_needle.contains(['@', '.', '_']);
        if address_like && long_enough(&email_needle) {
            parts.push(format!("email : {}", text::fts_quote(&email_needle)));
        }
        if !parts.is_empty() {
            let before = c.found.len();
            trigram_match(
                &mut conn,
                &mut c,
                &parts.join(" OR "),
                MatchField::Name,
                40.0,
            )
            .await?;
            if c.found.len() > before {
                trigram_text = Some((name_needle, email_needle));
            }
        }
    }

    // ---------------------------------------------------------- typo
    let mut corrected: Vec<Option<Vec<String>>> = Vec::new();
    if name_search && !q.looks_like_email() && !c.full() {
        // Whole-word corrections first ("jonh" -> john), then also words the
        // last, half-typed word may be the start of ("lindqc" -> lindqvist).
        for as_prefix in [false, true] {
            if c.full() {
                break;
            }
            let Some(fixes) = corrections(db, &q.words, as_prefix) else {
                continue;
            };
            if fixes == corrected {
                continue; // the half-typed reading adds nothing
            }
            let expr = q
                .words
                .iter()
                .zip(&fixes)
                .map(|(w, fix)| match fix {
                    None => prefix_term(db, w),
                    Some(tokens) => format!(
                        "({})",
                        tokens
                            .iter()
                            .map(|t| text::fts_quote(t))
                            .collect::<Vec<_>>()
                            .join(" OR ")
                    ),
                })
                .collect::<Vec<_>>()
                .join(" AND ");
            words_match(&mut conn, &mut c, &expr, MatchKind::Typo, 20.0).await?;
            corrected = fixes;
        }
    }

    // ---------------------------------------------------------- assemble
    let more = c.full();
    let mut found = c.found;
    let ids: Vec<i64> = found.iter().map(|f| f.id).collect();
    let rows = rows_of::<CustomerRow>(&mut conn, CUSTOMER_ROWS, &ids).await?;
    let phone_list = if trigram_phone.is_some() {
        rows_of::<(i64, String, String)>(&mut conn, PHONE_ROWS, &ids).await?
    } else {
        Vec::new()
    };
    let email_list = if trigram_text.is_some() {
        rows_of::<(i64, String, String)>(&mut conn, EMAIL_ROWS, &ids).await?
    } else {
        Vec::new()
    };
    drop(conn);

    let mut hits = Vec::with_capacity(found.len());
    for f in found.drain(..) {
        let Some(row) = rows.iter().find(|r| r.0 == f.id) else {
            continue; // deleted meanwhile
        };
        let (id, display_name) = (row.0, &row.2);
        let name_line = text::name_line(display_name);
        let mut field = f.field;
        let mut score = f.score;
        let mut matched_text = f.text.clone();
        let covers = |needle_len: usize| {
            let total = name_line.chars().count().max(1);
            (needle_len.min(total) as f32) / (total as f32)
        };
        match (f.kind, f.field) {
            (MatchKind::Prefix | MatchKind::Exact, MatchField::Name) => {
                let typed: usize = q.words.iter().map(|w| w.chars().count()).sum();
                score += 9.0 * covers(typed);
            }
            (MatchKind::Substring, MatchField::Phone) if f.text.is_none() => {
                let core = trigram_phone.as_deref().unwrap_or_default();
                matched_text = phone_list
                    .iter()
                    .find(|(cid, _, digits)| *cid == id && digits.contains(core))
                    .map(|(_, e164, _)| e164.clone());
            }
            (MatchKind::Substring, MatchField::Name) => {
                let (name_needle, email_needle) = trigram_text.clone().unwrap_or_default();
                if !name_needle.is_empty() && name_line.contains(&name_needle) {
                    score += 4.0 * covers(name_needle.chars().count());
                } else if let Some((_, email, _)) = email_list
                    .iter()
                    .find(|(cid, _, norm)| *cid == id && norm.contains(&email_needle))
                {
                    field = MatchField::Email;
                    score = 35.0;
                    matched_text = Some(email.clone());
                }
            }
            (MatchKind::Typo, _) => {
                let name_words = text::words(&text::fold(display_name));
                let mut edits = 0usize;
                for (w, fix) in q.words.iter().zip(&corrected) {
                    if fix.is_some() {
                        let wc: Vec<char> = w.chars().collect();
                        edits += name_words
                            .iter()
                            .filter_map(|t| {
                                let tc: Vec<char> = t.chars().collect();
                                osa_distance(&wc, &tc, 2)
                            })
                            .min()
                            .unwrap_or(2);
                    }
                }
                score -= 3.0 * edits as f32;
                score += 2.0 * covers(q.words.iter().map(|w| w.chars().count()).sum());
            }
            _ => {}
        }
        hits.push(hit(row, matched_text, field, f.kind, score)?);
    }
    hits.sort_by(|a, b| {
        a.match_kind
            .cmp(&b.match_kind)
            .then(b.score.total_cmp(&a.score))
            .then(a.id.cmp(&b.id))
    });
    hits.truncate(limit as usize);
    Ok(SearchResponse {
        query: input.to_string(),
        hits,
        more,
    })
}

/// Customers with exactly this phone number (E.164, or as typed).
pub async fn by_phone(db: &Db, number: &str, limit: u32) -> Result<SearchResponse> {
    let mut conn = db.pool().acquire().await?;
    let c = exact_phone(&mut conn, number, limit).await?;
    let more = c.full();
    let ids: Vec<i64> = c.found.iter().map(|f| f.id).collect();
    let rows = rows_of::<CustomerRow>(&mut conn, CUSTOMER_ROWS, &ids).await?;
    let mut hits = Vec::new();
    for f in c.found {
        if let Some(row) = rows.iter().find(|r| r.0 == f.id) {
            let matched = Some(f.text.unwrap_or_default());
            hits.push(hit(
                row,
                matched,
                MatchField::Phone,
                MatchKind::Exact,
                f.score,
            )?);
        }
    }
    hits.sort_by_key(|h| h.id);
    hits.truncate(limit as usize);
    Ok(SearchResponse {
        query: number.to_string(),
        hits,
        more,
    })
}

/// The customers whose phone is exactly `number` (in any of its readings),
/// up to `limit` and one more to tell that there are more.
async fn exact_phone(conn: &mut Conn, number: &str, limit: u32) -> Result<Collector> {
    let mut c = Collector::new(limit as usize);
    let p = phone::read_query(number);
    phone_numbers(conn, &mut c, &p, PhoneMatch::Exact).await?;
    Ok(c)
}

/// The one customer whose phone is exactly `number`, if exactly one has
/// it: the screen pop's lookup, ids only (the call carries the name).
pub async fn only_phone_match(db: &Db, number: &str) -> Result<Option<i64>> {
    let mut conn = db.pool().acquire().await?;
    only_phone_match_on(&mut conn, number).await
}

/// [`only_phone_match`] on a connection taken beforehand: a write looks
/// its caller up on one taken before its transaction begins, so it never
/// waits for the pool while holding the write lock.
pub async fn only_phone_match_on(conn: &mut Conn, number: &str) -> Result<Option<i64>> {
    let c = exact_phone(conn, number, 1).await?;
    Ok(match (&c.found[..], c.full()) {
        ([one], false) => Some(one.id),
        _ => None,
    })
}

/// The FTS5 term for "a name word starting with `w`". Prefixes of up to
/// three characters have their own index. Longer ones are spelled out as the
/// few tokens they begin, when the vocabulary knows them: FTS5 merges the
/// whole posting lists of a long prefix before it can stop at the `LIMIT`,
/// while a list of tokens is read lazily.
fn prefix_term(db: &Db, w: &str) -> String {
    if w.chars().count() > 3
        && let Some(tokens) = db.vocab.completions(w, MAX_EXPANSION)
        && !tokens.is_empty()
    {
        let alts: Vec<String> = tokens.iter().map(|t| text::fts_quote(t)).collect();
        return format!("({})", alts.join(" OR "));
    }
    format!("{}*", text::fts_quote(w))
}

/// For each query word, None when it is a known token or the start of one,
/// else the tokens it may be a typo of. None overall when no word needs
/// correcting or some word has no candidate.
fn corrections(
    db: &Db,
    words: &[String],
    last_as_prefix: bool,
) -> Option<Vec<Option<Vec<String>>>> {
    let last = words.len().checked_sub(1)?;
    let mut any = false;
    let mut out = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        if db.vocab.knows_prefix(w) {
            out.push(None);
            continue;
        }
        let fixes = db
            .vocab
            .corrections(w, last_as_prefix && i == last, MAX_CORRECTIONS);
        if fixes.is_empty() {
            return None;
        }
        any = true;
        out.push(Some(fixes.into_iter().map(|f| f.token).collect()));
    }
    any.then_some(out)
}

fn found(id: i64, field: MatchField, kind: MatchKind, score: f32, text: Option<String>) -> Found {
    Found {
        id,
        field,
        kind,
        score,
        text,
    }
}

/// A hit from the customer's row; the matched text is the name unless given.
fn hit(
    row: &CustomerRow,
    matched_text: Option<String>,
    field: MatchField,
    kind: MatchKind,
    score: f32,
) -> Result<CustomerHit> {
    let (id, account_number, display_name, tier, city, country) = row;
    // A phone number or email is shown masked, as in the view, however
    // fully the query spelled it.
    let matched_text = match (field, matched_text) {
        (MatchField::Phone, Some(t)) => rapport_api::mask_phone(&t),
        (MatchField::Email, Some(t)) => rapport_api::mask_email(&t),
        (_, t) => t.unwrap_or_else(|| display_name.clone()),
    };
    Ok(CustomerHit {
        id: *id,
        account_number: account_number.clone(),
        matched_text,
        display_name: display_name.clone(),
        tier: rapport_api::Tier::decode(tier)?,
        locality: format!("{city}, {country}"),
        matched_field: field,
        match_kind: kind,
        score,
    })
}

/// The smallest string greater than every string starting with `prefix`.
fn upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// The ways a phone number is looked up, each through its own index.
#[derive(Debug, Clone, Copy)]
enum PhoneLookup {
    /// Full E.164 digits equal.
    Digits,
    /// National significant number equal.
    National,
    /// Full digits begin with the value.
    DigitsPrefix,
    /// National number begins with the value.
    NationalPrefix,
    /// Full digits end with the value (given reversed).
    Suffix,
}

impl PhoneLookup {
    fn sql(self) -> &'static str {
        match self {
            PhoneLookup::Digits => {
                "SELECT customer_id, e164 FROM customer_phones WHERE digits = ? \
                 ORDER BY customer_id LIMIT ?"
            }
            PhoneLookup::National => {
                "SELECT customer_id, e164 FROM customer_phones WHERE national = ? \
                 ORDER BY customer_id LIMIT ?"
            }
            PhoneLookup::DigitsPrefix => {
                "SELECT customer_id, e164 FROM customer_phones \
                 WHERE digits >= ? AND digits < ? ORDER BY digits LIMIT ?"
            }
            PhoneLookup::NationalPrefix => {
                "SELECT customer_id, e164 FROM customer_phones \
                 WHERE national >= ? AND national < ? ORDER BY national LIMIT ?"
            }
            PhoneLookup::Suffix => {
                "SELECT customer_id, e164 FROM customer_phones \
                 WHERE digits_rev >= ? AND digits_rev < ? ORDER BY digits_rev LIMIT ?"
            }
        }
    }

    fn is_range(self) -> bool {
        matches!(
            self,
            PhoneLookup::DigitsPrefix | PhoneLookup::NationalPrefix | PhoneLookup::Suffix
        )
    }
}

/// Whole numbers or their beginnings.
#[derive(Debug, Clone, Copy)]
enum PhoneMatch {
    Exact,
    Prefix,
}

/// Customers with a phone number that is (or begins with) one of the
/// readings of the query: full digits first, then the national number.
async fn phone_numbers(
    conn: &mut Conn,
    c: &mut Collector,
    p: &PhoneQuery,
    how: PhoneMatch,
) -> Result<()> {
    let (full, national, kind, score) = match how {
        PhoneMatch::Exact => (
            PhoneLookup::Digits,
            PhoneLookup::National,
            MatchKind::Exact,
            98.0,
        ),
        PhoneMatch::Prefix => (
            PhoneLookup::DigitsPrefix,
            PhoneLookup::NationalPrefix,
            MatchKind::Prefix,
            65.0,
        ),
    };
    let readings = p
        .full
        .iter()
        .map(|d| (full, d))
        .chain(p.national.iter().map(|n| (national, n)));
    for (lookup, value) in readings {
        phones(conn, c, lookup, value, kind, score).await?;
    }
    Ok(())
}

/// Customers with a phone found by `lookup` of `value`.
async fn phones(
    conn: &mut Conn,
    c: &mut Collector,
    lookup: PhoneLookup,
    value: &str,
    kind: MatchKind,
    score: f32,
) -> Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    let field = (MatchField::Phone, kind, score);
    if lookup.is_range() {
        let range = [value, &upper_bound(value)];
        matched_values(conn, c, lookup.sql(), &range, field).await
    } else {
        matched_values(conn, c, lookup.sql(), &[value], field).await
    }
}

/// Customers `sql` selects as (id, matched value), given `binds` and then
/// how many rows the collector still wants; each hit carries the value.
async fn matched_values(
    conn: &mut Conn,
    c: &mut Collector,
    sql: &'static str,
    binds: &[&str],
    (field, kind, score): (MatchField, MatchKind, f32),
) -> Result<()> {
    if c.full() {
        return Ok(());
    }
    let mut query = sqlx::query_as::<_, (i64, String)>(sql);
    for b in binds {
        query = query.bind(b.to_string());
    }
    let rows = query.bind(c.want()).fetch_all(&mut **conn).await?;
    for (id, value) in rows {
        c.add(found(id, field, kind, score, Some(value)));
    }
    Ok(())
}

/// Customers whose name words match an FTS5 expression.
async fn words_match(
    conn: &mut Conn,
    c: &mut Collector,
    expr: &str,
    kind: MatchKind,
    score: f32,
) -> Result<()> {
    const SQL: &str = "SELECT rowid FROM search_words WHERE search_words MATCH ? LIMIT ?";
    fts_match(conn, c, SQL, expr, MatchField::Name, kind, score).await
}

/// Customers whose name, phone digits or emails contain the text (trigram).
async fn trigram_match(
    conn: &mut Conn,
    c: &mut Collector,
    expr: &str,
    field: MatchField,
    score: f32,
) -> Result<()> {
    const SQL: &str = "SELECT rowid FROM search_trigram WHERE search_trigram MATCH ? LIMIT ?";
    fts_match(conn, c, SQL, expr, field, MatchKind::Substring, score).await
}

/// The customers (rowids) an FTS5 `sql` finds for `expr`, up to what the
/// collector still wants.
async fn fts_match(
    conn: &mut Conn,
    c: &mut Collector,
    sql: &'static str,
    expr: &str,
    field: MatchField,
    kind: MatchKind,
    score: f32,
) -> Result<()> {
    if c.full() {
        return Ok(());
    }
    let ids: Vec<i64> = sqlx::query_scalar(sql)
        .bind(expr.to_string())
        .bind(c.want())
        .fetch_all(&mut **conn)
        .await?;
    for id in ids {
        c.add(found(id, field, kind, score, None));
    }
    Ok(())
}

type CustomerRow = (i64, String, String, String, String, String);

/// The customers' rows a hit is made of, by id.
const CUSTOMER_ROWS: (&str, &str) = (
    "SELECT id, account_number, display_name, tier, city, country FROM customers WHERE id IN (",
    ")",
);
/// The customers' phone numbers: (customer, E.164, digits).
const PHONE_ROWS: (&str, &str) = (
    "SELECT customer_id, e164, digits FROM customer_phones WHERE customer_id IN (",
    ") ORDER BY customer_id, position",
);
/// The customers' emails: (customer, as written, folded).
const EMAIL_ROWS: (&str, &str) = (
    "SELECT customer_id, email, email_norm FROM customer_emails WHERE customer_id IN (",
    ") ORDER BY customer_id, position",
);

/// The rows `sql` (the text before and after the ids, as in
/// [`CUSTOMER_ROWS`]) selects for these customers.
async fn rows_of<R>(conn: &mut Conn, sql: (&str, &str), ids: &[i64]) -> Result<Vec<R>>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(sql.0);
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    qb.push(sql.1);
    Ok(qb.build_query_as().fetch_all(&mut **conn).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_account_numbers() {
        assert_eq!(
            read_account("acc-0012345"),
            (Some("ACC-0012345".into()), None)
        );
        assert_eq!(
            read_account("acc0012345"),
            (Some("ACC-0012345".into()), None)
        );
        assert_eq!(read_account("12345"), (Some("ACC-0012345".into()), None));
        assert_eq!(read_account("acc-001"), (None, Some("ACC-001".into())));
        assert_eq!(
            read_account("acc-12345"),
            (Some("ACC-0012345".into()), Some("ACC-12345".into()))
        );
        assert_eq!(read_account("acc-"), (None, Some("ACC-".into())));
        assert_eq!(read_account("accardi"), (None, None));
        assert_eq!(read_account("jane"), (None, None));
    }

    #[test]
    fn reads_queries() {
        let q = Query::read("  Jane OKA ");
        assert_eq!(q.words, vec!["jane", "oka"]);
        assert!(q.phone.is_none());
        let q = Query::read("+44 7700 900123");
        assert!(q.phone.is_some());
        let q = Query::read("Müller");
        assert_eq!(q.folded, "muller");
        let q = Query::read("jane.okafor@example.com");
        assert!(q.looks_like_email());
    }

    #[test]
    fn collector_stops_after_one_more_than_the_limit() {
        let mut c = Collector::new(2);
        assert_eq!(c.want(), 3);
        c.add(found(1, MatchField::Name, MatchKind::Exact, 1.0, None));
        c.add(found(1, MatchField::Name, MatchKind::Prefix, 1.0, None));
        assert_eq!(c.found.len(), 1);
        assert_eq!(c.want(), 3);
        c.add(found(2, MatchField::Name, MatchKind::Prefix, 1.0, None));
        c.add(found(3, MatchField::Name, MatchKind::Prefix, 1.0, None));
        assert!(c.full());
        c.add(found(4, MatchField::Name, MatchKind::Prefix, 1.0, None));
        assert_eq!(c.found.len(), 3);
    }

    #[test]
    fn upper_bound_sorts_after_every_extension() {
        let ub = upper_bound("jane");
        assert!("jane" < ub.as_str());
        assert!("jane.okafor@example.com" < ub.as_str());
        assert!("janf" > ub.as_str());
    }
}
