//! Analytics endpoints: order intake, responses to suggestions, and the
//! supervisors' insights. A customer's own figures travel in the customer
//! view (`GET /v1/customers/{id}/view`, member `analytics`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use rapport_api::{
    AnalyticsSettings, BtydParams, ChurnReason, ChurnRisk, ChurnSignal, Clv, CustomerAnalytics,
    Decile, Insights, ModelClv, NewOrder, NewOrderLine, NewSuggestionResponse, NpsAnswer,
    NpsBreakdown, NpsCategory, NpsGroup, OrderSummary, Pareto, Problem, ProfitPotential,
    RetentionBasis, Rfm, RuleStats, Segment, SegmentStats, Suggestion, SuggestionAnswer,
    SuggestionKind, SuggestionResponse,
};
use utoipa::OpenApi;

use super::AppState;
use super::auth::CurrentAgent;
use super::idempotency::write;
use super::problem::ApiError;
use crate::analytics::{read, responses};
use crate::error::Error;
use crate::recording::orders;

/// Record an order placed; the customer's figures are recomputed at once.
#[utoipa::path(
    post, path = "/v1/orders", tag = "analytics",
    request_body = NewOrder,
    params(("Idempotency-Key" = String, Header, description = "Unique per order; resent unchanged on retry")),
    responses(
        (status = 201, description = "Recorded (or replayed for a retried key)", body = OrderSummary),
        (status = 400, description = "Missing key, or a field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The first request with this key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for a different body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_order(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    write(
        &state,
        &agent,
        &headers,
        "POST /v1/orders",
        &body,
        StatusCode::CREATED,
        async |conn, w, new: NewOrder| orders::create(conn, w, &new).await,
    )
    .await
}

/// Record the customer's answer to a cross-sell or up-sell suggestion.
#[utoipa::path(
    post, path = "/v1/suggestions/{id}/response", tag = "analytics",
    request_body = NewSuggestionResponse,
    params(
        ("id" = i64, Path, description = "Suggestion id, from the customer view"),
        ("Idempotency-Key" = String, Header, description = "Unique per answer; resent unchanged on retry"),
    ),
    responses(
        (status = 201, description = "Recorded (or replayed for a retried key)", body = SuggestionResponse),
        (status = 400, description = "Missing key, or a field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such suggestion", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The first request with this key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for a different body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn respond(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id: i64 = id.trim().parse().map_err(|_| {
        ApiError::invalid(
            "id",
            format!(
                "A suggestion id is a whole number, as the customer view gives it; got '{id}'."
            ),
        )
    })?;
    write(
        &state,
        &agent,
        &headers,
        &format!("POST /v1/suggestions/{id}/response"),
        &body,
        StatusCode::CREATED,
        async |conn, w, new: NewSuggestionResponse| responses::record(conn, w, id, &new).await,
    )
    .await
}

/// The 80/20 view, NPS by segment and team, retention per segment, and
/// every rule with its conversion, from the latest refresh. Aggregates
/// only: open to every role.
#[utoipa::path(
    get, path = "/v1/analytics/insights", tag = "analytics",
    responses(
        (status = 200, description = "The latest refresh's population figures", body = Insights),
        (status = 503, description = "No refresh has finished yet", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn insights(State(state): State<AppState>) -> Result<Json<Insights>, ApiError> {
    let mut conn = state.db.pool().acquire().await.map_err(Error::from)?;
    match read::insights(&mut conn).await? {
        Some(i) => Ok(Json(i)),
        None => {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The figures have not been computed yet: the server computes them at start and \
                 on its schedule (or run `rapport-server analytics refresh`). Try again in a minute.",
            );
            e.retry_after = Some(30);
            Err(e)
        }
    }
}

/// The analytics part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(create_order, respond, insights),
    components(schemas(
        AnalyticsSettings, BtydParams, ChurnReason, ChurnRisk, ChurnSignal, Clv, CustomerAnalytics, Decile,
        Insights, ModelClv, NewOrder, NewOrderLine, NewSuggestionResponse, NpsAnswer, NpsBreakdown,
        NpsCategory, NpsGroup, Pareto, ProfitPotential, RetentionBasis, Rfm, RuleStats, Segment,
        SegmentStats, Suggestion, SuggestionAnswer, SuggestionKind, SuggestionResponse,
    )),
    tags((name = "analytics", description = "Orders, suggestion responses and the supervisors' insights"))
)]
pub struct AnalyticsDoc;
