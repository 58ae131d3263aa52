//! The help overlay, generated from the keymap (F1 or ?).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::keymap::{Context, Keymap};
use crate::theme::Theme;

pub fn lines(k: &Keymap, t: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for ctx in Context::ALL {
        out.push(Line::from(Span::styled(ctx.title().to_string(), t.title)));
        for (c, cmd, keys) in k.entries() {
            if c != ctx || keys.is_empty() {
                continue;
            }
            let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            out.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keys.join(" ")), t.key),
                Span::styled(cmd.describe().to_string(), t.text),
            ]));
        }
        out.push(Line::default());
    }
    out.push(Line::from(Span::styled(
        "Keys are set in the [keys] tables of the configuration file.",
        t.muted,
    )));
    out
}

pub fn draw(f: &mut Frame, area: Rect, t: &Theme, k: &Keymap) {
    let r = super::centred(area, 72, area.height.saturating_sub(2).max(5));
    f.render_widget(Clear, r);
    let block = super::panel(" Help · Esc closes ", t, true);
    f.render_widget(
        Paragraph::new(lines(k, t))
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}
