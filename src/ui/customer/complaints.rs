//! Open complaints: severity, status, owner, what the customer wants, and
//! the SLA countdown (ok → warn within 4 hours → danger and "3h late" when
//! breached), the regulatory clocks (summary resolution by the third
//! business day while that window is open; final response in 8 weeks), and
//! the recovery actions taken or waiting for approval.

use chrono::{DateTime, Utc};
use rapport_api::{Complaint, CustomerView, RecoveryStatus, Severity};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::CustomerState;
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::{Urgency, countdown, duration, money};
use crate::ui::panel;
use crate::ui::text::{fit, row, width, wrap};

pub fn draw(
    f: &mut Frame,
    area: Rect,
    v: &CustomerView,
    c: &CustomerState,
    now: DateTime<Utc>,
    t: &Theme,
    focused: bool,
) {
    let open = v.open_complaints.len();
    let breached = v
        .open_complaints
        .iter()
        .filter(|x| countdown(x.sla_due_at, now).1 == Urgency::Breached)
        .count();
    let title = match (open, breached) {
        (0, _) => " Complaints · none open ".to_string(),
        (n, 0) => format!(" Complaints · {n} open "),
        (n, b) => format!(" Complaints · {n} open · {b} past SLA "),
    };
    let block = panel(title, t, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if open == 0 {
        f.render_widget(Paragraph::new("No open complaints.").style(t.muted), inner);
        return;
    }
    let cols = inner.width as usize;
    let selected = c.complaint_selected.min(open - 1);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_span = (0, 0);
    for (i, x) in v.open_complaints.iter().enumerate() {
        let start = lines.len();
        lines.extend(block_lines(x, now, focused && i == selected, cols, t));
        if i == selected {
            selected_span = (start, lines.len());
        }
        lines.push(Line::default());
    }
    // Scroll so the whole selected complaint is in view.
    let rows = inner.height as usize;
    let offset = if selected_span.1 > rows {
        selected_span.0.min(selected_span.1.saturating_sub(rows))
    } else {
        0
    };
    f.render_widget(
        Paragraph::new(lines).scroll((offset.min(u16::MAX as usize) as u16, 0)),
        inner,
    );
}

fn block_lines(
    x: &Complaint,
    now: DateTime<Utc>,
    selected: bool,
    cols: usize,
    t: &Theme,
) -> Vec<Line<'static>> {
    let head_style = if selected { t.selection } else { t.accent };
    let severity_style = match x.severity {
        Severity::High | Severity::Critical => t.warn,
        Severity::Low | Severity::Medium => t.text,
    };
    let severity = x.severity.label();
    let marker = if selected { "▶ " } else { "  " };
    let label = format!("{marker}#{} {}", x.id, clean(&x.category));
    let label = fit(&label, cols.saturating_sub(width(severity) + 1));
    let gap = cols.saturating_sub(width(&label) + width(severity));
    let mut out = vec![Line::from(vec![
        Span::styled(label, head_style),
        Span::styled(" ".repeat(gap), head_style),
        Span::styled(
            severity,
            if selected {
                t.selection
            } else {
                severity_style
            },
        ),
    ])];

    let (due, urgency) = countdown(x.sla_due_at, now);
    let (icon, style) = match urgency {
        Urgency::Fine => ("⏱", t.ok),
        Urgency::Soon => ("⏱", t.warn),
        Urgency::Breached => ("⚠", t.danger),
    };
    let mut sla = vec![
        Span::raw("  "),
        Span::styled(format!("{icon} SLA {due}"), style),
        Span::styled(format!(" · {}", x.status.label()), t.text),
    ];
    if x.escalated {
        sla.push(Span::styled(" · escalated", t.warn));
    }
    out.push(row(sla, cols, None));

    let owner = x
        .owner
        .as_ref()
        .map(|o| clean(&o.name).into_owned())
        .unwrap_or_else(|| "unassigned".into());
    let age = duration((now - x.opened_at).num_seconds().max(0));
    out.push(row(
        vec![Span::styled(
            format!("  owner {owner} · opened {age} ago"),
            t.muted,
        )],
        cols,
        None,
    ));
    for l in wrap(&clean(&x.summary), cols.saturating_sub(2), 2) {
        out.push(Line::styled(format!("  {l}"), t.text));
    }
    out.push(row(
        vec![
            Span::styled("  Wants: ", t.muted),
            Span::styled(clean(&x.remedy_sought).into_owned(), t.text),
        ],
        cols,
        None,
    ));
    // The summary-resolution window only matters while it is open.
    if let Some(sd) = x.summary_due_at.filter(|d| *d > now) {
        let (left, u) = countdown(sd, now);
        out.push(row(
            vec![Span::styled(
                format!(
                    "  Summary resolution by {} ({left})",
                    sd.format("%a %d %b %H:%M")
                ),
                if u == Urgency::Soon { t.warn } else { t.muted },
            )],
            cols,
            None,
        ));
    }
    if let Some(fr) = x.final_response_due_at {
        let (left, u) = countdown(fr, now);
        out.push(row(
            vec![Span::styled(
                format!("  Final response by {} ({left})", fr.format("%d %b %Y")),
                if u == Urgency::Breached {
                    t.danger
                } else {
                    t.muted
                },
            )],
            cols,
            None,
        ));
    }
    for a in &x.recovery_actions {
        let what = match (a.amount_minor, a.currency.as_deref()) {
            (Some(m), Some(c)) => format!("{} {}", a.kind.label(), money(m, c)),
            _ => a.kind.label().to_string(),
        };
        let (icon, state, style) = match a.status {
            RecoveryStatus::Done => ("✓", String::new(), t.ok),
            RecoveryStatus::PendingApproval => (
                "⏳",
                format!(
                    " waiting for approval ({})",
                    clean(a.approval_reason.as_deref().unwrap_or("over the limit"))
                ),
                t.warn,
            ),
            RecoveryStatus::Rejected => (
                "✕",
                format!(
                    " rejected{}: {}",
                    a.decided_by
                        .as_ref()
                        .map(|d| format!(" by {}", clean(&d.name)))
                        .unwrap_or_default(),
                    clean(a.decision_note.as_deref().unwrap_or(""))
                ),
                t.danger,
            ),
        };
        let by = clean(&a.requested_by.name).into_owned();
        out.push(row(
            vec![
                Span::styled(format!("  {icon} {what}"), style),
                Span::styled(state, style),
                Span::styled(format!(" · {by}"), t.muted),
            ],
            cols,
            None,
        ));
    }
    out
}
