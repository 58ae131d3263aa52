//! Key bindings as data.
//!
//! Every user command is a [`Command`], deserialised from its snake_case
//! name. The `[keys.<context>]` tables of the configuration map key strings
//! to command names (`"ctrl-r" = "refresh"`); each layer of configuration
//! (system file, user file, `--config`) rebinds the keys it names and leaves
//! the others at their defaults, and `"none"` unbinds a key. A layer that
//! spells one key two ways for two commands ("ctrl-n" and "C-n") is a clash,
//! reported at start-up naming both. The help overlay and the hint bar are
//! generated from the resolved table, so they cannot drift from the keys.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

/// Where a binding applies. A screen's own bindings win over `global`; on
/// the search screen plain characters type into the box instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Search,
    Customer,
    /// A form is open: characters type into the focused field.
    Form,
    /// The list of changes the server refused, or drafts to restore.
    Review,
    Help,
    /// The command palette: characters type into its filter.
    Palette,
    /// Choosing why masked contact details are to be shown.
    Reveal,
    /// The explanation of a figure, over the customer screen.
    Explain,
    /// The supervisors' insights screen.
    Insights,
    /// The supervisor desk (supervisors and admins).
    Supervisor,
}

impl Context {
    pub const ALL: [Context; 11] = [
        Context::Global,
        Context::Search,
        Context::Customer,
        Context::Form,
        Context::Review,
        Context::Help,
        Context::Palette,
        Context::Reveal,
        Context::Explain,
        Context::Insights,
        Context::Supervisor,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Search => "search",
            Context::Customer => "customer",
            Context::Form => "form",
            Context::Review => "review",
            Context::Help => "help",
            Context::Palette => "palette",
            Context::Reveal => "reveal",
            Context::Explain => "explain",
            Context::Insights => "insights",
            Context::Supervisor => "supervisor",
        }
    }
    /// True where plain characters type text (so a key shown for a
    /// command there must not be one).
    pub fn types_text(self) -> bool {
        matches!(self, Context::Search | Context::Palette)
    }
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Search => "Search screen",
            Context::Customer => "Customer screen",
            Context::Form => "In a form",
            Context::Review => "Unsaved changes and drafts",
            Context::Help => "This help",
            Context::Palette => "Command palette",
            Context::Reveal => "Revealing contact details",
            Context::Explain => "Explaining a figure",
            Context::Insights => "Insights screen",
            Context::Supervisor => "Supervisor desk",
        }
    }
}

/// A command a person can give with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Quit,
    Help,
    Search,
    Back,
    Open,
    Next,
    Previous,
    PageDown,
    PageUp,
    First,
    Last,
    NextTab,
    PreviousTab,
    TabOverview,
    TabHistory,
    TabComplaints,
    TabPreferences,
    ChannelFilter,
    Refresh,
    ClearQuery,
    RecordInteraction,
    NewComplaint,
    UpdateComplaint,
    RecoveryAction,
    EditPreferences,
    ReviewChanges,
    Save,
    NextField,
    PreviousField,
    RetryNow,
    Discard,
    Palette,
    RevealContact,
    TabOffers,
    Explain,
    AcceptSuggestion,
    DeclineSuggestion,
    SuggestionNotNow,
    Insights,
    // Live queues.
    AgentState,
    EndCall,
    WrapUp,
    SupervisorDesk,
    DeskQueues,
    DeskAgents,
    DeskApprovals,
    DeskAtRisk,
    Approve,
    Reject,
    WhatIf,
    MoreAgents,
    FewerAgents,
    Definitions,
}

impl Command {
    /// Every command, in the order help lists them.
    pub const ALL: [Command; 53] = [
        Command::Quit,
        Command::Help,
        Command::Search,
        Command::Back,
        Command::Open,
        Command::Next,
        Command::Previous,
        Command::PageDown,
        Command::PageUp,
        Command::First,
        Command::Last,
        Command::NextTab,
        Command::PreviousTab,
        Command::TabOverview,
        Command::TabHistory,
        Command::TabComplaints,
        Command::TabOffers,
        Command::TabPreferences,
        Command::ChannelFilter,
        Command::Refresh,
        Command::ClearQuery,
        Command::RecordInteraction,
        Command::NewComplaint,
        Command::UpdateComplaint,
        Command::RecoveryAction,
        Command::EditPreferences,
        Command::ReviewChanges,
        Command::Save,
        Command::NextField,
        Command::PreviousField,
        Command::RetryNow,
        Command::Discard,
        Command::Palette,
        Command::RevealContact,
        Command::Explain,
        Command::AcceptSuggestion,
        Command::DeclineSuggestion,
        Command::SuggestionNotNow,
        Command::Insights,
        Command::AgentState,
        Command::EndCall,
        Command::WrapUp,
        Command::SupervisorDesk,
        Command::DeskQueues,
        Command::DeskAgents,
        Command::DeskApprovals,
        Command::DeskAtRisk,
        Command::Approve,
        Command::Reject,
        Command::WhatIf,
        Command::MoreAgents,
        Command::FewerAgents,
        Command::Definitions,
    ];

