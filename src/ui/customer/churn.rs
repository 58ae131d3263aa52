//! Churn red flags: the score (0–100) always with the reasons that fired.
//! A one-line banner kept on every tab of the narrow layout (the most
//! urgent facts stay visible), and a panel listing every reason with its
//! points when side by side. The flag is a word and a marker (⚑), not a
//! colour alone.

use rapport_api::CustomerView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::panel;
use crate::ui::text::{fit_spans, row, width, wrap};

/// A score this high is shown as needing attention now.
pub const HIGH: u8 = 50;

fn style(score: u8, t: &Theme) -> Style {
    if score >= HIGH { t.danger } else { t.warn }
}

/// `⚑ Churn risk 72/100: 3 contacts in 30 days vs 0.4 usual · open …`, as
/// many reasons as fit and how many more; None when nothing fired.
pub fn banner(v: &CustomerView, cols: u16, t: &Theme) -> Option<Line<'static>> {
    let a = v.analytics.as_ref()?;
    let c = &a.churn;
    if c.score == 0 || c.reasons.is_empty() {
        return None;
    }
    let st = style(c.score, t);
    let head = format!(" ⚑ Churn risk {}/100:", c.score);
    let cols = cols as usize;
    let mut used = width(&head);
    let mut spans = vec![Span::styled(head, st)];
    for (i, r) in c.reasons.iter().enumerate() {
        let text = format!(" {}", clean(&r.text));
        let left = c.reasons.len() - i - 1;
        let more = if left > 0 {
            format!(" · +{left} more (x)")
        } else {
            String::new()
        };
        let sep = if i > 0 { " ·" } else { "" };
        // Keep room to say how many were left out.
        if i > 0 && used + width(sep) + width(&text) + width(&more) > cols {
            spans.push(Span::styled(format!(" · +{} more (x)", left + 1), t.muted));
            return Some(Line::from(fit_spans(spans, cols)));
        }
        used += width(sep) + width(&text);
        spans.push(Span::styled(sep.to_string(), st));
        spans.push(Span::styled(text, t.text));
    }
    Some(Line::from(fit_spans(spans, cols)))
}

/// The panel's text, `cols` wide: each reason with its points, wrapped,
/// marked `true` on the first line of a reason; None before the figures
/// are computed, empty when nothing fired.
fn reason_text(v: &CustomerView, cols: usize) -> Option<Vec<(bool, String)>> {
    let a = v.analytics.as_ref()?;
    let mut out = Vec::new();
    for r in &a.churn.reasons {
        let text = format!("{} (+{})", clean(&r.text), r.points);
        for (i, l) in wrap(&text, cols.saturating_sub(2), 3)
            .into_iter()
            .enumerate()
        {
            out.push((i == 0, l));
        }
    }
    Some(out)
}

/// Rows the panel needs for this customer at `width`, borders included.
pub fn height(v: &CustomerView, width: u16) -> u16 {
    let n = reason_text(v, width.saturating_sub(2) as usize).map_or(1, |l| l.len());
    2 + n.clamp(1, 9) as u16
}

pub fn draw(f: &mut Frame, area: Rect, v: &CustomerView, t: &Theme) {
    let score = v.analytics.as_ref().map(|a| a.churn.score);
    let title = match score {
        None => " Churn risk ".to_string(),
        Some(0) => " Churn risk 0/100 ".to_string(),
        Some(n) => format!(" ⚑ Churn risk {n}/100 "),
    };
    let block = panel(title, t, false);
    let cols = block.inner(area).width as usize;
    let lines: Vec<Line> = match reason_text(v, cols) {
        None => vec![Line::styled("not computed yet", t.muted)],
        Some(l) if l.is_empty() => vec![row(
            vec![Span::styled(
                "No red flags: no early-warning sign fired.",
                t.ok,
            )],
            cols,
            None,
        )],
        Some(l) => l
            .into_iter()
            .map(|(first, text)| {
                let st = style(score.unwrap_or(0), t);
                let lead = if first { "· " } else { "  " };
                row(
                    vec![Span::styled(lead, st), Span::styled(text, t.text)],
                    cols,
                    None,
                )
            })
            .collect(),
    };
    f.render_widget(Paragraph::new(lines).block(block), area);
}
