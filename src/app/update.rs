//! `update`: the only place application state changes. It never does I/O;
//! it answers with effects for the runtime to run.

use rapport_api::{Channel, CustomerId};

use super::state::*;
use super::{Action, Effect, WriteKind, analytics, calls, live, supervisor, writes};
use crate::api::ApiError;
use crate::keymap::Command;

/// Rows a page key moves.
pub const PAGE: usize = 10;
/// Results asked of the server per search.
pub const SEARCH_LIMIT: u32 = 20;
/// Fetch the next history page when the selection is this close to the end.
const PREFETCH: usize = 5;
/// Failed probes before the status bar says "offline" instead of
/// "reconnecting".
pub const OFFLINE_AFTER: u32 = 3;

/// The first effects after start-up: find out who we are.
pub fn init(s: &mut AppState) -> Vec<Effect> {
    sign_in(s)
}

pub fn update(s: &mut AppState, action: Action) -> Vec<Effect> {
    let state_before = s.calls.state();
    let notice_before = s.notice.clone();
    let mut fx = apply(s, action);
    // A screen pop deferred while a form was open shows once it closes.
    fx.extend(calls::settle(s));
    let state_now = s.calls.state();
    if state_now != state_before {
        // What was said about the state before ("You are on a call") is
        // stale once it changes; a notice this very change gave stays.
        if s.notice == notice_before {
            s.notice = None;
        }
        // The wrap-up form stops promising availability once another
        // state is chosen.
        if state_now != Some(rapport_api::AgentState::AfterCallWork)
            && let Some(f) = s.form.as_mut()
            && let Some(call) = f.context.call.as_mut()
            && let Some(rest) = call.strip_suffix(calls::SAVING_MAKES_AVAILABLE)
        {
            *call = rest.to_string();
        }
    }
    fx
}

fn apply(s: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Command(cmd) => command(s, cmd),
        Action::Input(c) if s.palette.is_some() && s.help.is_none() => {
            let p = s.palette.as_mut().expect("checked by the guard");
            p.query.push(c);
            p.selected = 0;
            vec![]
        }
        Action::Paste(text) if s.palette.is_some() && s.help.is_none() => {
            let p = s.palette.as_mut().expect("checked by the guard");
            p.query
                .extend(text.chars().filter(|c| !c.is_control()).take(80));
            p.selected = 0;
            vec![]
        }
        Action::Backspace if s.palette.is_some() && s.help.is_none() => {
            let p = s.palette.as_mut().expect("checked by the guard");
            p.query.pop();
            p.selected = 0;
            vec![]
        }
        Action::Input(c) if s.screen == Screen::Supervisor && s.desk.filtering => {
            s.desk.type_filter(Some(c));
            vec![]
        }
        Action::Backspace if s.screen == Screen::Supervisor && s.desk.filtering => {
            s.desk.type_filter(None);
            vec![]
        }
        Action::Input(c) => {
            if s.screen != Screen::Search || s.help.is_some() {
                return vec![];
            }
            take_replace(s);
            s.search.query.push(c);
            query_changed(s)
        }
        Action::Paste(text) if s.form.is_some() && s.help.is_none() => writes::form_paste(s, &text),
        Action::Paste(text) => {
            if s.screen != Screen::Search || s.help.is_some() {
                return vec![];
            }
            take_replace(s);
            // One line of text: line breaks become spaces, controls go.
            let clean: String = text
                .chars()
                .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
                .filter(|c| !c.is_control())
                .collect();
            s.search.query.push_str(&clean);
            query_changed(s)
        }
        Action::Backspace => {
            if s.screen != Screen::Search || s.help.is_some() {
                return vec![];
            }
            if s.search.replace_on_type {
                // The old query is shown selected: backspace removes it all.
                s.search.replace_on_type = false;
                s.search.query.clear();
                return query_changed(s);
            }
            if s.search.query.pop().is_some() {
                query_changed(s)
            } else {
                vec![]
            }
        }
        Action::SearchDue(id) => {
            if id != s.search.latest {
                return vec![];
            }
            run_search(s, id)
        }
        Action::SearchDone(id, result) => {
            if id != s.search.latest {
                return vec![]; // stale: the agent typed more since
            }
            s.search.pending = false;
            match result {
                Ok(r) => {
                    succeeded(s);
                    s.search.selected = 0;
                    s.search.results = Load::Loaded(r);
                    vec![]
                }
                Err(e) => {
                    s.search.results = Load::Failed(e.clone());
                    failed(s, &e)
                }
            }
        }
        Action::ViewDone(id, result) => {
            if s.customer.as_ref().is_none_or(|c| c.request != id) {
                return vec![];
            }
            match result {
                Ok(v) => {
                    succeeded(s);
                    s.now = v.server_time.max(s.now);
                    let restore = s
                        .restore
                        .take_if(|d| Some(d.customer_id) == s.customer.as_ref().map(|c| c.id));
                    let c = s.customer.as_mut().expect("checked above");
                    if c.history.channel.is_none() {
                        c.history.items = v.interactions.clone();
                        c.history.cursor = v.interactions_cursor.clone();
                        c.history.loading = None;
                        c.history.error = None;
                    }
                    c.history.selected = c
                        .history
                        .selected
                        .min(c.history.items.len().saturating_sub(1));
                    c.complaint_selected = c
                        .complaint_selected
                        .min(v.open_complaints.len().saturating_sub(1));
                    c.view = Load::Loaded(*v);
                    match restore {
                        Some(d) => writes::form_from_draft(s, d),
                        None => calls::view_loaded(s),
                    }
                }
                Err(e) => {
                    let c = s.customer.as_mut().expect("checked above");
                    // A failed refresh keeps what is on screen; the status
                    // bar says what went wrong.
                    if !c.view.is_loaded() {
                        c.view = Load::Failed(e.clone());
                    }
                    failed(s, &e)
                }
            }
        }
        Action::HistoryDone(id, result) => {
            if s.customer
                .as_ref()
                .is_none_or(|c| c.history.loading != Some(id))
            {
                return vec![];
            }
            match result {
                Ok(page) => {
                    succeeded(s);
                    let h = &mut s.customer.as_mut().expect("checked above").history;
                    h.loading = None;
                    h.error = None;
                    h.items.extend(page.items);
                    h.cursor = page.next_cursor;
                    vec![]
                }
                Err(e) => {
                    let h = &mut s.customer.as_mut().expect("checked above").history;
                    h.loading = None;
                    h.error = Some(e.clone());
                    failed(s, &e)
                }
            }
        }
        Action::SignedIn(id, result) => {
            if id != s.sign_in {
                return vec![];
            }
            match result {
                Ok(me) => {
                    succeeded(s);
                    s.me = Load::Loaded(me);
                    let mut fx = calls::signed_in(s);
                    if !s.taxonomy.is_loaded() {
                        fx.extend(writes::load_taxonomy(s));
                    }
                    fx
                }
                Err(e) => {
                    s.me = Load::Failed(e.clone());
                    failed(s, &e)
                }
            }
        }
        Action::ProbeDone(id, result) => {
            if s.probe != Some(id) {
                return vec![];
            }
            s.probe = None;
            match result {
                Ok(_) => {
                    succeeded(s);
                    resume(s)
                }
                Err(e) => {
                    s.probe_failures += 1;
                    s.connection = if s.probe_failures >= OFFLINE_AFTER {
                        Connection::Offline
                    } else {
                        Connection::Reconnecting
                    };
                    s.last_error = Some(e.to_string());
                    vec![schedule_probe(s)]
                }
            }
        }
        Action::Tick(now) => {
            s.now = now;
            if s.notice
                .as_ref()
                .is_some_and(|(_, at)| (now - *at).num_seconds() >= writes::NOTICE_SECS)
            {
                s.notice = None;
            }
            vec![]
        }
        Action::Resize(w, h) => {
            s.size = (w, h);
            vec![]
        }
        Action::FormKey(ev) => {
            if s.help.is_some() {
                return vec![];
            }
            writes::form_key(s, &ev)
        }
        Action::TaxonomyDone(id, result) => {
            if id != s.taxonomy_request {
                return vec![];
            }
            match result {
                Ok(t) => {
                    succeeded(s);
                    s.taxonomy = Load::Loaded(t);
                    vec![]
                }
                Err(e) => {
                    if !s.taxonomy.is_loaded() {
                        s.taxonomy = Load::Failed(e.clone());
                    }
                    failed(s, &e)
                }
            }
        }
        Action::Recovered {
            queued,
            failed,
            drafts,
            files,
        } => writes::recovered(s, queued, failed, drafts, files),
        Action::FileTrouble(t) => writes::file_trouble(s, *t),
        Action::FileOk { path, draft } => writes::file_ok(s, path, draft),
        Action::Queued { tag, entry, .. } => {
            let wrap_up = calls::is_wrap_form(s, tag);
            let bound = calls::is_bound_form(s, tag);
            let mut fx = writes::queued(s, tag, *entry);
            if wrap_up || bound {
                fx.extend(calls::wrapped(s, bound));
            }
            fx
        }
        Action::QueueFailed { tag, reason } => writes::queue_failed(s, tag, reason),
        Action::WriteAcked {
            seq,
            kind,
            customer_id,
            reply,
            ..
        } => {
            let was_down = s.connection != Connection::Connected;
            succeeded(s);
            let mut fx = writes::acked(s, seq, &kind, customer_id, &reply);
            if let WriteKind::Decision { action_id, .. } = kind {
                fx.extend(supervisor::decision_done(s, action_id, false));
            }
            if was_down {
                fx.extend(resume(s));
            }
            fx
        }
        Action::WriteRetrying {
            retry_in_ms,
            reason,
            unreachable,
            ..
        } => {
            let mut fx = writes::retrying(s, retry_in_ms, reason.clone());
            if unreachable {
                // The server is gone: say so and start probing for it.
                fx.extend(failed(
                    s,
                    &ApiError::Unreachable {
                        url: s.server_url.clone(),
                        reason,
                    },
                ));
                s.last_error = None; // the queue segment says it already
            }
            fx
        }
        Action::WriteRefused { failed, .. } => {
            let decision = match failed.entry.request.kind {
                WriteKind::Decision { action_id, .. } => Some(action_id),
                _ => None,
            };
            let mut fx = writes::refused(s, *failed);
            if let Some(id) = decision {
                fx.extend(supervisor::decision_done(s, id, true));
            }
            fx
        }
        Action::EventsUp => live::up(s),
        Action::EventsDown {
            reason,
            retry_in_ms,
        } => live::down(s, reason, retry_in_ms),
        Action::ServerEvent(e) => live::event(s, *e),
        Action::RevealDone(id, result) => match super::reveal::done(s, id, result) {
            Ok(()) => {
                succeeded(s);
                vec![]
            }
            Err(e) => failed(s, &e),
        },
        Action::InsightsDone(id, result) => match analytics::insights_done(s, id, result) {
            Ok(fx) => {
                succeeded(s);
                fx
            }
            Err(e) => failed(s, &e),
        },
        Action::Queues(a) => calls::action(s, *a),
    }
}

