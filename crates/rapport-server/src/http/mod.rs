//! The HTTP API: routes, authentication, problem responses, and the OpenAPI
//! document generated from the `rapport-api` types.

pub mod analytics;
pub mod auth;
pub mod customers;
pub mod events;
pub mod idempotency;
pub mod problem;
pub mod queues;
pub mod recording;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, patch, post, put};
use axum::{Extension, Json, Router, middleware};
use chrono::NaiveDate;
use rapport_api::{
    Address, Agent, AgentRef, Approval, AuditEntry, Authority, Channel, Complaint, ComplaintPatch,
    ComplaintStatus, Consent, ConsentPatch, CustomerHit, CustomerView, Decision, Direction, Event,
    EventBody, FieldError, Health, Interaction, InteractionPage, MatchField, MatchKind, Me,
    MonthSpend, NewComplaint, NewInteraction, NewRecoveryAction, OrderSummary, OutcomeCode, Phone,
    PhoneKind, Preferences, PreferencesPatch, Presence, PresenceUpdate, Problem, Profile,
    PurchaseSummary, ReasonCode, RecoveryAction, RecoveryKind, RecoveryKindInfo, RecoveryStatus,
    RelationshipStage, RevealRequest, RevealedContact, Role, SearchResponse, Sentiment, Severity,
    SlaPolicy, Taxonomy, Tier,
};
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use self::auth::CurrentAgent;
use self::problem::ApiError;
use crate::{Db, ServerConfig};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: ServerConfig,
    pub events: Arc<crate::events::Events>,
    pub inflight: Arc<idempotency::InFlight>,
    pub analytics: Arc<crate::analytics::live::Analytics>,
    /// Wakes the desk publisher and the simulator after call changes.
    pub live: Arc<crate::queues::Live>,
    /// Bearer tokens already checked.
    pub tokens: Arc<auth::TokenCache>,
    /// Failed sign-ins per client address.
    pub sign_in: Arc<auth::SignInThrottle>,
}

impl AppState {
    pub fn new(db: Db, config: ServerConfig) -> AppState {
        let analytics = crate::analytics::live::Analytics::new(
            db.clone(),
            config.analytics.clone(),
            config.as_of,
        );
        let sign_in = Arc::new(auth::SignInThrottle::new(config.sign_in));
        AppState {
            db,
            config,
            events: Arc::default(),
            inflight: Arc::default(),
            analytics,
            live: Arc::default(),
            tokens: Arc::default(),
            sign_in,
        }
    }

    /// The analysis date: fixed by configuration, or today (UTC).
    pub fn as_of(&self) -> NaiveDate {
        self.config
            .as_of
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Every `/v1` route: method, path (under [`rapport_api::API_PREFIX`]) and
/// handler. The router is built from this list and [`route_table`] lists
/// it, so the route-by-role test covers every route there is.
fn v1_routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/me", get(me)),
        (Method::GET, "/customers", get(customers::search_customers)),
        (
            Method::GET,
            "/customers/by-phone/{e164}",
            get(customers::customers_by_phone),
        ),
        (
            Method::GET,
            "/customers/{id}/view",
            get(customers::customer_view),
        ),
        (
            Method::POST,
            "/customers/{id}/reveal",
            post(customers::reveal_contact),
        ),
        (
            Method::GET,
            "/customers/{id}/interactions",
            get(customers::customer_interactions),
        ),
        (
            Method::PATCH,
            "/customers/{id}/preferences",
            patch(recording::update_preferences),
        ),
        (
            Method::POST,
            "/interactions",
            post(recording::create_interaction),
        ),
        (
            Method::POST,
            "/complaints",
            post(recording::create_complaint),
        ),
        (
            Method::GET,
            "/complaints/at-risk",
            get(recording::complaints_at_risk),
        ),
        (
            Method::GET,
            "/complaints/{id}",
            get(recording::get_complaint),
        ),
        (
            Method::PATCH,
            "/complaints/{id}",
            patch(recording::update_complaint),
        ),
        (
            Method::POST,
            "/complaints/{id}/recovery-actions",
            post(recording::create_recovery_action),
        ),
        (
            Method::POST,
            "/recovery-actions/{id}/approve",
            post(recording::approve),
        ),
        (
            Method::POST,
            "/recovery-actions/{id}/reject",
            post(recording::reject),
        ),
        (Method::GET, "/approvals", get(recording::approvals)),
        (Method::GET, "/taxonomy", get(recording::get_taxonomy)),
        (Method::GET, "/me/authority", get(recording::my_authority)),
        (Method::PUT, "/presence", put(recording::put_presence)),
        (Method::GET, "/audit", get(recording::get_audit)),
        (Method::GET, "/events", get(events::events)),
        (Method::POST, "/orders", post(analytics::create_order)),
        (
            Method::POST,
            "/suggestions/{id}/response",
            post(analytics::respond),
        ),
        (Method::GET, "/analytics/insights", get(analytics::insights)),
        // Live queues.
        (Method::POST, "/calls", post(queues::call_hook)),
        (Method::GET, "/queues", get(queues::list_queues)),
        (Method::GET, "/queues/report", get(queues::report)),
        (Method::GET, "/queues/{id}/what-if", get(queues::what_if)),
        (Method::GET, "/desk", get(queues::get_desk)),
        (Method::GET, "/agents", get(queues::list_agents)),
        (Method::GET, "/agents/me/state", get(queues::my_state)),
        (Method::PUT, "/agents/me/state", put(queues::set_my_state)),
    ]
}

