//! The top line: who is signed in, which server, whether the link is up, and
//! the last thing that went wrong, in words.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{fit, width};
use crate::app::{AppState, Connection, Load};
use crate::sanitize::clean;
use crate::theme::Theme;

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
    let (icon, style) = match s.connection {
        Connection::Connected => ("●", t.status_bar.patch(t.ok)),
        Connection::Connecting => ("○", t.status_bar),
        Connection::Reconnecting => ("◌", t.status_bar.patch(t.warn)),
        Connection::Offline => ("✕", t.danger),
    };
    let conn = format!(" {icon} {} ", s.connection.words());
    let error = s.last_error.as_deref().map(|e| {
        let mut e = clean(e).into_owned();
        if matches!(s.connection, Connection::Reconnecting | Connection::Offline) {
            e.push_str(" — retrying");
        }
        e
    });

    let total = area.width as usize;
    let head = format!(" Rapport · {who}");
    let room = total.saturating_sub(width(&conn));
    // The error matters more than the URL: the URL gives way first.
    let head = fit(&head, room);
    let mut left = head.clone();
    let after_head = room.saturating_sub(width(&head));
    let err_room = after_head.saturating_sub(2);
    let err_text = match &error {
        Some(e) if err_room >= 8 => format!("  {}", fit(e, err_room)),
        _ => String::new(),
    };
    let server_room = after_head.saturating_sub(width(&err_text));
    if server_room > 4 {
        left.push_str(&fit(&format!(" · {server}"), server_room));
    }
    let pad = room.saturating_sub(width(&left) + width(&err_text));
    let on_bar = |st: Style| {
        t.status_bar.patch(Style {
            bg: t.status_bar.bg,
            ..st
        })
    };
    let line = Line::from(vec![
        Span::styled(left, t.status_bar),
        Span::styled(" ".repeat(pad), t.status_bar),
        Span::styled(err_text, on_bar(t.danger)),
        Span::styled(conn, style),
    ]);
    f.render_widget(Paragraph::new(line).style(t.status_bar), area);
}
