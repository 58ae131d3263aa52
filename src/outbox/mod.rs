//! Every write the client makes goes through here: stored durably on disk
//! first ([`store`]), then sent in order, one at a time, with the same
//! Idempotency-Key on every attempt until the server acknowledges it.
//!
//! A failure that may pass (no connection, a 5xx, a request still in flight
//! on the server) is retried with exponential backoff and jitter, capped;
//! the queue waits behind it so writes keep their order. A refusal that
//! will not pass (validation, a stale version, permission) moves the write to
//! the failed list for the agent to review, and the queue moves on.
//!
//! The task reports to the app as actions: queued, acknowledged, retrying,
//! refused.

pub mod store;

use std::collections::VecDeque;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use tokio::sync::mpsc;

use crate::api::{ApiClient, ApiError};
use crate::app::{Action, FileTrouble, TroubleKind, WriteRequest};
pub use store::{Entry, Failed, Store};

/// First retry after about this long; doubled per attempt up to [`CAP`].
pub const BASE: Duration = Duration::from_millis(250);
pub const CAP: Duration = Duration::from_secs(15);

/// What the app asks of the outbox.
#[derive(Debug)]
pub enum Command {
    /// Store and send a write. `tag` comes back with the `Queued` action
    /// (the form that asked for it).
    Enqueue {
        request: Box<WriteRequest>,
        tag: u64,
    },
    /// Skip the wait before the next attempt.
    RetryNow,
    /// The agent discarded a refused write.
    Discard { key: String },
    /// Read an entry kept aside again and queue it if it reads.
    ReadBack { path: std::path::PathBuf },
    /// The agent confirmed: delete an entry kept aside.
    DiscardUnreadable { path: std::path::PathBuf },
}

/// The handle the runtime keeps.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Command>,
}

impl Outbox {
    pub fn send(&self, c: Command) {
        if self.tx.send(c).is_err() {
            tracing::error!("the outbox task has stopped");
        }
    }
}

/// True when trying again may succeed: the write stays queued.
pub fn is_transient(e: &ApiError) -> bool {
    match e {
        ApiError::Unreachable { .. } | ApiError::BadResponse { .. } => true,
        ApiError::Setup(_) => false,
        // 401: a revoked or expired token; once it is fixed the write goes.
        ApiError::Problem(p) => matches!(p.status, 401 | 408 | 409 | 425 | 429 | 500..=599),
    }
}

/// The wait before attempt `n` (1-based): a random time between half and
/// all of an exponential ceiling, so many clients coming back at once
/// spread out, yet none hammers a server that is down.
pub fn backoff(n: u32, rng: &mut impl Rng) -> Duration {
    jittered(n, BASE, CAP, rng)
}

/// Attempt `n` (1-based) of an exponential backoff from `base` capped at
/// `cap`: a random time between half and all of `base·2^(n-1)`. Shared by
/// the outbox and the event stream.
pub fn jittered(n: u32, base: Duration, cap: Duration, rng: &mut impl Rng) -> Duration {
    let ceiling = base
        .saturating_mul(1u32 << n.saturating_sub(1).min(16))
        .min(cap);
    let ms = ceiling.as_millis() as u64;
    Duration::from_millis(rng.random_range(ms / 2..=ms.max(1)))
}

/// Start the sender with what [`Store::open`] found still queued.
pub fn spawn(
    store: Store,
    pending: Vec<Entry>,
    api: ApiClient,
    actions: mpsc::UnboundedSender<Action>,
) -> Outbox {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(store, pending.into(), api, rx, actions));
    Outbox { tx }
}

