//! The explanation of a figure (`x` on the customer screen): its
//! definition, as DOMAIN.md gives it (the text travels in `rapport-api`),
//! then this customer's inputs and the arithmetic with them, so an agent or
//! supervisor can check every number. Tab moves to the next figure.

use rapport_api::{CustomerAnalytics, CustomerView, Figure, RetentionBasis};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::format::money;
use super::key_label;
use super::text::wrap;
use crate::app::ExplainState;
use crate::keymap::{Command, Context, Keymap};
use crate::sanitize::clean;
use crate::theme::Theme;

fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p >= 10.0 || p == 0.0 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{p:.1}%")
    }
}

/// This customer's inputs for `figure`, in sentences.
pub fn inputs(figure: Figure, v: &CustomerView) -> Vec<String> {
    let Some(a) = &v.analytics else {
        return vec![
            "The figures have not been computed yet: the server computes them at start and on its schedule.".into(),
        ];
    };
    let cur = clean(&a.currency).into_owned();
    let m = |x: i64| money(x, &cur);
    match figure {
        Figure::Clv => match &a.clv {
            None => vec!["No purchase yet, so no lifetime value.".into()],
            Some(c) => {
                let then = c.retention_as_of.format("%d %b %Y");
                let now = a.as_of.format("%d %b %Y");
                let basis = match c.retention_basis {
                    RetentionBasis::Segment => format!(
                        "of the {} customers in this segment on {then} (scored from the data up to then), {} bought between then and {now}",
                        c.retention_previous_buyers, c.retention_retained
                    ),
                    RetentionBasis::AllCustomers => format!(
                        "the segment had nobody on {then}, so r is that of all customers: of the {} who had bought by then, {} bought between then and {now}",
                        c.retention_previous_buyers, c.retention_retained
                    ),
                };
                let mut lines = vec![
                    format!(
                        "GC = average order {} × {:.2} orders a year × margin {} = {} a year.",
                        m(c.aov_minor),
                        c.orders_per_year,
                        pct(c.margin),
                        m(c.gc_minor)
                    ),
                    format!("r = {:.2}: {basis}.", c.retention),
                    format!("d = {:.2} (server setting).", c.discount_rate),
                    format!(
                        "CLV = {} × {:.2} / (1 + {:.2} − {:.2}) = {}.",
                        m(c.gc_minor),
                        c.retention,
                        c.discount_rate,
                        c.retention,
                        m(c.value_minor)
                    ),
                ];
                match &a.model_clv {
                    Some(mc) => {
                        let p = &mc.params;
                        lines.push(format!(
                            "Model CLV {}: BG/NBD (r {:.3}, α {:.3}, a {:.3}, b {:.3}; {} customers) and Gamma-Gamma (p {:.2}, q {:.2}, γ {:.2}; {} repeat buyers).",
                            m(mc.value_minor), p.r, p.alpha, p.a, p.b, p.customers, p.p, p.q, p.gamma, p.repeat_buyers
                        ));
                        lines.push(format!(
                            "x {} repeat purchases, t_x {:.1} weeks, T {:.1} weeks: P(alive) {:.2}, {:.2} purchases expected in 12 months, {:.2} over {} years discounted at d.",
                            mc.x, mc.t_x_weeks, mc.t_weeks, mc.p_alive, mc.expected_purchases_12m, mc.discounted_purchases, mc.horizon_years
                        ));
                        lines.push(format!(
                            "Model CLV = {:.2} purchases × {} a purchase × margin {} = {}.",
                            mc.discounted_purchases,
                            m(mc.expected_spend_minor),
                            pct(mc.margin),
                            m(mc.value_minor)
                        ));
                    }
                    None => lines.push(
                        "Model CLV: the models could not be fitted on this store's data.".into(),
                    ),
                }
                lines
            }
        },
        Figure::Segment => match &a.rfm {
            None => vec!["No purchase yet, so no scores.".into()],
            Some(r) => vec![
                format!(
                    "Recency: {} days since the last purchase → R {}.",
                    r.recency_days, r.r
                ),
                format!(
                    "Frequency: {} orders in the last 365 days → F {}.",
                    r.orders_365, r.f
                ),
                format!(
                    "Monetary: {} spent in the last 365 days → M {} (ranked among {cur} customers).",
                    m(r.spend_365_minor),
                    r.m
                ),
                format!(
                    "R {} with FM ({} + {}) / 2 rounded up = {}: {}, {}.",
                    r.r,
                    r.f,
                    r.m,
                    (r.f + r.m).div_ceil(2),
                    r.segment.label(),
                    r.segment.meaning()
                ),
            ],
        },
        Figure::Potential => {
            let p = &a.potential;
            vec![
                format!("Actual value (the CLV): {}.", m(p.actual_minor)),
                format!(
                    "Potential value: {} from {} open suggestion{}.",
                    m(p.potential_minor),
                    a.suggestions.len(),
                    if a.suggestions.len() == 1 { "" } else { "s" }
                ),
                format!(
                    "Unrealised value: {} of gross profit in the previous 12 months not repeated in the latest 12.",
                    m(p.unrealised_minor)
                ),
                format!(
                    "Future profit potential = {} + {} + {} = {}.",
                    m(p.actual_minor),
                    m(p.potential_minor),
                    m(p.unrealised_minor),
                    m(p.total_minor)
                ),
            ]
        }
        Figure::Nps => match &a.nps {
            None => vec!["The customer has not answered an NPS survey.".into()],
            Some(n) => vec![
                format!(
                    "Latest answer: {} on {}, a {}.",
                    n.score,
                    n.answered_on.format("%d %b %Y"),
                    n.category.label()
                ),
                "NPS by segment and team is on the insights screen.".into(),
            ],
        },
        Figure::Churn => {
            let c = &a.churn;
            if c.reasons.is_empty() {
                return vec!["No early-warning sign fired: score 0.".into()];
            }
            let mut out: Vec<String> = c
                .reasons
                .iter()
                .map(|r| format!("{} (+{}).", clean(&r.text), r.points))
                .collect();
            let sum: Vec<String> = c.reasons.iter().map(|r| r.points.to_string()).collect();
            out.push(format!(
                "Score = {} = {} (at most 100).",
                sum.join(" + "),
                c.score
            ));
            out
        }
        Figure::Decile => vec![
            format!(
                "Gross profit of the last 365 days: {}.",
                m(a.profit_365_minor)
            ),
            match a.profit_decile {
                Some(d) => format!(
                    "Decile {d} of {cur} customers ({}).",
                    if d == 1 {
                        "the top tenth".to_string()
                    } else {
                        "1 is the top tenth, 10 the bottom".to_string()
                    }
                ),
                None => "No purchase yet: not ranked.".into(),
            },
        ],
        Figure::Summary => {
            let s = &v.summary;
            vec![
                format!(
                    "{} order{}, {} in all; frequency {} (repeat purchase days).",
                    s.orders,
                    if s.orders == 1 { "" } else { "s" },
                    money(s.lifetime_spend_minor, &clean(&s.currency)),
                    s.frequency
                ),
                format!(
                    "Recency {} days (first to last purchase day); T {} days (first purchase day to {}).",
                    s.recency_days,
                    s.t_days,
                    s.as_of.format("%d %b %Y")
                ),
                format!(
                    "Monetary {} (mean value of the repeat purchase days).",
                    money(s.monetary_minor, &clean(&s.currency))
                ),
            ]
        }
        Figure::Suggestions => suggestion_inputs(a),
    }
}

