//! Everything the client knows, in one value. Only [`super::update`]
//! changes it; the UI reads it.

use chrono::{DateTime, Utc};
use rapport_api::{
    Channel, CustomerId, CustomerView, Figure, Insights, Interaction, Me, RevealedContact,
    SearchResponse, SuggestionAnswer, Taxonomy,
};

use super::form::{Draft, Form};
use super::palette::PaletteState;
use super::reveal::RevealOverlay;
use super::write::WriteRequest;
use crate::api::ApiError;
use crate::keymap::Context;
use crate::outbox::Failed;

/// Identifies a request, so a reply that is no longer wanted is dropped.
pub type RequestId = u64;

/// From this size the customer screen shows its panels side by side; below
/// it, tabs. The UI and `update` agree on it through [`is_wide`].
pub const WIDE_COLUMNS: u16 = 140;
pub const WIDE_ROWS: u16 = 30;

/// True when a terminal of this size gets the side-by-side layout.
pub fn is_wide(columns: u16, rows: u16) -> bool {
    columns >= WIDE_COLUMNS && rows >= WIDE_ROWS
}

/// Where a piece of remote data is.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Idle,
    Loading,
    Loaded(T),
    Failed(ApiError),
}

impl<T> Load<T> {
    pub fn loaded(&self) -> Option<&T> {
        match self {
            Load::Loaded(t) => Some(t),
            _ => None,
        }
    }
    pub fn loaded_mut(&mut self) -> Option<&mut T> {
        match self {
            Load::Loaded(t) => Some(t),
            _ => None,
        }
    }
    pub fn is_loaded(&self) -> bool {
        matches!(self, Load::Loaded(_))
    }
    pub fn failed(&self) -> Option<&ApiError> {
        match self {
            Load::Failed(e) => Some(e),
            _ => None,
        }
    }
}

/// The link to the server as the agent sees it in the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// No answer yet since start-up.
    Connecting,
    Connected,
    /// A request found the server unreachable; probing it again.
    Reconnecting,
    /// Several probes in a row failed; still probing, less often.
    Offline,
}

