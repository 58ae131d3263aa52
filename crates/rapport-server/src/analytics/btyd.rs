//! "Buy till you die" models fitted to the store's own purchase summaries:
//! BG/NBD for how many purchases a customer will make and whether they are
//! still a customer (Fader, Hardie & Lee 2005, "Counting your customers the
//! easy way: an alternative to the Pareto/NBD model", Marketing Science
//! 24(2)), and Gamma-Gamma for what a purchase is worth (Fader & Hardie
//! 2013, "The Gamma-Gamma model of monetary value").
//!
//! Time is in weeks (days ÷ 7), as in the paper, so the fitted `alpha` reads
//! like the published ones. Both models are fitted by maximum likelihood
//! with L-BFGS (`argmin`) over the logarithms of their parameters (so they
//! stay positive), on the customers compressed to their distinct inputs:
//! `(x, t_x, T)` with a count for BG/NBD, `(x, mean repeat value)` for
//! Gamma-Gamma. A million customers are a few hundred thousand rows.

use std::collections::HashMap;

use argmin::core::{CostFunction, Error as ArgminError, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use libm::lgamma;
use serde::{Deserialize, Serialize};

/// BG/NBD parameters: purchase rates Gamma(r, alpha) across customers,
/// drop-out probabilities after each purchase Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// Gamma-Gamma parameters: a customer's spend per purchase is
/// Gamma(p, nu), nu being Gamma(q, gamma) across customers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

/// One row of compressed BG/NBD data: `count` customers with `x` repeat
/// purchases, the last at `t_x` and observed for `T` (weeks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfmt {
    pub x: f64,
    pub t_x: f64,
    pub t: f64,
    pub count: f64,
}

/// Customers grouped by identical (x, t_x, T) in days; the times are
/// returned in weeks.
pub fn compress(customers: impl IntoIterator<Item = (i64, i64, i64)>) -> Vec<Rfmt> {
    let mut m: HashMap<(i64, i64, i64), u64> = HashMap::new();
    for k in customers {
        *m.entry(k).or_default() += 1;
    }
    let mut v: Vec<Rfmt> = m
        .into_iter()
        .map(|((x, tx, t), n)| Rfmt {
            x: x as f64,
            t_x: tx as f64 / 7.0,
            t: t as f64 / 7.0,
            count: n as f64,
        })
        .collect();
    v.sort_by(|a, b| {
        (a.x, a.t_x, a.t)
            .partial_cmp(&(b.x, b.t_x, b.t))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    v
}

fn ln_beta(a: f64, b: f64) -> f64 {
    lgamma(a) + lgamma(b) - lgamma(a + b)
}

/// `ln(e^u + e^v)` without overflow.
fn log_add(u: f64, v: f64) -> f64 {
    let m = u.max(v);
    m + ((u - m).exp() + (v - m).exp()).ln()
}

impl BgNbd {
    /// The log-likelihood of one customer (FHL 2005, equation 6):
    /// `L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
    ///    + [x > 0] B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))`.
    pub fn ln_likelihood(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let common = lgamma(r + x) - lgamma(r) + r * alpha.ln() - ln_beta(a, b);
        let alive = ln_beta(a, b + x) - (r + x) * (alpha + t).ln();
        if x > 0.0 {
            let gone = ln_beta(a + 1.0, b + x - 1.0) - (r + x) * (alpha + t_x).ln();
            common + log_add(alive, gone)
        } else {
            common + alive
        }
    }

    /// The sum over compressed rows.
    pub fn total_ln_likelihood(&self, rows: &[Rfmt]) -> f64 {
        rows.iter()
            .map(|c| c.count * self.ln_likelihood(c.x, c.t_x, c.t))
            .sum()
    }

    /// P(alive | x, t_x, T) (FHL 2005, equation 11):
    /// `1 / (1 + [x > 0] a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))`.
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if x <= 0.0 {
            return 1.0;
        }
        let BgNbd { r, alpha, a, b } = *self;
        let ln_odds = (a / (b + x - 1.0)).ln() + (r + x) * ((alpha + t) / (alpha + t_x)).ln();
        1.0 / (1.0 + ln_odds.exp())
    }

    /// Expected purchases in the next `weeks` of a customer with
    /// (x, t_x, T) (FHL 2005, equation 10):
    /// `(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x;
    /// a+b+x−1; t/(α+T+t))] / (1 + [x > 0] a/(b+x−1) ((α+T)/(α+t_x))^(r+x))`.
    pub fn expected_purchases(&self, weeks: f64, x: f64, t_x: f64, t: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        if weeks <= 0.0 {
            return 0.0;
        }
        let z = weeks / (alpha + t + weeks);
        let f = hyp2f1(r + x, b + x, a + b + x - 1.0, z);
        let ratio = ((alpha + t) / (alpha + t + weeks)).powf(r + x);
        let head = (a + b + x - 1.0) / (a - 1.0);
        let v = head * (1.0 - ratio * f) * self.p_alive(x, t_x, t);
        v.max(0.0)
    }

    /// Expected purchases in `weeks` of a customer just acquired (FHL 2005,
    /// equation 9): `(a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1;
    /// t/(α+t))]`.
    pub fn expected_purchases_new(&self, weeks: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let z = weeks / (alpha + weeks);
        let f = hyp2f1(r, b, a + b - 1.0, z);
        ((a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + weeks)).powf(r) * f)).max(0.0)
    }
}

