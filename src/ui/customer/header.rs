//! The one-line header of the narrow customer layout: who this is and the
//! most urgent facts, visible on every tab.

use chrono::{DateTime, Utc};
use rapport_api::{CustomerView, RelationshipStage};
use ratatui::text::{Line, Span};

use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::{Urgency, countdown};
use crate::ui::text::fit_spans;

pub fn line(
    v: &CustomerView,
    queued: usize,
    now: DateTime<Utc>,
    cols: u16,
    t: &Theme,
) -> Line<'static> {
    let p = &v.profile;
    let mut spans = vec![
        Span::styled(format!(" {}", clean(&p.display_name)), t.accent),
        Span::styled(
            format!(" · {} · {}", clean(&p.account_number), p.tier.label()),
            t.text,
        ),
    ];
    let open = v.open_complaints.len();
    let breached = v
        .open_complaints
        .iter()
        .filter(|c| countdown(c.sla_due_at, now).1 == Urgency::Breached)
        .count();
    if breached > 0 {
        spans.push(Span::styled(format!(" · ⚠ {breached} past SLA"), t.danger));
    }
    if queued > 0 {
        spans.push(Span::styled(format!(" · ⟳ {queued} queued"), t.warn));
    }
    if open > breached {
        let noun = if open == 1 { "complaint" } else { "complaints" };
        spans.push(Span::styled(format!(" · {open} open {noun}"), t.warn));
    }
    if v.preferences.consent.do_not_contact {
        spans.push(Span::styled(" · do not contact", t.danger));
    }
    if p.stage == RelationshipStage::Dissolution {
        spans.push(Span::styled(" · stage: dissolution", t.danger));
    }
    if !v.viewers.is_empty() {
        let names: Vec<String> = v
            .viewers
            .iter()
            .map(|a| clean(&a.name).into_owned())
            .collect();
        spans.push(Span::styled(
            format!(" · also open by {}", names.join(", ")),
            t.muted,
        ));
    }
    Line::from(fit_spans(spans, cols as usize))
}
