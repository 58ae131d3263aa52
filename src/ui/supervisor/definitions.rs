//! What each figure on the desk means (`d`): DOMAIN.md's definitions as the
//! server computes them (`rapport_api::DEFINITIONS`), and the desk's own
//! columns.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::keymap::{Command, Context, Keymap};
use crate::theme::Theme;
use crate::ui::key_label;
use crate::ui::text::{pad, wrap};

/// The desk's columns besides the DOMAIN.md figures.
pub const COLUMNS: &[(&str, &str)] = &[
    ("Wait", "calls waiting in the queue now"),
    (
        "Agents",
        "busy (on call or wrap-up) / signed on (any state but offline), of those serving the queue",
    ),
    (
        "Target",
        "the queue's SL target: 80/20 is 80% within 20 s; ▼ marks SL below it",
    ),
    (
        "SL/5m",
        "SL per five minutes over the last 30 (a blank: no call counted)",
    ),
    ("Calls/min", "calls offered per minute over the last 30"),
    (
        "Alerts",
        "SL below the target while the queue is open, or a caller waiting past the queue's limit",
    ),
];

/// The lines of the overlay, `cols` wide.
pub fn lines(cols: usize, t: &Theme) -> Vec<Line<'static>> {
    let name_w = 10;
    let text_w = cols.saturating_sub(name_w + 2).max(10);
    let mut out = Vec::new();
    for (name, def) in rapport_api::DEFINITIONS.iter().chain(COLUMNS) {
        for (i, l) in wrap(def, text_w, 6).into_iter().enumerate() {
            let head = if i == 0 { *name } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!(" {} ", pad(head, name_w)), t.accent),
                Span::styled(l, t.text),
            ]));
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, scroll: u16, t: &Theme, k: &Keymap) {
    let r = crate::ui::centred(area, 100, area.height);
    f.render_widget(Clear, r);
    let close = key_label(k, Context::Supervisor, Command::Definitions)
        .map(|key| format!(" · ↑↓ scroll · {key} or Esc closes "))
        .unwrap_or_else(|| " · ↑↓ scroll · Esc closes ".into());
    let block = crate::ui::panel(format!(" What the figures mean{close}"), t, true);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let lines = lines(inner.width as usize, t);
    let max = (lines.len() as u16).saturating_sub(inner.height);
    f.render_widget(Paragraph::new(lines).scroll((scroll.min(max), 0)), inner);
}