/// Reload the open customer's view (keeping what is on screen meanwhile).
pub fn reload_view(s: &mut AppState) -> Vec<Effect> {
    load_view(s)
}

/// A reply arrived: the link is up.
fn succeeded(s: &mut AppState) {
    if s.connection != Connection::Connected {
        s.connection = Connection::Connected;
        s.probe_failures = 0;
        s.probe = None;
    }
    s.last_error = None;
}

/// A request failed: say so; if the link is down, start probing it.
fn failed(s: &mut AppState, e: &ApiError) -> Vec<Effect> {
    s.last_error = Some(e.to_string());
    if !e.is_connection() {
        return vec![];
    }
    if s.connection != Connection::Offline {
        s.connection = Connection::Reconnecting;
    }
    if s.probe.is_some() {
        return vec![];
    }
    vec![schedule_probe(s)]
}

/// Wait before probing: 1, 2, 4, 8, then every 15 seconds.
pub fn backoff_ms(failures: u32) -> u64 {
    (1000u64 << failures.min(4)).min(15_000)
}

fn schedule_probe(s: &mut AppState) -> Effect {
    let id = s.fresh_id();
    s.probe = Some(id);
    Effect::Probe {
        id,
        after_ms: backoff_ms(s.probe_failures),
    }
}

/// The link is back: redo whatever failed for want of it.
fn resume(s: &mut AppState) -> Vec<Effect> {
    let mut fx = Vec::new();
    if !s.me.is_loaded() {
        fx.extend(sign_in(s));
    } else if !s.taxonomy.is_loaded() {
        fx.extend(writes::load_taxonomy(s));
    }
    // Queued writes and the event stream need not wait out their backoff.
    if !s.outbox.queued.is_empty() || !s.live.up {
        fx.push(Effect::RetryNow);
    }
    let search_down = s
        .search
        .results
        .failed()
        .is_some_and(ApiError::is_connection);
    if search_down && !s.search.query.trim().is_empty() {
        let id = s.fresh_id();
        s.search.latest = id;
        fx.extend(run_search(s, id));
    }
    let (view_down, history_down) = match &s.customer {
        Some(c) => (
            c.view.failed().is_some_and(ApiError::is_connection),
            c.history
                .error
                .as_ref()
                .is_some_and(ApiError::is_connection),
        ),
        None => (false, false),
    };
    if view_down {
        fx.extend(load_view(s));
    }
    if history_down {
        let cursor = s.customer.as_ref().and_then(|c| c.history.cursor.clone());
        fx.extend(load_history(s, cursor));
    }
    fx
}

