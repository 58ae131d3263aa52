//! The open form, drawn over the customer screen: one row per field (label,
//! then the value; the focused field marked ▸ and drawn for editing), notes
//! as a box of several lines, the pick list's matches under it while it has
//! focus, facts that bear on the fields (authority left, goodwill given,
//! SLA), and the error or the question of the moment. Fits 80x24.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::key_label;
use super::text::{fit, pad, width, wrap};
use crate::app::form::{Field, Form, FormKind, Input};
use crate::keymap::{Command, Context, Keymap};
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::money;

const LABEL: usize = 15;
/// Rows of matches shown under a focused pick list.
const PICK_ROWS: usize = 5;

/// Rows a notes box gets when there is room.
const NOTES_ROWS: usize = 8;

pub fn draw(f: &mut Frame, area: Rect, form: &Form, t: &Theme, k: &Keymap) {
    let w = area.width.min(90);
    let cols = w.saturating_sub(2) as usize;
    // As tall as the content, at most the screen.
    let h = (2 + rows_needed(form, cols, t, k) as u16).min(area.height);
    let rect = super::centred(area, w, h);
    f.render_widget(Clear, rect);
    let hints: Vec<String> = [
        (Command::Save, "save"),
        (Command::NextField, "next field"),
        (Command::Back, "cancel"),
    ]
    .into_iter()
    .filter_map(|(cmd, word)| key_label(k, Context::Form, cmd).map(|key| format!("{key} {word}")))
    .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(t.border_focus)
        .title(Line::styled(
            format!(" {} · {} ", form.kind.title(), clean(&form.customer_name)),
            t.title,
        ))
        .title_bottom(Line::styled(format!(" {} ", hints.join(" · ")), t.key));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let cols = inner.width as usize;
    // Labels as wide as the longest needs (marker, label, `*`), at least
    // LABEL, at most a third of the form: cut only when room runs out.
    let label_w = form
        .fields
        .iter()
        .map(|f| width(f.label) + 3)
        .max()
        .unwrap_or(LABEL)
        .clamp(LABEL, (cols / 3).max(LABEL));
    let value_cols = cols.saturating_sub(label_w + 2);

    // What goes under the fields.
    let footer = footer_lines(form, cols, t, k);
    let visible: Vec<usize> = (0..form.fields.len())
        .filter(|i| form.is_visible(*i))
        .collect();
    let fixed_rows: usize = visible
        .iter()
        .map(|i| match &form.fields[*i].input {
            Input::Notes(_) => 0,
            Input::Pick { .. } if *i == form.focus => 1 + PICK_ROWS,
            _ => 1,
        })
        .sum();
    let notes_fields = visible
        .iter()
        .filter(|i| matches!(form.fields[**i].input, Input::Notes(_)))
        .count()
        .max(1);
    let room = (inner.height as usize).saturating_sub(fixed_rows + footer.len());
    let notes_rows = (room / notes_fields).clamp(1, NOTES_ROWS);

    let mut y = inner.y;
    let bottom = inner.y + inner.height.saturating_sub(footer.len() as u16);
    for &i in &visible {
        if y >= bottom {
            break;
        }
        let field = &form.fields[i];
        let focused = i == form.focus;
        let at_fault = form
            .error
            .as_ref()
            .is_some_and(|(name, _)| name == field.name);
        let label_style = if at_fault {
            t.danger
        } else if focused {
            t.accent
        } else {
            t.muted
        };
        let marker = if focused { "▸ " } else { "  " };
        let req = if field.required { "*" } else { "" };
        let label = pad(
            &fit(&format!("{marker}{}{req}", field.label), label_w),
            label_w,
        );
        let row_rect = Rect {
            x: inner.x,
            y,
            width: inner.width,
            height: 1,
        };
        let value_x = inner.x + label_w as u16 + 1;
        match &field.input {
            Input::Notes(n) => {
                let h = (notes_rows as u16).min(bottom - y);
                f.render_widget(Paragraph::new(Span::styled(label, label_style)), row_rect);
                let area = Rect {
                    x: value_x,
                    y,
                    width: inner.width.saturating_sub(label_w as u16 + 1),
                    height: h,
                };
                if focused {
                    let mut ta = n.0.clone();
                    ta.set_style(t.input);
                    ta.set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
                    ta.set_cursor_line_style(Style::default());
                    ta.set_block(
                        Block::default()
                            .borders(Borders::LEFT)
                            .border_style(t.border_focus),
                    );
                    f.render_widget(&ta, area);
                } else {
                    let text = n.text();
                    let lines: Vec<Line> = if text.trim().is_empty() {
                        vec![Line::styled("—", t.muted)]
                    } else {
                        text.split('\n')
                            .flat_map(|l| wrap(&clean(l), value_cols.max(1), h as usize))
                            .take(h as usize)
                            .map(|l| Line::styled(l, t.text))
                            .collect()
                    };
                    f.render_widget(
                        Paragraph::new(lines).block(
                            Block::default()
                                .borders(Borders::LEFT)
                                .border_style(t.border),
                        ),
                        area,
                    );
                }
                y += h;
            }
            _ => {
                let mut spans = vec![Span::styled(label, label_style), Span::raw(" ")];
                spans.extend(value_spans(field, focused, value_cols, t));
                f.render_widget(Paragraph::new(Line::from(spans)), row_rect);
                y += 1;
                if focused
                    && let Input::Pick {
                        options,
                        cursor,
                        query,
                        selected,
                    } = &field.input
                {
                    let matches = field.filtered();
                    // With no query the list shows the choice itself.
                    let cursor = if query.is_empty() {
                        selected.unwrap_or(0)
                    } else {
                        *cursor
                    };
                    let cursor = &cursor;
                    let first = cursor.saturating_sub(PICK_ROWS - 1);
                    for (row, idx) in matches.iter().enumerate().skip(first).take(PICK_ROWS) {
                        if y >= bottom {
                            break;
                        }
                        let sel = row == *cursor;
                        let text = format!(
                            "{}{}",
                            if sel { "▶ " } else { "  " },
                            fit(&clean(&options[*idx].label), value_cols.saturating_sub(2))
                        );
                        f.render_widget(
                            Paragraph::new(Span::styled(
                                pad(&text, value_cols),
                                if sel { t.selection } else { t.text },
                            )),
                            Rect {
                                x: value_x,
                                y,
                                width: inner.width.saturating_sub(label_w as u16 + 1),
                                height: 1,
                            },
                        );
                        y += 1;
                    }
                    if matches.is_empty() && y < bottom {
                        f.render_widget(
                            Paragraph::new(Span::styled(
                                "no match: keep typing or Backspace",
                                t.muted,
                            )),
                            Rect {
                                x: value_x,
                                y,
                                width: inner.width.saturating_sub(label_w as u16 + 1),
                                height: 1,
                            },
                        );
                        y += 1;
                    }
                }
            }
        }
    }
    if !footer.is_empty() {
        let h = footer.len() as u16;
        f.render_widget(
            Paragraph::new(footer).wrap(Wrap { trim: false }),
            Rect {
                x: inner.x,
                y: inner.y + inner.height.saturating_sub(h),
                width: inner.width,
                height: h.min(inner.height),
            },
        );
    }
}

