//! Write endpoints (interactions, complaints, recovery actions, approvals,
//! preferences), the reads that go with them (taxonomy, a complaint, the
//! approvals queue, complaints at risk, the audit trail, the agent's
//! authority), and presence.
//!
//! Every write goes through [`idempotency::write`]: `Idempotency-Key`
//! required, the first response stored with the effect and replayed for a
//! retry. Updates also need `If-Match` with the version read.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use rapport_api::{
    Agent, Approval, AuditEntry, Authority, Complaint, ComplaintPatch, Decision, Interaction,
    NewComplaint, NewInteraction, NewRecoveryAction, Preferences, PreferencesPatch, Presence,
    PresenceUpdate, Problem, RecoveryAction, Role, Taxonomy,
};

use super::AppState;
use super::auth::CurrentAgent;
use super::idempotency::{self, write};
use super::problem::ApiError;
use crate::recording::{complaints, interactions, limits, preferences, recovery, taxonomy};
use crate::{audit, error::Error};

/// The version in `If-Match` (`"3"`, `W/"3"` or `3`); 428 when missing.
pub fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        let mut e = ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "Updates need an If-Match header with the version you read (for example If-Match: \"3\"), so nobody's change is silently overwritten.",
        );
        e.problem.type_ = "https://rapport.dev/problems/if-match-required".into();
        return Err(e);
    };
    let raw = v.to_str().unwrap_or_default().trim();
    raw.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map_err(|_| {
            ApiError::invalid(
                "If-Match",
                format!("If-Match must carry a version number such as \"3\"; got '{raw}'."),
            )
        })
}

fn path_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.trim().parse::<i64>().map_err(|_| {
        ApiError::invalid(
            "id",
            format!("A {what} id is a whole number, such as 42; got '{raw}'."),
        )
    })
}

/// 403 unless the agent is a supervisor or admin.
pub fn require_supervisor(agent: &Agent, what: &str) -> Result<(), ApiError> {
    if agent.role == Role::Agent {
        return Err(ApiError::forbidden(format!(
            "Only supervisors and admins can {what}; you are signed in as an agent."
        )));
    }
    Ok(())
}

