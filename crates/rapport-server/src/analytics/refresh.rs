//! The refresh job: every customer's figures recomputed from one snapshot
//! of the data, with the population model (score boundaries, retention per
//! segment, deciles, rules, margins, NPS by segment and team) they are
//! scored against.
//!
//! The data is read one pass per table, on two connections at once
//! (customers, orders and lines on one; contacts, complaints and survey
//! answers on the other), each in one read transaction. Figures are
//! computed on a blocking thread and written by customer-id range in short
//! write transactions while the next range is computed, so agents' writes
//! are never held up for long. A customer whose figures a one-customer
//! update rewrote after the refresh started keeps those (and any change
//! made meanwhile triggers such an update).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt;
use rapport_api::{CustomerAnalytics, NpsBreakdown, Segment, SegmentStats, SuggestionKind};
use sqlx::Connection;

use super::compute::{self, CrossSell, Model, Raw, UpSell};
use super::facts::{self, Catalogue, Facts, day_start, window_start};
use super::nps::Tally;
use super::rfm::Thresholds;
use super::rules::{self, Counts};
use super::settings::Settings;
use super::store::{self, RuleRow};
use super::value::Deciles;
use crate::Db;
use crate::error::{Error, Result};

/// Customers per write transaction.
const CHUNK: usize = 5000;

/// What a refresh did, for the command line and the benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub run_id: i64,
    pub customers: i64,
    pub with_purchase: i64,
    pub orders: i64,
    pub lines: i64,
    pub rules_active: usize,
    pub suggestions: i64,
    /// Seconds fitting BG/NBD and Gamma-Gamma (part of compute), and the
    /// distinct (x, t_x, T) rows the BG/NBD fit ran on.
    pub fit_secs: f64,
    pub fit_rows: u64,
    pub read_secs: f64,
    pub compute_secs: f64,
    pub write_secs: f64,
    pub total_secs: f64,
}

