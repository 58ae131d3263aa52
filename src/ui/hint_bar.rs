//! The bottom line: the keys that matter on this screen, from the keymap
//! itself (the same table the help overlay lists), most useful first; what
//! does not fit is dropped, but help always stays.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::width;
use crate::app::{AppState, Screen};
use crate::keymap::{Command, Context, Keymap};
use crate::theme::Theme;

/// The commands hinted in each context, most useful first.
pub fn commands(s: &AppState) -> (Context, &'static [Command]) {
    if s.help.is_some() {
        return (
            Context::Help,
            &[Command::Back, Command::Next, Command::Quit],
        );
    }
    if s.palette.is_some() {
        return (
            Context::Palette,
            &[Command::Open, Command::Next, Command::Back, Command::Quit],
        );
    }
    if s.context() == Context::Reveal {
        return (
            Context::Reveal,
            &[Command::Open, Command::Next, Command::Back, Command::Help],
        );
    }
    if s.form.is_some() {
        return (
            Context::Form,
            &[
                Command::Save,
                Command::NextField,
                Command::Back,
                Command::Help,
            ],
        );
    }
    if s.explain.is_some() {
        return (
            Context::Explain,
            &[
                Command::NextTab,
                Command::Next,
                Command::Back,
                Command::Help,
            ],
        );
    }
    if s.review.is_some() {
        return (
            Context::Review,
            &[
                Command::Open,
                Command::Discard,
                Command::Next,
                Command::RetryNow,
                Command::Back,
                Command::Help,
            ],
        );
    }
    if s.screen == Screen::Customer && s.customer.as_ref().is_some_and(|c| c.note.is_some()) {
        return (
            Context::Customer,
            &[Command::Open, Command::Next, Command::Help, Command::Quit],
        );
    }
    if s.calls.picker.is_some() || s.calls.chooser.is_some() || s.desk.reject.is_some() {
        // The prompt says its keys; help and quit still work.
        return (
            Context::Global,
            &[Command::Back, Command::Help, Command::Quit],
        );
    }
    let offers = s
        .customer
        .as_ref()
        .is_some_and(|c| c.tab == crate::app::Tab::Offers);
    match s.screen {
        Screen::Insights => (
            Context::Insights,
            &[
                Command::Next,
                Command::PageDown,
                Command::Refresh,
                Command::Insights,
                Command::Back,
                Command::Help,
                Command::Quit,
            ],
        ),
        Screen::Supervisor
            if matches!(
                s.desk.overlay,
                Some(crate::app::supervisor::Overlay::Definitions(_))
            ) =>
        {
            (
                Context::Supervisor,
                &[
                    Command::Next,
                    Command::PageDown,
                    Command::Definitions,
                    Command::Back,
                    Command::Help,
                ],
            )
        }
        Screen::Supervisor if s.desk.overlay.is_some() => (
            Context::Supervisor,
            &[
                Command::MoreAgents,
                Command::FewerAgents,
                Command::WhatIf,
                Command::Back,
                Command::Help,
            ],
        ),
        Screen::Supervisor if s.desk.filtering => (
            Context::Supervisor,
            &[Command::Open, Command::Back, Command::Help],
        ),
        Screen::Supervisor => (
            Context::Supervisor,
            &[
                Command::DeskQueues,
                Command::Search,
                Command::Next,
                Command::Approve,
                Command::Reject,
                Command::WhatIf,
                Command::Definitions,
                Command::Open,
                Command::Refresh,
                Command::SupervisorDesk,
                Command::Back,
                Command::Help,
                Command::Quit,
            ],
        ),
        Screen::Customer if !s.wide() && offers => (
            Context::Customer,
            &[
                Command::AcceptSuggestion,
                Command::DeclineSuggestion,
                Command::SuggestionNotNow,
                Command::Next,
                Command::TabOverview,
                Command::Explain,
                Command::Search,
                Command::Back,
                Command::Help,
            ],
        ),
        Screen::Search => (
            Context::Search,
            &[
                Command::Open,
                Command::Next,
                Command::ClearQuery,
                Command::Back,
                Command::Help,
                Command::Quit,
                Command::Palette,
            ],
        ),
        Screen::Customer if s.wide() => (
            Context::Customer,
            &[
                Command::Search,
                Command::RecordInteraction,
                Command::Open,
                Command::NewComplaint,
                Command::RecoveryAction,
                Command::UpdateComplaint,
                Command::EditPreferences,
                Command::Explain,
                Command::AcceptSuggestion,
                Command::DeclineSuggestion,
                Command::SuggestionNotNow,
                Command::NextTab,
                Command::ChannelFilter,
                Command::Insights,
                Command::Refresh,
                Command::Back,
                Command::Help,
                Command::Quit,
                Command::RevealContact,
                Command::Palette,
            ],
        ),
        Screen::Customer
            if s.customer
                .as_ref()
                .is_some_and(|c| c.tab == crate::app::Tab::Preferences) =>
        {
            (
                Context::Customer,
                &[
                    Command::EditPreferences,
                    Command::Search,
                    Command::RecordInteraction,
                    Command::TabOverview,
                    Command::Back,
                    Command::Help,
                    Command::Quit,
                    Command::RevealContact,
                    Command::Palette,
                ],
            )
        }
        Screen::Customer => (
            Context::Customer,
            &[
                Command::Search,
                Command::RecordInteraction,
                Command::Open,
                Command::NewComplaint,
                Command::RecoveryAction,
                Command::UpdateComplaint,
                Command::TabOverview,
                Command::Explain,
                Command::EditPreferences,
                Command::ChannelFilter,
                Command::Back,
                Command::Help,
                Command::Quit,
                Command::RevealContact,
                Command::Palette,
            ],
        ),
    }
}

