//! Who may call `/mcp` when an authorization server or identity provider decides (design.md §1.6): the
//! transport reads the bearer token, asks the [`McpAuthenticator`], and attaches the [`Principal`] it returns to
//! the request. The transport knows nothing about how tokens are issued.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::server::Principal;

/// A boxed future, as the authenticator returns it.
pub type AuthFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Principal, TokenRefusal>> + Send + 'a>>;

/// Why a presented token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Unknown, expired, revoked, for another resource, or badly signed: 401 `invalid_token`.
    Invalid(String),
    /// Valid, but without the scope `/mcp` needs: 403 `insufficient_scope`.
    InsufficientScope,
    /// The token cannot be checked now (the shared state is unreachable): 503 with `Retry-After`, so that the
    /// client keeps its token and tries again rather than signing the person in anew.
    Unavailable(String),
}

/// Checks bearer tokens for `/mcp`.
pub trait McpAuthenticator: Send + Sync + 'static {
    /// Who `token` belongs to, or why it is refused. Never logs the token.
    fn authenticate<'a>(&'a self, token: &'a str) -> AuthFuture<'a>;
    /// The parameters of the `WWW-Authenticate: Bearer …` challenge besides `error`, e.g.
    /// `resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="netsuite:read"`.
    fn challenge(&self) -> String;
}

/// An authenticator and the routes it serves (metadata, authorization endpoints), handed to the transport.
#[derive(Clone)]
pub struct Delegated {
    /// Checks tokens on `/mcp`.
    pub authenticator: Arc<dyn McpAuthenticator>,
    /// Served beside `/mcp`, without the guard (they are OAuth endpoints any client may reach).
    pub routes: axum::Router,
}

impl std::fmt::Debug for Delegated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delegated")
            .field("challenge", &self.authenticator.challenge())
            .finish_non_exhaustive()
    }
}
