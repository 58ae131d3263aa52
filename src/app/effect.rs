//! Work `update` asks for. The runtime runs each effect as a task and feeds
//! the outcome back as an [`super::Action`] carrying the same request id.

use rapport_api::{Channel, CustomerId};

use super::form::Draft;
use super::state::{FileTrouble, RequestId};
use super::write::WriteRequest;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Wait `ms`, then send `SearchDue(id)`.
    Debounce {
        id: RequestId,
        ms: u64,
    },
    /// `GET /v1/customers?q=&limit=` → `SearchDone(id, …)`.
    Search {
        id: RequestId,
        query: String,
        limit: u32,
    },
    /// `GET /v1/customers/{id}/view` → `ViewDone(id, …)`.
    LoadView {
        id: RequestId,
        customer: CustomerId,
    },
    /// `GET /v1/customers/{id}/interactions` → `HistoryDone(id, …)`.
    LoadHistory {
        id: RequestId,
        customer: CustomerId,
        cursor: Option<String>,
        channel: Option<Channel>,
    },
    /// `GET /v1/me` → `SignedIn(id, …)`.
    SignIn {
        id: RequestId,
    },
    /// Wait `after_ms`, then `GET /health` → `ProbeDone(id, …)`.
    Probe {
        id: RequestId,
        after_ms: u64,
    },
    /// `GET /v1/taxonomy` → `TaxonomyDone(id, …)`.
    LoadTaxonomy {
        id: RequestId,
    },
    /// Store the write in the outbox (→ `Queued` or `QueueFailed` with
    /// `tag`), then send it.
    Enqueue {
        tag: u64,
        request: Box<WriteRequest>,
    },
    /// Skip the wait before the next attempt to send.
    RetryNow,
    /// Forget a refused write.
    DiscardFailed {
        key: String,
    },
    /// Save a form's draft to disk.
    SaveDraft(Box<Draft>),
    DeleteDraft(String),
    /// `POST /v1/customers/{id}/reveal` → `RevealDone(id, …)`.
    Reveal {
        id: RequestId,
        customer: CustomerId,
        reason: String,
    },
    /// Tell the server which customer is open (repeated while open).
    Presence(Option<CustomerId>),
    /// `GET /v1/analytics/insights` → `InsightsDone(id, …)`.
    LoadInsights {
        id: RequestId,
    },
    /// Leave the event loop (the terminal is restored on the way out).
    Quit,
    /// Requests of the live queues (agent state, calls, desk).
    Queues(super::calls::QueuesEffect),
    /// Try a file in trouble again: write the draft, or read the file back
    /// (→ `FileOk` or `FileTrouble`).
    RetryFile(Box<FileTrouble>),
    /// The agent confirmed: delete an unreadable file, or stop offering a
    /// draft that could not be written (→ `FileOk`).
    DiscardFile(Box<FileTrouble>),
}