/// Gauss's hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1, by its
/// power series (terms added until they no longer change the sum).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 0..200_000 {
        let n = n as f64;
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-15 * sum.abs() {
            break;
        }
    }
    sum
}

impl GammaGamma {
    /// The log-likelihood of one customer's mean repeat spend `m` over `x`
    /// repeat purchases (Fader & Hardie 2013, equation 3):
    /// `ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x
    ///  − (px+q) ln(γ + m x)`.
    pub fn ln_likelihood(&self, x: f64, m: f64) -> f64 {
        let GammaGamma { p, q, gamma } = *self;
        lgamma(p * x + q) - lgamma(p * x) - lgamma(q)
            + q * gamma.ln()
            + (p * x - 1.0) * m.ln()
            + p * x * x.ln()
            - (p * x + q) * (gamma + m * x).ln()
    }

    /// Expected spend per purchase (Fader & Hardie 2013, equation 5):
    /// `(γ + m x) p / (p x + q − 1)`; the population mean `γ p / (q − 1)` for
    /// a customer without repeat purchases. None when `q ≤ 1` (no finite
    /// mean).
    pub fn expected_spend(&self, x: f64, m: f64) -> Option<f64> {
        let GammaGamma { p, q, gamma } = *self;
        if q <= 1.0 {
            return None;
        }
        Some(if x > 0.0 {
            (gamma + m * x) * p / (p * x + q - 1.0)
        } else {
            gamma * p / (q - 1.0)
        })
    }
}

/// Negative mean log-likelihood over log-parameters, for argmin.
struct Problem<F: Fn(&[f64]) -> f64> {
    nll: F,
}

impl<F: Fn(&[f64]) -> f64> CostFunction for Problem<F> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, ArgminError> {
        let v = (self.nll)(p.as_slice());
        Ok(if v.is_finite() { v } else { f64::MAX / 4.0 })
    }
}

impl<F: Fn(&[f64]) -> f64> Gradient for Problem<F> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    /// Central differences (the parameters are few; the cost is cheap on
    /// compressed rows).
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, ArgminError> {
        let h = 1e-6;
        let mut g = vec![0.0; p.len()];
        let mut q = p.clone();
        for i in 0..p.len() {
            q[i] = p[i] + h;
            let up = (self.nll)(q.as_slice());
            q[i] = p[i] - h;
            let down = (self.nll)(q.as_slice());
            q[i] = p[i];
            g[i] = (up - down) / (2.0 * h);
        }
        Ok(g)
    }
}

/// Minimise `nll` over log-parameters from `start` (log-parameters too).
fn minimise(nll: impl Fn(&[f64]) -> f64, start: Vec<f64>) -> Result<(Vec<f64>, u64), String> {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(1e-9)
        .map_err(|e| e.to_string())?
        .with_tolerance_cost(1e-12)
        .map_err(|e| e.to_string())?;
    let res = Executor::new(Problem { nll }, solver)
        .configure(|s| s.param(start).max_iters(500))
        .run()
        .map_err(|e| e.to_string())?;
    let iters = res.state().get_iter();
    let best = res
        .state()
        .get_best_param()
        .cloned()
        .ok_or_else(|| "the optimiser found no parameters".to_string())?;
    Ok((best, iters))
}