impl Connection {
    pub fn words(self) -> &'static str {
        match self {
            Connection::Connecting => "connecting",
            Connection::Connected => "connected",
            Connection::Reconnecting => "reconnecting",
            Connection::Offline => "offline",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Search,
    Customer,
    /// The supervisors' insights (F6).
    Insights,
    /// The supervisor desk (supervisors and admins).
    Supervisor,
}

/// Tabs of the narrow (80-column) customer layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    History,
    Complaints,
    Offers,
    Preferences,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Overview,
        Tab::History,
        Tab::Complaints,
        Tab::Offers,
        Tab::Preferences,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::History => "History",
            Tab::Complaints => "Complaints",
            Tab::Offers => "Offers",
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

/// The scrollable panel the movement keys act on in the wide layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    History,
    Complaints,
    Suggestions,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchState {
    pub query: String,
    /// After coming back from a customer the old query is kept but shown
    /// selected: the first key typed replaces it, as in a browser's
    /// address bar, so the next caller's name can be typed straight away.
    pub replace_on_type: bool,
    /// What the list shows. While a newer query is in flight the previous
    /// results stay on screen and `pending` is set.
    pub results: Load<SearchResponse>,
    pub pending: bool,
    pub selected: usize,
    /// The newest request; replies to older ones are dropped.
    pub latest: RequestId,
}

impl Default for SearchState {
    fn default() -> Self {
        SearchState {
            query: String::new(),
            replace_on_type: false,
            results: Load::Idle,
            pending: false,
            selected: 0,
            latest: 0,
        }
    }
}

/// The interaction history shown for a customer: the view's latest page
/// plus older pages, or the pages of one channel when filtered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryState {
    pub items: Vec<Interaction>,
    /// Where the next (older) page starts; None when everything is here.
    pub cursor: Option<String>,
    /// The page request in flight, if any.
    pub loading: Option<RequestId>,
    pub error: Option<ApiError>,
    pub selected: usize,
    pub channel: Option<Channel>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomerState {
    pub id: CustomerId,
    /// The name from the search hit, shown while the view loads.
    pub name: String,
    pub view: Load<CustomerView>,
    /// The view request whose reply is wanted.
    pub request: RequestId,
    pub tab: Tab,
    pub focus: Focus,
    pub history: HistoryState,
    pub complaint_selected: usize,
    /// The reveal overlay, when open.
    pub reveal: Option<RevealOverlay>,
    /// Contact details the server recorded a reveal of; shown unmasked
    /// while this customer stays open.
    pub revealed: Option<RevealedContact>,
    pub suggestion_selected: usize,
    /// Suggestions answered here: (id, answer, the server has it).
    pub answered: Vec<(i64, SuggestionAnswer, bool)>,
    /// The selected interaction of History open in full (Enter), scrolled
    /// this far.
    pub note: Option<u16>,
}

impl CustomerState {
    pub fn new(id: CustomerId, name: String, request: RequestId) -> CustomerState {
        CustomerState {
            id,
            name,
            view: Load::Loading,
            request,
            tab: Tab::Overview,
            focus: Focus::History,
            history: HistoryState::default(),
            complaint_selected: 0,
            reveal: None,
            revealed: None,
            suggestion_selected: 0,
            answered: Vec::new(),
            note: None,
        }
    }
}

/// Seconds until a span of `secs` (negative: past) shown as by
/// `ui::format::duration` reads differently: its smallest shown unit is a
/// second under a minute, a minute under a day, an hour beyond.
pub fn until_shown_change(secs: i64) -> i64 {
    let unit = |abs: i64| match abs {
        0..60 => 1,
        60..86_400 => 60,
        _ => 3600,
    };
    if secs > 0 {
        // Counting down: the shown value drops when the span reaches a
        // multiple of its unit.
        let u = unit(secs);
        let r = secs % u;
        if r == 0 { u.min(secs) } else { r }
    } else {
        // Counting up (late, or an age).
        let late = -secs;
        let u = unit(late);
        u - late % u
    }
}

/// A write on disk, waiting to reach the server.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedWrite {
    pub seq: u64,
    pub request: WriteRequest,
    pub queued_at: DateTime<Utc>,
}

/// The outbox as the agent sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutboxState {
    /// Oldest first; the first is being sent.
    pub queued: Vec<QueuedWrite>,
    /// The last attempt failed for this reason; the next is at this time.
    pub retry: Option<(String, DateTime<Utc>)>,
    /// Refused by the server, waiting for the agent.
    pub failed: Vec<Failed>,
}

/// The live event stream.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveState {
    pub up: bool,
    /// The last durable event applied; older or equal ids are duplicates.
    pub last_id: Option<i64>,
    /// Why it is down, and when it tries again.
    pub down: Option<(String, DateTime<Utc>)>,
}

/// The explanation overlay: which figure, and how far it is scrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplainState {
    pub figure: Figure,
    pub scroll: u16,
}

/// The insights screen and the screen it was opened from.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightsState {
    pub data: Load<Insights>,
    pub request: RequestId,
    pub scroll: u16,
    pub back_to: Screen,
}

impl Default for InsightsState {
    fn default() -> Self {
        InsightsState {
            data: Load::Idle,
            request: 0,
            scroll: 0,
            back_to: Screen::Search,
        }
    }
}

/// The overlay listing refused changes and drafts to restore.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReviewState {
    pub selected: usize,
    /// The discard key was pressed once on a file that cannot be read: a
    /// second press deletes it, anything else keeps it.
    pub confirm_discard: bool,
}

