//! Waiting for you: the recovery actions over their requester's limit,
//! oldest first, with why each waits; `y` approves the selected one, `x`
//! asks for the reason and rejects it. And the reason prompt itself.

use chrono::{DateTime, Utc};
use rapport_api::Approval;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::app::supervisor::{DeskTab, what};
use crate::app::{AppState, Load};
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::duration;
use crate::ui::panel;
use crate::ui::text::{fit, row};

fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ago", duration((now - at).num_seconds().max(0)))
}

fn lines_of(
    a: &Approval,
    sel: bool,
    cols: usize,
    now: DateTime<Utc>,
    t: &Theme,
) -> [Line<'static>; 2] {
    let base = if sel { t.selection } else { t.accent };
    let head = row(
        vec![
            Span::styled(if sel { "▶ " } else { "  " }, base),
            Span::styled(format!("◷ {}", what(a)), base),
            Span::styled(
                format!(
                    " · {} {}",
                    clean(&a.complaint_category),
                    a.complaint_severity.label()
                ),
                if sel { t.selection } else { t.text },
            ),
        ],
        cols,
        sel.then_some(t.selection),
    );
    let why = a
        .action
        .approval_reason
        .as_deref()
        .map(|r| clean(r).into_owned())
        .unwrap_or_default();
    let by = format!(
        "    asked by {} {} · {why}",
        clean(&a.action.requested_by.name),
        ago(a.action.requested_at, now)
    );
    [head, Line::styled(fit(&by, cols), t.muted)]
}

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, focused: bool) {
    let waiting = s.desk.waiting();
    let deciding = s.desk.deciding.len();
    let title = match (waiting.len(), deciding) {
        (0, 0) => " Waiting for you · no approvals ".to_string(),
        (n, 0) => format!(
            " Waiting for you · {n} approval{} ",
            if n == 1 { "" } else { "s" }
        ),
        (n, d) => format!(" Waiting for you · {n} · {d} being sent "),
    };
    let block = panel(title, t, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let cols = inner.width as usize;
    if let Load::Failed(e) = &s.desk.approvals.list {
        f.render_widget(
            Paragraph::new(format!(
                "Could not read the approvals: {}",
                clean(&e.to_string())
            ))
            .style(t.danger),
            inner,
        );
        return;
    }
    if waiting.is_empty() {
        let msg = if !s.desk.approvals.is_loaded() {
            "Reading the approvals…".to_string()
        } else if !s.desk.filter.is_empty() {
            super::agents::no_match(s)
        } else {
            "Nothing waits for your approval.".to_string()
        };
        f.render_widget(Paragraph::new(msg).style(t.muted), inner);
        return;
    }
    let selected = s.desk.selected(DeskTab::Approvals).min(waiting.len() - 1);
    let per = 2;
    let fits = (inner.height as usize / per).max(1);
    let offset = selected.saturating_sub(fits - 1);
    let mut lines: Vec<Line> = Vec::new();
    for (i, a) in waiting.iter().enumerate().skip(offset).take(fits) {
        lines.extend(lines_of(a, focused && i == selected, cols, s.now, t));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The reason of a rejection being typed.
pub fn draw_reject(f: &mut Frame, area: Rect, s: &AppState, t: &Theme) {
    let Some(p) = &s.desk.reject else { return };
    let w = area.width.saturating_sub(4).min(90);
    let r = crate::ui::centred(area, w, 7);
    f.render_widget(Clear, r);
    let block = panel(" Reject · the reason is recorded ", t, true);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let cols = inner.width as usize;
    let text = clean(&p.text).into_owned();
    // Long reasons scroll: show the end, where typing happens.
    let room = cols.saturating_sub(3);
    let shown: String = {
        let chars: Vec<char> = text.chars().collect();
        let mut start = 0;
        while crate::ui::text::width(&chars[start..].iter().collect::<String>()) > room {
            start += 1;
        }
        chars[start..].iter().collect()
    };
    let lines = vec![
        Line::styled(fit(&what(&p.approval), cols), t.accent),
        Line::from(vec![
            Span::styled("› ", t.accent),
            Span::styled(shown, t.input),
            Span::styled("▏", t.muted),
        ]),
        match &p.error {
            Some(e) => Line::styled(fit(e, cols), t.danger),
            None => Line::default(),
        },
        Line::styled(
            fit("Enter rejects with this reason · Esc cancels", cols),
            t.muted,
        ),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}