fn value_spans(field: &Field, focused: bool, cols: usize, t: &Theme) -> Vec<Span<'static>> {
    match &field.input {
        Input::Choice { .. } => {
            let v = clean(&field.display()).into_owned();
            if focused {
                vec![Span::styled(format!("◂ {v} ▸"), t.input)]
            } else {
                vec![Span::styled(v, t.text)]
            }
        }
        Input::Toggle(b) => {
            let v = if *b { "[x] yes" } else { "[ ] no" };
            vec![Span::styled(v, if focused { t.input } else { t.text })]
        }
        Input::Pick { query, .. } if focused => {
            let chosen = field.display();
            if query.is_empty() {
                let shown = if chosen.is_empty() {
                    "type to filter".to_string()
                } else {
                    format!("{} (type to change)", clean(&chosen))
                };
                vec![
                    Span::styled("█", t.input),
                    Span::styled(fit(&shown, cols.saturating_sub(1)), t.muted),
                ]
            } else {
                vec![
                    Span::styled(fit(&clean(query), cols.saturating_sub(1)), t.input),
                    Span::styled("█", t.input),
                ]
            }
        }
        Input::Pick { .. } => {
            let v = field.display();
            if v.is_empty() {
                vec![Span::styled("—", t.muted)]
            } else {
                vec![Span::styled(fit(&clean(&v), cols), t.text)]
            }
        }
        Input::Text {
            value,
            cursor,
            hint,
        } => {
            if focused {
                // Show the end of a long line, where the cursor usually is.
                let v = clean(value).into_owned();
                let chars: Vec<char> = v.chars().collect();
                let cur = (*cursor).min(chars.len());
                let before: String = chars[..cur].iter().collect();
                let at: String = chars.get(cur).map(|c| c.to_string()).unwrap_or(" ".into());
                let after: String = chars
                    .get(cur + 1..)
                    .map(|c| c.iter().collect())
                    .unwrap_or_default();
                let keep = cols.saturating_sub(1);
                let before = if width(&before) > keep {
                    let skip = width(&before) - keep;
                    before.chars().skip(skip).collect()
                } else {
                    before
                };
                let mut spans = vec![
                    Span::styled(before, t.input),
                    Span::styled(at, t.input.add_modifier(Modifier::REVERSED)),
                    Span::styled(after, t.input),
                ];
                if value.is_empty() {
                    spans.push(Span::styled(format!(" {hint}"), t.muted));
                }
                spans
            } else if value.is_empty() {
                vec![Span::styled("—", t.muted)]
            } else {
                vec![Span::styled(fit(&clean(value), cols), t.text)]
            }
        }
        Input::Notes(_) => vec![],
    }
}

