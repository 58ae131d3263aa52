//! The queue figures (DOMAIN.md "The live queue") from raw call and agent
//! state records, over any interval: pure functions, so the desk, the
//! report endpoint and the tests share one definition.
//!
//! Each count falls in the interval in which its event happened: offered at
//! `offered_ms`, answered at `answered_ms` (within the threshold when the
//! wait is at most T), abandoned at `abandoned_ms` (after the threshold when
//! the wait exceeds T), handled when the after-call work ended
//! (`wrapped_ms`). Intervals are half open, `[from, to)`.

use rapport_api::{AgentId, AgentState, Figures, QueueId};

use super::instant as from_epoch_ms;

/// What the figures need of a call leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub id: i64,
    pub queue_id: QueueId,
    pub offered_ms: i64,
    pub answered_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub wrapped_ms: Option<i64>,
    pub abandoned_ms: Option<i64>,
    pub transferred_ms: Option<i64>,
    pub hold_ms: i64,
}

/// An agent in one state from `from_ms` until `to_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub agent_id: AgentId,
    pub state: AgentState,
    pub from_ms: i64,
    pub to_ms: i64,
}

/// One row of the state log: the agent entered `state` at `at_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateChange {
    pub agent_id: AgentId,
    pub state: AgentState,
    pub at_ms: i64,
}

/// The spans within `[from, to)` of a state log sorted by agent then time.
/// Each agent's last change before `from` (if given) says what state the
/// interval starts in; the last span runs to `to`.
pub fn spans(log: &[StateChange], from_ms: i64, to_ms: i64) -> Vec<Span> {
    let mut out = Vec::new();
    for (i, c) in log.iter().enumerate() {
        let end = match log.get(i + 1) {
            Some(next) if next.agent_id == c.agent_id => next.at_ms,
            _ => to_ms,
        };
        let (s, e) = (c.at_ms.max(from_ms), end.min(to_ms));
        if e > s {
            out.push(Span {
                agent_id: c.agent_id,
                state: c.state,
                from_ms: s,
                to_ms: e,
            });
        }
    }
    out
}

fn within(t: Option<i64>, from_ms: i64, to_ms: i64) -> bool {
    t.is_some_and(|t| t >= from_ms && t < to_ms)
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// The figures of `calls` and `spans` over `[from, to)` with the service
/// level threshold `threshold_ms`. Calls and spans are taken as given: the
/// caller picks the queue's calls and its agents' spans.
pub fn figures<'a>(
    calls: impl IntoIterator<Item = &'a CallRecord>,
    spans: impl IntoIterator<Item = &'a Span>,
    threshold_ms: i64,
    from_ms: i64,
    to_ms: i64,
) -> Figures {
    let mut f = Figures {
        from: from_epoch_ms(from_ms),
        to: from_epoch_ms(to_ms),
        ..Figures::default()
    };
    for c in calls {
        if within(Some(c.offered_ms), from_ms, to_ms) {
            f.offered += 1;
        }
        if let Some(a) = c.answered_ms.filter(|&a| within(Some(a), from_ms, to_ms)) {
            let wait = a - c.offered_ms;
            f.answered += 1;
            f.wait_ms += wait;
            if wait <= threshold_ms {
                f.answered_within += 1;
            }
        }
        if let Some(x) = c.abandoned_ms.filter(|&x| within(Some(x), from_ms, to_ms)) {
            f.abandoned += 1;
            if x - c.offered_ms > threshold_ms {
                f.abandoned_after += 1;
            }
        }
        if within(c.transferred_ms, from_ms, to_ms) {
            f.transferred += 1;
        }
        if let (Some(a), Some(e), Some(w)) = (c.answered_ms, c.ended_ms, c.wrapped_ms)
            && within(Some(w), from_ms, to_ms)
        {
            f.handled += 1;
            f.talk_ms += e - a - c.hold_ms;
            f.hold_ms += c.hold_ms;
            f.acw_ms += w - e;
        }
    }
    for s in spans {
        let d = s.to_ms.min(to_ms) - s.from_ms.max(from_ms);
        if d <= 0 {
            continue;
        }
        if s.state.on_contact() {
            f.contact_ms += d;
        } else if s.state == AgentState::Available {
            f.idle_ms += d;
        }
    }
    derive(&mut f);
    f
}

/// Fill in the ratios from the counts and sums.
pub fn derive(f: &mut Figures) {
    f.sl = ratio(
        f.answered_within as i64,
        f.answered as i64 + f.abandoned_after as i64,
    );
    f.asa_secs = ratio(f.wait_ms, f.answered as i64).map(|v| v / 1000.0);
    f.aht_secs = ratio(f.talk_ms + f.hold_ms + f.acw_ms, f.handled as i64).map(|v| v / 1000.0);
    f.abandon_rate = ratio(f.abandoned as i64, f.offered as i64);
    f.occupancy = ratio(f.contact_ms, f.contact_ms + f.idle_ms);
}

/// Calls offered per bucket of `bucket_ms` over `[from, to)`, oldest first.
pub fn offered_per_bucket<'a>(
    calls: impl IntoIterator<Item = &'a CallRecord>,
    from_ms: i64,
    to_ms: i64,
    bucket_ms: i64,
) -> Vec<u32> {
    let n = ((to_ms - from_ms) / bucket_ms).max(0) as usize;
    let mut out = vec![0u32; n];
    for c in calls {
        if c.offered_ms >= from_ms && c.offered_ms < to_ms {
            let i = ((c.offered_ms - from_ms) / bucket_ms) as usize;
            if let Some(b) = out.get_mut(i) {
                *b += 1;
            }
        }
    }
    out
}

