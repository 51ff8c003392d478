//! Signing in as a person (netsuite-api.md §2): the authorize page, the authorization code and refresh token
//! grants of the token endpoint, and the revoke endpoint.
//!
//! Access tokens of this grant go into the same [`TokenStore`](crate::tokens::TokenStore) as client-credentials
//! tokens, tagged with the person and their refresh chain, so the bearer check treats both alike. Codes, refresh
//! tokens, verifiers and secrets are never logged.

pub(crate) mod authorize;
pub(crate) mod grant;
mod state;

use std::collections::BTreeMap;
use std::time::Duration;

pub use state::LoginCounters;
pub(crate) use state::LoginState;

use super::{KNOWN_SCOPES, SandboxError, SandboxHandle};

/// Path of NetSuite's authorize page (served by the sandbox's one server; `NETSUITE_APP_BASE_URL` points here).
pub const AUTHORIZE_PATH: &str = "/app/login/oauth2/authorize.nl";
/// Path of the revoke endpoint.
pub const REVOKE_PATH: &str = "/services/rest/auth/oauth2/v1/revoke";
/// Client ID of the public integration every sandbox has unless configured otherwise (`serve --sandbox`,
/// `login` against the sandbox).
pub const DEFAULT_PUBLIC_CLIENT_ID: &str =
    "5a4db0c5e1f1a7d2c0ffee5a4db0c5e1f1a7d2c0ffee5a4db0c5e1f1a7d2c0ff";
/// The product's default redirect URI; the default integration allows it, its `http` twin, and any port of both.
pub const DEFAULT_REDIRECT_URI: &str = "https://127.0.0.1:8765/callback";
/// How long an authorization code can be exchanged. guess: NetSuite leaves it undocumented.
pub const DEFAULT_CODE_LIFETIME: Duration = Duration::from_secs(600);
/// A public client's refresh token lasts 48 hours by default.
pub const DEFAULT_PUBLIC_REFRESH_LIFETIME: Duration = Duration::from_secs(48 * 3600);
/// "Maximum Time For Token Rotation": a public client's chain of refresh tokens ends 168 hours after sign-in.
pub const DEFAULT_MAX_ROTATION: Duration = Duration::from_secs(168 * 3600);
/// A confidential client's refresh token lasts 7 days and is not rotated.
pub const DEFAULT_CONFIDENTIAL_REFRESH_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

pub(crate) const GRANT_AUTHORIZATION_CODE: &str = "authorization_code";
pub(crate) const GRANT_REFRESH_TOKEN: &str = "refresh_token";

/// An integration record with the authorization code grant enabled.
#[derive(Clone)]
pub struct LoginIntegration {
    /// The client ID (NetSuite's are 64 hex characters).
    pub client_id: String,
    /// `None`: a public client. `Some`: a confidential client authenticating with HTTP Basic.
    pub client_secret: Option<String>,
    /// Redirect URIs; the authorize request and the code exchange must name one exactly.
    pub redirect_uris: Vec<String>,
    /// Also accept a listed `http(s)://127.0.0.1:PORT/…` redirect URI on any other port (RFC 8252 §7.3).
    /// NetSuite itself matches exactly; this lets tests and `login` use ephemeral ports.
    pub loopback_any_port: bool,
    /// Scopes enabled on the record.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for LoginIntegration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginIntegration")
            .field("client_id", &self.client_id)
            .field("confidential", &self.client_secret.is_some())
            .field("redirect_uris", &self.redirect_uris)
            .field("loopback_any_port", &self.loopback_any_port)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl LoginIntegration {
    /// A public client (PKCE required) with every scope and exact redirect URI matching.
    pub fn public(client_id: impl Into<String>, redirect_uris: Vec<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            redirect_uris,
            loopback_any_port: false,
            scopes: KNOWN_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A confidential client with every scope and exact redirect URI matching.
    pub fn confidential(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uris: Vec<String>,
    ) -> Self {
        Self {
            client_secret: Some(client_secret.into()),
            ..Self::public(client_id, redirect_uris)
        }
    }

    /// The sandbox's default public integration, [`DEFAULT_PUBLIC_CLIENT_ID`]: redirect URIs
    /// `http(s)://127.0.0.1:8765/callback` (the `login` command) and `http(s)://127.0.0.1:8765/oauth/netsuite/callback`
    /// (the authorization server of `serve --http`), any loopback port.
    pub fn sandbox_default() -> Self {
        Self {
            loopback_any_port: true,
            ..Self::public(
                DEFAULT_PUBLIC_CLIENT_ID,
                vec![
                    DEFAULT_REDIRECT_URI.to_owned(),
                    "http://127.0.0.1:8765/callback".to_owned(),
                    // netsuite-mcp's own authorization server (`serve --http --sandbox` with oauth).
                    "http://127.0.0.1:8765/oauth/netsuite/callback".to_owned(),
                    "https://127.0.0.1:8765/oauth/netsuite/callback".to_owned(),
                ],
            )
        }
    }

    pub(crate) fn is_public(&self) -> bool {
        self.client_secret.is_none()
    }

    /// Exact match, or (when allowed) the same loopback URI on another port.
    pub(crate) fn allows_redirect(&self, uri: &str) -> bool {
        if self.redirect_uris.iter().any(|r| r == uri) {
            return true;
        }
        if !self.loopback_any_port {
            return false;
        }
        let Ok(mut candidate) = url::Url::parse(uri) else {
            return false;
        };
        if candidate.host_str() != Some("127.0.0.1") || candidate.fragment().is_some() {
            return false;
        }
        self.redirect_uris.iter().any(|allowed| {
            url::Url::parse(allowed).is_ok_and(|allowed| {
                allowed.host_str() == Some("127.0.0.1")
                    && candidate.set_port(allowed.port()).is_ok()
                    && candidate == allowed
            })
        })
    }
}

/// A person who can sign in on the sandbox's authorize page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxUser {
    /// Internal ID of the employee record (`entity=` in the redirect).
    pub entity_id: i64,
    /// Internal ID of the role the person signs in with (`role=`).
    pub role_id: i64,
    /// Display name, shown on the page.
    pub name: String,
}

/// Signing in as a person: integrations, users and lifetimes.
#[derive(Debug, Clone)]
pub struct LoginConfig {
    /// Integration records with the authorization code grant. Default: [`LoginIntegration::sandbox_default`].
    pub integrations: Vec<LoginIntegration>,
    /// People who can sign in; the first is approved unless a test picks another. Default: entity 12 (an
    /// employee of the demo data), role 3 (Administrator).
    pub users: Vec<SandboxUser>,
    /// How long a code can be exchanged (default 10 minutes).
    pub code_lifetime: Duration,
    /// Lifetime of a public client's single-use refresh token (default 48 h).
    pub public_refresh_lifetime: Duration,
    /// Lifetime of a public client's whole refresh chain (default 168 h).
    pub max_rotation: Duration,
    /// Lifetime of a confidential client's (not rotated) refresh token (default 7 days).
    pub confidential_refresh_lifetime: Duration,
    /// Reusing a spent refresh token revokes its whole chain (default `true`).
    pub revoke_chain_on_reuse: bool,
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            integrations: vec![LoginIntegration::sandbox_default()],
            users: vec![SandboxUser {
                entity_id: 12,
                role_id: 3,
                name: "Sandbox Administrator".to_owned(),
            }],
            code_lifetime: DEFAULT_CODE_LIFETIME,
            public_refresh_lifetime: DEFAULT_PUBLIC_REFRESH_LIFETIME,
            max_rotation: DEFAULT_MAX_ROTATION,
            confidential_refresh_lifetime: DEFAULT_CONFIDENTIAL_REFRESH_LIFETIME,
            revoke_chain_on_reuse: true,
        }
    }
}

