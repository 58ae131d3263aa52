//! Value panel: the purchase summary as DOMAIN.md defines it ("buy till you
//! die" convention over purchase days), each figure with a short definition,
//! and spend by month as a sparkline. Money in the customer's currency.

use rapport_api::CustomerView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::{group_thousands, money, month_label, sparkline};
use crate::ui::panel;
use crate::ui::text::{pad, row};

/// Rows the panel needs, borders included.
pub const HEIGHT: u16 = 10;

pub fn draw(f: &mut Frame, area: Rect, v: &CustomerView, t: &Theme) {
    let block = panel(" Value ", t, false);
    let cols = block.inner(area).width as usize;
    let s = &v.summary;
    let cur = clean(&s.currency).into_owned();
    let orders = if s.orders == 1 { "order" } else { "orders" };
    let last = match (s.last_purchase, s.days_since_last_purchase) {
        (Some(d), Some(0)) => format!("{} (today)", d.format("%d %b %Y")),
        (Some(d), Some(1)) => format!("{} (1 day ago)", d.format("%d %b %Y")),
        (Some(d), Some(n)) => format!("{} ({n} days ago)", d.format("%d %b %Y")),
        (Some(d), None) => d.format("%d %b %Y").to_string(),
        (None, _) => "never".into(),
    };
    let latest = match v.recent_orders.first() {
        Some(o) => format!(
            "#{} {}, {} item{}",
            o.id,
            money(o.total_minor, &clean(&o.currency)),
            o.items,
            if o.items == 1 { "" } else { "s" }
        ),
        None => "none".into(),
    };
    let spend: Vec<i64> = s.monthly_spend.iter().map(|m| m.amount_minor).collect();
    let span_of_months = match (s.monthly_spend.first(), s.monthly_spend.last()) {
        (Some(a), Some(b)) => format!(
            " {}–{}",
            month_label(&clean(&a.month)),
            month_label(&clean(&b.month))
        ),
        _ => String::new(),
    };
    // Figure rows: label, value, definition (muted).
    let figure = |label: &str, value: String, def: &str| {
        row(
            vec![
                Span::styled(pad(label, 10), t.muted),
                Span::styled(pad(&value, 8), t.text),
                Span::styled(format!(" {def}"), t.muted),
            ],
            cols,
            None,
        )
    };
    let mut lines = vec![
        row(
            vec![
                Span::styled("Lifetime  ", t.muted),
                Span::styled(money(s.lifetime_spend_minor, &cur), t.accent),
                Span::styled(
                    format!(" · {} {orders}", group_thousands(s.orders.max(0) as u64)),
                    t.text,
                ),
            ],
            cols,
            None,
        ),
        row(
            vec![
                Span::styled("Last buy  ", t.muted),
                Span::styled(last, t.text),
            ],
            cols,
            None,
        ),
        row(
            vec![
                Span::styled("Latest    ", t.muted),
                Span::styled(latest, t.text),
            ],
            cols,
            None,
        ),
        row(
            vec![
                Span::styled("Spend     ", t.muted),
                Span::styled(sparkline(&spend), t.accent),
                Span::styled(span_of_months, t.muted),
            ],
            cols,
            None,
        ),
    ];
    if s.orders == 0 {
        lines.push(row(
            vec![Span::styled("No purchases yet.", t.muted)],
            cols,
            None,
        ));
        f.render_widget(Paragraph::new(lines).block(block), area);
        return;
    }
    lines.extend([
        figure("Frequency", s.frequency.to_string(), "repeat buying days"),
        figure(
            "Recency",
            format!("{}d", s.recency_days),
            "first→last purchase",
        ),
        figure(
            "T",
            format!("{}d", s.t_days),
            &format!("first buy→{}", s.as_of.format("%d %b")),
        ),
        figure("Monetary", money(s.monetary_minor, &cur), "mean repeat day"),
    ]);
    f.render_widget(Paragraph::new(lines).block(block), area);
}
