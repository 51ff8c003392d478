//! [`Principal`]: who made an MCP request over HTTP, as the transport's authentication established it. It
//! travels in the HTTP request's extensions (rmcp hands them to the handler); it never holds a token.

use std::sync::Arc;

use crate::netsuite::NetSuiteClient;

/// Who is calling, and with which NetSuite identity.
#[derive(Clone)]
pub struct Principal {
    /// A stable, non-secret name for logs: e.g. `netsuite entity 12 (role 3)` or a JWT `sub`.
    pub subject: String,
    /// The OAuth client the token was issued to, when known.
    pub client_id: Option<String>,
    /// The NetSuite client acting as this person (their own token and role). `None`: the server's own
    /// NetSuite credentials.
    pub netsuite: Option<NetSuiteClient>,
    /// Only tools that read: the token's scope (or an identity provider's claim) narrows the server's
    /// governance, never widens it.
    pub read_only: bool,
    /// Called when NetSuite no longer honours this person's sign-in, so that their access token stops working
    /// and their MCP client signs them in again.
    pub end_session: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("subject", &self.subject)
            .field("client_id", &self.client_id)
            .field("own_netsuite_identity", &self.netsuite.is_some())
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// What the HTTP transport tells the server about one request (in its extensions, beside the [`Principal`]).
#[derive(Debug, Clone, Copy)]
pub struct HttpCall {
    /// When the transport ends the request (`NETSUITE_MCP_HTTP_REQUEST_TIMEOUT` after it arrived): anything the
    /// call waits for (e.g. the user's confirmation) must be over before then.
    pub deadline: std::time::Instant,
    /// Stateless mode: the server cannot send the client a request during the call.
    pub stateless: bool,
}
