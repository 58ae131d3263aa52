//! `update`: the only place application state changes.

use rapport_api::Channel;

use super::*;

/// Rows a page key moves.
const PAGE: usize = 10;
/// Results asked of the server per search.
pub const SEARCH_LIMIT: u32 = 20;
/// Fetch the next history page when the selection is this close to the end.
const PREFETCH: usize = 5;

pub fn update(s: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Command(cmd) => command(s, cmd),
        Action::Input(c) => {
            if s.screen != Screen::Search {
                return vec![];
            }
            s.search.query.push(c);
            query_changed(s)
        }
        Action::Backspace => {
            if s.screen == Screen::Search && s.search.query.pop().is_some() {
                query_changed(s)
            } else {
                vec![]
            }
        }
        Action::SearchDue(id) => {
            if id != s.search.latest {
                return vec![];
            }
            let query = s.search.query.trim().to_string();
            if query.is_empty() {
                return vec![];
            }
            vec![Effect::Search { id, query }]
        }
        Action::SearchDone(id, result) => {
            if id != s.search.latest {
                return vec![]; // stale: the agent typed more since
            }
            s.search.loading = false;
            match result {
                Ok(r) => {
                    s.search.error = None;
                    s.search.selected = 0;
                    s.search.results = Some(r);
                }
                Err(e) => s.search.error = Some(e),
            }
            vec![]
        }
        Action::ViewDone(id, result) => {
            let Some(c) = s.customer.as_mut().filter(|c| c.request == id) else {
                return vec![];
            };
            match result {
                Ok(v) => {
                    if c.channel.is_none() {
                        c.history = v.interactions.clone();
                        c.history_cursor = v.interactions_cursor.clone();
                        c.history_selected =
                            c.history_selected.min(c.history.len().saturating_sub(1));
                    }
                    s.now = v.server_time.max(s.now);
                    c.view = Load::Loaded(*v);
                }
                Err(e) => c.view = Load::Failed(e),
            }
            vec![]
        }
        Action::HistoryDone(id, result) => {
            let Some(c) = s
                .customer
                .as_mut()
                .filter(|c| c.history_loading == Some(id))
            else {
                return vec![];
            };
            c.history_loading = None;
            match result {
                Ok(page) => {
                    c.history_error = None;
                    c.history.extend(page.items);
                    c.history_cursor = page.next_cursor;
                }
                Err(e) => c.history_error = Some(e),
            }
            vec![]
        }
        Action::SignedIn(result) => {
            match result {
                Ok(agent) => s.agent = Some(agent),
                Err(e) => s.last_error = Some(e),
            }
            vec![]
        }
        Action::Connection(state) => {
            s.connection = state;
            if state == ConnectionState::Connected {
                s.last_error = None;
            }
            vec![]
        }
        Action::Tick(now) => {
            s.now = now;
            vec![]
        }
        Action::Resize => vec![],
    }
}

fn query_changed(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    s.search.latest = id;
    if s.search.query.trim().is_empty() {
        s.search.results = None;
        s.search.loading = false;
        s.search.error = None;
        return vec![];
    }
    s.search.loading = true;
    vec![Effect::Debounce {
        id,
        ms: s.debounce_ms,
    }]
}

