//! `GET /v1/events`: the live event stream as server-sent events, resumable
//! with `Last-Event-ID` (see `rapport_api::events` for the contract).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};
use rapport_api::events::HEARTBEAT_SECS;
use rapport_api::{Event, Problem};

use crate::events::Outgoing;

use super::AppState;
use super::auth::CurrentAgent;
use super::problem::ApiError;

/// The id to resume after: `Last-Event-ID`, or `?last_event_id=` for
/// clients that cannot set headers.
fn resume_point(headers: &HeaderMap, query: Option<&str>) -> Result<Option<i64>, ApiError> {
    let from_header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let from_query = query.and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("last_event_id="))
            .filter(|s| !s.is_empty())
    });
    match from_header.or(from_query) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            ApiError::invalid(
                "Last-Event-ID",
                format!(
                    "Last-Event-ID must be the id of an event received, a whole number; got '{s}'."
                ),
            )
        }),
    }
}

/// A comment line that keeps an idle connection open.
const HEARTBEAT: &[u8] = b":heartbeat\n\n";

/// Live events: interactions, complaint changes, recovery actions,
/// preferences, presence, agents' states and the desk's figures, each to
/// the streams it concerns (an agent: the customers they have open, their
/// own calls and state, their queues' figures; supervisors also the desk's
/// agents and every complaint and recovery action). Send `Last-Event-ID`
/// to resume after a break.
#[utoipa::path(
    get, path = "/v1/events", tag = "events",
    params(("Last-Event-ID" = Option<i64>, Header, description = "The id of the last event applied; the stream resumes after it")),
    responses(
        (status = 200, description = "A text/event-stream of Event objects; `event:` is the kind, `id:` the event id (durable events), a comment every 15 s", body = Event, content_type = "text/event-stream"),
        (status = 400, description = "Last-Event-ID is not a number", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    let resume = resume_point(&headers, uri.query())?;
    let batches = state
        .events
        .batches(state.db.clone(), resume, agent.id, agent.role);
    let body = Body::from_stream(with_heartbeats(batches).map(Ok::<_, Infallible>));
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// Each batch of messages ready at once as one write to the socket, and a
/// heartbeat comment after [`HEARTBEAT_SECS`] without one.
fn with_heartbeats(
    batches: impl Stream<Item = Vec<Arc<Outgoing>>> + Send + 'static,
) -> impl Stream<Item = Bytes> + Send + 'static {
    async_stream::stream! {
        let mut batches = std::pin::pin!(batches);
        let every = Duration::from_secs(HEARTBEAT_SECS);
        loop {
            match tokio::time::timeout(every, batches.next()).await {
                Ok(Some(batch)) => {
                    if let [one] = &batch[..] {
                        yield one.sse().clone();
                    } else {
                        let mut out = Vec::with_capacity(batch.iter().map(|m| m.sse().len()).sum());
                        for m in &batch {
                            out.extend_from_slice(m.sse());
                        }
                        yield Bytes::from(out);
                    }
                }
                Ok(None) => break,
                Err(_) => yield Bytes::from_static(HEARTBEAT),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn resume_from_header_or_query() {
        let mut h = HeaderMap::new();
        assert_eq!(resume_point(&h, None).unwrap(), None);
        assert_eq!(
            resume_point(&h, Some("last_event_id=12")).unwrap(),
            Some(12)
        );
        h.insert("last-event-id", HeaderValue::from_static("40"));
        assert_eq!(
            resume_point(&h, Some("last_event_id=12")).unwrap(),
            Some(40)
        );
        h.insert("last-event-id", HeaderValue::from_static("x"));
        assert_eq!(resume_point(&h, None).unwrap_err().problem.status, 400);
    }
}