/// Record a contact with a customer.
#[utoipa::path(
    post, path = "/v1/interactions", tag = "recording",
    request_body = NewInteraction,
    params(("Idempotency-Key" = String, Header, description = "Unique per change; resent unchanged on retry")),
    responses(
        (status = 201, description = "Recorded (or replayed for a retried key). With call_id, the call's wrap-up is complete and the agent available again if they were still in after-call work for it", body = Interaction),
        (status = 400, description = "Missing key, or a field is invalid (call_id not the agent's own answered call)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The first request with this key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for a different body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_interaction(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // A wrap-up ends the agent's after-call work: announced with the
    // interaction once committed (the desk, and a call that may come at
    // once with the caller's view).
    let outcome = std::sync::Mutex::new(crate::queues::Outcome::default());
    let res = write(
        &state,
        &agent,
        &headers,
        "POST /v1/interactions",
        &body,
        StatusCode::CREATED,
        async |conn, w, new: NewInteraction| {
            let mut out = crate::queues::Outcome::default();
            let written = interactions::create(conn, w, &new, &mut out).await?;
            *outcome
                .lock()
                .map_err(|_| Error::Corrupt("outcome lock".into()))? = out;
            Ok(written)
        },
    )
    .await?;
    let mut out = outcome.into_inner().unwrap_or_default();
    if out != crate::queues::Outcome::default() {
        crate::queues::pop::attach(&state.db, &state.events, &mut out, None, state.as_of()).await;
        state.live.announce(&state.events, &out);
    }
    Ok(res)
}

/// Open a complaint: SLA by severity, regulatory clocks from receipt.
#[utoipa::path(
    post, path = "/v1/complaints", tag = "recording",
    request_body = NewComplaint,
    params(("Idempotency-Key" = String, Header, description = "Unique per change; resent unchanged on retry")),
    responses(
        (status = 201, description = "Opened", body = Complaint),
        (status = 400, description = "Missing key, or a field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The first request with this key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for a different body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_complaint(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    write(
        &state,
        &agent,
        &headers,
        "POST /v1/complaints",
        &body,
        StatusCode::CREATED,
        async |conn, w, new: NewComplaint| complaints::create(conn, w, &new).await,
    )
    .await
}

/// One complaint with its recovery actions.
#[utoipa::path(
    get, path = "/v1/complaints/{id}", tag = "recording",
    params(("id" = i64, Path, description = "Complaint id")),
    responses(
        (status = 200, description = "The complaint", body = Complaint),
        (status = 404, description = "No such complaint", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_complaint(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Complaint>, ApiError> {
    let id = path_id(&id, "complaint")?;
    let mut conn = state.db.pool().acquire().await.map_err(Error::from)?;
    Ok(Json(complaints::get(&mut conn, id).await?))
}

/// Move a complaint through its lifecycle, assign, escalate or resolve it.
#[utoipa::path(
    patch, path = "/v1/complaints/{id}", tag = "recording",
    request_body = ComplaintPatch,
    params(
        ("id" = i64, Path, description = "Complaint id"),
        ("If-Match" = String, Header, description = "The version read, e.g. \"3\""),
        ("Idempotency-Key" = String, Header, description = "Unique per change; resent unchanged on retry"),
    ),
    responses(
        (status = 200, description = "Updated", body = Complaint),
        (status = 400, description = "Invalid change or lifecycle step", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Reassigning (other than taking an unassigned complaint) or lowering the severity, by an agent who does not own the complaint", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since it was read; `current` holds it as it is now", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_complaint(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "complaint")?;
    let version = if_match(&headers)?;
    write(
        &state,
        &agent,
        &headers,
        &format!("PATCH /v1/complaints/{id} {version}"),
        &body,
        StatusCode::OK,
        async |conn, w, patch: ComplaintPatch| {
            complaints::update(conn, w, id, version, &patch).await
        },
    )
    .await
}

/// Query of `GET /v1/complaints/at-risk`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtRiskParams {
    /// Deadlines within this many hours (default 24; breached ones always).
    within_hours: Option<i64>,
    /// At most this many (default 50, at most 500).
    limit: Option<i64>,
}

/// Open complaints about to breach their SLA (and breached ones), soonest
/// first. Supervisors and admins.
#[utoipa::path(
    get, path = "/v1/complaints/at-risk", tag = "recording",
    params(AtRiskParams),
    responses(
        (status = 200, description = "Complaints, soonest deadline first", body = [Complaint]),
        (status = 403, description = "Not a supervisor or admin", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "within_hours or limit out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn complaints_at_risk(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Query(p): Query<AtRiskParams>,
) -> Result<Json<Vec<Complaint>>, ApiError> {
    require_supervisor(&agent, "list complaints at risk")?;
    let hours = p.within_hours.unwrap_or(24);
    if !(0..=24 * 90).contains(&hours) {
        return Err(ApiError::invalid(
            "within_hours",
            format!(
                "within_hours must be from 0 to {} (90 days); got {hours}.",
                24 * 90
            ),
        ));
    }
    let limit = p.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("limit must be from 1 to 500; got {limit}."),
        ));
    }
    let mut conn = state.db.pool().acquire().await.map_err(Error::from)?;
    let until = Utc::now() + chrono::Duration::hours(hours);
    Ok(Json(complaints::due_before(&mut conn, until, limit).await?))
}

/// Request a service-recovery action on a complaint. Money actions over the
/// agent's authority wait for approval.
#[utoipa::path(
    post, path = "/v1/complaints/{id}/recovery-actions", tag = "recording",
    request_body = NewRecoveryAction,
    params(
        ("id" = i64, Path, description = "Complaint id"),
        ("Idempotency-Key" = String, Header, description = "Unique per change; resent unchanged on retry"),
    ),
    responses(
        (status = 201, description = "Done at once (`done`) or waiting (`pending_approval`, with the reason)", body = RecoveryAction),
        (status = 400, description = "Missing key, or a field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The first request with this key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for a different body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_recovery_action(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "complaint")?;
    write(
        &state,
        &agent,
        &headers,
        &format!("POST /v1/complaints/{id}/recovery-actions"),
        &body,
        StatusCode::CREATED,
        async |conn, w, new: NewRecoveryAction| recovery::request(conn, w, id, &new).await,
    )
    .await
}

async fn decide(
    state: AppState,
    agent: Agent,
    id: String,
    headers: HeaderMap,
    body: Bytes,
    approve: bool,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "recovery action")?;
    require_supervisor(
        &agent,
        if approve {
            "approve recovery actions"
        } else {
            "reject recovery actions"
        },
    )?;
    let verb = if approve { "approve" } else { "reject" };
    // An empty body is a decision without a note.
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &body
    };
    write(
        &state,
        &agent,
        &headers,
        &format!("POST /v1/recovery-actions/{id}/{verb}"),
        body,
        StatusCode::OK,
        async |conn, w, d: Decision| recovery::decide(conn, w, id, approve, &d.note).await,
    )
    .await
}

/// Approve a pending action: it takes effect, once. Not your own request.
#[utoipa::path(
    post, path = "/v1/recovery-actions/{id}/approve", tag = "recording",
    request_body = Decision,
    params(
        ("id" = i64, Path, description = "Recovery action id"),
        ("Idempotency-Key" = String, Header, description = "Unique per change; resent unchanged on retry"),
    ),
    responses(
        (status = 200, description = "Approved and done", body = RecoveryAction),
        (status = 403, description = "Not a supervisor/admin, your own request, or beyond your authority", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Missing key, or the id or note is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such recovery action", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for a different body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    decide(state, agent, id, headers, body, true).await
}

/// Reject a pending action, with the reason.
#[utoipa::path(
    post, path = "/v1/recovery-actions/{id}/reject", tag = "recording",
    request_body = Decision,
    params(
        ("id" = i64, Path, description = "Recovery action id"),
        ("Idempotency-Key" = String, Header, description = "Unique per change; resent unchanged on retry"),
    ),
    responses(
        (status = 200, description = "Rejected", body = RecoveryAction),
        (status = 400, description = "No reason given", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a supervisor/admin, or your own request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such recovery action", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for a different body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    decide(state, agent, id, headers, body, false).await
}

/// Recovery actions waiting for approval, oldest first. Supervisors and
/// admins.
#[utoipa::path(
    get, path = "/v1/approvals", tag = "recording",
    responses(
        (status = 200, description = "Waiting actions", body = [Approval]),
        (status = 403, description = "Not a supervisor or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn approvals(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
) -> Result<Json<Vec<Approval>>, ApiError> {
    require_supervisor(&agent, "see the approvals queue")?;
    let mut conn = state.db.pool().acquire().await.map_err(Error::from)?;
    Ok(Json(recovery::pending(&mut conn, 500).await?))
}

/// Change contact preferences and marketing consent.
#[utoipa::path(
    patch, path = "/v1/customers/{id}/preferences", tag = "recording",
    request_body = PreferencesPatch,
    params(
        ("id" = i64, Path, description = "Customer id"),
        ("If-Match" = String, Header, description = "The version read, e.g. \"3\""),
        ("Idempotency-Key" = String, Header, description = "Unique per change; resent unchanged on retry"),
    ),
    responses(
        (status = 200, description = "Updated", body = Preferences),
        (status = 400, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since it was read; `current` holds it as it is now", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_preferences(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "customer")?;
    let version = if_match(&headers)?;
    write(
        &state,
        &agent,
        &headers,
        &format!("PATCH /v1/customers/{id}/preferences {version}"),
        &body,
        StatusCode::OK,
        async |conn, w, patch: PreferencesPatch| {
            preferences::update(conn, w, id, version, &patch).await
        },
    )
    .await
}

/// What the forms offer: reasons, outcomes, complaint categories, recovery
/// action types, SLA per severity.
#[utoipa::path(
    get, path = "/v1/taxonomy", tag = "recording",
    responses((status = 200, description = "The lists", body = Taxonomy))
)]
pub async fn get_taxonomy(State(state): State<AppState>) -> Result<Json<Taxonomy>, ApiError> {
    let mut conn = state.db.read().await.map_err(Error::from)?;
    Ok(Json(taxonomy::load(&mut *conn).await?))
}

/// Query of `GET /v1/me/authority`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorityParams {
    /// ISO 4217 code, e.g. GBP.
    currency: String,
}

/// What the signed-in agent may still grant today without approval.
#[utoipa::path(
    get, path = "/v1/me/authority", tag = "recording",
    params(AuthorityParams),
    responses(
        (status = 200, description = "Limits and what is left of them today", body = Authority),
        (status = 400, description = "No currency given", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_authority(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Query(p): Query<AuthorityParams>,
) -> Result<Json<Authority>, ApiError> {
    let mut conn = state.db.pool().acquire().await.map_err(Error::from)?;
    let currency = p.currency.trim().to_ascii_uppercase();
    Ok(Json(
        limits::authority(&mut conn, &agent, &currency, Utc::now()).await?,
    ))
}

/// Say which customer this agent has open (repeat every 30 s while it
/// stays open; it lapses after 60 s). Answers who else has it open.
#[utoipa::path(
    put, path = "/v1/presence", tag = "recording",
    request_body = PresenceUpdate,
    responses(
        (status = 200, description = "Who else has this customer open", body = Presence),
        (status = 204, description = "Cleared"),
        (status = 400, description = "The body is not a presence update", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_presence(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let p: PresenceUpdate = idempotency::json_body(&body)?;
    let me = rapport_api::AgentRef {
        id: agent.id,
        name: agent.name.clone(),
    };
    state.events.set_presence(&me, p.customer_id);
    Ok(match p.customer_id {
        Some(c) => Json(Presence {
            customer_id: c,
            viewers: state.events.viewers(c, Some(agent.id)),
        })
        .into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Query of `GET /v1/audit`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// `interaction`, `complaint`, `recovery_action` or `preferences`.
    entity: Option<String>,
    entity_id: Option<i64>,
    customer_id: Option<i64>,
    /// Entries older than this id (paging).
    before: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<i64>,
}

/// The audit trail, newest first. Supervisors and admins.
#[utoipa::path(
    get, path = "/v1/audit", tag = "recording",
    params(AuditParams),
    responses(
        (status = 200, description = "Entries, newest first", body = [AuditEntry]),
        (status = 403, description = "Not a supervisor or admin", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "A parameter is not a number, or limit is out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_audit(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Query(p): Query<AuditParams>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    require_supervisor(&agent, "read the audit trail")?;
    let f = audit::Filter {
        entity: p.entity,
        entity_id: p.entity_id,
        customer_id: p.customer_id,
        before_id: p.before,
        limit: match p.limit.unwrap_or(100) {
            n @ 1..=1000 => n,
            n => {
                return Err(ApiError::invalid(
                    "limit",
                    format!("limit must be from 1 to 1000; got {n}."),
                ));
            }
        },
    };
    Ok(Json(audit::list(&state.db, &f).await?))
}
