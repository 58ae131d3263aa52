//! Drawing: a pure function of the state. [`draw`] never changes anything
//! and never does I/O; every string from the server passes through
//! [`crate::sanitize`] on its way to a cell, and every style comes from a
//! theme role. One file per screen or panel.

pub mod ascii;
pub mod calls;
pub mod customer;
pub mod explain;
pub mod form;
pub mod format;
pub mod help;
pub mod hint_bar;
pub mod insights;
pub mod palette;
pub mod review;
pub mod search;
pub mod status_bar;
pub mod supervisor;
pub mod text;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use crate::app::{AppState, Screen, is_wide};
use crate::keymap::{Command, Context, Keymap};
use crate::theme::Theme;

/// Below this the screen says so instead of drawing a broken layout.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// Draw the whole screen for `s` (in plain ASCII when the theme says so).
pub fn draw(f: &mut Frame, s: &AppState, t: &Theme, k: &Keymap) {
    // Money in ASCII mode is written with ISO codes (GBP 4.20), not £.
    rapport_api::money::set_ascii(t.ascii);
    crate::sanitize::set_ascii(t.ascii);
    draw_screen(f, s, t, k);
    if t.ascii {
        ascii::transliterate(f.buffer_mut());
    }
    crate::termcaps::fit_buffer(f.buffer_mut(), t.colors);
}

fn draw_screen(f: &mut Frame, s: &AppState, t: &Theme, k: &Keymap) {
    let area = f.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(f, area, t);
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
        Screen::Search => search::draw(f, body, s, t, k),
        Screen::Customer => customer::draw(f, body, s, t, k, is_wide(area.width, area.height)),
        Screen::Insights => insights::draw(f, body, s, t, k),
        Screen::Supervisor => supervisor::draw(f, body, s, t, k, is_wide(area.width, area.height)),
    }
    hint_bar::draw(f, bottom, s, t, k);
    if let (Some(e), Some(v)) = (&s.explain, s.view()) {
        explain::draw(f, body, e, v, t, k);
    }
    if s.review.is_some() {
        review::draw(f, body, s, t, k);
    }
    if let Some(form) = &s.form {
        form::draw(f, body, form, t, k);
    }
    calls::draw_picker(f, body, s, t);
    calls::draw_chooser(f, body, s, t);
    if let Some(p) = &s.palette {
        palette::draw(f, body, p, t, k);
    }
    if let Some(scroll) = s.help {
        help::draw(
            f,
            body,
            scroll,
            t,
            k,
            crate::app::supervisor::is_supervisor(s),
        );
    }
}

fn too_small(f: &mut Frame, area: Rect, t: &Theme) {
    let msg = format!(
        "Terminal too small: {}x{}. Rapport needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
        area.width, area.height
    );
    f.render_widget(
        Paragraph::new(msg).style(t.warn).wrap(Wrap { trim: true }),
        area,
    );
}

/// A bordered panel with a title; focus changes the border style and marks
/// the title, so focus shows without colour too.
pub fn panel<'a>(title: impl Into<String>, t: &Theme, focused: bool) -> Block<'a> {
    let title: String = title.into();
    let title = if focused {
        format!("▸{title}")
    } else {
        title
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused { t.border_focus } else { t.border })
        .title(Line::styled(title, t.title))
}

/// The label of the first key for `cmd` in `ctx`, for sentences such as
/// "Ctrl-r retries" that must name the real key.
pub fn key_label(k: &Keymap, ctx: Context, cmd: Command) -> Option<String> {
    k.hint_key(ctx, cmd).map(|k| k.to_string())
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
