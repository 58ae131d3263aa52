//! The event loop and the effect executor.
//!
//! Keys, replies, timers and signals become actions; actions go through
//! `update`; effects run as tokio tasks and come back as actions carrying
//! their request id. The screen is drawn only after something happened,
//! once per batch of whatever was ready at that moment, never on a fixed
//! frame rate: idle costs no CPU and writes no bytes. A one-second tick runs
//! only when something on screen changes with the clock (a countdown shown
//! to the minute wakes once a minute).

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use std::path::PathBuf;

use rapport_api::CustomerId;
use tokio::sync::watch;

use crate::api::ApiClient;
use crate::app::input::key_to_action;
use crate::app::{Action, AppState, Effect, FileTrouble, TroubleKind, init, update};
use crate::drafts::Drafts;
use crate::keymap::Keymap;
use crate::outbox::{self, Outbox};
use crate::theme::Theme;
use crate::tui::Tui;
use crate::ui;

/// At most this many ready actions are applied before a frame is drawn, so
/// a flood (a long paste) still shows progress.
const MAX_BATCH: usize = 256;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Quit right after the first frame is painted, reporting how long it
    /// took since this instant (the launch benchmark).
    pub exit_after_first_frame: Option<Instant>,
}

/// Where the client keeps its own files for this server and agent.
#[derive(Debug, Default)]
pub struct Local {
    /// The outbox, opened (None: writes cannot be made durable, and say so).
    pub outbox: Option<outbox::store::Opened>,
    /// Why the outbox could not be opened.
    pub outbox_error: Option<String>,
    pub drafts: Option<Drafts>,
    /// The taxonomy as last received, for forms while offline.
    pub taxonomy_cache: Option<PathBuf>,
}

/// What effects run against.
#[derive(Clone)]
pub struct Services {
    pub api: ApiClient,
    pub outbox: Option<Outbox>,
    pub outbox_error: Option<String>,
    pub drafts: Option<mpsc::UnboundedSender<crate::drafts::Job>>,
    /// The drafts directory, to read a draft kept aside back.
    pub drafts_dir: Option<Drafts>,
    pub taxonomy_cache: Option<PathBuf>,
    /// The customer this agent has open, for the presence task.
    pub presence: watch::Sender<Option<CustomerId>>,
    /// Cuts the event stream's reconnect wait short.
    pub events_wake: std::sync::Arc<tokio::sync::Notify>,
}

/// How often presence is repeated while a customer stays open.
const PRESENCE_EVERY: Duration = Duration::from_secs(30);

