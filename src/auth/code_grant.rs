//! The network half of signing in (netsuite-api.md §2.2, §2.3): exchanging the code the browser brought back,
//! and revoking a sign-in. The PKCE and redirect half is in [`super::pkce`]; the refresh in [`super::session`].

use secrecy::{ExposeSecret, SecretString};

use super::endpoint::{ClientAuth, Grant, TokenGrant, post_form, refusal, request_token};
use super::token::AuthError;

/// Exchanges an authorization code for the first access and refresh tokens.
pub async fn exchange_code(
    http: &reqwest::Client,
    token_url: &str,
    client: &ClientAuth,
    code: &SecretString,
    redirect_uri: &str,
    verifier: &SecretString,
) -> Result<TokenGrant, AuthError> {
    let form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code.expose_secret().to_owned()),
        ("redirect_uri", redirect_uri.to_owned()),
        ("code_verifier", verifier.expose_secret().to_owned()),
    ];
    let grant = request_token(
        http,
        token_url,
        Grant::AuthorizationCode,
        form,
        Some(client),
    )
    .await?;
    if grant.refresh_token.is_none() {
        return Err(AuthError::BadResponse {
            status: 200,
            snippet: "the code exchange returned no refresh_token".into(),
        });
    }
    Ok(grant)
}

/// Revokes a refresh token (and the access tokens issued from it) at NetSuite's revoke endpoint. NetSuite, like
/// RFC 7009, answers 200 for a token it no longer knows, so revoking twice is not an error.
pub async fn revoke(
    http: &reqwest::Client,
    revoke_url: &str,
    client: &ClientAuth,
    refresh_token: &SecretString,
) -> Result<(), AuthError> {
    let form = vec![("token", refresh_token.expose_secret().to_owned())];
    let (status, body) = post_form(http, revoke_url, form, Some(client)).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(refusal(Grant::RefreshToken, status, &body))
    }
}