fn sign_in(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    s.sign_in = id;
    if !s.me.is_loaded() {
        s.me = Load::Loading;
    }
    vec![Effect::SignIn { id }]
}

fn take_replace(s: &mut AppState) {
    if s.search.replace_on_type {
        s.search.replace_on_type = false;
        s.search.query.clear();
    }
}

fn query_changed(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    s.search.latest = id;
    s.search.replace_on_type = false;
    if s.search.query.trim().is_empty() {
        s.search.results = Load::Idle;
        s.search.pending = false;
        s.search.selected = 0;
        return vec![];
    }
    s.search.pending = true;
    if !s.search.results.is_loaded() {
        s.search.results = Load::Loading;
    }
    vec![Effect::Debounce {
        id,
        ms: s.debounce_ms,
    }]
}

fn run_search(s: &mut AppState, id: RequestId) -> Vec<Effect> {
    let query = s.search.query.trim().to_string();
    if query.is_empty() {
        return vec![];
    }
    s.search.pending = true;
    if !s.search.results.is_loaded() {
        s.search.results = Load::Loading;
    }
    vec![Effect::Search {
        id,
        query,
        limit: SEARCH_LIMIT,
    }]
}

fn load_view(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    let Some(c) = s.customer.as_mut() else {
        return vec![];
    };
    c.request = id;
    if !c.view.is_loaded() {
        c.view = Load::Loading;
    }
    vec![Effect::LoadView { id, customer: c.id }]
}

/// Ask for a page of history: from the start (None) after the filter
/// changed, or the older page after `cursor`.
fn load_history(s: &mut AppState, cursor: Option<String>) -> Vec<Effect> {
    let id = s.fresh_id();
    let Some(c) = s.customer.as_mut() else {
        return vec![];
    };
    if cursor.is_none() {
        c.history.items.clear();
        c.history.selected = 0;
    }
    c.history.cursor = cursor.clone();
    c.history.error = None;
    c.history.loading = Some(id);
    vec![Effect::LoadHistory {
        id,
        customer: c.id,
        cursor,
        channel: c.history.channel,
    }]
}

/// Why quitting now needs a second word: a call in progress or in wrap-up,
/// a form with typing in it, changes not yet sent. None: quit at once.
pub fn quit_question(s: &AppState) -> Option<String> {
    use rapport_api::AgentState::*;
    let key = "press it again to quit, any other key stays";
    match s.calls.state() {
        Some(OnCall) => return Some(format!("You are on a call — {key}.")),
        Some(AfterCallWork) => return Some(format!("You are in wrap-up — {key}.")),
        _ => {}
    }
    if s.form.as_ref().is_some_and(|f| f.is_dirty()) {
        return Some(format!("The open form is not saved — {key}."));
    }
    let n = s.outbox.queued.len();
    if n > 0 {
        let noun = if n == 1 { "change is" } else { "changes are" };
        return Some(format!(
            "{n} {noun} not sent yet (they go at the next start) — {key}."
        ));
    }
    None
}