    /// Commands only supervisors and admins have: hidden from an agent's
    /// help and hint bar, and refused if bound anyway.
    pub fn supervisor_only(self) -> bool {
        matches!(
            self,
            Command::SupervisorDesk
                | Command::DeskQueues
                | Command::DeskAgents
                | Command::DeskApprovals
                | Command::DeskAtRisk
                | Command::Approve
                | Command::Reject
                | Command::WhatIf
                | Command::MoreAgents
                | Command::FewerAgents
                | Command::Definitions
        )
    }

    /// The name used in the configuration (`"refresh"`).
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::Search => "search",
            Command::Back => "back",
            Command::Open => "open",
            Command::Next => "next",
            Command::Previous => "previous",
            Command::PageDown => "page_down",
            Command::PageUp => "page_up",
            Command::First => "first",
            Command::Last => "last",
            Command::NextTab => "next_tab",
            Command::PreviousTab => "previous_tab",
            Command::TabOverview => "tab_overview",
            Command::TabHistory => "tab_history",
            Command::TabComplaints => "tab_complaints",
            Command::TabPreferences => "tab_preferences",
            Command::ChannelFilter => "channel_filter",
            Command::Refresh => "refresh",
            Command::ClearQuery => "clear_query",
            Command::RecordInteraction => "record_interaction",
            Command::NewComplaint => "new_complaint",
            Command::UpdateComplaint => "update_complaint",
            Command::RecoveryAction => "recovery_action",
            Command::EditPreferences => "edit_preferences",
            Command::ReviewChanges => "review_changes",
            Command::Save => "save",
            Command::NextField => "next_field",
            Command::PreviousField => "previous_field",
            Command::RetryNow => "retry_now",
            Command::Discard => "discard",
            Command::Palette => "palette",
            Command::RevealContact => "reveal_contact",
            Command::TabOffers => "tab_offers",
            Command::Explain => "explain",
            Command::AcceptSuggestion => "accept_suggestion",
            Command::DeclineSuggestion => "decline_suggestion",
            Command::SuggestionNotNow => "suggestion_not_now",
            Command::Insights => "insights",
            Command::AgentState => "agent_state",
            Command::EndCall => "end_call",
            Command::WrapUp => "wrap_up",
            Command::SupervisorDesk => "supervisor_desk",
            Command::DeskQueues => "desk_queues",
            Command::DeskAgents => "desk_agents",
            Command::DeskApprovals => "desk_approvals",
            Command::DeskAtRisk => "desk_at_risk",
            Command::Approve => "approve",
            Command::Reject => "reject",
            Command::WhatIf => "what_if",
            Command::MoreAgents => "more_agents",
            Command::FewerAgents => "fewer_agents",
            Command::Definitions => "definitions",
        }
    }

    /// Parse a command name as written in the configuration.
    pub fn parse(name: &str) -> Option<Command> {
        let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        Command::deserialize(de).ok()
    }

    /// Words for the help overlay.
    /// What the command does in `ctx`, where that differs from
    /// [`Command::describe`]: help lists these, so its words match what
    /// the keys do there.
    pub fn describe_in(self, ctx: Context) -> &'static str {
        use Context as X;
        match (self, ctx) {
            (Command::Open, X::Palette) => "Run the chosen command",
            (Command::Open, X::Reveal) => {
                "Show the details for the chosen reason (recorded); on the details, close"
            }
            (Command::Open, X::Review) => {
                "Reopen the selected change or draft in its form; retry a file not written or read"
            }
            (Command::Open, X::Customer) => "History: the selected interaction in full",
            (Command::Search, X::Supervisor) => {
                "Filter the list on screen (Enter keeps it, Esc clears it)"
            }
            (Command::Open, X::Supervisor) => {
                "Open the customer of the selected approval or complaint"
            }
            (Command::Discard, X::Review) => {
                "Discard the selected change or draft (a file: asks first)"
            }
            (Command::NextTab, X::Explain) => "Next figure",
            (Command::PreviousTab, X::Explain) => "Previous figure",
            (Command::Explain, X::Explain) => "Close the explanation",
            (Command::Next, X::Help | X::Explain | X::Insights) => "Scroll down",
            (Command::Previous, X::Help | X::Explain | X::Insights) => "Scroll up",
            (Command::Next, X::Reveal) => "Next reason",
            (Command::Previous, X::Reveal) => "Previous reason",
            (Command::Back, X::Help | X::Review | X::Explain | X::Reveal) => "Close",
            (Command::Back, X::Palette) => "Close the palette",
            (Command::ClearQuery, X::Palette) => "Clear what is typed",
            _ => self.describe(),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Command::Quit => "Quit (the terminal is restored)",
            Command::Help => "Show or hide this help",
            Command::Search => "Go to the search box (typing replaces the old query)",
            Command::Back => "Go back; in the search box, clear it first",
            Command::Open => "Open the selected customer",
            Command::Next => "Next row",
            Command::Previous => "Previous row",
            Command::PageDown => "Page down",
            Command::PageUp => "Page up",
            Command::First => "First row",
            Command::Last => "Last row (loads older history)",
            Command::NextTab => "Next tab, or next panel when side by side",
            Command::PreviousTab => "Previous tab, or previous panel",
            Command::TabOverview => "Overview tab",
            Command::TabHistory => "History tab",
            Command::TabComplaints => "Complaints tab",
            Command::TabPreferences => "Preferences tab",
            Command::ChannelFilter => "History: next channel (all, call, email, …)",
            Command::Refresh => "Reload from the server",
            Command::ClearQuery => "Clear the search box",
            Command::RecordInteraction => "Record an interaction with this customer",
            Command::NewComplaint => "Open a complaint for this customer",
            Command::UpdateComplaint => "Move, assign, escalate or resolve the selected complaint",
            Command::RecoveryAction => {
                "Service recovery on the selected complaint (apology, refund, …)"
            }
            Command::EditPreferences => "Change preferences and marketing consent",
            Command::ReviewChanges => "Review changes the server refused, and drafts",
            Command::Save => "Save the form (it is queued, then sent)",
            Command::NextField => "Next field",
            Command::PreviousField => "Previous field",
            Command::RetryNow => "Send queued changes now instead of waiting",
            Command::Discard => "Discard the selected change or draft",
            Command::Palette => "Find a command by what it does, and run it",
            Command::RevealContact => {
                "Show the masked phone, email and address in full (asks why; audited)"
            }
            Command::TabOffers => "Offers tab: cross-sell and up-sell suggestions",
            Command::Explain => {
                "Explain the figures: definition and this customer's inputs (Tab: next figure)"
            }
            Command::AcceptSuggestion => "The customer accepts the selected suggestion",
            Command::DeclineSuggestion => "The customer declines the selected suggestion",
            Command::SuggestionNotNow => "Not now: offer the selected suggestion again later",
            Command::Insights => "Insights: the 80/20 view, NPS by segment and team, rules",
            Command::AgentState => "Your state: available for calls, break or offline",
            Command::EndCall => "End the call: wrap-up starts and its form opens",
            Command::WrapUp => "Wrap-up: note the call (saving makes you available)",
            Command::SupervisorDesk => "Supervisor desk: queues, agents, approvals, at risk",
            Command::DeskQueues => "Desk: queues tab",
            Command::DeskAgents => "Desk: agents tab",
            Command::DeskApprovals => "Desk: approvals waiting",
            Command::DeskAtRisk => "Desk: complaints about to breach",
            Command::Approve => "Approve the selected recovery action",
            Command::Reject => "Reject the selected recovery action (asks for the reason)",
            Command::WhatIf => "Erlang C what-if for the selected queue",
            Command::MoreAgents => "What-if: one agent more",
            Command::FewerAgents => "What-if: one agent fewer",
            Command::Definitions => "What each figure on the desk means",
        }
    }

    /// A word for the hint bar.
    pub fn hint(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::Search => "search",
            Command::Back => "back",
            Command::Open => "open",
            Command::Next | Command::Previous => "move",
            Command::PageDown | Command::PageUp => "page",
            Command::First => "first",
            Command::Last => "last",
            Command::NextTab | Command::PreviousTab => "tab",
            Command::TabOverview
            | Command::TabHistory
            | Command::TabComplaints
            | Command::TabPreferences => "tabs",
            Command::ChannelFilter => "channel",
            Command::Refresh => "reload",
            Command::ClearQuery => "clear",
            Command::RecordInteraction => "note",
            Command::NewComplaint => "complaint",
            Command::UpdateComplaint => "update",
            Command::RecoveryAction => "recover",
            Command::EditPreferences => "prefs",
            Command::ReviewChanges => "unsaved",
            Command::Save => "save",
            Command::NextField | Command::PreviousField => "field",
            Command::RetryNow => "retry",
            Command::Discard => "discard",
            Command::Palette => "commands",
            Command::RevealContact => "reveal",
            Command::TabOffers => "tabs",
            Command::Explain => "explain",
            Command::AcceptSuggestion => "accept",
            Command::DeclineSuggestion => "decline",
            Command::SuggestionNotNow => "not now",
            Command::Insights => "insights",
            Command::AgentState => "state",
            Command::EndCall => "end call",
            Command::WrapUp => "wrap-up",
            Command::SupervisorDesk => "desk",
            Command::DeskQueues
            | Command::DeskAgents
            | Command::DeskApprovals
            | Command::DeskAtRisk => "tabs",
            Command::Approve => "approve",
            Command::Reject => "reject",
            Command::WhatIf => "what-if",
            Command::MoreAgents => "more",
            Command::FewerAgents => "fewer",
            Command::Definitions => "definitions",
        }
    }
}

