//! Erlang C (the M/M/N queue) for the supervisor desk's staffing figures:
//! the probability that a call waits, the service level and the average
//! speed of answer with N agents, and the agents needed for a target.
//!
//! Computed stably for traffic in the hundreds of erlangs: no factorial and
//! no power of A is ever formed. The Erlang B recursion
//! `B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1))` stays within [0, 1] at every
//! step, and Erlang C follows from it as `C = N·B / (N − A·(1 − B))`, which
//! is the DOMAIN.md formula with numerator and denominator divided by
//! `Σ_{k≤N} A^k/k!`.

/// Agents tried beyond A before giving up on a target (a target that needs
/// more than this is out of reach in practice).
const SEARCH_MARGIN: f64 = 1000.0;

/// Most traffic the figures are computed for, in erlangs. The work grows
/// with A (each Erlang B is a loop of N steps, and the search for the
/// agents required tries up to [`SEARCH_MARGIN`] counts): at this bound a
/// what-if takes milliseconds. The API refuses more with a 400.
pub const MAX_TRAFFIC_ERLANGS: f64 = 10_000.0;
/// Most agents a what-if is computed for.
pub const MAX_AGENTS: u32 = 20_000;

/// Erlang B: the probability that all of `n` servers are busy when calls
/// are lost rather than queued. 1 for n = 0.
pub fn erlang_b(n: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=n {
        b = a * b / (k as f64 + a * b);
    }
    b
}

/// Erlang C: the probability that a call has to wait, with `n` agents and
/// `a` erlangs of traffic. None when `n <= a`: the queue grows without end.
pub fn p_wait(n: u32, a: f64) -> Option<f64> {
    if a <= 0.0 {
        return Some(0.0);
    }
    let nf = n as f64;
    if nf <= a {
        return None;
    }
    let b = erlang_b(n, a);
    Some((nf * b / (nf - a * (1.0 - b))).clamp(0.0, 1.0))
}

/// Share of calls answered within `t_secs`: `1 − P(wait)·e^{−(N−A)·T/h}`.
pub fn service_level(n: u32, a: f64, t_secs: f64, aht_secs: f64) -> Option<f64> {
    let c = p_wait(n, a)?;
    if aht_secs <= 0.0 {
        return Some(1.0);
    }
    Some((1.0 - c * (-(n as f64 - a) * t_secs / aht_secs).exp()).clamp(0.0, 1.0))
}

/// Average speed of answer in seconds: `P(wait)·h / (N − A)`.
pub fn asa_secs(n: u32, a: f64, aht_secs: f64) -> Option<f64> {
    let c = p_wait(n, a)?;
    Some(c * aht_secs / (n as f64 - a))
}

/// The smallest number of agents whose service level within `t_secs`
/// reaches `target` (a share, 0.8 for 80%). None when traffic is not a
/// finite number, is past [`MAX_TRAFFIC_ERLANGS`], or no count within
/// [`SEARCH_MARGIN`] agents above A does.
pub fn required_agents(a: f64, aht_secs: f64, t_secs: f64, target: f64) -> Option<u32> {
    if !a.is_finite() || !(0.0..=MAX_TRAFFIC_ERLANGS).contains(&a) {
        return None;
    }
    if a == 0.0 {
        return Some(0);
    }
    // Below ⌊A⌋ + 1 the queue is unstable; the service level grows with N
    // from there, so the first N that meets the target is the answer. A is
    // at most MAX_TRAFFIC_ERLANGS here, so both bounds are exact in u32.
    let first = a.floor() as u32 + 1;
    let last = (a + SEARCH_MARGIN).ceil() as u32;
    (first..=last).find(|&n| service_level(n, a, t_secs, aht_secs).is_some_and(|sl| sl >= target))
}

