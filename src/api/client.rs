//! HTTP client for the Rapport API, used by the runtime's effect executor.
//!
//! Every failure becomes an [`ApiError`] whose `Display` is a sentence a
//! person can act on: a server's `application/problem+json` body is kept as
//! the [`Problem`] it is, and network failures say which server could not be
//! reached and why ("connection refused", "no answer within 5 s").

use std::time::Duration;

use rapport_api::{
    API_PREFIX, Channel, CustomerId, CustomerView, Health, IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED,
    InteractionPage, Me, PROBLEM_JSON, Presence, PresenceUpdate, Problem, RevealRequest,
    RevealedContact, SearchResponse, Taxonomy,
};

use crate::app::{WriteMethod, WriteRequest};
use serde::de::DeserializeOwned;

/// Interactions asked for per history page.
pub const HISTORY_PAGE: u32 = 50;

/// Where the client talks to, and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    /// e.g. `https://crm.example.net` or `http://127.0.0.1:41234`.
    pub base_url: String,
    /// Bearer token of the signed-in agent.
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No HTTP answer at all: refused, unknown host, timed out, cut off.
    #[error("Server not reachable at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The server answered with a problem document (RFC 9457).
    #[error("{}", problem_sentence(.0))]
    Problem(Box<Problem>),
    /// The client cannot be set up as configured (plain http to another
    /// host, an unreadable CA file); the sentence says what to change.
    #[error("{0}")]
    Setup(String),
    /// The server answered, but not with something Rapport can read.
    #[error(
        "The server at {url} sent a reply Rapport cannot read ({detail}); is it a Rapport server of the same version?"
    )]
    BadResponse { url: String, detail: String },
}

impl ApiError {
    /// True when the link is down (so the app reconnects), false when the
    /// server answered and said no.
    pub fn is_connection(&self) -> bool {
        matches!(self, ApiError::Unreachable { .. })
    }

    /// The HTTP status of a problem answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Problem(p) => Some(p.status),
            _ => None,
        }
    }
}

fn problem_sentence(p: &Problem) -> String {
    let mut s = match &p.detail {
        Some(d) if !d.trim().is_empty() => d.clone(),
        _ => format!("{} (HTTP {})", p.title, p.status),
    };
    for e in &p.errors {
        s.push_str(&format!(" {}: {}.", e.path, e.message));
    }
    s
}

#[derive(Clone)]
pub struct ApiClient {
    pub(super) http: reqwest::Client,
    /// For the event stream: no overall timeout (it is meant to stay open).
    streams: reqwest::Client,
    pub(super) base: String,
    pub(super) token: String,
    timeout: Duration,
}

/// The server's answer to a write.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteReply {
    pub body: serde_json::Value,
    /// The server had this key already and sent the stored answer.
    pub replayed: bool,
}

impl std::fmt::Debug for ApiClient {
    // The token is a secret: never in logs or panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// How the client may reach its server (`server.allow_insecure_http`,
/// `server.ca_file`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transport {
    /// Send the token over plain http:// to a host other than this machine.
    pub allow_insecure_http: bool,
    /// A PEM file of CA certificates trusted besides the system's.
    pub ca_file: Option<std::path::PathBuf>,
}

/// Whether a token may be sent to `url`: https:// always; http:// only to
/// this machine (localhost, 127.0.0.0/8, ::1) unless `allow_insecure_http`.
pub fn check_transport(url: &str, allow_insecure_http: bool) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("\"{url}\" is not a URL: {e}"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = parsed.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback || allow_insecure_http {
                Ok(())
            } else {
                Err(format!(
                    "Refusing to send the sign-in token over plain http:// to {}: anyone on the network could read it. Use https:// (see the README on TLS), or, on a network you trust, set server.allow_insecure_http = true.",
                    parsed.host_str().unwrap_or("the server")
                ))
            }
        }
        other => Err(format!(
            "\"{url}\" uses {other}://: expected https://HOST (or http:// to this machine)"
        )),
    }
}