/// One key with its modifiers, e.g. `ctrl-n`, `f1`, `?`. Shift is part of
/// the character (`G`), so it is not a separate flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub code: KeyName,
    pub ctrl: bool,
    pub alt: bool,
}

/// The keys Rapport can bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyName {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Delete,
    Insert,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let code = match ev.code {
            // Ctrl-N arrives as 'N' with some terminals: one binding for both.
            KeyCode::Char(c) if ctrl => KeyName::Char(c.to_ascii_lowercase()),
            KeyCode::Char(c) => KeyName::Char(c),
            KeyCode::F(n) => KeyName::F(n),
            KeyCode::Enter => KeyName::Enter,
            KeyCode::Esc => KeyName::Esc,
            KeyCode::Tab => KeyName::Tab,
            KeyCode::BackTab => KeyName::BackTab,
            KeyCode::Backspace => KeyName::Backspace,
            KeyCode::Up => KeyName::Up,
            KeyCode::Down => KeyName::Down,
            KeyCode::Left => KeyName::Left,
            KeyCode::Right => KeyName::Right,
            KeyCode::PageUp => KeyName::PageUp,
            KeyCode::PageDown => KeyName::PageDown,
            KeyCode::Home => KeyName::Home,
            KeyCode::End => KeyName::End,
            KeyCode::Delete => KeyName::Delete,
            KeyCode::Insert => KeyName::Insert,
            _ => return None,
        };
        Some(Key {
            code,
            ctrl,
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        })
    }

    /// A printable character typed without ctrl or alt (text input).
    pub fn typed_char(&self) -> Option<char> {
        match self.code {
            KeyName::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }

    pub fn is_function_key(&self) -> bool {
        matches!(self.code, KeyName::F(_))
    }
}

