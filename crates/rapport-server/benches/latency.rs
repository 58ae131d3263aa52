//! Latency benchmark: search and customer view, server side (the library call
//! a request handler makes) and client round trip (HTTP over loopback with a
//! keep-alive connection, JSON decoded into the wire types), then searches
//! from several concurrent clients.
//!
//! `cargo bench -p rapport-server --bench latency -- --database sqlite://PATH
//!  --label 10k [--samples 2000] [--as-of YYYY-MM-DD] [--token-file FILE]
//!  [--clients 8]`
//!
//! The database must exist and carry exactly this build's migrations: it is
//! opened with [`Db::connect_existing`], never created or migrated, so one
//! seeded file can serve several checkouts. With `--token-file` (a token of
//! an agent in that database) nothing is written to it; without, a token is
//! issued to an agent named "Benchmark".
//!
//! Prints one tab-separated line per figure: `figure  p50_ms  p99_ms  n
//! [note]`. Queries are drawn deterministically from the database itself,
//! in equal shares of the kinds in [`KINDS`]; each kind also gets a line of
//! its own (`search kind: …`), and the slowest searches go to stderr.

use std::time::Instant;

use rand::prelude::*;
use rand_chacha::ChaCha8Rng;
use rapport_api::{CustomerView, SearchResponse};
use rapport_server::{Db, ServerConfig, agents, search, view};

struct Args {
    database: String,
    label: String,
    samples: usize,
    as_of: chrono::NaiveDate,
    token_file: Option<String>,
    clients: usize,
}

fn args() -> Args {
    let mut database = None;
    let mut label = "db".to_string();
    let mut samples = 2000;
    let mut as_of = chrono::Utc::now().date_naive();
    let mut token_file = None;
    let mut clients = 8;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--database" => database = it.next(),
            "--label" => label = it.next().expect("--label VALUE"),
            "--samples" => samples = it.next().and_then(|s| s.parse().ok()).expect("--samples N"),
            "--as-of" => {
                as_of = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--as-of YYYY-MM-DD")
            }
            "--token-file" => token_file = it.next(),
            "--clients" => clients = it.next().and_then(|s| s.parse().ok()).expect("--clients N"),
            // cargo bench passes --bench; ignore anything else it adds.
            _ => {}
        }
    }
    Args {
        database: database.expect("--database sqlite://PATH is required"),
        label,
        samples,
        as_of,
        token_file,
        clients: clients.max(1),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(label: &str, figure: &str, mut ms: Vec<f64>, note: &str) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{figure} ({label})\t{:.3}\t{:.3}\t{}\t{note}",
        percentile(&ms, 50.0),
        percentile(&ms, 99.0),
        ms.len()
    );
}

/// The kinds of query in the mix, as an agent types them.
const KINDS: [&str; 9] = [
    "name as typed, 1-8 letters",
    "family name, first 3-6 letters",
    "given and family name",
    "family name",
    "family name with a letter dropped",
    "phone, E.164 or national",
    "phone, last 6 digits",
    "email, start of the address",
    "account number",
];

/// What a query is drawn from: one customer's row.
struct Customer {
    id: i64,
    display_name: String,
    given_name: String,
    family_name: String,
    phone: Option<(String, String)>,
    email: Option<String>,
    account_number: String,
}

async fn customer(db: &Db, id: i64) -> anyhow::Result<Option<Customer>> {
    let row: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT display_name, given_name, family_name, account_number FROM customers WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let Some((display_name, given_name, family_name, account_number)) = row else {
        return Ok(None);
    };
    let phone = sqlx::query_as(
        "SELECT e164, national FROM customer_phones WHERE customer_id = ? ORDER BY position LIMIT 1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let email = sqlx::query_scalar(
        "SELECT email FROM customer_emails WHERE customer_id = ? ORDER BY position LIMIT 1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(Some(Customer {
        id,
        display_name,
        given_name,
        family_name,
        phone,
        email,
        account_number,
    }))
}

