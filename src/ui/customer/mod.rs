//! The customer-360 screen. Wide terminals get the panels side by side;
//! narrow ones (80x24) a header with the most urgent facts and tabs.

pub mod complaints;
pub mod history;
pub mod preferences;
pub mod profile;
pub mod value;

use rapport_api::CustomerView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{AppState, CustomerState, Load, Tab};
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::{Urgency, countdown};

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme) {
    let Some(c) = &s.customer else { return };
    let v = match &c.view {
        Load::Loaded(v) => v,
        Load::Loading | Load::Idle => {
            let who = c.opened_from.as_deref().map(clean).unwrap_or_default();
            f.render_widget(
                Paragraph::new(format!("Loading {who}…")).style(t.muted),
                area,
            );
            return;
        }
        Load::Failed(e) => {
            let msg = format!(
                "Could not load this customer: {}  (Ctrl-r retries, Esc goes back)",
                clean(e)
            );
            f.render_widget(
                Paragraph::new(msg)
                    .style(t.danger)
                    .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
    };
    if area.width >= super::WIDE {
        wide(f, area, s, c, v, t);
    } else {
        narrow(f, area, s, c, v, t);
    }
}

fn wide(f: &mut Frame, area: Rect, s: &AppState, c: &CustomerState, v: &CustomerView, t: &Theme) {
    let [left, mid, right] = Layout::horizontal([
        Constraint::Length(44),
        Constraint::Min(40),
        Constraint::Length(44),
    ])
    .areas(area);
    let [p, val, pref] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Length(11),
        Constraint::Min(6),
    ])
    .areas(left);
    profile::draw(f, p, v, s, t);
    value::draw(f, val, v, t);
    preferences::draw(f, pref, v, t);
    history::draw(f, mid, c, t, true);
    complaints::draw(f, right, v, s.now, t);
}

fn narrow(f: &mut Frame, area: Rect, s: &AppState, c: &CustomerState, v: &CustomerView, t: &Theme) {
    let [head, tabs, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(header(v, s, t)), head);
    let mut spans = vec![Span::raw(" ")];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, tab.title());
        spans.push(Span::styled(
            label,
            if *tab == c.tab { t.tab_active } else { t.tab },
        ));
        spans.push(Span::raw(" "));
    }
    if c.tab == Tab::Complaints || c.tab == Tab::History {
        // nothing extra: the panel titles say what is shown
    }
    f.render_widget(Paragraph::new(Line::from(spans)), tabs);
    match c.tab {
        Tab::Overview => {
            let [p, val] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(body);
            profile::draw(f, p, v, s, t);
            value::draw(f, val, v, t);
        }
        Tab::History => history::draw(f, body, c, t, true),
        Tab::Complaints => complaints::draw(f, body, v, s.now, t),
        Tab::Preferences => preferences::draw(f, body, v, t),
    }
}

/// Name, account, tier and the most urgent facts, for every narrow tab.
fn header(v: &CustomerView, s: &AppState, t: &Theme) -> Line<'static> {
    let p = &v.profile;
    let mut spans = vec![
        Span::styled(format!(" {}", clean(&p.display_name)), t.accent),
        Span::styled(
            format!(" · {} · {}", clean(&p.account_number), p.tier.label()),
            t.text,
        ),
    ];
    let breached = v
        .open_complaints
        .iter()
        .filter(|c| countdown(c.sla_due_at, s.now).1 == Urgency::Breached)
        .count();
    if !v.open_complaints.is_empty() {
        spans.push(Span::styled(
            format!(" · {} open complaint(s)", v.open_complaints.len()),
            t.warn,
        ));
    }
    if breached > 0 {
        spans.push(Span::styled(format!(" · ⚠ {breached} breached"), t.danger));
    }
    if p.stage == rapport_api::RelationshipStage::Dissolution {
        spans.push(Span::styled(" · stage: dissolution", t.danger));
    }
    Line::from(spans)
}
