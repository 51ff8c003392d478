//! The composition root: turns validated configuration into running parts — the NetSuite client, the MCP
//! server, the HTTP options — for every command that needs them, in one place.

use std::net::SocketAddr;

use std::sync::Arc;

use crate::auth::{AssertionParams, RequestAuth, TokenManager};
use crate::config::{
    ConfigError, HttpConfig, NetSuiteAuth, NetSuiteConfig, ServerConfig, Settings,
};
use crate::netsuite::client::{REQUEST_TIMEOUT, http_client_with_timeout};
use crate::netsuite::{ClientOptions, NetSuiteClient};
use crate::server::NetSuiteServer;
use crate::server::builder::PreparedServer;
use crate::transport::http::HttpOptions;

use super::CommandError;

/// Builds the API client and how it authenticates (M2M token manager or TBA signer). Consumes the config:
/// the key or the TBA secrets move into the client. The
/// configured timeout and retry overrides win over `options`.
pub fn netsuite_client(
    config: NetSuiteConfig,
    options: ClientOptions,
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
            RequestAuth::M2m(TokenManager::new(http.clone(), m2m.key, params))
        }
        NetSuiteAuth::Tba(creds) => RequestAuth::Tba(Arc::new(creds)),
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
    let options = ClientOptions {
        max_concurrency: config.max_concurrency,
        content_language: config.content_language,
        retry,
    };
    Ok(NetSuiteClient::with_auth(
        http,
        auth,
        config.endpoints,
        options,
    ))
}

/// The client for `settings` with the default options.
pub fn client_from_settings(settings: &Settings) -> Result<NetSuiteClient, ConfigError> {
    netsuite_client(settings.netsuite()?, ClientOptions::default())
}

/// Everything the server needs but the client: governance checked and the tools directory loaded.
pub fn prepare_server(settings: &Settings) -> Result<PreparedServer, CommandError> {
    let config = ServerConfig::from_settings(settings)?;
    Ok(NetSuiteServer::builder().config(&config).prepare()?)
}

/// The server for `settings`: built-in tools plus the tools directory. Governance is checked before the key is
/// loaded, so that configuration mistakes are reported first.
pub fn server(settings: &Settings) -> Result<NetSuiteServer, CommandError> {
    let prepared = prepare_server(settings)?;
    let client = client_from_settings(settings)?;
    Ok(prepared.build(client))
}

/// HTTP options for `bind`, validated (a non-loopback address without a token is a configuration error).
pub fn http_options(
    settings: &Settings,
    bind: SocketAddr,
    stateless: bool,
) -> Result<HttpOptions, CommandError> {
    let config = HttpConfig::from_settings(settings)?;
    Ok(HttpOptions::from_config(bind, stateless, &config).map_err(ConfigError::from)?)
}
