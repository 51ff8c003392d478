//! OAuth 2.0 client credentials (M2M) for NetSuite: keys, assertions and the access-token cache.
//! Knows nothing about MCP.

pub mod assertion;
pub mod key;
pub mod pkce;
pub mod tba;
pub mod token;

pub use assertion::{AssertionParams, Scope};
pub use key::{Algorithm, Curve, KeyError, SigningKey};
pub use token::{AccessToken, AuthError, TokenManager};
