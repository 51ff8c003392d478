//! [`RequestAuth`]: the one place a NetSuite request's `Authorization` header is built, whatever the mode —
//! a bearer token from the [`TokenManager`] (M2M or a signed-in person) or a TBA signature over the method and
//! full URL.

use std::sync::Arc;

use url::Url;

use super::tba::TbaCredentials;
use super::token::{AccessToken, AuthError, TokenManager};

/// How each request to NetSuite is authenticated. Cheap to clone.
#[derive(Clone, Debug)]
pub enum RequestAuth {
    /// OAuth 2.0 (client credentials, or a signed-in person's refresh token): a cached bearer token, replaced
    /// on expiry or a 401.
    Bearer(TokenManager),
    /// TBA: a fresh OAuth 1.0a signature (nonce, timestamp) per send.
    Tba(Arc<TbaCredentials>),
    /// No identity of its own: the base client of the authorization server, from which each signed-in
    /// person's client derives. Every send is refused before anything leaves the process.
    Unauthenticated,
}

/// The `Authorization` value for one send, and the bearer token it carried (to drop it after a 401).
pub struct Authorization {
    /// The header value; holds a credential, never logged.
    pub value: String,
    /// The bearer token used, in OAuth 2.0 modes.
    pub token: Option<AccessToken>,
}

impl RequestAuth {
    /// The `Authorization` header value for one send of `method` to `url` (query included: TBA signs it).
    pub async fn authorize(&self, method: &str, url: &Url) -> Result<Authorization, AuthError> {
        match self {
            RequestAuth::Bearer(tokens) => {
                let token = tokens.access_token().await?;
                Ok(Authorization {
                    value: format!("Bearer {}", token.expose()),
                    token: Some(token),
                })
            }
            RequestAuth::Tba(creds) => Ok(Authorization {
                value: creds.authorization(method, url),
                token: None,
            }),
            RequestAuth::Unauthenticated => Err(AuthError::NoIdentity),
        }
    }

    /// After a 401: drops the bearer token that was refused and says whether sending again may help (OAuth 2.0:
    /// a new token may; TBA: the same credentials would be refused again).
    pub async fn refused(&self, auth: &Authorization) -> bool {
        match (self, &auth.token) {
            (RequestAuth::Bearer(tokens), Some(token)) => {
                tokens.invalidate(token).await;
                true
            }
            _ => false,
        }
    }

    /// The token manager, in OAuth 2.0 modes.
    pub fn tokens(&self) -> Option<&TokenManager> {
        match self {
            RequestAuth::Bearer(tokens) => Some(tokens),
            RequestAuth::Tba(_) | RequestAuth::Unauthenticated => None,
        }
    }

    /// Whether requests are signed with TBA.
    pub fn is_tba(&self) -> bool {
        matches!(self, RequestAuth::Tba(_))
    }
}