const KEY_SYNTAX: &str = "use a character, enter, esc, tab, backtab, backspace, up, down, left, right, pgup, pgdown, home, end, delete, insert, space or f1..f12, with optional ctrl- or alt-";

impl std::str::FromStr for Key {
    type Err = String;
    fn from_str(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s.trim();
        // Modifiers are prefixes; a lone "-" is the minus key itself.
        loop {
            let lower = rest.to_ascii_lowercase();
            let strip = ["ctrl-", "c-", "control-"]
                .iter()
                .find(|p| lower.starts_with(**p) && rest.len() > p.len());
            if let Some(p) = strip {
                ctrl = true;
                rest = &rest[p.len()..];
                continue;
            }
            let strip = ["alt-", "m-", "meta-"]
                .iter()
                .find(|p| lower.starts_with(**p) && rest.len() > p.len());
            if let Some(p) = strip {
                alt = true;
                rest = &rest[p.len()..];
                continue;
            }
            break;
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyName::Enter,
            "esc" | "escape" => KeyName::Esc,
            "tab" => KeyName::Tab,
            "backtab" | "shift-tab" => KeyName::BackTab,
            "backspace" | "bs" => KeyName::Backspace,
            "up" => KeyName::Up,
            "down" => KeyName::Down,
            "left" => KeyName::Left,
            "right" => KeyName::Right,
            "pgup" | "pageup" => KeyName::PageUp,
            "pgdown" | "pgdn" | "pagedown" => KeyName::PageDown,
            "home" => KeyName::Home,
            "end" => KeyName::End,
            "delete" | "del" => KeyName::Delete,
            "insert" | "ins" => KeyName::Insert,
            "space" => KeyName::Char(' '),
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyName::F(n),
                    _ => return Err(format!("\"{s}\" is not a key: function keys are f1 to f12")),
                }
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => {
                        KeyName::Char(if ctrl { c.to_ascii_lowercase() } else { c })
                    }
                    _ => return Err(format!("\"{s}\" is not a key: {KEY_SYNTAX}")),
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyName::Char(' ') => f.write_str("Space"),
            KeyName::Char(c) => write!(f, "{c}"),
            KeyName::F(n) => write!(f, "F{n}"),
            KeyName::Enter => f.write_str("Enter"),
            KeyName::Esc => f.write_str("Esc"),
            KeyName::Tab => f.write_str("Tab"),
            KeyName::BackTab => f.write_str("Shift-Tab"),
            KeyName::Backspace => f.write_str("Backspace"),
            KeyName::Up => f.write_str("↑"),
            KeyName::Down => f.write_str("↓"),
            KeyName::Left => f.write_str("←"),
            KeyName::Right => f.write_str("→"),
            KeyName::PageUp => f.write_str("PgUp"),
            KeyName::PageDown => f.write_str("PgDn"),
            KeyName::Home => f.write_str("Home"),
            KeyName::End => f.write_str("End"),
            KeyName::Delete => f.write_str("Del"),
            KeyName::Insert => f.write_str("Ins"),
        }
    }
}

/// One layer of `[keys.<context>]` as written in a file: key string →
/// command name (or `"none"`).
pub type KeysConfig = BTreeMap<Context, BTreeMap<String, String>>;

