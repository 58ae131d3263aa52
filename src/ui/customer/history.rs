//! History panel: interactions on every channel, newest first, scrollable,
//! filterable by channel; older pages load as the agent scrolls.

use rapport_api::{Channel, Direction, Interaction};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::CustomerState;
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::panel;

fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Call => "☎ call ",
        Channel::Email => "✉ email",
        Channel::Chat => "  chat ",
        Channel::Sms => "  sms  ",
        Channel::Social => "  socl ",
        Channel::Store => "  store",
        Channel::Web => "  web  ",
    }
}

pub fn draw(f: &mut Frame, area: Rect, c: &CustomerState, t: &Theme, focused: bool) {
    let filter = match c.channel {
        Some(ch) => ch.as_str(),
        None => "all channels",
    };
    let more = if c.history_loading.is_some() {
        " · loading…"
    } else if c.history_cursor.is_some() {
        " · more below"
    } else {
        ""
    };
    let title = format!(" History ({filter}) {}{more} ", c.history.len());
    let block = panel(title, t, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if let Some(e) = &c.history_error {
        f.render_widget(Paragraph::new(clean(e).into_owned()).style(t.danger), inner);
        return;
    }
    if c.history.is_empty() {
        let msg = if c.history_loading.is_some() {
            "Loading…"
        } else {
            "No interactions on this channel."
        };
        f.render_widget(Paragraph::new(msg).style(t.muted), inner);
        return;
    }
    let rows = inner.height as usize;
    let first = c.history_selected.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = c
        .history
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, it)| line(it, i == c.history_selected, inner.width as usize, t))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn line(it: &Interaction, selected: bool, width: usize, t: &Theme) -> Line<'static> {
    let base = if selected { t.selection } else { t.text };
    let dir = match it.direction {
        Direction::Inbound => "in ",
        Direction::Outbound => "out",
    };
    let mut spans = vec![
        Span::styled(if selected { "▶" } else { " " }, base),
        Span::styled(
            it.started_at.format("%d %b %y %H:%M ").to_string(),
            if selected { base } else { t.muted },
        ),
        Span::styled(format!("{} {dir} ", channel_label(it.channel)), base),
        Span::styled(format!("{:<12.12} ", clean(&it.reason)), base),
        Span::styled(clean(&it.notes).into_owned(), base),
    ];
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if selected && used < width {
        spans.push(Span::styled(" ".repeat(width - used), base));
    }
    Line::from(spans)
}
