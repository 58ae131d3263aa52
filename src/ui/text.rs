//! Fitting text into cells: display width (CJK characters take two
//! columns), truncation with an ellipsis, padding. Used by every panel so
//! that nothing is cut mid-character or silently clipped.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` columns, ending in `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` fitted to exactly `cols` columns: cut with `…` or padded with spaces.
pub fn pad(s: &str, cols: usize) -> String {
    let mut out = fit(s, cols);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

/// Spans cut to `max` columns in total, the last one ending in `…` when cut.
pub fn fit_spans(spans: Vec<Span<'static>>, max: usize) -> Vec<Span<'static>> {
    let total: usize = spans.iter().map(|s| width(&s.content)).sum();
    if total <= max {
        return spans;
    }
    let mut out = Vec::new();
    if max == 0 {
        return out;
    }
    // Keep one column for the ellipsis.
    let budget = max - 1;
    let mut used = 0;
    for s in spans {
        let mut text = String::new();
        for c in s.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > budget {
                text.push('…');
                out.push(Span::styled(text, s.style));
                return out;
            }
            text.push(c);
            used += w;
        }
        out.push(Span::styled(text, s.style));
    }
    out
}

/// A line of spans fitted to `max` columns and, when `fill` is given,
/// padded to the full width in that style (for selected rows).
pub fn row(spans: Vec<Span<'static>>, max: usize, fill: Option<Style>) -> Line<'static> {
    let mut spans = fit_spans(spans, max);
    if let Some(style) = fill {
        let used: usize = spans.iter().map(|s| width(&s.content)).sum();
        if used < max {
            spans.push(Span::styled(" ".repeat(max - used), style));
        }
    }
    Line::from(spans)
}

/// Word-wrap `s` into lines of at most `cols` columns, at most `max_lines`
/// of them, the last ending in `…` if text was left over. Long words are
/// cut.
pub fn wrap(s: &str, cols: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    if cols == 0 || max_lines == 0 {
        return lines;
    }
    let mut cur = String::new();
    let mut truncated = false;
    for w in s.split_whitespace() {
        let candidate = if cur.is_empty() {
            w.to_string()
        } else {
            format!("{cur} {w}")
        };
        if width(&candidate) <= cols {
            cur = candidate;
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
            if lines.len() == max_lines {
                truncated = true;
                break;
            }
        }
        // A word longer than a line is cut below.
        cur = w.to_string();
    }
    if !truncated && !cur.is_empty() {
        if lines.len() < max_lines {
            lines.push(cur);
        } else {
            truncated = true;
        }
    }
    for l in lines.iter_mut() {
        if width(l) > cols {
            *l = fit(l, cols);
        }
    }
    if truncated
        && let Some(last) = lines.last_mut()
        && !last.ends_with('…')
    {
        *last = fit(&format!("{last}…"), cols);
        if !last.ends_with('…') {
            last.push('…');
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_by_display_width() {
        assert_eq!(fit("Okafor-Lindqvist", 8), "Okafor-…");
        assert_eq!(fit("山田 太郎", 5), "山田…");
        assert_eq!(width(&fit("山田太郎", 4)), 3, "never half a wide character");
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("山田太郎", 5), "山田…");
        assert_eq!(pad("山田太郎", 6), "山田… ");
    }

    #[test]
    fn wraps_words_within_a_line_budget() {
        assert_eq!(
            wrap("Handset promised Friday, not arrived", 16, 3),
            vec!["Handset promised", "Friday, not", "arrived"]
        );
        assert_eq!(
            wrap("Handset promised Friday, not arrived", 16, 2),
            vec!["Handset promised", "Friday, not…"]
        );
        assert_eq!(wrap("", 10, 2), Vec::<String>::new());
        assert_eq!(wrap("Supercalifragilistic", 6, 1), vec!["Super…"]);
        for l in wrap("山田 太郎 さんの 苦情 は 配送 の 遅延 です", 7, 5) {
            assert!(width(&l) <= 7, "{l}");
        }
    }

    #[test]
    fn spans_are_cut_at_the_edge() {
        let spans = vec![Span::raw("Jane "), Span::raw("Okafor-Lindqvist")];
        let cut = fit_spans(spans, 10);
        let text: String = cut.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(text, "Jane Okaf…");
        let line = row(vec![Span::raw("ab")], 5, Some(Style::default()));
        assert_eq!(line.width(), 5);
    }
}
