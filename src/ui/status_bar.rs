//! The top line: who is signed in, where, and whether the link is up.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::app::{AppState, ConnectionState};
use crate::sanitize::clean;
use crate::theme::Theme;

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme) {
    let who = match &s.agent {
        Some(a) => format!("{} · {}", clean(&a.name), a.role.as_str()),
        None => "signing in…".to_string(),
    };
    let server = if s.embedded {
        "demo server (embedded)".to_string()
    } else {
        s.server_url.clone()
    };
    let (conn, conn_style) = match s.connection {
        ConnectionState::Connected => ("● live", t.status_bar),
        ConnectionState::Connecting => ("○ connecting", t.status_bar),
        ConnectionState::Unreachable => ("✕ offline", t.danger),
    };
    let left = format!(" Rapport · {who} · {server} ");
    let mut right = String::new();
    if let Some(e) = &s.last_error {
        right.push_str(&clean(e));
        right.push_str("  ");
    }
    let avail = area.width as usize;
    let conn_w = conn.width() + 1;
    let mut left_fit: String = left.clone();
    while left_fit.width() + conn_w > avail && !left_fit.is_empty() {
        left_fit.pop();
    }
    let room = avail.saturating_sub(left_fit.width() + conn_w);
    let mut right_fit = right;
    while right_fit.width() > room && !right_fit.is_empty() {
        right_fit.pop();
    }
    let pad = room.saturating_sub(right_fit.width());
    let line = Line::from(vec![
        Span::styled(left_fit, t.status_bar),
        Span::styled(" ".repeat(pad), t.status_bar),
        Span::styled(
            right_fit,
            t.danger.patch(ratatui::style::Style {
                bg: t.status_bar.bg,
                ..Default::default()
            }),
        ),
        Span::styled(format!("{conn} "), conn_style),
    ]);
    f.render_widget(Paragraph::new(line).style(t.status_bar), area);
}
