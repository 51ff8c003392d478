//! Authentication toward NetSuite: OAuth 2.0 client credentials (M2M) keys, assertions and the access-token cache;
//! the authorization code grant's PKCE pieces and token stores (file, OS keyring); TBA (OAuth 1.0a) signing.
//! Knows nothing about MCP.

pub mod assertion;
pub mod key;
#[cfg(feature = "keyring")]
pub mod keyring_store;
pub mod pkce;
pub mod request;
pub mod store;
pub mod store_choice;
pub mod tba;
pub mod token;

pub use assertion::{AssertionParams, Scope};
pub use key::{Algorithm, Curve, KeyError, SigningKey};
pub use request::{Authorization, RequestAuth};
pub use token::{AccessToken, AuthError, TokenManager};
