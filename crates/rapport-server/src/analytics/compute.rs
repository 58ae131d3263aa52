//! One customer's figures from their facts, against the population model of
//! the latest refresh (score boundaries, retention per segment, decile
//! boundaries, rules and margins). The refresh builds the model from
//! everyone's [`Raw`] values and then calls [`figures`] for each customer;
//! the update after a change calls [`figures`] for one, so both give the
//! same numbers for the same data.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rapport_api::{
    BtydParams, ChurnRisk, Clv, CustomerAnalytics, ModelClv, NpsAnswer, NpsBreakdown, NpsCategory,
    ProfitPotential, RetentionBasis, Rfm, Segment, SegmentStats, Suggestion, SuggestionAnswer,
    SuggestionKind,
};
use serde::{Deserialize, Serialize};

use super::btyd::{self, BgNbd, Fit, GammaGamma};
use super::churn::{self, Baseline, Signs};
use super::facts::{Catalogue, Facts, window_start};
use super::rfm::{self, Thresholds};
use super::settings::Settings;
use super::value::{self, Deciles};
use crate::summary::{OrderFact, purchase_days, purchase_summary};

/// A cross-sell rule of the model: category indices into
/// [`Model::categories`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossSell {
    pub id: i64,
    pub antecedent: usize,
    pub consequent: usize,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
}

/// An up-sell rule: owners of tier `from_tier` of `line` → product `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpSell {
    pub id: i64,
    pub line: String,
    pub from_tier: i64,
    pub to_product: i64,
    pub to_name: String,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
}

/// What a refresh computed over the whole population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub run_id: i64,
    pub as_of: NaiveDate,
    pub finished_at: DateTime<Utc>,
    pub customers: i64,
    pub settings: rapport_api::AnalyticsSettings,
    /// On minus the days since the last purchase (higher is better).
    pub recency: Thresholds,
    pub frequency: Thresholds,
    /// Per currency.
    pub monetary: BTreeMap<String, Thresholds>,
    pub segments: Vec<SegmentStats>,
    pub all_previous_buyers: i64,
    pub all_retained: i64,
    pub deciles: BTreeMap<String, Deciles>,
    pub nps: NpsBreakdown,
    pub categories: Vec<String>,
    pub cross_sell: Vec<CrossSell>,
    pub up_sell: Vec<UpSell>,
    /// currency → category → mean gross margin of one line of it.
    pub category_margin: BTreeMap<String, BTreeMap<String, i64>>,
    /// currency → product id → mean gross margin of one line of it.
    pub product_margin: BTreeMap<String, BTreeMap<i64, i64>>,
    /// BG/NBD over everyone who bought (None when it could not be fitted).
    #[serde(default)]
    pub bgnbd: Option<Fit<BgNbd>>,
    /// Gamma-Gamma per currency.
    #[serde(default)]
    pub gamma_gamma: BTreeMap<String, Fit<GammaGamma>>,
}

/// What the population model is built from, per customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    pub has_purchase: bool,
    pub first_purchase: Option<NaiveDate>,
    pub days_since_last: Option<i64>,
    pub frequency: i64,
    /// Mean value of the repeat purchase days (the summary's monetary).
    pub monetary: i64,
    pub recency_days: i64,
    pub t_days: i64,
    pub lifetime_spend: i64,
    pub orders: i64,
    pub orders_365: i64,
    pub spend_365: i64,
    pub profit_365: i64,
    pub profit_prev: i64,
    pub lifetime_profit: i64,
    /// The same, summed before rounding (the margin is its ratio to spend,
    /// so a store at one margin shows exactly that margin).
    pub lifetime_profit_exact: f64,
    /// A purchase day in the 365 days to `as_of`.
    pub bought_latest: bool,
    pub purchase_days: Vec<NaiveDate>,
    /// Every category ever bought (bits).
    pub categories: u64,
}