async fn run(
    mut store: Store,
    mut queue: VecDeque<Entry>,
    api: ApiClient,
    mut commands: mpsc::UnboundedReceiver<Command>,
    actions: mpsc::UnboundedSender<Action>,
) {
    let report = |a: Action| {
        let _ = actions.send(a);
    };
    let mut attempt: u32 = 0;
    loop {
        let Some(front) = queue.front().cloned() else {
            match commands.recv().await {
                Some(c) => handle(c, &mut store, &mut queue, &report),
                None => return,
            }
            continue;
        };
        // Send the oldest write; keep accepting commands meanwhile, so a
        // new write is on disk at once even while a send hangs.
        let send = api.write(&front.request, &front.key);
        tokio::pin!(send);
        let result = loop {
            tokio::select! {
                r = &mut send => break Some(r),
                c = commands.recv() => match c {
                    Some(c) => handle(c, &mut store, &mut queue, &report),
                    None => break None,
                },
            }
        };
        let Some(result) = result else { return };
        match result {
            Ok(reply) => {
                attempt = 0;
                if let Err(e) = store.remove(front.seq) {
                    // Stays on disk: it will be sent again with its key and
                    // the server will replay, so nothing doubles.
                    tracing::error!(error = %e, "could not remove an acknowledged write");
                }
                queue.pop_front();
                report(Action::WriteAcked {
                    seq: front.seq,
                    kind: front.request.kind.clone(),
                    customer_id: front.request.customer_id,
                    reply: reply.body,
                    replayed: reply.replayed,
                    queued: queue.len(),
                });
            }
            Err(e) if is_transient(&e) => {
                attempt += 1;
                let wait = backoff(attempt, &mut rand::rng());
                tracing::info!(error = %e, attempt, wait_ms = wait.as_millis() as u64, "write not delivered; retrying");
                report(Action::WriteRetrying {
                    queued: queue.len(),
                    attempt,
                    retry_in_ms: wait.as_millis() as u64,
                    reason: e.to_string(),
                    unreachable: e.is_connection(),
                });
                let sleep = tokio::time::sleep(wait);
                tokio::pin!(sleep);
                loop {
                    tokio::select! {
                        _ = &mut sleep => break,
                        c = commands.recv() => match c {
                            Some(Command::RetryNow) => break,
                            Some(c) => handle(c, &mut store, &mut queue, &report),
                            None => return,
                        },
                    }
                }
            }
            Err(e) => {
                attempt = 0;
                let failed = Failed {
                    status: e.status(),
                    reason: e.to_string(),
                    current: match &e {
                        ApiError::Problem(p) => p.current.clone(),
                        _ => None,
                    },
                    entry: front.clone(),
                    failed_at: Utc::now(),
                };
                tracing::warn!(reason = %failed.reason, summary = %front.request.summary, "write refused");
                if let Err(io) = store.fail(&failed) {
                    tracing::error!(error = %io, "could not move a refused write to the failed list");
                }
                queue.pop_front();
                report(Action::WriteRefused {
                    failed: Box::new(failed),
                    queued: queue.len(),
                });
            }
        }
    }
}

fn handle(c: Command, store: &mut Store, queue: &mut VecDeque<Entry>, report: &impl Fn(Action)) {
    match c {
        Command::Enqueue { request, tag } => match store.put(*request) {
            Ok(e) => {
                queue.push_back(e.clone());
                report(Action::Queued {
                    tag,
                    entry: Box::new(e),
                    queued: queue.len(),
                });
            }
            Err(err) => report(Action::QueueFailed {
                tag,
                reason: format!(
                    "Could not store the change on disk ({err}); it is still on screen — free some space or check {}.",
                    store.dir().display()
                ),
            }),
        },
        Command::RetryNow => {}
        Command::Discard { key } => {
            if let Err(e) = store.forget_failed(&key) {
                tracing::error!(error = %e, "could not remove a discarded write");
            }
        }
        Command::ReadBack { path } => match store.read_back(&path) {
            Ok(e) => {
                queue.push_back(e.clone());
                report(Action::Queued {
                    tag: 0,
                    entry: Box::new(e),
                    queued: queue.len(),
                });
                report(Action::FileOk { path, draft: None });
            }
            Err(reason) => report(Action::FileTrouble(Box::new(FileTrouble {
                kind: TroubleKind::OutboxUnreadable,
                path,
                reason,
                at: Utc::now(),
            }))),
        },
        Command::DiscardUnreadable { path } => match store.discard_unreadable(&path) {
            Ok(()) => report(Action::FileOk { path, draft: None }),
            Err(e) => report(Action::FileTrouble(Box::new(FileTrouble {
                kind: TroubleKind::OutboxUnreadable,
                path,
                reason: format!("could not delete it: {e}"),
                at: Utc::now(),
            }))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_api::Problem;

    fn problem(status: u16) -> ApiError {
        ApiError::Problem(Box::new(Problem {
            type_: "about:blank".into(),
            title: "x".into(),
            status,
            detail: None,
            instance: None,
            errors: vec![],
            current: None,
        }))
    }

    #[test]
    fn what_is_retried_and_what_is_refused() {
        for s in [401, 408, 409, 429, 500, 502, 503] {
            assert!(is_transient(&problem(s)), "{s}");
        }
        for s in [400, 403, 404, 412, 422, 428] {
            assert!(!is_transient(&problem(s)), "{s}");
        }
        assert!(is_transient(&ApiError::Unreachable {
            url: "x".into(),
            reason: "refused".into()
        }));
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let mut rng = rand::rng();
        for n in 1..40 {
            let d = backoff(n, &mut rng);
            let ceiling = BASE.saturating_mul(1 << (n - 1).min(16)).min(CAP);
            assert!(d <= ceiling && d >= ceiling / 2, "{n}: {d:?}");
        }
        assert!(backoff(30, &mut rng) <= CAP);
    }
}
