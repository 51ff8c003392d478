//! The composition root: turns validated configuration into running parts — the NetSuite client, the MCP
//! server, the HTTP options — for every command that needs them, in one place.

use std::net::SocketAddr;

use std::sync::Arc;

use std::path::PathBuf;

use crate::auth::store::{StoredLogin, TokenStore};
use crate::auth::store_choice::open_token_store;
use crate::auth::{AssertionParams, LoginSession, RequestAuth, SessionParams, TokenManager};
use crate::config::{
    AuthMode, ConfigError, HttpConfig, Key, McpAuthMode, NetSuiteAuth, NetSuiteConfig,
    ServerConfig, Settings, StoreConfig,
};
use crate::netsuite::client::{REQUEST_TIMEOUT, http_client_with_timeout};
use crate::netsuite::{ClientOptions, NetSuiteClient, SearchRestlet};
use crate::oauth::AuthorizationServer;
use crate::scale::{ScaleError, ScaleOut};
use crate::server::NetSuiteServer;
use crate::server::builder::PreparedServer;
use crate::transport::http::{Delegated, HttpOptions};

use super::CommandError;

/// Builds the API client and how it authenticates (M2M token manager or TBA signer). Consumes the config:
/// the key or the TBA secrets move into the client. The
/// configured timeout and retry overrides win over `options`.
pub fn netsuite_client(
    config: NetSuiteConfig,
    options: ClientOptions,
) -> Result<NetSuiteClient, ConfigError> {
    netsuite_client_shared(config, options, None)
}

/// [`netsuite_client`] for one of several instances serving the account: with `scale`, the concurrency limit
/// and the M2M token come from Redis, shared with the other instances.
pub fn netsuite_client_shared(
    config: NetSuiteConfig,
    options: ClientOptions,
    scale: Option<&ScaleOut>,
) -> Result<NetSuiteClient, ConfigError> {
    let tuning = config.tuning;
    let http = http_client_with_timeout(tuning.request_timeout.unwrap_or(REQUEST_TIMEOUT))
        .map_err(|e| ConfigError::Invalid {
            setting: "TLS",
            reason: format!("cannot initialise the HTTP client: {e}"),
        })?;
    let auth = match config.auth {
        NetSuiteAuth::M2m(m2m) => {
            let params = AssertionParams {
                client_id: m2m.client_id,
                certificate_id: m2m.certificate_id,
                audience: config.endpoints.token_url(),
                scopes: m2m.scopes,
            };
            // Everything that makes NetSuite issue a different token: the account (in the URL), the integration,
            // the certificate (and so the entity and role it maps to) and the scopes.
            let identity = format!(
                "{}\n{}\n{}\n{:?}",
                params.audience, params.client_id, params.certificate_id, params.scopes
            );
            let mut tokens = TokenManager::new(http.clone(), m2m.key, params);
            if let Some(scale) = scale {
                tokens = tokens.share(scale.tokens(&identity).map_err(scale_config_error)?);
            }
            RequestAuth::Bearer(tokens)
        }
        NetSuiteAuth::Tba(creds) => RequestAuth::Tba(Arc::new(creds)),
        NetSuiteAuth::Login(login) => {
            let store = token_store(&login.store)?;
            let params = SessionParams {
                token_url: config.endpoints.token_url(),
                revoke_url: config.endpoints.revoke_url(),
                client: login.client,
                account_id: config.account.realm().to_owned(),
                profile: login.store.profile.clone(),
                lock_dir: Some(token_dir(&login.store)?),
            };
            // The same person's tokens on every instance (same integration and profile) are one chain at
            // NetSuite: with scale-out they are refreshed under one shared lock.
            let identity = format!(
                "{}\n{}\n{}",
                params.token_url, params.client.client_id, params.profile
            );
            let mut session = LoginSession::new(params, store);
            if let Some(scale) = scale {
                session = session.with_shared(
                    scale
                        .login(
                            &identity,
                            crate::auth::WhenEmpty::SeedFromLocal,
                            tuning.request_timeout.unwrap_or(REQUEST_TIMEOUT),
                        )
                        .map_err(scale_config_error)?,
                );
            }
            RequestAuth::Bearer(TokenManager::for_login(http.clone(), session))
        }
        NetSuiteAuth::Delegated => RequestAuth::Unauthenticated,
    };
    let mut retry = options.retry;
    if let Some(n) = tuning.retry_max_attempts {
        retry.max_attempts = n;
    }
    if let Some(d) = tuning.retry_base_delay {
        retry.base_delay = d;
    }
    if let Some(d) = tuning.retry_max_delay {
        retry.max_delay = d;
    }
    let search_restlet = match config.search_restlet.as_deref() {
        Some(raw) => Some(
            SearchRestlet::parse(raw).map_err(|reason| ConfigError::Invalid {
                setting: Key::SearchRestlet.env(),
                reason,
            })?,
        ),
        None => options.search_restlet,
    };
    let limiter = match scale {
        Some(scale) => Some(scale.limiter(config.account.realm(), config.max_concurrency)),
        None => options.limiter,
    };
    let options = ClientOptions {
        max_concurrency: config.max_concurrency,
        content_language: config.content_language,
        retry,
        search_restlet,
        limiter,
        metadata_cache: options.metadata_cache,
    };
    Ok(NetSuiteClient::with_auth(
        http,
        auth,
        config.endpoints,
        options,
    ))
}

