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
mod scopes;
mod state;
mod token;

use std::path::PathBuf;
use std::sync::{Arc, Weak};

use axum::Router;
use axum::routing::{get, post};

use crate::auth::store::StoredLogin;
use crate::auth::{LoginSession, RequestAuth, SessionParams, TokenManager};
use crate::config::OAuthServerConfig;
use crate::netsuite::NetSuiteClient;
use crate::server::Principal;
use crate::transport::http::{AuthFuture, Delegated, McpAuthenticator, TokenRefusal};

pub use persist::STATE_FILE;
pub use state::{SCOPE_READ, SCOPE_WRITE};

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

/// The authorization server: its configuration, its state (sealed to disk when a state key is set), and the
/// NetSuite client people's sessions derive from (same account, HTTP client and concurrency limit).
pub struct AuthorizationServer {
    config: OAuthServerConfig,
    state: state::State,
    base: NetSuiteClient,
    vault: Option<persist::Vault>,
    documents: cimd::ClientDocuments,
    me: Weak<AuthorizationServer>,
}

impl AuthorizationServer {
    /// A server for `config`; `base` is the NetSuite client whose account and limit people share (its own
    /// credentials are never used for them). With a state key, `state_dir` is where the sealed state lives; what
    /// is there is loaded now (a file the key cannot open is an error: nothing is overwritten).
    pub fn new(
        config: OAuthServerConfig,
        base: NetSuiteClient,
        state_dir: Option<PathBuf>,
    ) -> Result<Arc<Self>, String> {
        let vault = match (&config.state, state_dir) {
            (Some(state), Some(dir)) => Some(persist::Vault::new(&dir, &state.key)?),
            (Some(_), None) => return Err("no directory for the OAuth state".into()),
            (None, _) => None,
        };
        let snapshot = match &vault {
            Some(v) => v.load()?,
            None => None,
        };
        let documents = cimd::ClientDocuments::new(config.insecure_loopback);
        let server = Arc::new_cyclic(|me| AuthorizationServer {
            documents,
            config,
            state: state::State::default(),
            base,
            vault,
            me: me.clone(),
        });
        if let Some(snapshot) = snapshot {
            let grants = snapshot.grants.len();
            server.state.restore(snapshot, |saved| state::Grant {
                client_id: saved.client_id.clone(),
                subject: saved.subject.clone(),
                ..server.person(saved.login.clone())
            });
            let path = server
                .vault
                .as_ref()
                .map(|v| v.path().display().to_string());
            tracing::info!(grants, path = ?path, "restored the OAuth state");
        }
        Ok(server)
    }

    /// The client `client_id` names: a registered one, or the one its metadata document describes.
    async fn client(&self, client_id: &str) -> Result<state::Client, String> {
        if let Some(client) = self.state.client(client_id) {
            return Ok(client);
        }
        if !cimd::is_document_id(client_id) {
            return Err(
                "unknown client: the MCP client must register first (a registration is lost when the server \
                 restarts without NETSUITE_MCP_STATE_KEY; reconnect it)"
                    .into(),
            );
        }
        self.documents
            .resolve(client_id, &self.config.redirect_origins)
            .await
    }

    /// A person's NetSuite session from their tokens: a grant without client and subject yet.
    fn person(&self, login: StoredLogin) -> state::Grant {
        let netsuite = &self.config.netsuite;
        let login = state::GrantLogin::new(login);
        let me = self.me.clone();
        login.on_change(Arc::new(move || match me.upgrade() {
            Some(server) => {
                server.state.touch();
                server.try_persist()
            }
            None => Ok(()),
        }));
        let session = LoginSession::new(
            SessionParams {
                token_url: netsuite.endpoints.token_url(),
                client: netsuite.client.clone(),
                account_id: netsuite.account.realm().to_owned(),
                profile: state::GRANT_PROFILE.to_owned(),
                lock_dir: None,
            },
            login.clone(),
        );
        let client = self
            .base
            .acting_as(RequestAuth::Bearer(TokenManager::for_login(
                self.base.http().clone(),
                session,
            )));
        state::Grant {
            client_id: String::new(),
            subject: String::new(),
            netsuite: client,
            login,
        }
    }

    /// Seals the state to disk (when a state key is set). A failure is logged: the server keeps working, and
    /// the next change tries again.
    fn persist(&self) {
        if let Err(e) = self.try_persist() {
            tracing::error!(error = %e, "could not save the OAuth state; sign-ins may not survive a restart");
        }
        self.revoke_ended();
    }

    /// Revokes at NetSuite the sign-ins of grants that ended, in the background (best effort: NetSuite would
    /// end them at their expiry anyway).
    fn revoke_ended(&self) {
        let ended = self.state.take_ended();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        for grant in ended {
            let http = self.base.http().clone();
            let netsuite = &self.config.netsuite;
            let (url, client) = (netsuite.endpoints.revoke_url(), netsuite.client.clone());
            let refresh = grant.login.current().refresh_token;
            runtime.spawn(async move {
                match crate::auth::code_grant::revoke(&http, &url, &client, &refresh).await {
                    Ok(()) => tracing::info!(subject = %grant.subject, "revoked an ended sign-in at NetSuite"),
                    Err(e) => tracing::warn!(subject = %grant.subject, error = %e, "could not revoke an ended sign-in at NetSuite"),
                }
            });
        }
    }

    /// Seals the state to disk, saying whether it worked (a rotated NetSuite refresh token must be on disk
    /// before it is used).
    fn try_persist(&self) -> Result<(), String> {
        match &self.vault {
            Some(vault) => vault.save_snapshot(self.state.changes(), || self.state.snapshot()),
            None => Ok(()),
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
            let Some((id, grant, scopes)) = self.0.state.access(token) else {
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
                        server.state.end_grant(id);
                        server.persist();
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
