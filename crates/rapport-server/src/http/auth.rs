//! Bearer-token authentication for every `/v1` route: the token is hashed and
//! looked up, and the agent it belongs to rides along with the request.

use axum::extract::{OriginalUri, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use rapport_api::Agent;

use super::AppState;
use super::problem::ApiError;
use crate::agents;

/// The signed-in agent, in the request's extensions.
#[derive(Debug, Clone)]
pub struct CurrentAgent(pub Agent);

pub const MISSING_TOKEN: &str = "Missing bearer token: set RAPPORT_TOKEN or run `rapport-server agent add` to get one, and send it as `Authorization: Bearer <token>`.";
pub const MALFORMED_HEADER: &str =
    "The Authorization header must be `Bearer <token>` (the word Bearer, a space, then the token).";
pub const UNKNOWN_TOKEN: &str = "The bearer token is not valid here: it may be mistyped, revoked, or for another server. Issue a new one with `rapport-server agent token --name NAME`.";

/// Middleware: reject the request with 401 unless it carries a valid token.
pub async fn require_agent(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    // Nested routers see the path without /v1; report the one the client sent.
    let instance = req
        .extensions()
        .get::<OriginalUri>()
        .map(|u| u.path().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(MISSING_TOKEN).with_instance(instance));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized(MALFORMED_HEADER).with_instance(instance.clone()))?;
    let agent = agents::authenticate(&state.db, token)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::unauthorized(UNKNOWN_TOKEN).with_instance(instance))?;
    tracing::Span::current().record("agent", agent.id);
    req.extensions_mut().insert(CurrentAgent(agent));
    Ok(next.run(req).await)
}
