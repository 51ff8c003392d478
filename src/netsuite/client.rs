//! The NetSuite HTTP client: bearer auth with one refresh on 401, a process-wide limit of in-flight requests,
//! and bounded retries that never repeat a request NetSuite may have run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};

use super::error::{ApiError, NetSuiteError};
use crate::account::Endpoints;
use crate::auth::token::transport_reason;
use crate::auth::{RequestAuth, TokenManager};
use crate::scale::limiter::{AccountLimiter, LocalLimiter};

/// Time to establish a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time for one whole request. NetSuite's own limit is 15 minutes; an assistant should not wait that long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest response body we read; more is an error, not an out-of-memory.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
pub use crate::config::DEFAULT_MAX_CONCURRENCY;

/// When and how often to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Sends of one request at most, the first included.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled each time, with jitter.
    pub base_delay: Duration,
    /// Cap on one delay, including a server's `Retry-After`.
    pub max_delay: Duration,
    /// No retry starts after this much time since the first send.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            max_total: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with jitter in [d/2, d] so that parallel callers do not retry in lockstep.
    fn backoff(&self, retry_number: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry_number.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Options of [`NetSuiteClient`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub max_concurrency: usize,
    /// `Content-Language` sent on writes (non-English accounts).
    pub content_language: Option<String>,
    pub retry: RetryPolicy,
    /// Our saved-search RESTlet's deployment (`NETSUITE_MCP_SEARCH_RESTLET`), for accounts without NetSuite's
    /// REST saved-search endpoints.
    pub search_restlet: Option<super::analytics::SearchRestlet>,
    /// The account's limit shared with other instances (Redis); `None`: this process's own semaphore of
    /// `max_concurrency` slots.
    pub limiter: Option<Arc<dyn AccountLimiter>>,
    /// Bounds of the per-identity metadata cache (record-type list and schemas).
    pub metadata_cache: super::metadata_cache::MetadataCacheOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            content_language: None,
            retry: RetryPolicy::default(),
            search_restlet: None,
            limiter: None,
            metadata_cache: Default::default(),
        }
    }
}

/// One request to NetSuite. Build the URL with [`Endpoints`], so that arguments are percent-encoded segments.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    method: Method,
    url: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Bytes>,
    read_only: bool,
}

impl ApiRequest {
    pub fn new(method: Method, url: String) -> Self {
        let read_only = method == Method::GET;
        Self {
            method,
            url,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            read_only,
        }
    }

    pub fn get(url: String) -> Self {
        Self::new(Method::GET, url)
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self.body = Some(Bytes::from(body.to_string()));
        self
    }

    /// Declares a POST that only reads (SuiteQL), so server errors and timeouts may be retried like a GET.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Declares a request that may change data whatever its method (a RESTlet script can write on a GET), so
    /// a server error or timeout is never retried.
    pub fn may_write(mut self) -> Self {
        self.read_only = false;
        self
    }

    fn is_write(&self) -> bool {
        matches!(
            self.method,
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        ) && !self.read_only
    }

    /// The URL with the query parameters, exactly as sent (and as TBA signs it).
    fn full_url(&self) -> Result<url::Url, NetSuiteError> {
        let mut url = url::Url::parse(&self.url).map_err(|e| NetSuiteError::Transport {
            method: self.method.to_string(),
            path: self.path().to_owned(),
            reason: format!("invalid NetSuite URL: {e}"),
        })?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }

    fn path(&self) -> &str {
        // For logs: the path only; the query may hold customer data.
        let after_scheme = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
    }
}

/// A successful (2xx) response.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ApiResponse {
    /// The body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, NetSuiteError> {
        serde_json::from_slice(&self.body).map_err(|e| NetSuiteError::BadResponse {
            status: self.status,
            reason: format!("expected JSON: {e}"),
        })
    }

    /// The id at the end of the `Location` header, as NetSuite returns it after a create (netsuite-api.md §3.4).
    pub fn location_id(&self) -> Option<String> {
        let location = self.headers.get(header::LOCATION)?.to_str().ok()?;
        let path = location.split(['?', '#']).next()?;
        let last = path.trim_end_matches('/').rsplit('/').next()?;
        let decoded = percent_encoding::percent_decode_str(last)
            .decode_utf8()
            .ok()?;
        (!decoded.is_empty()).then(|| decoded.into_owned())
    }
}

/// The NetSuite API client. Cheap to clone; all clones share the token cache and the concurrency limit.
#[derive(Clone, Debug)]
pub struct NetSuiteClient {
    http: reqwest::Client,
    auth: RequestAuth,
    endpoints: Endpoints,
    limiter: Arc<dyn AccountLimiter>,
    pub(super) options: ClientOptions,
    /// The saved-search route once probed (see `analytics`), shared by all clones.
    pub(super) search_route: Arc<std::sync::atomic::AtomicU8>,
    /// The record-type list and schemas this identity saw, shared by all clones.
    metadata: Arc<super::metadata_cache::MetadataCache>,
}

