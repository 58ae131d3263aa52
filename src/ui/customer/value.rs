//! Value panel: the purchase summary (DOMAIN.md "buy till you die").

use rapport_api::CustomerView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::theme::Theme;
use crate::ui::format::{money, sparkline};
use crate::ui::{field, panel};

pub fn draw(f: &mut Frame, area: Rect, v: &CustomerView, t: &Theme) {
    let s = &v.summary;
    let cur = &s.currency;
    let last = match (s.last_purchase, s.days_since_last_purchase) {
        (Some(d), Some(n)) => format!("{} ({n} days ago)", d.format("%d %b %Y")),
        _ => "never".into(),
    };
    let spark: Vec<i64> = s.monthly_spend.iter().map(|m| m.amount_minor).collect();
    let mut lines = vec![
        Line::from(
            [
                field(
                    "Lifetime spend",
                    money(s.lifetime_spend_minor, cur),
                    t,
                    t.accent,
                ),
                field("  Orders", s.orders.to_string(), t, t.text),
            ]
            .concat(),
        ),
        Line::from(field("Last purchase", last, t, t.text)),
        Line::from(vec![
            Span::styled("Spend ", t.muted),
            Span::styled(sparkline(&spark), t.accent),
            Span::styled(" last 12 months", t.muted),
        ]),
        Line::from(
            [
                field("Frequency", s.frequency.to_string(), t, t.text),
                field("  Recency", format!("{}d", s.recency_days), t, t.text),
                field("  T", format!("{}d", s.t_days), t, t.text),
            ]
            .concat(),
        ),
        Line::from(field("Monetary", money(s.monetary_minor, cur), t, t.text)),
        Line::from(Span::styled(
            format!(
                "Over purchase days to {}: frequency = repeat days, recency = first→last, T = first→as-of, monetary = mean repeat day.",
                s.as_of.format("%d %b %Y")
            ),
            t.muted,
        )),
    ];
    if let Some(o) = v.recent_orders.first() {
        lines.insert(
            2,
            Line::from(field(
                "Latest order",
                format!(
                    "#{} {} ({} items)",
                    o.id,
                    money(o.total_minor, &o.currency),
                    o.items
                ),
                t,
                t.text,
            )),
        );
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(panel(" Value ", t, false))
            .wrap(Wrap { trim: true }),
        area,
    );
}
