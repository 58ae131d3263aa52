//! Latency benchmark: search and customer view, server side (the library call
//! a request handler makes) and client round trip (HTTP over loopback with a
//! keep-alive connection, JSON decoded into the wire types).
//!
//! `cargo bench -p rapport-server --bench latency -- --database sqlite://PATH
//!  --label 10k [--samples 2000] [--as-of YYYY-MM-DD]`
//!
//! Prints one tab-separated line per figure: `figure  p50_ms  p99_ms  n`.
//! Queries are drawn deterministically from the database itself: name
//! prefixes, full names, typos, phone digits in national format, email local
//! parts and account numbers, in equal shares.

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
}

fn args() -> Args {
    let mut database = None;
    let mut label = "db".to_string();
    let mut samples = 2000;
    let mut as_of = chrono::Utc::now().date_naive();
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
            // cargo bench passes --bench; ignore anything else it adds.
            _ => {}
        }
    }
    Args {
        database: database.expect("--database sqlite://PATH is required"),
        label,
        samples,
        as_of,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(label: &str, figure: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{figure} ({label})\t{:.3}\t{:.3}\t{}",
        percentile(&ms, 50.0),
        percentile(&ms, 99.0),
        ms.len()
    );
}

/// A query an agent might type for this customer.
fn query_for(v: &CustomerView, kind: usize, rng: &mut ChaCha8Rng) -> String {
    let p = &v.profile;
    match kind % 6 {
        0 => p
            .family_name
            .chars()
            .take(rng.random_range(3..=6))
            .collect(),
        1 => format!("{} {}", p.given_name, p.family_name),
        2 => {
            // One typo: drop a character from the middle of the family name.
            let chars: Vec<char> = p.family_name.chars().collect();
            if chars.len() >= 5 {
                let i = rng.random_range(1..chars.len() - 1);
                chars
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, c)| c)
                    .collect()
            } else {
                p.family_name.clone()
            }
        }
        3 => match p.phones.first() {
            // National format: trunk 0 plus the last nine digits.
            Some(ph) => {
                let digits: String = ph.e164.chars().filter(|c| c.is_ascii_digit()).collect();
                format!("0{}", &digits[digits.len().saturating_sub(9)..])
            }
            None => p.account_number.clone(),
        },
        4 => match p.emails.first() {
            Some(e) => e.split('@').next().unwrap_or(e).to_string(),
            None => p.family_name.clone(),
        },
        _ => p.account_number.clone(),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let a = args();
    let db = Db::connect(&a.database).await?;
    db.warm_up().await?;
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
        if let Ok(v) = view::customer_view(&db, id, a.as_of, None).await {
            queries.push(query_for(&v, ids.len(), &mut rng));
            ids.push(id);
        }
    }

    // Warm the page cache the way a running server would be warm.
    for (q, id) in queries.iter().zip(&ids).take(200) {
        let _ = search::search(&db, q, 20).await?;
        let _ = view::customer_view(&db, *id, a.as_of, None).await?;
    }

    let mut search_ms = Vec::with_capacity(a.samples);
    let mut empty = 0usize;
    for q in &queries {
        let t = Instant::now();
        let r = search::search(&db, q, 20).await?;
        search_ms.push(t.elapsed().as_secs_f64() * 1e3);
        if r.hits.is_empty() {
            empty += 1;
        }
    }
    report(&a.label, "search, server side", search_ms);

    let mut view_ms = Vec::with_capacity(a.samples);
    for id in &ids {
        let t = Instant::now();
        let _ = view::customer_view(&db, *id, a.as_of, None).await?;
        view_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report(&a.label, "customer view, server side", view_ms);

    // Client round trip: the same calls over HTTP on loopback.
    let (agent, token) = match agents::find_by_name(&db, "Benchmark").await? {
        Some(agent) => {
            let token = agents::issue_token(&db, agent.id).await?;
            (agent, token)
        }
        None => agents::add(&db, "Benchmark", rapport_api::Role::Agent, None).await?,
    };
    let _ = agent;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let cfg = ServerConfig {
        as_of: Some(a.as_of),
    };
    let handle = rapport_server::serve(listener, db.clone(), cfg).await?;
    let base = handle.url();
    let http = reqwest::Client::builder().build()?;

    let mut rt_search = Vec::with_capacity(a.samples);
    for q in &queries {
        let t = Instant::now();
        let r: SearchResponse = http
            .get(format!("{base}/v1/customers"))
            .query(&[("q", q.as_str()), ("limit", "20")])
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        rt_search.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(r);
    }
    report(&a.label, "search, client round trip", rt_search);

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
    report(&a.label, "customer view, client round trip", rt_view);
    eprintln!(
        "{}: {} queries, {} without hits ({:.1} %)",
        a.label,
        queries.len(),
        empty,
        100.0 * empty as f64 / queries.len() as f64
    );
    handle.shutdown().await;
    Ok(())
}