/// The per-customer values the model is built from.
pub fn raw(f: &Facts, as_of: NaiveDate) -> Raw {
    let facts: Vec<OrderFact> = f
        .orders
        .iter()
        .map(|o| OrderFact {
            day: o.day,
            total_minor: o.total_minor,
        })
        .collect();
    let s = purchase_summary(&facts, as_of, &f.currency);
    let days = purchase_days(&facts, as_of);
    let y1 = window_start(as_of, 365);
    let y2 = window_start(as_of, 730);
    let mut r = Raw {
        has_purchase: s.first_purchase.is_some(),
        first_purchase: s.first_purchase,
        days_since_last: s.days_since_last_purchase,
        frequency: s.frequency,
        monetary: s.monetary_minor,
        recency_days: s.recency_days,
        t_days: s.t_days,
        lifetime_spend: s.lifetime_spend_minor,
        orders: s.orders,
        orders_365: 0,
        spend_365: 0,
        profit_365: 0,
        profit_prev: 0,
        lifetime_profit: 0,
        lifetime_profit_exact: 0.0,
        bought_latest: days.iter().any(|d| d.0 > y1),
        purchase_days: days.iter().map(|d| d.0).collect(),
        categories: 0,
    };
    for o in f.orders.iter().filter(|o| o.day <= as_of) {
        r.lifetime_profit = r.lifetime_profit.saturating_add(o.profit_minor);
        r.lifetime_profit_exact += o.profit_exact;
        if o.total_minor >= 0 {
            r.categories |= o.categories;
        }
        if o.day > y1 {
            r.spend_365 = r.spend_365.saturating_add(o.total_minor);
            r.profit_365 = r.profit_365.saturating_add(o.profit_minor);
            if o.total_minor >= 0 {
                r.orders_365 += 1;
            }
        } else if o.day > y2 {
            r.profit_prev = r.profit_prev.saturating_add(o.profit_minor);
        }
    }
    r
}

/// The products a customer owns (bought on or before `as_of`).
pub fn owned_products(f: &Facts, as_of: NaiveDate) -> Vec<i64> {
    let mut v: Vec<i64> = f
        .lines
        .iter()
        .filter(|l| f.orders[l.0 as usize].day <= as_of && l.2 > 0)
        .map(|l| l.1)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The highest tier owned of each product line.
pub fn owned_tiers(products: &[i64], cat: &Catalogue) -> HashMap<String, i64> {
    let mut m: HashMap<String, i64> = HashMap::new();
    for p in products {
        if let Some((line, tier)) = cat.products.get(p).and_then(|p| p.line.as_ref()) {
            let e = m.entry(line.clone()).or_insert(*tier);
            *e = (*e).max(*tier);
        }
    }
    m
}

/// The instant complaints and answers are judged at: the end of `as_of`,
/// or now when that is earlier (figures for today).
pub fn analysis_instant(as_of: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    let end = super::facts::day_start(as_of + Duration::days(1));
    now.min(crate::store::from_epoch(end))
}

impl Model {
    /// A model of nobody, to be filled in.
    pub fn empty(as_of: NaiveDate, s: &Settings) -> Model {
        Model {
            run_id: 0,
            as_of,
            finished_at: Utc::now(),
            customers: 0,
            settings: s.wire(),
            recency: Thresholds::default(),
            frequency: Thresholds::default(),
            monetary: BTreeMap::new(),
            segments: Vec::new(),
            all_previous_buyers: 0,
            all_retained: 0,
            deciles: BTreeMap::new(),
            nps: super::refresh::empty_nps(as_of, s.nps_window_days),
            categories: Vec::new(),
            cross_sell: Vec::new(),
            up_sell: Vec::new(),
            category_margin: BTreeMap::new(),
            product_margin: BTreeMap::new(),
            bgnbd: None,
            gamma_gamma: BTreeMap::new(),
        }
    }

    /// Retention of a segment: (r, basis, members a period ago, retained),
    /// the segment's own when it had members then, else everyone's.
    pub fn retention(&self, segment: Segment) -> (f64, RetentionBasis, i64, i64) {
        if let Some(s) = self
            .segments
            .iter()
            .find(|s| s.segment == segment && s.previous_buyers > 0)
        {
            return (
                value::retention(s.previous_buyers, s.retained).unwrap_or(0.0),
                RetentionBasis::Segment,
                s.previous_buyers,
                s.retained,
            );
        }
        (
            value::retention(self.all_previous_buyers, self.all_retained).unwrap_or(0.0),
            RetentionBasis::AllCustomers,
            self.all_previous_buyers,
            self.all_retained,
        )
    }

    fn category(&self, i: usize) -> &str {
        self.categories.get(i).map(String::as_str).unwrap_or("?")
    }
}

fn percent(x: f64) -> String {
    format!("{}%", (x * 100.0).round() as i64)
}

/// Why a suggestion is made, in words: "bought Roaming packs; 45% of orders
/// with Roaming packs also have Travel insurance, lift 3.1".
pub fn rationale(
    kind: SuggestionKind,
    because: &str,
    offer: &str,
    confidence: f64,
    lift: f64,
) -> String {
    match kind {
        SuggestionKind::CrossSell => format!(
            "bought {because}; {} of orders with {because} also have {offer}, lift {lift:.1}",
            percent(confidence)
        ),
        SuggestionKind::UpSell => format!(
            "owns {because}; {} of {because} owners also own {offer}, lift {lift:.1}",
            percent(confidence)
        ),
    }
}

/// A rule offered to a customer, before it is a wire [`Suggestion`].
pub struct Offer<'a> {
    pub kind: SuggestionKind,
    pub rule_id: i64,
    pub because: &'a str,
    pub offer: &'a str,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
    pub margin_minor: i64,
    pub expected_value_minor: i64,
}

