//! Preferences and consent panel: how the customer wants to be contacted,
//! what they agreed to (✓ yes / ✗ no, in words as well as marks), and the
//! agents' notes.

use rapport_api::CustomerView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::sanitize::{clean, clean_multiline};
use crate::theme::Theme;
use crate::ui::panel;
use crate::ui::text::row;

pub fn draw(f: &mut Frame, area: Rect, v: &CustomerView, t: &Theme) {
    let block = panel(" Preferences & consent ", t, false);
    let cols = block.inner(area).width as usize;
    let p = &v.preferences;
    let c = &p.consent;
    let mark = |name: &'static str, on: bool| -> Vec<Span<'static>> {
        vec![
            Span::styled(format!("{name:<6}"), t.text),
            if on {
                Span::styled("✓ yes  ", t.ok)
            } else {
                Span::styled("✗ no   ", t.muted)
            },
        ]
    };
    let window = p
        .contact_window
        .as_deref()
        .map(|w| clean(w).into_owned())
        .unwrap_or_else(|| "any time".into());
    let mut lines = vec![
        row(
            vec![
                Span::styled("Prefers   ", t.muted),
                Span::styled(p.channel.as_str(), t.text),
                Span::styled(format!(" · {}", clean(&p.language)), t.text),
            ],
            cols,
            None,
        ),
        row(
            vec![
                Span::styled("Contact   ", t.muted),
                Span::styled(window, t.text),
            ],
            cols,
            None,
        ),
        row(
            [
                vec![Span::styled("Marketing ", t.muted)],
                mark("email", c.email),
                mark("sms", c.sms),
            ]
            .concat(),
            cols,
            None,
        ),
        row(
            [
                vec![Span::raw("          ")],
                mark("phone", c.phone),
                mark("post", c.post),
            ]
            .concat(),
            cols,
            None,
        ),
    ];
    if c.do_not_contact {
        lines.push(row(
            vec![Span::styled(
                "⚠ DO NOT CONTACT: no calls out, no offers",
                t.danger,
            )],
            cols,
            None,
        ));
    }
    let by = p
        .updated_by
        .as_ref()
        .map(|a| clean(&a.name).into_owned())
        .unwrap_or_else(|| "the system".into());
    lines.push(row(
        vec![Span::styled(
            format!("Updated {} by {by}", p.updated_at.format("%d %b %Y")),
            t.muted,
        )],
        cols,
        None,
    ));
    if !p.notes.trim().is_empty() {
        lines.push(Line::styled("Notes", t.muted));
        // Notes keep their line breaks; each line is cleaned and wraps.
        for l in clean_multiline(&p.notes) {
            lines.push(Line::styled(l, t.text));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