fn command(s: &mut AppState, cmd: Command) -> Vec<Effect> {
    // Quitting asks first when something would be lost or left; asked
    // twice in a row, it quits.
    let asked = s.confirm_quit.take();
    if cmd == Command::Quit {
        if asked.is_none()
            && let Some(q) = quit_question(s)
        {
            writes::notice(s, q.clone());
            s.confirm_quit = Some(q);
            return vec![];
        }
    } else if asked.is_some() {
        s.notice = None;
    }
    if s.help.is_none()
        && let Some(p) = s.palette.as_mut()
    {
        // The palette is modal: it filters, moves, runs the chosen command
        // over the screen it was opened on, or closes.
        match cmd {
            Command::Quit => {}
            Command::Help => s.palette = None,
            Command::Back | Command::Palette => {
                s.palette = None;
                return vec![];
            }
            Command::ClearQuery => {
                p.query.clear();
                p.selected = 0;
                return vec![];
            }
            Command::Open => {
                let chosen = p.chosen();
                s.palette = None;
                return chosen.map(|c| command(s, c)).unwrap_or_default();
            }
            Command::Next
            | Command::Previous
            | Command::PageDown
            | Command::PageUp
            | Command::First
            | Command::Last => {
                p.selected = step(p.selected, p.rows().len(), cmd);
                return vec![];
            }
            _ => return vec![],
        }
    }
    // The live queues' keys work over forms too (a call ends while its
    // notes are typed); Esc closes their prompts first.
    if s.help.is_none() {
        if cmd == Command::Back && calls::back(s) {
            return vec![];
        }
        if let Some(fx) = calls::command(s, cmd) {
            return fx;
        }
        if cmd == Command::SupervisorDesk
            && let Some(fx) = supervisor::command(s, cmd)
        {
            return fx;
        }
    }
    if s.help.is_none()
        && s.form.is_none()
        && s.review.is_none()
        && s.context() == crate::keymap::Context::Reveal
        && cmd != Command::Quit
        && cmd != Command::Help
    {
        return super::reveal::command(s, cmd);
    }
    if s.help.is_none() && cmd != Command::Quit && cmd != Command::Help {
        if s.form.is_some() {
            return match cmd {
                Command::RetryNow => vec![Effect::RetryNow],
                _ => writes::form_command(s, cmd),
            };
        }
        if s.review.is_some() {
            return match cmd {
                Command::RetryNow => vec![Effect::RetryNow],
                _ => writes::review_command(s, cmd),
            };
        }
        if s.explain.is_some() {
            return analytics::explain_command(s, cmd);
        }
        if s.screen == Screen::Insights
            && let Some(fx) = analytics::insights_command(s, cmd)
        {
            return fx;
        }
    }
    if let Some(scroll) = s.help {
        // Help is modal: it scrolls, closes, or the app quits.
        match cmd {
            Command::Quit => {}
            Command::Help | Command::Back => {
                s.help = None;
                return vec![];
            }
            Command::Next => s.help = Some(scroll.saturating_add(1)),
            Command::Previous => s.help = Some(scroll.saturating_sub(1)),
            Command::PageDown => s.help = Some(scroll.saturating_add(PAGE as u16)),
            Command::PageUp => s.help = Some(scroll.saturating_sub(PAGE as u16)),
            Command::First => s.help = Some(0),
            _ => {}
        }
        if cmd != Command::Quit {
            return vec![];
        }
    }
    if s.screen == Screen::Customer
        && let Some(c) = s.customer.as_mut()
        && let Some(scroll) = c.note
    {
        // An interaction open in full: it scrolls or closes; any other
        // command closes it and goes on.
        let page = PAGE as u16;
        match cmd {
            Command::Back | Command::Open => {
                c.note = None;
                return vec![];
            }
            Command::Next => c.note = Some(scroll.saturating_add(1)),
            Command::Previous => c.note = Some(scroll.saturating_sub(1)),
            Command::PageDown => c.note = Some(scroll.saturating_add(page)),
            Command::PageUp => c.note = Some(scroll.saturating_sub(page)),
            Command::First => c.note = Some(0),
            Command::Help | Command::Quit => {}
            _ => c.note = None,
        }
        if c.note.is_some() && cmd != Command::Help && cmd != Command::Quit {
            return vec![];
        }
    }
    if let Some(fx) = supervisor::command(s, cmd) {
        return fx;
    }
    match cmd {
        Command::Quit => {
            s.quit = true;
            vec![Effect::Quit]
        }
        Command::Help => {
            s.help = Some(0);
            vec![]
        }
        Command::Search => {
            let was = s.screen;
            to_search(s);
            if was == Screen::Customer {
                vec![Effect::Presence(None)]
            } else {
                vec![]
            }
        }
        Command::RecordInteraction
        | Command::NewComplaint
        | Command::UpdateComplaint
        | Command::RecoveryAction
        | Command::EditPreferences => writes::open_form(s, cmd),
        Command::ReviewChanges => {
            if s.review_items().is_empty() {
                writes::notice(s, "No refused changes or drafts are waiting.");
            } else {
                s.review = Some(ReviewState::default());
            }
            vec![]
        }
        Command::RetryNow => vec![Effect::RetryNow],
        Command::RevealContact => super::reveal::open(s),
        Command::Palette => {
            let supervisor = supervisor::is_supervisor(s);
            s.palette = Some(super::palette::PaletteState::new(s.context(), supervisor));
            vec![]
        }
        Command::Explain => analytics::open_explain(s),
        Command::AcceptSuggestion | Command::DeclineSuggestion | Command::SuggestionNotNow => {
            analytics::answer(s, cmd)
        }
        Command::Insights => analytics::toggle_insights(s),
        Command::Save | Command::NextField | Command::PreviousField | Command::Discard => vec![],
        // Taken by the live queues above.
        Command::AgentState
        | Command::EndCall
        | Command::WrapUp
        | Command::SupervisorDesk
        | Command::DeskQueues
        | Command::DeskAgents
        | Command::DeskApprovals
        | Command::DeskAtRisk
        | Command::Approve
        | Command::Reject
        | Command::WhatIf
        | Command::MoreAgents
        | Command::FewerAgents
        | Command::Definitions => vec![],
        Command::ClearQuery => {
            s.search.query.clear();
            query_changed(s)
        }
        Command::Back => match s.screen {
            Screen::Insights => analytics::toggle_insights(s),
            Screen::Customer => {
                to_search(s);
                vec![Effect::Presence(None)]
            }
            Screen::Search => {
                if !s.search.query.is_empty() {
                    s.search.query.clear();
                    query_changed(s)
                } else if let Some(c) = &s.customer {
                    // Came here from a customer with `/`: go back to them.
                    let id = c.id;
                    s.screen = Screen::Customer;
                    vec![Effect::Presence(Some(id))]
                } else {
                    vec![]
                }
            }
            // The desk handles its own keys.
            Screen::Supervisor => vec![],
        },
        Command::Open => open_selected(s),
        Command::Refresh => match s.screen {
            Screen::Insights => analytics::load_insights(s),
            Screen::Customer => {
                let mut fx = load_view(s);
                if s.customer
                    .as_ref()
                    .is_some_and(|c| c.history.channel.is_some())
                {
                    fx.extend(load_history(s, None));
                }
                fx
            }
            Screen::Search => {
                let id = s.fresh_id();
                s.search.latest = id;
                run_search(s, id)
            }
            Screen::Supervisor => vec![],
        },
        Command::Next
        | Command::Previous
        | Command::PageDown
        | Command::PageUp
        | Command::First
        | Command::Last => move_selection(s, cmd),
        Command::NextTab
        | Command::PreviousTab
        | Command::TabOverview
        | Command::TabHistory
        | Command::TabComplaints
        | Command::TabOffers
        | Command::TabPreferences => {
            let wide = s.wide();
            if s.screen != Screen::Customer {
                return vec![];
            }
            if let Some(c) = s.customer.as_mut() {
                if wide {
                    // Side by side every panel shows; the keys move focus
                    // between the two lists.
                    c.focus = match (cmd, c.focus) {
                        (Command::TabHistory, _) => Focus::History,
                        (Command::TabComplaints, _) => Focus::Complaints,
                        (Command::TabOffers, _) => Focus::Suggestions,
                        (Command::NextTab, Focus::History) => Focus::Complaints,
                        (Command::NextTab, Focus::Complaints) => Focus::Suggestions,
                        (Command::NextTab, Focus::Suggestions) => Focus::History,
                        (Command::PreviousTab, Focus::History) => Focus::Suggestions,
                        (Command::PreviousTab, Focus::Complaints) => Focus::History,
                        (Command::PreviousTab, Focus::Suggestions) => Focus::Complaints,
                        (_, f) => f,
                    };
                } else {
                    c.tab = match cmd {
                        Command::NextTab => c.tab.next(),
                        Command::PreviousTab => c.tab.previous(),
                        Command::TabOverview => Tab::Overview,
                        Command::TabHistory => Tab::History,
                        Command::TabComplaints => Tab::Complaints,
                        Command::TabOffers => Tab::Offers,
                        _ => Tab::Preferences,
                    };
                }
            }
            vec![]
        }
        Command::ChannelFilter => {
            let wide = s.wide();
            let Some(c) = s.customer.as_mut().filter(|_| s.screen == Screen::Customer) else {
                return vec![];
            };
            // Show the list being filtered.
            if wide {
                c.focus = Focus::History;
            } else {
                c.tab = Tab::History;
            }
            c.history.channel = next_channel(c.history.channel);
            c.history.selected = 0;
            if c.history.channel.is_none() {
                // Back to every channel: the view already holds that page.
                if let Some(v) = c.view.loaded() {
                    c.history.items = v.interactions.clone();
                    c.history.cursor = v.interactions_cursor.clone();
                    c.history.loading = None;
                    c.history.error = None;
                    return vec![];
                }
            }
            load_history(s, None)
        }
    }
}

