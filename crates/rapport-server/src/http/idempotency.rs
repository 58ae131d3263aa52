//! Exactly-once writes over an unreliable network.
//!
//! Every write carries an `Idempotency-Key`. The first response to a key is
//! stored in the same transaction as the write's effect, so after any failure
//! (a crash, a dropped connection) either both exist or neither does, and a
//! retry either replays the stored response or performs the write for the
//! first time. A retry with the same key but another body is refused with
//! 422; a retry while the first request is still running gets 409 with
//! `Retry-After`. Keys are scoped to the agent who sent them and kept for
//! [`KEEP_DAYS`] days, longer than any client holds a queued write.
//!
//! [`write`] wraps a library write with all of this: key, body parsing with
//! field paths, the transaction, the stored response, the event announced
//! after commit.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rapport_api::{Agent, AgentId, IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_MAX, IDEMPOTENT_REPLAYED};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use super::AppState;
use super::problem::ApiError;
use crate::Db;
use crate::recording::{Writer, Written};

/// Days a stored response is kept.
pub const KEEP_DAYS: i64 = 30;

/// Keys whose first request is running now, in this process.
#[derive(Debug, Default)]
pub struct InFlight(Mutex<HashSet<(AgentId, String)>>);

/// This request owns its key until dropped.
pub struct Claim {
    inflight: Arc<InFlight>,
    agent: AgentId,
    key: String,
    fingerprint: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Ok(mut set) = self.inflight.0.lock() {
            set.remove(&(self.agent, std::mem::take(&mut self.key)));
        }
    }
}

pub enum Begin {
    /// The key was used before with this body: here is what was answered.
    Replay(Response),
    /// First use: do the work, then [`Claim::finish`].
    Fresh(Claim),
}

/// The request's key, or 400 saying how to send one.
pub fn key_of(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(v) = headers.get(IDEMPOTENCY_KEY) else {
        return Err(ApiError::invalid(
            IDEMPOTENCY_KEY,
            "Writes need an Idempotency-Key header: a unique value (such as a UUID) per change, \
             sent again unchanged when the same change is retried.",
        ));
    };
    let key = v.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty()
        || key.len() > IDEMPOTENCY_KEY_MAX
        || !key.chars().all(|c| c.is_ascii_graphic())
    {
        return Err(ApiError::invalid(
            IDEMPOTENCY_KEY,
            format!(
                "The Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters, such as a UUID."
            ),
        ));
    }
    Ok(key.to_string())
}

/// Claim the key or find its stored response.
pub async fn begin(
    db: &Db,
    inflight: &Arc<InFlight>,
    agent: AgentId,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
) -> Result<Begin, ApiError> {
    let key = key_of(headers)?;
    let fingerprint = format!("{route} {}", hex::encode(Sha256::digest(body)));
    {
        let mut set = inflight.0.lock().map_err(|_| ApiError::internal())?;
        if !set.insert((agent, key.clone())) {
            return Err(still_running());
        }
    }
    let claim = Claim {
        inflight: Arc::clone(inflight),
        agent,
        key,
        fingerprint,
    };
    let stored: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT fingerprint, status, body FROM idempotency_keys WHERE agent_id = ? AND key = ?",
    )
    .bind(agent)
    .bind(&claim.key)
    .fetch_optional(db.pool())
    .await
    .map_err(|e| ApiError::from(crate::error::Error::from(e)))?;
    match stored {
        None => Ok(Begin::Fresh(claim)),
        Some((fp, _, _)) if fp != claim.fingerprint => Err(reused()),
        Some((_, status, body)) => Ok(Begin::Replay(json_response(status as u16, body, true))),
    }
}

fn still_running() -> ApiError {
    let mut e = ApiError::new(
        StatusCode::CONFLICT,
        "The first request with this Idempotency-Key is still being processed; retry in a moment.",
    );
    e.problem.type_ = "https://rapport.dev/problems/idempotency-in-flight".into();
    e.retry_after = Some(1);
    e
}

