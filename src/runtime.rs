//! The event loop and the effect executor.
//!
//! Keys, replies, timers and signals become actions; actions go through
//! `update`; effects run as tokio tasks and come back as actions carrying
//! their request id. The screen is drawn only after something happened,
//! once per batch of whatever was ready at that moment, never on a fixed
//! frame rate: idle costs no CPU and writes no bytes. A one-second tick runs
//! only while a countdown is on screen.

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::api::ApiClient;
use crate::app::input::key_to_action;
use crate::app::{Action, AppState, Effect, init, update};
use crate::keymap::Keymap;
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

/// Run one effect as a task; its outcome comes back on `tx`.
pub fn spawn_effect(fx: Effect, api: &ApiClient, tx: &mpsc::UnboundedSender<Action>) {
    let api = api.clone();
    let tx = tx.clone();
    tracing::debug!(?fx, "effect");
    match fx {
        Effect::Quit => {}
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
        Effect::Probe { id, after_ms } => {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(after_ms)).await;
                let r = api.health().await;
                let _ = tx.send(Action::ProbeDone(id, r));
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

/// Run until the agent quits or a signal arrives. Returns the time to the
/// first painted frame when asked for it.
pub async fn run(
    tui: &mut Tui,
    mut state: AppState,
    theme: &Theme,
    keymap: &Keymap,
    api: ApiClient,
    opts: Options,
) -> anyhow::Result<Option<Duration>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let (w, h) = tui.size();
    update(&mut state, Action::Resize(w, h));
    for fx in init(&mut state) {
        spawn_effect(fx, &api, &tx);
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
            spawn_effect(fx, &api, &tx);
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
        // A tick a second only while a countdown is on screen, aligned to
        // the next whole second of the clock.
        let countdown = state.has_countdown();
        let tick = async move {
            if countdown {
                let ms = 1000 - (chrono::Utc::now().timestamp_subsec_millis() as u64 % 1000);
                tokio::time::sleep(Duration::from_millis(ms.max(1))).await;
            } else {
                std::future::pending::<()>().await;
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
            _ = term.recv() => return Ok(None),
            _ = hup.recv() => return Ok(None),
            _ = int.recv() => return Ok(None),
        };
        if let Some(a) = first
            && let Step::Quit = apply(&mut state, a)
        {
            return Ok(None);
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
                return Ok(None);
            }
        }
    }
}
