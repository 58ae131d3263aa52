//! Analytics benchmark: copy a seeded database, migrate the copy and run
//! the full refresh on it (timed, with the process's peak memory), then
//! one-customer updates and customer views with their figures, the churn
//! score's ROC AUC against the demo generator's decliners, and (with
//! `--import-lines`) importing a generated CSV of that many transaction
//! lines into a fresh database.
//!
//! `cargo bench -p rapport-server --bench analytics -- --source PATH
//!  --copy PATH --label 1m [--as-of YYYY-MM-DD] [--samples 2000]
//!  [--import-lines 10000000 --import-dir DIR]`
//!
//! The source is only read (copied); the copy is left migrated and
//! refreshed, for the other benchmarks to open with `connect_existing`.
//! Prints one tab-separated line per figure: `figure  p50  p99  n [note]`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use rand::prelude::*;
use rand_chacha::ChaCha8Rng;
use rapport_server::analytics::Settings;
use rapport_server::analytics::auc::roc_auc;
use rapport_server::analytics::live::Analytics;
use rapport_server::import::{self, Kind, Options};
use rapport_server::{Db, view};

struct Args {
    source: PathBuf,
    copy: PathBuf,
    label: String,
    as_of: chrono::NaiveDate,
    samples: usize,
    import_lines: u64,
    import_dir: Option<PathBuf>,
}