impl Offer<'_> {
    /// The suggestion for `customer`, with its stable id and rationale.
    pub fn suggestion(&self, customer: i64, currency: &str) -> Suggestion {
        Suggestion {
            id: super::suggestion_id(self.rule_id, customer),
            kind: self.kind,
            rule_id: self.rule_id,
            offer: self.offer.to_string(),
            because: self.because.to_string(),
            support: self.support,
            confidence: self.confidence,
            lift: self.lift,
            expected_value_minor: self.expected_value_minor,
            margin_minor: self.margin_minor,
            currency: currency.to_string(),
            rationale: rationale(
                self.kind,
                self.because,
                self.offer,
                self.confidence,
                self.lift,
            ),
        }
    }
}

/// Whether an answer to `rule` still keeps it from being offered.
fn answered_recently(f: &Facts, rule: i64, at: DateTime<Utc>, s: &Settings) -> bool {
    f.responses.iter().any(|(r, answer, when)| {
        let days = match answer {
            SuggestionAnswer::NotNow => s.not_now_days,
            SuggestionAnswer::Accepted | SuggestionAnswer::Declined => s.answered_days,
        };
        *r == rule && at < *when + Duration::days(days)
    })
}

/// The suggestions for a customer, best first (none without consent).
pub fn suggestions(
    f: &Facts,
    raw: &Raw,
    owned: &[i64],
    cat: &Catalogue,
    m: &Model,
    s: &Settings,
    at: DateTime<Utc>,
) -> Vec<Suggestion> {
    if !f.marketing_allowed || !raw.has_purchase {
        return Vec::new();
    }
    let mut out: Vec<Suggestion> = Vec::new();
    let margins = m.category_margin.get(&f.currency);
    for r in &m.cross_sell {
        let has = |c: usize| c < 64 && raw.categories & (1u64 << c) != 0;
        if !has(r.antecedent) || has(r.consequent) || answered_recently(f, r.id, at, s) {
            continue;
        }
        let offer = m.category(r.consequent);
        let Some(&margin) = margins.and_then(|mm| mm.get(offer)) else {
            continue;
        };
        out.push(
            Offer {
                kind: SuggestionKind::CrossSell,
                rule_id: r.id,
                because: m.category(r.antecedent),
                offer,
                support: r.support,
                confidence: r.confidence,
                lift: r.lift,
                margin_minor: margin,
                expected_value_minor: value::minor(r.confidence * margin as f64),
            }
            .suggestion(f.id, &f.currency),
        );
    }
    let tiers = owned_tiers(owned, cat);
    let prices = m.product_margin.get(&f.currency);
    for r in &m.up_sell {
        if tiers.get(&r.line) != Some(&r.from_tier)
            || owned.contains(&r.to_product)
            || answered_recently(f, r.id, at, s)
        {
            continue;
        }
        let Some(&margin) = prices.and_then(|p| p.get(&r.to_product)) else {
            continue;
        };
        let because = format!("{} tier {}", r.line, r.from_tier);
        out.push(
            Offer {
                kind: SuggestionKind::UpSell,
                rule_id: r.id,
                because: &because,
                offer: &r.to_name,
                support: r.support,
                confidence: r.confidence,
                lift: r.lift,
                margin_minor: margin,
                expected_value_minor: value::minor(r.confidence * margin as f64),
            }
            .suggestion(f.id, &f.currency),
        );
    }
    out.sort_by(|a, b| {
        b.expected_value_minor
            .cmp(&a.expected_value_minor)
            .then(a.rule_id.cmp(&b.rule_id))
    });
    // One suggestion per offer: the best of the rules that lead to it.
    let mut offered: HashSet<(SuggestionKind, String)> = HashSet::new();
    out.retain(|x| offered.insert((x.kind, x.offer.clone())));
    out.truncate(s.max_suggestions);
    out
}

