//! Errors as `application/problem+json` (RFC 9457), each with a sentence the
//! reader can act on.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_api::{FieldError, PROBLEM_JSON, Problem};

use crate::error::Error;

/// A problem response.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub problem: Box<Problem>,
    /// Sent as `WWW-Authenticate` on 401.
    pub challenge: Option<&'static str>,
    /// Seconds, sent as `Retry-After` (409 while a request is in flight).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            problem: Box::new(Problem {
                type_: "about:blank".into(),
                title: status.canonical_reason().unwrap_or("Error").to_string(),
                status: status.as_u16(),
                detail: Some(detail.into()),
                instance: None,
                errors: Vec::new(),
                current: None,
            }),
            challenge: None,
            retry_after: None,
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::UNAUTHORIZED, detail);
        e.challenge = Some("Bearer realm=\"rapport\"");
        e
    }

    /// A 400 naming the parameter at fault.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let message = message.into();
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, message.clone());
        e.problem.type_ = "https://rapport.dev/problems/validation".into();
        e.problem.errors.push(FieldError {
            path: field.into(),
            message,
        });
        e
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server hit an unexpected error and logged it. Try again; if it keeps happening, \
             report it with the time it happened.",
        )
    }

    pub fn with_instance(mut self, instance: impl Into<String>) -> ApiError {
        self.problem.instance = Some(instance.into());
        self
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match e {
            Error::NotFound { .. } => ApiError::not_found(e.to_string()),
            Error::Invalid { field, message } => ApiError::invalid(field, message),
            Error::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            Error::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            Error::Stale { message, current } => {
                let mut e = ApiError::new(StatusCode::PRECONDITION_FAILED, message);
                e.problem.type_ = "https://rapport.dev/problems/stale".into();
                e.problem.current = Some(*current);
                e
            }
            Error::Unsupported(m) => ApiError::new(StatusCode::NOT_IMPLEMENTED, m),
            Error::Database(ref db) if crate::db::storage_failure(db).is_some() => {
                let said = crate::db::storage_failure(db).unwrap_or_default();
                tracing::warn!(error = %e, "storage failure");
                let mut a = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, said);
                a.retry_after = Some(5);
                a
            }
            Error::Corrupt(_) | Error::Database(_) => {
                tracing::error!(error = %e, "request failed");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, Json(*self.problem)).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(c) = self.challenge {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_library_errors() {
        let e: ApiError = Error::NotFound {
            what: "customer",
            id: 42,
        }
        .into();
        assert_eq!(e.problem.status, 404);
        assert_eq!(e.problem.detail.as_deref(), Some("No customer with id 42."));
        let e: ApiError = Error::invalid("limit", "Too big.").into();
        assert_eq!(e.problem.status, 400);
        assert_eq!(e.problem.errors[0].path, "limit");
    }

    #[test]
    fn storage_failures_are_503_with_the_cause() {
        let e: ApiError = Error::Database(sqlx::Error::PoolTimedOut).into();
        assert_eq!(e.problem.status, 503);
        assert_eq!(e.retry_after, Some(5));
        assert!(e.problem.detail.unwrap().contains("overloaded"));
        let e: ApiError = Error::Database(sqlx::Error::Io(std::io::Error::other("gone"))).into();
        assert_eq!(e.problem.status, 503);
        let e: ApiError = Error::Database(sqlx::Error::RowNotFound).into();
        assert_eq!(e.problem.status, 500);
        let e: ApiError = Error::Unsupported("Not on PostgreSQL yet.".into()).into();
        assert_eq!(e.problem.status, 501);
    }

    #[test]
    fn sets_problem_content_type_and_challenge() {
        let res = ApiError::unauthorized("No token.").into_response();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert!(res.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
