//! The live event stream (`GET /v1/events`), kept open for as long as the
//! client runs: every event is passed to the app as an action, in order;
//! after any break the stream is reopened with `Last-Event-ID` so nothing is
//! missed and nothing is applied twice (ids only grow; an id not above the
//! last one passed on is dropped here, and again in `update`).
//!
//! The reconnect policy is ours: exponential backoff with jitter and a cap,
//! reset once a connection has delivered something. A connection that stays
//! silent past three heartbeats is taken for dead and reopened.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use rand::Rng;
use rapport_api::Event;
use rapport_api::events::HEARTBEAT_SECS;
use tokio::sync::{Notify, mpsc};

use super::ApiClient;
use crate::app::Action;

pub const BASE: Duration = Duration::from_millis(500);
pub const CAP: Duration = Duration::from_secs(30);
/// A connection up this long counts as good even if it carried no event.
const STEADY: Duration = Duration::from_secs(10);
/// No bytes for this long (three heartbeats) means the link is dead.
pub const SILENCE: Duration = Duration::from_secs(3 * HEARTBEAT_SECS);
/// How often silence is checked.
const CHECK: Duration = Duration::from_secs(5);

/// Wait before reconnect attempt `n` (1-based): random between half and
/// all of `BASE·2^(n-1)`, at most `CAP`.
pub fn backoff(n: u32, rng: &mut impl Rng) -> Duration {
    crate::outbox::jittered(n, BASE, CAP, rng)
}

/// Why one connection ended.
enum End {
    /// Never got going: the server did not answer or refused.
    Failed(String),
    /// Delivered events, then broke.
    Broke(String),
}

/// Run until the app goes away. `last_id` is where to resume (None: from
/// now). `wake` cuts a reconnect wait short (the server is known to be
/// back).
pub async fn run(
    api: ApiClient,
    actions: mpsc::UnboundedSender<Action>,
    mut last_id: Option<i64>,
    wake: Arc<Notify>,
) {
    let mut attempt: u32 = 0;
    loop {
        let end = connect_once(&api, &actions, &mut last_id).await;
        if actions.is_closed() {
            return;
        }
        let reason = match end {
            End::Failed(r) => {
                attempt += 1;
                r
            }
            End::Broke(r) => {
                attempt = 1;
                r
            }
        };
        let wait = backoff(attempt, &mut rand::rng());
        tracing::info!(%reason, attempt, wait_ms = wait.as_millis() as u64, "event stream down; reconnecting");
        if actions
            .send(Action::EventsDown {
                reason,
                retry_in_ms: wait.as_millis() as u64,
            })
            .is_err()
        {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
    }
}

async fn connect_once(
    api: &ApiClient,
    actions: &mpsc::UnboundedSender<Action>,
    last_id: &mut Option<i64>,
) -> End {
    let resp = match api.events(*last_id).await {
        Ok(r) => r,
        Err(e) => return End::Failed(e.to_string()),
    };
    if actions.send(Action::EventsUp).is_err() {
        return End::Broke("closing".into());
    }
    let opened = std::time::Instant::now();
    // Heartbeats are comments, which the parser swallows: watch the bytes
    // themselves to tell a quiet link from a dead one.
    let heard = Arc::new(AtomicU64::new(0));
    let mark = Arc::clone(&heard);
    let mut stream = resp
        .bytes_stream()
        .inspect(move |_| mark.store(opened.elapsed().as_millis() as u64, Ordering::Relaxed))
        .eventsource();
    let mut delivered = false;
    loop {
        // A connection that delivered, or stayed up a while, was good: the
        // next attempt starts the backoff afresh.
        let good = || delivered || opened.elapsed() >= STEADY;
        let next = match tokio::time::timeout(CHECK, stream.next()).await {
            Err(_) => {
                let quiet = opened.elapsed() - Duration::from_millis(heard.load(Ordering::Relaxed));
                if quiet < SILENCE {
                    continue;
                }
                return end(good(), "no heartbeat from the server".into());
            }
            Ok(None) => return end(good(), "the server closed the event stream".into()),
            Ok(Some(Err(e))) => return end(good(), format!("event stream broke: {e}")),
            Ok(Some(Ok(m))) => m,
        };
        delivered = true;
        let event: Event = match serde_json::from_str(&next.data) {
            Ok(e) => e,
            Err(e) => {
                // A kind this version does not know: skip it, but still
                // move past its id so a resume does not ask for it again.
                tracing::debug!(kind = %next.event, error = %e, "skipping an event this version cannot read");
                if let Ok(id) = next.id.parse::<i64>() {
                    *last_id = Some(last_id.map_or(id, |l| l.max(id)));
                }
                continue;
            }
        };
        if let Some(id) = event.id {
            if last_id.is_some_and(|l| id <= l) {
                continue;
            }
            *last_id = Some(id);
        }
        if actions.send(Action::ServerEvent(Box::new(event))).is_err() {
            return End::Broke("closing".into());
        }
    }
}

fn end(good: bool, why: String) -> End {
    if good {
        End::Broke(why)
    } else {
        End::Failed(why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_and_jittered() {
        let mut rng = rand::rng();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            seen.insert(backoff(3, &mut rng));
        }
        assert!(seen.len() > 1, "jitter spreads reconnects");
        for n in 1..64 {
            assert!(backoff(n, &mut rng) <= CAP);
        }
        assert!(backoff(1, &mut rng) <= BASE);
    }
}
