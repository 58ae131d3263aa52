//! Talking to a Rapport server. The client never touches storage: it speaks
//! only the wire types of `rapport-api`, over HTTP, to a remote server or to
//! the embedded one on loopback alike.

pub mod client;
pub mod events;
pub mod queues;

pub use client::{ApiClient, ApiError, ServerTarget, Transport, WriteReply};