/// The churn signs of a customer.
pub fn signs(f: &Facts, raw: &Raw, as_of: NaiveDate, at: DateTime<Utc>, s: &Settings) -> Signs {
    let d90 = window_start(as_of, 90);
    let d455 = window_start(as_of, 455);
    let d30 = window_start(as_of, 30);
    let d395 = window_start(as_of, 395);
    let purchases_90 = raw.purchase_days.iter().filter(|d| **d > d90).count() as i64;
    let purchase_baseline = raw.first_purchase.map(|first| {
        let from = d455.max(first);
        Baseline {
            count: raw
                .purchase_days
                .iter()
                .filter(|d| **d > d455 && **d <= d90)
                .count() as i64,
            days: (d90 - from).num_days(),
        }
    });
    let contacts_30 = f
        .contacts
        .iter()
        .filter(|d| **d > d30 && **d <= as_of)
        .count() as i64;
    let contact_baseline = {
        let from = d395.max(f.customer_since);
        Some(Baseline {
            count: f
                .contacts
                .iter()
                .filter(|d| **d > d395 && **d <= d30)
                .count() as i64,
            days: (d30 - from).num_days(),
        })
    };
    let mut open: Vec<(i64, bool)> = f
        .open_complaints
        .iter()
        .map(|(id, due)| (*id, *due < at))
        .collect();
    open.sort_unstable();
    let mut late: Vec<(i64, NaiveDate)> = f
        .late_closed
        .iter()
        .filter(|(_, t)| t.date_naive() > d90 && *t <= at)
        .map(|(id, t)| (*id, t.date_naive()))
        .collect();
    late.sort_unstable();
    let nps_from = window_start(as_of, s.nps_window_days);
    let latest_nps = f
        .latest_nps
        .filter(|(_, t)| t.date_naive() > nps_from)
        .map(|(score, t)| (score, t.date_naive()));
    Signs {
        purchases_90,
        purchase_baseline,
        contacts_30,
        contact_baseline,
        open_complaints: open,
        late_resolved: late,
        latest_nps,
        days_since_last_purchase: raw.days_since_last,
        usual_gap_days: (raw.frequency >= 2)
            .then(|| raw.recency_days as f64 / raw.frequency as f64),
        dissolution: f.dissolution,
    }
}

/// Active: a purchase day in the 365 days to the analysis date (an order
/// that is not a refund, see [`crate::summary::purchase_days`]).
pub fn active(raw: &Raw) -> bool {
    raw.orders_365 > 0
}

