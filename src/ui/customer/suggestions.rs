//! Suggestions panel (the Offers tab when narrow): cross-sell and up-sell
//! offers best first, each with its expected value, its rationale ("bought
//! X; 34% of orders with X also have Y, lift 3.1") and, on the selected
//! one, the keys that record the customer's answer. An answer already given
//! here shows in words until the server has it. Nothing is offered to a
//! customer without marketing consent, and the panel says why.

use rapport_api::{CustomerView, SuggestionKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::CustomerState;
use crate::app::analytics::{answer_of, suggestions};
use crate::keymap::{Command, Context, Keymap};
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::money;
use crate::ui::text::{fit, row, width, wrap};
use crate::ui::{key_label, panel};

pub fn draw(
    f: &mut Frame,
    area: Rect,
    v: &CustomerView,
    c: &CustomerState,
    t: &Theme,
    k: &Keymap,
    focused: bool,
) {
    let list = suggestions(c);
    let title = match list.len() {
        0 => " Suggestions ".to_string(),
        n => format!(" Suggestions · {n} "),
    };
    let block = panel(title, t, focused);
    let inner = block.inner(area);
    let cols = inner.width as usize;
    f.render_widget(block, area);
    let quiet = |text: &str| Paragraph::new(text.to_string()).style(t.muted);
    let Some(a) = &v.analytics else {
        f.render_widget(quiet("Not computed yet."), inner);
        return;
    };
    if !a.marketing_allowed {
        let why = if v.preferences.consent.do_not_contact {
            "No offers: the customer asked not to be contacted."
        } else {
            "No offers: the customer has not consented to marketing."
        };
        f.render_widget(quiet(why), inner);
        return;
    }
    if list.is_empty() {
        f.render_widget(
            quiet("Nothing to suggest: no rule fits what this customer owns."),
            inner,
        );
        return;
    }
    let selected = c.suggestion_selected.min(list.len() - 1);
    let key = |cmd| key_label(k, Context::Customer, cmd).unwrap_or_default();
    let mut lines: Vec<Line> = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let here = i == selected;
        let marker = if here { "▶ " } else { "  " };
        let kind = match s.kind {
            SuggestionKind::CrossSell => "+ ",
            SuggestionKind::UpSell => "↑ ",
        };
        let ev = format!(" EV {}", money(s.expected_value_minor, &clean(&s.currency)));
        let name_room = cols.saturating_sub(width(marker) + width(kind) + width(&ev));
        let name = fit(&clean(&s.offer), name_room);
        let gap = " ".repeat(name_room.saturating_sub(width(&name)));
        let fill = if here && focused {
            Some(t.selection)
        } else {
            None
        };
        let name_style = if here { t.accent } else { t.text };
        lines.push(row(
            vec![
                Span::styled(marker, t.accent),
                Span::styled(kind, t.muted),
                Span::styled(name, name_style),
                Span::raw(gap),
                Span::styled(ev, t.text),
            ],
            cols,
            fill,
        ));
        let budget = if here { 3 } else { 1 };
        for l in wrap(&clean(&s.rationale), cols.saturating_sub(4), budget) {
            lines.push(row(
                vec![Span::styled(format!("    {l}"), t.muted)],
                cols,
                None,
            ));
        }
        if here {
            let keys = match answer_of(c, s.id) {
                Some(ans) => vec![Span::styled(
                    format!("    ✓ {} · sending", ans.label()),
                    t.ok,
                )],
                None => vec![
                    Span::raw("    "),
                    Span::styled(key(Command::AcceptSuggestion), t.key),
                    Span::styled(" accept  ", t.text),
                    Span::styled(key(Command::DeclineSuggestion), t.key),
                    Span::styled(" decline  ", t.text),
                    Span::styled(key(Command::SuggestionNotNow), t.key),
                    Span::styled(" not now", t.text),
                ],
            };
            lines.push(row(keys, cols, None));
        }
    }
    // Keep the selected suggestion on screen.
    let h = inner.height as usize;
    let start = if lines.len() > h {
        let at = lines
            .iter()
            .position(|l| l.spans.first().is_some_and(|s| s.content == "▶ "))
            .unwrap_or(0);
        at.min(lines.len() - h)
    } else {
        0
    };
    let shown: Vec<Line> = lines.into_iter().skip(start).take(h).collect();
    f.render_widget(Paragraph::new(shown), inner);
}