/// Service level per bucket of `bucket_ms` over `[from, to)`.
pub fn sl_per_bucket(
    calls: &[&CallRecord],
    threshold_ms: i64,
    from_ms: i64,
    to_ms: i64,
    bucket_ms: i64,
) -> Vec<Option<f64>> {
    let n = ((to_ms - from_ms) / bucket_ms).max(0);
    (0..n)
        .map(|i| {
            let (a, b) = (from_ms + i * bucket_ms, from_ms + (i + 1) * bucket_ms);
            figures(calls.iter().copied(), [], threshold_ms, a, b).sl
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(offered: i64) -> CallRecord {
        CallRecord {
            id: offered,
            queue_id: 1,
            offered_ms: offered,
            answered_ms: None,
            ended_ms: None,
            wrapped_ms: None,
            abandoned_ms: None,
            transferred_ms: None,
            hold_ms: 0,
        }
    }

    #[test]
    fn each_figure_by_its_definition() {
        let t = 20_000;
        let answered = |o: i64, wait: i64, talk: i64, hold: i64, acw: i64| CallRecord {
            answered_ms: Some(o + wait),
            ended_ms: Some(o + wait + talk + hold),
            wrapped_ms: Some(o + wait + talk + hold + acw),
            hold_ms: hold,
            ..call(o)
        };
        let calls = vec![
            // Answered at once, within T.
            answered(0, 0, 100_000, 0, 30_000),
            // Answered exactly at T: still within.
            answered(1_000, 20_000, 200_000, 10_000, 20_000),
            // Answered late.
            answered(2_000, 45_000, 60_000, 0, 0),
            // Abandoned within T: not in the SL denominator.
            CallRecord {
                abandoned_ms: Some(13_000),
                ..call(3_000)
            },
            // Abandoned after T: counts against SL.
            CallRecord {
                abandoned_ms: Some(64_000),
                ..call(4_000)
            },
            // Still waiting.
            call(5_000),
        ];
        let spans = [
            Span {
                agent_id: 1,
                state: AgentState::OnCall,
                from_ms: 0,
                to_ms: 300_000,
            },
            Span {
                agent_id: 2,
                state: AgentState::Available,
                from_ms: 0,
                to_ms: 100_000,
            },
            Span {
                agent_id: 2,
                state: AgentState::Break,
                from_ms: 100_000,
                to_ms: 900_000,
            },
        ];
        let f = figures(&calls, &spans, t, 0, 1_000_000);
        assert_eq!((f.offered, f.answered, f.answered_within), (6, 3, 2));
        assert_eq!((f.abandoned, f.abandoned_after), (2, 1));
        assert_eq!(f.sl, Some(2.0 / 4.0));
        assert_eq!(f.wait_ms, 65_000);
        assert_eq!(f.asa_secs, Some(65.0 / 3.0));
        assert_eq!(f.handled, 3);
        assert_eq!((f.talk_ms, f.hold_ms, f.acw_ms), (360_000, 10_000, 50_000));
        assert_eq!(f.aht_secs, Some(420.0 / 3.0));
        assert_eq!(f.abandon_rate, Some(2.0 / 6.0));
        assert_eq!((f.contact_ms, f.idle_ms), (300_000, 100_000));
        assert_eq!(f.occupancy, Some(0.75));
    }

    #[test]
    fn events_count_in_the_interval_they_happen_in() {
        let c = CallRecord {
            answered_ms: Some(70_000),
            ended_ms: Some(130_000),
            wrapped_ms: Some(190_000),
            ..call(50_000)
        };
        let f = figures([&c], [], 20_000, 0, 60_000);
        assert_eq!((f.offered, f.answered, f.handled), (1, 0, 0));
        let f = figures([&c], [], 20_000, 60_000, 120_000);
        assert_eq!((f.offered, f.answered, f.handled), (0, 1, 0));
        assert_eq!(f.answered_within, 1, "a 20 s wait is within 20 s");
        let f = figures([&c], [], 20_000, 120_000, 190_000);
        assert_eq!(f.handled, 0, "half open: 190 s is the next interval's");
        let f = figures([], [], 20_000, 0, 60_000);
        assert_eq!(
            (f.sl, f.asa_secs, f.aht_secs, f.abandon_rate),
            (None, None, None, None)
        );
    }

    #[test]
    fn spans_are_cut_to_the_interval() {
        let log = [
            StateChange {
                agent_id: 1,
                state: AgentState::Available,
                at_ms: 0,
            },
            StateChange {
                agent_id: 1,
                state: AgentState::OnCall,
                at_ms: 50,
            },
            StateChange {
                agent_id: 2,
                state: AgentState::Break,
                at_ms: 10,
            },
        ];
        let s = spans(&log, 20, 100);
        assert_eq!(
            s,
            vec![
                Span {
                    agent_id: 1,
                    state: AgentState::Available,
                    from_ms: 20,
                    to_ms: 50
                },
                Span {
                    agent_id: 1,
                    state: AgentState::OnCall,
                    from_ms: 50,
                    to_ms: 100
                },
                Span {
                    agent_id: 2,
                    state: AgentState::Break,
                    from_ms: 20,
                    to_ms: 100
                },
            ]
        );
    }

    #[test]
    fn buckets() {
        let calls: Vec<CallRecord> = [0, 59_999, 60_000, 179_999, 180_000].map(call).into();
        assert_eq!(
            offered_per_bucket(&calls, 0, 180_000, 60_000),
            vec![2, 1, 1]
        );
        let refs: Vec<&CallRecord> = calls.iter().collect();
        assert_eq!(
            sl_per_bucket(&refs, 20_000, 0, 180_000, 60_000),
            vec![None; 3]
        );
    }
}