pub(crate) fn validate(config: &LoginConfig) -> Result<(), SandboxError> {
    let invalid = |m: String| Err(SandboxError::InvalidConfig(m));
    if config.users.is_empty() {
        return invalid("login.users must hold at least one user".to_owned());
    }
    for (i, user) in config.users.iter().enumerate() {
        if config.users[..i]
            .iter()
            .any(|u| u.entity_id == user.entity_id)
        {
            return invalid(format!("user entity {} is listed twice", user.entity_id));
        }
    }
    for (i, integration) in config.integrations.iter().enumerate() {
        let id = &integration.client_id;
        if id.trim().is_empty() {
            return invalid("a login integration has an empty client_id".to_owned());
        }
        if config.integrations[..i].iter().any(|o| o.client_id == *id) {
            return invalid(format!("login integration {id:?} is listed twice"));
        }
        if integration.client_secret.as_deref() == Some("") {
            return invalid(format!("login integration {id:?} has an empty secret"));
        }
        if integration.redirect_uris.is_empty()
            || integration
                .redirect_uris
                .iter()
                .any(|u| url::Url::parse(u).is_err())
        {
            return invalid(format!(
                "login integration {id:?} needs absolute redirect URIs"
            ));
        }
        if let Some(s) = integration
            .scopes
            .iter()
            .find(|s| !KNOWN_SCOPES.contains(&s.as_str()))
        {
            return invalid(format!("login integration {id:?}: unknown scope {s:?}"));
        }
    }
    let lifetimes = [
        config.code_lifetime,
        config.public_refresh_lifetime,
        config.max_rotation,
        config.confidential_refresh_lifetime,
    ];
    if lifetimes.iter().any(Duration::is_zero) {
        return invalid("login lifetimes must be positive".to_owned());
    }
    Ok(())
}

/// Test hooks and URLs for signing in as a person.
impl SandboxHandle {
    /// The authorize page: the product's `NETSUITE_APP_BASE_URL` is [`SandboxHandle::base_url`].
    pub fn authorize_url(&self) -> String {
        format!("{}{AUTHORIZE_PATH}", self.base_url)
    }

    /// The revoke endpoint.
    pub fn revoke_url(&self) -> String {
        format!("{}{REVOKE_PATH}", self.base_url)
    }

    /// The next authorization signs in as the configured user with this entity ID (then back to the first
    /// user). `false` when no such user is configured.
    pub fn approve_next_as(&self, entity_id: i64) -> bool {
        self.shared.login.approve_next_as(entity_id)
    }

    /// The next authorization is refused by the person: `error=access_denied`.
    pub fn deny_next_authorization(&self) {
        self.shared.login.deny_next();
    }

    /// Every authorization code issued so far is expired.
    pub fn expire_all_codes(&self) {
        self.shared.login.expire_all_codes();
    }

    /// Every refresh token issued so far is expired (access tokens are untouched: see
    /// [`SandboxHandle::expire_all_tokens`]).
    pub fn expire_all_refresh_tokens(&self) {
        self.shared.login.expire_all_refresh_tokens();
    }

    /// Counters of the sign-in flow.
    pub fn login_counters(&self) -> LoginCounters {
        self.shared.login.counters()
    }

    /// Authorized API calls made with a signed-in person's access token, per entity ID (client-credentials
    /// calls are not counted here).
    pub fn calls_by_entity(&self) -> BTreeMap<i64, u64> {
        self.shared.tokens.calls_by_entity()
    }
}
