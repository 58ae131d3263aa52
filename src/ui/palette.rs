//! The command palette overlay: a filter line, then the commands of the
//! screen underneath with what they do (matched letters highlighted) and
//! the keys that give them directly.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::search::highlighted;
use super::text::{fit, pad, row, width};
use crate::app::palette::PaletteState;
use crate::keymap::{Command, Key, Keymap};
use crate::sanitize::clean;
use crate::theme::Theme;

/// Widest the overlay gets; it shrinks with the terminal.
const WIDTH: u16 = 78;

pub fn draw(f: &mut Frame, area: Rect, p: &PaletteState, t: &Theme, k: &Keymap) {
    let rows = p.rows();
    // Border, filter line, rule, the rows (at least one for "no match").
    let height = (rows.len().max(1) as u16).saturating_add(4);
    let r = super::centred(area, WIDTH, height.min(area.height));
    f.render_widget(Clear, r);
    let block = super::panel(
        " Commands · type to filter · Enter runs · Esc closes ",
        t,
        true,
    );
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let cols = inner.width as usize;
    let query = clean(&p.query).into_owned();
    let shown = fit(&query, cols.saturating_sub(3));
    let mut lines = vec![
        Line::from(vec![
            Span::styled("› ", t.accent),
            Span::styled(shown.clone(), t.input),
        ]),
        Line::styled("─".repeat(cols), t.border),
    ];
    let room = (inner.height as usize).saturating_sub(2);
    if rows.is_empty() {
        lines.push(Line::styled(
            fit(&format!("No command matches “{query}”."), cols),
            t.muted,
        ));
    } else {
        let selected = p.selected.min(rows.len() - 1);
        let first = selected.saturating_sub(room.saturating_sub(1));
        let keys_of = |cmd: Command| {
            let mut keys = k.keys_for(p.under, cmd);
            if p.under.types_text() {
                keys.retain(|key| key.typed_char().is_none());
            }
            keys_text(&keys)
        };
        // Keys on the right, as wide as the widest shown needs, at most a
        // quarter of the width: the names get the rest.
        let widest = rows
            .iter()
            .skip(first)
            .take(room)
            .map(|c| width(&keys_of(*c)))
            .max()
            .unwrap_or(6);
        let key_col = widest.clamp(6, (cols / 4).clamp(6, 20));
        for (i, cmd) in rows.iter().enumerate().skip(first).take(room) {
            let is_sel = i == selected;
            let base = if is_sel { t.selection } else { t.text };
            let keys = keys_of(*cmd);
            let text_col = cols.saturating_sub(key_col + 3);
            let mut spans = vec![Span::styled(if is_sel { "▶ " } else { "  " }, base)];
            spans.extend(highlighted(
                &pad(cmd.describe_in(p.under), text_col),
                &p.query,
                base,
                t.highlight,
            ));
            spans.push(Span::styled(" ", base));
            spans.push(Span::styled(
                format!("{:>key_col$}", fit(&keys, key_col)),
                if is_sel { t.selection } else { t.key },
            ));
            lines.push(row(spans, cols, is_sel.then_some(base)));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
    let x = inner.x + 2 + width(&shown) as u16;
    f.set_cursor_position(Position::new(
        x.min(inner.right().saturating_sub(1)),
        inner.y,
    ));
}

/// "Ctrl-s F2", or a word when the command has no key of its own here.
fn keys_text(keys: &[Key]) -> String {
    if keys.is_empty() {
        return "no key".to_string();
    }
    keys.iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}
