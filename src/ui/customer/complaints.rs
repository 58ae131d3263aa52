//! Open complaints with their SLA and regulatory countdowns.

use chrono::{DateTime, Utc};
use rapport_api::CustomerView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::{Urgency, countdown};
use crate::ui::panel;

pub fn draw(f: &mut Frame, area: Rect, v: &CustomerView, now: DateTime<Utc>, t: &Theme) {
    let title = format!(" Complaints ({} open) ", v.open_complaints.len());
    let mut lines = Vec::new();
    if v.open_complaints.is_empty() {
        lines.push(Line::from(Span::styled("No open complaints.", t.muted)));
    }
    for c in &v.open_complaints {
        let (due, urgency) = countdown(c.sla_due_at, now);
        let (icon, style) = match urgency {
            Urgency::Fine => ("⏱", t.ok),
            Urgency::Soon => ("⏱", t.warn),
            Urgency::Breached => ("⚠", t.danger),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("#{} {} ", c.id, clean(&c.category)), t.accent),
            Span::styled(
                format!("{} ", c.severity.label()),
                if c.severity >= rapport_api::Severity::High {
                    t.warn
                } else {
                    t.text
                },
            ),
            Span::styled(format!("{icon} SLA {due}"), style),
        ]));
        let mut status = format!("  {}", c.status.label());
        if c.escalated {
            status.push_str(" · escalated");
        }
        let owner = c
            .owner
            .as_ref()
            .map(|o| clean(&o.name).into_owned())
            .unwrap_or_else(|| "unassigned".into());
        status.push_str(&format!(" · {owner}"));
        lines.push(Line::from(Span::styled(status, t.muted)));
        lines.push(Line::from(Span::styled(
            format!("  {}", clean(&c.summary)),
            t.text,
        )));
        lines.push(Line::from(Span::styled(
            format!("  Wants: {}", clean(&c.remedy_sought)),
            t.text,
        )));
        if let Some(fr) = c.final_response_due_at {
            let (text, u) = countdown(fr, now);
            lines.push(Line::from(Span::styled(
                format!("  Final response {text} ({})", fr.format("%d %b")),
                if u == Urgency::Breached {
                    t.danger
                } else {
                    t.muted
                },
            )));
        }
        lines.push(Line::default());
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(panel(title, t, false))
            .wrap(Wrap { trim: false }),
        area,
    );
}
