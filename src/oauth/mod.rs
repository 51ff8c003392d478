//! The built-in OAuth authorization server for MCP clients (`NETSUITE_MCP_AUTH=oauth`, design.md §1.6): clients
//! such as claude.ai and ChatGPT register (RFC 7591), send the person to `/authorize` (PKCE S256 only, exact
//! redirect matching), who signs in at NetSuite through our `/oauth/netsuite/callback`; the client then gets
//! our own short-lived opaque access token (bound to this resource) and a rotating refresh token. Calls made with
//! the access token run as that person, with their NetSuite token and role; a client's token never reaches
//! NetSuite.
//!
//! Layout: `state` (what is remembered), `metadata` (RFC 8414 and RFC 9728 documents, `/register`),
//! `authorize` (`/authorize` and the NetSuite callback), `token` (`/token`, `/revoke`), and here the
//! [`McpAuthenticator`] that checks tokens on `/mcp`.

mod authorize;
mod cimd;
mod consent;
mod grant;
pub mod jwt;
mod metadata;
mod persist;
mod redis_entries;
mod redis_scripts;
mod redis_store;
mod scopes;
mod state;
mod store;
mod token;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::config::OAuthServerConfig;
use crate::netsuite::NetSuiteClient;
use crate::scale::ScaleOut;
use crate::server::Principal;
use crate::transport::http::{AuthFuture, Delegated, McpAuthenticator, TokenRefusal};

pub use persist::STATE_FILE;
pub use state::{SCOPE_READ, SCOPE_WRITE};
use store::{OAuthStore, Unavailable};

/// RFC 9728 metadata of the protected resource, both well-known forms.
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";
/// RFC 8414 metadata of the authorization server.
pub const AS_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// The authorize endpoint.
pub const AUTHORIZE_PATH: &str = "/authorize";
/// The token endpoint.
pub const TOKEN_PATH: &str = "/token";
/// Dynamic client registration (RFC 7591).
pub const REGISTER_PATH: &str = "/register";
/// Token revocation (RFC 7009).
pub const REVOKE_PATH: &str = "/revoke";
/// Where NetSuite sends the person back: register `<public url>/oauth/netsuite/callback` on the integration.
pub const NETSUITE_CALLBACK_PATH: &str = "/oauth/netsuite/callback";

/// The authorization server: its configuration, its state (in this process — sealed to disk when a state key is
/// set — or in Redis shared by every instance), and the NetSuite client people's sessions derive from (same
/// account, HTTP client and concurrency limit).
pub struct AuthorizationServer {
    config: OAuthServerConfig,
    state: Box<dyn OAuthStore>,
    base: NetSuiteClient,
    documents: cimd::ClientDocuments,
}

impl AuthorizationServer {
    /// A server for `config`; `base` is the NetSuite client whose account and limit people share (its own
    /// credentials are never used for them). With `scale`, the state lives in its Redis; else in memory, and with
    /// a state key in a sealed file in `state_dir`, whose content is loaded now (a file the key cannot open is an
    /// error: nothing is overwritten).
    pub fn new(
        config: OAuthServerConfig,
        base: NetSuiteClient,
        state_dir: Option<PathBuf>,
        scale: Option<&ScaleOut>,
    ) -> Result<Arc<Self>, String> {
        let people = grant::People {
            netsuite: config.netsuite.clone(),
            base: base.clone(),
            scale: scale.cloned(),
        };
        let state: Box<dyn OAuthStore> = match scale {
            Some(scale) => Box::new(redis_store::RedisStore::new(
                scale.redis().clone(),
                scale.state_key().clone(),
                people,
            )?),
            None => {
                let vault = match (&config.state, state_dir) {
                    (Some(state), Some(dir)) => Some(persist::Vault::new(&dir, &state.key)?),
                    (Some(_), None) => return Err("no directory for the OAuth state".into()),
                    (None, _) => None,
                };
                Box::new(store::MemoryStore::new(people, vault)?)
            }
        };
        Ok(Arc::new(AuthorizationServer {
            documents: cimd::ClientDocuments::new(config.insecure_loopback),
            config,
            state,
            base,
        }))
    }