/// Tell the server which customer is open, on every change and every
/// [`PRESENCE_EVERY`] while one is.
async fn presence_task(api: ApiClient, mut rx: watch::Receiver<Option<CustomerId>>) {
    loop {
        let current = *rx.borrow_and_update();
        if let Err(e) = api.presence(current).await {
            tracing::debug!(error = %e, "presence not sent");
        }
        let wait = async {
            if current.is_some() {
                tokio::time::sleep(PRESENCE_EVERY).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            changed = rx.changed() => if changed.is_err() { return },
            _ = wait => {}
        }
    }
}

/// Run one effect as a task; its outcome comes back on `tx`.
pub fn spawn_effect(fx: Effect, sv: &Services, tx: &mpsc::UnboundedSender<Action>) {
    let api = sv.api.clone();
    let tx = tx.clone();
    tracing::debug!(?fx, "effect");
    match fx {
        Effect::Quit => {}
        Effect::Queues(q) => crate::api::queues::spawn(q, &api, &tx),
        Effect::LoadTaxonomy { id } => {
            let cache = sv.taxonomy_cache.clone();
            tokio::spawn(async move {
                let r = api.taxonomy().await;
                let r = match (r, cache) {
                    (Ok(t), Some(path)) => {
                        if let Ok(bytes) = serde_json::to_vec(&t)
                            && let Err(e) = std::fs::write(&path, bytes)
                        {
                            tracing::warn!(error = %e, "could not cache the taxonomy");
                        }
                        Ok(t)
                    }
                    // Offline: the lists as last received keep forms usable.
                    (Err(e), Some(path)) => match std::fs::read(&path)
                        .ok()
                        .and_then(|b| serde_json::from_slice(&b).ok())
                    {
                        Some(t) => {
                            tracing::info!(error = %e, "using the cached taxonomy");
                            Ok(t)
                        }
                        None => Err(e),
                    },
                    (r, None) => r,
                };
                log_failure("taxonomy", &r);
                let _ = tx.send(Action::TaxonomyDone(id, r));
            });
        }
        Effect::Enqueue { tag, request } => match &sv.outbox {
            Some(o) => o.send(outbox::Command::Enqueue { request, tag }),
            None => {
                let _ = tx.send(Action::QueueFailed {
                    tag,
                    reason: sv.outbox_error.clone().unwrap_or_else(|| {
                        "Changes cannot be stored on this machine; nothing was sent.".into()
                    }),
                });
            }
        },
        Effect::RetryNow => {
            if let Some(o) = &sv.outbox {
                o.send(outbox::Command::RetryNow);
            }
            sv.events_wake.notify_one();
        }
        Effect::DiscardFailed { key } => {
            if let Some(o) = &sv.outbox {
                o.send(outbox::Command::Discard { key });
            }
        }
        Effect::SaveDraft(d) => {
            if let Some(w) = &sv.drafts {
                let _ = w.send(crate::drafts::Job::Save(d));
            }
        }
        Effect::DeleteDraft(key) => {
            if let Some(w) = &sv.drafts {
                let _ = w.send(crate::drafts::Job::Remove(key));
            }
        }
        Effect::RetryFile(t) => retry_file(*t, sv, &tx),
        Effect::DiscardFile(t) => discard_file(*t, sv, &tx),
        Effect::Reveal {
            id,
            customer,
            reason,
        } => {
            tokio::spawn(async move {
                let r = api.reveal(customer, &reason).await;
                log_failure("reveal", &r);
                let _ = tx.send(Action::RevealDone(id, r.map(Box::new)));
            });
        }
        Effect::Presence(c) => {
            sv.presence.send_replace(c);
        }
        Effect::Debounce { id, ms } => {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let _ = tx.send(Action::SearchDue(id));
            });
        }
        Effect::Search { id, query, limit } => {
            tokio::spawn(async move {
                let r = api.search(&query, limit).await;
                log_failure("search", &r);
                let _ = tx.send(Action::SearchDone(id, r));
            });
        }
        Effect::LoadView { id, customer } => {
            tokio::spawn(async move {
                let r = api.customer_view(customer).await;
                log_failure("customer view", &r);
                let _ = tx.send(Action::ViewDone(id, r.map(Box::new)));
            });
        }
        Effect::LoadHistory {
            id,
            customer,
            cursor,
            channel,
        } => {
            tokio::spawn(async move {
                let r = api.interactions(customer, cursor.as_deref(), channel).await;
                log_failure("history page", &r);
                let _ = tx.send(Action::HistoryDone(id, r));
            });
        }
        Effect::SignIn { id } => {
            tokio::spawn(async move {
                let r = api.me().await;
                log_failure("sign in", &r);
                let _ = tx.send(Action::SignedIn(id, r));
            });
        }
        Effect::LoadInsights { id } => {
            tokio::spawn(async move {
                let r = api.insights().await;
                log_failure("insights", &r);
                let _ = tx.send(Action::InsightsDone(id, r.map(Box::new)));
            });
        }
        Effect::Probe { id, after_ms } => {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(after_ms)).await;
                let r = api.health().await;
                let _ = tx.send(Action::ProbeDone(id, r));
            });
        }
    }
}

/// Try a file in trouble again; the outcome comes back as `FileOk` or a
/// fresh `FileTrouble`.
fn retry_file(t: FileTrouble, sv: &Services, tx: &mpsc::UnboundedSender<Action>) {
    match t.kind {
        TroubleKind::DraftNotWritten(d) => match &sv.drafts {
            Some(w) => {
                let _ = w.send(crate::drafts::Job::Save(d));
            }
            None => {
                let _ = tx.send(Action::FileTrouble(Box::new(FileTrouble {
                    kind: TroubleKind::DraftNotWritten(d),
                    reason: "the drafts directory cannot be opened".into(),
                    ..t
                })));
            }
        },
        TroubleKind::OutboxUnreadable => match &sv.outbox {
            Some(o) => o.send(outbox::Command::ReadBack { path: t.path }),
            None => {
                let _ = tx.send(Action::FileTrouble(Box::new(FileTrouble {
                    reason: sv
                        .outbox_error
                        .clone()
                        .unwrap_or_else(|| "the outbox cannot be opened".into()),
                    ..t
                })));
            }
        },
        TroubleKind::DraftUnreadable => {
            let drafts = sv.drafts_dir.clone();
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let r = match &drafts {
                    Some(d) => d.read_back(&t.path),
                    None => Err("the drafts directory cannot be opened".into()),
                };
                let _ = tx.send(match r {
                    Ok(d) => Action::FileOk {
                        path: t.path,
                        draft: Some(Box::new(d)),
                    },
                    Err(reason) => Action::FileTrouble(Box::new(FileTrouble { reason, ..t })),
                });
            });
        }
    }
}