/// Enter the search screen; an old query stays, selected, so typing
/// replaces it and Enter or the arrows still work on the old results.
fn to_search(s: &mut AppState) {
    if s.screen != Screen::Search {
        s.screen = Screen::Search;
        s.search.replace_on_type = !s.search.query.is_empty();
    }
}

/// None (all channels) → call → email → … → web → None.
pub fn next_channel(c: Option<Channel>) -> Option<Channel> {
    match c {
        None => Some(Channel::ALL[0]),
        Some(ch) => {
            let i = Channel::ALL.iter().position(|x| *x == ch).unwrap_or(0);
            Channel::ALL.get(i + 1).copied()
        }
    }
}

fn open_selected(s: &mut AppState) -> Vec<Effect> {
    if s.history_targeted() {
        // Enter on a History row: the interaction in full.
        if let Some(c) = s.customer.as_mut()
            && !c.history.items.is_empty()
        {
            c.note = Some(0);
        }
        return vec![];
    }
    if s.screen != Screen::Search {
        return vec![];
    }
    let Some(hit) = s
        .search
        .results
        .loaded()
        .and_then(|r| r.hits.get(s.search.selected))
    else {
        return vec![];
    };
    let (customer, name) = (hit.id, hit.display_name.clone());
    open_customer(s, customer, name)
}

/// Show `customer` (named `name` until the view loads) on the customer
/// screen and fetch their view.
pub fn open_customer(s: &mut AppState, customer: CustomerId, name: String) -> Vec<Effect> {
    calls::customer_opened(s, customer, &name);
    s.screen = Screen::Customer;
    s.search.replace_on_type = false;
    // Reopening the customer on screen keeps tab and scroll, and refreshes.
    if s.customer.as_ref().is_none_or(|c| c.id != customer) {
        s.customer = Some(CustomerState::new(customer, name, 0));
    }
    let mut fx = load_view(s);
    fx.push(Effect::Presence(Some(customer)));
    fx
}

/// Move `pos` in a list of `len` rows for a movement command.
pub(crate) fn step(pos: usize, len: usize, cmd: Command) -> usize {
    if len == 0 {
        return 0;
    }
    let last = len - 1;
    match cmd {
        Command::Next => (pos + 1).min(last),
        Command::Previous => pos.saturating_sub(1),
        Command::PageDown => (pos + PAGE).min(last),
        Command::PageUp => pos.saturating_sub(PAGE),
        Command::First => 0,
        Command::Last => last,
        _ => pos,
    }
}

