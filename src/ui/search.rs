//! The search screen: the box, and ranked hits with the characters that
//! match what was typed highlighted.

use rapport_api::{CustomerHit, MatchField, MatchKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::text::{pad, row, width};
use super::{key_label, panel};
use crate::app::{AppState, Load};
use crate::fuzzy::match_positions;
use crate::keymap::{Command, Context, Keymap};
use crate::sanitize::clean;
use crate::theme::Theme;

pub const TITLE: &str = " Search customers: name, phone, email or account number ";

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, k: &Keymap) {
    let [input, results] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    draw_input(f, input, s, t);
    draw_results(f, results, s, t, k);
}

fn draw_input(f: &mut Frame, area: Rect, s: &AppState, t: &Theme) {
    let block = panel(TITLE, t, s.help.is_none());
    let inner = block.inner(area);
    // The query is what the agent typed, shown as typed but never able to
    // carry a control character to the terminal.
    let query = clean(&s.search.query).into_owned();
    let room = (inner.width as usize).saturating_sub(3);
    // Long queries scroll: show the end, where typing happens.
    let mut shown = query.as_str();
    while width(shown) > room && !shown.is_empty() {
        let mut it = shown.chars();
        it.next();
        shown = it.as_str();
    }
    let query_style = if s.search.replace_on_type {
        t.selection
    } else {
        t.input
    };
    let line = Line::from(vec![
        Span::styled("› ", t.accent),
        Span::styled(shown.to_string(), query_style),
    ]);
    f.render_widget(Paragraph::new(line).block(block), area);
    if s.help.is_none() && inner.width > 2 && inner.height > 0 {
        let x = inner.x + 2 + width(shown) as u16;
        f.set_cursor_position(Position::new(
            x.min(inner.right().saturating_sub(1)),
            inner.y,
        ));
    }
}

fn draw_results(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, k: &Keymap) {
    let block = panel(results_title(s), t, false);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let message =
        |text: String, style: Style| Paragraph::new(text).style(style).wrap(Wrap { trim: true });
    let r = match &s.search.results {
        Load::Idle => {
            let text = "Type a few letters of a name, digits of a phone number, part of an email or an account number. Matches appear as you type; a typo is forgiven.".to_string();
            f.render_widget(message(text, t.muted), inner);
            return;
        }
        Load::Loading => {
            f.render_widget(message("Searching…".into(), t.muted), inner);
            return;
        }
        Load::Failed(e) => {
            let retry = key_label(k, Context::Search, Command::Refresh)
                .map(|key| format!(" ({key} tries again)"))
                .unwrap_or_default();
            let text = format!("Search failed: {}{retry}", clean(&e.to_string()));
            f.render_widget(message(text, t.danger), inner);
            return;
        }
        Load::Loaded(r) => r,
    };
    if r.hits.is_empty() {
        let text = format!(
            "No customer matches “{}”. Check the spelling, or try a phone number, an email or an account number.",
            clean(&r.query)
        );
        f.render_widget(message(text, t.muted), inner);
        return;
    }
    let rows = inner.height as usize;
    let selected = s.search.selected.min(r.hits.len() - 1);
    let first = selected.saturating_sub(rows.saturating_sub(1));
    let name_col = r
        .hits
        .iter()
        .map(|h| width(&clean(&h.display_name)))
        .max()
        .unwrap_or(10)
        .clamp(10, (inner.width as usize / 3).max(10));
    let lines: Vec<Line> = r
        .hits
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, h)| {
            hit_line(
                h,
                &s.search.query,
                i == selected,
                name_col,
                inner.width as usize,
                t,
            )
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn results_title(s: &AppState) -> String {
    let busy = if s.search.pending {
        " · searching…"
    } else {
        ""
    };
    match &s.search.results {
        Load::Loaded(r) if !r.hits.is_empty() => {
            let n = r.hits.len();
            let more = if r.more { "+" } else { "" };
            let noun = if n == 1 && !r.more {
                "match"
            } else {
                "matches"
            };
            format!(" {n}{more} {noun}{busy} ")
        }
        _ => format!(" Results{busy} "),
    }
}

/// `text` with the characters matching `query` in the highlight style.
pub fn highlighted(text: &str, query: &str, base: Style, hl: Style) -> Vec<Span<'static>> {
    let pos = match_positions(text, query);
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_hl = false;
    for (i, ch) in text.chars().enumerate() {
        let is_hl = pos.binary_search(&i).is_ok();
        if is_hl != run_hl && !run.is_empty() {
            let style = if run_hl { base.patch(hl) } else { base };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_hl = is_hl;
        run.push(ch);
    }
    if !run.is_empty() {
        spans.push(Span::styled(
            run,
            if run_hl { base.patch(hl) } else { base },
        ));
    }
    spans
}

fn hit_line(
    h: &CustomerHit,
    query: &str,
    selected: bool,
    name_col: usize,
    cols: usize,
    t: &Theme,
) -> Line<'static> {
    let base = if selected { t.selection } else { t.text };
    let muted = if selected { t.selection } else { t.muted };
    let mut spans = vec![Span::styled(if selected { "▶ " } else { "  " }, base)];
    // Name, padded to a column; highlighted when the name matched.
    let name = clean(&h.display_name).into_owned();
    let name_cell = pad(&name, name_col);
    if h.matched_field == MatchField::Name {
        spans.extend(highlighted(&name_cell, query, base, t.highlight));
    } else {
        spans.push(Span::styled(name_cell, base));
    }
    spans.push(Span::styled("  ", base));
    let account = clean(&h.account_number).into_owned();
    if h.matched_field == MatchField::Account {
        spans.extend(highlighted(&account, query, base, t.highlight));
    } else {
        spans.push(Span::styled(account, base));
    }
    // What matched, when it is not already on the line.
    let shown_match = match h.matched_field {
        MatchField::Phone => Some(("☎ ", "phone")),
        MatchField::Email => Some(("✉ ", "email")),
        MatchField::Name | MatchField::Account => None,
    };
    if let Some((icon, _word)) = shown_match {
        spans.push(Span::styled(format!("  {icon}"), base));
        spans.extend(highlighted(
            &clean(&h.matched_text),
            query,
            base,
            t.highlight,
        ));
    }
    spans.push(Span::styled(
        format!("  {} · {}", h.tier.label(), clean(&h.locality)),
        muted,
    ));
    if h.match_kind == MatchKind::Typo {
        spans.push(Span::styled("  (spelling corrected)", muted));
    }
    row(spans, cols, selected.then_some(base))
}