/// The agent confirmed discarding: an unreadable file is deleted; a draft
/// that could not be written is no longer offered (its form, if open, still
/// holds it).
fn discard_file(t: FileTrouble, sv: &Services, tx: &mpsc::UnboundedSender<Action>) {
    match t.kind {
        TroubleKind::DraftNotWritten(_) => {
            let _ = tx.send(Action::FileOk {
                path: t.path,
                draft: None,
            });
        }
        TroubleKind::OutboxUnreadable => match &sv.outbox {
            Some(o) => o.send(outbox::Command::DiscardUnreadable { path: t.path }),
            None => {
                let _ = tx.send(Action::FileTrouble(Box::new(FileTrouble {
                    reason: "the outbox cannot be opened".into(),
                    ..t
                })));
            }
        },
        TroubleKind::DraftUnreadable => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let ok = t.path.parent().and_then(|p| p.file_name())
                    == Some(std::ffi::OsStr::new(crate::drafts::UNREADABLE));
                let r = if ok {
                    std::fs::remove_file(&t.path).map_err(|e| e.to_string())
                } else {
                    Err("not a file kept aside".into())
                };
                let _ = tx.send(match r {
                    Ok(()) => Action::FileOk {
                        path: t.path,
                        draft: None,
                    },
                    Err(e) => Action::FileTrouble(Box::new(FileTrouble {
                        reason: format!("could not delete it: {e}"),
                        ..t
                    })),
                });
            });
        }
    }
}

fn log_failure<T>(what: &str, r: &Result<T, crate::api::ApiError>) {
    if let Err(e) = r {
        tracing::warn!(error = %e, "{what} failed");
    }
}

enum Step {
    Continue,
    Quit,
}

/// How long quitting waits for the server to hear the agent signs off.
const SIGN_OFF_WAIT: Duration = Duration::from_secs(2);

/// Leaving: an agent who is available, on break or in wrap-up signs off,
/// so no call is routed to a desk nobody sits at (a call in progress goes
/// on: the telephony system ends it). Best effort, briefly.
async fn sign_off(state: &AppState, sv: &Services) -> anyhow::Result<Option<Duration>> {
    use rapport_api::AgentState::*;
    if matches!(state.calls.state(), Some(Available | Break | AfterCallWork)) {
        match tokio::time::timeout(SIGN_OFF_WAIT, sv.api.set_state(Offline)).await {
            Ok(Ok(_)) => tracing::info!("signed off"),
            Ok(Err(e)) => tracing::warn!(error = %e, "could not sign off"),
            Err(_) => tracing::warn!("no answer to signing off in time"),
        }
    }
    Ok(None)
}

/// Start the outbox sender, the event stream and presence, and hand the
/// app what an earlier run left behind.
pub fn start_services(
    api: ApiClient,
    local: Local,
    tx: &mpsc::UnboundedSender<Action>,
    state: &mut AppState,
) -> Services {
    let (presence, presence_rx) = watch::channel(None);
    tokio::spawn(presence_task(api.clone(), presence_rx));
    let events_wake = std::sync::Arc::new(tokio::sync::Notify::new());
    tokio::spawn(crate::api::events::run(
        api.clone(),
        tx.clone(),
        None,
        events_wake.clone(),
    ));
    let (drafts, mut files) = local
        .drafts
        .as_ref()
        .and_then(|d| {
            d.list()
                .map_err(|e| tracing::error!(error = %e, "cannot list drafts"))
                .ok()
        })
        .unwrap_or_default();
    let (outbox, queued, failed) = match local.outbox {
        Some(opened) => {
            let queued = opened.pending.clone();
            files.extend(opened.unreadable);
            let o = outbox::spawn(opened.store, opened.pending, api.clone(), tx.clone());
            (Some(o), queued, opened.failed)
        }
        None => (None, Vec::new(), Vec::new()),
    };
    let recovered = update(
        state,
        Action::Recovered {
            queued,
            failed,
            drafts,
            files,
        },
    );
    if let Some(e) = &local.outbox_error {
        state.last_error = Some(e.clone());
    }
    let sv = Services {
        api,
        outbox,
        outbox_error: local.outbox_error,
        drafts: local
            .drafts
            .clone()
            .map(|d| crate::drafts::spawn_writer(d, tx.clone())),
        drafts_dir: local.drafts,
        taxonomy_cache: local.taxonomy_cache,
        presence,
        events_wake,
    };
    for fx in recovered {
        spawn_effect(fx, &sv, tx);
    }
    sv
}