/// The live queues' keys that matter now: ending the call while on one,
/// the wrap-up after it, the state otherwise, the desk for supervisors.
fn live(s: &AppState) -> (Vec<Command>, Vec<Command>) {
    use rapport_api::AgentState::*;
    let mut urgent = Vec::new();
    let mut later = Vec::new();
    match s.calls.state() {
        Some(OnCall) => urgent.push(Command::EndCall),
        Some(AfterCallWork) => urgent.extend([Command::WrapUp, Command::AgentState]),
        Some(_) => later.push(Command::AgentState),
        None => {}
    }
    if crate::app::supervisor::is_supervisor(s) && s.screen != Screen::Supervisor {
        later.push(Command::SupervisorDesk);
    }
    (urgent, later)
}

/// (key label, word) pairs for the hint bar.
pub fn hints(s: &AppState, k: &Keymap) -> Vec<(String, &'static str)> {
    let (ctx, cmds) = commands(s);
    let supervisor = crate::app::supervisor::is_supervisor(s);
    let (urgent, later) = if s.form.is_some() || s.review.is_some() || s.help.is_some() {
        (Vec::new(), Vec::new())
    } else {
        live(s)
    };
    let mut out: Vec<(String, &'static str)> = k.hints(ctx, &urgent);
    // Refused changes waiting: the key to review them comes first.
    if (!s.outbox.failed.is_empty() || !s.files.is_empty())
        && matches!(ctx, Context::Customer | Context::Search)
        && let Some(key) = super::key_label(k, ctx, Command::ReviewChanges)
    {
        out.push((key, "unsaved"));
    }
    for cmd in cmds {
        if cmd.supervisor_only() && !supervisor {
            continue;
        }
        if !acts(s, *cmd) {
            continue;
        }
        if *cmd == Command::Help {
            out.extend(k.hints(ctx, &later));
        }
        if *cmd == Command::DeskQueues {
            out.push(("1-4".to_string(), "tabs"));
            continue;
        }
        if *cmd == Command::TabOverview {
            if let Some(range) = tab_range(k) {
                out.push((range, "tabs"));
            }
            continue;
        }
        let found = k.hints(ctx, &[*cmd]);
        // Side by side, Tab moves between the panels rather than tabs.
        let word = |w: &'static str| match (*cmd, ctx) {
            (Command::NextTab, Context::Explain) => "next figure",
            (Command::NextTab, _) => "panel",
            (Command::Back, Context::Explain) => "close",
            (Command::Open, Context::Palette) => "run",
            (Command::Open, Context::Reveal) => "show",
            (Command::Open, Context::Supervisor) if s.desk.filtering => "keep filter",
            (Command::Back, Context::Supervisor) if s.desk.filtering => "clear",
            (Command::Search, Context::Supervisor) => "filter",
            (Command::Open, Context::Supervisor) => "customer",
            (Command::Open, Context::Customer)
                if s.customer.as_ref().is_some_and(|c| c.note.is_some()) =>
            {
                "close"
            }
            (Command::Open, Context::Customer) => "full note",
            (Command::Next, Context::Customer)
                if s.customer.as_ref().is_some_and(|c| c.note.is_some()) =>
            {
                "scroll"
            }
            (Command::Back, Context::Palette | Context::Reveal | Context::Help) => "close",
            (Command::Next, Context::Help) => "scroll",
            _ => w,
        };
        out.extend(found.into_iter().map(|(key, w)| (key, word(w))));
    }
    out
}