fn first_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A query of `kind` (an index into [`KINDS`]) for this customer; a kind the
/// customer lacks data for (no phone, a short name) falls back to the
/// account number.
fn query_for(c: &Customer, kind: usize, rng: &mut ChaCha8Rng) -> String {
    let family: Vec<char> = c.family_name.chars().collect();
    let q = match kind {
        0 => {
            let n = rng.random_range(1..=c.display_name.chars().count().clamp(1, 8));
            Some(first_chars(&c.display_name, n))
        }
        1 => Some(first_chars(&c.family_name, rng.random_range(3..=6))),
        2 => Some(format!("{} {}", c.given_name, c.family_name)),
        3 => Some(c.family_name.clone()),
        4 => (family.len() >= 5).then(|| {
            let i = rng.random_range(1..family.len() - 1);
            family[..i].iter().chain(&family[i + 1..]).collect()
        }),
        5 => c.phone.as_ref().map(|(e164, national)| {
            if rng.random_bool(0.5) {
                e164.clone()
            } else {
                format!("0{national}")
            }
        }),
        6 => c
            .phone
            .as_ref()
            .map(|(e164, _)| e164[e164.len().saturating_sub(6)..].to_string()),
        7 => c.email.as_ref().map(|e| {
            let local = e.split('@').next().unwrap_or(e);
            first_chars(local, rng.random_range(3..10))
        }),
        _ => None,
    };
    q.unwrap_or_else(|| c.account_number.clone())
}

/// A token to call the HTTP API with: read from `file`, or issued to the
/// "Benchmark" agent (the only write this benchmark can make).
async fn token(db: &Db, file: Option<&str>) -> anyhow::Result<String> {
    if let Some(file) = file {
        let token = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read the token file {file}: {e}"))?
            .trim()
            .to_string();
        anyhow::ensure!(
            agents::authenticate(db, &token).await?.is_some(),
            "the token in {file} is not valid for this database"
        );
        return Ok(token);
    }
    let agent = match agents::find_by_name(db, "Benchmark").await? {
        Some(agent) => agent,
        None => agents::create(db, "Benchmark", rapport_api::Role::Agent, None).await?,
    };
    agents::replace_labelled_token(db, agent.id, "benchmark").await
}