/// Occupancy Erlang C predicts: A / N (None when N ≤ A).
pub fn occupancy(n: u32, a: f64) -> Option<f64> {
    (n as f64 > a).then(|| a / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DOMAIN.md formula summed term by term with factorials: the
    /// "brute force" the recursion must agree with where it can be formed.
    fn p_wait_by_sums(n: u32, a: f64) -> f64 {
        let fact = |k: u32| (1..=k).map(f64::from).product::<f64>();
        let sum: f64 = (0..n).map(|k| a.powi(k as i32) / fact(k)).sum();
        let top = a.powi(n as i32) / fact(n) * n as f64 / (n as f64 - a);
        top / (sum + top)
    }

    /// The same formula in log space (`ln A^k/k! = k ln A − ln k!`, summed
    /// with log-sum-exp): an independent computation that stays finite for
    /// hundreds of erlangs, where the factorials overflow.
    fn p_wait_by_logs(n: u32, a: f64) -> f64 {
        let mut ln_fact = 0.0;
        let mut terms = Vec::with_capacity(n as usize + 1);
        for k in 0..=n {
            if k > 0 {
                ln_fact += (k as f64).ln();
            }
            terms.push(k as f64 * a.ln() - ln_fact);
        }
        let ln_top = terms[n as usize] + (n as f64 / (n as f64 - a)).ln();
        let max = terms.iter().copied().fold(ln_top, f64::max);
        let sum: f64 = terms[..n as usize].iter().map(|t| (t - max).exp()).sum();
        let top = (ln_top - max).exp();
        top / (sum + top)
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn agrees_with_the_factorial_formula_for_small_cases() {
        for n in 1..=30u32 {
            for tenth in 1..(n * 10) {
                let a = tenth as f64 / 10.0;
                let want = p_wait_by_sums(n, a);
                let got = p_wait(n, a).unwrap();
                assert!(close(got, want, 1e-12), "N={n} A={a}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn agrees_with_a_log_space_sum_for_hundreds_of_erlangs() {
        for (a, n) in [
            (100.0, 110),
            (250.5, 270),
            (500.0, 520),
            (800.0, 830),
            (999.9, 1010),
        ] {
            let got = p_wait(n, a).unwrap();
            let want = p_wait_by_logs(n, a);
            assert!(got.is_finite() && (0.0..=1.0).contains(&got));
            assert!(close(got, want, 1e-9), "N={n} A={a}: {got} vs {want}");
        }
    }

    /// Call Centre Helper, "Erlang C Formula – Example"
    /// (callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls
    /// in 30 minutes, AHT 180 s, target 80% in 20 s. Traffic 10 erlangs; 13
    /// agents fall just short (79.6%); 14 agents give a probability of
    /// waiting of 17.4%, a service level of 88.8% and an ASA of 7.8 s.
    #[test]
    fn call_centre_helper_example() {
        let a = 100.0 / 1800.0 * 180.0;
        assert!(close(a, 10.0, 1e-12));
        assert!(close(
            service_level(13, a, 20.0, 180.0).unwrap(),
            0.796,
            0.0005
        ));
        assert!(close(p_wait(14, a).unwrap(), 0.174, 0.0005));
        assert!(close(
            service_level(14, a, 20.0, 180.0).unwrap(),
            0.888,
            0.0005
        ));
        assert!(close(asa_secs(14, a, 180.0).unwrap(), 7.8, 0.05));
        assert_eq!(required_agents(a, 180.0, 20.0, 0.8), Some(14));
    }

    /// Mitan Ltd, "The Erlang-C formula" (the step-by-step example of its
    /// Erlang for Excel documentation): 360 calls per half hour, 4-minute
    /// calls, 55 agents, 15-second target answer time. Traffic 48 erlangs,
    /// occupancy 87.3%, probability of waiting 23.9%, ASA 8.2 s, service
    /// level 84.6%.
    #[test]
    fn mitan_example() {
        let a = 360.0 / 1800.0 * 240.0;
        assert!(close(a, 48.0, 1e-12));
        assert!(close(occupancy(55, a).unwrap(), 0.873, 0.0005));
        assert!(close(p_wait(55, a).unwrap(), 0.239, 0.0005));
        assert!(close(asa_secs(55, a, 240.0).unwrap(), 8.2, 0.05));
        assert!(close(
            service_level(55, a, 15.0, 240.0).unwrap(),
            0.846,
            0.0005
        ));
    }

    /// Jones the Net, "Erlang uplift": an average hour of 250 calls with an
    /// AHT of 330 s and a target of 80% in 30 s is 22.9 erlangs, which
    /// Erlang C staffs with 28 advisors.
    #[test]
    fn jones_the_net_example() {
        let a = 250.0 * 330.0 / 3600.0;
        assert!(close(a, 22.9, 0.05));
        assert_eq!(required_agents(a, 330.0, 30.0, 0.8), Some(28));
    }

    /// Required agents for 1, 10, 100 and 500 erlangs at 80/20 with a
    /// 180-second AHT: the answer meets the target and one agent fewer does
    /// not, with the service level checked by the log-space computation.
    #[test]
    fn required_agents_for_one_to_five_hundred_erlangs() {
        let sl_by_logs =
            |n: u32, a: f64| 1.0 - p_wait_by_logs(n, a) * (-(n as f64 - a) * 20.0 / 180.0).exp();
        for (a, want) in [(1.0, 3), (10.0, 14), (100.0, 107), (500.0, 510)] {
            let n = required_agents(a, 180.0, 20.0, 0.8).unwrap();
            assert_eq!(n, want, "A = {a}");
            assert!(sl_by_logs(n, a) >= 0.8, "A = {a}: {n} agents meet 80/20");
            let fewer = n - 1;
            assert!(
                fewer as f64 <= a || sl_by_logs(fewer, a) < 0.8,
                "A = {a}: {fewer} agents must fall short"
            );
        }
    }

    #[test]
    fn edges() {
        assert_eq!(p_wait(5, 5.0), None, "N = A never catches up");
        assert_eq!(p_wait(3, 0.0), Some(0.0));
        assert_eq!(required_agents(0.0, 180.0, 20.0, 0.8), Some(0));
        assert_eq!(required_agents(f64::NAN, 180.0, 20.0, 0.8), None);
        assert_eq!(erlang_b(0, 3.0), 1.0);
        // More agents never lower the service level.
        let mut last = 0.0;
        for n in 11..40 {
            let sl = service_level(n, 10.0, 20.0, 180.0).unwrap();
            assert!(sl >= last);
            last = sl;
        }
    }
}
