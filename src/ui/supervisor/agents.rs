//! The agents panel: each agent's state (marker and word), time in state,
//! and the customer on their call (or the caller's number, masked), with
//! the simulated ones marked. Busiest first: on call, wrap-up, available,
//! break, offline.

use rapport_api::{AgentState, AgentStatus, Desk};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::mmss;
use crate::app::AppState;
use crate::app::supervisor::DeskTab;
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::calls::{caller, marker};
use crate::ui::panel;
use crate::ui::text::{pad, row};

/// What an empty list says while the filter hides every row.
pub fn no_match(s: &AppState) -> String {
    format!("No row holds “{}”.", clean(&s.desk.filter))
}

/// The agents in the order the panel lists them.
pub fn ordered(d: &Desk) -> Vec<&AgentStatus> {
    let rank = |s: AgentState| match s {
        AgentState::OnCall => 0,
        AgentState::AfterCallWork => 1,
        AgentState::Available => 2,
        AgentState::Break => 3,
        AgentState::Offline => 4,
    };
    let mut v: Vec<&AgentStatus> = d.agents.iter().collect();
    v.sort_by(|a, b| {
        rank(a.state)
            .cmp(&rank(b.state))
            .then(a.since.cmp(&b.since))
            .then(a.agent.id.cmp(&b.agent.id))
    });
    v
}

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, d: &Desk, t: &Theme, focused: bool) {
    let on = d
        .agents
        .iter()
        .filter(|a| a.state != AgentState::Offline)
        .count();
    let block = panel(
        format!(" Agents · {on} of {} on ", d.agents.len()),
        t,
        focused,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let cols = inner.width as usize;
    let rows = inner.height as usize;
    let list: Vec<&AgentStatus> = ordered(d)
        .into_iter()
        .filter(|a| s.desk.matches(&[&a.agent.name, a.state.label()]))
        .collect();
    if list.is_empty() && !s.desk.filter.is_empty() {
        f.render_widget(Paragraph::new(no_match(s)).style(t.muted), inner);
        return;
    }
    if list.is_empty() {
        f.render_widget(
            Paragraph::new("No agents serve a queue yet (rapport-server queue join).")
                .style(t.muted),
            inner,
        );
        return;
    }
    let selected = s.desk.selected(DeskTab::Agents).min(list.len() - 1);
    let offset = selected.saturating_sub(rows.saturating_sub(1));
    let name_w = if cols >= 70 { 20 } else { 16 };
    let lines: Vec<Line> = list
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, a)| {
            let sel = focused && i == selected;
            let base = if sel { t.selection } else { t.text };
            let state_style = if sel {
                t.selection
            } else {
                match a.state {
                    AgentState::OnCall => t.accent,
                    AgentState::AfterCallWork => t.warn,
                    AgentState::Available => t.ok,
                    _ => t.muted,
                }
            };
            let name = format!(
                "{}{}",
                clean(&a.agent.name),
                if a.simulated { " (sim)" } else { "" }
            );
            let since = (s.now - a.since).num_seconds();
            let who = a.call.as_ref().map(caller).unwrap_or_default();
            row(
                vec![
                    Span::styled(if sel { "▶ " } else { "  " }, base),
                    Span::styled(pad(&name, name_w), base),
                    Span::styled(
                        pad(&format!(" {} {}", marker(a.state), a.state.label()), 12),
                        state_style,
                    ),
                    Span::styled(
                        format!(
                            " {:>7} ",
                            if a.state == AgentState::Offline {
                                String::new()
                            } else {
                                mmss(since)
                            }
                        ),
                        base,
                    ),
                    Span::styled(who, base),
                ],
                cols,
                sel.then_some(t.selection),
            )
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
