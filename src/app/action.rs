//! What can happen to the app: a command from a key, typing, a reply to a
//! request (carrying its id), a tick of the clock, a resize.

use chrono::{DateTime, Utc};
use rapport_api::{CustomerView, Health, InteractionPage, Me, SearchResponse};

use super::state::RequestId;
use crate::api::ApiError;
use crate::keymap::Command;

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
    SignedIn(RequestId, Result<Me, ApiError>),
    /// A health probe while reconnecting came back.
    ProbeDone(RequestId, Result<Health, ApiError>),
    /// The clock moved (scheduled only while a countdown is on screen).
    Tick(DateTime<Utc>),
    /// The terminal is now this many columns and rows.
    Resize(u16, u16),
}
