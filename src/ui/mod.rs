//! Drawing: a pure function of the state. `draw` never changes anything and
//! never does I/O; every string from the server passes through
//! [`crate::sanitize`] on its way to a cell.

pub mod customer;
pub mod format;
pub mod help;
pub mod hint_bar;
pub mod search;
pub mod status_bar;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use crate::app::{AppState, Screen};
use crate::keymap::Keymap;
use crate::theme::Theme;

/// Below this the screen says so instead of drawing a broken layout.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;
/// From this width the customer screen shows its panels side by side.
pub const WIDE: u16 = 140;

pub fn draw(f: &mut Frame, s: &AppState, t: &Theme, k: &Keymap) {
    let area = f.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "Terminal too small ({}x{}); need {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        f.render_widget(
            Paragraph::new(msg)
                .style(t.warn)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    status_bar::draw(f, top, s, t);
    match s.screen {
        Screen::Search => search::draw(f, body, s, t),
        Screen::Customer => customer::draw(f, body, s, t),
    }
    hint_bar::draw(f, bottom, s, t, k);
    if s.help {
        help::draw(f, body, t, k);
    }
}

/// A bordered panel with a title; focus changes the border style.
pub fn panel<'a>(title: impl Into<Line<'a>>, t: &Theme, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Plain)
        .border_style(if focused { t.border_focus } else { t.border })
        .title(title.into().style(t.title))
}

/// `label value` with the label muted.
pub fn field<'a>(
    label: &'a str,
    value: impl Into<String>,
    t: &Theme,
    style: Style,
) -> Vec<Span<'a>> {
    vec![
        Span::styled(label, t.muted),
        Span::raw(" "),
        Span::styled(value.into(), style),
    ]
}

/// The rectangle of size (w, h) centred in `r`, clipped to it.
pub fn centred(r: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(r.width);
    let h = h.min(r.height);
    Rect {
        x: r.x + (r.width - w) / 2,
        y: r.y + (r.height - h) / 2,
        width: w,
        height: h,
    }
}
