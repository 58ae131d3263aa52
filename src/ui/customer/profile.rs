//! Profile panel: who the caller is.

use rapport_api::{CustomerView, mask_email, mask_phone};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::AppState;
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::{field, panel};

pub fn draw(f: &mut Frame, area: Rect, v: &CustomerView, s: &AppState, t: &Theme) {
    let p = &v.profile;
    let years = (s.now.date_naive() - p.customer_since).num_days() / 365;
    let phone = p.phones.first().map(|ph| {
        if s.mask_pii {
            mask_phone(&ph.e164)
        } else {
            clean(&ph.e164).into_owned()
        }
    });
    let email = p
        .emails
        .first()
        .map(|e| if s.mask_pii { mask_email(e) } else { e.clone() });
    let addr = &p.address;
    let lines = vec![
        Line::from(vec![
            Span::styled(clean(&p.display_name).into_owned(), t.accent),
            Span::raw("  "),
            Span::styled(clean(&p.account_number).into_owned(), t.text),
        ]),
        Line::from(Span::styled(
            format!(
                "{} · customer since {} ({years}y)",
                p.tier.label(),
                p.customer_since.format("%Y")
            ),
            t.text,
        )),
        Line::from(field(
            "☎",
            clean(&phone.unwrap_or_else(|| "none".into())).into_owned(),
            t,
            t.text,
        )),
        Line::from(field(
            "✉",
            clean(&email.unwrap_or_else(|| "none".into())).into_owned(),
            t,
            t.text,
        )),
        Line::from(field(
            "Address",
            clean(&format!(
                "{}, {} {}, {}",
                addr.line1, addr.city, addr.postcode, addr.country
            ))
            .into_owned(),
            t,
            t.text,
        )),
        Line::from(field(
            "Stage",
            p.stage.label(),
            t,
            if p.stage == rapport_api::RelationshipStage::Dissolution {
                t.danger
            } else {
                t.text
            },
        )),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .block(panel(" Customer ", t, false))
            .wrap(Wrap { trim: true }),
        area,
    );
}