async fn search_round_trip(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    q: &str,
) -> anyhow::Result<f64> {
    let t = Instant::now();
    let r: SearchResponse = http
        .get(format!("{base}/v1/customers"))
        .query(&[("q", q), ("limit", "20")])
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    std::hint::black_box(r);
    Ok(ms)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let a = args();
    let db = Db::connect_existing(&a.database).await?;
    let t = Instant::now();
    db.warm_up().await?;
    let vocabulary_ms = t.elapsed().as_secs_f64() * 1e3;
    let max_id: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM customers")
        .fetch_one(db.pool())
        .await?;
    let Some(max_id) = max_id else {
        anyhow::bail!(
            "{} holds no customers: seed it first (rapport-server seed --database ...)",
            a.database
        );
    };
    let mut rng = ChaCha8Rng::seed_from_u64(2024);

    // Draw the customers and queries first, so timing covers only the calls.
    let mut ids = Vec::with_capacity(a.samples);
    let mut queries = Vec::with_capacity(a.samples);
    while ids.len() < a.samples {
        let id = rng.random_range(1..=max_id);
        if let Some(c) = customer(&db, id).await? {
            let kind = ids.len() % KINDS.len();
            queries.push((kind, query_for(&c, kind, &mut rng)));
            ids.push(c.id);
        }
    }

    // Warm the page cache the way a running server would be warm.
    for ((_, q), id) in queries.iter().zip(&ids).take(200) {
        let _ = search::search(&db, q, 20).await?;
        let _ = view::customer_view(&db, *id, a.as_of, None).await?;
    }

    let mut search_ms = Vec::with_capacity(a.samples);
    let mut by_kind: Vec<Vec<f64>> = vec![Vec::new(); KINDS.len()];
    let mut slowest: Vec<(f64, &str)> = Vec::with_capacity(a.samples);
    let mut empty = 0usize;
    for (kind, q) in &queries {
        let t = Instant::now();
        let r = search::search(&db, q, 20).await?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        search_ms.push(ms);
        by_kind[*kind].push(ms);
        slowest.push((ms, q));
        if r.hits.is_empty() {
            empty += 1;
        }
    }
    let none = format!(
        "{:.1} % without hits",
        100.0 * empty as f64 / queries.len() as f64
    );
    report(&a.label, "search, server side", search_ms, &none);
    for (kind, ms) in KINDS.iter().zip(by_kind) {
        report(&a.label, &format!("search kind: {kind}"), ms, "");
    }
    slowest.sort_by(|x, y| y.0.total_cmp(&x.0));
    let worst: Vec<String> = slowest
        .iter()
        .take(8)
        .map(|(ms, q)| format!("{q:?} {ms:.1} ms"))
        .collect();
    eprintln!("{}: slowest searches: {}", a.label, worst.join(", "));

    let mut view_ms = Vec::with_capacity(a.samples);
    for id in &ids {
        let t = Instant::now();
        let _ = view::customer_view(&db, *id, a.as_of, None).await?;
        view_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report(&a.label, "customer view, server side", view_ms, "");
    report(
        &a.label,
        "search vocabulary load at start",
        vec![vocabulary_ms],
        &format!("{} name tokens", name_tokens(&db).await?),
    );

    // Client round trip: the same calls over HTTP on loopback.
    let token = token(&db, a.token_file.as_deref()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let cfg = ServerConfig {
        as_of: Some(a.as_of),
        ..ServerConfig::default()
    };
    let handle = rapport_server::serve(listener, db.clone(), cfg).await?;
    let base = handle.url();
    let http = reqwest::Client::builder().build()?;

    let mut rt_search = Vec::with_capacity(a.samples);
    for (_, q) in &queries {
        rt_search.push(search_round_trip(&http, &base, &token, q).await?);
    }
    report(&a.label, "search, client round trip", rt_search, "");

    let mut rt_view = Vec::with_capacity(a.samples);
    for id in &ids {
        let t = Instant::now();
        let r: CustomerView = http
            .get(format!("{base}/v1/customers/{id}/view"))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        rt_view.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(r);
    }
    report(&a.label, "customer view, client round trip", rt_view, "");

    // Several agents at once: each client runs the whole search mix, starting
    // at a different place in it.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..a.clients {
        let (http, token, base) = (http.clone(), token.clone(), base.clone());
        let mut qs: Vec<String> = queries.iter().map(|(_, q)| q.clone()).collect();
        let start = k * qs.len() / a.clients;
        qs.rotate_left(start);
        tasks.push(tokio::spawn(async move {
            let mut ms = Vec::with_capacity(qs.len());
            for q in &qs {
                ms.push(search_round_trip(&http, &base, &token, q).await?);
            }
            anyhow::Ok(ms)
        }));
    }
    let mut concurrent = Vec::new();
    for t in tasks {
        concurrent.extend(t.await??);
    }
    let rate = concurrent.len() as f64 / started.elapsed().as_secs_f64();
    report(
        &a.label,
        &format!("search, {} concurrent clients, round trip", a.clients),
        concurrent,
        &format!("{rate:.0} searches/s"),
    );
    handle.shutdown().await;
    // Closing the last connection removes the (empty) WAL beside the file.
    db.close().await;
    Ok(())
}

/// Distinct name tokens: what the vocabulary load reads.
async fn name_tokens(db: &Db) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM name_tokens")
        .fetch_one(db.pool())
        .await?)
}
