//! The command palette (`:`, or Ctrl-k in the search box): every command of
//! the screen it was opened on, found by typing a few letters of what it
//! does, run with Enter. For the agent who does not remember a key; the key
//! is shown beside each command, so the palette also teaches the keys.
//!
//! Which commands a screen offers is decided here from the default bindings
//! (a command the agent unbound is still offered: the palette is the way to
//! it), so `update` and the drawing agree on the rows without the keymap.

use crate::fuzzy;
use crate::keymap::{Command, Context, DEFAULTS};

/// The open palette.
#[derive(Debug, Clone, PartialEq)]
pub struct PaletteState {
    pub query: String,
    pub selected: usize,
    /// The context it was opened over, whose commands it lists and in
    /// which the chosen one runs.
    pub under: Context,
    /// Supervisors' commands are offered to supervisors and admins only.
    pub supervisor: bool,
}

impl PaletteState {
    pub fn new(under: Context, supervisor: bool) -> PaletteState {
        PaletteState {
            query: String::new(),
            selected: 0,
            under,
            supervisor,
        }
    }

    /// The rows for the query, best match first.
    pub fn rows(&self) -> Vec<Command> {
        let mut r = rows(self.under, &self.query);
        if !self.supervisor {
            r.retain(|c| !SUPERVISORS_ONLY.contains(c));
        }
        r
    }

    /// The command Enter would run.
    pub fn chosen(&self) -> Option<Command> {
        self.rows().get(self.selected).copied()
    }
}

/// Movement inside lists; in the palette they would only move the palette.
const MOVEMENT: [Command; 9] = [
    Command::Next,
    Command::Previous,
    Command::PageDown,
    Command::PageUp,
    Command::First,
    Command::Last,
    Command::NextTab,
    Command::PreviousTab,
    Command::Palette,
];

/// Global commands only supervisors and admins can give.
const SUPERVISORS_ONLY: [Command; 1] = [Command::SupervisorDesk];

/// Commands offered over `ctx`: those bound by default there, then the
/// global ones, each in the order help lists them, without list movement;
/// quitting comes last, so Enter on an unfiltered palette never quits.
pub fn commands(ctx: Context) -> Vec<Command> {
    let bound_in = |cmd: &Command, c: Context| DEFAULTS.iter().any(|(x, _, d)| d == cmd && *x == c);
    // Enter on the customer screen acts on the History row under it, not
    // something to run from a list.
    let offered = |cmd: &Command| {
        !MOVEMENT.contains(cmd)
            && *cmd != Command::Quit
            && !(ctx == Context::Customer && *cmd == Command::Open)
    };
    let own = Command::ALL
        .into_iter()
        .filter(|cmd| offered(cmd) && bound_in(cmd, ctx));
    let global = Command::ALL
        .into_iter()
        .filter(|cmd| offered(cmd) && !bound_in(cmd, ctx) && bound_in(cmd, Context::Global));
    own.chain(global).chain([Command::Quit]).collect()
}

/// What a row is matched against: its description, then its name
/// ("record_interaction"), so both "note" and "record" find it.
pub fn haystack(cmd: Command) -> String {
    format!("{} {}", cmd.describe(), cmd.name().replace('_', " "))
}

/// Commands over `ctx` matching `query`, best first (ties keep help order).
pub fn rows(ctx: Context, query: &str) -> Vec<Command> {
    let all = commands(ctx);
    let query = query.trim();
    if query.is_empty() {
        return all;
    }
    let mut scored: Vec<(i64, usize, Command)> = all
        .into_iter()
        .enumerate()
        .filter_map(|(i, cmd)| fuzzy::score(&haystack(cmd), query).map(|s| (s, i, cmd)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, cmd)| cmd).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_the_screen_and_global_commands_without_movement() {
        let c = commands(Context::Customer);
        assert!(c.contains(&Command::RecordInteraction));
        assert!(c.contains(&Command::Quit), "global commands are offered");
        assert!(!c.contains(&Command::Next));
        assert!(!c.contains(&Command::Palette));
        assert_eq!(
            c.first(),
            Some(&Command::TabOverview),
            "the screen's own first"
        );
        assert_eq!(c.last(), Some(&Command::Quit), "quitting last");
        let s = commands(Context::Search);
        assert!(s.contains(&Command::ClearQuery));
        assert!(!s.contains(&Command::RecordInteraction));
    }

    use crate::app::{Action, Effect, Screen, update};
    use crate::fixtures;

    fn typed(s: &mut crate::app::AppState, text: &str) {
        for c in text.chars() {
            update(s, Action::Input(c));
        }
    }

    #[test]
    fn runs_the_chosen_command_over_the_screen_beneath() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        update(&mut s, Action::Command(Command::Palette));
        assert_eq!(s.context(), Context::Palette);
        typed(&mut s, "channel");
        assert_eq!(
            s.palette.as_ref().unwrap().chosen(),
            Some(Command::ChannelFilter)
        );
        let fx = update(&mut s, Action::Command(Command::Open));
        assert!(s.palette.is_none());
        assert_eq!(s.context(), Context::Customer);
        let c = s.customer.as_ref().unwrap();
        assert_eq!(c.history.channel, Some(rapport_api::Channel::Call));
        assert!(
            matches!(fx.as_slice(), [Effect::LoadHistory { .. }]),
            "{fx:?}"
        );
    }

    #[test]
    fn typing_goes_to_the_filter_and_esc_runs_nothing() {
        let mut s = fixtures::state_with_results();
        let query = s.search.query.clone();
        update(&mut s, Action::Command(Command::Palette));
        typed(&mut s, "qx");
        update(&mut s, Action::Backspace);
        assert_eq!(s.palette.as_ref().unwrap().query, "q");
        assert_eq!(s.search.query, query, "the search box is untouched");
        // Movement stays within the rows.
        for _ in 0..50 {
            update(&mut s, Action::Command(Command::Next));
        }
        let p = s.palette.as_ref().unwrap();
        assert_eq!(p.selected, p.rows().len() - 1);
        assert!(update(&mut s, Action::Command(Command::Back)).is_empty());
        assert!(s.palette.is_none());
        assert_eq!(s.screen, Screen::Search);
        assert!(!s.quit);
    }

    #[test]
    fn ctrl_u_clears_what_is_typed() {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let mut s = fixtures::state_with_results();
        update(&mut s, Action::Command(Command::Palette));
        typed(&mut s, "chan");
        let k = crate::keymap::Keymap::default();
        let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
        let a = crate::app::input::key_to_action(&s, &k, &ctrl_u).unwrap();
        assert_eq!(a, Action::Command(Command::ClearQuery));
        update(&mut s, a);
        let p = s.palette.as_ref().expect("still open");
        assert_eq!(p.query, "");
        assert_eq!(p.selected, 0);
    }

    #[test]
    fn the_desk_is_offered_to_supervisors_only() {
        let agent = PaletteState::new(Context::Customer, false);
        assert!(!agent.rows().contains(&Command::SupervisorDesk));
        let supervisor = PaletteState::new(Context::Customer, true);
        assert!(supervisor.rows().contains(&Command::SupervisorDesk));
    }

    #[test]
    fn typing_narrows_and_ranks() {
        let r = rows(Context::Customer, "complaint");
        assert!(r.len() >= 2, "{r:?}");
        assert!(r.contains(&Command::NewComplaint));
        assert!(!r.contains(&Command::Quit));
        // By name as well as by description.
        assert_eq!(
            rows(Context::Customer, "record interaction")[0],
            Command::RecordInteraction
        );
        assert!(rows(Context::Customer, "zzzzqx").is_empty());
    }
}