/// The client for `settings` with the default options (sharing the limit and token through Redis when
/// `NETSUITE_MCP_REDIS_URL` is set).
pub fn client_from_settings(settings: &Settings) -> Result<NetSuiteClient, ConfigError> {
    client_with_scale(settings, scale_out(settings)?.as_ref())
}

/// [`client_from_settings`] with the instance's shared parts.
pub fn client_with_scale(
    settings: &Settings,
    scale: Option<&ScaleOut>,
) -> Result<NetSuiteClient, ConfigError> {
    netsuite_client_shared(netsuite_config(settings)?, ClientOptions::default(), scale)
}

/// What this instance shares with the others through Redis; `None` when `NETSUITE_MCP_REDIS_URL` is unset.
pub fn scale_out(settings: &Settings) -> Result<Option<ScaleOut>, ConfigError> {
    match settings.redis_config()? {
        Some(config) => Ok(Some(ScaleOut::new(&config).map_err(scale_config_error)?)),
        None => Ok(None),
    }
}

fn scale_config_error(e: ScaleError) -> ConfigError {
    match e {
        ScaleError::Config { setting, reason } => ConfigError::Invalid { setting, reason },
        other => ConfigError::Invalid {
            setting: Key::RedisUrl.env(),
            reason: other.to_string(),
        },
    }
}

/// The NetSuite configuration, with the profile's stored sign-in when no M2M or TBA mode is set (it may
/// then be `login`). The store is not opened in M2M and TBA modes.
pub fn netsuite_config(settings: &Settings) -> Result<NetSuiteConfig, ConfigError> {
    let stored = match settings.auth_mode()? {
        Some(AuthMode::M2m | AuthMode::Tba) => None,
        Some(AuthMode::Login) => stored_login(&settings.store_config()?)?,
        // Nothing configured: a sign-in may be stored. Without a home directory there is nowhere it could be,
        // and the "missing configuration" error that follows is the useful one.
        None => {
            let config = settings.store_config()?;
            if config.dir.is_none()
                && crate::install::paths::Env::from_process()
                    .token_dir()
                    .is_none()
            {
                None
            } else {
                stored_login(&config)?
            }
        }
    };
    settings.netsuite_with(stored.as_ref())
}

/// The profile's stored sign-in, if any.
pub fn stored_login(config: &StoreConfig) -> Result<Option<StoredLogin>, ConfigError> {
    token_store(config)?
        .load(&config.profile)
        .map_err(|e| store_error(e.to_string()))
}

/// The token store `config` names.
pub fn token_store(config: &StoreConfig) -> Result<Arc<dyn TokenStore>, ConfigError> {
    open_token_store(config.kind, token_dir(config)?).map_err(|e| store_error(e.to_string()))
}

/// The file store's (and the refresh locks') directory: `NETSUITE_MCP_TOKEN_DIR`, else the user's default.
pub fn token_dir(config: &StoreConfig) -> Result<PathBuf, ConfigError> {
    match &config.dir {
        Some(dir) => Ok(dir.clone()),
        None => crate::install::paths::Env::from_process()
            .token_dir()
            .ok_or_else(|| {
                store_error(
                    "cannot find your home directory for the token store; set NETSUITE_MCP_TOKEN_DIR"
                        .to_owned(),
                )
            }),
    }
}