fn args() -> Args {
    let mut source = None;
    let mut copy = None;
    let mut label = "db".to_string();
    let mut as_of = chrono::Utc::now().date_naive();
    let mut samples = 2000;
    let mut import_lines = 0;
    let mut import_dir = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--source" => source = it.next().map(PathBuf::from),
            "--copy" => copy = it.next().map(PathBuf::from),
            "--label" => label = it.next().expect("--label VALUE"),
            "--as-of" => {
                as_of = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--as-of YYYY-MM-DD")
            }
            "--samples" => samples = it.next().and_then(|s| s.parse().ok()).expect("--samples N"),
            "--import-lines" => {
                import_lines = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--import-lines N")
            }
            "--import-dir" => import_dir = it.next().map(PathBuf::from),
            _ => {}
        }
    }
    Args {
        source: source.expect("--source PATH is required"),
        copy: copy.expect("--copy PATH is required"),
        label,
        as_of,
        samples,
        import_lines,
        import_dir,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn line(figure: &str, p50: f64, p99: f64, n: usize, note: &str) {
    println!("{figure}\t{p50:.3}\t{p99:.3}\t{n}\t{note}");
}

fn report(figure: &str, mut ms: Vec<f64>, note: &str) {
    ms.sort_by(f64::total_cmp);
    line(
        figure,
        percentile(&ms, 50.0),
        percentile(&ms, 99.0),
        ms.len(),
        note,
    );
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Anonymous (heap) memory now, in MiB: the peak above includes pages of
/// the memory-mapped database file, which the kernel can reclaim.
fn anon_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("RssAnon:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Write what was just copied or generated to the disk before a timed
/// step, so the step does not share the disk with that write-back.
fn flush_to_disk() {
    let t = Instant::now();
    match std::process::Command::new("sync").status() {
        Ok(s) if s.success() => eprintln!("flushed to disk in {:.1} s", t.elapsed().as_secs_f64()),
        other => {
            eprintln!("warning: sync did not run ({other:?}); write-back may overlap the next step")
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let a = args();
    let l = &a.label;
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", a.copy.display()));
    }
    let t = Instant::now();
    std::fs::copy(&a.source, &a.copy)?;
    let copy_s = t.elapsed().as_secs_f64();
    flush_to_disk();
    let url = format!("sqlite://{}", a.copy.display());
    let t = Instant::now();
    let db = Db::connect(&url).await?;
    let migrate_s = t.elapsed().as_secs_f64();
    eprintln!("copied in {copy_s:.1} s, migrated in {migrate_s:.1} s");
    line(
        &format!("analytics migration of a copy, s ({l})"),
        migrate_s,
        migrate_s,
        1,
        &format!("copy {copy_s:.0} s"),
    );

    let analytics = Analytics::new(db.clone(), Settings::default(), Some(a.as_of));
    let t = Instant::now();
    let r = analytics.refresh().await?;
    let refresh_s = t.elapsed().as_secs_f64();
    let peak = peak_mib();
    let anon = anon_mib();
    line(
        &format!("analytics refresh, s ({l})"),
        refresh_s,
        refresh_s,
        1,
        &format!(
            "{} customers, {} orders, {} lines; read {:.1} s, compute {:.1} s, write {:.1} s; {} rules, {} suggestions",
            r.customers,
            r.orders,
            r.lines,
            r.read_secs,
            r.compute_secs,
            r.write_secs,
            r.rules_active,
            r.suggestions
        ),
    );
    line(
        &format!("BG/NBD and Gamma-Gamma fit, s ({l})"),
        r.fit_secs,
        r.fit_secs,
        1,
        &format!(
            "{} customers with a purchase compressed to {} distinct (x, t_x, T); part of the refresh's compute",
            r.with_purchase, r.fit_rows
        ),
    );
    line(
        &format!("analytics refresh peak memory, MiB ({l})"),
        anon,
        peak,
        1,
        "p50 column: heap after the refresh; p99 column: VmHWM, including mapped database pages",
    );

    // Customers drawn deterministically.
    let max: i64 = sqlx::query_scalar("SELECT MAX(id) FROM customers")
        .fetch_one(db.pool())
        .await?;
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let ids: Vec<i64> = (0..a.samples).map(|_| rng.random_range(1..=max)).collect();
    // Warm the page cache as the server's would be.
    for id in ids.iter().take(200) {
        analytics.update_customer(*id).await?;
    }
    let mut ms = Vec::with_capacity(ids.len());
    for id in &ids {
        let t = Instant::now();
        analytics.update_customer(*id).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report(
        &format!("analytics one-customer update, ms ({l})"),
        ms,
        "read the customer's data, compute against the model, write figures and suggestions",
    );
    let mut ms = Vec::with_capacity(ids.len());
    let mut with = 0;
    for id in &ids {
        let t = Instant::now();
        let v = view::customer_view(&db, *id, a.as_of, None).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        with += usize::from(v.analytics.is_some());
    }
    report(
        &format!("customer view with analytics, server side ({l})"),
        ms,
        &format!("{with} of {} with figures", ids.len()),
    );

    let scored: Vec<(i64, bool)> = sqlx::query_as(
        "SELECT a.churn_score, c.declining FROM customer_analytics a \
         JOIN customers c ON c.id = a.customer_id",
    )
    .fetch_all(db.pool())
    .await?;
    let decliners = scored.iter().filter(|s| s.1).count();
    let auc = roc_auc(scored.iter().map(|(s, d)| (*s as f64, *d)).collect()).unwrap_or(f64::NAN);
    line(
        &format!("churn score ROC AUC against the generator's decliners ({l})"),
        auc,
        auc,
        scored.len(),
        &format!("{decliners} decliners"),
    );
    db.close().await;

    if a.import_lines > 0 {
        let dir = a.import_dir.clone().unwrap_or_else(std::env::temp_dir);
        import_bench(&dir, a.import_lines, l).await?;
    }
    Ok(())
}

/// Generate a customers file and `lines` transaction lines, import both
/// into a fresh database, and time each.
async fn import_bench(dir: &std::path::Path, lines: u64, l: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let customers = (lines / 50).max(10);
    let cpath = dir.join("bench-customers.csv");
    let tpath = dir.join("bench-transactions.csv");
    let t = Instant::now();
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&cpath)?);
        writeln!(w, "customer_id,name,email,country,currency,consent_email")?;
        for c in 0..customers {
            writeln!(w, "C{c},Customer {c},c{c}@example.org,GB,GBP,{}", c % 2)?;
        }
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tpath)?);
        writeln!(
            w,
            "customer_id,date,amount,order_id,product,category,quantity"
        )?;
        let cats = [
            "Handsets",
            "Cases",
            "Chargers",
            "Audio",
            "Roaming packs",
            "Travel insurance",
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut n = 0u64;
        let mut order = 0u64;
        while n < lines {
            order += 1;
            let c = rng.random_range(0..customers);
            let day = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()
                + chrono::Duration::days(rng.random_range(0..1400));
            let k = rng.random_range(1..=3u64).min(lines - n);
            for _ in 0..k {
                let cat = cats[rng.random_range(0..cats.len())];
                let p = rng.random_range(0..4);
                let pence = rng.random_range(199..49_999);
                writeln!(
                    w,
                    "C{c},{},{}.{:02},O{order},{}-{p},{cat},1",
                    day.format("%Y%m%d"),
                    pence / 100,
                    pence % 100,
                    &cat[..3].to_uppercase()
                )?;
                n += 1;
            }
        }
    }
    flush_to_disk();
    let size = std::fs::metadata(&tpath)?.len();
    eprintln!(
        "generated {customers} customers and {lines} lines ({:.0} MB) in {:.1} s",
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let dbpath = dir.join("bench-import.sqlite");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", dbpath.display()));
    }
    let db = Db::connect_path(&dbpath).await?;
    let t = Instant::now();
    let out = import::import(
        &db,
        Kind::Customers,
        &cpath,
        &Options::default(),
        &|_, _| {},
    )
    .await?;
    let cs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.committed,
        "the customers did not import: {:?}",
        out.bad.first()
    );
    line(
        &format!("import customers, s ({l})"),
        cs,
        cs,
        out.stored as usize,
        "customers from CSV, search index included",
    );
    let t = Instant::now();
    let out = import::import(
        &db,
        Kind::Transactions,
        &tpath,
        &Options::default(),
        &|_, _| {},
    )
    .await?;
    let ts = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.committed,
        "the transactions did not import: {:?}",
        out.bad.first()
    );
    line(
        &format!("import {} transaction lines, s ({l})", out.rows),
        ts,
        ts,
        out.stored as usize,
        &format!(
            "{:.0} MB of CSV, {:.0} lines/s, one transaction",
            size as f64 / 1e6,
            out.rows as f64 / ts
        ),
    );
    db.close().await;
    for p in [&cpath, &tpath] {
        let _ = std::fs::remove_file(p);
    }
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", dbpath.display()));
    }
    Ok(())
}
