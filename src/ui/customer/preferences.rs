//! Preferences and consent panel.

use rapport_api::CustomerView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::{field, panel};

pub fn draw(f: &mut Frame, area: Rect, v: &CustomerView, t: &Theme) {
    let p = &v.preferences;
    let c = &p.consent;
    let mark = |on: bool, name: &'static str| -> Vec<Span<'static>> {
        vec![
            Span::styled(name, t.text),
            Span::styled(
                if on { " ✓ yes " } else { " ✗ no  " },
                if on { t.ok } else { t.muted },
            ),
        ]
    };
    let mut lines = vec![
        Line::from(field("Prefers", p.channel.as_str(), t, t.text)),
        Line::from(field(
            "Language",
            clean(&p.language).into_owned(),
            t,
            t.text,
        )),
        Line::from(field(
            "Contact",
            clean(p.contact_window.as_deref().unwrap_or("any time")).into_owned(),
            t,
            t.text,
        )),
        Line::from(
            [
                vec![Span::styled("Marketing ", t.muted)],
                mark(c.email, "email"),
                mark(c.sms, "sms"),
                mark(c.phone, "phone"),
                mark(c.post, "post"),
            ]
            .concat(),
        ),
    ];
    if c.do_not_contact {
        lines.push(Line::from(Span::styled(
            "DO NOT CONTACT: no outbound contact or offers",
            t.danger,
        )));
    }
    if !p.notes.is_empty() {
        lines.push(Line::from(field(
            "Notes",
            clean(&p.notes).into_owned(),
            t,
            t.text,
        )));
    }
    let by = p
        .updated_by
        .as_ref()
        .map(|a| clean(&a.name).into_owned())
        .unwrap_or_else(|| "system".into());
    lines.push(Line::from(Span::styled(
        format!("Updated {} by {by}", p.updated_at.format("%d %b %Y")),
        t.muted,
    )));
    f.render_widget(
        Paragraph::new(lines)
            .block(panel(" Preferences & consent ", t, false))
            .wrap(Wrap { trim: true }),
        area,
    );
}
