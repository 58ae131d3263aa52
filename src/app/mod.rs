//! The application core in the Elm shape: [`AppState`] is all the state,
//! [`update`] is the only place it changes, and it answers with [`Effect`]s
//! that the runtime executes and feeds back as [`Action`]s. [`input`] turns
//! key events into actions through the keymap.

pub mod action;
pub mod analytics;
pub mod calls;
pub mod effect;
pub mod form;
pub mod input;
pub mod live;
pub mod palette;
pub mod reveal;
pub mod state;
pub mod supervisor;
pub mod update;
pub mod write;
pub mod writes;

pub use action::Action;
pub use effect::Effect;
pub use form::{Draft, Form, FormKind};
pub use state::{
    AppState, Connection, CustomerState, ExplainState, FileTrouble, Focus, HistoryState,
    InsightsState, LiveState, Load, OutboxState, QueuedWrite, RequestId, ReviewItem, ReviewState,
    Screen, SearchState, Tab, TroubleKind, WIDE_COLUMNS, WIDE_ROWS, is_wide,
};
pub use update::{init, update};
pub use write::{WriteKind, WriteMethod, WriteRequest};