fn store_error(reason: String) -> ConfigError {
    ConfigError::Invalid {
        setting: Key::TokenStore.env(),
        reason,
    }
}

/// Everything the server needs but the client: governance checked and the tools directory loaded.
pub fn prepare_server(settings: &Settings) -> Result<PreparedServer, CommandError> {
    let config = ServerConfig::from_settings(settings)?;
    Ok(NetSuiteServer::builder().config(&config).prepare()?)
}

/// The server for `settings`: built-in tools plus the tools directory. Governance is checked before the key is
/// loaded, so that configuration mistakes are reported first.
pub fn server(settings: &Settings) -> Result<NetSuiteServer, CommandError> {
    server_with(settings, scale_out(settings)?.as_ref())
}

/// [`server`] with the instance's shared parts.
pub fn server_with(
    settings: &Settings,
    scale: Option<&ScaleOut>,
) -> Result<NetSuiteServer, CommandError> {
    let mut prepared = prepare_server(settings)?;
    if let Some(scale) = scale {
        prepared = prepared.share_confirmations(scale.redis().clone());
    }
    let client = client_with_scale(settings, scale)?;
    Ok(prepared.build(client))
}

/// HTTP options for `bind`, validated (a non-loopback address without a token or an authorization server is a
/// configuration error).
pub fn http_options(
    settings: &Settings,
    bind: SocketAddr,
    stateless: bool,
    delegated: Option<Delegated>,
) -> Result<HttpOptions, CommandError> {
    let config = HttpConfig::from_settings(settings)?;
    Ok(HttpOptions::from_config(bind, stateless, &config, delegated).map_err(ConfigError::from)?)
}

/// Who checks the tokens on `/mcp` when it is not the static bearer token.
pub enum DelegatedAuth {
    /// `oauth`: the NetSuite client with no identity of its own (people's sessions derive from it, sharing its
    /// account limit) and the authorization server.
    OAuth(Box<NetSuiteClient>, Delegated),
    /// `jwt`: an identity provider's tokens; NetSuite calls use the server's own credentials.
    Jwt(Delegated),
}

/// The authorization server or the identity-provider check for `NETSUITE_MCP_AUTH`; `None` for `bearer` and none.
pub fn delegated_auth(
    settings: &Settings,
    scale: Option<&ScaleOut>,
) -> Result<Option<DelegatedAuth>, CommandError> {
    match settings.mcp_auth_mode()? {
        McpAuthMode::OAuth => oauth_parts(settings, scale)
            .map(|(base, d)| Some(DelegatedAuth::OAuth(Box::new(base), d))),
        McpAuthMode::Jwt => {
            let config = settings.jwt_config()?;
            let http =
                http_client_with_timeout(REQUEST_TIMEOUT).map_err(|e| ConfigError::Invalid {
                    setting: "TLS",
                    reason: format!("cannot initialise the HTTP client: {e}"),
                })?;
            Ok(Some(DelegatedAuth::Jwt(
                crate::oauth::jwt::JwtResourceServer::new(config, http).delegated(),
            )))
        }
        McpAuthMode::Bearer | McpAuthMode::None => Ok(None),
    }
}

/// `oauth` mode's base client and authorization server.
fn oauth_parts(
    settings: &Settings,
    scale: Option<&ScaleOut>,
) -> Result<(NetSuiteClient, Delegated), CommandError> {
    let config = settings.oauth_server()?;
    let base = netsuite_client_shared(
        settings.netsuite_delegated(config.netsuite.account.clone())?,
        ClientOptions::default(),
        scale,
    )?;
    // With scale-out the state lives in Redis: no directory is needed.
    let state_dir = match (&config.state, scale) {
        (None, _) | (_, Some(_)) => None,
        (Some(state), None) => Some(match &state.dir {
            Some(dir) => dir.clone(),
            None => crate::install::paths::Env::from_process()
                .state_dir()
                .ok_or_else(|| ConfigError::Invalid {
                    setting: Key::StateDir.env(),
                    reason: "cannot find your home directory; set NETSUITE_MCP_STATE_DIR".into(),
                })?,
        }),
    };
    let server =
        AuthorizationServer::new(config, base.clone(), state_dir, scale).map_err(|reason| {
            CommandError::Config(ConfigError::Invalid {
                setting: Key::StateKey.env(),
                reason,
            })
        })?;
    Ok((base, server.delegated()))
}