/// A layer of key settings and where it came from, for error messages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyLayer {
    /// A file path, or a description such as "built-in defaults".
    pub origin: String,
    pub keys: KeysConfig,
}

/// Unbinds a key in a layer.
pub const UNBOUND: &str = "none";

/// The default bindings: (context, key, command), grouped as help lists them.
pub const DEFAULTS: &[(Context, &str, Command)] = {
    use Command::*;
    use Context::{
        Customer as C, Explain as X, Form as F, Global as G, Help as H, Insights as I,
        Palette as P, Reveal as V, Review as R, Search as S, Supervisor as D,
    };
    &[
        (G, "ctrl-c", Quit),
        (G, "q", Quit),
        (G, "f1", Help),
        (G, "?", Help),
        (G, "/", Search),
        (G, "esc", Back),
        (G, ":", Palette),
        (S, "enter", Open),
        (S, "down", Next),
        (S, "ctrl-n", Next),
        (S, "up", Previous),
        (S, "ctrl-p", Previous),
        (S, "pgdown", PageDown),
        (S, "pgup", PageUp),
        (S, "ctrl-u", ClearQuery),
        (S, "ctrl-r", Refresh),
        (S, "ctrl-k", Palette),
        (C, "down", Next),
        (C, "j", Next),
        (C, "ctrl-n", Next),
        (C, "up", Previous),
        (C, "k", Previous),
        (C, "ctrl-p", Previous),
        (C, "pgdown", PageDown),
        (C, "space", PageDown),
        (C, "pgup", PageUp),
        (C, "home", First),
        (C, "g", First),
        (C, "end", Last),
        (C, "G", Last),
        (C, "tab", NextTab),
        (C, "right", NextTab),
        (C, "backtab", PreviousTab),
        (C, "left", PreviousTab),
        (C, "1", TabOverview),
        (C, "2", TabHistory),
        (C, "3", TabComplaints),
        (C, "4", TabOffers),
        (C, "5", TabPreferences),
        (C, "f", ChannelFilter),
        (C, "ctrl-r", Refresh),
        (C, "i", RecordInteraction),
        (C, "c", NewComplaint),
        (C, "u", UpdateComplaint),
        (C, "r", RecoveryAction),
        (C, "e", EditPreferences),
        (C, "v", RevealContact),
        (C, "x", Explain),
        (C, "a", AcceptSuggestion),
        (C, "d", DeclineSuggestion),
        (C, "n", SuggestionNotNow),
        (C, "enter", Open),
        (G, "f6", Insights),
        (G, "I", Insights),
        (G, "!", ReviewChanges),
        (G, "f4", ReviewChanges),
        (G, "ctrl-t", RetryNow),
        (F, "ctrl-s", Save),
        (F, "f2", Save),
        (F, "tab", NextField),
        (F, "backtab", PreviousField),
        (R, "enter", Open),
        (R, "down", Next),
        (R, "j", Next),
        (R, "up", Previous),
        (R, "k", Previous),
        (R, "d", Discard),
        (R, "q", Back),
        (R, "ctrl-t", RetryNow),
        (H, "down", Next),
        (H, "j", Next),
        (H, "up", Previous),
        (H, "k", Previous),
        (H, "pgdown", PageDown),
        (H, "space", PageDown),
        (H, "pgup", PageUp),
        (H, "q", Back),
        (P, "enter", Open),
        (P, "down", Next),
        (P, "ctrl-n", Next),
        (P, "up", Previous),
        (P, "ctrl-p", Previous),
        (P, "pgdown", PageDown),
        (P, "pgup", PageUp),
        (P, "ctrl-u", ClearQuery),
        (V, "enter", Open),
        (V, "down", Next),
        (V, "j", Next),
        (V, "up", Previous),
        (V, "k", Previous),
        (V, "q", Back),
        (X, "tab", NextTab),
        (X, "right", NextTab),
        (X, "backtab", PreviousTab),
        (X, "left", PreviousTab),
        (X, "x", Explain),
        (X, "down", Next),
        (X, "j", Next),
        (X, "up", Previous),
        (X, "k", Previous),
        (X, "q", Back),
        (I, "down", Next),
        (I, "j", Next),
        (I, "up", Previous),
        (I, "k", Previous),
        (I, "pgdown", PageDown),
        (I, "space", PageDown),
        (I, "pgup", PageUp),
        (I, "home", First),
        (I, "g", First),
        (I, "ctrl-r", Refresh),
        // Live queues: the agent's state and call everywhere, the desk.
        // Each F-key has a single key beside it, for terminals (a VT100,
        // some SSH clients) that do not send F5-F8; they act outside text
        // fields, where letters type.
        (G, "f3", AgentState),
        (G, "s", AgentState),
        (G, "f8", EndCall),
        (G, "H", EndCall),
        (G, "f7", WrapUp),
        (G, "W", WrapUp),
        (G, "f5", SupervisorDesk),
        (G, "D", SupervisorDesk),
        (D, "1", DeskQueues),
        (D, "2", DeskAgents),
        (D, "3", DeskApprovals),
        (D, "4", DeskAtRisk),
        (D, "tab", NextTab),
        (D, "backtab", PreviousTab),
        (D, "down", Next),
        (D, "j", Next),
        (D, "up", Previous),
        (D, "k", Previous),
        (D, "pgdown", PageDown),
        (D, "pgup", PageUp),
        (D, "home", First),
        (D, "end", Last),
        (D, "enter", Open),
        (D, "y", Approve),
        (D, "x", Reject),
        (D, "w", WhatIf),
        (D, "+", MoreAgents),
        (D, "=", MoreAgents),
        (D, "-", FewerAgents),
        (D, "d", Definitions),
        (D, "ctrl-r", Refresh),
    ]
};