/// The reqwest client every part of the program shares: rustls, timeouts, no redirects (a redirect could
/// carry the bearer token elsewhere).
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    http_client_with_timeout(REQUEST_TIMEOUT)
}

/// [`http_client`] with another whole-request timeout (configurable: `config::Key::RequestTimeoutMs`).
pub fn http_client_with_timeout(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("netsuite-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
}

enum Outcome {
    Done(Result<ApiResponse, NetSuiteError>),
    Retry {
        after: Option<Duration>,
        last: NetSuiteError,
    },
    Reauthenticate(NetSuiteError),
}

impl NetSuiteClient {
    /// A client authenticating with M2M bearer tokens from `tokens`.
    pub fn new(
        http: reqwest::Client,
        tokens: TokenManager,
        endpoints: Endpoints,
        options: ClientOptions,
    ) -> Self {
        Self::with_auth(http, RequestAuth::Bearer(tokens), endpoints, options)
    }

    /// A client authenticating each request as `auth` says (M2M bearer or TBA signature).
    pub fn with_auth(
        http: reqwest::Client,
        auth: RequestAuth,
        endpoints: Endpoints,
        options: ClientOptions,
    ) -> Self {
        Self {
            limiter: options
                .limiter
                .clone()
                .unwrap_or_else(|| Arc::new(LocalLimiter::new(options.max_concurrency))),
            search_route: Arc::default(),
            metadata: Arc::new(super::metadata_cache::MetadataCache::new(
                options.metadata_cache,
            )),
            http,
            auth,
            endpoints,
            options,
        }
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The same account, HTTP client, options and concurrency limit (the limit is the account's, shared by
    /// everyone), authenticating as `auth` instead: e.g. one signed-in person's tokens. The metadata cache
    /// starts empty: another identity (role) may see other record types and fields.
    pub fn acting_as(&self, auth: RequestAuth) -> Self {
        Self {
            auth,
            metadata: Arc::new(super::metadata_cache::MetadataCache::new(
                self.options.metadata_cache,
            )),
            ..self.clone()
        }
    }

    /// This identity's metadata cache.
    pub fn metadata_cache(&self) -> &super::metadata_cache::MetadataCache {
        &self.metadata
    }

    /// The HTTP client (rustls, timeouts, no redirects), for token requests that go with this client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The M2M token cache; `None` in TBA mode (no access token exists).
    pub fn tokens(&self) -> Option<&TokenManager> {
        self.auth.tokens()
    }

    /// How requests are authenticated.
    pub fn auth(&self) -> &RequestAuth {
        &self.auth
    }

    /// Sends `request`, retrying as the policy allows: 429 for any method (NetSuite did not run it), server
    /// errors and timeouts only for reads, connection failures always (nothing was sent); a 401 drops the
    /// token and retries once with a new one. Dropping the future cancels the request.
    pub async fn send(&self, request: ApiRequest) -> Result<ApiResponse, NetSuiteError> {
        let started = Instant::now();
        let policy = self.options.retry;
        let mut attempts = 0u32;
        let mut reauthenticated = false;
        let url = request.full_url()?;
        loop {
            attempts += 1;
            // A fresh Authorization per send: a TBA retry is a new nonce, timestamp and signature.
            let auth = self.auth.authorize(request.method.as_str(), &url).await?;
            let outcome = self.send_once(&request, &url, &auth.value, attempts).await;
            let (after, last) = match outcome {
                Outcome::Done(result) => return result,
                Outcome::Reauthenticate(_)
                    if !reauthenticated && self.auth.refused(&auth).await =>
                {
                    reauthenticated = true;
                    attempts -= 1;
                    tracing::debug!("401 from NetSuite: dropped the cached token, retrying once");
                    continue;
                }
                Outcome::Reauthenticate(err) => return Err(err),
                Outcome::Retry { after, last } => (after, last),
            };
            // Never retry sooner than NetSuite asked: a Retry-After beyond what we may wait ends the attempts.
            if after.is_some_and(|a| a > policy.max_delay) {
                return Err(last);
            }
            let delay = after.unwrap_or_else(|| policy.backoff(attempts));
            if attempts >= policy.max_attempts || started.elapsed() + delay > policy.max_total {
                return Err(last);
            }
            tracing::debug!(
                attempt = attempts,
                delay_ms = delay.as_millis() as u64,
                "retrying NetSuite request"
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn send_once(
        &self,
        request: &ApiRequest,
        url: &url::Url,
        authorization: &str,
        attempt: u32,
    ) -> Outcome {
        let path = request.path();
        let Ok(mut credential) = HeaderValue::from_str(authorization) else {
            return Outcome::Done(Err(NetSuiteError::Transport {
                method: request.method.to_string(),
                path: path.to_owned(),
                reason: "the Authorization header is not valid header text".into(),
            }));
        };
        credential.set_sensitive(true);
        let mut builder = self
            .http
            .request(request.method.clone(), url.clone())
            .headers(request.headers.clone())
            .header(header::AUTHORIZATION, credential);
        if request.is_write()
            && let Some(lang) = &self.options.content_language
            && let Ok(value) = HeaderValue::from_str(lang)
        {
            builder = builder.header(header::CONTENT_LANGUAGE, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        // The permit covers only the time a request is in flight, never a backoff sleep.
        let _permit = match self.limiter.acquire().await {
            Ok(permit) => permit,
            Err(e) => return Outcome::Done(Err(NetSuiteError::Shared(e.to_string()))),
        };
        let sent = Instant::now();
        let result = match builder.send().await {
            Ok(resp) => read_response(resp).await,
            Err(e) => Err(e),
        };
        let elapsed_ms = sent.elapsed().as_millis() as u64;
        match result {
            Err(e) => {
                tracing::debug!(method = %request.method, path, attempt, elapsed_ms, error = %transport_reason(&e), "NetSuite request failed");
                let err = NetSuiteError::Transport {
                    method: request.method.to_string(),
                    path: path.to_owned(),
                    reason: transport_reason(&e),
                };
                if e.is_connect() || (request.read_only && (e.is_timeout() || e.is_request())) {
                    Outcome::Retry {
                        after: None,
                        last: err,
                    }
                } else {
                    Outcome::Done(Err(err))
                }
            }
            Ok((status, _, _, true)) => Outcome::Done(Err(NetSuiteError::BadResponse {
                status,
                reason: format!(
                    "the response is larger than {} MiB",
                    MAX_RESPONSE_BYTES / (1024 * 1024)
                ),
            })),
            Ok((status, headers, body, false)) => {
                tracing::debug!(method = %request.method, path, status, attempt, elapsed_ms, "NetSuite request");
                if (200..300).contains(&status) {
                    return Outcome::Done(Ok(ApiResponse {
                        status,
                        headers,
                        body,
                    }));
                }
                let mut api = ApiError::from_body(status, &body);
                api.attempts = attempt;
                api.tba = self.auth.is_tba();
                // A RESTlet over the account's limit answers 400 with this code: it did not run either.
                let over_limit = api.code() == Some("SSS_REQUEST_LIMIT_EXCEEDED");
                let err = NetSuiteError::Api(api);
                match status {
                    401 => Outcome::Reauthenticate(err),
                    429 => Outcome::Retry {
                        after: retry_after(&headers),
                        last: err,
                    },
                    400 if over_limit => Outcome::Retry {
                        after: retry_after(&headers),
                        last: err,
                    },
                    500 | 502 | 503 | 504 if request.read_only => Outcome::Retry {
                        after: retry_after(&headers),
                        last: err,
                    },
                    _ => Outcome::Done(Err(err)),
                }
            }
        }
    }
}

/// Status, headers, body, and whether the body was cut at [`MAX_RESPONSE_BYTES`].
async fn read_response(
    mut resp: reqwest::Response,
) -> Result<(u16, HeaderMap, Bytes, bool), reqwest::Error> {
    let status = resp.status().as_u16();
    let headers = std::mem::take(resp.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Ok((status, headers, Bytes::new(), true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, headers, Bytes::from(body), false))
}

/// `Retry-After` in seconds (NetSuite does not document it; honour it when present).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_total: Duration::from_secs(10),
        };
        for _ in 0..50 {
            let d1 = p.backoff(1);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d2 = p.backoff(2);
            assert!(
                d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200),
                "{d2:?}"
            );
            let d9 = p.backoff(9);
            assert!(
                d9 >= Duration::from_millis(175) && d9 <= Duration::from_millis(350),
                "{d9:?}"
            );
        }
    }

    #[test]
    fn location_id_is_the_last_segment() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::LOCATION,
            HeaderValue::from_static(
                "https://1.suitetalk.api.netsuite.com/services/rest/record/v1/customer/647",
            ),
        );
        let r = ApiResponse {
            status: 204,
            headers,
            body: Bytes::new(),
        };
        assert_eq!(r.location_id().as_deref(), Some("647"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::LOCATION,
            HeaderValue::from_static("/services/rest/record/v1/customer/eid:A%20B"),
        );
        let r = ApiResponse {
            status: 204,
            headers,
            body: Bytes::new(),
        };
        assert_eq!(r.location_id().as_deref(), Some("eid:A B"));
    }

    #[test]
    fn log_path_omits_the_query_and_host() {
        let r = ApiRequest::get("https://h.example/services/rest/query/v1/suiteql".into())
            .query("limit", "5");
        assert_eq!(r.path(), "/services/rest/query/v1/suiteql");
        assert!(!r.is_write());
        let w = ApiRequest::new(Method::POST, "https://h/x".into());
        assert!(w.is_write());
        assert!(!w.read_only().is_write());
    }
}
