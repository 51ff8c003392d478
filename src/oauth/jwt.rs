//! `NETSUITE_MCP_AUTH=jwt` (design.md §1.6): `/mcp` accepts access tokens issued by an existing identity provider
//! (Keycloak, Entra ID, Okta, Auth0), verified against its published keys (JWKS): signature, `iss`, `aud`,
//! `exp`/`nbf` with a small leeway, and the required scopes. NetSuite calls use the server's own credentials; the
//! token only says who may call. The keys are cached and fetched again when a token names an unknown `kid`
//! (key rotation), at most once per [`REFETCH_INTERVAL`], so a flood of forged `kid`s cannot hammer the provider.
//!
//! jsonwebtoken (already used to check our own assertions in tests) does the verification; hand-rolling JOSE would
//! be the riskiest code in the product.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;
use url::Url;

use super::RESOURCE_METADATA_PATH;
use crate::config::JwtConfig;
use crate::server::Principal;
use crate::transport::http::{AuthFuture, Delegated, MCP_PATH, McpAuthenticator, TokenRefusal};

/// Fewest seconds between two fetches of the keys.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;
/// Largest JWKS or metadata document read.
const MAX_DOCUMENT_BYTES: usize = 512 * 1024;
/// Signature algorithms accepted (asymmetric only: a shared-secret `HS*` or `none` token is refused).
const ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

struct Keys {
    set: JwkSet,
    fetched: Option<Instant>,
}

/// Checks identity-provider tokens on `/mcp` and serves the protected-resource metadata.
pub struct JwtResourceServer {
    config: JwtConfig,
    http: reqwest::Client,
    keys: Mutex<Keys>,
    /// One download of the keys at a time.
    fetching: Mutex<()>,
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    scp: Option<ScpClaim>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    azp: Option<String>,
}

/// `scp` is an array at most providers and a space-separated string at some.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScpClaim {
    List(Vec<String>),
    Text(String),
}

impl JwtResourceServer {
    /// A resource server for `config`, fetching keys with `http`.
    pub fn new(config: JwtConfig, http: reqwest::Client) -> Arc<Self> {
        Arc::new(JwtResourceServer {
            config,
            http,
            keys: Mutex::new(Keys {
                set: JwkSet { keys: Vec::new() },
                fetched: None,
            }),
            fetching: Mutex::new(()),
        })
    }

    /// The token check and the metadata route, for the HTTP transport.
    pub fn delegated(self: &Arc<Self>) -> Delegated {
        let routes = Router::new()
            .route(RESOURCE_METADATA_PATH, get(metadata))
            .route(
                &format!("{RESOURCE_METADATA_PATH}{MCP_PATH}"),
                get(metadata),
            )
            .with_state(Arc::clone(self));
        Delegated {
            authenticator: Arc::clone(self) as Arc<dyn McpAuthenticator>,
            routes,
        }
    }