fn move_selection(s: &mut AppState, cmd: Command) -> Vec<Effect> {
    let wide = s.wide();
    match s.screen {
        Screen::Insights => vec![],
        Screen::Search => {
            let len = s.search.results.loaded().map_or(0, |r| r.hits.len());
            s.search.selected = step(s.search.selected, len, cmd);
            vec![]
        }
        Screen::Customer => {
            let Some(c) = s.customer.as_mut() else {
                return vec![];
            };
            let target = if wide {
                Some(c.focus)
            } else {
                match c.tab {
                    Tab::History => Some(Focus::History),
                    Tab::Complaints => Some(Focus::Complaints),
                    Tab::Offers => Some(Focus::Suggestions),
                    _ => None,
                }
            };
            match target {
                Some(Focus::Suggestions) => {
                    let len = analytics::suggestions(c).len();
                    c.suggestion_selected = step(c.suggestion_selected, len, cmd);
                    vec![]
                }
                Some(Focus::Complaints) => {
                    let len = c.view.loaded().map_or(0, |v| v.open_complaints.len());
                    c.complaint_selected = step(c.complaint_selected, len, cmd);
                    vec![]
                }
                Some(Focus::History) => {
                    let h = &mut c.history;
                    h.selected = step(h.selected, h.items.len(), cmd);
                    // Near the end with more to fetch: ask for the next page.
                    if h.loading.is_none()
                        && h.error.is_none()
                        && h.selected + PREFETCH >= h.items.len()
                        && let Some(cursor) = h.cursor.clone()
                    {
                        return load_history(s, Some(cursor));
                    }
                    vec![]
                }
                None => vec![],
            }
        }
        Screen::Supervisor => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use rapport_api::InteractionPage;

    fn state() -> AppState {
        AppState::new("http://127.0.0.1:1".into(), false, fixtures::now())
    }

    fn cmd(s: &mut AppState, c: Command) -> Vec<Effect> {
        update(s, Action::Command(c))
    }

    /// What was said about the agent's state goes when the state changes:
    /// "You are on a call" once in wrap-up; the wrap-up form's "Saving
    /// makes you available" once a break is chosen.
    #[test]
    fn words_about_the_state_before_go_when_it_changes() {
        use super::calls::QueuesAction;
        use rapport_api::AgentState;
        let load = |s: &mut AppState, st: rapport_api::AgentStatus| {
            let id = s.fresh_id();
            s.calls.request = id;
            update(
                s,
                Action::Queues(Box::new(QueuesAction::StateLoaded(id, Ok(st)))),
            );
        };
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        s.calls.queues = fixtures::desk().queues;
        load(
            &mut s,
            fixtures::status(AgentState::OnCall, 30, Some(fixtures::call(true))),
        );
        cmd(&mut s, Command::AgentState);
        assert!(s.notice.as_ref().unwrap().0.contains("You are on a call"));
        let fx = cmd(&mut s, Command::EndCall);
        let [Effect::Queues(super::calls::QueuesEffect::EndCall { id, .. })] = &fx[..] else {
            panic!("{fx:?}")
        };
        let mut ended = fixtures::call(true);
        ended.status = rapport_api::CallStatus::WrapUp;
        ended.ended_at = Some(fixtures::now());
        update(
            &mut s,
            Action::Queues(Box::new(QueuesAction::CallEnded(*id, Ok(ended)))),
        );
        assert_eq!(s.calls.state(), Some(AgentState::AfterCallWork));
        assert!(
            !s.notice
                .as_ref()
                .is_some_and(|n| n.0.contains("You are on a call")),
            "{:?}",
            s.notice
        );
        let said = |s: &AppState| s.form.as_ref().unwrap().context.call.clone().unwrap();
        assert!(
            said(&s).contains("Saving makes you available"),
            "{}",
            said(&s)
        );
        load(&mut s, fixtures::status(AgentState::Break, 0, None));
        assert_eq!(s.calls.state(), Some(AgentState::Break));
        assert!(
            !said(&s).contains("Saving makes you available"),
            "{}",
            said(&s)
        );
        assert!(said(&s).contains("Wrap-up of the call"), "the facts stay");
    }

    /// Time in a state counts from the first second, not "0s" for a minute.
    #[test]
    fn time_in_a_state_counts_from_the_first_second() {
        use rapport_api::AgentState;
        let s = fixtures::state_agent_in(AgentState::Available, 7, None);
        assert!(
            crate::ui::calls::state_words(&s)
                .unwrap()
                .ends_with("available 7s"),
            "{}",
            crate::ui::calls::state_words(&s).unwrap()
        );
        assert_eq!(super::calls::next_change(&s), Some(1));
        let s = fixtures::state_agent_in(AgentState::Available, 125, None);
        assert!(
            crate::ui::calls::state_words(&s)
                .unwrap()
                .ends_with("available 2m")
        );
    }

    fn type_str(s: &mut AppState, text: &str) -> Vec<Effect> {
        let mut fx = vec![];
        for c in text.chars() {
            fx = update(s, Action::Input(c));
        }
        fx
    }

    fn down() -> ApiError {
        ApiError::Unreachable {
            url: "http://127.0.0.1:1".into(),
            reason: "connection refused".into(),
        }
    }

    /// Searched "oka" and got the fixture results.
    fn searched() -> AppState {
        let mut s = state();
        type_str(&mut s, "oka");
        let id = s.search.latest;
        update(
            &mut s,
            Action::SearchDone(id, Ok(fixtures::search_response())),
        );
        s
    }

    /// Opened the first hit and got its view.
    fn opened() -> AppState {
        let mut s = searched();
        let fx = cmd(&mut s, Command::Open);
        let [Effect::LoadView { id, .. }, Effect::Presence(Some(_))] = fx[..] else {
            panic!("{fx:?}")
        };
        update(
            &mut s,
            Action::ViewDone(id, Ok(Box::new(fixtures::customer_view()))),
        );
        s
    }

    #[test]
    fn start_up_signs_in() {
        let mut s = state();
        let fx = init(&mut s);
        let [Effect::SignIn { id }] = fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(s.me, Load::Loading);
        update(&mut s, Action::SignedIn(id, Ok(fixtures::me())));
        assert_eq!(s.me.loaded().unwrap().agent.name, "Mei Lin");
        assert_eq!(s.connection, Connection::Connected);
    }

    #[test]
    fn typing_queues_a_debounced_search_for_the_latest_query_only() {
        let mut s = state();
        let first = type_str(&mut s, "o");
        let Effect::Debounce { id: old, .. } = first[0] else {
            panic!("{first:?}")
        };
        let fx = type_str(&mut s, "ka");
        let [Effect::Debounce { id, ms }] = fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(ms, 120);
        assert_eq!(s.search.results, Load::Loading);
        // The pause after an earlier keystroke ends: nothing is sent.
        assert!(update(&mut s, Action::SearchDue(old)).is_empty());
        assert_eq!(
            update(&mut s, Action::SearchDue(id)),
            vec![Effect::Search {
                id,
                query: "oka".into(),
                limit: SEARCH_LIMIT
            }]
        );
    }

    #[test]
    fn debounce_follows_the_setting() {
        let mut s = state();
        s.debounce_ms = 40;
        assert!(matches!(
            type_str(&mut s, "a")[..],
            [Effect::Debounce { ms: 40, .. }]
        ));
    }

    #[test]
    fn stale_search_replies_are_dropped() {
        let mut s = state();
        type_str(&mut s, "ok");
        let old = s.search.latest;
        type_str(&mut s, "a");
        update(
            &mut s,
            Action::SearchDone(old, Ok(fixtures::search_response())),
        );
        assert_eq!(s.search.results, Load::Loading, "stale reply must not show");
        let new = s.search.latest;
        update(
            &mut s,
            Action::SearchDone(new, Ok(fixtures::search_response())),
        );
        assert_eq!(s.search.results.loaded().unwrap().hits.len(), 3);
        assert!(!s.search.pending);
    }

    #[test]
    fn old_results_stay_while_a_newer_query_runs() {
        let mut s = searched();
        type_str(&mut s, "f");
        assert!(s.search.results.is_loaded());
        assert!(s.search.pending);
    }

    #[test]
    fn clearing_the_query_clears_results() {
        let mut s = searched();
        cmd(&mut s, Command::ClearQuery);
        assert_eq!(s.search.results, Load::Idle);
        assert!(!s.search.pending);
        let mut s = state();
        type_str(&mut s, "ab");
        update(&mut s, Action::Backspace);
        assert!(update(&mut s, Action::Backspace).is_empty());
        assert_eq!(s.search.results, Load::Idle);
    }

    #[test]
    fn paste_is_one_line_without_controls() {
        let mut s = state();
        let fx = update(&mut s, Action::Paste("Jane\nOka\u{1b}for".into()));
        assert_eq!(s.search.query, "Jane Okafor");
        assert_eq!(fx.len(), 1, "one search for the whole paste");
    }

    #[test]
    fn arrows_move_the_selection_within_the_results() {
        let mut s = searched();
        cmd(&mut s, Command::Previous);
        assert_eq!(s.search.selected, 0);
        cmd(&mut s, Command::PageDown);
        assert_eq!(s.search.selected, 2, "clamped to the last hit");
        cmd(&mut s, Command::Previous);
        assert_eq!(s.search.selected, 1);
    }

    #[test]
    fn enter_opens_the_selected_customer_and_fetches_its_view() {
        let mut s = searched();
        cmd(&mut s, Command::Next);
        let fx = cmd(&mut s, Command::Open);
        let want = fixtures::search_response().hits[1].id;
        let [
            Effect::LoadView { id, customer },
            Effect::Presence(Some(open)),
        ] = fx[..]
        else {
            panic!("{fx:?}")
        };
        assert_eq!(customer, want);
        assert_eq!(open, want, "others see who has the customer open");
        assert_eq!(s.screen, Screen::Customer);
        let c = s.customer.as_ref().unwrap();
        assert_eq!((c.request, &c.view), (id, &Load::Loading));
        assert_eq!(c.name, "山田 太郎");
    }

    #[test]
    fn enter_without_results_does_nothing() {
        let mut s = state();
        assert!(cmd(&mut s, Command::Open).is_empty());
        assert_eq!(s.screen, Screen::Search);
    }

    #[test]
    fn view_reply_fills_history_and_a_stale_view_is_dropped() {
        let mut s = opened();
        let c = s.customer.as_ref().unwrap();
        assert_eq!(
            c.history.items.len(),
            fixtures::customer_view().interactions.len()
        );
        assert_eq!(c.history.cursor.as_deref(), Some("c1"));
        let stale = c.request - 1;
        update(&mut s, Action::ViewDone(stale, Err(down())));
        assert!(s.customer.as_ref().unwrap().view.is_loaded());
        assert_eq!(s.last_error, None);
    }

    #[test]
    fn esc_goes_back_and_slash_returns_to_search_keeping_the_query() {
        let mut s = opened();
        assert_eq!(cmd(&mut s, Command::Back), vec![Effect::Presence(None)]);
        assert_eq!(s.screen, Screen::Search);
        assert_eq!(s.search.query, "oka");
        assert!(s.search.replace_on_type);
        // Esc again clears the box; once more returns to the customer.
        cmd(&mut s, Command::Back);
        assert_eq!((s.screen, s.search.query.as_str()), (Screen::Search, ""));
        assert_eq!(
            cmd(&mut s, Command::Back),
            vec![Effect::Presence(Some(12345))]
        );
        assert_eq!(s.screen, Screen::Customer);
        assert_eq!(cmd(&mut s, Command::Search), vec![Effect::Presence(None)]);
        assert_eq!(s.screen, Screen::Search);
    }

    #[test]
    fn after_slash_typing_replaces_the_old_query() {
        let mut s = opened();
        cmd(&mut s, Command::Search);
        assert!(s.search.replace_on_type);
        // The old results are still there to pick from.
        assert!(s.search.results.is_loaded());
        type_str(&mut s, "wa");
        assert_eq!(s.search.query, "wa");
        assert!(!s.search.replace_on_type);

        let mut s = opened();
        cmd(&mut s, Command::Search);
        update(&mut s, Action::Backspace);
        assert_eq!(s.search.query, "");
    }

    #[test]
    fn reopening_the_same_customer_keeps_the_view_while_refreshing() {
        let mut s = opened();
        cmd(&mut s, Command::TabComplaints);
        cmd(&mut s, Command::Back);
        let fx = cmd(&mut s, Command::Open);
        assert!(matches!(
            fx[..],
            [Effect::LoadView { .. }, Effect::Presence(Some(_))]
        ));
        let c = s.customer.as_ref().unwrap();
        assert!(c.view.is_loaded());
        assert_eq!(c.tab, Tab::Complaints);
    }

    #[test]
    fn a_failed_view_says_why_and_refresh_retries() {
        let mut s = searched();
        let fx = cmd(&mut s, Command::Open);
        let [Effect::LoadView { id, .. }, Effect::Presence(Some(_))] = fx[..] else {
            panic!()
        };
        let e = ApiError::Problem(Box::new(rapport_api::Problem {
            type_: "about:blank".into(),
            title: "Not found".into(),
            status: 404,
            detail: Some("No customer with id 12345.".into()),
            instance: None,
            errors: vec![],
            current: None,
        }));
        let fx = update(&mut s, Action::ViewDone(id, Err(e.clone())));
        assert!(fx.is_empty(), "a refusal is not a lost connection");
        assert_eq!(s.customer.as_ref().unwrap().view, Load::Failed(e));
        assert_eq!(s.last_error.as_deref(), Some("No customer with id 12345."));
        assert!(matches!(
            cmd(&mut s, Command::Refresh)[..],
            [Effect::LoadView { .. }]
        ));
    }

    #[test]
    fn channel_filter_cycles_refetches_and_clearing_restores() {
        let mut s = opened();
        let fx = cmd(&mut s, Command::ChannelFilter);
        let [
            Effect::LoadHistory {
                id,
                channel: Some(Channel::Call),
                cursor: None,
                customer: 12345,
            },
        ] = fx[..]
        else {
            panic!("{fx:?}")
        };
        let c = s.customer.as_ref().unwrap();
        assert!(c.history.items.is_empty());
        assert_eq!(c.tab, Tab::History, "the filtered list is shown");
        let page = InteractionPage {
            items: fixtures::customer_view().interactions[..1].to_vec(),
            next_cursor: None,
        };
        update(&mut s, Action::HistoryDone(id, Ok(page)));
        assert_eq!(s.customer.as_ref().unwrap().history.items.len(), 1);
        // The next press asks for email; a late call page is dropped.
        let fx = cmd(&mut s, Command::ChannelFilter);
        assert!(matches!(
            fx[..],
            [Effect::LoadHistory {
                channel: Some(Channel::Email),
                ..
            }]
        ));
        let late = InteractionPage {
            items: fixtures::customer_view().interactions,
            next_cursor: None,
        };
        update(&mut s, Action::HistoryDone(id, Ok(late)));
        assert!(s.customer.as_ref().unwrap().history.items.is_empty());
        // Round the cycle back to every channel: no request needed.
        let mut last = vec![];
        for _ in 1..Channel::ALL.len() {
            last = cmd(&mut s, Command::ChannelFilter);
        }
        assert!(last.is_empty());
        let c = s.customer.as_ref().unwrap();
        assert_eq!(c.history.channel, None);
        assert_eq!(
            c.history.items.len(),
            fixtures::customer_view().interactions.len()
        );
        assert_eq!(c.history.cursor.as_deref(), Some("c1"));
    }

    #[test]
    fn scrolling_to_the_end_appends_the_next_page_once() {
        let mut s = opened();
        cmd(&mut s, Command::TabHistory);
        let fx = cmd(&mut s, Command::Last);
        let [
            Effect::LoadHistory {
                id,
                cursor: Some(ref cur),
                channel: None,
                ..
            },
        ] = fx[..]
        else {
            panic!("{fx:?}")
        };
        assert_eq!(cur, "c1");
        assert!(
            cmd(&mut s, Command::Next).is_empty(),
            "one page in flight at a time"
        );
        let before = s.customer.as_ref().unwrap().history.items.clone();
        let more = InteractionPage {
            items: fixtures::older_interactions(),
            next_cursor: Some("c2".into()),
        };
        update(&mut s, Action::HistoryDone(id, Ok(more)));
        let h = &s.customer.as_ref().unwrap().history;
        assert_eq!(
            h.items.len(),
            before.len() + fixtures::older_interactions().len()
        );
        assert_eq!(
            h.items[..before.len()],
            before[..],
            "appended, not replaced"
        );
        assert_eq!(h.cursor.as_deref(), Some("c2"));
        assert_eq!(h.selected, before.len() - 1, "selection stays put");
    }

    #[test]
    fn movement_keys_act_on_the_list_on_screen() {
        let mut s = opened();
        // Narrow, overview tab: nothing scrolls.
        cmd(&mut s, Command::Next);
        assert_eq!(s.customer.as_ref().unwrap().history.selected, 0);
        cmd(&mut s, Command::TabComplaints);
        cmd(&mut s, Command::Next);
        assert_eq!(s.customer.as_ref().unwrap().complaint_selected, 1);
        // Wide: Tab moves focus between history and complaints.
        update(&mut s, Action::Resize(160, 48));
        assert_eq!(s.customer.as_ref().unwrap().focus, Focus::History);
        cmd(&mut s, Command::Next);
        assert_eq!(s.customer.as_ref().unwrap().history.selected, 1);
        cmd(&mut s, Command::NextTab);
        assert_eq!(s.customer.as_ref().unwrap().focus, Focus::Complaints);
        cmd(&mut s, Command::Previous);
        assert_eq!(s.customer.as_ref().unwrap().complaint_selected, 0);
        assert_eq!(s.customer.as_ref().unwrap().tab, Tab::Complaints);
    }

    #[test]
    fn tabs_cycle_in_the_narrow_layout() {
        let mut s = opened();
        cmd(&mut s, Command::PreviousTab);
        assert_eq!(s.customer.as_ref().unwrap().tab, Tab::Preferences);
        cmd(&mut s, Command::NextTab);
        cmd(&mut s, Command::NextTab);
        assert_eq!(s.customer.as_ref().unwrap().tab, Tab::History);
    }

    #[test]
    fn a_lost_connection_probes_with_backoff_and_resumes() {
        let mut s = state();
        type_str(&mut s, "oka");
        let id = s.search.latest;
        let fx = update(&mut s, Action::SearchDone(id, Err(down())));
        let [
            Effect::Probe {
                id: p1,
                after_ms: 1000,
            },
        ] = fx[..]
        else {
            panic!("{fx:?}")
        };
        assert_eq!(s.connection, Connection::Reconnecting);
        assert_eq!(
            s.last_error.as_deref(),
            Some("Server not reachable at http://127.0.0.1:1: connection refused")
        );
        // Another failure while probing does not start a second probe.
        let si = init(&mut s);
        let [Effect::SignIn { id: sid }] = si[..] else {
            panic!()
        };
        assert!(update(&mut s, Action::SignedIn(sid, Err(down()))).is_empty());
        // Probes fail: the wait grows and the bar says offline.
        let mut probe = p1;
        for (n, wait) in [(1, 2000), (2, 4000), (3, 8000), (4, 15_000)] {
            let fx = update(&mut s, Action::ProbeDone(probe, Err(down())));
            let [Effect::Probe { id, after_ms }] = fx[..] else {
                panic!("{fx:?}")
            };
            assert_eq!(after_ms, wait.min(15_000), "after {n} failures");
            probe = id;
        }
        assert_eq!(s.connection, Connection::Offline);
        // It answers: connected, and what failed is asked again.
        let fx = update(&mut s, Action::ProbeDone(probe, Ok(fixtures::health())));
        assert_eq!(s.connection, Connection::Connected);
        assert_eq!(s.last_error, None);
        assert!(
            fx.iter().any(|e| matches!(e, Effect::SignIn { .. })),
            "{fx:?}"
        );
        assert!(
            fx.iter()
                .any(|e| matches!(e, Effect::Search { query, .. } if query == "oka")),
            "{fx:?}"
        );
    }

    #[test]
    fn help_is_modal_scrolls_and_quit_still_quits() {
        let mut s = searched();
        cmd(&mut s, Command::Help);
        assert_eq!(s.help, Some(0));
        assert!(cmd(&mut s, Command::Open).is_empty());
        assert_eq!(s.screen, Screen::Search);
        update(&mut s, Action::Input('x'));
        assert_eq!(
            s.search.query, "oka",
            "typing does not reach the box under help"
        );
        cmd(&mut s, Command::PageDown);
        cmd(&mut s, Command::Previous);
        assert_eq!(s.help, Some(PAGE as u16 - 1));
        cmd(&mut s, Command::Back);
        assert_eq!(s.help, None);
        cmd(&mut s, Command::Help);
        assert_eq!(cmd(&mut s, Command::Quit), vec![Effect::Quit]);
        assert!(s.quit);
    }

    #[test]
    fn countdown_ticks_only_with_complaints_on_the_customer_screen() {
        let mut s = opened();
        assert!(s.has_countdown());
        cmd(&mut s, Command::Back);
        assert!(!s.has_countdown());
        let later = fixtures::now() + chrono::Duration::minutes(5);
        update(&mut s, Action::Tick(later));
        assert_eq!(s.now, later);
    }

    #[test]
    fn the_clock_wakes_the_screen_only_when_a_shown_value_changes() {
        assert_eq!(
            until_shown_change(3 * 3600 + 10 * 60 + 7),
            7,
            "2h 10m → at :00"
        );
        assert_eq!(until_shown_change(3 * 3600 + 10 * 60), 60);
        assert_eq!(until_shown_change(45), 1, "seconds under a minute");
        assert_eq!(
            until_shown_change(3 * 86_400 + 125),
            125,
            "hours beyond a day"
        );
        assert_eq!(
            until_shown_change(-(3 * 3600 + 5)),
            55,
            "late: the next minute"
        );
        assert_eq!(until_shown_change(0), 1);
        let s = opened();
        let d = s.next_change().unwrap();
        assert!(d.num_seconds() >= 1 && d.num_seconds() <= 60, "{d:?}");
    }

    #[test]
    fn backoff_is_bounded() {
        assert_eq!(backoff_ms(0), 1000);
        assert_eq!(backoff_ms(3), 8000);
        assert_eq!(backoff_ms(40), 15_000);
    }
}
