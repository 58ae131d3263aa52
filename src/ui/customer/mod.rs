//! The customer-360 screen. Wide terminals get the panels side by side
//! (profile, value, churn risk and preferences; history; complaints and
//! suggestions); narrow ones (80x24) a header line with the most urgent
//! facts, the churn banner when a red flag fired, tabs, and one panel at a
//! time.

pub mod churn;
pub mod complaints;
pub mod header;
pub mod history;
pub mod preferences;
pub mod profile;
pub mod reveal;
pub mod suggestions;
pub mod value;

use rapport_api::CustomerView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::key_label;
use crate::app::{AppState, CustomerState, Focus, Load, Tab};
use crate::keymap::{Command, Context, Keymap};
use crate::sanitize::clean;
use crate::theme::Theme;

/// Width of the left (profile) and right (complaints) columns when wide.
pub const SIDE_COLUMN: u16 = 46;

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, k: &Keymap, wide: bool) {
    let Some(c) = &s.customer else { return };
    let v = match &c.view {
        Load::Loaded(v) => v,
        Load::Idle | Load::Loading => {
            let msg = format!("Loading {}…", clean(&c.name));
            f.render_widget(Paragraph::new(msg).style(t.muted), area);
            return;
        }
        Load::Failed(e) => {
            let keys = [
                (Command::Refresh, "tries again"),
                (Command::Back, "goes back"),
            ]
            .into_iter()
            .filter_map(|(cmd, words)| {
                key_label(k, Context::Customer, cmd).map(|key| format!("{key} {words}"))
            })
            .collect::<Vec<_>>()
            .join(", ");
            let msg = format!(
                "Could not load {}: {} ({keys})",
                clean(&c.name),
                clean(&e.to_string())
            );
            f.render_widget(
                Paragraph::new(msg)
                    .style(t.danger)
                    .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
    };
    if wide {
        draw_wide(f, area, s, c, v, t, k);
    } else {
        draw_narrow(f, area, s, c, v, t, k);
    }
    reveal::draw(f, area, c, t);
    history::draw_full(f, area, c, t, k);
}

fn draw_wide(
    f: &mut Frame,
    area: Rect,
    s: &AppState,
    c: &CustomerState,
    v: &CustomerView,
    t: &Theme,
    k: &Keymap,
) {
    let [head, area] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(
        Paragraph::new(header::line(v, queued_here(s, c), s.now, head.width, t)),
        head,
    );
    let [left, mid, right] = Layout::horizontal([
        Constraint::Length(SIDE_COLUMN),
        Constraint::Min(40),
        Constraint::Length(SIDE_COLUMN),
    ])
    .areas(area);
    // The value panel gives way first when the column is short.
    let risk_h = churn::height(v, left.width);
    let value_h = left
        .height
        .saturating_sub(profile::HEIGHT + risk_h + 4)
        .clamp(6, value::HEIGHT_WIDE);
    let [p, val, risk, pref] = Layout::vertical([
        Constraint::Length(profile::HEIGHT),
        Constraint::Length(value_h),
        Constraint::Length(risk_h),
        Constraint::Min(4),
    ])
    .areas(left);
    profile::draw(f, p, v, s, t);
    value::draw(f, val, v, t);
    churn::draw(f, risk, v, t);
    preferences::draw(f, pref, v, t);
    history::draw(f, mid, c, t, k, c.focus == Focus::History, true);
    let [comp, offers] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
    complaints::draw(f, comp, v, c, s.now, t, c.focus == Focus::Complaints);
    suggestions::draw(f, offers, v, c, t, k, c.focus == Focus::Suggestions);
}

fn draw_narrow(
    f: &mut Frame,
    area: Rect,
    s: &AppState,
    c: &CustomerState,
    v: &CustomerView,
    t: &Theme,
    k: &Keymap,
) {
    let flag = churn::banner(v, area.width, t);
    let [head, banner, tabs, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(flag.is_some())),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(header::line(v, queued_here(s, c), s.now, head.width, t)),
        head,
    );
    if let Some(line) = flag {
        f.render_widget(Paragraph::new(line), banner);
    }
    f.render_widget(Paragraph::new(tab_line(c.tab, t)), tabs);
    match c.tab {
        Tab::Overview => {
            let [top, bottom] = Layout::vertical([
                Constraint::Length(value::HEIGHT.max(profile::HEIGHT)),
                Constraint::Min(0),
            ])
            .areas(body);
            let [p, val] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(top);
            profile::draw(f, p, v, s, t);
            value::draw(f, val, v, t);
            if bottom.height >= 3 {
                history::draw_recent(f, bottom, c, t);
            }
        }
        Tab::History => history::draw(f, body, c, t, k, true, true),
        Tab::Complaints => complaints::draw(f, body, v, c, s.now, t, true),
        Tab::Offers => suggestions::draw(f, body, v, c, t, k, true),
        Tab::Preferences => preferences::draw(f, body, v, t),
    }
}

/// Changes for this customer still on their way to the server.
fn queued_here(s: &AppState, c: &CustomerState) -> usize {
    s.outbox
        .queued
        .iter()
        .filter(|q| q.request.customer_id == Some(c.id))
        .count()
}

/// ` [1 Overview]  2 History  3 Complaints  4 Offers  5 Prefs`: the active tab in
/// brackets as well as in its style, so it shows without colour.
fn tab_line(active: Tab, t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let label = format!("{} {}", i + 1, tab.title());
        if *tab == active {
            spans.push(Span::styled(format!("[{label}]"), t.tab_active));
        } else {
            spans.push(Span::styled(format!(" {label} "), t.tab));
        }
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}
