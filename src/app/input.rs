//! Key events to actions, through the keymap and the context on screen.
//! Pure, so the rules ("q types in the search box but quits elsewhere") are
//! tested without a terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::{Action, AppState};
use crate::keymap::{Context, Key, Keymap};

pub fn key_to_action(s: &AppState, keymap: &Keymap, ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    // The state picker and the reason prompt take the keyboard.
    if let Some(a) = super::calls::modal_key(s, keymap, ev) {
        return Some(a);
    }
    let key = Key::from_event(ev)?;
    let ctx = s.context();
    if ctx == Context::Form {
        // The form's own keys; then global keys that are not typing (Esc,
        // F1, Ctrl-c); everything else edits the focused field, so q, ?
        // and / type there.
        if let Some(cmd) = keymap.lookup_in(Context::Form, &key) {
            return Some(Action::Command(cmd));
        }
        if key.typed_char().is_none()
            && let Some(cmd) = keymap.lookup_in(Context::Global, &key)
        {
            return Some(Action::Command(cmd));
        }
        return Some(Action::FormKey(*ev));
    }
    if ctx.types_text() {
        // The search screen's (or palette's) own keys win; then plain
        // characters type, so global single-character keys (q, ?, /) do
        // not fire here.
        if let Some(cmd) = keymap.lookup_in(ctx, &key) {
            return Some(Action::Command(cmd));
        }
        if let Some(c) = key.typed_char() {
            return Some(Action::Input(c));
        }
        if ev.code == KeyCode::Backspace {
            return Some(Action::Backspace);
        }
    }
    keymap.lookup(ctx, &key).map(Action::Command)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Screen, update};
    use crate::keymap::Command;
    use crossterm::event::KeyModifiers;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    fn state() -> AppState {
        AppState::new("http://x".into(), false, crate::fixtures::now())
    }

    #[test]
    fn letters_type_in_search_and_command_elsewhere() {
        let k = Keymap::default();
        let mut s = state();
        let q = ev(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(key_to_action(&s, &k, &q), Some(Action::Input('q')));
        let slash = ev(KeyCode::Char('?'), KeyModifiers::NONE);
        assert_eq!(key_to_action(&s, &k, &slash), Some(Action::Input('?')));
        s.screen = Screen::Customer;
        assert_eq!(
            key_to_action(&s, &k, &q),
            Some(Action::Command(Command::Quit))
        );
        assert_eq!(
            key_to_action(&s, &k, &slash),
            Some(Action::Command(Command::Help))
        );
    }

    #[test]
    fn ctrl_c_and_f1_work_everywhere() {
        let k = Keymap::default();
        let mut s = state();
        let cc = ev(KeyCode::Char('c'), KeyModifiers::CONTROL);
        let f1 = ev(KeyCode::F(1), KeyModifiers::NONE);
        for screen in [Screen::Search, Screen::Customer] {
            s.screen = screen;
            assert_eq!(
                key_to_action(&s, &k, &cc),
                Some(Action::Command(Command::Quit))
            );
            assert_eq!(
                key_to_action(&s, &k, &f1),
                Some(Action::Command(Command::Help))
            );
        }
        update(&mut s, Action::Command(Command::Help));
        assert_eq!(
            key_to_action(&s, &k, &cc),
            Some(Action::Command(Command::Quit))
        );
        let j = ev(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(
            key_to_action(&s, &k, &j),
            Some(Action::Command(Command::Next))
        );
    }

    #[test]
    fn backspace_and_releases() {
        let k = Keymap::default();
        let s = state();
        let bs = ev(KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(key_to_action(&s, &k, &bs), Some(Action::Backspace));
        let mut up = ev(KeyCode::Char('a'), KeyModifiers::NONE);
        up.kind = KeyEventKind::Release;
        assert_eq!(key_to_action(&s, &k, &up), None);
    }
}