/// The defaults as a configuration layer (what `config.example.toml` lists).
pub fn default_table() -> KeysConfig {
    let mut t = KeysConfig::new();
    for (ctx, key, cmd) in DEFAULTS {
        t.entry(*ctx)
            .or_default()
            .insert(key.to_string(), cmd.name().to_string());
    }
    t
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeymapError {
    #[error("{origin}: keys.{context}: {message}")]
    BadKey {
        origin: String,
        context: &'static str,
        message: String,
    },
    #[error(
        "{origin}: keys.{context}.\"{key}\": unknown command \"{command}\"; expected one of: {}, or \"none\" to unbind",
        Command::ALL.map(|c| c.name()).join(", ")
    )]
    UnknownCommand {
        origin: String,
        context: &'static str,
        key: String,
        command: String,
    },
    #[error("{0}")]
    Clash(Box<Clash>),
}

/// One key written two ways in one table, for two commands.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error(
    "{origin}: keys.{context}: \"{first_key}\" and \"{second_key}\" are the same key ({key}), bound to both {first} and {second}; keep one of them"
)]
pub struct Clash {
    pub origin: String,
    pub context: &'static str,
    pub key: String,
    pub first_key: String,
    pub first: String,
    pub second_key: String,
    pub second: String,
}

/// A context and its commands with their keys, for help.
pub type HelpGroup = (Context, Vec<(Command, Vec<Key>)>);

/// The resolved bindings.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    /// context → key → command.
    bindings: BTreeMap<Context, BTreeMap<Key, Command>>,
    /// (context, key) in the order first bound, so help lists keys in the
    /// order the defaults and the files give them.
    order: Vec<(Context, Key)>,
}

impl Keymap {
    /// The defaults, then each layer in turn rebinding the keys it names.
    pub fn new(layers: &[KeyLayer]) -> Result<Keymap, KeymapError> {
        let mut map = Keymap {
            bindings: BTreeMap::new(),
            order: Vec::new(),
        };
        for (ctx, key, cmd) in DEFAULTS {
            let key: Key = key.parse().expect("default keys parse");
            map.bind(*ctx, key, Some(*cmd));
        }
        for layer in layers {
            for (ctx, (key, cmd)) in resolve_layer(layer)? {
                map.bind(ctx, key, cmd);
            }
        }
        Ok(map)
    }

    fn bind(&mut self, ctx: Context, key: Key, cmd: Option<Command>) {
        let table = self.bindings.entry(ctx).or_default();
        match cmd {
            Some(cmd) => {
                if table.insert(key, cmd).is_none() {
                    self.order.push((ctx, key));
                }
            }
            None => {
                table.remove(&key);
                self.order.retain(|b| *b != (ctx, key));
            }
        }
    }

    /// The command for `key` in `ctx` only.
    pub fn lookup_in(&self, ctx: Context, key: &Key) -> Option<Command> {
        self.bindings.get(&ctx).and_then(|t| t.get(key)).copied()
    }

    /// The command for `key` in `ctx`, falling back to the global table.
    pub fn lookup(&self, ctx: Context, key: &Key) -> Option<Command> {
        self.lookup_in(ctx, key)
            .or_else(|| self.lookup_in(Context::Global, key))
    }

    /// Keys bound to `cmd` in `ctx` itself, in binding order.
    pub fn keys_in(&self, ctx: Context, cmd: Command) -> Vec<Key> {
        self.order
            .iter()
            .filter(|(c, k)| *c == ctx && self.lookup_in(ctx, k) == Some(cmd))
            .map(|(_, k)| *k)
            .collect()
    }

    /// Keys that give `cmd` in `ctx`: its own, or else the global ones that
    /// the context does not shadow.
    pub fn keys_for(&self, ctx: Context, cmd: Command) -> Vec<Key> {
        let own = self.keys_in(ctx, cmd);
        if !own.is_empty() || ctx == Context::Global {
            return own;
        }
        self.keys_in(Context::Global, cmd)
            .into_iter()
            .filter(|k| self.lookup_in(ctx, k).is_none())
            .collect()
    }