/// Recompute every customer's figures as of `as_of`.
pub async fn refresh(db: &Db, s: &Settings, as_of: NaiveDate) -> Result<(Model, Report)> {
    let t0 = Instant::now();
    let started = Utc::now();
    let since_ms = started.timestamp_millis();
    let run_id = {
        let mut w = db.write().await?;
        let id = store::begin_run(&mut w, as_of, started).await?;
        w.commit().await?;
        id
    };

    // Contacts, complaints and answers on a second connection, meanwhile
    // (in this task, so stopping the refresh stops both reads).
    let side = async {
        let mut conn = db.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        let side = facts::load_side(&mut tx, as_of).await?;
        let answers = nps_answers(&mut tx, as_of, s.nps_window_days).await?;
        tx.commit().await?;
        Ok::<_, Error>((side, answers))
    };
    let main = async {
        let mut conn = db.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        let cat = Catalogue::load(&mut tx, &[]).await?;
        let orders = facts::load_orders(&mut tx, &cat, as_of, s.default_margin).await?;
        tx.commit().await?;
        Ok::<_, Error>((cat, orders))
    };
    let (side, main) = tokio::join!(side, main);
    let (side, answers) = side?;
    let (cat, mut all) = main?;
    facts::add_side(&mut all, side, as_of);
    let read_secs = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let cat = Arc::new(cat);
    let settings = s.clone();
    let cat2 = Arc::clone(&cat);
    let (all, raws, pop) = tokio::task::spawn_blocking(move || {
        let raws: Vec<Raw> = all.iter().map(|f| compute::raw(f, as_of)).collect();
        let pop = population(&all, &raws, &cat2, &settings, as_of);
        (all, raws, pop)
    })
    .await
    .map_err(|e| Error::Corrupt(format!("the analytics computation stopped: {e}")))?;

    // Rules keep their ids from one refresh to the next.
    let ids = {
        let mut w = db.write().await?;
        let ids = store::upsert_rules(&mut w, &pop.rules, started).await?;
        w.commit().await?;
        ids
    };
    let mut model = pop.model;
    for (m, (row, id)) in pop.rule_index.iter().zip(pop.rules.iter().zip(&ids)) {
        if !row.active {
            continue;
        }
        match m {
            RuleRef::Cross(a, b) => model.cross_sell.push(CrossSell {
                id: *id,
                antecedent: *a,
                consequent: *b,
                support: row.support,
                confidence: row.confidence,
                lift: row.lift,
            }),
            RuleRef::Up {
                line,
                from_tier,
                product,
                name,
            } => model.up_sell.push(UpSell {
                id: *id,
                line: line.clone(),
                from_tier: *from_tier,
                to_product: *product,
                to_name: name.clone(),
                support: row.support,
                confidence: row.confidence,
                lift: row.lift,
            }),
        }
    }
    model.run_id = run_id;
    model.nps = nps_breakdown(&answers, &all, &raws, &model, as_of, s.nps_window_days);
    let rules_active = model.cross_sell.len() + model.up_sell.len();
    let compute_secs_model = t1.elapsed().as_secs_f64();

    // Figures by id range: computed on a blocking thread, written here.
    let t2 = Instant::now();
    let model = Arc::new(model);
    let (tx_rows, mut rx_rows) = tokio::sync::mpsc::channel::<Vec<CustomerAnalytics>>(2);
    let producer = {
        let model = Arc::clone(&model);
        let cat = Arc::clone(&cat);
        let s = s.clone();
        tokio::task::spawn_blocking(move || {
            for (facts, raws) in all.chunks(CHUNK).zip(raws.chunks(CHUNK)) {
                let rows: Vec<CustomerAnalytics> = facts
                    .iter()
                    .zip(raws)
                    .map(|(f, r)| compute::figures(f, r, &cat, &model, &s, as_of, started))
                    .collect();
                if tx_rows.blocking_send(rows).is_err() {
                    return;
                }
            }
        })
    };
    let mut suggestions = 0i64;
    let mut first = true;
    let mut write_secs = 0.0;
    // Derived figures that a rerun recomputes: commits need not wait for
    // the disk (as when seeding), on this connection only.
    let mut w = db.pool().acquire().await?;
    sqlx::query("PRAGMA synchronous = NORMAL")
        .execute(&mut *w)
        .await?;
    while let Some(rows) = rx_rows.recv().await {
        let tw = Instant::now();
        let Some((from, to)) = rows
            .first()
            .zip(rows.last())
            .map(|(a, b)| (a.customer_id, b.customer_id))
        else {
            continue;
        };
        // The first range reaches down to every id below it, the rows of
        // customers who no longer exist go with it.
        let from = if first { i64::MIN } else { from };
        first = false;
        suggestions += rows.iter().map(|a| a.suggestions.len() as i64).sum::<i64>();
        let mut tx = w.begin_with("BEGIN IMMEDIATE").await?;
        store::replace_range(&mut tx, &rows, from, to, since_ms).await?;
        tx.commit().await?;
        write_secs += tw.elapsed().as_secs_f64();
    }
    sqlx::query("PRAGMA synchronous = FULL")
        .execute(&mut *w)
        .await?;
    drop(w);
    producer
        .await
        .map_err(|e| Error::Corrupt(format!("the analytics computation stopped: {e}")))?;
    let compute_secs = compute_secs_model + (t2.elapsed().as_secs_f64() - write_secs);

    let mut model = Arc::try_unwrap(model).unwrap_or_else(|m| (*m).clone());
    model.finished_at = Utc::now();
    {
        let mut w = db.write().await?;
        finish(&mut w, &model).await?;
        w.commit().await?;
    }
    let report = Report {
        run_id,
        customers: model.customers,
        with_purchase: pop.with_purchase,
        orders: pop.orders,
        lines: pop.lines,
        rules_active,
        suggestions,
        fit_secs: pop.fit_secs,
        fit_rows: pop.fit_rows,
        read_secs,
        compute_secs,
        write_secs,
        total_secs: t0.elapsed().as_secs_f64(),
    };
    Ok((model, report))
}

async fn finish(conn: &mut sqlx::SqliteConnection, model: &Model) -> Result<()> {
    store::finish_run(conn, model).await?;
    // Suggestions of rules that no longer pass are gone with the rows
    // rewritten above; a rule's results stay with it.
    Ok(())
}

/// A rule as the population found it, before it has an id.
enum RuleRef {
    Cross(usize, usize),
    Up {
        line: String,
        from_tier: i64,
        product: i64,
        name: String,
    },
}

