//! Bearer-token authentication for every `/v1` route: the token is hashed and
//! looked up, and the agent it belongs to rides along with the request.
//!
//! Tokens already checked are kept in memory ([`TokenCache`]), so a request
//! does not take a database connection to be let in. What is kept is
//! dropped at once when this process revokes a token or changes an agent,
//! and within [`RECHECK`] when another process does (the `token_version`
//! row moves); past [`MAX_STALE`] without a successful check, nothing kept
//! is trusted and every token is read from the database again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{OriginalUri, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use rapport_api::Agent;

use super::AppState;
use super::problem::ApiError;
use crate::Db;
use crate::agents;
use crate::error::Error;

/// How often the token table's version is read while tokens are kept.
pub const RECHECK: Duration = Duration::from_millis(500);
/// Kept tokens are not used when the version was last read longer ago
/// than this (the database is slow to answer or gone).
pub const MAX_STALE: Duration = Duration::from_secs(2);
/// At most this many tokens are kept (a flood of different valid tokens
/// empties it rather than growing it).
const MAX_KEPT: usize = 100_000;

/// Tokens checked against the database, by their hash.
#[derive(Debug)]
pub struct TokenCache {
    state: Mutex<Kept>,
    /// One version read at a time.
    checking: AtomicBool,
}

#[derive(Debug)]
struct Kept {
    agents: HashMap<String, Agent>,
    /// Moves whenever the kept tokens are dropped: a token read from the
    /// database before a drop is not kept after it.
    generation: u64,
    /// [`agents::tokens_changed`] when last looked at.
    changed_here: u64,
    /// The token table's version and when it was last read.
    version: Option<i64>,
    checked_at: Option<Instant>,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache {
            state: Mutex::new(Kept {
                agents: HashMap::new(),
                generation: 0,
                changed_here: agents::tokens_changed(),
                version: None,
                checked_at: None,
            }),
            checking: AtomicBool::new(false),
        }
    }
}

impl Kept {
    fn drop_all(&mut self) {
        self.agents.clear();
        self.generation += 1;
    }

    /// Drop everything if this process changed tokens since the last look.
    fn follow_local_changes(&mut self) {
        let now = agents::tokens_changed();
        if now != self.changed_here {
            self.changed_here = now;
            self.drop_all();
        }
    }

    fn fresh(&self, within: Duration) -> bool {
        self.checked_at.is_some_and(|t| t.elapsed() < within)
    }
}

impl TokenCache {
    /// The agent `token` belongs to, if it is valid.
    pub async fn authenticate(&self, db: &Db, token: &str) -> Result<Option<Agent>, Error> {
        let hash = agents::token_hash(token.trim());
        let due = {
            let mut k = self.lock();
            k.follow_local_changes();
            !k.fresh(RECHECK)
        };
        if due && !self.checking.swap(true, Ordering::AcqRel) {
            let read = agents::token_version(db).await;
            self.checking.store(false, Ordering::Release);
            let mut k = self.lock();
            match read {
                Ok(v) => {
                    if k.version != Some(v) {
                        k.version = Some(v);
                        k.drop_all();
                    }
                    k.checked_at = Some(Instant::now());
                }
                Err(e) => tracing::warn!(error = %e, "could not read the token version"),
            }
        }
        let generation = {
            let mut k = self.lock();
            k.follow_local_changes();
            if k.fresh(MAX_STALE)
                && let Some(a) = k.agents.get(&hash)
            {
                return Ok(Some(a.clone()));
            }
            k.generation
        };
        let found = agents::authenticate_hash(db, &hash).await?;
        if let Some(a) = &found {
            let mut k = self.lock();
            k.follow_local_changes();
            if k.generation == generation && k.fresh(MAX_STALE) {
                if k.agents.len() >= MAX_KEPT {
                    k.drop_all();
                }
                k.agents.insert(hash, a.clone());
            }
        }
        Ok(found)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

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
    let agent = state
        .tokens
        .authenticate(&state.db, token)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::unauthorized(UNKNOWN_TOKEN).with_instance(instance))?;
    tracing::Span::current().record("agent", agent.id);
    req.extensions_mut().insert(CurrentAgent(agent));
    Ok(next.run(req).await)
}