    async fn verify(&self, token: &str) -> Result<Principal, TokenRefusal> {
        let invalid = |why: &str| TokenRefusal::Invalid(why.to_owned());
        let header = decode_header(token).map_err(|_| invalid("not a JWT"))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(invalid("signature algorithm not accepted"));
        }
        let kid = header
            .kid
            .ok_or_else(|| invalid("the token names no key (kid)"))?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let claims = decode::<Claims>(token, &key, &validation)
            .map_err(|e| TokenRefusal::Invalid(format!("refused: {e}")))?
            .claims;
        let granted: Vec<String> = match (&claims.scope, &claims.scp) {
            (Some(s), _) => s.split_whitespace().map(str::to_owned).collect(),
            (None, Some(ScpClaim::List(l))) => l.clone(),
            (None, Some(ScpClaim::Text(s))) => s.split_whitespace().map(str::to_owned).collect(),
            (None, None) => Vec::new(),
        };
        if self
            .config
            .scopes
            .iter()
            .any(|needed| !granted.iter().any(|g| g == needed))
        {
            return Err(TokenRefusal::InsufficientScope);
        }
        Ok(Principal {
            subject: format!("jwt sub {}", claims.sub.unwrap_or_default()),
            client_id: claims.client_id.or(claims.azp),
            netsuite: None,
            read_only: false,
            end_session: None,
        })
    }

    /// The key `kid`: from the cache, else from a fresh JWKS (at most every [`REFETCH_INTERVAL`]). The cache lock
    /// is never held across a download, so tokens with known keys are checked while a fetch is slow; one fetch
    /// runs at a time, and tokens waiting for it look again when it is done.
    async fn key(&self, kid: &str) -> Result<DecodingKey, TokenRefusal> {
        if let Some(found) = self.cached(kid).await {
            return found;
        }
        let _turn = self.fetching.lock().await;
        let due = {
            let mut keys = self.keys.lock().await;
            if let Some(jwk) = keys.set.find(kid) {
                return decoding_key(jwk);
            }
            let due = keys.fetched.is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL);
            if due {
                keys.fetched = Some(Instant::now());
            }
            due
        };
        if due {
            match self.fetch_keys().await {
                Ok(set) => self.keys.lock().await.set = set,
                Err(e) => {
                    tracing::warn!(error = %e, "could not fetch the identity provider's keys")
                }
            }
        }
        self.cached(kid).await.unwrap_or_else(|| {
            Err(TokenRefusal::Invalid(
                "signed with a key the identity provider does not publish".into(),
            ))
        })
    }

    async fn cached(&self, kid: &str) -> Option<Result<DecodingKey, TokenRefusal>> {
        self.keys.lock().await.set.find(kid).map(decoding_key)
    }

    async fn fetch_keys(&self) -> Result<JwkSet, String> {
        let url = match &self.config.jwks_url {
            Some(url) => url.clone(),
            None => self.discover_jwks_url().await?,
        };
        let body = self.get(&url).await?;
        serde_json::from_slice(&body).map_err(|e| format!("{url} is not a JWKS: {e}"))
    }

    async fn discover_jwks_url(&self) -> Result<Url, String> {
        let issuer = self.config.issuer.trim_end_matches('/');
        for path in [
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
        ] {
            let Ok(url) = Url::parse(&format!("{issuer}{path}")) else {
                continue;
            };
            let Ok(body) = self.get(&url).await else {
                continue;
            };
            #[derive(Deserialize)]
            struct Meta {
                jwks_uri: Option<String>,
            }
            if let Some(jwks) = serde_json::from_slice::<Meta>(&body)
                .ok()
                .and_then(|m| m.jwks_uri)
            {
                return Url::parse(&jwks).map_err(|e| format!("jwks_uri {jwks:?}: {e}"));
            }
        }
        Err(format!(
            "no jwks_uri in {issuer}'s OpenID or OAuth metadata; set NETSUITE_MCP_JWT_JWKS_URL"
        ))
    }

    /// GET over https (or http on loopback when allowed), size-limited; the client follows no redirects.
    async fn get(&self, url: &Url) -> Result<Vec<u8>, String> {
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        let allowed = url.scheme() == "https"
            || (url.scheme() == "http" && loopback && self.config.insecure_loopback);
        if !allowed {
            return Err(format!(
                "{url}: keys are fetched over https only (NETSUITE_MCP_OAUTH_INSECURE_LOOPBACK=true allows http on loopback for tests)"
            ));
        }
        let mut response = self
            .http
            .get(url.clone())
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url}: HTTP {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_DOCUMENT_BYTES {
                return Err(format!("{url}: larger than {MAX_DOCUMENT_BYTES} bytes"));
            }
        }
        Ok(body)
    }
}

impl McpAuthenticator for JwtResourceServer {
    fn authenticate<'a>(&'a self, token: &'a str) -> AuthFuture<'a> {
        Box::pin(self.verify(token))
    }

    fn challenge(&self) -> String {
        let metadata = format!(
            "{}{RESOURCE_METADATA_PATH}{MCP_PATH}",
            self.config.public_url.as_str().trim_end_matches('/')
        );
        if self.config.scopes.is_empty() {
            format!("resource_metadata=\"{metadata}\"")
        } else {
            format!(
                "resource_metadata=\"{metadata}\", scope=\"{}\"",
                self.config.scopes.join(" ")
            )
        }
    }
}

fn decoding_key(jwk: &jsonwebtoken::jwk::Jwk) -> Result<DecodingKey, TokenRefusal> {
    DecodingKey::from_jwk(jwk)
        .map_err(|_| TokenRefusal::Invalid("the provider's key cannot be used".into()))
}

/// RFC 9728: the identity provider is this resource's authorization server.
async fn metadata(State(server): State<Arc<JwtResourceServer>>) -> Response {
    axum::Json(json!({
        "resource": server.config.resource(),
        "authorization_servers": [server.config.issuer],
        "scopes_supported": server.config.scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": "NetSuite (netsuite-mcp)",
    }))
    .into_response()
}
