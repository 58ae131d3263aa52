//! `GET /v1/events`: the live event stream as server-sent events, resumable
//! with `Last-Event-ID` (see `rapport_api::events` for the contract).

use std::convert::Infallible;
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use rapport_api::events::HEARTBEAT_SECS;
use rapport_api::{Event, Problem};

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

fn to_sse(e: &Event) -> SseEvent {
    let data = serde_json::to_string(e).unwrap_or_else(|_| "{}".to_string());
    let mut s = SseEvent::default().event(e.body.kind()).data(data);
    if let Some(id) = e.id {
        s = s.id(id.to_string());
    }
    s
}

/// Live events: interactions, complaint changes, recovery actions,
/// preferences, presence, agents' states and the desk's figures. Send
/// `Last-Event-ID` to resume after a break.
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
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let resume = resume_point(&headers, uri.query())?;
    let stream = state
        .events
        .stream(state.db.clone(), resume, Some(agent.id), agent.role)
        .map(|e| Ok(to_sse(&e)));
    Ok(Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(HEARTBEAT_SECS))
            .text("heartbeat"),
    ))
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