    /// The client `client_id` names: a registered one, or the one its metadata document describes; the inner
    /// error says why it is refused, the outer one that the state cannot be reached.
    async fn client(&self, client_id: &str) -> Result<Result<state::Client, String>, Unavailable> {
        if let Some(client) = self.state.client(client_id).await? {
            return Ok(Ok(client));
        }
        if !cimd::is_document_id(client_id) {
            return Ok(Err(
                "unknown client: the MCP client must register first (a registration is lost when the server \
                 restarts without NETSUITE_MCP_STATE_KEY; reconnect it)"
                    .into(),
            ));
        }
        Ok(self
            .documents
            .resolve(client_id, &self.config.redirect_origins)
            .await)
    }

    /// After a change: seals the state to disk (memory store with a state key) and revokes at NetSuite the
    /// sign-ins of grants that ended. Failures are logged: the server keeps working, and the next change tries
    /// again.
    async fn persist(&self) {
        if let Err(e) = self.state.save() {
            tracing::error!(error = %e, "could not save the OAuth state; sign-ins may not survive a restart");
        }
        self.revoke_ended().await;
    }

    /// Revokes at NetSuite the sign-ins of grants that ended, in the background (best effort: NetSuite would
    /// end them at their expiry anyway).
    async fn revoke_ended(&self) {
        let ended = match self.state.take_ended().await {
            Ok(ended) => ended,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the ended sign-ins to revoke");
                return;
            }
        };
        for grant in ended {
            let http = self.base.http().clone();
            let netsuite = &self.config.netsuite;
            let (url, client) = (netsuite.endpoints.revoke_url(), netsuite.client.clone());
            tokio::spawn(async move {
                match crate::auth::code_grant::revoke(&http, &url, &client, &grant.refresh_token)
                    .await
                {
                    Ok(()) => {
                        tracing::info!(subject = %grant.subject, "revoked an ended sign-in at NetSuite")
                    }
                    Err(e) => {
                        tracing::warn!(subject = %grant.subject, error = %e, "could not revoke an ended sign-in at NetSuite")
                    }
                }
            });
        }
    }

    /// The protected resource: `<public url>/mcp`.
    pub fn resource(&self) -> String {
        self.config.url(crate::transport::http::MCP_PATH)
    }

    /// What the HTTP transport needs: the token check for `/mcp` and the OAuth routes.
    pub fn delegated(self: &Arc<Self>) -> Delegated {
        let resource_metadata = format!(
            "{RESOURCE_METADATA_PATH}{}",
            crate::transport::http::MCP_PATH
        );
        let routes = Router::new()
            .route(RESOURCE_METADATA_PATH, get(metadata::protected_resource))
            .route(&resource_metadata, get(metadata::protected_resource))
            .route(AS_METADATA_PATH, get(metadata::authorization_server))
            .route(REGISTER_PATH, post(metadata::register))
            .route(
                AUTHORIZE_PATH,
                get(authorize::authorize).post(consent::decide),
            )
            .route(NETSUITE_CALLBACK_PATH, get(authorize::netsuite_callback))
            .route(TOKEN_PATH, post(token::token))
            .route(REVOKE_PATH, post(token::revoke))
            .with_state(Arc::clone(self));
        Delegated {
            authenticator: Arc::new(Authenticator(Arc::clone(self))),
            routes,
        }
    }
}

/// Checks our access tokens on `/mcp`.
struct Authenticator(Arc<AuthorizationServer>);

impl McpAuthenticator for Authenticator {
    fn authenticate<'a>(&'a self, token: &'a str) -> AuthFuture<'a> {
        Box::pin(async move {
            let found = self
                .0
                .state
                .access(token)
                .await
                .map_err(|Unavailable(why)| TokenRefusal::Unavailable(why))?;
            let Some((id, grant, scopes)) = found else {
                return Err(TokenRefusal::Invalid(
                    "unknown, expired or revoked access token".into(),
                ));
            };
            Ok(Principal {
                subject: grant.subject,
                client_id: Some(grant.client_id),
                netsuite: Some(grant.netsuite),
                read_only: !scopes.write,
                end_session: Some(Arc::new({
                    let server = Arc::clone(&self.0);
                    move || {
                        let server = Arc::clone(&server);
                        tokio::spawn(async move {
                            if let Err(e) = server.state.end_grant(id).await {
                                tracing::warn!(error = %e, "could not end a sign-in NetSuite refused");
                            }
                            server.persist().await;
                        });
                    }
                })),
            })
        })
    }

    fn challenge(&self) -> String {
        format!(
            "resource_metadata=\"{}\", scope=\"{SCOPE_READ} {SCOPE_WRITE}\"",
            self.0.config.url(&format!(
                "{RESOURCE_METADATA_PATH}{}",
                crate::transport::http::MCP_PATH
            ))
        )
    }
}
