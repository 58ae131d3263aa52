//! History panel: interactions on every channel, newest first, scrollable,
//! filterable by channel; older pages load as the agent scrolls to the end.
//! The selected interaction's full notes show below the list when there is
//! room. Also the short "recent contact" list of the narrow overview.

use rapport_api::{Channel, Direction, Interaction};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::app::CustomerState;
use crate::keymap::{Command, Context, Keymap};
use crate::sanitize::{clean, clean_multiline};
use crate::theme::Theme;
use crate::ui::format::duration;
use crate::ui::panel;
use crate::ui::text::{fit, pad, row, wrap};

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

pub fn draw(
    f: &mut Frame,
    area: Rect,
    c: &CustomerState,
    t: &Theme,
    k: &Keymap,
    focused: bool,
    detail: bool,
) {
    let enter = crate::ui::key_label(k, Context::Customer, Command::Open).unwrap_or_default();
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
        draw_detail(f, d, it, t, &enter);
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

/// The interaction's facts (channel, reason, when, who; outcome) and then
/// its notes, word-wrapped to `cols`.
fn detail_lines(it: &Interaction, cols: usize, t: &Theme) -> (Vec<Line<'static>>, Vec<String>) {
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
    let head = vec![
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
    let notes = clean_multiline(&it.notes)
        .into_iter()
        .flat_map(|l| {
            if l.trim().is_empty() {
                vec![String::new()]
            } else {
                wrap(&break_long_words(&l, cols.max(1)), cols.max(1), usize::MAX)
            }
        })
        .collect();
    (head, notes)
}

/// Words wider than a line split into line-wide pieces, so wrapping
/// loses nothing of them.
fn break_long_words(s: &str, cols: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut used = 0;
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > cols {
                out.push(' ');
                used = 0;
            }
            out.push(c);
            used += w;
        }
    }
    out
}

fn draw_detail(f: &mut Frame, area: Rect, it: &Interaction, t: &Theme, enter: &str) {
    let cols = area.width as usize;
    let (head, notes) = detail_lines(it, cols, t);
    let mut lines = vec![Line::styled("─".repeat(cols), t.border)];
    lines.extend(head);
    let room = (area.height as usize).saturating_sub(lines.len());
    if notes.len() > room && room > 0 {
        // Cut, and said so: the whole note is a key away.
        lines.extend(
            notes
                .iter()
                .take(room - 1)
                .map(|l| Line::styled(l.clone(), t.text)),
        );
        lines.push(Line::styled(
            fit(&format!("… {enter} shows all of it"), cols),
            t.muted,
        ));
    } else {
        lines.extend(notes.into_iter().map(|l| Line::styled(l, t.text)));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// The selected interaction in full, over the customer screen (Enter on a
/// History row), scrolled `scroll` lines.
pub fn draw_full(f: &mut Frame, area: Rect, c: &CustomerState, t: &Theme, k: &Keymap) {
    let Some(scroll) = c.note else { return };
    let h = &c.history;
    let Some(it) = h.items.get(h.selected.min(h.items.len().saturating_sub(1))) else {
        return;
    };
    let w = area.width.min(100);
    let cols = w.saturating_sub(2) as usize;
    let (head, notes) = detail_lines(it, cols, t);
    let mut lines = head;
    lines.push(Line::default());
    if notes.is_empty() {
        lines.push(Line::styled("No notes.", t.muted));
    }
    lines.extend(notes.into_iter().map(|l| Line::styled(l, t.text)));
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = crate::ui::centred(area, w, h);
    let inner_h = h.saturating_sub(2) as usize;
    let max = lines.len().saturating_sub(inner_h) as u16;
    let scroll = scroll.min(max);
    let close = crate::ui::key_label(k, Context::Customer, Command::Open).unwrap_or_default();
    let esc = crate::ui::key_label(k, Context::Global, Command::Back).unwrap_or_default();
    let more = if max > 0 {
        format!(
            " ↑↓ scroll · {}/{} ·",
            scroll as usize + inner_h.min(lines.len()),
            lines.len()
        )
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(t.border_focus)
        .title(Line::styled(
            format!(" Interaction · {} ", it.started_at.format("%d %b %Y %H:%M")),
            t.title,
        ))
        .title_bottom(Line::styled(
            format!("{more} {close} or {esc} closes "),
            t.key,
        ));
    f.render_widget(Clear, rect);
    f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
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