struct Population {
    model: Model,
    rules: Vec<RuleRow>,
    rule_index: Vec<RuleRef>,
    with_purchase: i64,
    orders: i64,
    lines: i64,
    fit_secs: f64,
    fit_rows: u64,
}

/// Retention per segment, estimated outside the window that defines the
/// segment: everyone is scored as of one period (365 days) before
/// `as_of`, from the data up to then, by the same rules (their own
/// thresholds then); of the members of each segment then, how many bought
/// in the 365 days that followed, to `as_of`. Segment → (members then,
/// of them who bought since).
pub fn retention_then(
    all: &[Facts],
    raws_now: &[Raw],
    s: &Settings,
    as_of: NaiveDate,
) -> HashMap<Segment, (i64, i64)> {
    let then = window_start(as_of, 365);
    let raws: Vec<(&Facts, Raw, bool)> = all
        .iter()
        .zip(raws_now)
        .map(|(f, now)| (f, compute::raw(f, then), now.bought_latest))
        .filter(|(_, r, _)| r.has_purchase)
        .collect();
    let mut spend: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (f, r, _) in raws.iter().filter(|(_, r, _)| compute::active(r)) {
        spend
            .entry(f.currency.clone())
            .or_default()
            .push(r.spend_365);
    }
    let model = Model {
        recency: Thresholds::of(
            raws.iter()
                .map(|(_, r, _)| -r.days_since_last.unwrap_or(0))
                .collect(),
        ),
        frequency: Thresholds::of(
            raws.iter()
                .filter(|(_, r, _)| compute::active(r))
                .map(|(_, r, _)| r.orders_365)
                .collect(),
        ),
        monetary: spend
            .into_iter()
            .map(|(c, v)| (c, Thresholds::of(v)))
            .collect(),
        ..Model::empty(then, s)
    };
    let mut out: HashMap<Segment, (i64, i64)> = HashMap::new();
    for (f, r, bought_since) in &raws {
        if let Some((_, _, _, segment)) = compute::scores(r, &f.currency, &model) {
            let e = out.entry(segment).or_default();
            e.0 += 1;
            e.1 += i64::from(*bought_since);
        }
    }
    out
}