/// Run until the agent quits or a signal arrives. Returns the time to the
/// first painted frame when asked for it.
pub async fn run(
    tui: &mut Tui,
    mut state: AppState,
    theme: &Theme,
    keymap: &Keymap,
    api: ApiClient,
    local: Local,
    opts: Options,
) -> anyhow::Result<Option<Duration>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let sv = start_services(api, local, &tx, &mut state);
    let (w, h) = tui.size();
    update(&mut state, Action::Resize(w, h));
    for fx in init(&mut state) {
        spawn_effect(fx, &sv, &tx);
    }
    let mut events = EventStream::new();
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;

    // Apply one action; run its effects.
    let apply = |state: &mut AppState, a: Action| -> Step {
        for fx in update(state, a) {
            if fx == Effect::Quit {
                return Step::Quit;
            }
            spawn_effect(fx, &sv, &tx);
        }
        if state.quit {
            Step::Quit
        } else {
            Step::Continue
        }
    };
    let to_action = |state: &AppState, ev: Event| -> Option<Action> {
        match ev {
            Event::Key(k) => key_to_action(state, keymap, &k),
            Event::Paste(text) => Some(Action::Paste(text)),
            Event::Resize(w, h) => Some(Action::Resize(w, h)),
            _ => None,
        }
    };

    loop {
        let written = tui.draw(|f| ui::draw(f, &state, theme, keymap))?;
        tracing::trace!(bytes = written, "frame");
        if let Some(started) = opts.exit_after_first_frame {
            return Ok(Some(started.elapsed()));
        }
        // Wake only when something on screen will change with the clock,
        // on the whole second it changes at.
        let next = state.next_change();
        let tick = async move {
            match next {
                Some(d) => {
                    let sub = chrono::Utc::now().timestamp_subsec_millis() as i64 % 1000;
                    let ms = d.num_milliseconds() - sub;
                    tokio::time::sleep(Duration::from_millis(ms.max(1) as u64)).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        // Wait for the first thing to happen.
        let first = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => to_action(&state, ev),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(None),
            },
            Some(a) = rx.recv() => Some(a),
            _ = tick => Some(Action::Tick(chrono::Utc::now())),
            _ = term.recv() => return sign_off(&state, &sv).await,
            _ = hup.recv() => return sign_off(&state, &sv).await,
            _ = int.recv() => return sign_off(&state, &sv).await,
        };
        // The clock moves with every batch, so what is stamped or counted
        // down is measured against now, not the last tick.
        if !matches!(first, Some(Action::Tick(_))) {
            apply(&mut state, Action::Tick(chrono::Utc::now()));
        }
        if let Some(a) = first
            && let Step::Quit = apply(&mut state, a)
        {
            return sign_off(&state, &sv).await;
        }
        // Then take whatever else is ready now, without waiting, so a burst
        // of keys or replies becomes one frame.
        for _ in 0..MAX_BATCH {
            let next = tokio::select! {
                biased;
                ev = events.next() => match ev {
                    Some(Ok(ev)) => to_action(&state, ev),
                    Some(Err(e)) => return Err(e.into()),
                    None => return Ok(None),
                },
                Some(a) = rx.recv() => Some(a),
                _ = tokio::task::yield_now() => break,
            };
            if let Some(a) = next
                && let Step::Quit = apply(&mut state, a)
            {
                return sign_off(&state, &sv).await;
            }
        }
    }
}