/// Scores and segment of a customer with a purchase: recency among
/// everyone who bought, frequency and monetary among the active (1 and 1
/// for a customer with no purchase in the last 365 days).
pub fn scores(raw: &Raw, currency: &str, m: &Model) -> Option<(u8, u8, u8, Segment)> {
    let days = raw.days_since_last?;
    let r = m.recency.score(-days);
    let (fq, mo) = if active(raw) {
        (
            m.frequency.score(raw.orders_365),
            m.monetary
                .get(currency)
                .map(|t| t.score(raw.spend_365))
                .unwrap_or(1),
        )
    } else {
        (1, 1)
    };
    Some((r, fq, mo, rfm::segment(r, fq, mo)))
}

/// Years of purchases the model-based CLV counts.
pub const MODEL_CLV_YEARS: u32 = 10;

/// The model-based CLV of a customer with a purchase, when both models are
/// fitted (Gamma-Gamma in the customer's currency).
pub fn model_clv(
    raw: &Raw,
    currency: &str,
    margin: f64,
    m: &Model,
    s: &Settings,
) -> Option<ModelClv> {
    if !raw.has_purchase {
        return None;
    }
    let bg = m.bgnbd.as_ref()?;
    let gg = m.gamma_gamma.get(currency)?;
    let x = raw.frequency as f64;
    let t_x = raw.recency_days as f64 / 7.0;
    let t = raw.t_days as f64 / 7.0;
    let mean = if raw.frequency > 0 && raw.monetary > 0 {
        raw.monetary as f64
    } else {
        0.0
    };
    let spend = gg
        .params
        .expected_spend(if mean > 0.0 { x } else { 0.0 }, mean)?;
    let p = &bg.params;
    let mut prev = 0.0;
    let mut discounted = 0.0;
    let mut first = 0.0;
    for k in 1..=MODEL_CLV_YEARS {
        let cum = p.expected_purchases(52.0 * k as f64, x, t_x, t);
        if k == 1 {
            first = cum;
        }
        discounted += (cum - prev).max(0.0) / (1.0 + s.discount_rate).powi(k as i32);
        prev = cum;
    }
    let value = discounted * spend * margin;
    Some(ModelClv {
        value_minor: value::minor(value),
        x: raw.frequency,
        t_x_weeks: t_x,
        t_weeks: t,
        p_alive: p.p_alive(x, t_x, t),
        expected_purchases_12m: first,
        discounted_purchases: discounted,
        expected_spend_minor: value::minor(spend),
        margin,
        discount_rate: s.discount_rate,
        horizon_years: MODEL_CLV_YEARS,
        params: BtydParams {
            r: p.r,
            alpha: p.alpha,
            a: p.a,
            b: p.b,
            customers: bg.customers as i64,
            p: gg.params.p,
            q: gg.params.q,
            gamma: gg.params.gamma,
            repeat_buyers: gg.customers as i64,
            currency: currency.to_string(),
        },
    })
}

/// Fit both models on everyone's purchase summaries: BG/NBD on
/// (frequency, recency, T) of everyone with a purchase, Gamma-Gamma per
/// currency on (frequency, monetary) of those with repeat purchases of
/// positive mean value. A model that cannot be fitted is left out (and
/// the reason returned).
#[allow(clippy::type_complexity)]
pub fn fit_models(
    buyers: &[(&str, &Raw)],
) -> (
    Option<Fit<BgNbd>>,
    BTreeMap<String, Fit<GammaGamma>>,
    Vec<String>,
) {
    let mut problems = Vec::new();
    let rows = btyd::compress(
        buyers
            .iter()
            .map(|(_, r)| (r.frequency, r.recency_days, r.t_days)),
    );
    let bg = match btyd::fit_bgnbd(&rows) {
        Ok(f) => Some(f),
        Err(e) => {
            problems.push(format!("BG/NBD: {e}"));
            None
        }
    };
    let mut by_currency: BTreeMap<&str, HashMap<(i64, i64), f64>> = BTreeMap::new();
    for (cur, r) in buyers {
        if r.frequency > 0 && r.monetary > 0 {
            *by_currency
                .entry(*cur)
                .or_default()
                .entry((r.frequency, r.monetary))
                .or_default() += 1.0;
        }
    }
    let mut gg = BTreeMap::new();
    for (cur, m) in by_currency {
        let data: Vec<(f64, f64, f64)> = m
            .into_iter()
            .map(|((x, v), n)| (x as f64, v as f64, n))
            .collect();
        match btyd::fit_gamma_gamma(&data) {
            Ok(f) => {
                gg.insert(cur.to_string(), f);
            }
            Err(e) => problems.push(format!("Gamma-Gamma ({cur}): {e}")),
        }
    }
    (bg, gg, problems)
}

