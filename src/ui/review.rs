//! Changes the server refused and drafts left from an earlier run, over the
//! current screen. The selected row's detail shows below the list: for a
//! change refused because someone else changed the record meanwhile, what
//! the agent set beside what it is now, field by field.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::key_label;
use super::text::{fit, pad, row, wrap};
use crate::app::writes::conflict_rows;
use crate::app::{AppState, ReviewItem, TroubleKind};
use crate::keymap::{Command, Context, Keymap};
use crate::sanitize::clean;
use crate::theme::Theme;
use crate::ui::format::duration;

fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    if secs < 60 {
        "just now".into()
    } else {
        format!("{} ago", duration(secs))
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, k: &Keymap) {
    let Some(r) = &s.review else { return };
    let items = s.review_items();
    let w = area.width.min(90);
    let lines = body(s, r.selected, &items, w.saturating_sub(2) as usize, t, k);
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = super::centred(area, w, h);
    f.render_widget(Clear, rect);
    let key = |cmd| key_label(k, Context::Review, cmd).unwrap_or_default();
    let open = match items.get(r.selected.min(items.len().saturating_sub(1))) {
        Some(ReviewItem::File(_)) => "retry",
        _ => "open",
    };
    let hint = format!(
        " {} {open} · {} discard · {} close ",
        key(Command::Open),
        key(Command::Discard),
        key_label(k, Context::Global, Command::Back).unwrap_or_default()
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(t.border_focus)
        .title(Line::styled(
            format!(" Not saved yet · {} ", items.len()),
            t.title,
        ))
        .title_bottom(Line::styled(hint, t.key));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    f.render_widget(Paragraph::new(lines), inner);
}

fn body(
    s: &AppState,
    selected: usize,
    items: &[ReviewItem<'_>],
    cols: usize,
    t: &Theme,
    k: &Keymap,
) -> Vec<Line<'static>> {
    let key = |cmd| key_label(k, Context::Review, cmd).unwrap_or_default();
    let mut lines: Vec<Line> = Vec::new();
    if items.is_empty() {
        lines.push(Line::styled("Nothing is waiting.", t.muted));
    }
    let selected = selected.min(items.len().saturating_sub(1));
    for (i, item) in items.iter().enumerate() {
        let sel = i == selected;
        let marker = if sel { "▶ " } else { "  " };
        let (icon, text, when) = match item {
            ReviewItem::Failed(x) => (
                "✕ refused",
                clean(&x.entry.request.summary).into_owned(),
                ago(x.failed_at, s.now),
            ),
            ReviewItem::Draft(d) => (
                "✎ draft",
                format!("{} · {}", d.kind.title(), clean(&d.customer_name)),
                ago(d.saved_at, s.now),
            ),
            ReviewItem::File(x) => ("⚠", x.title(), ago(x.at, s.now)),
        };
        let head = fit(
            &format!("{marker}{icon}  {text}"),
            cols.saturating_sub(when.len() + 1),
        );
        let style = if sel { t.selection } else { t.text };
        lines.push(Line::from(vec![
            Span::styled(pad(&head, cols.saturating_sub(when.len())), style),
            Span::styled(when, if sel { t.selection } else { t.muted }),
        ]));
    }
    lines.push(Line::default());
    match items.get(selected) {
        Some(ReviewItem::Failed(x)) => {
            let conflict = conflict_rows(x, s.me.loaded().map(|m| &m.agent));
            if x.status == Some(412) && !conflict.is_empty() {
                lines.push(Line::styled(
                    "Someone changed this record after you read it. Yours, beside what it is now:",
                    t.warn,
                ));
                let w = (cols.saturating_sub(14) / 2).max(8);
                lines.push(Line::styled(
                    format!("  {}{}{}", pad("field", 12), pad("yours", w), "now"),
                    t.muted,
                ));
                for (field, mine, now) in conflict {
                    lines.push(row(
                        vec![
                            Span::styled(format!("  {}", pad(&fit(&field, 11), 12)), t.muted),
                            Span::styled(pad(&fit(&mine, w - 1), w), t.accent),
                            Span::styled(now, t.text),
                        ],
                        cols,
                        None,
                    ));
                }
                lines.push(Line::styled(
                    format!(
                        "{} applies yours on top of the current version; {} drops yours.",
                        key(Command::Open),
                        key(Command::Discard)
                    ),
                    t.muted,
                ));
            } else {
                for l in wrap(&format!("Refused: {}", clean(&x.reason)), cols.max(1), 4) {
                    lines.push(Line::styled(l, t.danger));
                }
                lines.push(Line::styled(
                    format!(
                        "{} reopens it in its form to correct and save again.",
                        key(Command::Open)
                    ),
                    t.muted,
                ));
            }
        }
        Some(ReviewItem::Draft(d)) => {
            lines.push(Line::styled(
                format!(
                    "Started {} and never saved. {} reopens it with what was typed.",
                    d.opened_at.format("%d %b %H:%M"),
                    key(Command::Open)
                ),
                t.muted,
            ));
            if let Some(notes) = d
                .values
                .get("notes")
                .or_else(|| d.values.get("summary"))
                .filter(|n| !n.trim().is_empty())
            {
                for l in wrap(&clean(&notes.replace('\n', " ")), cols.max(1), 3) {
                    lines.push(Line::styled(l, t.text));
                }
            }
        }
        Some(ReviewItem::File(x)) => {
            let (what, retry) = match &x.kind {
                TroubleKind::DraftNotWritten(_) => {
                    ("This draft could not be written to disk", "writes it again")
                }
                TroubleKind::DraftUnreadable => (
                    "This draft could not be read back",
                    "reads it again (mend the file first)",
                ),
                TroubleKind::OutboxUnreadable => (
                    "This queued change could not be read back and was not sent",
                    "reads it again and sends it (mend the file first)",
                ),
            };
            for l in wrap(&format!("{what}: {}", clean(&x.reason)), cols.max(1), 3) {
                lines.push(Line::styled(l, t.danger));
            }
            // The path whole, however long: it names where the work is.
            let file = clean(&x.path.display().to_string()).into_owned();
            lines.push(Line::styled("File:", t.muted));
            let chars: Vec<char> = file.chars().collect();
            for chunk in chars.chunks(cols.max(1)) {
                lines.push(Line::styled(chunk.iter().collect::<String>(), t.text));
            }
            let confirm = s.review.as_ref().is_some_and(|r| r.confirm_discard);
            if confirm {
                let q = match x.kind {
                    TroubleKind::DraftNotWritten(_) => format!(
                        "Stop offering this draft? {} again to discard; any other key keeps it.",
                        key(Command::Discard)
                    ),
                    _ => format!(
                        "Delete this file for good? {} again to delete; any other key keeps it.",
                        key(Command::Discard)
                    ),
                };
                for l in wrap(&q, cols.max(1), 2) {
                    lines.push(Line::styled(l, t.warn));
                }
            } else {
                let how = format!(
                    "{} {retry}; {} discards it (asks first).",
                    key(Command::Open),
                    key(Command::Discard)
                );
                for l in wrap(&how, cols.max(1), 2) {
                    lines.push(Line::styled(l, t.muted));
                }
            }
        }
        None => {}
    }
    lines
}