/// False for a key that would do nothing here, so the bar offers only
/// keys that act: answers to suggestions when there are none, a desk
/// action on a tab it does not apply to.
fn acts(s: &AppState, cmd: Command) -> bool {
    use crate::app::supervisor::DeskTab;
    let wide = s.wide();
    match cmd {
        Command::AcceptSuggestion | Command::DeclineSuggestion | Command::SuggestionNotNow => s
            .customer
            .as_ref()
            .is_some_and(|c| !crate::app::analytics::suggestions(c).is_empty()),
        Command::Open if s.context() == Context::Customer => {
            s.customer.as_ref().is_some_and(|c| c.note.is_some())
                || (s.history_targeted()
                    && s.customer
                        .as_ref()
                        .is_some_and(|c| !c.history.items.is_empty()))
        }
        Command::UpdateComplaint | Command::RecoveryAction => {
            s.view().is_some_and(|v| !v.open_complaints.is_empty())
        }
        Command::Approve | Command::Reject if s.screen == Screen::Supervisor => {
            (wide || s.desk.tab == DeskTab::Approvals) && !s.desk.waiting().is_empty()
        }
        Command::WhatIf if s.screen == Screen::Supervisor => wide || s.desk.tab == DeskTab::Queues,
        _ => true,
    }
}

/// "1-5" when the five tab keys are consecutive digits, as by default.
fn tab_range(k: &Keymap) -> Option<String> {
    let digit = |cmd| {
        k.keys_in(Context::Customer, cmd)
            .iter()
            .find_map(|key| key.typed_char().filter(char::is_ascii_digit))
    };
    let d: Vec<char> = [
        Command::TabOverview,
        Command::TabHistory,
        Command::TabComplaints,
        Command::TabOffers,
        Command::TabPreferences,
    ]
    .into_iter()
    .map(digit)
    .collect::<Option<_>>()?;
    let consecutive = d.windows(2).all(|w| w[1] as u32 == w[0] as u32 + 1);
    consecutive.then(|| format!("{}-{}", d[0], d[d.len() - 1]))
}

pub fn draw(f: &mut Frame, area: Rect, s: &AppState, t: &Theme, k: &Keymap) {
    let all = hints(s, k);
    let room = area.width as usize;
    let cost = |(key, word): &(String, &str)| width(key) + 1 + width(word) + 2;
    // Keep help whatever happens; drop others from the end until it fits.
    let mut shown: Vec<&(String, &str)> = all.iter().collect();
    while 1 + shown.iter().map(|h| cost(h)).sum::<usize>() > room && shown.len() > 1 {
        let victim = shown
            .iter()
            .rposition(|(_, w)| *w != "help")
            .unwrap_or(shown.len() - 1);
        shown.remove(victim);
    }
    let mut spans = vec![Span::styled(" ", t.hint_bar)];
    for (key, word) in shown {
        spans.push(Span::styled(key.clone(), t.key));
        spans.push(Span::styled(format!(" {word}  "), t.hint_bar));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.hint_bar), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::{KeyLayer, KeysConfig};

    #[test]
    fn hints_follow_the_keymap() {
        let mut s = AppState::new("http://x".into(), false, crate::fixtures::now());
        s.screen = Screen::Customer;
        let h = hints(&s, &Keymap::default());
        assert_eq!(h[0], ("/".to_string(), "search"));
        assert_eq!(h[1], ("i".to_string(), "note"));
        assert!(h.contains(&("1-5".to_string(), "tabs")), "{h:?}");
        let mut keys = KeysConfig::new();
        keys.entry(Context::Customer)
            .or_default()
            .insert("c".into(), "channel_filter".into());
        keys.entry(Context::Customer)
            .or_default()
            .insert("f".into(), "none".into());
        keys.entry(Context::Customer)
            .or_default()
            .insert("6".into(), "tab_preferences".into());
        keys.entry(Context::Customer)
            .or_default()
            .insert("5".into(), "none".into());
        let km = Keymap::new(&[KeyLayer {
            origin: "test".into(),
            keys,
        }])
        .unwrap();
        let h = hints(&s, &km);
        assert!(h.contains(&("c".to_string(), "channel")), "{h:?}");
        assert!(
            !h.iter().any(|(_, w)| *w == "tabs"),
            "1 2 3 4 6 is not a range"
        );
    }
}