/// The certificates of a PEM file of CAs.
fn ca_certificates(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, ApiError> {
    let bytes = std::fs::read(path).map_err(|e| {
        ApiError::Setup(format!(
            "Cannot read the CA file {} (server.ca_file): {e}",
            path.display()
        ))
    })?;
    let certs = reqwest::Certificate::from_pem_bundle(&bytes).map_err(|e| {
        ApiError::Setup(format!(
            "The CA file {} (server.ca_file) is not PEM certificates: {e}",
            path.display()
        ))
    })?;
    if certs.is_empty() {
        return Err(ApiError::Setup(format!(
            "The CA file {} (server.ca_file) holds no certificate",
            path.display()
        )));
    }
    Ok(certs)
}

impl ApiClient {
    /// A client for `target`; every request gives up after `timeout`.
    pub fn new(target: &ServerTarget, timeout: Duration) -> Result<ApiClient, ApiError> {
        ApiClient::with_transport(target, timeout, &Transport::default())
    }

    /// A client for `target` reached as `transport` allows; refused (with
    /// a sentence) when the token would go over plain http to another host.
    pub fn with_transport(
        target: &ServerTarget,
        timeout: Duration,
        transport: &Transport,
    ) -> Result<ApiClient, ApiError> {
        let base = target.base_url.trim_end_matches('/').to_string();
        check_transport(&base, transport.allow_insecure_http).map_err(ApiError::Setup)?;
        let cas = match &transport.ca_file {
            Some(path) => ca_certificates(path)?,
            None => Vec::new(),
        };
        let with_cas = |mut b: reqwest::ClientBuilder| {
            for c in &cas {
                b = b.add_root_certificate(c.clone());
            }
            b
        };
        let http = with_cas(reqwest::Client::builder())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("rapport/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::BadResponse {
                url: base.clone(),
                detail: format!("cannot set up HTTP: {e}"),
            })?;
        let streams = with_cas(reqwest::Client::builder())
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .tcp_keepalive(Duration::from_secs(30))
            .user_agent(concat!("rapport/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::BadResponse {
                url: base.clone(),
                detail: format!("cannot set up HTTP: {e}"),
            })?;
        Ok(ApiClient {
            http,
            streams,
            base,
            token: target.token.clone(),
            timeout,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /health` (no auth): is the server up, and on what.
    pub async fn health(&self) -> Result<Health, ApiError> {
        self.get("/health", &[], false).await
    }

    /// `GET /v1/me`: who the token belongs to.
    pub async fn me(&self) -> Result<Me, ApiError> {
        self.get(&format!("{API_PREFIX}/me"), &[], true).await
    }

    /// `GET /v1/customers?q=&limit=`: ranked hits by name, phone, email or
    /// account number.
    pub async fn search(&self, q: &str, limit: u32) -> Result<SearchResponse, ApiError> {
        let query = [("q", q.to_string()), ("limit", limit.to_string())];
        self.get(&format!("{API_PREFIX}/customers"), &query, true)
            .await
    }

    /// `GET /v1/customers/{id}/view`: the customer-360 document.
    pub async fn customer_view(&self, id: CustomerId) -> Result<CustomerView, ApiError> {
        self.get(&format!("{API_PREFIX}/customers/{id}/view"), &[], true)
            .await
    }

    /// `GET /v1/analytics/insights`: the supervisors' population figures.
    pub async fn insights(&self) -> Result<rapport_api::Insights, ApiError> {
        self.get(&format!("{API_PREFIX}/analytics/insights"), &[], true)
            .await
    }

    /// `GET /v1/customers/{id}/interactions`: one page of history, newest
    /// first, older than `cursor`, optionally on one channel.
    pub async fn interactions(
        &self,
        id: CustomerId,
        cursor: Option<&str>,
        channel: Option<Channel>,
    ) -> Result<InteractionPage, ApiError> {
        let mut query = vec![("limit", HISTORY_PAGE.to_string())];
        if let Some(c) = cursor {
            query.push(("cursor", c.to_string()));
        }
        if let Some(ch) = channel {
            query.push(("channel", ch.as_str().to_string()));
        }
        self.get(
            &format!("{API_PREFIX}/customers/{id}/interactions"),
            &query,
            true,
        )
        .await
    }

    /// `POST /v1/customers/{id}/reveal`: the contact details in full, once
    /// the server has recorded who asked and why.
    pub async fn reveal(&self, id: CustomerId, reason: &str) -> Result<RevealedContact, ApiError> {
        let path = format!("{API_PREFIX}/customers/{id}/reveal");
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&RevealRequest {
                reason: reason.to_string(),
            })
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.finish(resp, &path).await
    }

    /// `GET /v1/taxonomy`: what the forms offer.
    pub async fn taxonomy(&self) -> Result<Taxonomy, ApiError> {
        self.get(&format!("{API_PREFIX}/taxonomy"), &[], true).await
    }

    /// `PUT /v1/presence`: which customer this agent has open.
    pub async fn presence(
        &self,
        customer: Option<CustomerId>,
    ) -> Result<Option<Presence>, ApiError> {
        let url = format!("{}{API_PREFIX}/presence", self.base);
        let resp = self
            .http
            .put(&url)
            .bearer_auth(&self.token)
            .json(&PresenceUpdate {
                customer_id: customer,
            })
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if resp.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        self.finish(resp, "/v1/presence").await.map(Some)
    }

    /// Send one queued write with its Idempotency-Key (and If-Match).
    pub async fn write(&self, w: &WriteRequest, key: &str) -> Result<WriteReply, ApiError> {
        let url = format!("{}{}", self.base, w.path);
        let mut req = match w.method {
            WriteMethod::Post => self.http.post(&url),
            WriteMethod::Patch => self.http.patch(&url),
        }
        .bearer_auth(&self.token)
        .header(IDEMPOTENCY_KEY, key)
        .json(&w.body);
        if let Some(v) = w.if_match {
            req = req.header(reqwest::header::IF_MATCH, format!("\"{v}\""));
        }
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        let replayed = resp.headers().contains_key(IDEMPOTENT_REPLAYED);
        let body = self.finish(resp, &w.path).await?;
        Ok(WriteReply { body, replayed })
    }

    /// `GET /v1/events` with `Last-Event-ID`: the open response, whose body
    /// is the event stream.
    pub async fn events(&self, last_id: Option<i64>) -> Result<reqwest::Response, ApiError> {
        let url = format!("{}{API_PREFIX}/events", self.base);
        let mut req = self
            .streams
            .get(&url)
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = tokio::time::timeout(self.timeout, req.send())
            .await
            .map_err(|_| ApiError::Unreachable {
                url: self.base.clone(),
                reason: format!("no answer within {}", human_duration(self.timeout)),
            })?
            .map_err(|e| self.unreachable(e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        // An error answer: read it as the problem it is.
        Err(self
            .finish::<serde_json::Value>(resp, "/v1/events")
            .await
            .err()
            .unwrap_or_else(|| ApiError::BadResponse {
                url: self.base.clone(),
                detail: "/v1/events: unexpected answer".into(),
            }))
    }

    pub(super) fn unreachable(&self, e: reqwest::Error) -> ApiError {
        ApiError::Unreachable {
            url: self.base.clone(),
            reason: reason(&e, self.timeout),
        }
    }

    pub(super) async fn finish<T: DeserializeOwned>(
        &self,
        resp: reqwest::Response,
        path: &str,
    ) -> Result<T, ApiError> {
        let status = resp.status();
        let is_problem = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(PROBLEM_JSON));
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        decode(&self.base, path, status.as_u16(), is_problem, &bytes)
    }

    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        auth: bool,
    ) -> Result<T, ApiError> {
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.get(&url).query(query);
        if auth {
            req = req.bearer_auth(&self.token);
        }
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        self.finish(resp, path).await
    }
}

/// Turn an HTTP answer into a value or an error. Separate from the I/O so
/// it can be tested with canned bodies.
pub fn decode<T: DeserializeOwned>(
    base: &str,
    path: &str,
    status: u16,
    is_problem: bool,
    body: &[u8],
) -> Result<T, ApiError> {
    let bad = |detail: String| ApiError::BadResponse {
        url: base.to_string(),
        detail,
    };
    if (200..300).contains(&status) && !is_problem {
        return serde_json::from_slice(body).map_err(|e| bad(format!("{path}: {e}")));
    }
    // Servers and proxies do not always label problems; try anyway.
    if let Ok(p) = serde_json::from_slice::<Problem>(body) {
        return Err(ApiError::Problem(Box::new(p)));
    }
    let snippet: String = String::from_utf8_lossy(body).chars().take(80).collect();
    let snippet = crate::sanitize::clean(snippet.trim()).into_owned();
    Err(bad(if snippet.is_empty() {
        format!("{path}: HTTP {status} with no explanation")
    } else {
        format!("{path}: HTTP {status}: {snippet}")
    }))
}

/// Why a request got no answer, in a few words.
fn reason(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {}", human_duration(timeout));
    }
    // The I/O error deep in the chain names what actually happened.
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut innermost = e.to_string();
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            let words = match io.kind() {
                K::ConnectionRefused => Some("connection refused"),
                K::ConnectionReset => Some("connection reset"),
                K::ConnectionAborted => Some("connection aborted"),
                K::TimedOut => Some("connection timed out"),
                K::AddrNotAvailable => Some("address not available"),
                K::NotConnected | K::BrokenPipe | K::UnexpectedEof => Some("connection closed"),
                _ => None,
            };
            if let Some(w) = words {
                return w.to_string();
            }
        }
        innermost = s.to_string();
        src = s.source();
    }
    let lower = innermost.to_lowercase();
    if lower.contains("dns")
        || lower.contains("failed to lookup")
        || lower.contains("name or service")
    {
        "host name not found".to_string()
    } else if lower.contains("certificate") || lower.contains("tls") {
        format!("secure connection failed ({innermost})")
    } else if e.is_connect() {
        format!("cannot connect ({innermost})")
    } else {
        innermost
    }
}

fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_api::FieldError;

    #[test]
    fn problem_bodies_become_problems_with_their_sentence() {
        let body = br#"{"type":"about:blank","title":"Not found","status":404,"detail":"No customer with id 7."}"#;
        let e = decode::<Me>("http://x", "/v1/me", 404, true, body).unwrap_err();
        assert_eq!(e.to_string(), "No customer with id 7.");
        assert_eq!(e.status(), Some(404));
        assert!(!e.is_connection());
    }

    #[test]
    fn validation_problems_list_their_fields() {
        let p = Problem {
            type_: "about:blank".into(),
            title: "Invalid request".into(),
            status: 422,
            detail: None,
            instance: None,
            errors: vec![FieldError {
                path: "limit".into(),
                message: "must be at most 100".into(),
            }],
            current: None,
        };
        let body = serde_json::to_vec(&p).unwrap();
        let e = decode::<Me>("http://x", "/v1/customers", 422, true, &body).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid request (HTTP 422) limit: must be at most 100."
        );
    }

    #[test]
    fn unreadable_answers_say_so_without_control_characters() {
        let e = decode::<Me>(
            "http://x",
            "/v1/me",
            502,
            false,
            b"<html>\x1b[2J Bad gateway",
        )
        .unwrap_err();
        let s = e.to_string();
        assert!(s.contains("HTTP 502") && s.contains("␛[2J"), "{s}");
        let e = decode::<Me>("http://x", "/v1/me", 200, false, b"{}").unwrap_err();
        assert!(matches!(e, ApiError::BadResponse { .. }));
    }

    #[tokio::test]
    async fn refused_connection_is_a_sentence_naming_the_server() {
        // A port that was free a moment ago: nothing listens there.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let target = ServerTarget {
            base_url: format!("http://127.0.0.1:{port}/"),
            token: "t".into(),
        };
        let c = ApiClient::new(&target, Duration::from_secs(2)).unwrap();
        let e = c.health().await.unwrap_err();
        assert!(e.is_connection());
        assert_eq!(
            e.to_string(),
            format!("Server not reachable at http://127.0.0.1:{port}: connection refused")
        );
    }

    #[test]
    fn the_token_goes_over_plain_http_only_to_this_machine_unless_allowed() {
        for ok in [
            "https://crm.example.net",
            "https://10.0.0.5:7878/",
            "http://127.0.0.1:7878",
            "http://127.8.0.1",
            "http://localhost:7878/",
            "http://LOCALHOST",
            "http://[::1]:7878",
        ] {
            assert_eq!(check_transport(ok, false), Ok(()), "{ok}");
        }
        for refused in [
            "http://crm.example.net",
            "http://10.0.0.5:7878",
            "http://[2001:db8::1]/",
            "http://localhost.example.net",
            "http://0.0.0.0:7878",
        ] {
            let e = check_transport(refused, false).unwrap_err();
            assert!(
                e.contains("Refusing to send the sign-in token over plain http://"),
                "{e}"
            );
            assert!(e.contains("server.allow_insecure_http = true"), "{e}");
            assert_eq!(check_transport(refused, true), Ok(()), "{refused}");
        }
        assert!(check_transport("ftp://x", true).is_err());
        let target = ServerTarget {
            base_url: "http://crm.example.net".into(),
            token: "t".into(),
        };
        let e = ApiClient::new(&target, Duration::from_secs(1)).unwrap_err();
        assert!(matches!(e, ApiError::Setup(_)), "{e:?}");
        let allowed = Transport {
            allow_insecure_http: true,
            ca_file: None,
        };
        assert!(ApiClient::with_transport(&target, Duration::from_secs(1), &allowed).is_ok());
    }

    #[test]
    fn a_ca_file_that_cannot_be_used_is_a_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let target = ServerTarget {
            base_url: "https://crm.example.net".into(),
            token: "t".into(),
        };
        let missing = Transport {
            allow_insecure_http: false,
            ca_file: Some(dir.path().join("missing.pem")),
        };
        let e = ApiClient::with_transport(&target, Duration::from_secs(1), &missing).unwrap_err();
        assert!(e.to_string().contains("Cannot read the CA file"), "{e}");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let e = ApiClient::with_transport(
            &target,
            Duration::from_secs(1),
            &Transport {
                allow_insecure_http: false,
                ca_file: Some(junk),
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("server.ca_file"), "{e}");
    }

    #[test]
    fn debug_never_shows_the_token() {
        let target = ServerTarget {
            base_url: "http://127.0.0.1:9".into(),
            token: "sekrit".into(),
        };
        let c = ApiClient::new(&target, Duration::from_secs(1)).unwrap();
        assert!(!format!("{c:?}").contains("sekrit"));
    }
}
