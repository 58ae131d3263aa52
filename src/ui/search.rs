//! The search screen: the box, and ranked hits with matched characters
//! highlighted.

use rapport_api::{CustomerHit, MatchField, MatchKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::AppState;
use crate::fuzzy::match_positions;
use crate::sanitize::clean;
use crate::theme::Theme;

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme) {
    let [input, results] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let title = " Search customers: name, phone, email or account number ";
    let text = Line::from(vec![
        Span::styled("› ", t.accent),
        Span::styled(s.search.query.clone(), t.input),
        Span::styled("█", t.muted),
    ]);
    f.render_widget(
        Paragraph::new(text).block(super::panel(title, t, true)),
        input,
    );

    let block = super::panel(results_title(s), t, false);
    let inner = block.inner(results);
    f.render_widget(block, results);
    if let Some(e) = &s.search.error {
        f.render_widget(
            Paragraph::new(clean(e).into_owned())
                .style(t.danger)
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let Some(r) = &s.search.results else {
        let msg = if s.search.loading {
            "Searching…"
        } else {
            "Type a few letters of a name, digits of a phone number, part of an email or an account number."
        };
        f.render_widget(
            Paragraph::new(msg).style(t.muted).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    if r.hits.is_empty() {
        let msg = format!(
            "No customer matches “{}”. Check the spelling, or try a phone number or account number.",
            clean(&r.query)
        );
        f.render_widget(
            Paragraph::new(msg).style(t.muted).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let rows = inner.height as usize;
    let first = s.search.selected.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = r
        .hits
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, h)| hit_line(h, &s.search.query, i == s.search.selected, inner.width, t))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn results_title(s: &AppState) -> String {
    match &s.search.results {
        Some(r) if !r.hits.is_empty() => {
            let more = if r.more { "+" } else { "" };
            let busy = if s.search.loading {
                " · searching…"
            } else {
                ""
            };
            format!(" {}{more} matches{busy} ", r.hits.len())
        }
        _ => " Results ".to_string(),
    }
}

/// Text with the characters matching `query` in the highlight style.
fn highlighted(text: &str, query: &str, base: Style, hl: Style) -> Vec<Span<'static>> {
    let pos = match_positions(text, query);
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_hl = false;
    for (i, ch) in text.chars().enumerate() {
        let is_hl = pos.binary_search(&i).is_ok();
        if is_hl != run_hl && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                if run_hl { base.patch(hl) } else { base },
            ));
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

fn hit_line(h: &CustomerHit, query: &str, selected: bool, width: u16, t: &Theme) -> Line<'static> {
    let base = if selected { t.selection } else { t.text };
    let marker = if selected { "▶ " } else { "  " };
    let name = clean(&h.display_name).into_owned();
    let mut spans = vec![Span::styled(marker, base)];
    if h.matched_field == MatchField::Name {
        spans.extend(highlighted(&name, query, base, t.highlight));
    } else {
        spans.push(Span::styled(name, base));
    }
    spans.push(Span::styled("  ", base));
    if h.matched_field == MatchField::Account {
        spans.extend(highlighted(
            &clean(&h.account_number),
            query,
            base,
            t.highlight,
        ));
    } else {
        spans.push(Span::styled(clean(&h.account_number).into_owned(), base));
    }
    let meta = format!("  {} · {}", h.tier.label(), clean(&h.locality));
    spans.push(Span::styled(meta, if selected { base } else { t.muted }));
    if matches!(h.matched_field, MatchField::Phone | MatchField::Email) {
        let label = if h.matched_field == MatchField::Phone {
            "  ☎ "
        } else {
            "  ✉ "
        };
        spans.push(Span::styled(label, base));
        // The agent typed these digits or letters: show them highlighted.
        spans.extend(highlighted(
            &clean(&h.matched_text),
            query,
            base,
            t.highlight,
        ));
    }
    if h.match_kind == MatchKind::Typo {
        spans.push(Span::styled(
            "  (did you mean)",
            if selected { base } else { t.muted },
        ));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if selected && used < width as usize {
        spans.push(Span::styled(" ".repeat(width as usize - used), base));
    }
    Line::from(spans)
}
