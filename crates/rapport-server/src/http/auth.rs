//! Bearer-token authentication for every `/v1` route: the token is hashed and
//! looked up, and the agent it belongs to rides along with the request.
//!
//! Tokens already checked are kept in memory ([`TokenCache`]), so a request
//! does not take a database connection to be let in. What is kept is
//! dropped at once when this process revokes a token or changes an agent,
//! and within [`RECHECK`] when another process does (the `token_version`
//! row moves); past [`MAX_STALE`] without a successful check, nothing kept
//! is trusted and every token is read from the database again. A kept
//! token is still refused from the second it expires.
//!
//! A token's last use is noted in memory and written at most once every
//! [`LAST_USED_EVERY`] per token, in one batch ([`TokenCache::flush_used`]),
//! so a busy desk does not write on every request.
//!
//! Failed sign-ins (a token that is unknown, expired or of a disabled
//! agent) are logged with the client's address, never the token, and
//! counted per address ([`SignInThrottle`]): past the limit, every request
//! from that address gets 429 with `Retry-After` until the window ends.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, OriginalUri, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use rapport_api::Agent;

use super::AppState;
use super::problem::ApiError;
use crate::Db;
use crate::agents::{self, TokenCheck};
use crate::error::Error;

/// How often the token table's version is read while tokens are kept.
pub const RECHECK: Duration = Duration::from_millis(500);
/// Kept tokens are not used when the version was last read longer ago
/// than this (the database is slow to answer or gone).
pub const MAX_STALE: Duration = Duration::from_secs(2);
/// At most this many tokens are kept (a flood of different valid tokens
/// empties it rather than growing it).
const MAX_KEPT: usize = 100_000;
/// A token's last use is written at most this often (per token).
pub const LAST_USED_EVERY: Duration = Duration::from_secs(60);

/// Tokens checked against the database, by their hash.
#[derive(Debug)]
pub struct TokenCache {
    state: Mutex<Kept>,
    /// One version read at a time.
    checking: AtomicBool,
    used: Mutex<Used>,
}

/// Tokens' last uses not yet written, and when each was last noted.
#[derive(Debug, Default)]
struct Used {
    /// Token id → the instant (epoch seconds) to write.
    pending: HashMap<i64, i64>,
    /// Token id → when its use was last noted (written or pending).
    noted: HashMap<i64, i64>,
}

/// A valid token as kept.
#[derive(Debug, Clone)]
struct KeptToken {
    agent: Agent,
    token_id: i64,
    expires_at: i64,
}

#[derive(Debug)]
struct Kept {
    agents: HashMap<String, KeptToken>,
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
            used: Mutex::default(),
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
    /// The agent `token` belongs to, if it is valid now.
    pub async fn authenticate(&self, db: &Db, token: &str) -> Result<Option<Agent>, Error> {
        match self.check(db, token).await? {
            TokenCheck::Valid { agent, .. } => Ok(Some(agent)),
            _ => Ok(None),
        }
    }

    /// What `token` is worth now; a valid token's use is noted.
    pub async fn check(&self, db: &Db, token: &str) -> Result<TokenCheck, Error> {
        let now = chrono::Utc::now().timestamp();
        let checked = self.check_at(db, token, now).await?;
        if let TokenCheck::Valid { token_id, .. } = &checked {
            self.note_use(*token_id, now);
        }
        Ok(checked)
    }

