//! Authentication toward NetSuite: OAuth 2.0 client credentials (M2M) keys, assertions and the access-token cache;
//! the authorization code grant (PKCE, code exchange, refresh of a stored sign-in, revoke) and its token stores
//! (file, OS keyring); TBA (OAuth 1.0a) signing. Knows nothing about MCP.

pub mod assertion;
pub mod code_grant;
pub mod endpoint;
pub mod key;
#[cfg(feature = "keyring")]
pub mod keyring_store;
pub mod lock;
pub mod pkce;
pub mod request;
pub mod session;
pub mod shared;
pub mod shared_login;
pub mod store;
pub mod store_choice;
pub mod tba;
pub mod token;

pub use assertion::{AssertionParams, Scope};
pub use endpoint::{ClientAuth, Grant};
pub use key::{Algorithm, Curve, KeyError, SigningKey};
pub use request::{Authorization, RequestAuth};
pub use session::{LoginSession, SessionParams};
pub use shared::{SharedTokens, StoreFuture, TokenSlot};
pub use shared_login::{SharedLogin, WhenEmpty};
pub use token::{AccessToken, AuthError, TokenManager};
