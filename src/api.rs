//! HTTP client for the Rapport API. Every failure becomes a sentence a person
//! can act on; the server's problem+json details are kept.

use std::time::Duration;

use rapport_api::{
    Channel, CustomerId, CustomerView, InteractionPage, Me, Problem, SearchResponse,
};
use serde::de::DeserializeOwned;

/// Where the client talks to, and as whom.
#[derive(Debug, Clone)]
pub struct ServerTarget {
    pub base_url: String,
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error(
        "Server not reachable at {url}: {reason}. Check the network or the server; Ctrl-r retries."
    )]
    Unreachable { url: String, reason: String },
    #[error("{0}")]
    Problem(Box<Problem>),
    #[error("The server sent a reply Rapport cannot read ({0}). Is the server the same version?")]
    BadResponse(String),
}

impl ApiError {
    /// Unreachable means the connection is down, not that the request was bad.
    pub fn is_connection(&self) -> bool {
        matches!(self, ApiError::Unreachable { .. })
    }
}

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl ApiClient {
    pub fn new(target: &ServerTarget, timeout: Duration) -> Result<ApiClient, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("rapport/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::BadResponse(e.to_string()))?;
        Ok(ApiClient {
            http,
            base: target.base_url.trim_end_matches('/').to_string(),
            token: target.token.clone(),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let url = format!("{}{}", self.base, path);
        let resp = self
            .http
            .get(&url)
            .query(query)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| ApiError::Unreachable {
                url: self.base.clone(),
                reason: reason(&e),
            })?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| ApiError::Unreachable {
            url: self.base.clone(),
            reason: reason(&e),
        })?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::BadResponse(format!("{path}: {e}")));
        }
        match serde_json::from_slice::<Problem>(&bytes) {
            Ok(p) => Err(ApiError::Problem(Box::new(p))),
            Err(_) => Err(ApiError::BadResponse(format!(
                "{path}: HTTP {status} without a problem document"
            ))),
        }
    }

    pub async fn me(&self) -> Result<Me, ApiError> {
        self.get("/v1/me", &[]).await
    }

    pub async fn search(&self, q: &str, limit: u32) -> Result<SearchResponse, ApiError> {
        self.get(
            "/v1/customers",
            &[("q", q.to_string()), ("limit", limit.to_string())],
        )
        .await
    }

    pub async fn customer_view(&self, id: CustomerId) -> Result<CustomerView, ApiError> {
        self.get(&format!("/v1/customers/{id}/view"), &[]).await
    }

    pub async fn interactions(
        &self,
        id: CustomerId,
        cursor: Option<&str>,
        channel: Option<Channel>,
    ) -> Result<InteractionPage, ApiError> {
        let mut q = vec![("limit", "50".to_string())];
        if let Some(c) = cursor {
            q.push(("cursor", c.to_string()));
        }
        if let Some(ch) = channel {
            q.push(("channel", ch.as_str().to_string()));
        }
        self.get(&format!("/v1/customers/{id}/interactions"), &q)
            .await
    }
}

fn reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_connect() {
        "connection refused or host unknown".into()
    } else {
        // The innermost cause is usually the most useful sentence.
        let mut src: &dyn std::error::Error = e;
        while let Some(s) = src.source() {
            src = s;
        }
        src.to_string()
    }
}