/// The population model (without rule ids and NPS, filled in after).
fn population(
    all: &[Facts],
    raws: &[Raw],
    cat: &Catalogue,
    s: &Settings,
    as_of: NaiveDate,
) -> Population {
    let buyers: Vec<(&Facts, &Raw)> = all
        .iter()
        .zip(raws)
        .filter(|(_, r)| r.has_purchase)
        .collect();
    let recency = Thresholds::of(
        buyers
            .iter()
            .map(|(_, r)| -r.days_since_last.unwrap_or(0))
            .collect(),
    );
    // Frequency and monetary over the active customers only (a purchase
    // day in the last 365 days); deciles over everyone who ever bought.
    let frequency = Thresholds::of(
        buyers
            .iter()
            .filter(|(_, r)| compute::active(r))
            .map(|(_, r)| r.orders_365)
            .collect(),
    );
    let mut spend_by_currency: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut profit_by_currency: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (f, r) in &buyers {
        profit_by_currency
            .entry(f.currency.clone())
            .or_default()
            .push(r.profit_365);
        if compute::active(r) {
            spend_by_currency
                .entry(f.currency.clone())
                .or_default()
                .push(r.spend_365);
        }
    }
    let monetary: BTreeMap<String, Thresholds> = spend_by_currency
        .into_iter()
        .map(|(c, v)| (c, Thresholds::of(v)))
        .collect();
    let deciles: BTreeMap<String, Deciles> = profit_by_currency
        .into_iter()
        .map(|(c, v)| (c, Deciles::of(v)))
        .collect();
    let mut model = Model {
        customers: all.len() as i64,
        recency,
        frequency,
        monetary,
        deciles,
        categories: cat.categories.clone(),
        ..Model::empty(as_of, s)
    };

    // BG/NBD and Gamma-Gamma, fitted on everyone's purchase summaries.
    let fitting: Vec<(&str, &Raw)> = buyers
        .iter()
        .map(|(f, r)| (f.currency.as_str(), *r))
        .collect();
    let fit_started = Instant::now();
    let (bg, gg, problems) = compute::fit_models(&fitting);
    let fit_secs = fit_started.elapsed().as_secs_f64();
    let fit_rows = bg.as_ref().map(|f| f.rows).unwrap_or(0);
    for p in problems {
        tracing::warn!("analytics refresh: {p}");
    }
    model.bgnbd = bg;
    model.gamma_gamma = gg;

    // Customers per segment now; retention per segment estimated outside
    // the window that defines it (see `retention_then`).
    let mut seg: HashMap<Segment, (i64, i64, i64)> = HashMap::new();
    for (f, r) in &buyers {
        if let Some((_, _, _, segment)) = compute::scores(r, &f.currency, &model) {
            seg.entry(segment).or_default().0 += 1;
        }
    }
    for (segment, (members, kept)) in retention_then(all, raws, s, as_of) {
        let e = seg.entry(segment).or_default();
        e.1 += members;
        e.2 += kept;
        model.all_previous_buyers += members;
        model.all_retained += kept;
    }
    model.segments = Segment::ALL
        .iter()
        .map(|sg| {
            let (customers, prev, kept) = seg.get(sg).copied().unwrap_or_default();
            SegmentStats {
                segment: *sg,
                customers,
                previous_buyers: prev,
                retained: kept,
                retention: super::value::retention(prev, kept),
            }
        })
        .collect();

    // Baskets, margins per category and product, and product ownership.
    let mut counts = Counts::new(cat.categories.len());
    let mut cat_margin: HashMap<(&str, usize), (f64, i64)> = HashMap::new();
    let mut prod_margin: HashMap<(&str, i64), (f64, i64)> = HashMap::new();
    let mut orders = 0i64;
    let mut lines = 0i64;
    // (line, tier) → customers owning it; (line, tier, product) → customers
    // owning that tier and the product of the next.
    let mut tier_owners: HashMap<(&str, i64), i64> = HashMap::new();
    let mut product_owners: HashMap<i64, i64> = HashMap::new();
    let mut both: HashMap<(&str, i64, i64), i64> = HashMap::new();
    let next_tier: HashMap<(&str, i64), Vec<i64>> = {
        let mut m: HashMap<(&str, i64), Vec<i64>> = HashMap::new();
        for p in cat.products.values() {
            if let Some((line, tier)) = &p.line {
                m.entry((line.as_str(), tier - 1)).or_default().push(p.id);
            }
        }
        for v in m.values_mut() {
            v.sort_unstable();
        }
        m
    };
    for (f, r) in all.iter().zip(raws) {
        for o in f
            .orders
            .iter()
            .filter(|o| o.day <= as_of && o.total_minor > 0)
        {
            orders += 1;
            if o.categories != 0 {
                counts.add(o.categories);
            }
        }
        for &(i, product, qty, value) in &f.lines {
            if f.orders[i as usize].day > as_of || qty <= 0 {
                continue;
            }
            lines += 1;
            if let Some(p) = cat.products.get(&product) {
                let g = value as f64 * p.margin;
                let e = cat_margin
                    .entry((f.currency.as_str(), p.category))
                    .or_default();
                e.0 += g;
                e.1 += 1;
                let e = prod_margin
                    .entry((f.currency.as_str(), product))
                    .or_default();
                e.0 += g;
                e.1 += 1;
            }
        }
        if !r.has_purchase {
            continue;
        }
        let owned = compute::owned_products(f, as_of);
        let owned_set: HashSet<i64> = owned.iter().copied().collect();
        let mut tiers: HashSet<(&str, i64)> = HashSet::new();
        for p in &owned {
            *product_owners.entry(*p).or_default() += 1;
            if let Some((line, tier)) = cat.products.get(p).and_then(|p| p.line.as_ref()) {
                tiers.insert((line.as_str(), *tier));
            }
        }
        for (line, tier) in tiers {
            *tier_owners.entry((line, tier)).or_default() += 1;
            if let Some(next) = next_tier.get(&(line, tier)) {
                for q in next.iter().filter(|q| owned_set.contains(q)) {
                    *both.entry((line, tier, *q)).or_default() += 1;
                }
            }
        }
    }
    for ((cur, c), (sum, n)) in &cat_margin {
        model
            .category_margin
            .entry(cur.to_string())
            .or_default()
            .insert(
                cat.categories[*c].clone(),
                super::value::minor(sum / *n as f64),
            );
    }
    for ((cur, p), (sum, n)) in &prod_margin {
        model
            .product_margin
            .entry(cur.to_string())
            .or_default()
            .insert(*p, super::value::minor(sum / *n as f64));
    }

    let t = s.rule_thresholds();
    let mut rules_out = Vec::new();
    let mut index = Vec::new();
    for (m, pass) in rules::mine(&counts, &t) {
        rules_out.push(RuleRow {
            kind: SuggestionKind::CrossSell,
            antecedent: cat.categories[m.antecedent].clone(),
            consequent: cat.categories[m.consequent].clone(),
            support: m.support,
            confidence: m.confidence,
            lift: m.lift,
            antecedent_count: m.antecedent_count as i64,
            consequent_count: m.consequent_count as i64,
            both_count: m.both as i64,
            total_count: m.total as i64,
            active: pass,
        });
        index.push(RuleRef::Cross(m.antecedent, m.consequent));
    }
    let buyers_n = buyers.len() as u64;
    let mut up: Vec<(&(&str, i64, i64), &i64)> = both.iter().collect();
    up.sort();
    for (&(line, tier, product), &n) in up {
        let owners = tier_owners.get(&(line, tier)).copied().unwrap_or(0) as u64;
        let of_product = product_owners.get(&product).copied().unwrap_or(0) as u64;
        let Some((support, confidence, lift)) =
            rules::measures(owners, of_product, n as u64, buyers_n)
        else {
            continue;
        };
        let Some(p) = cat.products.get(&product) else {
            continue;
        };
        rules_out.push(RuleRow {
            kind: SuggestionKind::UpSell,
            antecedent: format!("{line} tier {tier}"),
            consequent: p.sku.clone(),
            support,
            confidence,
            lift,
            antecedent_count: owners as i64,
            consequent_count: of_product as i64,
            both_count: n,
            total_count: buyers_n as i64,
            active: t.pass(support, confidence, lift),
        });
        index.push(RuleRef::Up {
            line: line.to_string(),
            from_tier: tier,
            product,
            name: p.name.clone(),
        });
    }
    Population {
        model,
        rules: rules_out,
        rule_index: index,
        with_purchase: buyers.len() as i64,
        orders,
        lines,
        fit_secs,
        fit_rows,
    }
}