    async fn check_at(&self, db: &Db, token: &str, now: i64) -> Result<TokenCheck, Error> {
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
                && let Some(t) = k.agents.get(&hash)
            {
                if now < t.expires_at {
                    return Ok(TokenCheck::Valid {
                        agent: t.agent.clone(),
                        token_id: t.token_id,
                        expires_at: t.expires_at,
                    });
                }
                let at = t.expires_at;
                k.agents.remove(&hash);
                return Ok(TokenCheck::Expired { at });
            }
            k.generation
        };
        let found = agents::check_hash(db, &hash, now).await?;
        if let TokenCheck::Valid {
            agent,
            token_id,
            expires_at,
        } = &found
        {
            let mut k = self.lock();
            k.follow_local_changes();
            if k.generation == generation && k.fresh(MAX_STALE) {
                if k.agents.len() >= MAX_KEPT {
                    k.drop_all();
                }
                k.agents.insert(
                    hash,
                    KeptToken {
                        agent: agent.clone(),
                        token_id: *token_id,
                        expires_at: *expires_at,
                    },
                );
            }
        }
        Ok(found)
    }

    /// Note that the token with this id was used at `now`; it is written
    /// unless it was noted less than [`LAST_USED_EVERY`] ago.
    fn note_use(&self, token_id: i64, now: i64) {
        let every = LAST_USED_EVERY.as_secs() as i64;
        let mut u = self.used.lock().unwrap_or_else(|p| p.into_inner());
        if u.noted.get(&token_id).is_some_and(|t| now - t < every) {
            return;
        }
        if u.noted.len() >= MAX_KEPT {
            u.noted.retain(|_, t| now - *t < every);
        }
        u.noted.insert(token_id, now);
        u.pending.insert(token_id, now);
    }

    /// Write the last uses noted since the last flush (one transaction);
    /// how many tokens. What cannot be written is kept for the next flush.
    pub async fn flush_used(&self, db: &Db) -> Result<usize, Error> {
        let batch: Vec<(i64, i64)> = {
            let mut u = self.used.lock().unwrap_or_else(|p| p.into_inner());
            u.pending.drain().collect()
        };
        if let Err(e) = agents::touch_tokens(db, &batch).await {
            let mut u = self.used.lock().unwrap_or_else(|p| p.into_inner());
            for (id, at) in batch {
                let t = u.pending.entry(id).or_insert(at);
                *t = (*t).max(at);
            }
            return Err(e);
        }
        Ok(batch.len())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How many failed sign-ins an address may make, and over what window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimit {
    /// Failures allowed within the window; the next request is refused.
    pub failures: u32,
    /// The window, counted from an address's first failure in it.
    pub window: Duration,
}

impl SignInLimit {
    pub const DEFAULT_FAILURES: u32 = 10;
    pub const DEFAULT_WINDOW_SECS: u64 = 60;
}

impl Default for SignInLimit {
    fn default() -> Self {
        SignInLimit {
            failures: SignInLimit::DEFAULT_FAILURES,
            window: Duration::from_secs(SignInLimit::DEFAULT_WINDOW_SECS),
        }
    }
}

/// At most this many addresses are counted at once; past it, addresses
/// whose window is over are forgotten first, then the oldest.
const MAX_ADDRESSES: usize = 100_000;

/// Failed sign-ins per client address, in fixed windows: the window starts
/// at an address's first failure; once `failures` have failed within it,
/// every request from the address is refused until the window ends.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    limit: SignInLimit,
    counts: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl SignInThrottle {
    pub fn new(limit: SignInLimit) -> SignInThrottle {
        SignInThrottle {
            limit,
            counts: Mutex::default(),
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (Instant, u32)>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Time until `addr` may try again, if it is refused now.
    pub fn refused(&self, addr: IpAddr, now: Instant) -> Option<Duration> {
        let mut c = self.counts();
        let (start, n) = *c.get(&addr)?;
        let elapsed = now.saturating_duration_since(start);
        if elapsed >= self.limit.window {
            c.remove(&addr);
            return None;
        }
        (n >= self.limit.failures).then(|| self.limit.window - elapsed)
    }

    /// Count a failed sign-in from `addr`; how many in its window so far.
    pub fn failed(&self, addr: IpAddr, now: Instant) -> u32 {
        let window = self.limit.window;
        let mut c = self.counts();
        if c.len() >= MAX_ADDRESSES && !c.contains_key(&addr) {
            c.retain(|_, (start, _)| now.saturating_duration_since(*start) < window);
            if c.len() >= MAX_ADDRESSES
                && let Some(oldest) = c.iter().min_by_key(|(_, (s, _))| *s).map(|(a, _)| *a)
            {
                c.remove(&oldest);
            }
        }
        let e = c.entry(addr).or_insert((now, 0));
        if now.saturating_duration_since(e.0) >= window {
            *e = (now, 0);
        }
        e.1 = e.1.saturating_add(1);
        e.1
    }
}

/// The signed-in agent, in the request's extensions.
#[derive(Debug, Clone)]
pub struct CurrentAgent(pub Agent);

pub const MISSING_TOKEN: &str = "Missing bearer token: set RAPPORT_TOKEN or run `rapport-server agent add` to get one, and send it as `Authorization: Bearer <token>`.";
pub const MALFORMED_HEADER: &str =
    "The Authorization header must be `Bearer <token>` (the word Bearer, a space, then the token).";
pub const UNKNOWN_TOKEN: &str = "The bearer token is not valid here: it may be mistyped, revoked, or for another server. Issue a new one with `rapport-server agent token --name NAME`.";
pub const DISABLED_AGENT: &str = "The agent this token belongs to is disabled, so none of their tokens is accepted. An administrator can enable them again with `rapport-server agent enable --name NAME`.";

/// The sentence for a token that expired at `at` (epoch seconds).
pub fn expired_token(at: i64) -> String {
    let when = chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| at.to_string());
    format!(
        "The bearer token expired on {when}. Issue a new one with `rapport-server agent token --name NAME` (or `agent token rotate ID`)."
    )
}

/// The client's address: the connection's peer, when the server was
/// started with connection info.
fn client_addr(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

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
    let addr = client_addr(&req);
    if let Some(addr) = addr
        && let Some(wait) = state.sign_in.refused(addr, Instant::now())
    {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed sign-ins from this address: try again in {} seconds.",
                wait.as_secs().max(1)
            ),
        )
        .with_instance(instance);
        e.retry_after = Some(wait.as_secs().max(1));
        return Err(e);
    }
    let checked = state
        .tokens
        .check(&state.db, token)
        .await
        .map_err(ApiError::from)?;
    let (agent, reason) = match checked {
        TokenCheck::Valid { agent, .. } => (Some(agent), None),
        TokenCheck::Unknown => (None, Some(("unknown token", UNKNOWN_TOKEN.to_string()))),
        TokenCheck::Expired { at } => (None, Some(("expired token", expired_token(at)))),
        TokenCheck::Disabled => (None, Some(("disabled agent", DISABLED_AGENT.to_string()))),
    };
    let Some(agent) = agent else {
        let (why, sentence) = reason.unwrap_or_default();
        let failures = addr.map(|a| state.sign_in.failed(a, Instant::now()));
        tracing::warn!(
            client = %addr.map_or_else(|| "unknown".to_string(), |a| a.to_string()),
            reason = why,
            failures_in_window = failures.unwrap_or(0),
            "failed sign-in"
        );
        return Err(ApiError::unauthorized(sentence).with_instance(instance));
    };
    tracing::Span::current().record("agent", agent.id);
    req.extensions_mut().insert(CurrentAgent(agent));
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_sign_ins_are_throttled_per_address_within_a_window() {
        let t = SignInThrottle::new(SignInLimit {
            failures: 3,
            window: Duration::from_secs(60),
        });
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        let t0 = Instant::now();
        assert_eq!(t.refused(a, t0), None);
        assert_eq!(t.failed(a, t0), 1);
        assert_eq!(t.failed(a, t0 + Duration::from_secs(10)), 2);
        assert_eq!(t.refused(a, t0 + Duration::from_secs(10)), None);
        assert_eq!(t.failed(a, t0 + Duration::from_secs(20)), 3);
        // The third failure fills the window: refused until 60 s after the
        // first, whatever token comes next.
        assert_eq!(
            t.refused(a, t0 + Duration::from_secs(20)),
            Some(Duration::from_secs(40))
        );
        assert_eq!(
            t.refused(a, t0 + Duration::from_secs(59)),
            Some(Duration::from_secs(1))
        );
        // Another address is not affected.
        assert_eq!(t.refused(b, t0 + Duration::from_secs(20)), None);
        // The window over: allowed again, counting from one.
        assert_eq!(t.refused(a, t0 + Duration::from_secs(60)), None);
        assert_eq!(t.failed(a, t0 + Duration::from_secs(61)), 1);
    }

    #[test]
    fn a_tokens_use_is_noted_at_most_once_a_minute() {
        let c = TokenCache::default();
        c.note_use(1, 1_000);
        c.note_use(1, 1_030);
        c.note_use(2, 1_030);
        c.note_use(1, 1_059);
        {
            let u = c.used.lock().unwrap();
            assert_eq!(u.pending.get(&1), Some(&1_000));
            assert_eq!(u.pending.get(&2), Some(&1_030));
        }
        c.note_use(1, 1_060);
        assert_eq!(c.used.lock().unwrap().pending.get(&1), Some(&1_060));
    }

    #[test]
    fn an_expired_tokens_sentence_says_when() {
        let s = expired_token(1_767_225_600);
        assert!(s.contains("expired on 2026-01-01 00:00 UTC"), "{s}");
        assert!(!s.contains("rpt_"));
    }
}
