//! The Erlang C what-if over the desk: for the selected queue, the arrival
//! rate and AHT of the last 30 minutes, the traffic they make, the agents
//! needed for the queue's target, and for N agents and its neighbours the
//! probability of waiting, SL, ASA and occupancy, as the server computed
//! them. `+` and `-` change N.

use rapport_api::{Desk, WhatIf};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{mmss, pct};
use crate::app::{AppState, Load};
use crate::keymap::{Command, Context, Keymap};
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::key_label;
use crate::ui::text::{fit, row};

#[allow(clippy::too_many_arguments)]
pub fn draw(
    f: &mut Frame,
    area: Rect,
    _s: &AppState,
    d: &Desk,
    result: &Load<WhatIf>,
    agents: Option<u32>,
    t: &Theme,
    k: &Keymap,
) {
    let r = crate::ui::centred(area, 76, 16.min(area.height));
    f.render_widget(Clear, r);
    let name = match result.loaded() {
        Some(w) => d
            .queues
            .iter()
            .find(|q| q.queue.id == w.queue_id)
            .map(|q| clean(&q.queue.name).into_owned())
            .unwrap_or_default(),
        None => String::new(),
    };
    let block = crate::ui::panel(format!(" Erlang C what-if · {name} "), t, true);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let cols = inner.width as usize;
    let w = match result {
        Load::Loaded(w) => w,
        Load::Failed(e) => {
            f.render_widget(
                Paragraph::new(clean(&e.to_string()).into_owned())
                    .style(t.warn)
                    .wrap(Wrap { trim: true }),
                inner,
            );
            return;
        }
        _ => {
            f.render_widget(Paragraph::new("Computing…").style(t.muted), inner);
            return;
        }
    };
    let needed = match w.required_agents {
        Some(n) => format!("{n} agents needed for {}", w.target),
        None => format!("no number of agents within reach meets {}", w.target),
    };
    let mut lines = vec![
        Line::styled(
            fit(
                &format!(
                    "Arrivals {:.1} calls/h · AHT {} · traffic A = {:.2} erlangs",
                    w.arrival_per_hour,
                    mmss(w.aht_secs.round() as i64),
                    w.traffic_erlangs
                ),
                cols,
            ),
            t.text,
        ),
        Line::styled(
            fit(&format!("{needed} · {} signed on now", w.staffed), cols),
            t.accent,
        ),
        Line::default(),
        Line::styled(
            fit("  Agents   P(wait)      SL       ASA   Occupancy", cols),
            t.muted,
        ),
    ];
    let focus = agents.or(w.required_agents);
    for row_ in &w.rows {
        let sel = Some(row_.agents) == focus;
        let base = if sel { t.selection } else { t.text };
        let cell = |v: Option<f64>| pct(v);
        let asa = row_
            .asa_secs
            .map(|s| mmss(s.round() as i64))
            .unwrap_or_else(|| "—".into());
        let mut text = format!(
            "{:>7}   {:>7}   {:>6}   {:>7}   {:>9}",
            row_.agents,
            cell(row_.p_wait),
            cell(row_.sl),
            asa,
            cell(row_.occupancy)
        );
        if row_.p_wait.is_none() {
            text.push_str("   queue grows");
        } else if Some(row_.agents) == w.required_agents {
            text.push_str("   needed");
        }
        lines.push(row(
            vec![
                Span::styled(if sel { "▶ " } else { "  " }, base),
                Span::styled(text, base),
            ],
            cols,
            sel.then_some(t.selection),
        ));
    }
    lines.push(Line::default());
    let keys: Vec<String> = [
        (Command::MoreAgents, "one more"),
        (Command::FewerAgents, "one fewer"),
        (Command::Back, "close"),
    ]
    .into_iter()
    .filter_map(|(c, words)| {
        key_label(k, Context::Supervisor, c).map(|key| format!("{key} {words}"))
    })
    .collect();
    lines.push(Line::styled(
        fit(
            &format!("{} · rates and AHT of the last 30 minutes", keys.join("  ")),
            cols,
        ),
        t.muted,
    ));
    f.render_widget(Paragraph::new(lines), inner);
}