/// Every figure of one customer.
#[allow(clippy::too_many_arguments)]
pub fn figures(
    f: &Facts,
    raw: &Raw,
    cat: &Catalogue,
    m: &Model,
    s: &Settings,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> CustomerAnalytics {
    let at = analysis_instant(as_of, now);
    let owned = owned_products(f, as_of);
    let scored = scores(raw, &f.currency, m);
    let rfm = scored.map(|(r, fq, mo, segment)| Rfm {
        recency_days: raw.days_since_last.unwrap_or(0),
        orders_365: raw.orders_365,
        spend_365_minor: raw.spend_365,
        r,
        f: fq,
        m: mo,
        segment,
    });
    let clv = scored.and_then(|(_, _, _, segment)| {
        if raw.orders <= 0 {
            return None;
        }
        let aov = raw.lifetime_spend as f64 / raw.orders as f64;
        let opy = value::orders_per_year(raw.orders, raw.t_days);
        let margin = if raw.lifetime_spend > 0 {
            (raw.lifetime_profit_exact / raw.lifetime_spend as f64).clamp(0.0, 1.0)
        } else {
            s.default_margin
        };
        let gc = value::gross_contribution(aov, opy, margin);
        let (r, basis, prev, kept) = m.retention(segment);
        let v = value::clv(gc, r, s.discount_rate)?;
        Some(Clv {
            value_minor: value::minor(v),
            gc_minor: value::minor(gc),
            aov_minor: value::minor(aov),
            orders_per_year: opy,
            margin,
            retention: r,
            retention_basis: basis,
            retention_previous_buyers: prev,
            retention_retained: kept,
            retention_as_of: window_start(as_of, 365),
            discount_rate: s.discount_rate,
        })
    });
    let model_clv = clv
        .as_ref()
        .and_then(|c| model_clv(raw, &f.currency, c.margin, m, s));
    let suggestions = suggestions(f, raw, &owned, cat, m, s, at);
    let actual = clv.as_ref().map(|c| c.value_minor).unwrap_or(0);
    let potential = crate::money::sum(suggestions.iter().map(|x| x.expected_value_minor));
    let unrealised = value::unrealised(raw.profit_prev, raw.profit_365);
    let churn: ChurnRisk = churn::assess(&signs(f, raw, as_of, at, s));
    CustomerAnalytics {
        customer_id: f.id,
        as_of,
        computed_at: now,
        currency: f.currency.clone(),
        rfm,
        clv,
        model_clv,
        potential: ProfitPotential {
            actual_minor: actual,
            potential_minor: potential,
            unrealised_minor: unrealised,
            total_minor: actual + potential + unrealised,
        },
        nps: f.latest_nps.map(|(score, t)| NpsAnswer {
            score,
            answered_on: t.date_naive(),
            category: NpsCategory::of(score),
        }),
        churn,
        profit_365_minor: raw.profit_365,
        profit_decile: if raw.has_purchase {
            m.deciles
                .get(&f.currency)
                .and_then(|d| d.decile_of(raw.profit_365))
        } else {
            None
        },
        suggestions,
        marketing_allowed: f.marketing_allowed,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analytics::facts::Order;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    pub(crate) fn facts(id: i64, orders: &[(&str, i64, f64)]) -> Facts {
        Facts {
            id,
            currency: "GBP".into(),
            customer_since: d("2020-01-01"),
            dissolution: false,
            marketing_allowed: true,
            orders: orders
                .iter()
                .map(|(day, total, profit)| Order {
                    day: d(day),
                    total_minor: *total,
                    profit_minor: profit.round() as i64,
                    profit_exact: *profit,
                    lines_minor: *total,
                    categories: 0b1,
                })
                .collect(),
            lines: Vec::new(),
            contacts: Vec::new(),
            open_complaints: Vec::new(),
            late_closed: Vec::new(),
            latest_nps: None,
            responses: Vec::new(),
        }
    }

    #[test]
    fn margin_shown_is_the_margin_set_not_a_ratio_of_rounded_profits() {
        // Three orders of 1.05 at a 30 % margin: 0.315 profit each, 0.32
        // once rounded; 96 / 315 = 0.3048 from the rounded profits, 0.30
        // exactly from the unrounded ones.
        let as_of = d("2025-06-30");
        let f = facts(
            1,
            &[
                ("2025-01-10", 105, 31.5),
                ("2025-02-10", 105, 31.5),
                ("2025-03-10", 105, 31.5),
            ],
        );
        let raw = raw(&f, as_of);
        assert_eq!(raw.lifetime_profit, 96);
        let s = Settings::default();
        let m = Model::empty(as_of, &s);
        let a = figures(&f, &raw, &Catalogue::default(), &m, &s, as_of, Utc::now());
        let clv = a.clv.expect("a CLV");
        assert!((clv.margin - 0.30).abs() < 1e-12, "{}", clv.margin);
    }

    #[test]
    fn inactive_customers_score_f1_m1_and_can_be_lost() {
        // Recency thresholds of a population where the longest gap (400
        // days) scores 1: a customer that long without a purchase, so with
        // nothing in the last 365 days, is R1 F1 M1: Lost.
        let as_of = d("2025-06-30");
        let s = Settings::default();
        let mut m = Model::empty(as_of, &s);
        m.recency = Thresholds::of(vec![-400, -200, -100, -30, -5]);
        m.frequency = Thresholds::of(vec![1, 2, 3, 4]);
        let f = facts(1, &[("2024-05-26", 5000, 1500.0)]);
        let r = raw(&f, as_of);
        assert_eq!(r.days_since_last, Some(400));
        assert!(!active(&r));
        assert_eq!(scores(&r, "GBP", &m), Some((1, 1, 1, Segment::Lost)));
        // A free item bought yesterday makes them active again and recent.
        let f = facts(1, &[("2024-05-26", 5000, 1500.0), ("2025-06-29", 0, 0.0)]);
        let r = raw(&f, as_of);
        assert!(active(&r));
        assert_eq!(r.days_since_last, Some(1));
        let (rs, fs, _, _) = scores(&r, "GBP", &m).unwrap();
        assert_eq!((rs, fs), (5, 1));
    }

    #[test]
    fn one_suggestion_per_offer() {
        // Two cross-sell rules lead to category "Insurance" (from Phones and
        // from Travel); the customer owns both antecedents: offered once,
        // by the rule of higher expected value.
        let as_of = d("2025-06-30");
        let s = Settings::default();
        let mut m = Model::empty(as_of, &s);
        m.categories = vec!["Phones".into(), "Travel".into(), "Insurance".into()];
        m.category_margin.insert(
            "GBP".into(),
            BTreeMap::from([("Insurance".to_string(), 1000)]),
        );
        let rule = |id, antecedent, confidence| CrossSell {
            id,
            antecedent,
            consequent: 2,
            support: 0.1,
            confidence,
            lift: 2.0,
        };
        m.cross_sell = vec![rule(1, 0, 0.2), rule(2, 1, 0.5)];
        let mut f = facts(7, &[("2025-06-01", 5000, 1500.0)]);
        f.orders[0].categories = 0b011;
        let r = raw(&f, as_of);
        let got = suggestions(&f, &r, &[], &Catalogue::default(), &m, &s, Utc::now());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].rule_id, 2);
        assert_eq!(got[0].expected_value_minor, 500);
    }
}
