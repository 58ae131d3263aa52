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
    // The desk's filter while it is typed: letters go to it; Enter keeps
    // it, Esc clears it, and keys that are not typing still work.
    if ctx == Context::Supervisor && s.desk.filtering {
        if let Some(c) = key.typed_char() {
            return Some(Action::Input(c));
        }
        match ev.code {
            KeyCode::Backspace => return Some(Action::Backspace),
            KeyCode::Enter => return Some(Action::Command(crate::keymap::Command::Open)),
            _ => {}
        }
    }
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

    /// Every F-key action has a single key outside text fields, and `q`
    /// closes the layer on top instead of quitting.
    #[test]
    fn single_keys_beside_the_f_keys_and_q_closes_layers() {
        let k = Keymap::default();
        let mut s = crate::fixtures::state_with_customer(crate::fixtures::customer_view());
        let key =
            |s: &AppState, c: char| key_to_action(s, &k, &ev(KeyCode::Char(c), KeyModifiers::NONE));
        let fkey =
            |s: &AppState, n: u8| key_to_action(s, &k, &ev(KeyCode::F(n), KeyModifiers::NONE));
        for (n, c, cmd) in [
            (3, 's', Command::AgentState),
            (4, '!', Command::ReviewChanges),
            (5, 'D', Command::SupervisorDesk),
            (6, 'I', Command::Insights),
            (7, 'W', Command::WrapUp),
            (8, 'H', Command::EndCall),
            (1, '?', Command::Help),
        ] {
            assert_eq!(fkey(&s, n), Some(Action::Command(cmd)), "F{n}");
            assert_eq!(key(&s, c), Some(Action::Command(cmd)), "{c}");
            // Help lists both keys; the hint shows the letter.
            let keys = k.keys_for(Context::Customer, cmd);
            assert!(keys.iter().any(|x| x.typed_char() == Some(c)), "{cmd:?}");
        }
        assert_eq!(
            k.hint_key(Context::Customer, Command::AgentState)
                .unwrap()
                .to_string(),
            "s"
        );
        // In a text field the letters type.
        s.screen = Screen::Search;
        assert_eq!(key(&s, 's'), Some(Action::Input('s')));
        assert_eq!(fkey(&s, 3), Some(Action::Command(Command::AgentState)));
        s.screen = Screen::Customer;
        // q closes help, the review and the explanation; then quits.
        update(&mut s, Action::Command(Command::Help));
        let a = key(&s, 'q').unwrap();
        update(&mut s, a);
        assert!(s.help.is_none() && !s.quit, "q closed help");
        update(&mut s, Action::Command(Command::Explain));
        assert!(s.explain.is_some());
        let a = key(&s, 'q').unwrap();
        update(&mut s, a);
        assert!(s.explain.is_none() && !s.quit, "q closed the explanation");
        let a = key(&s, 'q').unwrap();
        assert_eq!(a, Action::Command(Command::Quit));
        update(&mut s, a);
        assert!(s.quit, "nothing open, nothing at stake: q quits");
    }

    /// Quitting on a call, in wrap-up, with a form typed in or changes
    /// unsent asks first; the second press quits, any other key stays.
    #[test]
    fn quitting_with_something_at_stake_asks_first() {
        use crate::app::Effect;
        let mut s = crate::fixtures::state_with_customer(crate::fixtures::customer_view());
        update(&mut s, Action::Command(Command::RecordInteraction));
        update(
            &mut s,
            Action::Paste("Customer asked about the bill".into()),
        );
        assert!(s.form.as_ref().unwrap().is_dirty());
        assert!(update(&mut s, Action::Command(Command::Quit)).is_empty());
        assert!(!s.quit);
        let said = s.notice.as_ref().unwrap().0.clone();
        assert!(
            said.contains("not saved") && said.contains("again to quit"),
            "{said}"
        );
        // Another key: stays, and the question is forgotten.
        update(&mut s, Action::Command(Command::RetryNow));
        assert!(update(&mut s, Action::Command(Command::Quit)).is_empty());
        assert!(!s.quit);
        assert_eq!(
            update(&mut s, Action::Command(Command::Quit)),
            vec![Effect::Quit]
        );
        assert!(s.quit);
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
