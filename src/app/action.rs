//! What can happen to the app: a command from a key, typing, a reply to a
//! request (carrying its id), a tick of the clock, a resize.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use rapport_api::{
    CustomerId, CustomerView, Event, Health, Insights, InteractionPage, Me, RevealedContact,
    SearchResponse, Taxonomy,
};

use super::form::Draft;
use super::state::{FileTrouble, RequestId};
use super::write::WriteKind;
use crate::api::ApiError;
use crate::keymap::Command;
use crate::outbox::{Entry, Failed};

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A command given with a key (see the keymap).
    Command(Command),
    /// A character typed into the search box.
    Input(char),
    /// Text pasted into the search box (bracketed paste).
    Paste(String),
    Backspace,
    /// The debounce pause after typing ended for this request.
    SearchDue(RequestId),
    SearchDone(RequestId, Result<SearchResponse, ApiError>),
    ViewDone(RequestId, Result<Box<CustomerView>, ApiError>),
    HistoryDone(RequestId, Result<InteractionPage, ApiError>),
    /// The server recorded a reveal and sent the contact details in full.
    RevealDone(RequestId, Result<Box<RevealedContact>, ApiError>),
    SignedIn(RequestId, Result<Me, ApiError>),
    /// A health probe while reconnecting came back.
    ProbeDone(RequestId, Result<Health, ApiError>),
    /// The clock moved (scheduled only while a countdown is on screen).
    Tick(DateTime<Utc>),
    /// The terminal is now this many columns and rows.
    Resize(u16, u16),
    /// A key for the open form's focused field.
    FormKey(KeyEvent),
    TaxonomyDone(RequestId, Result<Taxonomy, ApiError>),
    /// Start-up found these: writes still queued, writes refused earlier,
    /// drafts of forms never saved.
    Recovered {
        queued: Vec<Entry>,
        failed: Vec<Failed>,
        drafts: Vec<Draft>,
        /// Drafts and queued writes that could not be read, kept aside.
        files: Vec<FileTrouble>,
    },
    /// The outbox stored a write (the form that asked is `tag`).
    Queued {
        tag: u64,
        entry: Box<Entry>,
        queued: usize,
    },
    /// The outbox could not store a write; the form stays open.
    QueueFailed {
        tag: u64,
        reason: String,
    },
    /// The server acknowledged a write.
    WriteAcked {
        seq: u64,
        kind: WriteKind,
        customer_id: Option<CustomerId>,
        reply: serde_json::Value,
        replayed: bool,
        queued: usize,
    },
    /// The oldest write did not get through; it is tried again.
    WriteRetrying {
        queued: usize,
        attempt: u32,
        retry_in_ms: u64,
        reason: String,
        /// No answer at all (rather than a server error).
        unreachable: bool,
    },
    /// The server refused a write for good.
    WriteRefused {
        failed: Box<Failed>,
        queued: usize,
    },
    /// The event stream is open.
    EventsUp,
    /// The event stream broke; it reconnects after the wait.
    EventsDown {
        reason: String,
        retry_in_ms: u64,
    },
    ServerEvent(Box<Event>),
    /// `GET /v1/analytics/insights` came back.
    InsightsDone(RequestId, Result<Box<Insights>, ApiError>),
    /// Replies and keys of the live queues (agent state, calls, desk).
    Queues(Box<super::calls::QueuesAction>),
    /// A draft or queued write could not be written or read.
    FileTrouble(Box<FileTrouble>),
    /// The file at `path` is fine again (written, read back, or discarded);
    /// a draft read back is offered for review.
    FileOk {
        path: std::path::PathBuf,
        draft: Option<Box<Draft>>,
    },
}
