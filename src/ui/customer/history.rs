//! History panel: interactions on every channel, newest first, scrollable,
//! filterable by channel; older pages load as the agent scrolls to the end.
//! The selected interaction's full notes show below the list when there is
//! room. Also the short "recent contact" list of the narrow overview.

use rapport_api::{Channel, Direction, Interaction};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::CustomerState;
use crate::sanitize::{clean, clean_multiline};
use crate::theme::Theme;
use crate::ui::format::duration;
use crate::ui::panel;
use crate::ui::text::{pad, row};

/// List height from which the detail of the selected row is shown.
const DETAIL_FROM: u16 = 14;
const DETAIL_ROWS: u16 = 6;

/// A channel as an icon (where terminals agree on one) and its name.
pub fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Call => "☎ call",
        Channel::Email => "✉ email",
        Channel::Chat => "  chat",
        Channel::Sms => "  sms",
        Channel::Social => "  social",
        Channel::Store => "  store",
        Channel::Web => "  web",
    }
}

fn title(c: &CustomerState) -> String {
    let h = &c.history;
    let filter = match h.channel {
        Some(ch) => format!("{} only", ch.as_str()),
        None => "all channels".into(),
    };
    let more = if h.loading.is_some() {
        " · loading older…"
    } else if h.cursor.is_some() {
        " · older below"
    } else {
        ""
    };
    format!(" History · {filter} · {} shown{more} ", h.items.len())
}

pub fn draw(f: &mut Frame, area: Rect, c: &CustomerState, t: &Theme, focused: bool, detail: bool) {
    let block = panel(title(c), t, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let h = &c.history;
    if h.items.is_empty() {
        let (msg, style) = match (&h.error, h.loading) {
            (Some(e), _) => (
                format!("Could not load history: {}", clean(&e.to_string())),
                t.danger,
            ),
            (None, Some(_)) => ("Loading…".to_string(), t.muted),
            (None, None) => match h.channel {
                Some(ch) => (format!("No {} interactions.", ch.as_str()), t.muted),
                None => ("No interactions yet.".to_string(), t.muted),
            },
        };
        f.render_widget(
            Paragraph::new(msg).style(style).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let (list, detail_area) = if detail && inner.height >= DETAIL_FROM {
        let [l, d] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(DETAIL_ROWS)]).areas(inner);
        (l, Some(d))
    } else {
        (inner, None)
    };
    // The last row says what is happening below the list, if anything.
    let status = match (&h.error, h.loading) {
        (Some(e), _) => Some((
            format!("Older history failed: {}", clean(&e.to_string())),
            t.danger,
        )),
        (None, Some(_)) => Some(("Loading older interactions…".to_string(), t.muted)),
        _ => None,
    };
    let rows = (list.height as usize).saturating_sub(status.is_some() as usize);
    let selected = h.selected.min(h.items.len() - 1);
    let first = selected.saturating_sub(rows.saturating_sub(1));
    let cols = list.width as usize;
    let mut lines: Vec<Line> = h
        .items
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, it)| line(it, i == selected && focused, i == selected, cols, t))
        .collect();
    if let Some((msg, style)) = status {
        lines.push(row(vec![Span::styled(msg, style)], cols, None));
    }
    f.render_widget(Paragraph::new(lines), list);
    if let (Some(d), Some(it)) = (detail_area, h.items.get(selected)) {
        draw_detail(f, d, it, t);
    }
}

/// Room for the reason column: more when the list is wide.
fn reason_width(cols: usize) -> usize {
    if cols >= 90 { 18 } else { 12 }
}

fn line(it: &Interaction, selected: bool, marked: bool, cols: usize, t: &Theme) -> Line<'static> {
    let base = if selected { t.selection } else { t.text };
    let muted = if selected { t.selection } else { t.muted };
    let dir = match it.direction {
        Direction::Inbound => "in ",
        Direction::Outbound => "out",
    };
    let marker = match (selected, marked) {
        (true, _) => "▶",
        (false, true) => "›",
        _ => " ",
    };
    row(
        vec![
            Span::styled(marker, base),
            Span::styled(it.started_at.format("%d %b %y %H:%M ").to_string(), muted),
            Span::styled(pad(channel_label(it.channel), 8), base),
            Span::styled(format!(" {dir} "), muted),
            Span::styled(pad(&clean(&it.reason), reason_width(cols)), base),
            Span::styled(format!(" {}", clean(&it.notes)), base),
        ],
        cols,
        selected.then_some(base),
    )
}

fn draw_detail(f: &mut Frame, area: Rect, it: &Interaction, t: &Theme) {
    let dir = match it.direction {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    };
    let when = match it.ended_at {
        Some(end) => format!(
            "{} for {}",
            it.started_at.format("%d %b %Y %H:%M"),
            duration((end - it.started_at).num_seconds())
        ),
        None => it.started_at.format("%d %b %Y %H:%M").to_string(),
    };
    let agent = it
        .agent
        .as_ref()
        .map(|a| clean(&a.name).into_owned())
        .unwrap_or_else(|| "no agent".into());
    let cols = area.width as usize;
    let mut lines = vec![
        Line::styled("─".repeat(cols), t.border),
        row(
            vec![
                Span::styled(format!("{} {dir} · ", it.channel.as_str()), t.accent),
                Span::styled(clean(&it.reason).into_owned(), t.accent),
                Span::styled(format!(" · {when} · {agent}"), t.muted),
            ],
            cols,
            None,
        ),
        row(
            {
                let mut v = vec![
                    Span::styled("Outcome ", t.muted),
                    Span::styled(clean(&it.outcome).into_owned(), t.text),
                ];
                if let Some(s) = it.sentiment {
                    v.push(Span::styled(format!(" · customer {}", s.label()), t.muted));
                }
                if let Some(d) = it.follow_up_on {
                    v.push(Span::styled(
                        format!(" · follow up {}", d.format("%d %b %Y")),
                        t.warn,
                    ));
                }
                if let Some(c) = it.complaint_id {
                    v.push(Span::styled(format!(" · complaint #{c}"), t.muted));
                }
                v
            },
            cols,
            None,
        ),
    ];
    lines.extend(
        clean_multiline(&it.notes)
            .into_iter()
            .map(|l| Line::styled(l, t.text)),
    );
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// The latest few interactions, one line each, for the narrow overview.
pub fn draw_recent(f: &mut Frame, area: Rect, c: &CustomerState, t: &Theme) {
    let block = panel(" Recent contact ", t, false);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let cols = inner.width as usize;
    let lines: Vec<Line> = c
        .history
        .items
        .iter()
        .take(inner.height as usize)
        .map(|it| line(it, false, false, cols, t))
        .collect();
    if lines.is_empty() {
        f.render_widget(Paragraph::new("No interactions yet.").style(t.muted), inner);
    } else {
        f.render_widget(Paragraph::new(lines), inner);
    }
}