/// Routes without a token: `(method, path)`.
const OPEN_ROUTES: [(Method, &str); 2] = [(Method::GET, "/health"), (Method::GET, "/openapi.json")];

/// Every route the server answers, as `(method, full path)`, open ones
/// first: what the router is built from.
pub fn route_table() -> Vec<(Method, String)> {
    OPEN_ROUTES
        .iter()
        .map(|(m, p)| (m.clone(), p.to_string()))
        .chain(
            v1_routes()
                .into_iter()
                .map(|(m, p, _)| (m, format!("{}{p}", rapport_api::API_PREFIX))),
        )
        .collect()
}

/// The whole API as a router (without a listener: tests can drive it directly).
pub fn router(state: AppState) -> Router {
    let v1 = v1_routes()
        .into_iter()
        .fold(Router::new(), |r, (_, path, handler)| {
            r.route(path, handler)
        })
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_agent,
        ))
        .layer(middleware::map_response(no_store));
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi_json))
        .nest(rapport_api::API_PREFIX, v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        agent = tracing::field::Empty,
                    )
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .with_state(state)
}

/// Every `/v1` answer is about customers or agents and for one agent's
/// eyes: no cache (a browser's, a proxy's) may keep it.
async fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .entry(axum::http::header::CACHE_CONTROL)
        .or_insert(axum::http::HeaderValue::from_static("no-store"));
    res
}

/// Liveness and database reachability (no authentication).
#[utoipa::path(
    get,
    path = "/health",
    tag = "meta",
    security(()),
    responses(
        (status = 200, description = "Serving, and the database answers", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
pub async fn health(State(state): State<AppState>) -> Response {
    let ok = sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(state.db.pool())
        .await
        .is_ok();
    let body = Health {
        status: if ok { "ok" } else { "unavailable" }.to_string(),
        version: VERSION.to_string(),
        database: state.db.backend().to_string(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Who the bearer token belongs to.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "meta",
    responses(
        (status = 200, description = "The signed-in agent", body = Me),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn me(Extension(CurrentAgent(agent)): Extension<CurrentAgent>) -> Json<Me> {
    Json(Me {
        agent,
        server_version: VERSION.to_string(),
    })
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 description of this API"))
)]
pub async fn openapi_json() -> Response {
    let mut res = Json(openapi()).into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache"),
    );
    res
}

async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "There is no {method} {} on this server. See /openapi.json for the endpoints it offers.",
        uri.path()
    ))
    .with_instance(uri.path().to_string())
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} does not accept {method}. See /openapi.json for the methods it does.",
            uri.path()
        ),
    )
    .with_instance(uri.path().to_string())
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A per-agent token from `rapport-server agent add` (stored hashed).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The responses any operation can give, added where a handler's own list
/// does not name them: 401 on every `/v1` route (no valid token), 500 (a
/// fault) and 503 (the database is unavailable or full) everywhere.
fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    rapport_api::PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let secured = path.starts_with(rapport_api::API_PREFIX);
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let r = &mut op.responses.responses;
            if secured {
                r.entry("401".into())
                    .or_insert_with(|| problem("No valid bearer token"));
            }
            r.entry("500".into())
                .or_insert_with(|| problem("An unexpected fault on the server (it is logged)"));
            r.entry("503".into()).or_insert_with(|| {
                problem("The database is unavailable or out of space; retry later")
            });
        }
    }
}

