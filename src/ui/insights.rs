//! The insights screen (F6), for supervisors: the 80/20 view (profit of the
//! last 12 months by decile, per currency, and the share from the top
//! 20 %), NPS and CSAT by segment and by team over the window, retention by
//! segment (the `r` of CLV), and every rule with its support, confidence,
//! lift and what agents made of its suggestions. One list, scrolled.

use rapport_api::{Insights, NpsGroup, SuggestionKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::format::{group_thousands, money};
use super::text::{pad, row};
use super::{key_label, panel};
use crate::app::{AppState, Load};
use crate::keymap::{Command, Context, Keymap};
use crate::sanitize::clean;
use crate::theme::Theme;

fn pct(x: f64) -> String {
    format!("{}%", (x * 100.0).round() as i64)
}

fn signed(x: Option<f64>) -> String {
    match x {
        Some(v) => format!("{:+.0}", v),
        None => "—".into(),
    }
}

fn nps_row(g: &NpsGroup, cols: usize, t: &Theme) -> Line<'static> {
    let csat = match g.csat {
        Some(c) => format!("  CSAT {:.0}% of {}", c, g.csat_answers),
        None => String::new(),
    };
    row(
        vec![
            Span::styled(format!("  {}", pad(&clean(&g.group), 18)), t.text),
            Span::styled(format!("{:>5}", signed(g.nps)), t.accent),
            Span::styled(
                format!(
                    "  {} answers: {} promoters, {} passives, {} detractors{csat}",
                    g.answers, g.promoters, g.passives, g.detractors
                ),
                t.muted,
            ),
        ],
        cols,
        None,
    )
}

/// The screen as lines, `cols` wide.
pub fn lines(i: &Insights, cols: usize, t: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![
        row(
            vec![Span::styled(
                format!(
                    "As of {} · computed {} · {} customers · d {:.2} · rules need support {}, confidence {}, lift {:.1}",
                    i.as_of.format("%d %b %Y"),
                    i.computed_at.format("%d %b %H:%M UTC"),
                    group_thousands(i.customers.max(0) as u64),
                    i.settings.discount_rate,
                    pct(i.settings.min_support),
                    pct(i.settings.min_confidence),
                    i.settings.min_lift
                ),
                t.muted,
            )],
            cols,
            None,
        ),
        Line::default(),
        Line::styled(
            "80/20: gross profit of the last 365 days, among everyone who ever bought, by decile"
                .to_string(),
            t.title,
        ),
    ];
    for p in &i.pareto {
        let cur = clean(&p.currency).into_owned();
        out.push(row(
            vec![
                Span::styled(format!("  {cur}  "), t.accent),
                Span::styled(
                    format!(
                        "{} customers, {} profit: the top 20% bring ",
                        group_thousands(p.customers.max(0) as u64),
                        money(p.profit_minor, &cur)
                    ),
                    t.text,
                ),
                Span::styled(pct(p.top20_share), t.accent),
            ],
            cols,
            None,
        ));
        let shares: Vec<String> = p
            .deciles
            .iter()
            .map(|d| format!("D{} {}", d.decile, pct(d.share)))
            .collect();
        out.push(row(
            vec![Span::styled(format!("     {}", shares.join("  ")), t.muted)],
            cols,
            None,
        ));
    }
    out.push(Line::default());
    out.push(Line::styled(
        format!(
            "NPS by segment ({} days, {} to {})",
            i.nps.window_days,
            i.nps.from.format("%d %b %Y"),
            i.nps.to.format("%d %b %Y")
        ),
        t.title,
    ));
    out.push(nps_row(&i.nps.overall, cols, t));
    for g in &i.nps.by_segment {
        out.push(nps_row(g, cols, t));
    }
    out.push(Line::default());
    out.push(Line::styled(
        "NPS by team (answers about a contact, by the team that handled it)".to_string(),
        t.title,
    ));
    if i.nps.by_team.is_empty() {
        out.push(Line::styled(
            "  no answers tied to a contact".to_string(),
            t.muted,
        ));
    }
    for g in &i.nps.by_team {
        out.push(nps_row(g, cols, t));
    }
    out.push(Line::default());
    out.push(Line::styled(
        "Retention by segment (r of CLV: of the segment a year ago, the share who bought since)"
            .to_string(),
        t.title,
    ));
    for s in i.segments.iter().filter(|s| s.customers > 0) {
        let r = match s.retention {
            Some(r) => format!("{r:.2} ({} of {})", s.retained, s.previous_buyers),
            None => "— (nobody in it a year ago)".into(),
        };
        out.push(row(
            vec![
                Span::styled(format!("  {}", pad(s.segment.label(), 18)), t.text),
                Span::styled(
                    format!("{:>7} customers  ", group_thousands(s.customers as u64)),
                    t.muted,
                ),
                Span::styled(r, t.accent),
            ],
            cols,
            None,
        ));
    }
    out.push(Line::default());
    out.push(Line::styled(
        "Rules and their conversion (accepted of all answers)".to_string(),
        t.title,
    ));
    if i.rules.is_empty() {
        out.push(Line::styled(
            "  no rule passes the thresholds".to_string(),
            t.muted,
        ));
    }
    for r in &i.rules {
        let kind = match r.kind {
            SuggestionKind::CrossSell => "+",
            SuggestionKind::UpSell => "↑",
        };
        let state = if r.active { "" } else { " (below thresholds)" };
        let conv = match r.conversion {
            Some(c) => pct(c),
            None => "—".into(),
        };
        out.push(row(
            vec![
                Span::styled(format!("  {kind} "), t.muted),
                Span::styled(
                    format!("{} → {}{state}", clean(&r.antecedent), clean(&r.consequent)),
                    t.text,
                ),
            ],
            cols,
            None,
        ));
        out.push(row(
            vec![
                Span::styled(
                    format!(
                        "      support {} · confidence {} · lift {:.1} · offered to {} · ",
                        pct(r.support),
                        pct(r.confidence),
                        r.lift,
                        group_thousands(r.open_suggestions.max(0) as u64)
                    ),
                    t.muted,
                ),
                Span::styled(
                    format!(
                        "accepted {} declined {} not now {} · conversion {conv}",
                        r.accepted, r.declined, r.not_now
                    ),
                    t.text,
                ),
            ],
            cols,
            None,
        ));
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, k: &Keymap) {
    let block = panel(" Insights ", t, true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    match &s.insights.data {
        Load::Loaded(i) => {
            let lines = lines(i, inner.width as usize, t);
            let max = (lines.len() as u16).saturating_sub(inner.height);
            f.render_widget(
                Paragraph::new(lines).scroll((s.insights.scroll.min(max), 0)),
                inner,
            );
        }
        Load::Failed(e) => {
            let again = key_label(k, Context::Insights, Command::Refresh).unwrap_or_default();
            f.render_widget(
                Paragraph::new(format!(
                    "Could not load the insights: {} ({again} tries again)",
                    clean(&e.to_string())
                ))
                .style(t.danger)
                .wrap(Wrap { trim: true }),
                inner,
            );
        }
        Load::Idle | Load::Loading => {
            f.render_widget(
                Paragraph::new("Loading the insights…").style(t.muted),
                inner,
            );
        }
    }
}
