//! Profile panel: who the caller is. Phone, email and street come masked
//! from the server; they show in full only after the agent revealed them
//! (`v`: the server records who, when and why).

use rapport_api::{CustomerView, PhoneKind, RelationshipStage};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use crate::app::AppState;
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::panel;
use crate::ui::text::row;

/// Rows the panel needs, borders included.
pub const HEIGHT: u16 = 9;

pub fn draw(f: &mut Frame, area: Rect, v: &CustomerView, s: &AppState, t: &Theme) {
    let revealed = s
        .customer
        .as_ref()
        .and_then(|c| c.revealed.as_ref())
        .filter(|r| r.customer_id == v.profile.id);
    let title = if revealed.is_some() {
        " Customer · shown in full "
    } else {
        " Customer "
    };
    let block = panel(title, t, false);
    let cols = block.inner(area).width as usize;
    let p = &v.profile;
    // The server sends contact details masked; the full values are only
    // those of a reveal it recorded.
    let (phones, emails, a) = match revealed {
        Some(r) => (&r.phones, &r.emails, &r.address),
        None => (&p.phones, &p.emails, &p.address),
    };
    let days = (s.now.date_naive() - p.customer_since).num_days().max(0);
    let tenure = match days {
        0..=30 => "new".to_string(),
        31..=364 => format!("{}mo", days / 30),
        _ => format!("{}y", days / 365),
    };
    let more = |n: usize| {
        if n > 1 {
            format!(" (+{} more)", n - 1)
        } else {
            String::new()
        }
    };
    let phone = match phones.first() {
        Some(ph) => {
            let kind = match ph.kind {
                PhoneKind::Mobile => "mobile",
                PhoneKind::Home => "home",
                PhoneKind::Work => "work",
            };
            format!("{} {kind}{}", clean(&ph.e164), more(phones.len()))
        }
        None => "no phone".into(),
    };
    let email = match emails.first() {
        Some(e) => format!("{}{}", clean(e), more(emails.len())),
        None => "no email".into(),
    };
    let place = if revealed.is_some() {
        format!("{}, {} {}, {}", a.line1, a.city, a.postcode, a.country)
    } else {
        format!("{} {}, {}", a.city, a.postcode, a.country)
    };
    let stage_style = if p.stage == RelationshipStage::Dissolution {
        t.danger
    } else {
        t.text
    };
    let stage_note = if p.stage == RelationshipStage::Dissolution {
        " (churn signal)"
    } else {
        ""
    };
    let lines = vec![
        row(
            vec![Span::styled(clean(&p.display_name).into_owned(), t.accent)],
            cols,
            None,
        ),
        row(
            vec![
                Span::styled(clean(&p.account_number).into_owned(), t.text),
                Span::styled(format!(" · {} tier", p.tier.label()), t.text),
            ],
            cols,
            None,
        ),
        row(
            vec![
                Span::styled("Customer since ", t.muted),
                Span::styled(
                    format!("{} ({tenure})", p.customer_since.format("%b %Y")),
                    t.text,
                ),
            ],
            cols,
            None,
        ),
        row(
            vec![Span::styled("☎ ", t.muted), Span::styled(phone, t.text)],
            cols,
            None,
        ),
        row(
            vec![Span::styled("✉ ", t.muted), Span::styled(email, t.text)],
            cols,
            None,
        ),
        row(
            vec![
                Span::styled("⌂ ", t.muted),
                Span::styled(clean(&place).into_owned(), t.text),
            ],
            cols,
            None,
        ),
        row(
            vec![
                Span::styled("Stage ", t.muted),
                Span::styled(format!("{}{stage_note}", p.stage.label()), stage_style),
            ],
            cols,
            None,
        ),
    ];
    f.render_widget(Paragraph::new(lines).block(block), area);
}
