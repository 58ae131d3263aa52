//! The queues panel: per queue the calls waiting, the longest wait, SL
//! against its target (▼ when below, in words too), ASA, AHT, abandon
//! rate, occupancy, agents on and signed on, the agents Erlang C says are
//! needed, and (wide) the calls offered per minute over the last 30
//! minutes and the SL trend per five minutes. At 80 columns the selected
//! queue's details follow the table.

use rapport_api::{Desk, QueueLive};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{longest, mmss, pct};
use crate::app::AppState;
use crate::app::supervisor::DeskTab;
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::sparkline;
use crate::ui::panel;
use crate::ui::text::{fit, pad, row};

/// `0:38`, or `—` when nothing was answered.
fn secs(v: Option<f64>) -> String {
    v.map(|s| mmss(s.round() as i64))
        .unwrap_or_else(|| "—".into())
}

/// `62%▼` below the target, `91% ` at or above it.
fn sl_cell(q: &QueueLive) -> (String, bool) {
    match q.window.sl {
        Some(v) => {
            let below = v * 100.0 < q.queue.target.pct as f64;
            (
                format!("{}{}", pct(Some(v)), if below { "▼" } else { " " }),
                below,
            )
        }
        None => ("— ".into(), false),
    }
}

/// SL per five minutes as blocks (a blank where no call counted).
fn trend(q: &QueueLive) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    q.sl_trend
        .iter()
        .map(|v| match v {
            Some(x) => BARS[((x.clamp(0.0, 1.0) * 7.0).round()) as usize],
            None => ' ',
        })
        .collect()
}

