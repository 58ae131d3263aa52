//! The agent's live-queue pieces: their state and call timer for the status
//! bar ("☎ 03:12 +44 •••123"), their queue's figures beside it ("Billing 3
//! waiting · SL 82% (80/20)"), the F3 state picker and the wrap-up's
//! customer chooser. Every state has a word beside its marker, so it reads
//! without colour.

use rapport_api::AgentState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::text::pad;
use crate::app::AppState;
use crate::app::calls::{CHOICES, caller_words, candidates, clock};
use crate::sanitize::clean;
use crate::theme::Theme;

/// A single-width marker for each state.
pub fn marker(s: AgentState) -> &'static str {
    match s {
        AgentState::Available => "●",
        AgentState::OnCall => "☎",
        AgentState::AfterCallWork => "✎",
        AgentState::Break => "‖",
        AgentState::Offline => "○",
    }
}

/// `● available 12m`, `☎ 03:12 +44 •••••••123`, `✎ wrap-up 00:41`: the
/// call and the wrap-up to the second, the rest to the minute.
pub fn state_words(s: &AppState) -> Option<String> {
    let st = s.calls.status.as_ref()?;
    let mark = marker(st.state);
    Some(match st.state {
        AgentState::OnCall => {
            let since = st
                .call
                .as_ref()
                .and_then(|c| c.answered_at)
                .unwrap_or(st.since);
            let who = st.call.as_ref().map(caller).unwrap_or_default();
            format!("{mark} {} {who}", clock(since, s.now))
        }
        AgentState::AfterCallWork => format!("{mark} wrap-up {}", clock(st.since, s.now)),
        AgentState::Offline => format!("{mark} offline"),
        other => {
            // Seconds in the first minute (counting from the first), then
            // whole minutes.
            let secs = (s.now - st.since).num_seconds().max(0);
            let shown = if secs < 60 { secs } else { secs / 60 * 60 };
            // Available with no queue is waiting for ever: said plainly.
            let none = if other == AgentState::Available && crate::app::calls::serves_no_queue(s) {
                " · no queue, no calls"
            } else {
                ""
            };
            format!(
                "{mark} {} {}{none}",
                other.label(),
                super::format::duration(shown)
            )
        }
    })
}

/// Who is on the line: the customer the number names, else the number
/// (masked as the settings say).
pub fn caller(c: &rapport_api::Call) -> String {
    match &c.customer_name {
        Some(n) => clean(n).into_owned(),
        None => caller_words(&c.caller),
    }
}

/// `Billing 3 waiting · SL 82% (80/20)`: the agent's queue now, and a
/// shorter form for a narrow bar.
pub fn queue_words(s: &AppState) -> Option<[String; 2]> {
    let q = s.calls.my_queue()?;
    let sl = super::supervisor::pct(q.window.sl);
    let name = clean(&q.queue.name);
    Some([
        format!(
            "{name} {} waiting · SL {sl} ({})",
            q.waiting, q.queue.target
        ),
        format!("{name} {} waiting · SL {sl}", q.waiting),
    ])
}

/// The F3 picker, over the screen's centre.
pub fn draw_picker(f: &mut Frame, area: Rect, s: &AppState, t: &Theme) {
    let Some(row) = s.calls.picker else { return };
    let r = super::centred(area, 34, CHOICES.len() as u16 + 4);
    f.render_widget(Clear, r);
    let block = super::panel(" Your state ", t, true);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let now = s.calls.state();
    let mut lines: Vec<Line> = CHOICES
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let here = if Some(*st) == now { " (now)" } else { "" };
            let text = format!("{} {}{here}", marker(*st), st.label());
            if i == row {
                Line::from(vec![
                    Span::styled("▶ ", t.selection),
                    Span::styled(
                        pad(&text, inner.width.saturating_sub(2) as usize),
                        t.selection,
                    ),
                ])
            } else {
                Line::from(vec![Span::raw("  "), Span::styled(text, t.text)])
            }
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::styled(" ↑↓ Enter, or a b o · Esc", t.muted));
    f.render_widget(Paragraph::new(lines), inner);
}

/// "Wrap-up for which customer?": the call's customer and those opened
/// during the call, numbered.
pub fn draw_chooser(f: &mut Frame, area: Rect, s: &AppState, t: &Theme) {
    let Some(row) = s.calls.chooser else { return };
    let all = candidates(s);
    let width = all
        .iter()
        .map(|(_, n)| clean(n).chars().count() as u16 + 8)
        .max()
        .unwrap_or(0)
        .clamp(40, area.width.saturating_sub(4).max(40));
    let r = super::centred(area, width, all.len() as u16 + 6);
    f.render_widget(Clear, r);
    let block = super::panel(" Wrap-up for which customer? ", t, true);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let who = s
        .calls
        .wrap
        .as_ref()
        .map(|w| caller_words(&w.call.caller))
        .unwrap_or_default();
    let mut lines = vec![
        Line::styled(format!(" The call from {who}:"), t.muted),
        Line::default(),
    ];
    for (i, (_, name)) in all.iter().enumerate() {
        let text = format!("{} {}", i + 1, clean(name));
        lines.push(if i == row {
            Line::from(vec![
                Span::styled("▶ ", t.selection),
                Span::styled(
                    pad(&text, inner.width.saturating_sub(2) as usize),
                    t.selection,
                ),
            ])
        } else {
            Line::from(vec![Span::raw("  "), Span::styled(text, t.text)])
        });
    }
    lines.push(Line::default());
    lines.push(Line::styled(" ↑↓ Enter, or the number · Esc", t.muted));
    f.render_widget(Paragraph::new(lines), inner);
}