pub(crate) fn empty_nps(as_of: NaiveDate, window: i64) -> NpsBreakdown {
    NpsBreakdown {
        window_days: window,
        from: window_start(as_of, window) + chrono::Duration::days(1),
        to: as_of,
        overall: Tally::default().group("All customers"),
        by_segment: Vec::new(),
        by_team: Vec::new(),
    }
}

/// (customer, kind is NPS, score, team) of every answer in the window.
type Answer = (i64, bool, i64, Option<String>);

async fn nps_answers(
    conn: &mut sqlx::SqliteConnection,
    as_of: NaiveDate,
    window: i64,
) -> Result<Vec<Answer>> {
    let from = day_start(window_start(as_of, window) + chrono::Duration::days(1));
    let until = day_start(as_of + chrono::Duration::days(1));
    let mut out = Vec::new();
    let mut rows = sqlx::query_as::<_, (i64, String, i64, Option<String>)>(
        "SELECT s.customer_id, s.kind, s.score, a.team FROM survey_answers s \
         LEFT JOIN interactions i ON i.id = s.interaction_id \
         LEFT JOIN agents a ON a.id = i.agent_id \
         WHERE s.answered_at >= ? AND s.answered_at < ?",
    )
    .bind(from)
    .bind(until)
    .fetch(&mut *conn);
    while let Some((c, kind, score, team)) = rows.try_next().await? {
        out.push((c, kind == "nps", score, team));
    }
    Ok(out)
}