fn suggestion_inputs(a: &CustomerAnalytics) -> Vec<String> {
    if !a.marketing_allowed {
        return vec!["No marketing consent (or do not contact): nothing is offered.".into()];
    }
    if a.suggestions.is_empty() {
        return vec!["No rule fits what this customer owns.".into()];
    }
    a.suggestions
        .iter()
        .map(|s| {
            let cur = clean(&s.currency).into_owned();
            format!(
                "{}: support {}, confidence {}, lift {:.1}; EV = {} × margin {} = {}.",
                clean(&s.offer),
                pct(s.support),
                pct(s.confidence),
                s.lift,
                pct(s.confidence),
                money(s.margin_minor, &cur),
                money(s.expected_value_minor, &cur)
            )
        })
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, e: &ExplainState, v: &CustomerView, t: &Theme, k: &Keymap) {
    let w = area.width.min(84);
    let cols = w.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    for d in e.figure.definition() {
        for l in wrap(d, cols, 8) {
            lines.push(Line::styled(l, t.text));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled("For this customer:", t.title));
    for i in inputs(e.figure, v) {
        for l in wrap(&i, cols.saturating_sub(2), 8) {
            lines.push(Line::from(vec![Span::raw("  "), Span::styled(l, t.accent)]));
        }
    }
    if let Some(a) = &v.analytics {
        lines.push(Line::default());
        lines.push(Line::styled(
            format!(
                "Figures as of {}, computed {}.",
                a.as_of.format("%d %b %Y"),
                a.computed_at.format("%d %b %Y %H:%M UTC")
            ),
            t.muted,
        ));
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = super::centred(area, w, h);
    f.render_widget(Clear, rect);
    let n = Figure::ALL.iter().position(|x| *x == e.figure).unwrap_or(0) + 1;
    let key = |cmd| key_label(k, Context::Explain, cmd).unwrap_or_default();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(t.border_focus)
        .title(Line::styled(
            format!(" {} ({n}/{}) ", e.figure.title(), Figure::ALL.len()),
            t.title,
        ))
        .title_bottom(Line::styled(
            format!(
                " {} next figure · {} previous · {} close ",
                key(Command::NextTab),
                key(Command::PreviousTab),
                key_label(k, Context::Global, Command::Back).unwrap_or_default()
            ),
            t.key,
        ));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let max = (lines.len() as u16).saturating_sub(inner.height);
    f.render_widget(Paragraph::new(lines).scroll((e.scroll.min(max), 0)), inner);
}