/// The whole OpenAPI document: [`ApiDoc`] and the analytics part, with
/// the responses every operation can give.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(analytics::AnalyticsDoc::openapi());
    add_common_responses(&mut doc);
    doc
}

/// The OpenAPI document, generated from the handlers and the wire types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rapport API",
        description = "The contact-centre desk's backend: customer search, the customer-360 view, history, recording of interactions, complaints and service recovery, live call queues driven by telephony hooks (POST /v1/calls), live events. Every create carries an Idempotency-Key; every update carries If-Match with the version read. Errors are application/problem+json (RFC 9457). Money is integer minor units with an ISO 4217 code; instants are UTC RFC 3339.",
    ),
    paths(
        health,
        openapi_json,
        me,
        customers::search_customers,
        customers::customers_by_phone,
        customers::customer_view,
        customers::reveal_contact,
        customers::customer_interactions,
        recording::create_interaction,
        recording::create_complaint,
        recording::get_complaint,
        recording::update_complaint,
        recording::complaints_at_risk,
        recording::create_recovery_action,
        recording::approve,
        recording::reject,
        recording::approvals,
        recording::update_preferences,
        recording::get_taxonomy,
        recording::my_authority,
        recording::put_presence,
        recording::get_audit,
        events::events,
        queues::call_hook,
        queues::list_queues,
        queues::report,
        queues::what_if,
        queues::get_desk,
        queues::list_agents,
        queues::my_state,
        queues::set_my_state,
    ),
    components(schemas(
        Address, Agent, AgentRef, Approval, AuditEntry, Authority, Channel, Complaint,
        ComplaintPatch, ComplaintStatus, Consent, ConsentPatch, CustomerHit, CustomerView,
        Decision, Direction, Event, EventBody, FieldError, Health, Interaction, InteractionPage,
        MatchField, MatchKind, Me, MonthSpend, NewComplaint, NewInteraction, NewRecoveryAction,
        OrderSummary, OutcomeCode, Phone, PhoneKind, Preferences, PreferencesPatch, Presence,
        PresenceUpdate, Problem, Profile, PurchaseSummary, ReasonCode, RecoveryAction,
        RecoveryKind, RecoveryKindInfo, RecoveryStatus, RelationshipStage, Role, SearchResponse,
        Sentiment, Severity, SlaPolicy, Taxonomy, Tier, RevealRequest, RevealedContact,
        rapport_api::AgentState, rapport_api::AgentStatus, rapport_api::Alert,
        rapport_api::AlertKind, rapport_api::Call, rapport_api::CallHook,
        rapport_api::CallStatus, rapport_api::Desk, rapport_api::Fcr, rapport_api::Figures,
        rapport_api::Queue, rapport_api::QueueFigures, rapport_api::QueueLive,
        rapport_api::Report, rapport_api::SlTarget, rapport_api::Staffing,
        rapport_api::StateChange, rapport_api::StateCounts, rapport_api::WhatIf,
        rapport_api::WhatIfRow,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "customers", description = "Find customers and read their relationship"),
        (name = "recording", description = "Record interactions, complaints, service recovery and preference changes"),
        (name = "events", description = "Live events as server-sent events"),
        (name = "queues", description = "Live queues: the telephony hooks, agents' states, the supervisor desk and Erlang C"),
        (name = "meta", description = "Health, identity and this document"),
    )
)]
pub struct ApiDoc;
