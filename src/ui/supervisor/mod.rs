//! The supervisor desk. Wide terminals get the queues across the top and
//! the agents beside what waits for the supervisor (approvals, complaints
//! at risk); 80 columns get the same as tabs. The alerts line stays on
//! every tab. Every figure comes from the server's snapshot; only the
//! clocks (longest wait, time in state, SLA countdowns) age here, from the
//! instants the snapshot gives. `d` shows what each figure means.

pub mod agents;
pub mod approvals;
pub mod at_risk;
pub mod definitions;
pub mod queues;
pub mod what_if;

use chrono::{DateTime, Utc};
use rapport_api::{AlertKind, Desk};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::supervisor::{DeskTab, Overlay};
use crate::app::{AppState, Load};
use crate::keymap::Keymap;
use crate::sanitize::clean;
use crate::theme::Theme;

/// `1:42` (or `1:02:05` past an hour), for waits and times in state.
pub fn mmss(secs: i64) -> String {
    let s = secs.max(0);
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{sec:02}")
    } else {
        format!("{m}:{sec:02}")
    }
}

/// A share as a percentage, rounded down (so 79.9% never reads as 80%).
pub fn pct(v: Option<f64>) -> String {
    match v {
        Some(x) => format!("{:.0}%", (x * 100.0).floor()),
        None => "—".into(),
    }
}