/// NPS and CSAT over the window, overall, by segment and by team.
fn nps_breakdown(
    answers: &[Answer],
    all: &[Facts],
    raws: &[Raw],
    model: &Model,
    as_of: NaiveDate,
    window: i64,
) -> NpsBreakdown {
    let segment_of: HashMap<i64, Segment> = all
        .iter()
        .zip(raws)
        .filter_map(|(f, r)| compute::scores(r, &f.currency, model).map(|s| (f.id, s.3)))
        .collect();
    let mut overall = Tally::default();
    let mut by_segment: BTreeMap<Option<Segment>, Tally> = BTreeMap::new();
    let mut by_team: BTreeMap<String, Tally> = BTreeMap::new();
    for (c, nps, score, team) in answers {
        let add = |t: &mut Tally| {
            if *nps {
                t.add_nps(*score)
            } else {
                t.add_csat(*score)
            }
        };
        add(&mut overall);
        add(by_segment.entry(segment_of.get(c).copied()).or_default());
        if let Some(team) = team {
            add(by_team.entry(team.clone()).or_default());
        }
    }
    let mut out = empty_nps(as_of, window);
    out.overall = overall.group("All customers");
    out.by_segment = by_segment
        .iter()
        .map(|(s, t)| t.group(s.map(|s| s.label()).unwrap_or("No purchase yet")))
        .collect();
    out.by_team = by_team.iter().map(|(n, t)| t.group(n)).collect();
    out
}

/// When the latest refresh finished and for which date, if any did.
pub async fn latest_run(db: &Db) -> Result<Option<(NaiveDate, DateTime<Utc>)>> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT as_of, finished_at FROM analytics_runs WHERE finished_at IS NOT NULL \
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|(d, t)| {
        (
            NaiveDate::parse_from_str(&d, "%Y-%m-%d").unwrap_or_default(),
            crate::store::from_epoch(t),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::compute::tests::facts;

    #[test]
    fn retention_is_estimated_a_period_back() {
        // Analysis date 30 Jun 2025; "then" is 365 days before, 30 Jun
        // 2024. Days below are relative to then.
        let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let then = window_start(as_of, 365);
        let day = |n: i64| {
            (then + chrono::Duration::days(n))
                .format("%Y-%m-%d")
                .to_string()
        };
        let (a1, a2, b, c1, c2, c3, d) = (
            day(-10),
            day(100),
            day(-20),
            day(-30),
            day(-300),
            day(200),
            day(5),
        );
        let all = vec![
            // A: 10 days before then, bought again since.
            facts(1, &[(&a1, 1000, 300.0), (&a2, 1000, 300.0)]),
            // E: like A then, nothing since.
            facts(2, &[(&a1, 1000, 300.0)]),
            // B: 20 days before then, nothing since.
            facts(3, &[(&b, 1000, 300.0)]),
            // C: twice in the year to then (3000), bought since.
            facts(4, &[(&c1, 1500, 450.0), (&c2, 1500, 450.0), (&c3, 10, 3.0)]),
            // D: first bought after then: not a member of anything then.
            facts(5, &[(&d, 1000, 300.0)]),
        ];
        let raws: Vec<Raw> = all.iter().map(|f| compute::raw(f, as_of)).collect();
        let got = retention_then(&all, &raws, &Settings::default(), as_of);
        // Then: days since the last purchase 10, 10, 20, 30 (n = 4):
        // R = 6 − ceil(5k/4) with k = 2, 2, 3, 4 → 3, 3, 2, 1.
        // Orders in the year to then 1, 1, 1, 2 → F 1, 1, 1, 4 (k = 1 for
        // 2: 6 − 2); spend 1000, 1000, 1000, 3000 → M 1, 1, 1, 4.
        // A, E: R3 FM1 → Promising; B: R2 FM1 → Hibernating; C: R1 FM4 →
        // Can't lose them.
        assert_eq!(got.get(&Segment::Promising), Some(&(2, 1)));
        assert_eq!(got.get(&Segment::Hibernating), Some(&(1, 0)));
        assert_eq!(got.get(&Segment::CantLoseThem), Some(&(1, 1)));
        assert_eq!(got.values().map(|v| v.0).sum::<i64>(), 4);
        // r of Promising is 0.5: neither 0 nor 1, though every Promising
        // customer now (scored today) bought in the latest window.
    }
}
