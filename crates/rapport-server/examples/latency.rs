//! Measure search and customer-view latency over an existing database, in
//! the library (server side) and over loopback HTTP (round trip).
//!
//! cargo run --release -p rapport-server --example latency -- sqlite://PATH [SAMPLES]
//!
//! Queries are derived from customers picked at random (fixed seed): name
//! prefixes as typed letter by letter, whole names, family names, one-letter
//! typos, phone numbers in several formats and parts, email parts, account
//! numbers.

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapport_api::{CustomerView, Role, SearchResponse};
use rapport_server::{Db, ServerConfig, agents, search, view};

fn percentiles(label: &str, mut d: Vec<Duration>) {
    d.sort();
    let p = |q: f64| d[((d.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    println!(
        "{label:<34} n={:<6} p50={:>7.3} ms  p90={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms",
        d.len(),
        p(0.5),
        p(0.9),
        p(0.99),
        p(1.0)
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "sqlite://rapport.db".into());
    let samples: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300);
    let db = Db::connect(&url).await?;
    let t = Instant::now();
    db.warm_up().await?;
    println!(
        "vocabulary loaded in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let max_id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM customers")
        .fetch_one(db.pool())
        .await?;
    let mut rng = ChaCha8Rng::seed_from_u64(99);

    // Build the query mix from real rows.
    let mut by_kind: Vec<(&str, Vec<String>)> = vec![
        ("typing a name (1-8 letters)", vec![]),
        ("full name", vec![]),
        ("family name", vec![]),
        ("typo in family name", vec![]),
        ("phone E.164 / national", vec![]),
        ("phone last 6 digits", vec![]),
        ("email part", vec![]),
        ("account number", vec![]),
    ];
    for _ in 0..samples {
        let id = rng.random_range(1..=max_id);
        let (display, family): (String, String) =
            sqlx::query_as("SELECT display_name, family_name FROM customers WHERE id = ?")
                .bind(id)
                .fetch_one(db.pool())
                .await?;
        let phone: Option<(String, String)> = sqlx::query_as(
            "SELECT e164, national FROM customer_phones WHERE customer_id = ? LIMIT 1",
        )
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
        let email: Option<String> =
            sqlx::query_scalar("SELECT email FROM customer_emails WHERE customer_id = ? LIMIT 1")
                .bind(id)
                .fetch_optional(db.pool())
                .await?;
        let chars: Vec<char> = display.chars().collect();
        let n = rng.random_range(1..=chars.len().clamp(1, 8));
        by_kind[0].1.push(chars[..n].iter().collect());
        by_kind[1].1.push(display.clone());
        by_kind[2].1.push(family.clone());
        let fam: Vec<char> = family.chars().collect();
        if fam.len() >= 5 {
            let k = rng.random_range(1..fam.len());
            let typo: String = fam[..k].iter().chain(&fam[k + 1..]).collect();
            by_kind[3].1.push(typo);
        }
        if let Some((e164, national)) = phone {
            by_kind[4].1.push(if rng.random_bool(0.5) {
                e164.clone()
            } else {
                format!("0{national}")
            });
            by_kind[5].1.push(e164[e164.len() - 6..].to_string());
        }
        if let Some(e) = email {
            let local = e.split('@').next().unwrap_or_default();
            let cut = local.len().min(rng.random_range(3..10));
            by_kind[6].1.push(local[..cut].to_string());
        }
        by_kind[7].1.push(format!("ACC-{id:07}"));
    }

    println!("\nserver side (library calls, one at a time):");
    let mut all = Vec::new();
    let mut worst: Vec<(Duration, String)> = Vec::new();
    for (label, qs) in &by_kind {
        let mut d = Vec::new();
        for q in qs {
            let t = Instant::now();
            let r = search::search(&db, q, 20).await?;
            let e = t.elapsed();
            std::hint::black_box(r);
            d.push(e);
            worst.push((e, q.clone()));
        }
        all.extend(d.iter().copied());
        percentiles(&format!("search: {label}"), d);
    }
    percentiles("search: all", all);
    worst.sort_by_key(|w| std::cmp::Reverse(w.0));
    let slowest: Vec<String> = worst
        .iter()
        .take(5)
        .map(|(d, q)| format!("{q:?} {:.1} ms", d.as_secs_f64() * 1000.0))
        .collect();
    println!("slowest searches: {}", slowest.join(", "));

    let as_of = chrono::Utc::now().date_naive();
    let mut d = Vec::new();
    for _ in 0..samples * 3 {
        let id = rng.random_range(1..=max_id);
        let t = Instant::now();
        let v = view::customer_view(&db, id, as_of, None).await?;
        d.push(t.elapsed());
        std::hint::black_box(v);
    }
    percentiles("customer view", d);

    // Round trips over loopback HTTP.
    let name = "Latency Probe";
    let agent = match agents::find_by_name(&db, name).await? {
        Some(a) => a,
        None => agents::create(&db, name, Role::Agent, None).await?,
    };
    let token = agents::replace_labelled_token(&db, agent.id, "latency-probe").await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let handle = rapport_server::serve(listener, db.clone(), ServerConfig::default()).await?;
    let http = reqwest::Client::new();
    println!("\nround trip over HTTP (one client, keep-alive):");
    let mut d = Vec::new();
    for (_, qs) in &by_kind {
        for q in qs {
            let url = reqwest::Url::parse_with_params(
                &format!("{}/v1/customers", handle.url()),
                &[("q", q.as_str())],
            )?;
            let t = Instant::now();
            let r: SearchResponse = http
                .get(url)
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            d.push(t.elapsed());
            std::hint::black_box(r);
        }
    }
    percentiles("search round trip", d);
    let mut d = Vec::new();
    for _ in 0..samples * 3 {
        let id = rng.random_range(1..=max_id);
        let t = Instant::now();
        let v: CustomerView = http
            .get(format!("{}/v1/customers/{id}/view", handle.url()))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        d.push(t.elapsed());
        std::hint::black_box(v);
    }
    percentiles("view round trip", d);

    // Several agents at once: each client runs the whole search mix.
    let clients = 8;
    let queries: Vec<String> = by_kind.iter().flat_map(|(_, qs)| qs.clone()).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..clients {
        let http = http.clone();
        let token = token.clone();
        let base = handle.url();
        let mut qs = queries.clone();
        qs.rotate_left(k * queries.len() / clients);
        tasks.push(tokio::spawn(async move {
            let mut d = Vec::with_capacity(qs.len());
            for q in qs {
                let url = reqwest::Url::parse_with_params(
                    &format!("{base}/v1/customers"),
                    &[("q", q.as_str())],
                )?;
                let t = Instant::now();
                let r: SearchResponse = http
                    .get(url)
                    .bearer_auth(&token)
                    .send()
                    .await?
                    .json()
                    .await?;
                d.push(t.elapsed());
                std::hint::black_box(r);
            }
            anyhow::Ok(d)
        }));
    }
    let mut d = Vec::new();
    for t in tasks {
        d.extend(t.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "\n{clients} concurrent clients: {:.0} searches/s",
        d.len() as f64 / secs
    );
    percentiles("search round trip under load", d);
    handle.shutdown().await;
    Ok(())
}