/// A fitted model with what it was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fit<P> {
    pub params: P,
    /// Total log-likelihood at the estimate.
    pub ln_likelihood: f64,
    /// Customers and distinct rows fitted on.
    pub customers: u64,
    pub rows: u64,
    pub iterations: u64,
}

/// Maximum-likelihood BG/NBD over compressed rows. None without customers
/// who made a repeat purchase (the drop-out process is then not
/// identified).
pub fn fit_bgnbd(rows: &[Rfmt]) -> Result<Fit<BgNbd>, String> {
    let customers: f64 = rows.iter().map(|c| c.count).sum();
    if !rows.iter().any(|c| c.x > 0.0) || customers < 2.0 {
        return Err("no repeat purchases to fit the BG/NBD model on".into());
    }
    let params = |p: &[f64]| BgNbd {
        r: p[0].exp(),
        alpha: p[1].exp(),
        a: p[2].exp(),
        b: p[3].exp(),
    };
    let nll = |p: &[f64]| -params(p).total_ln_likelihood(rows) / customers;
    // Start from the mean rate: r/α = mean purchases per week.
    let rate = rows
        .iter()
        .map(|c| c.count * c.x / c.t.max(1.0))
        .sum::<f64>()
        / customers;
    let start = vec![0.0, (1.0 / rate.max(1e-3)).ln(), 0.0, 0.0];
    let (best, iterations) = minimise(nll, start)?;
    let p = params(&best);
    Ok(Fit {
        params: p,
        ln_likelihood: p.total_ln_likelihood(rows),
        customers: customers as u64,
        rows: rows.len() as u64,
        iterations,
    })
}

/// Maximum-likelihood Gamma-Gamma over (x, mean repeat spend) of the
/// customers with repeat purchases of positive value, compressed.
pub fn fit_gamma_gamma(data: &[(f64, f64, f64)]) -> Result<Fit<GammaGamma>, String> {
    let customers: f64 = data.iter().map(|d| d.2).sum();
    if customers < 2.0 {
        return Err("too few repeat buyers to fit the Gamma-Gamma model".into());
    }
    let params = |p: &[f64]| GammaGamma {
        p: p[0].exp(),
        q: p[1].exp(),
        gamma: p[2].exp(),
    };
    let total = |g: &GammaGamma| -> f64 {
        data.iter()
            .map(|&(x, m, n)| n * g.ln_likelihood(x, m))
            .sum()
    };
    let nll = |p: &[f64]| -total(&params(p)) / customers;
    let mean = data.iter().map(|d| d.1 * d.2).sum::<f64>() / customers;
    let start = vec![0.0, 1.0f64.ln().max(0.7), mean.max(1.0).ln()];
    let (best, iterations) = minimise(nll, start)?;
    let p = params(&best);
    Ok(Fit {
        params: p,
        ln_likelihood: total(&p),
        customers: customers as u64,
        rows: data.len() as u64,
        iterations,
    })
}