    /// Help, grouped: for each context, each command with its keys.
    pub fn help_groups(&self) -> Vec<HelpGroup> {
        Context::ALL
            .iter()
            .map(|ctx| {
                let rows = Command::ALL
                    .iter()
                    .filter_map(|cmd| {
                        let keys = self.keys_in(*ctx, *cmd);
                        (!keys.is_empty()).then_some((*cmd, keys))
                    })
                    .collect();
                (*ctx, rows)
            })
            .collect()
    }

    /// Hint bar entries for a context: (key label, word), skipping commands
    /// with no key there. On the search screen printable keys type text, so
    /// a key that works there is shown.
    pub fn hints(&self, ctx: Context, cmds: &[Command]) -> Vec<(String, &'static str)> {
        cmds.iter()
            .filter_map(|cmd| Some((self.hint_key(ctx, *cmd)?.to_string(), cmd.hint())))
            .collect()
    }

    /// The key a hint shows for `cmd` in `ctx`: where letters type, the
    /// first that is not a letter; elsewhere the first, except that an
    /// F-key gives way to a single-character key beside it (one every
    /// terminal sends). Help lists them all.
    pub fn hint_key(&self, ctx: Context, cmd: Command) -> Option<Key> {
        let keys = self.keys_for(ctx, cmd);
        if ctx.types_text() {
            return keys.iter().find(|k| k.typed_char().is_none()).copied();
        }
        let first = *keys.first()?;
        if first.is_function_key()
            && cmd != Command::Help
            && let Some(c) = keys.iter().find(|k| k.typed_char().is_some())
        {
            return Some(*c);
        }
        Some(first)
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::new(&[]).expect("the default keymap builds")
    }
}

type Resolved = Vec<(Context, (Key, Option<Command>))>;