/// The longest wait now: the snapshot's oldest waiting call, aged to now.
pub fn longest(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<i64> {
    since.map(|t| (now - t).num_seconds().max(0))
}

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, k: &Keymap, wide: bool) {
    let d = match &s.desk.desk {
        Load::Loaded(d) => d,
        Load::Idle | Load::Loading => {
            f.render_widget(Paragraph::new("Loading the desk…").style(t.muted), area);
            return;
        }
        Load::Failed(e) => {
            f.render_widget(
                Paragraph::new(format!(
                    "Could not load the desk: {}",
                    clean(&e.to_string())
                ))
                .style(t.danger)
                .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
    };
    let [alerts, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    draw_alerts(f, alerts, d, s, t);
    // The filter, while typed or in force, on the last line.
    let body = if s.desk.filtering || !s.desk.filter.is_empty() {
        let [body, line] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(body);
        draw_filter(f, line, s, t, k);
        body
    } else {
        body
    };
    if wide {
        let rows = d.queues.len() as u16 + 4;
        let [top, bottom] = Layout::vertical([
            Constraint::Length(rows.min(body.height / 2)),
            Constraint::Min(1),
        ])
        .areas(body);
        queues::draw(f, top, s, d, t, true);
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(bottom);
        agents::draw(f, left, s, d, t, s.desk.tab == DeskTab::Agents);
        let [up, down] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
        approvals::draw(f, up, s, t, s.desk.tab == DeskTab::Approvals);
        at_risk::draw(f, down, s, t, s.desk.tab == DeskTab::AtRisk);
    } else {
        let [tabs, panel] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
        f.render_widget(Paragraph::new(tab_line(s, t)), tabs);
        match s.desk.tab {
            DeskTab::Queues => queues::draw(f, panel, s, d, t, false),
            DeskTab::Agents => agents::draw(f, panel, s, d, t, true),
            DeskTab::Approvals => approvals::draw(f, panel, s, t, true),
            DeskTab::AtRisk => at_risk::draw(f, panel, s, t, true),
        }
    }
    match &s.desk.overlay {
        Some(Overlay::WhatIf { result, agents, .. }) => {
            what_if::draw(f, body, s, d, result, *agents, t, k)
        }
        Some(Overlay::Definitions(scroll)) => definitions::draw(f, body, *scroll, t, k),
        None => {}
    }
    if s.desk.reject.is_some() {
        approvals::draw_reject(f, body, s, t);
    }
}

/// `/ filter: bil▏ Enter keeps · Esc clears`, or the filter in force.
fn draw_filter(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, k: &Keymap) {
    use crate::keymap::{Command, Context};
    use crate::ui::text::{fit, width};
    let label = |ctx, cmd| crate::ui::key_label(k, ctx, cmd).unwrap_or_default();
    let text = clean(&s.desk.filter).into_owned();
    let cols = area.width as usize;
    let (head, tail) = if s.desk.filtering {
        (
            format!(" Filter: {text}"),
            format!(
                "   {} keeps · {} clears",
                label(Context::Supervisor, Command::Open),
                label(Context::Global, Command::Back)
            ),
        )
    } else {
        (
            format!(" Filtered by “{text}”"),
            format!(
                "   {} changes · {} clears",
                label(Context::Global, Command::Search),
                label(Context::Global, Command::Back)
            ),
        )
    };
    let head = fit(&head, cols.saturating_sub(2));
    let line = ratatui::text::Line::from(vec![
        ratatui::text::Span::styled(head.clone(), t.accent),
        ratatui::text::Span::styled(fit(&tail, cols.saturating_sub(width(&head))), t.muted),
    ]);
    f.render_widget(Paragraph::new(line), area);
    if s.desk.filtering {
        let x = area.x + width(&head) as u16;
        f.set_cursor_position(ratatui::layout::Position::new(
            x.min(area.right().saturating_sub(1)),
            area.y,
        ));
    }
}

/// `⚠ Billing: SL 64% …  ⚠ Sales: a caller has waited 2:10 …`, or that
/// all is well, with the centre's totals.
fn draw_alerts(f: &mut Frame, area: Rect, d: &Desk, s: &AppState, t: &Theme) {
    let mut spans: Vec<Span> = vec![Span::raw(" ")];
    let alerts: Vec<_> = d
        .queues
        .iter()
        .flat_map(|q| q.alerts.iter().map(move |a| (q, a)))
        .collect();
    if alerts.is_empty() {
        let staffed: u32 = d
            .agents
            .iter()
            .filter(|a| a.state != rapport_api::AgentState::Offline)
            .count() as u32;
        let fcr = d
            .fcr
            .as_ref()
            .map(|f| format!(" · FCR {} (7 days)", pct(f.rate)))
            .unwrap_or_default();
        spans.push(Span::styled("✓ No alerts", t.ok));
        spans.push(Span::styled(
            format!(
                " · all queues: SL {} · {} offered in 30 min · {staffed} agents on{fcr}",
                pct(d.total.sl),
                d.total.offered
            ),
            t.muted,
        ));
    } else {
        for (q, a) in alerts {
            // The wait keeps growing between snapshots: say it as it is now.
            let text = match a.kind {
                AlertKind::LongestWait => format!(
                    "{}: a caller has waited {}",
                    clean(&q.queue.name),
                    mmss(longest(q.oldest_waiting_since, s.now).unwrap_or(0))
                ),
                AlertKind::ServiceLevel => clean(&a.message).into_owned(),
            };
            spans.push(Span::styled(format!("⚠ {text}"), t.danger));
            spans.push(Span::raw("   "));
        }
    }
    let line = super::text::row(spans, area.width as usize, None);
    f.render_widget(Paragraph::new(line), area);
}

fn tab_line(s: &AppState, t: &Theme) -> Line<'static> {
    let waiting = s.desk.waiting().len();
    let risk = s.desk.at_risk.loaded().map_or(0, Vec::len);
    let mut spans = vec![Span::raw(" ")];
    for (i, tab) in DeskTab::ALL.iter().enumerate() {
        let count = match tab {
            DeskTab::Approvals if waiting > 0 => format!(" ({waiting})"),
            DeskTab::AtRisk if risk > 0 => format!(" ({risk})"),
            _ => String::new(),
        };
        let label = format!("{} {}{count}", i + 1, tab.title());
        if *tab == s.desk.tab {
            spans.push(Span::styled(format!("[{label}]"), t.tab_active));
        } else {
            spans.push(Span::styled(format!(" {label} "), t.tab));
        }
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}