fn command(s: &mut AppState, cmd: Command) -> Vec<Effect> {
    if s.help {
        // Help is modal: any of these close it; quit still quits.
        match cmd {
            Command::Quit => {}
            Command::Help | Command::Back => {
                s.help = false;
                return vec![];
            }
            _ => return vec![],
        }
    }
    match cmd {
        Command::Quit => {
            s.quit = true;
            vec![Effect::Quit]
        }
        Command::Help => {
            s.help = true;
            vec![]
        }
        Command::Search => {
            s.screen = Screen::Search;
            vec![]
        }
        Command::ClearQuery => {
            s.search.query.clear();
            query_changed(s)
        }
        Command::Back => match s.screen {
            Screen::Customer => {
                s.screen = Screen::Search;
                vec![]
            }
            Screen::Search => {
                if !s.search.query.is_empty() {
                    s.search.query.clear();
                    query_changed(s)
                } else {
                    vec![]
                }
            }
        },
        Command::Open => open_selected(s),
        Command::Refresh => match s.customer.as_mut() {
            Some(c) if s.screen == Screen::Customer => {
                let (cid, channel) = (c.id, c.channel);
                let id = s.fresh_id();
                let c = s.customer.as_mut().expect("checked above");
                c.request = id;
                c.view = Load::Loading;
                let mut fx = vec![Effect::LoadView { id, customer: cid }];
                if channel.is_some() {
                    fx.extend(reload_history(s));
                }
                fx
            }
            _ => vec![],
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
        | Command::TabPreferences => {
            if let Some(c) = s.customer.as_mut() {
                c.tab = match cmd {
                    Command::NextTab => c.tab.next(),
                    Command::PreviousTab => c.tab.previous(),
                    Command::TabOverview => Tab::Overview,
                    Command::TabHistory => Tab::History,
                    Command::TabComplaints => Tab::Complaints,
                    _ => Tab::Preferences,
                };
            }
            vec![]
        }
        Command::ChannelFilter => {
            let Some(c) = s.customer.as_mut() else {
                return vec![];
            };
            c.channel = next_channel(c.channel);
            c.history_selected = 0;
            if c.channel.is_none() {
                // Back to everything: the view already holds the latest page.
                if let Some(v) = c.view.loaded() {
                    c.history = v.interactions.clone();
                    c.history_cursor = v.interactions_cursor.clone();
                }
                c.history_loading = None;
                return vec![];
            }
            reload_history(s)
        }
    }
}

fn next_channel(c: Option<Channel>) -> Option<Channel> {
    match c {
        None => Some(Channel::ALL[0]),
        Some(ch) => {
            let i = Channel::ALL.iter().position(|x| *x == ch).unwrap_or(0);
            Channel::ALL.get(i + 1).copied()
        }
    }
}

fn reload_history(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    let Some(c) = s.customer.as_mut() else {
        return vec![];
    };
    c.history.clear();
    c.history_cursor = None;
    c.history_error = None;
    c.history_loading = Some(id);
    vec![Effect::LoadHistory {
        id,
        customer: c.id,
        cursor: None,
        channel: c.channel,
    }]
}

fn open_selected(s: &mut AppState) -> Vec<Effect> {
    if s.screen != Screen::Search {
        return vec![];
    }
    let Some(hit) = s
        .search
        .results
        .as_ref()
        .and_then(|r| r.hits.get(s.search.selected))
    else {
        return vec![];
    };
    let customer = hit.id;
    let from = hit.display_name.clone();
    let id = s.fresh_id();
    // Reopening the customer already loaded keeps tab and scroll position.
    let same = s.customer.as_ref().is_some_and(|c| c.id == customer);
    if same {
        let c = s.customer.as_mut().expect("checked");
        c.request = id;
    } else {
        s.customer = Some(CustomerState {
            id: customer,
            view: Load::Loading,
            request: id,
            tab: Tab::Overview,
            history: Vec::new(),
            history_cursor: None,
            history_loading: None,
            history_error: None,
            history_selected: 0,
            channel: None,
            opened_from: Some(from),
        });
    }
    s.screen = Screen::Customer;
    vec![Effect::LoadView { id, customer }]
}

fn step(pos: usize, len: usize, cmd: Command) -> usize {
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
    match s.screen {
        Screen::Search => {
            let len = s.search.results.as_ref().map_or(0, |r| r.hits.len());
            s.search.selected = step(s.search.selected, len, cmd);
            vec![]
        }
        Screen::Customer => {
            let Some(c) = s.customer.as_mut() else {
                return vec![];
            };
            c.history_selected = step(c.history_selected, c.history.len(), cmd);
            // Near the end with more to fetch: ask for the next (older) page.
            if c.history_loading.is_none()
                && c.history_selected + PREFETCH >= c.history.len()
                && let Some(cursor) = c.history_cursor.clone()
            {
                let (customer, channel) = (c.id, c.channel);
                let id = s.fresh_id();
                let c = s.customer.as_mut().expect("checked");
                c.history_loading = Some(id);
                return vec![Effect::LoadHistory {
                    id,
                    customer,
                    cursor: Some(cursor),
                    channel,
                }];
            }
            vec![]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn state() -> AppState {
        AppState::new("http://127.0.0.1:1".into(), false, fixtures::now())
    }

    fn type_str(s: &mut AppState, text: &str) -> Vec<Effect> {
        let mut fx = vec![];
        for c in text.chars() {
            fx = update(s, Action::Input(c));
        }
        fx
    }

    #[test]
    fn typing_debounces_then_searches_latest_only() {
        let mut s = state();
        let fx = type_str(&mut s, "oka");
        let Effect::Debounce { id, ms } = fx[0] else {
            panic!("{fx:?}")
        };
        assert_eq!(ms, 120);
        // An earlier debounce firing late does nothing.
        assert!(update(&mut s, Action::SearchDue(id - 1)).is_empty());
        assert_eq!(
            update(&mut s, Action::SearchDue(id)),
            vec![Effect::Search {
                id,
                query: "oka".into()
            }]
        );
        assert!(s.search.loading);
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
        assert!(s.search.results.is_none(), "stale reply must not show");
        let new = s.search.latest;
        update(
            &mut s,
            Action::SearchDone(new, Ok(fixtures::search_response())),
        );
        assert_eq!(s.search.results.as_ref().unwrap().hits.len(), 3);
        assert!(!s.search.loading);
    }

    #[test]
    fn enter_opens_selected_and_esc_and_slash_return() {
        let mut s = state();
        type_str(&mut s, "oka");
        let id = s.search.latest;
        update(
            &mut s,
            Action::SearchDone(id, Ok(fixtures::search_response())),
        );
        update(&mut s, Action::Command(Command::Next));
        let fx = update(&mut s, Action::Command(Command::Open));
        let want = fixtures::search_response().hits[1].id;
        assert!(matches!(fx[..], [Effect::LoadView { customer, .. }] if customer == want));
        assert_eq!(s.screen, Screen::Customer);
        update(&mut s, Action::Command(Command::Back));
        assert_eq!(s.screen, Screen::Search);
        assert_eq!(s.search.query, "oka", "going back keeps the query");
        update(&mut s, Action::Command(Command::Open));
        update(&mut s, Action::Command(Command::Search));
        assert_eq!(s.screen, Screen::Search);
    }

    #[test]
    fn view_reply_fills_history_and_stale_view_is_dropped() {
        let mut s = state();
        let s = open_fixture(&mut s);
        let c = s.customer.as_ref().unwrap();
        assert_eq!(
            c.history.len(),
            fixtures::customer_view().interactions.len()
        );
        let stale = c.request - 1;
        update(s, Action::ViewDone(stale, Err("boom".into())));
        assert!(matches!(s.customer.as_ref().unwrap().view, Load::Loaded(_)));
    }

    fn open_fixture(s: &mut AppState) -> &mut AppState {
        type_str(s, "oka");
        let id = s.search.latest;
        update(s, Action::SearchDone(id, Ok(fixtures::search_response())));
        let fx = update(s, Action::Command(Command::Open));
        let Effect::LoadView { id, .. } = fx[0] else {
            panic!()
        };
        update(
            s,
            Action::ViewDone(id, Ok(Box::new(fixtures::customer_view()))),
        );
        s
    }

    #[test]
    fn channel_filter_refetches_and_clearing_restores() {
        let mut s = state();
        let s = open_fixture(&mut s);
        let fx = update(s, Action::Command(Command::ChannelFilter));
        let [
            Effect::LoadHistory {
                id,
                channel: Some(Channel::Call),
                cursor: None,
                ..
            },
        ] = fx[..]
        else {
            panic!("{fx:?}")
        };
        assert!(s.customer.as_ref().unwrap().history.is_empty());
        let page = rapport_api::InteractionPage {
            items: fixtures::customer_view().interactions[..1].to_vec(),
            next_cursor: None,
        };
        update(s, Action::HistoryDone(id, Ok(page)));
        assert_eq!(s.customer.as_ref().unwrap().history.len(), 1);
        // Cycle through every channel back to "all".
        for _ in 0..Channel::ALL.len() {
            update(s, Action::Command(Command::ChannelFilter));
        }
        let c = s.customer.as_ref().unwrap();
        assert_eq!(c.channel, None);
        assert_eq!(
            c.history.len(),
            fixtures::customer_view().interactions.len()
        );
    }

    #[test]
    fn scrolling_to_the_end_fetches_the_next_page_once() {
        let mut s = state();
        let s = open_fixture(&mut s);
        let fx = update(s, Action::Command(Command::Last));
        let [
            Effect::LoadHistory {
                id,
                cursor: Some(ref cur),
                ..
            },
        ] = fx[..]
        else {
            panic!("{fx:?}")
        };
        assert_eq!(cur, "c1");
        assert!(
            update(s, Action::Command(Command::Next)).is_empty(),
            "one page in flight at a time"
        );
        let before = s.customer.as_ref().unwrap().history.len();
        let more = rapport_api::InteractionPage {
            items: fixtures::customer_view().interactions.clone(),
            next_cursor: None,
        };
        update(s, Action::HistoryDone(id, Ok(more)));
        let c = s.customer.as_ref().unwrap();
        assert_eq!(c.history.len(), before * 2);
        assert!(c.history_cursor.is_none());
    }

    #[test]
    fn help_is_modal_and_quit_always_quits() {
        let mut s = state();
        update(&mut s, Action::Command(Command::Help));
        assert!(s.help);
        assert!(update(&mut s, Action::Command(Command::Open)).is_empty());
        update(&mut s, Action::Command(Command::Back));
        assert!(!s.help);
        update(&mut s, Action::Command(Command::Help));
        assert_eq!(
            update(&mut s, Action::Command(Command::Quit)),
            vec![Effect::Quit]
        );
        assert!(s.quit);
    }

    #[test]
    fn clearing_the_query_clears_results() {
        let mut s = state();
        type_str(&mut s, "ab");
        update(&mut s, Action::Backspace);
        let fx = update(&mut s, Action::Backspace);
        assert!(fx.is_empty());
        assert!(!s.search.loading && s.search.results.is_none());
    }
}
