//! The help overlay (F1 or ?), generated from the keymap, grouped by where
//! the keys work, followed by what the figures on screen mean.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::text::{pad, width};
use crate::keymap::{Command, Context, Keymap};
use crate::theme::Theme;

/// The figures of the customer screen, defined as DOMAIN.md defines them.
const FIGURES: &[(&str, &str)] = &[
    (
        "Lifetime spend",
        "all orders ever, in the customer's currency",
    ),
    (
        "Frequency",
        "repeat purchase days: distinct days with an order, minus one",
    ),
    (
        "Recency",
        "days from the first to the last purchase day (0 with one)",
    ),
    ("T", "days from the first purchase day to the as-of date"),
    (
        "Monetary",
        "mean value of the repeat purchase days (0 without repeats)",
    ),
    (
        "Spend",
        "spend per calendar month, last 12 months, oldest first",
    ),
    (
        "SLA",
        "time left before the complaint's deadline: \"left\" in time, \"late\" when breached; a warning within 4 hours",
    ),
    (
        "Final response",
        "the regulatory deadline for a final answer, where one applies",
    ),
];

/// Help's lines; an agent's leaves out the supervisor desk.
pub fn lines(k: &Keymap, t: &Theme, supervisor: bool) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut groups = k.help_groups();
    if !supervisor {
        for (_, rows) in &mut groups {
            rows.retain(|(cmd, _)| !cmd.supervisor_only());
        }
    }
    let key_col = groups
        .iter()
        .flat_map(|(_, rows)| rows.iter())
        .map(|(_, keys)| width(&join(keys)))
        .max()
        .unwrap_or(8)
        .clamp(8, 22);
    for (ctx, rows) in groups {
        if rows.is_empty() {
            continue;
        }
        out.push(Line::styled(ctx.title().to_string(), t.title));
        for (cmd, keys) in rows {
            out.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(pad(&join(&keys), key_col), t.key),
                Span::raw("  "),
                Span::styled(cmd.describe_in(ctx).to_string(), t.text),
            ]));
        }
        out.push(Line::default());
    }
    if groups_have_typing(k) {
        let there: Vec<String> = [Command::Quit, Command::Help, Command::Back]
            .into_iter()
            .filter_map(|c| {
                super::key_label(k, Context::Search, c).map(|l| format!("{l} {}", c.hint()))
            })
            .collect();
        out.push(Line::styled(
            format!(
                "In the search box plain characters type text; there use {}.",
                there.join(", ")
            ),
            t.muted,
        ));
        out.push(Line::default());
    }
    out.push(Line::styled("What the figures mean".to_string(), t.title));
    for (name, def) in FIGURES.iter().chain(rapport_api::DEFINITIONS) {
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(pad(name, 15), t.accent),
            Span::styled(def.to_string(), t.text),
        ]));
    }
    out.push(Line::default());
    out.push(Line::styled(
        "Keys are set in the [keys] tables of the configuration file (see config.example.toml)."
            .to_string(),
        t.muted,
    ));
    out
}

fn join(keys: &[crate::keymap::Key]) -> String {
    keys.iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when some global key is a plain character (it types in search).
fn groups_have_typing(k: &Keymap) -> bool {
    k.help_groups()
        .iter()
        .filter(|(c, _)| *c == Context::Global)
        .flat_map(|(_, rows)| rows.iter())
        .any(|(_, keys)| keys.iter().any(|k| k.typed_char().is_some()))
}

pub fn draw(f: &mut Frame, area: Rect, scroll: u16, t: &Theme, k: &Keymap, supervisor: bool) {
    let r = super::centred(area, 96, area.height);
    f.render_widget(Clear, r);
    let block = super::panel(" Help · ↑↓ scroll · Esc closes ", t, true);
    let inner = block.inner(r);
    let lines = lines(k, t, supervisor);
    let max = (lines.len() as u16).saturating_sub(inner.height);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(max), 0)),
        r,
    );
}
