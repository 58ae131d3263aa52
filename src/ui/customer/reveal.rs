//! The reveal overlay: why the masked contact details are needed (a list of
//! reasons), then every detail in full with the audit entry that recorded
//! the reveal.

use rapport_api::privacy::REVEAL_REASONS;
use rapport_api::{PhoneKind, RevealedContact};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::CustomerState;
use crate::app::reveal::RevealOverlay;
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::text::row;

const WIDTH: u16 = 64;

pub fn draw(f: &mut Frame, area: Rect, c: &CustomerState, t: &Theme) {
    let Some(overlay) = &c.reveal else { return };
    let (title, lines) = match (overlay, &c.revealed) {
        (RevealOverlay::Details, Some(r)) => (" Contact details · shown in full ", details(r, t)),
        (
            RevealOverlay::Asking {
                selected,
                pending,
                error,
            },
            _,
        ) => (
            " Show contact details in full ",
            asking(*selected, pending.is_some(), error.as_deref(), t),
        ),
        (RevealOverlay::Details, None) => return,
    };
    let height = (lines.len() as u16).saturating_add(2);
    let r = crate::ui::centred(area, WIDTH, height.min(area.height));
    f.render_widget(Clear, r);
    let block = crate::ui::panel(title, t, true);
    let cols = block.inner(r).width as usize;
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| row(l.spans, cols, None))
        .collect();
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

fn asking(selected: usize, pending: bool, error: Option<&str>, t: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::styled("Why do you need them? The reason is kept in the", t.text),
        Line::styled("audit trail with your name and the time.", t.text),
        Line::default(),
    ];
    for (i, reason) in REVEAL_REASONS.iter().enumerate() {
        let is_sel = i == selected;
        let style = if is_sel { t.selection } else { t.text };
        out.push(Line::from(vec![
            Span::styled(if is_sel { "▶ " } else { "  " }, style),
            Span::styled(reason.to_string(), style),
        ]));
    }
    out.push(Line::default());
    if pending {
        out.push(Line::styled("Recording the reveal…", t.muted));
    } else if let Some(e) = error {
        out.push(Line::styled(format!("Not shown: {}", clean(e)), t.danger));
    } else {
        out.push(Line::styled("Enter shows them · Esc cancels", t.muted));
    }
    out
}

fn details(r: &RevealedContact, t: &Theme) -> Vec<Line<'static>> {
    let label = |s: &str| Span::styled(format!("{s:<10}"), t.muted);
    let mut out = Vec::new();
    for p in &r.phones {
        let kind = match p.kind {
            PhoneKind::Mobile => "mobile",
            PhoneKind::Home => "home",
            PhoneKind::Work => "work",
        };
        out.push(Line::from(vec![
            label("Phone"),
            Span::styled(format!("{} {kind}", clean(&p.e164)), t.text),
        ]));
    }
    for e in &r.emails {
        out.push(Line::from(vec![
            label("Email"),
            Span::styled(clean(e).into_owned(), t.text),
        ]));
    }
    let a = &r.address;
    let street = match &a.line2 {
        Some(l2) if !l2.trim().is_empty() => format!("{}, {}", a.line1, l2),
        _ => a.line1.clone(),
    };
    out.push(Line::from(vec![
        label("Address"),
        Span::styled(clean(&street).into_owned(), t.text),
    ]));
    let region = a
        .region
        .as_deref()
        .map(|r| format!(", {r}"))
        .unwrap_or_default();
    out.push(Line::from(vec![
        label(""),
        Span::styled(
            clean(&format!("{} {}{region}, {}", a.city, a.postcode, a.country)).into_owned(),
            t.text,
        ),
    ]));
    if let Some(b) = r.birthday {
        out.push(Line::from(vec![
            label("Birthday"),
            Span::styled(b.format("%d %b %Y").to_string(), t.text),
        ]));
    }
    out.push(Line::default());
    out.push(Line::styled(
        format!(
            "Recorded as audit entry #{} · {} · {}",
            r.audit_id,
            clean(&r.revealed_by.name),
            r.revealed_at.format("%H:%M"),
        ),
        t.muted,
    ));
    out.push(Line::styled(
        format!("Reason: {}", clean(&r.reason)),
        t.muted,
    ));
    out.push(Line::styled(
        "Esc closes · the details stay unmasked on this customer",
        t.muted,
    ));
    out
}
