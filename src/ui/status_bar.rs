//! The top line: who is signed in, which server, the last thing that
//! happened or went wrong in words, changes still on their way (queued,
//! retrying, refused), and whether the link is live.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{fit, width};
use crate::app::{AppState, Connection, Load};
use crate::sanitize::clean;
use crate::theme::Theme;

/// Seconds until `at`, at least 0, in words: "in 4 s", "now".
fn until(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (at - now).num_seconds();
    if secs <= 0 {
        "now".into()
    } else {
        format!("in {secs} s")
    }
}

/// The link: requests answered and the event stream open means live.
pub fn link(s: &AppState) -> (&'static str, &'static str) {
    match (s.connection, s.live.up) {
        (Connection::Connected, true) => ("●", "live"),
        (Connection::Connected, false) if s.live.down.is_some() => ("◌", "live updates paused"),
        (Connection::Connected, false) => ("○", "connected"),
        (Connection::Connecting, _) => ("○", "connecting"),
        (Connection::Reconnecting, _) => ("◌", "reconnecting"),
        (Connection::Offline, _) => ("✕", "offline"),
    }
}

/// `⟳ 2 queued · retry in 4 s`, `✕ 1 not saved (!)`, or nothing.
pub fn queue_words(s: &AppState) -> (String, bool) {
    let mut parts = Vec::new();
    let n = s.outbox.queued.len();
    let mut bad = false;
    if n > 0 {
        let noun = if n == 1 { "change" } else { "changes" };
        match &s.outbox.retry {
            Some((_, at)) => {
                parts.push(format!(
                    "⟳ {n} {noun} queued, retrying {}",
                    until(*at, s.now)
                ));
                bad = true;
            }
            None => parts.push(format!("⟳ sending {n} {noun}")),
        }
    }
    let failed = s.outbox.failed.len();
    if failed > 0 {
        parts.push(format!("✕ {failed} not saved (!)"));
        bad = true;
    }
    // Files of the agent's work that could not be written or read.
    let files = s.files.len();
    if files > 0 {
        let words = match s.files.as_slice() {
            [one] => match one.kind {
                crate::app::TroubleKind::DraftNotWritten(_) => "draft not written".to_string(),
                crate::app::TroubleKind::DraftUnreadable => "draft unreadable".to_string(),
                crate::app::TroubleKind::OutboxUnreadable => "change unreadable".to_string(),
            },
            _ => format!("{files} files need you"),
        };
        parts.push(format!("✕ {words} (!)"));
        bad = true;
    }
    (parts.join(" · "), bad)
}

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme) {
    let who = match &s.me {
        Load::Loaded(me) => format!("{} · {}", clean(&me.agent.name), me.agent.role.as_str()),
        Load::Failed(_) => "not signed in".to_string(),
        Load::Idle | Load::Loading => "signing in…".to_string(),
    };
    let server = if s.embedded {
        format!("{} (embedded demo)", s.server_url)
    } else {
        s.server_url.clone()
    };
    let (icon, words) = link(s);
    let style = match words {
        "live" => t.status_bar.patch(t.ok),
        "offline" => t.danger,
        "reconnecting" | "live updates paused" => t.status_bar.patch(t.warn),
        _ => t.status_bar,
    };
    let conn = format!(" {icon} {words} ");
    let (queue, queue_bad) = queue_words(s);
    let queue = if queue.is_empty() {
        queue
    } else {
        format!(" {queue} ")
    };
    let message = match &s.notice {
        Some((n, _)) => Some((clean(n).into_owned(), n.starts_with("Not saved"))),
        None => s.last_error.as_deref().map(|e| {
            let mut e = clean(e).into_owned();
            if matches!(s.connection, Connection::Reconnecting | Connection::Offline) {
                e.push_str(" — retrying");
            }
            (e, true)
        }),
    };

    let total = area.width as usize;
    // What must stay: the link, then queued changes (shortened if need be).
    let conn_w = width(&conn);
    let queue = fit(&queue, total.saturating_sub(conn_w + 10));
    let room = total.saturating_sub(conn_w + width(&queue));
    // The agent's state and call timer belong to who is signed in.
    let state = super::calls::state_words(s)
        .map(|w| format!(" · {w}"))
        .unwrap_or_default();
    let head = format!(" Rapport · {who}{state}");
    // The message matters more than the queue's figures, and those more
    // than the URL: the URL gives way first.
    let head = fit(&head, room);
    let mut left = head.clone();
    let after_head = room.saturating_sub(width(&head));
    let msg_room = after_head.saturating_sub(2);
    let msg_text = match &message {
        Some((m, _)) if msg_room >= 8 => format!("  {}", fit(m, msg_room)),
        _ => String::new(),
    };
    let mut rest = after_head.saturating_sub(width(&msg_text));
    // The queue's figures whole, or shorter, or not at all: never cut.
    if let Some(forms) = super::calls::queue_words(s).filter(|_| msg_text.is_empty())
        && let Some(q) = forms
            .iter()
            .map(|q| format!(" · {q}"))
            .find(|q| width(q) <= rest)
    {
        rest = rest.saturating_sub(width(&q));
        left.push_str(&q);
    }
    if rest > 4 {
        left.push_str(&fit(&format!(" · {server}"), rest));
    }
    let pad = room.saturating_sub(width(&left) + width(&msg_text));
    let on_bar = |st: Style| {
        t.status_bar.patch(Style {
            bg: t.status_bar.bg,
            ..st
        })
    };
    let msg_style = match &message {
        Some((_, true)) => on_bar(t.danger),
        _ => t.status_bar,
    };
    let line = Line::from(vec![
        Span::styled(left, t.status_bar),
        Span::styled(" ".repeat(pad), t.status_bar),
        Span::styled(msg_text, msg_style),
        Span::styled(
            queue,
            if queue_bad {
                on_bar(t.warn)
            } else {
                t.status_bar
            },
        ),
        Span::styled(conn, style),
    ]);
    f.render_widget(Paragraph::new(line).style(t.status_bar), area);
}
