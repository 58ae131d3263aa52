//! Value panel: what the customer is worth and how they buy. CLV with its
//! inputs (GC, r, d), segment with the RFM scores, future profit potential,
//! the latest NPS answer, profit and decile, then the purchase summary as
//! DOMAIN.md defines it ("buy till you die" convention over purchase days)
//! and spend by month as a sparkline; the last line says when the figures
//! were computed. Money in the customer's currency. Lines are kept in this
//! order of importance and cut from the end when the panel is short.

use rapport_api::{CustomerAnalytics, CustomerView, RetentionBasis};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::{group_thousands, money, month_label, sparkline};
use crate::ui::panel;
use crate::ui::text::{pad, row};

/// Rows the panel needs in the narrow overview, borders included.
pub const HEIGHT: u16 = 12;
/// Rows when side by side, with the purchase summary's four figures too.
pub const HEIGHT_WIDE: u16 = 16;

/// `0.83` as `0.83`; whole ratios without decimals are still two places.
fn ratio(x: f64) -> String {
    format!("{x:.2}")
}

/// The analytics lines, most important first.
fn analytics_lines(a: &CustomerAnalytics, cols: usize, t: &Theme) -> Vec<Line<'static>> {
    let cur = clean(&a.currency).into_owned();
    let label = |l: &str| Span::styled(pad(l, 10), t.muted);
    let mut out = Vec::new();
    match &a.clv {
        Some(c) => {
            let basis = match c.retention_basis {
                RetentionBasis::Segment => format!(
                    " (n {})",
                    group_thousands(c.retention_previous_buyers.max(0) as u64)
                ),
                RetentionBasis::AllCustomers => format!(
                    " (all, n {})",
                    group_thousands(c.retention_previous_buyers.max(0) as u64)
                ),
            };
            out.push(row(
                vec![
                    label("CLV"),
                    Span::styled(money(c.value_minor, &cur), t.accent),
                    Span::styled(" = GC × r / (1 + d − r)", t.muted),
                ],
                cols,
                None,
            ));
            out.push(row(
                vec![
                    label(""),
                    Span::styled(
                        format!(
                            "GC {} · r {}{basis} · d {}",
                            money(c.gc_minor, &cur),
                            ratio(c.retention),
                            ratio(c.discount_rate)
                        ),
                        t.text,
                    ),
                ],
                cols,
                None,
            ));
        }
        None => out.push(row(
            vec![label("CLV"), Span::styled("none: no purchase yet", t.muted)],
            cols,
            None,
        )),
    }
    if let Some(mc) = &a.model_clv {
        out.push(row(
            vec![
                label("Model CLV"),
                Span::styled(money(mc.value_minor, &cur), t.accent),
                Span::styled(
                    format!(
                        " · alive {} · {:.1} buys/12m · {} a buy",
                        ratio(mc.p_alive),
                        mc.expected_purchases_12m,
                        money(mc.expected_spend_minor, &cur)
                    ),
                    t.muted,
                ),
            ],
            cols,
            None,
        ));
    }
    if let Some(r) = &a.rfm {
        out.push(row(
            vec![
                label("Segment"),
                Span::styled(r.segment.label().to_string(), t.accent),
                Span::styled(format!(" · R{} F{} M{}", r.r, r.f, r.m), t.text),
            ],
            cols,
            None,
        ));
    }
    let p = &a.potential;
    out.push(row(
        vec![
            label("Potential"),
            Span::styled(money(p.total_minor, &cur), t.text),
            Span::styled(
                format!(
                    "  offers {} · lapsed {}",
                    money(p.potential_minor, &cur),
                    money(p.unrealised_minor, &cur)
                ),
                t.muted,
            ),
        ],
        cols,
        None,
    ));
    out.push(match &a.nps {
        Some(n) => {
            let style = match n.category {
                rapport_api::NpsCategory::Promoter => t.ok,
                rapport_api::NpsCategory::Passive => t.text,
                rapport_api::NpsCategory::Detractor => t.danger,
            };
            row(
                vec![
                    label("NPS"),
                    Span::styled(format!("{} {}", n.score, n.category.label()), style),
                    Span::styled(format!(" · {}", n.answered_on.format("%d %b %Y")), t.muted),
                ],
                cols,
                None,
            )
        }
        None => row(
            vec![label("NPS"), Span::styled("no answer", t.muted)],
            cols,
            None,
        ),
    });
    let decile = match a.profit_decile {
        Some(1) => " · top 10%".to_string(),
        Some(d) => format!(" · decile {d}"),
        None => String::new(),
    };
    out.push(row(
        vec![
            label("Profit"),
            Span::styled(money(a.profit_365_minor, &cur), t.text),
            Span::styled(format!(" last 12m{decile}"), t.muted),
        ],
        cols,
        None,
    ));
    out
}

pub fn draw(f: &mut Frame, area: Rect, v: &CustomerView, t: &Theme) {
    let block = panel(" Value ", t, false);
    let inner = block.inner(area);
    let cols = inner.width as usize;
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
    let spend: Vec<i64> = s.monthly_spend.iter().map(|m| m.amount_minor).collect();
    let span_of_months = match (s.monthly_spend.first(), s.monthly_spend.last()) {
        (Some(a), Some(b)) => format!(
            " {}–{}",
            month_label(&clean(&a.month)),
            month_label(&clean(&b.month))
        ),
        _ => String::new(),
    };
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
    let mut lines = match &v.analytics {
        Some(a) => analytics_lines(a, cols, t),
        None => vec![row(
            vec![Span::styled(
                "Segment, CLV and risk: not computed yet (the server's first refresh)",
                t.muted,
            )],
            cols,
            None,
        )],
    };
    lines.extend([
        row(
            vec![
                Span::styled("Lifetime  ", t.muted),
                Span::styled(money(s.lifetime_spend_minor, &cur), t.text),
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
                Span::styled("Spend     ", t.muted),
                Span::styled(sparkline(&spend), t.accent),
                Span::styled(span_of_months, t.muted),
            ],
            cols,
            None,
        ),
    ]);
    if s.orders > 0 {
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
    } else {
        lines.push(row(
            vec![Span::styled("No purchases yet.", t.muted)],
            cols,
            None,
        ));
    }
    // When the figures were computed stays on the last row.
    let stamp = match &v.analytics {
        Some(a) => row(
            vec![Span::styled(
                format!(
                    "computed {} · as of {} · x explains",
                    a.computed_at.format("%d %b %H:%M UTC"),
                    a.as_of.format("%d %b %Y")
                ),
                t.muted,
            )],
            cols,
            None,
        ),
        None => Line::default(),
    };
    let room = (inner.height as usize).saturating_sub(1);
    lines.truncate(room);
    if v.analytics.is_some() {
        lines.push(stamp);
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}