/// Rows the fields and footer want, with notes at their full height.
fn rows_needed(form: &Form, cols: usize, t: &Theme, k: &Keymap) -> usize {
    let fields: usize = (0..form.fields.len())
        .filter(|i| form.is_visible(*i))
        .map(|i| match &form.fields[i].input {
            Input::Notes(_) => NOTES_ROWS,
            Input::Pick { .. } if i == form.focus => 1 + PICK_ROWS,
            _ => 1,
        })
        .sum();
    fields + footer_lines(form, cols, t, k).len()
}

/// Facts, then the error or question of the moment.
fn footer_lines(form: &Form, cols: usize, t: &Theme, k: &Keymap) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut fact = |s: String, style: Style| {
        for l in wrap(&s, cols.max(1), 2) {
            out.push(Line::styled(l, style));
        }
    };
    match &form.kind {
        FormKind::Interaction => {
            let on_call = form.value("channel") == "call";
            fact(
                if let Some(call) = &form.context.call {
                    call.clone()
                } else if on_call {
                    format!(
                        "Contact started {} (when this form opened); it ends when you save.",
                        form.opened_at.format("%H:%M")
                    )
                } else {
                    format!("Recorded as of {}.", form.opened_at.format("%H:%M"))
                },
                t.muted,
            );
        }
        FormKind::NewComplaint => {
            fact(
                "Received now: the SLA and the regulatory clocks (summary resolution by the 3rd business day, final response in 8 weeks) start at once.".into(),
                t.muted,
            );
        }
        FormKind::UpdateComplaint { .. } => {
            if let Some(c) = &form.context.complaint {
                fact(format!("Complaint {c}."), t.muted);
            }
        }
        FormKind::Recovery { .. } => {
            let cur = &form.currency;
            if let Some(a) = &form.context.authority {
                let limits = match (a.per_action_minor, a.per_day_minor) {
                    (Some(pa), Some(pd)) => format!(
                        "Your authority: {} per action, {} a day; {} left today.",
                        money(pa, cur),
                        money(pd, cur),
                        money(a.remaining_minor, cur)
                    ),
                    _ => format!(
                        "No approval limit is set for you in {cur}: money actions wait for a supervisor."
                    ),
                };
                fact(limits, t.muted);
            }
            fact(
                format!(
                    "Goodwill to this customer this year: {}.",
                    money(form.context.goodwill_year_minor, cur)
                ),
                t.muted,
            );
            let over = form.recovery_kind().is_some_and(|k| k.is_money())
                && rapport_api::money::parse(&form.value("amount"), cur)
                    .ok()
                    .zip(form.context.authority.as_ref())
                    .is_some_and(|(amount, a)| amount > a.remaining_minor);
            if over {
                fact(
                    "Over your authority: it will wait for a supervisor's approval.".into(),
                    t.warn,
                );
            }
        }
        FormKind::Preferences { .. } => {
            if form.value("dnc") == "true" {
                fact(
                    "Do not contact: no calls out and no offers, whatever the consent above."
                        .into(),
                    t.warn,
                );
            }
        }
    }
    if form.saving.is_some() {
        out.push(Line::styled("Saving…", t.muted));
    } else if let Some((_, msg)) = &form.error {
        for l in wrap(&format!("⚠ {}", clean(msg)), cols.max(1), 3) {
            out.push(Line::styled(l, t.danger));
        }
    } else if form.confirm_discard {
        let esc = key_label(k, Context::Global, Command::Back).unwrap_or_else(|| "Esc".into());
        let save = key_label(k, Context::Form, Command::Save).unwrap_or_else(|| "Ctrl-s".into());
        out.push(Line::styled(
            format!("Unsaved changes: {esc} again discards them, {save} saves."),
            t.warn,
        ));
    }
    out
}