fn reused() -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "This Idempotency-Key was already used for a different request. Use a new key for a new change.",
    );
    e.problem.type_ = "https://rapport.dev/problems/idempotency-key-reused".into();
    e
}

impl Claim {
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Store the response inside the write's transaction and return it.
    pub async fn finish<T: Serialize>(
        &self,
        conn: &mut SqliteConnection,
        status: StatusCode,
        value: &T,
    ) -> Result<Response, ApiError> {
        let body = serde_json::to_string(value).map_err(|_| ApiError::internal())?;
        let stored = sqlx::query(
            "INSERT INTO idempotency_keys (agent_id, key, fingerprint, status, body, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(self.agent)
        .bind(&self.key)
        .bind(&self.fingerprint)
        .bind(status.as_u16() as i64)
        .bind(&body)
        .bind(Utc::now().timestamp())
        .execute(conn)
        .await;
        match stored {
            Ok(_) => Ok(json_response(status.as_u16(), body, false)),
            // Another server on the same database finished this key first:
            // the caller's transaction rolls back; its retry will replay.
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Err(still_running()),
            Err(e) => Err(crate::error::Error::from(e).into()),
        }
    }
}

fn json_response(status: u16, body: String, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        res.headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    res
}

/// Parse a JSON body, naming the field at fault.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let pointer = if path == "." {
            "/".to_string()
        } else {
            format!("/{}", path.replace('.', "/"))
        };
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            format!("The body is not valid JSON ({inner}).")
        } else {
            format!("{}: {inner}.", pointer)
        };
        ApiError::invalid(pointer, message)
    })
}

/// Run one write exactly once per key: parse the body, open a write
/// transaction, run `f`, store and return the response, commit, announce
/// the event.
pub async fn write<Req, T>(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
    status: StatusCode,
    f: impl AsyncFnOnce(&mut SqliteConnection, &Writer<'_>, Req) -> crate::error::Result<Written<T>>,
) -> Result<Response, ApiError>
where
    Req: DeserializeOwned,
    T: Serialize,
{
    let claim = match begin(&state.db, &state.inflight, agent.id, headers, route, body).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(c) => c,
    };
    let req: Req = json_body(body)?;
    let w = Writer {
        agent,
        at: Utc::now(),
        request_key: Some(claim.key()),
    };
    let mut tx = state.db.write().await.map_err(db_error)?;
    let written = f(&mut tx, &w, req).await?;
    let res = claim.finish(&mut tx, status, &written.value).await?;
    tx.commit().await.map_err(db_error)?;
    state.events.committed_events(&written.events);
    Ok(res)
}

fn db_error(e: sqlx::Error) -> ApiError {
    crate::error::Error::from(e).into()
}

/// Forget stored responses older than [`KEEP_DAYS`].
pub async fn prune(db: &Db) -> Result<u64, sqlx::Error> {
    let cutoff = Utc::now().timestamp() - KEEP_DAYS * 86_400;
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?")
            .bind(cutoff)
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_required_and_checked() {
        let mut h = HeaderMap::new();
        let e = key_of(&h).unwrap_err();
        assert_eq!(e.problem.status, 400);
        assert_eq!(e.problem.errors[0].path, IDEMPOTENCY_KEY);
        h.insert(IDEMPOTENCY_KEY, HeaderValue::from_static("has space"));
        assert!(key_of(&h).is_err());
        h.insert(
            IDEMPOTENCY_KEY,
            HeaderValue::from_static("7d1c1f4e-0a4e-4d55-9d0e-3f1f1a2b3c4d"),
        );
        assert_eq!(key_of(&h).unwrap(), "7d1c1f4e-0a4e-4d55-9d0e-3f1f1a2b3c4d");
    }

    #[test]
    fn body_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct B {
            inner: Inner,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            n: u32,
        }
        let e = json_body::<B>(br#"{"inner":{"n":"x"}}"#).unwrap_err();
        assert_eq!(e.problem.errors[0].path, "/inner/n");
        let e = json_body::<B>(b"{not json").unwrap_err();
        assert!(e.problem.detail.unwrap().contains("not valid JSON"));
    }
}
