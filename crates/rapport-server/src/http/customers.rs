//! `/v1/customers…`: search, lookup by phone, the 360 view, history pages.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use rapport_api::{
    Channel, CustomerId, CustomerView, InteractionPage, Problem, RevealRequest, RevealedContact,
    SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT, SearchResponse,
};
use utoipa::IntoParams;

use super::AppState;
use super::auth::CurrentAgent;
use super::problem::ApiError;
use crate::{search, view};

/// Longest accepted search query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Query parameters of `GET /v1/customers` (for the OpenAPI document; the
/// handler reads them by hand to give precise errors).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchParams {
    /// What the agent typed: a name or part of one, phone digits in any
    /// format, an email or part of one, or an account number (`ACC-0012345`
    /// or `12345`). Blank gives no hits.
    q: String,
    /// Most hits to return, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Query parameters of `GET /v1/customers/{id}/interactions`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// `next_cursor` of the previous page, or `interactions_cursor` of the view.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// Only this channel.
    channel: Option<Channel>,
}

fn parse_limit(params: &HashMap<String, String>, default: u32, max: u32) -> Result<u32, ApiError> {
    let Some(raw) = params.get("limit") else {
        return Ok(default);
    };
    match raw.trim().parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::invalid(
            "limit",
            format!("limit must be a whole number from 1 to {max}; got '{raw}'."),
        )),
    }
}

fn parse_id(raw: &str) -> Result<CustomerId, ApiError> {
    raw.trim().parse::<CustomerId>().map_err(|_| {
        ApiError::invalid(
            "id",
            format!("A customer id is a whole number, such as 42; got '{raw}'."),
        )
    })
}

/// Search customers by name, phone, email or account number. A full phone
/// number or email finds its customer; the hit shows it masked.
#[utoipa::path(
    get,
    path = "/v1/customers",
    tag = "customers",
    params(SearchParams),
    responses(
        (status = 200, description = "Hits, best first: exact, then prefix, then substring, then typo-corrected matches", body = SearchResponse),
        (status = 400, description = "A parameter is missing or out of range", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search_customers(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<SearchResponse>, ApiError> {
    let Some(q) = params.get("q") else {
        return Err(ApiError::invalid(
            "q",
            "Add the search text as the q parameter, for example /v1/customers?q=okafor.",
        ));
    };
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("The search text is too long: at most {MAX_QUERY_CHARS} characters."),
        ));
    }
    let limit = parse_limit(&params, SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT)?;
    Ok(Json(search::search(&state.db, q, limit).await?))
}

/// Customers with exactly this phone number (for screen pops).
#[utoipa::path(
    get,
    path = "/v1/customers/by-phone/{e164}",
    tag = "customers",
    params(("e164" = String, Path, description = "The caller's number, E.164 (`+447700900123`) or national (`07700900123`)")),
    responses(
        (status = 200, description = "Zero, one or several customers with this number", body = SearchResponse),
        (status = 400, description = "Not a phone number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn customers_by_phone(
    State(state): State<AppState>,
    Path(e164): Path<String>,
) -> Result<Json<SearchResponse>, ApiError> {
    let digits = crate::phone::digits_of(&e164);
    if digits.len() < 5 || !crate::phone::looks_like_phone(&e164) {
        return Err(ApiError::invalid(
            "e164",
            format!(
                "'{e164}' is not a phone number: give it in E.164 form, such as +447700900123."
            ),
        ));
    }
    Ok(Json(
        search::by_phone(&state.db, &e164, SEARCH_MAX_LIMIT).await?,
    ))
}

/// The customer-360 view in one document. Phone numbers, emails, the street
/// address and the birthday are masked (`profile.contact_masked`); the full
/// values come from `POST /v1/customers/{id}/reveal`.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}/view",
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, description = "Profile, preferences, purchase summary, recent orders, latest interactions, open complaints", body = CustomerView),
        (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn customer_view(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Path(id): Path<String>,
) -> Result<Json<CustomerView>, ApiError> {
    let id = parse_id(&id)?;
    let as_of = state.as_of();
    // Events about the customer go to this agent's stream from before the
    // read, so none committed after it is missed.
    state.events.note_interest(agent.id, id);
    let mut v = view::customer_view(&state.db, id, as_of, Some(&agent)).await?;
    v.viewers = state.events.viewers(id, Some(agent.id));
    Ok(Json(v))
}

/// Reveal a customer's masked contact details (phones, emails, street
/// address, birthday): the only route that returns them in full. Agents and
/// supervisors may reveal; admins may not. The reason is required; the
/// reveal is recorded in the audit trail (action `customer.reveal`: who,
/// when, why, which fields, not the details) before they are returned.
/// Repeating a reveal records it again.
#[utoipa::path(
    post,
    path = "/v1/customers/{id}/reveal",
    tag = "customers",
    request_body = RevealRequest,
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The details in full, with the audit entry's id", body = RevealedContact),
        (status = 400, description = "No reason given, or the id is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The signed-in role may not reveal contact details (admins)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn reveal_contact(
    State(state): State<AppState>,
    Extension(CurrentAgent(agent)): Extension<CurrentAgent>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<RevealedContact>, ApiError> {
    let id = parse_id(&id)?;
    crate::privacy::check_may_reveal(&agent)?;
    let req: RevealRequest = super::idempotency::json_body(&body)?;
    let r = crate::privacy::reveal(&state.db, &agent, id, &req.reason, chrono::Utc::now()).await?;
    tracing::info!(
        agent = agent.id,
        customer = id,
        audit = r.audit_id,
        "contact details revealed"
    );
    Ok(Json(r))
}

/// Older interactions of a customer, newest first, one page at a time.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}/interactions",
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id"), PageParams),
    responses(
        (status = 200, description = "A page of interactions and the cursor of the next (older) one", body = InteractionPage),
        (status = 400, description = "Bad cursor, limit or channel", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn customer_interactions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<InteractionPage>, ApiError> {
    let id = parse_id(&id)?;
    let limit = parse_limit(&params, view::PAGE_DEFAULT, view::PAGE_MAX)?;
    let channel = match params
        .get("channel")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        Some(c) => Some(
            c.parse::<Channel>()
                .map_err(|e| ApiError::invalid("channel", format!("{}.", capitalise(&e))))?,
        ),
        None => None,
    };
    let cursor = params
        .get("cursor")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty());
    Ok(Json(
        view::interaction_page(&state.db, id, cursor, limit, channel).await?,
    ))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked() {
        let mut p = HashMap::new();
        assert_eq!(parse_limit(&p, 20, 100).unwrap(), 20);
        p.insert("limit".to_string(), "100".to_string());
        assert_eq!(parse_limit(&p, 20, 100).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            p.insert("limit".to_string(), bad.to_string());
            let e = parse_limit(&p, 20, 100).unwrap_err();
            assert_eq!(e.problem.status, 400);
            assert_eq!(e.problem.errors[0].path, "limit");
        }
    }

    #[test]
    fn ids_are_checked() {
        assert_eq!(parse_id("42").unwrap(), 42);
        let e = parse_id("abc").unwrap_err();
        assert!(e.problem.detail.unwrap().contains("'abc'"));
    }
}