/// Model-based CLV: the expected purchases of each of the next `years`
/// years, each discounted by `(1 + d)^k` for year `k`, times the expected
/// spend per purchase and the margin.
#[allow(clippy::too_many_arguments)]
pub fn model_clv(
    bg: &BgNbd,
    spend: f64,
    margin: f64,
    d: f64,
    years: u32,
    x: f64,
    t_x: f64,
    t: f64,
) -> f64 {
    let mut prev = 0.0;
    let mut sum = 0.0;
    for k in 1..=years {
        let cum = bg.expected_purchases(52.0 * k as f64, x, t_x, t);
        sum += (cum - prev).max(0.0) / (1.0 + d).powi(k as i32);
        prev = cum;
    }
    sum * spend * margin
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Beta, Distribution, Gamma};

    /// The published CDNOW estimates (FHL 2005, Table 1 / §4).
    const CDNOW: BgNbd = BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };

    #[test]
    fn likelihood_by_hand() {
        // x = 0, T = 38.86: L = (α / (α + T))^r = (4.414 / 43.274)^0.243,
        // ln L = 0.243 × ln(0.102001) = 0.243 × −2.282766 = −0.554712.
        let v = CDNOW.ln_likelihood(0.0, 0.0, 38.86);
        assert!((v - (-0.554712)).abs() < 1e-5, "{v}");
        // x = 2, t_x = 30.43, T = 38.86 (customer 1 of the CDNOW sample),
        // equation 6 term by term with lnΓ and lnB to full precision:
        // lnΓ(2.243) − lnΓ(0.243) + 0.243 ln 4.414 − lnB(0.793, 2.426)
        // plus ln[exp(lnB(0.793, 4.426) − 2.243 ln 43.274)
        //       + exp(lnB(1.793, 3.426) − 2.243 ln 34.844)] = −9.458606.
        let v = CDNOW.ln_likelihood(2.0, 30.43, 38.86);
        assert!((v - (-9.458606)).abs() < 1e-5, "{v}");
    }

    #[test]
    fn p_alive_and_expectations_by_hand() {
        // No repeat purchase: alive with certainty.
        assert_eq!(CDNOW.p_alive(0.0, 0.0, 38.86), 1.0);
        // x = 2, t_x = 30.43, T = 38.86:
        // a/(b+x−1) = 0.793/3.426 = 0.231465; ((4.414+38.86)/(4.414+30.43))^2.243
        // = (43.274/34.844)^2.243 = 1.241935^2.243 = 1.626; odds 0.3764;
        // P(alive) = 1/1.3764 = 0.7265.
        let p = CDNOW.p_alive(2.0, 30.43, 38.86);
        assert!((p - 0.7265).abs() < 2e-3, "{p}");
        // A customer more overdue is less likely alive.
        assert!(CDNOW.p_alive(2.0, 5.0, 38.86) < p);
        // A new customer's expected purchases in 39 weeks by equation 9:
        // (a+b−1)/(a−1) = 2.219/−0.207 = −10.7198; (α/(α+39))^r =
        // 0.101672^0.243 = 0.573786; ₂F₁(0.243, 2.426; 2.219; 39/43.414)
        // summed to 1e-15 = 1.937370; −10.7198 × (1 − 0.573786 × 1.937370)
        // = 1.19672.
        let e = CDNOW.expected_purchases_new(39.0);
        assert!((e - 1.19672).abs() < 1e-4, "{e}");
    }

    #[test]
    fn hypergeometric_by_hand() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z; at z = 0.5: 2 ln 2 = 1.386294.
        assert!((hyp2f1(1.0, 1.0, 2.0, 0.5) - 1.386_294_361).abs() < 1e-9);
        // ₂F₁(a, b; b; z) = (1 − z)^−a: a = 2.5, z = 0.3 → 0.7^−2.5.
        assert!((hyp2f1(2.5, 1.7, 1.7, 0.3) - 0.7f64.powf(-2.5)).abs() < 1e-9);
    }

    #[test]
    fn gamma_gamma_by_hand() {
        // Published CDNOW Gamma-Gamma: p 6.25, q 3.74, γ 15.44.
        let g = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        // Population mean γp/(q−1) = 96.5 / 2.74 = 35.22.
        assert!((g.expected_spend(0.0, 0.0).unwrap() - 35.2190).abs() < 1e-3);
        // x = 2, m = 40: (15.44 + 80) × 6.25 / (12.5 + 2.74) = 596.5/15.24
        // = 39.1404.
        assert!((g.expected_spend(2.0, 40.0).unwrap() - 39.1404).abs() < 1e-3);
        // A single-purchase, single-customer likelihood by hand: x = 1,
        // m = 10: lnΓ(9.99) − lnΓ(6.25) − lnΓ(3.74) + 3.74 ln 15.44 +
        // 5.25 ln 10 + 0 − 9.99 ln 25.44.
        let by_hand =
            lgamma(9.99) - lgamma(6.25) - lgamma(3.74) + 3.74 * 15.44f64.ln() + 5.25 * 10f64.ln()
                - 9.99 * 25.44f64.ln();
        assert!((g.ln_likelihood(1.0, 10.0) - by_hand).abs() < 1e-12);
        assert!((by_hand - (-3.92135)).abs() < 1e-4, "{by_hand}");
        assert_eq!(
            GammaGamma {
                p: 1.0,
                q: 0.9,
                gamma: 1.0
            }
            .expected_spend(1.0, 1.0),
            None
        );
    }

    /// Customers drawn from known BG/NBD parameters over `weeks`.
    fn simulate(bg: BgNbd, n: usize, seed: u64) -> Vec<(i64, i64, i64)> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let rates = Gamma::new(bg.r, 1.0 / bg.alpha).unwrap();
        let drops = Beta::new(bg.a, bg.b).unwrap();
        (0..n)
            .map(|i| {
                // Observed for 27 to 39 weeks, as the CDNOW cohort.
                let t_days = 7 * 27 + (i % 85) as i64;
                let t = t_days as f64;
                let lambda = rates.sample(&mut rng) / 7.0;
                let p = drops.sample(&mut rng);
                let (mut now, mut x, mut last) = (0.0, 0i64, 0i64);
                loop {
                    let u: f64 = rand::Rng::random(&mut rng);
                    now += -(1.0 - u).ln() / lambda.max(1e-12);
                    if now > t {
                        break;
                    }
                    // Days, as the store counts them: a second purchase on
                    // the same day is the same purchase day.
                    let day = now.floor() as i64;
                    if day > last {
                        x += 1;
                        last = day;
                    }
                    let v: f64 = rand::Rng::random(&mut rng);
                    if v < p {
                        break;
                    }
                }
                (x, last, t_days)
            })
            .collect()
    }

    #[test]
    fn fit_recovers_known_parameters_within_sampling_error() {
        // 30,000 customers from the published CDNOW estimates. Standard
        // errors at CDNOW's 2,357 customers are about 0.013 (r), 0.38 (α),
        // 0.19 (a), 0.71 (b); at 30,000 they shrink by √(30000/2357) ≈ 3.6.
        // Allow four of them (and the day grid, which moves α slightly).
        let data = simulate(CDNOW, 30_000, 7);
        let rows = compress(data.iter().copied());
        assert!(rows.len() < data.len());
        let fit = fit_bgnbd(&rows).unwrap();
        let p = fit.params;
        assert!((p.r - 0.243).abs() < 0.03, "{p:?}");
        assert!((p.alpha - 4.414).abs() < 0.6, "{p:?}");
        assert!((p.a - 0.793).abs() < 0.25, "{p:?}");
        assert!((p.b - 2.426).abs() < 1.0, "{p:?}");
        // The estimate is a maximum: the published values fit these data
        // no better.
        assert!(fit.ln_likelihood >= CDNOW.total_ln_likelihood(&rows) - 1e-6);
        assert_eq!(fit.customers, 30_000);
    }

    #[test]
    fn gamma_gamma_fit_recovers_known_parameters() {
        let g = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let nus = Gamma::new(g.q, 1.0 / g.gamma).unwrap();
        let mut data = Vec::new();
        for i in 0..20_000 {
            let x = 1 + (i % 6) as usize;
            let nu = nus.sample(&mut rng);
            let z = Gamma::new(g.p, 1.0 / nu).unwrap();
            let m = (0..x).map(|_| z.sample(&mut rng)).sum::<f64>() / x as f64;
            data.push((x as f64, m, 1.0));
        }
        let fit = fit_gamma_gamma(&data).unwrap();
        let p = fit.params;
        assert!((p.p - 6.25).abs() < 0.6, "{p:?}");
        assert!((p.q - 3.74).abs() < 0.4, "{p:?}");
        assert!((p.gamma - 15.44).abs() < 3.0, "{p:?}");
    }

    #[test]
    fn model_clv_by_hand() {
        // A customer certain to be gone (expected purchases 0) is worth 0.
        let dead = BgNbd {
            r: 0.243,
            alpha: 4.414,
            a: 50.0,
            b: 0.01,
        };
        assert!(model_clv(&dead, 100.0, 0.3, 0.1, 10, 5.0, 1.0, 100.0) < 1e-3);
        // Two years: purchases of year 1 and 2 discounted by 1.1 and 1.21.
        let y1 = CDNOW.expected_purchases(52.0, 2.0, 30.43, 38.86);
        let y2 = CDNOW.expected_purchases(104.0, 2.0, 30.43, 38.86);
        let want = (y1 / 1.1 + (y2 - y1) / 1.21) * 40.0 * 0.3;
        let got = model_clv(&CDNOW, 40.0, 0.3, 0.1, 2, 2.0, 30.43, 38.86);
        assert!((got - want).abs() < 1e-9);
        assert!(y1 > 0.0 && y2 > y1);
    }
}
