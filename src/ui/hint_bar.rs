//! The bottom line: the keys that matter here, from the keymap itself.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{AppState, Screen};
use crate::keymap::{Command, Keymap};
use crate::theme::Theme;

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, k: &Keymap) {
    let cmds: &[Command] = match (s.help, s.screen) {
        (true, _) => &[Command::Back, Command::Quit],
        (false, Screen::Search) => &[
            Command::Open,
            Command::Next,
            Command::ClearQuery,
            Command::Back,
            Command::Help,
            Command::Quit,
        ],
        (false, Screen::Customer) => &[
            Command::Search,
            Command::NextTab,
            Command::ChannelFilter,
            Command::Refresh,
            Command::Back,
            Command::Help,
            Command::Quit,
        ],
    };
    let mut spans = vec![Span::raw(" ")];
    for (key, word) in k.hints(s.context(), cmds) {
        spans.push(Span::styled(key, t.key));
        spans.push(Span::styled(format!(" {word}  "), t.hint_bar));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.hint_bar), area);
}