fn need(q: &QueueLive) -> String {
    q.staffing
        .as_ref()
        .and_then(|s| s.required_agents)
        .map(|n| n.to_string())
        .unwrap_or_else(|| "—".into())
}

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, d: &Desk, t: &Theme, wide: bool) {
    let focused = s.desk.tab == DeskTab::Queues;
    let waiting: u32 = d.queues.iter().map(|q| q.waiting).sum();
    let block = panel(
        format!(" Queues · {waiting} waiting · last 30 min "),
        t,
        focused,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let cols = inner.width as usize;
    let selected = s.desk.selected(DeskTab::Queues);
    let mut lines: Vec<Line> = Vec::new();
    let head = if wide {
        format!(
            "  {} {:>4} {:>7} {:>5} {:>6} {:>5} {:>5} {:>7} {:>4} {:>6} {:>4}  {:<6} {}",
            pad("Queue", 18),
            "Wait",
            "Longest",
            "SL",
            "Target",
            "ASA",
            "AHT",
            "Abandon",
            "Occ.",
            "Agents",
            "Need",
            "SL/5m",
            "Calls/min, 30 min"
        )
    } else {
        format!(
            "  {} {:>4} {:>7} {:>5} {:>5} {:>5} {:>6} {:>4} {:>6} {:>4}",
            pad("Queue", 13),
            "Wait",
            "Longest",
            "SL",
            "ASA",
            "AHT",
            "Aband.",
            "Occ.",
            "Agents",
            "Need"
        )
    };
    lines.push(Line::styled(fit(&head, cols), t.muted));
    let shown = s.desk.queues();
    if shown.is_empty() && !s.desk.filter.is_empty() {
        lines.push(Line::styled(super::agents::no_match(s), t.muted));
    }
    for (i, q) in shown.iter().enumerate() {
        let sel = i == selected && focused;
        let base = if sel { t.selection } else { t.text };
        let (sl, below) = sl_cell(q);
        let wait = longest(q.oldest_waiting_since, s.now).unwrap_or(0);
        let late = wait > q.queue.wait_alert_secs as i64;
        let on_bar = |st: Style| if sel { t.selection } else { st };
        let name = if q.open {
            clean(&q.queue.name).into_owned()
        } else {
            format!("{} (closed)", clean(&q.queue.name))
        };
        let agents = format!(
            "{}/{}",
            q.agents.on_call + q.agents.after_call_work,
            q.agents.staffed()
        );
        let w = &q.window;
        let mut spans = vec![
            Span::styled(if sel { "▶ " } else { "  " }, base),
            Span::styled(pad(&name, if wide { 18 } else { 13 }), base),
            Span::styled(format!(" {:>4}", q.waiting), base),
            Span::styled(
                format!(
                    " {:>7}",
                    if q.waiting > 0 {
                        mmss(wait)
                    } else {
                        "—".into()
                    }
                ),
                on_bar(if late { t.danger } else { t.text }),
            ),
            Span::styled(
                format!(" {:>5}", sl),
                on_bar(if below { t.danger } else { t.ok }),
            ),
        ];
        if wide {
            spans.push(Span::styled(
                format!(" {:>6}", q.queue.target.to_string()),
                base,
            ));
        }
        spans.extend([
            Span::styled(format!(" {:>5}", secs(w.asa_secs)), base),
            Span::styled(format!(" {:>5}", secs(w.aht_secs)), base),
            Span::styled(
                format!(
                    " {:>width$}",
                    abandon(w.abandon_rate),
                    width = if wide { 7 } else { 6 }
                ),
                base,
            ),
            Span::styled(format!(" {:>4}", pct(w.occupancy)), base),
            Span::styled(format!(" {:>6}", agents), base),
            Span::styled(format!(" {:>4}", need(q)), base),
        ]);
        if wide {
            let calls: Vec<i64> = q.offered_per_minute.iter().map(|n| *n as i64).collect();
            spans.push(Span::styled(format!("  {:<6}", trend(q)), on_bar(t.accent)));
            spans.push(Span::styled(
                format!(" {}", sparkline(&calls)),
                on_bar(t.accent),
            ));
        }
        lines.push(row(spans, cols, sel.then_some(t.selection)));
    }
    if !wide && let Some(q) = shown.get(selected) {
        lines.push(Line::default());
        lines.extend(detail(q, cols, t));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn abandon(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// The selected queue at 80 columns: what the wide table shows besides.
fn detail(q: &QueueLive, cols: usize, t: &Theme) -> Vec<Line<'static>> {
    let calls: Vec<i64> = q.offered_per_minute.iter().map(|n| *n as i64).collect();
    let a = q.agents;
    let staffing = match &q.staffing {
        Some(st) => format!(
            "Erlang C: {:.0} calls/h x AHT {} = {:.1} erlangs; {} needed for {}, {} with {} on (w: what-if)",
            st.arrival_per_hour,
            mmss(st.aht_secs.round() as i64),
            st.traffic_erlangs,
            st.required_agents
                .map(|n| format!("{n} agents"))
                .unwrap_or_else(|| "more agents than can be found are".into()),
            q.queue.target,
            st.sl_if_staffed
                .map(|v| format!("SL {}", pct(Some(v))))
                .unwrap_or_else(|| "the queue grows".into()),
            st.staffed
        ),
        None => "Erlang C: no call handled in the last 30 minutes, so no AHT yet.".into(),
    };
    let lines = [
        (
            format!(
                "{} · target {} · hours {} (UTC) · alert after {} waiting",
                clean(&q.queue.name),
                q.queue.target,
                q.queue.hours(),
                mmss(q.queue.wait_alert_secs as i64)
            ),
            t.accent,
        ),
        (
            format!(
                "Offered {} · answered {} ({} within {} s) · abandoned {} · handled {}",
                q.window.offered,
                q.window.answered,
                q.window.answered_within,
                q.queue.target.secs,
                q.window.abandoned,
                q.window.handled
            ),
            t.text,
        ),
        (
            format!(
                "Agents: {} available, {} on call, {} wrap-up, {} break, {} offline",
                a.available, a.on_call, a.after_call_work, a.on_break, a.offline
            ),
            t.text,
        ),
        (
            format!("Calls/min {}  SL/5 min {}", sparkline(&calls), trend(q)),
            t.text,
        ),
        (staffing, t.muted),
    ];
    lines
        .into_iter()
        .flat_map(|(text, style)| {
            crate::ui::text::wrap(&text, cols.max(1), 2)
                .into_iter()
                .map(move |l| Line::styled(l, style))
        })
        .collect()
}