/// One row of the review overlay.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewItem<'a> {
    Failed(&'a Failed),
    Draft(&'a Draft),
    File(&'a FileTrouble),
}

/// What went wrong with a file of the agent's work.
#[derive(Debug, Clone, PartialEq)]
pub enum TroubleKind {
    /// A draft could not be written (full disk, permission); the form
    /// still holds it.
    DraftNotWritten(Box<Draft>),
    /// A saved draft could not be read back; the file is kept aside.
    DraftUnreadable,
    /// A queued write could not be read back (truncated, corrupt); the
    /// file is kept aside and nothing was sent.
    OutboxUnreadable,
}

/// A draft or queued write that could not be written or read: shown in the
/// status bar and the review overlay, its file kept and named, until the
/// agent retries or discards it.
#[derive(Debug, Clone, PartialEq)]
pub struct FileTrouble {
    pub kind: TroubleKind,
    /// Where the file is (or was to be written): never deleted unless the
    /// agent confirms.
    pub path: std::path::PathBuf,
    /// Why, in the operating system's or parser's words.
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl FileTrouble {
    /// One line saying what it is.
    pub fn title(&self) -> String {
        match &self.kind {
            TroubleKind::DraftNotWritten(d) => format!(
                "draft not written · {} · {}",
                d.kind.title(),
                crate::sanitize::clean(&d.customer_name)
            ),
            TroubleKind::DraftUnreadable => format!("draft unreadable · {}", self.file_name()),
            TroubleKind::OutboxUnreadable => {
                format!("queued change unreadable · {}", self.file_name())
            }
        }
    }

    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub screen: Screen,
    pub search: SearchState,
    pub customer: Option<CustomerState>,
    /// The help overlay, and how far it is scrolled.
    pub help: Option<u16>,
    /// The command palette, when open.
    pub palette: Option<PaletteState>,
    /// Who is signed in (`GET /v1/me`).
    pub me: Load<Me>,
    pub sign_in: RequestId,
    pub server_url: String,
    /// True when the server runs inside this process (the demo).
    pub embedded: bool,
    pub connection: Connection,
    /// The health probe in flight while reconnecting, and how many failed.
    pub probe: Option<RequestId>,
    pub probe_failures: u32,
    /// The most recent thing that went wrong, in words, for the status bar.
    pub last_error: Option<String>,
    /// The clock countdowns are measured against.
    pub now: DateTime<Utc>,
    pub debounce_ms: u64,
    /// Terminal size in columns and rows, for layout-dependent keys.
    pub size: (u16, u16),
    pub quit: bool,
    /// Quitting was asked once while something would be lost or left (a
    /// call, unsent changes): asked again, the app quits.
    pub confirm_quit: Option<String>,
    /// The open form, over the customer screen.
    pub form: Option<Form>,
    /// What the forms offer, from the server (cached on disk).
    pub taxonomy: Load<Taxonomy>,
    pub taxonomy_request: RequestId,
    pub outbox: OutboxState,
    pub live: LiveState,
    /// Drafts left by an earlier run, offered back.
    pub drafts: Vec<Draft>,
    /// Drafts and queued writes that could not be written or read.
    pub files: Vec<FileTrouble>,
    /// The review overlay, when open.
    pub review: Option<ReviewState>,
    /// A passing message ("Saved: …"), and when it was said.
    pub notice: Option<(String, DateTime<Utc>)>,
    /// A draft whose form opens once its customer's view has loaded.
    pub restore: Option<Draft>,
    /// The figure being explained, over the customer screen.
    pub explain: Option<ExplainState>,
    pub insights: InsightsState,
    /// The agent's state and call (live queues).
    pub calls: super::calls::CallsState,
    /// The supervisor desk.
    pub desk: super::supervisor::DeskState,
    next_id: RequestId,
}

impl AppState {
    pub fn new(server_url: String, embedded: bool, now: DateTime<Utc>) -> AppState {
        AppState {
            screen: Screen::Search,
            search: SearchState::default(),
            customer: None,
            help: None,
            palette: None,
            me: Load::Idle,
            sign_in: 0,
            server_url,
            embedded,
            connection: Connection::Connecting,
            probe: None,
            probe_failures: 0,
            last_error: None,
            now,
            debounce_ms: 120,
            size: (80, 24),
            quit: false,
            confirm_quit: None,
            form: None,
            taxonomy: Load::Idle,
            taxonomy_request: 0,
            outbox: OutboxState::default(),
            live: LiveState::default(),
            drafts: Vec::new(),
            files: Vec::new(),
            review: None,
            notice: None,
            restore: None,
            explain: None,
            insights: InsightsState::default(),
            calls: Default::default(),
            desk: Default::default(),
            next_id: 0,
        }
    }

    pub fn fresh_id(&mut self) -> RequestId {
        self.next_id += 1;
        self.next_id
    }

    /// The customer screen shows panels side by side (else tabs).
    pub fn wide(&self) -> bool {
        is_wide(self.size.0, self.size.1)
    }

    /// The key context of what is on screen.
    pub fn context(&self) -> Context {
        if self.help.is_some() {
            return Context::Help;
        }
        if self.palette.is_some() {
            return Context::Palette;
        }
        if self.form.is_some() {
            return Context::Form;
        }
        if self.review.is_some() {
            return Context::Review;
        }
        if self.explain.is_some() {
            return Context::Explain;
        }
        match self.screen {
            Screen::Search => Context::Search,
            Screen::Customer if self.customer.as_ref().is_some_and(|c| c.reveal.is_some()) => {
                Context::Reveal
            }
            Screen::Customer => Context::Customer,
            Screen::Insights => Context::Insights,
            Screen::Supervisor => Context::Supervisor,
        }
    }

    /// True when the customer screen's keys act on History: its tab at 80
    /// columns, its panel focused side by side.
    pub fn history_targeted(&self) -> bool {
        self.screen == Screen::Customer
            && self.customer.as_ref().is_some_and(|c| {
                if self.wide() {
                    c.focus == Focus::History
                } else {
                    c.tab == Tab::History
                }
            })
    }

    /// The customer whose view is loaded, if the customer screen shows one.
    pub fn view(&self) -> Option<&CustomerView> {
        self.customer.as_ref().and_then(|c| c.view.loaded())
    }

    /// True when something on screen changes with the clock alone.
    pub fn has_countdown(&self) -> bool {
        self.next_change().is_some()
    }

    /// How long until something on screen changes with the clock alone (a
    /// countdown's shown value, a "retrying in" second, a notice expiring),
    /// so the runtime wakes only then: a countdown shown to the minute wakes
    /// once a minute, not once a second.
    pub fn next_change(&self) -> Option<chrono::Duration> {
        let now = self.now;
        let mut next: Option<i64> = None;
        let mut at = |secs: i64| {
            let secs = secs.max(1);
            next = Some(next.map_or(secs, |n: i64| n.min(secs)));
        };
        if self.screen == Screen::Customer
            && let Some(v) = self.view()
        {
            for c in &v.open_complaints {
                for due in [
                    Some(c.sla_due_at),
                    c.summary_due_at,
                    c.final_response_due_at,
                ]
                .into_iter()
                .flatten()
                {
                    at(until_shown_change((due - now).num_seconds()));
                }
                // "opened 22h ago" ages too.
                at(until_shown_change(-(now - c.opened_at).num_seconds()));
            }
        }
        if self.outbox.retry.is_some() {
            at(1);
        }
        if let Some((_, said)) = &self.notice {
            at(super::writes::NOTICE_SECS - (now - *said).num_seconds());
        }
        if self.review.is_some() {
            at(60); // "3m ago"
        }
        if let Some(secs) = super::calls::next_change(self) {
            at(secs);
        }
        if let Some(secs) = super::supervisor::next_change(self) {
            at(secs);
        }
        next.map(chrono::Duration::seconds)
    }

    /// The rows of the review overlay: files in trouble, refused changes,
    /// then drafts.
    pub fn review_items(&self) -> Vec<ReviewItem<'_>> {
        self.files
            .iter()
            .map(ReviewItem::File)
            .chain(self.outbox.failed.iter().map(ReviewItem::Failed))
            .chain(self.drafts.iter().map(ReviewItem::Draft))
            .collect()
    }
}