/// Parse one layer, checking every key and command name and that no key is
/// given twice (under two spellings) for different commands.
fn resolve_layer(layer: &KeyLayer) -> Result<Resolved, KeymapError> {
    let mut out = Vec::new();
    for (ctx, table) in &layer.keys {
        let mut seen: BTreeMap<Key, (&str, &str)> = BTreeMap::new();
        for (key_str, cmd_str) in table {
            let key: Key = key_str.parse().map_err(|message| KeymapError::BadKey {
                origin: layer.origin.clone(),
                context: ctx.name(),
                message,
            })?;
            let cmd = if cmd_str.trim() == UNBOUND {
                None
            } else {
                Some(
                    Command::parse(cmd_str.trim()).ok_or_else(|| KeymapError::UnknownCommand {
                        origin: layer.origin.clone(),
                        context: ctx.name(),
                        key: key_str.clone(),
                        command: cmd_str.clone(),
                    })?,
                )
            };
            if let Some((first_key, first)) = seen.insert(key, (key_str, cmd_str))
                && first.trim() != cmd_str.trim()
            {
                return Err(KeymapError::Clash(Box::new(Clash {
                    origin: layer.origin.clone(),
                    context: ctx.name(),
                    key: key.to_string(),
                    first_key: first_key.to_string(),
                    first: first.trim().to_string(),
                    second_key: key_str.clone(),
                    second: cmd_str.trim().to_string(),
                })));
            }
            out.push((*ctx, (key, cmd)));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        s.parse().unwrap()
    }

    fn layer(ctx: Context, entries: &[(&str, &str)]) -> KeyLayer {
        let mut keys = KeysConfig::new();
        keys.insert(
            ctx,
            entries
                .iter()
                .map(|(k, c)| (k.to_string(), c.to_string()))
                .collect(),
        );
        KeyLayer {
            origin: "/home/me/.config/rapport/config.toml".into(),
            keys,
        }
    }

    #[test]
    fn parses_and_prints_keys() {
        assert_eq!(
            key("ctrl-n"),
            Key {
                code: KeyName::Char('n'),
                ctrl: true,
                alt: false
            }
        );
        assert_eq!(key("Ctrl-N"), key("ctrl-n"));
        assert_eq!(key("C-r").to_string(), "Ctrl-r");
        assert_eq!(key("F1").to_string(), "F1");
        assert_eq!(key("?").to_string(), "?");
        assert_eq!(key("-").to_string(), "-");
        assert_eq!(key("G").to_string(), "G");
        assert_ne!(key("G"), key("g"));
        assert_eq!(key("space").to_string(), "Space");
        assert_eq!(key("ctrl--").to_string(), "Ctrl--");
        assert!("ctrl-".parse::<Key>().is_err());
        assert!("f13".parse::<Key>().unwrap_err().contains("f1 to f12"));
        assert!("hello".parse::<Key>().unwrap_err().contains("not a key"));
    }

    #[test]
    fn events_map_to_keys() {
        let ev = KeyEvent::new(KeyCode::Char('N'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ev), Some(key("ctrl-n")));
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Some(key("G")));
        let ev = KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE);
        assert_eq!(Key::from_event(&ev), Some(key("f1")));
    }

    #[test]
    fn command_names_round_trip_through_serde() {
        for cmd in Command::ALL {
            assert_eq!(Command::parse(cmd.name()), Some(cmd), "{cmd:?}");
        }
        assert_eq!(Command::parse("refesh"), None);
    }

    #[test]
    fn defaults_build_and_fall_back_to_global() {
        let km = Keymap::default();
        assert_eq!(
            km.lookup(Context::Search, &key("down")),
            Some(Command::Next)
        );
        assert_eq!(
            km.lookup(Context::Customer, &key("/")),
            Some(Command::Search)
        );
        assert_eq!(
            km.lookup(Context::Customer, &key("f1")),
            Some(Command::Help)
        );
        assert_eq!(km.lookup(Context::Help, &key("esc")), Some(Command::Back));
        assert_eq!(km.lookup(Context::Customer, &key("z")), None);
        assert_eq!(
            km.keys_for(Context::Customer, Command::Quit),
            vec![key("ctrl-c"), key("q")]
        );
    }

    #[test]
    fn a_layer_rebinds_only_the_keys_it_names() {
        let l = layer(
            Context::Customer,
            &[("c", "channel_filter"), ("j", "refresh"), ("f", "none")],
        );
        let km = Keymap::new(&[l]).unwrap();
        assert_eq!(
            km.lookup(Context::Customer, &key("c")),
            Some(Command::ChannelFilter)
        );
        assert_eq!(
            km.lookup(Context::Customer, &key("j")),
            Some(Command::Refresh)
        );
        assert_eq!(km.lookup(Context::Customer, &key("f")), None);
        // Untouched defaults stay.
        assert_eq!(
            km.lookup(Context::Customer, &key("k")),
            Some(Command::Previous)
        );
        assert_eq!(
            km.lookup(Context::Customer, &key("down")),
            Some(Command::Next)
        );
        assert_eq!(
            km.keys_in(Context::Customer, Command::Next),
            vec![key("down"), key("ctrl-n")]
        );
    }

    #[test]
    fn later_layers_win() {
        let a = layer(Context::Global, &[("ctrl-x", "quit")]);
        let mut b = layer(Context::Global, &[("C-x", "help")]);
        b.origin = "--config".into();
        let km = Keymap::new(&[a, b]).unwrap();
        assert_eq!(
            km.lookup(Context::Global, &key("ctrl-x")),
            Some(Command::Help)
        );
    }

    #[test]
    fn a_clash_names_both_spellings_and_both_commands() {
        let l = layer(Context::Search, &[("ctrl-n", "next"), ("C-n", "refresh")]);
        let e = Keymap::new(&[l]).unwrap_err().to_string();
        assert_eq!(
            e,
            "/home/me/.config/rapport/config.toml: keys.search: \"C-n\" and \"ctrl-n\" are the same key (Ctrl-n), bound to both refresh and next; keep one of them"
        );
        // The same command twice is not a clash.
        let l = layer(Context::Search, &[("ctrl-n", "next"), ("C-n", "next")]);
        assert!(Keymap::new(&[l]).is_ok());
    }

    #[test]
    fn bad_keys_and_commands_name_the_file_and_setting() {
        let e = Keymap::new(&[layer(Context::Global, &[("hyper-q", "quit")])])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "/home/me/.config/rapport/config.toml: keys.global: \"hyper-q\" is not a key"
            ),
            "{e}"
        );
        let e = Keymap::new(&[layer(Context::Customer, &[("r", "refesh")])])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "keys.customer.\"r\": unknown command \"refesh\"; expected one of: quit, help"
            ),
            "{e}"
        );
    }

    #[test]
    fn help_and_hints_come_from_the_table() {
        let l = layer(Context::Customer, &[("c", "channel_filter"), ("f", "none")]);
        let km = Keymap::new(&[l]).unwrap();
        let groups = km.help_groups();
        let customer = &groups
            .iter()
            .find(|(c, _)| *c == Context::Customer)
            .unwrap()
            .1;
        let filter = customer
            .iter()
            .find(|(c, _)| *c == Command::ChannelFilter)
            .unwrap();
        assert_eq!(filter.1, vec![key("c")]);
        assert_eq!(
            km.hints(Context::Customer, &[Command::ChannelFilter, Command::Quit]),
            vec![("c".to_string(), "channel"), ("Ctrl-c".to_string(), "quit")]
        );
        // On the search screen, keys that would type text are not offered.
        assert_eq!(
            km.hints(Context::Search, &[Command::Help, Command::Quit]),
            vec![("F1".to_string(), "help"), ("Ctrl-c".to_string(), "quit")]
        );
    }

    #[test]
    fn no_default_clashes_in_any_context() {
        // Every default key is bound exactly once per context.
        let mut seen = std::collections::BTreeSet::new();
        for (ctx, k, _) in DEFAULTS {
            assert!(seen.insert((*ctx, key(k))), "{ctx:?} {k} bound twice");
        }
    }
}
