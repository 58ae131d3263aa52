//! The application core in the Elm shape: [`AppState`] is all the state,
//! [`update::update`] is the only place it changes, and it answers with
//! [`Effect`]s that the runtime executes and feeds back as [`Action`]s.

pub mod update;

use chrono::{DateTime, Utc};
use rapport_api::{Agent, Channel, CustomerId, CustomerView, Interaction, SearchResponse};

use crate::keymap::{Command, Context};

pub use update::update;

/// Identifies a request, so a reply that is no longer wanted is dropped.
pub type RequestId = u64;

/// Something that happened: a command, typing, a reply, a tick.
#[derive(Debug, Clone)]
pub enum Action {
    Command(Command),
    Input(char),
    Backspace,
    /// The debounce pause after typing ended for this request.
    SearchDue(RequestId),
    SearchDone(RequestId, Result<SearchResponse, String>),
    ViewDone(RequestId, Result<Box<CustomerView>, String>),
    HistoryDone(RequestId, Result<rapport_api::InteractionPage, String>),
    SignedIn(Result<Agent, String>),
    /// The connection state learned from a reply.
    Connection(ConnectionState),
    /// A second passed (only scheduled while a countdown is on screen).
    Tick(DateTime<Utc>),
    Resize,
}

/// Work for the runtime to do; results come back as actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Debounce {
        id: RequestId,
        ms: u64,
    },
    Search {
        id: RequestId,
        query: String,
    },
    LoadView {
        id: RequestId,
        customer: CustomerId,
    },
    LoadHistory {
        id: RequestId,
        customer: CustomerId,
        cursor: Option<String>,
        channel: Option<Channel>,
    },
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Idle,
    Loading,
    Loaded(T),
    Failed(String),
}

impl<T> Load<T> {
    pub fn loaded(&self) -> Option<&T> {
        match self {
            Load::Loaded(t) => Some(t),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting,
    Connected,
    Unreachable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Search,
    Customer,
}

/// Tabs of the narrow (80-column) customer layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    History,
    Complaints,
    Preferences,
}

impl Tab {
    pub const ALL: [Tab; 4] = [
        Tab::Overview,
        Tab::History,
        Tab::Complaints,
        Tab::Preferences,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::History => "History",
            Tab::Complaints => "Complaints",
            Tab::Preferences => "Prefs",
        }
    }
    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }
    pub fn previous(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

#[derive(Debug, Clone, Default)]
pub struct SearchState {
    pub query: String,
    pub results: Option<SearchResponse>,
    pub loading: bool,
    pub error: Option<String>,
    pub selected: usize,
    /// The newest request; replies to older ones are dropped.
    pub latest: RequestId,
}

#[derive(Debug, Clone)]
pub struct CustomerState {
    pub id: CustomerId,
    pub view: Load<CustomerView>,
    pub request: RequestId,
    pub tab: Tab,
    /// History shown: the view's latest interactions plus older pages, or
    /// the pages fetched for the channel filter.
    pub history: Vec<Interaction>,
    pub history_cursor: Option<String>,
    pub history_loading: Option<RequestId>,
    pub history_error: Option<String>,
    pub history_selected: usize,
    pub channel: Option<Channel>,
    /// Where the 360 view was opened from, for the title.
    pub opened_from: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub screen: Screen,
    pub search: SearchState,
    pub customer: Option<CustomerState>,
    pub help: bool,
    pub agent: Option<Agent>,
    pub server_url: String,
    pub embedded: bool,
    pub connection: ConnectionState,
    pub last_error: Option<String>,
    pub now: DateTime<Utc>,
    pub mask_pii: bool,
    pub debounce_ms: u64,
    pub quit: bool,
    next_id: RequestId,
}

impl AppState {
    pub fn new(server_url: String, embedded: bool, now: DateTime<Utc>) -> AppState {
        AppState {
            screen: Screen::Search,
            search: SearchState::default(),
            customer: None,
            help: false,
            agent: None,
            server_url,
            embedded,
            connection: ConnectionState::Connecting,
            last_error: None,
            now,
            mask_pii: true,
            debounce_ms: 120,
            quit: false,
            next_id: 0,
        }
    }

    pub fn fresh_id(&mut self) -> RequestId {
        self.next_id += 1;
        self.next_id
    }

    /// The key context of what is on screen.
    pub fn context(&self) -> Context {
        match self.screen {
            Screen::Search => Context::Search,
            Screen::Customer => Context::Customer,
        }
    }

    /// True when something on screen counts down and needs a tick a second.
    pub fn has_countdown(&self) -> bool {
        self.screen == Screen::Customer
            && self
                .customer
                .as_ref()
                .and_then(|c| c.view.loaded())
                .is_some_and(|v| !v.open_complaints.is_empty())
    }
}
