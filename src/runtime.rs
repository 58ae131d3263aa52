//! The event loop: keys, replies, timers and signals become actions; actions
//! go through `update`; effects run as tasks; the screen is drawn only when
//! something changed (never on a fixed frame rate, so idle costs nothing).

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::api::{ApiClient, ApiError};
use crate::app::{Action, AppState, ConnectionState, Effect, update};
use crate::keymap::{Context, Key, Keymap};
use crate::theme::Theme;
use crate::tui::Tui;
use crate::ui;

pub struct Options {
    /// Quit right after the first frame is painted, reporting how long it
    /// took since `started` (used by the launch benchmark).
    pub exit_after_first_frame: Option<Instant>,
}

/// Map a key event to an action in the current context.
pub fn key_action(s: &AppState, k: &Keymap, key: &Key, code: KeyCode) -> Option<Action> {
    let ctx = if s.help { Context::Global } else { s.context() };
    if ctx == Context::Search {
        // Keys bound on the search screen win; other plain characters type.
        if let Some(cmd) = k.lookup_in(Context::Search, key) {
            return Some(Action::Command(cmd));
        }
        if let Some(c) = key.typed_char() {
            return Some(Action::Input(c));
        }
        if code == KeyCode::Backspace {
            return Some(Action::Backspace);
        }
    }
    k.lookup(ctx, key).map(Action::Command)
}

fn conn_of(r: &Result<impl Sized, ApiError>) -> ConnectionState {
    match r {
        Err(e) if e.is_connection() => ConnectionState::Unreachable,
        _ => ConnectionState::Connected,
    }
}

fn spawn_effect(fx: Effect, api: &ApiClient, tx: &mpsc::UnboundedSender<Action>) {
    let api = api.clone();
    let tx = tx.clone();
    match fx {
        Effect::Quit => {}
        Effect::Debounce { id, ms } => {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let _ = tx.send(Action::SearchDue(id));
            });
        }
        Effect::Search { id, query } => {
            tokio::spawn(async move {
                let r = api.search(&query, crate::app::update::SEARCH_LIMIT).await;
                let _ = tx.send(Action::Connection(conn_of(&r)));
                let _ = tx.send(Action::SearchDone(id, r.map_err(|e| e.to_string())));
            });
        }
        Effect::LoadView { id, customer } => {
            tokio::spawn(async move {
                let r = api.customer_view(customer).await;
                let _ = tx.send(Action::Connection(conn_of(&r)));
                let _ = tx.send(Action::ViewDone(
                    id,
                    r.map(Box::new).map_err(|e| e.to_string()),
                ));
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
                let _ = tx.send(Action::Connection(conn_of(&r)));
                let _ = tx.send(Action::HistoryDone(id, r.map_err(|e| e.to_string())));
            });
        }
    }
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
    {
        let (api, tx) = (api.clone(), tx.clone());
        tokio::spawn(async move {
            let r = api.me().await;
            let _ = tx.send(Action::Connection(conn_of(&r)));
            let _ = tx.send(Action::SignedIn(
                r.map(|m| m.agent).map_err(|e| e.to_string()),
            ));
        });
    }
    let mut events = EventStream::new();
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut dirty = true;
    loop {
        if dirty {
            tui.draw(|f| ui::draw(f, &state, theme, keymap))?;
            dirty = false;
            if let Some(started) = opts.exit_after_first_frame {
                return Ok(Some(started.elapsed()));
            }
        }
        // A tick a second only while a countdown is on screen.
        let tick = async {
            if state.has_countdown() {
                tokio::time::sleep(Duration::from_secs(1)).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    Key::from_event(&k).and_then(|key| key_action(&state, keymap, &key, k.code))
                }
                Some(Ok(Event::Paste(text))) => {
                    for c in text.chars().filter(|c| !c.is_control()) {
                        let _ = tx.send(Action::Input(c));
                    }
                    None
                }
                Some(Ok(Event::Resize(..))) => Some(Action::Resize),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(a) = rx.recv() => Some(a),
            _ = tick => Some(Action::Tick(chrono::Utc::now())),
            _ = term.recv() => break,
            _ = hup.recv() => break,
            _ = int.recv() => break,
        };
        let Some(action) = action else { continue };
        let mut batch = vec![action];
        // Coalesce whatever else is ready into one frame.
        while let Ok(a) = rx.try_recv() {
            batch.push(a);
        }
        for a in batch {
            if matches!(a, Action::Connection(c) if c == state.connection) {
                continue; // nothing changed, no redraw
            }
            for fx in update(&mut state, a) {
                if fx == Effect::Quit {
                    return Ok(None);
                }
                spawn_effect(fx, &api, &tx);
            }
            dirty = true;
        }
        if state.quit {
            break;
        }
    }
    Ok(None)
}
