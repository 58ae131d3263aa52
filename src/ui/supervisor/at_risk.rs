//! Complaints about to breach: open complaints whose SLA or regulatory
//! deadline falls within a day, breached ones first, each with its
//! countdown (words, not colour alone: "2h 10m left", "3h late") and owner.
//! Enter opens the customer.

use chrono::{DateTime, Utc};
use rapport_api::Complaint;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::supervisor::DeskTab;
use crate::app::{AppState, Load};
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::{Urgency, countdown};
use crate::ui::panel;
use crate::ui::text::{fit, row};

/// The deadline that comes first, and which it is.
fn first_deadline(c: &Complaint) -> (DateTime<Utc>, &'static str) {
    let mut best = (c.sla_due_at, "SLA");
    for (due, what) in [
        (c.summary_due_at, "summary resolution"),
        (c.final_response_due_at, "final response"),
    ] {
        if let Some(d) = due
            && d < best.0
        {
            best = (d, what);
        }
    }
    best
}

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, focused: bool) {
    let list: Vec<&Complaint> = s.desk.at_risk();
    let breached = list
        .iter()
        .filter(|c| countdown(first_deadline(c).0, s.now).1 == Urgency::Breached)
        .count();
    let title = match (list.len(), breached) {
        (0, _) => " Complaints at risk · none ".to_string(),
        (n, 0) => format!(" Complaints at risk · {n} due within a day "),
        (n, b) => format!(" Complaints at risk · {n} · {b} breached "),
    };
    let block = panel(title, t, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let cols = inner.width as usize;
    match &s.desk.at_risk.list {
        Load::Failed(e) => {
            f.render_widget(
                Paragraph::new(format!(
                    "Could not read the complaints at risk: {}",
                    clean(&e.to_string())
                ))
                .style(t.danger),
                inner,
            );
            return;
        }
        Load::Loaded(v) if v.is_empty() => {
            f.render_widget(
                Paragraph::new("No open complaint is due within a day.").style(t.muted),
                inner,
            );
            return;
        }
        Load::Loaded(_) if list.is_empty() => {
            f.render_widget(
                Paragraph::new(super::agents::no_match(s)).style(t.muted),
                inner,
            );
            return;
        }
        Load::Loaded(_) => {}
        _ => {
            f.render_widget(
                Paragraph::new("Reading the complaints…").style(t.muted),
                inner,
            );
            return;
        }
    }
    let selected = s.desk.selected(DeskTab::AtRisk).min(list.len() - 1);
    let fits = (inner.height as usize / 2).max(1);
    let offset = selected.saturating_sub(fits - 1);
    let mut lines: Vec<Line> = Vec::new();
    for (i, c) in list.iter().enumerate().skip(offset).take(fits) {
        let sel = focused && i == selected;
        let (due, which) = first_deadline(c);
        let (left, urgency) = countdown(due, s.now);
        let (mark, style) = match urgency {
            Urgency::Breached => ("⚠", t.danger),
            Urgency::Soon => ("⏱", t.warn),
            Urgency::Fine => ("⏱", t.text),
        };
        let base = if sel { t.selection } else { t.accent };
        lines.push(row(
            vec![
                Span::styled(if sel { "▶ " } else { "  " }, base),
                Span::styled(
                    format!("#{} {} {}", c.id, clean(&c.category), c.severity.label()),
                    base,
                ),
                Span::styled(
                    format!(" · {mark} {which} {left}"),
                    if sel { t.selection } else { style },
                ),
                Span::styled(
                    format!(
                        " · {}{}",
                        c.owner
                            .as_ref()
                            .map(|o| format!("owner {}", clean(&o.name)))
                            .unwrap_or_else(|| "no owner".into()),
                        if c.escalated { " · escalated" } else { "" }
                    ),
                    if sel { t.selection } else { t.text },
                ),
            ],
            cols,
            sel.then_some(t.selection),
        ));
        lines.push(Line::styled(
            fit(&format!("    {}", clean(&c.summary)), cols),
            t.muted,
        ));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
