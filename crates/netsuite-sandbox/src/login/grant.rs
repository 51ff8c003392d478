//! The authorization code and refresh token grants of the token endpoint, and the revoke endpoint
//! (netsuite-api.md §2.2, §2.3). Errors use the token endpoint's bodies and statuses.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::state::{Chain, bump};
use super::{GRANT_AUTHORIZATION_CODE, LoginIntegration};
use crate::Shared;
use crate::oauth::{OAuthError, Rejection, no_store, parse_form, refused, reject};
use crate::tokens::Owner;

type Form = HashMap<String, String>;

/// PKCE verifier length bounds (RFC 7636 §4.1).
const VERIFIER_LEN: std::ops::RangeInclusive<usize> = 43..=128;

/// `grant_type=authorization_code` or `refresh_token` at the token endpoint.
pub(crate) fn token(shared: &Shared, headers: &HeaderMap, form: &Form) -> Response {
    let result = authenticate(shared, headers, form).and_then(|client| {
        match form.get("grant_type").map(String::as_str) {
            Some(GRANT_AUTHORIZATION_CODE) => exchange_code(shared, client, form),
            _ => refresh(shared, client, form),
        }
    });
    match result {
        Ok(body) => {
            shared.governance.token_issued();
            let mut resp = axum::Json(body).into_response();
            no_store(&mut resp);
            resp
        }
        Err(rejection) => refused(shared, rejection),
    }
}

/// `POST /services/rest/auth/oauth2/v1/revoke`: `token=<refresh token>` and the client's authentication.
/// An unknown token, or one of another client, is answered 200 and left alone (RFC 7009 §2.2).
pub(crate) async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = parse_form(&headers, &body).and_then(|form| {
        let client = authenticate(&shared, &headers, &form)?;
        let token = form
            .get("token")
            .ok_or(reject(OAuthError::InvalidRequest, "MissingToken"))?;
        revoke_token(&shared, client, token);
        bump(&shared.login.revoke_requests);
        Ok(())
    });
    match result {
        Ok(()) => {
            let mut resp = StatusCode::OK.into_response();
            no_store(&mut resp);
            resp
        }
        Err(rejection) => {
            tracing::info!(
                audit = rejection.audit,
                error = rejection.error.as_str(),
                "sandbox revoke endpoint: request rejected"
            );
            rejection.into_response(&shared.account_id)
        }
    }
}

fn revoke_token(shared: &Shared, client: &LoginIntegration, token: &str) {
    let login = &shared.login;
    let mut inner = login.lock();
    let chain = inner.refresh.get(token).map(|e| e.chain).filter(|c| {
        inner
            .chains
            .get(c)
            .is_some_and(|ch| ch.client_id == client.client_id)
    });
    if let Some(chain) = chain {
        inner.revoke_chain(chain);
        drop(inner);
        shared.tokens.revoke_chain(chain);
        bump(&login.revocations);
        tracing::info!("sandbox revoke endpoint: refresh chain revoked");
    }
}

/// The integration the request authenticates as: HTTP Basic (confidential, or public with an empty secret),
/// or `client_id` in the body (public only).
fn authenticate<'a>(
    shared: &'a Shared,
    headers: &HeaderMap,
    form: &Form,
) -> Result<&'a LoginIntegration, Rejection> {
    use OAuthError::*;
    // guess: NetSuite documents only HTTP Basic for a client secret, and assertions only for client credentials.
    if form.contains_key("client_secret") || form.contains_key("client_assertion") {
        return Err(reject(InvalidRequest, "UnsupportedClientAuthentication"));
    }
    let (id, secret) = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            let (id, secret) =
                basic_credentials(value).ok_or(reject(InvalidClient, "MalformedBasicAuth"))?;
            if form.get("client_id").is_some_and(|c| *c != id) {
                return Err(reject(InvalidRequest, "ClientIdMismatch"));
            }
            (id, Some(secret))
        }
        None => (
            form.get("client_id")
                .cloned()
                .ok_or(reject(InvalidClient, "MissingClientId"))?,
            None,
        ),
    };
    let integration = shared
        .login
        .config
        .integrations
        .iter()
        .find(|i| i.client_id == id)
        .ok_or(reject(InvalidClient, "InvalidIntegration"))?;
    let authenticated = match (&integration.client_secret, secret.as_deref()) {
        (None, None | Some("")) => true,
        (Some(expected), Some(given)) => {
            verify_slices_are_equal(expected.as_bytes(), given.as_bytes()).is_ok()
        }
        _ => false,
    };
    if !authenticated {
        return Err(reject(InvalidClient, "InvalidClientCredentials"));
    }
    Ok(integration)
}

/// `Basic base64(id:secret)`. guess: NetSuite IDs and secrets are hex, so the RFC 6749 §2.3.1 form-encoding of
/// both parts changes nothing and is not undone.
fn basic_credentials(value: &HeaderValue) -> Option<(String, String)> {
    let (scheme, encoded) = value.to_str().ok()?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// `grant_type=authorization_code`: the code is spent by the first attempt, right or wrong.
fn exchange_code(
    shared: &Shared,
    client: &LoginIntegration,
    form: &Form,
) -> Result<Value, Rejection> {
    use OAuthError::*;
    let code = form
        .get("code")
        .ok_or(reject(InvalidRequest, "MissingCode"))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or(reject(InvalidRequest, "MissingRedirectUri"))?;
    let login = &shared.login;
    let now = Instant::now();
    let mut inner = login.lock();
    let Some(pending) = inner
        .codes
        .get_mut(code.as_str())
        .filter(|p| p.client_id == client.client_id)
    else {
        return Err(reject(InvalidGrant, "InvalidCode"));
    };
    if pending.spent {
        // RFC 6749 §4.1.2: a code presented twice revokes the tokens already issued from it.
        if let Some(chain) = pending.chain {
            inner.revoke_chain(chain);
            drop(inner);
            shared.tokens.revoke_chain(chain);
        }
        return Err(reject(InvalidGrant, "CodeReused"));
    }
    pending.spent = true;
    if pending.expires_at <= now {
        return Err(reject(InvalidGrant, "CodeExpired"));
    }
    if pending.redirect_uri != *redirect_uri {
        return Err(reject(InvalidGrant, "RedirectUriMismatch"));
    }
    match (&pending.challenge, form.get("code_verifier")) {
        (Some(challenge), Some(verifier)) if s256_matches(verifier, challenge) => {}
        (None, None) => {}
        _ => return Err(reject(InvalidGrant, "InvalidCodeVerifier")),
    }
    let user = pending.user.clone();
    let scopes = pending.scopes.clone();
    let public = client.is_public();
    let chain = inner.new_chain(Chain {
        client_id: client.client_id.clone(),
        user: user.clone(),
        scopes: scopes.clone(),
        started: now,
        public,
    });
    if let Some(pending) = inner.codes.get_mut(code.as_str()) {
        pending.chain = Some(chain);
    }
    let config = &login.config;
    let refresh_lifetime = if public {
        config.public_refresh_lifetime.min(config.max_rotation)
    } else {
        config.confidential_refresh_lifetime
    };
    let refresh_token = inner.new_refresh_token(chain, now + refresh_lifetime);
    drop(inner);
    let owner = Owner {
        chain,
        entity: user.entity_id,
    };
    let access_token = shared
        .tokens
        .issue_for(scopes, shared.token_lifetime, owner);
    bump(&login.code_exchanges);
    tracing::info!(
        entity = user.entity_id,
        "sandbox token endpoint: code exchanged"
    );
    Ok(json!({
        "access_token": access_token,
        "refresh_token": refresh_token,
        "expires_in": shared.token_lifetime.as_secs(),
        "token_type": "bearer",
    }))
}

/// `grant_type=refresh_token`: public clients' tokens are single use and rotate; confidential ones do not.
fn refresh(shared: &Shared, client: &LoginIntegration, form: &Form) -> Result<Value, Rejection> {
    use OAuthError::*;
    let presented = form
        .get(super::GRANT_REFRESH_TOKEN)
        .ok_or(reject(InvalidRequest, "MissingRefreshToken"))?;
    let login = &shared.login;
    let config = &login.config;
    let now = Instant::now();
    let mut inner = login.lock();
    let invalid = reject(InvalidGrant, "InvalidRefreshToken");
    let (chain_id, used, expires_at) = inner
        .refresh
        .get(presented.as_str())
        .map(|e| (e.chain, e.used, e.expires_at))
        .ok_or(invalid)?;
    let chain = inner
        .chains
        .get(&chain_id)
        .filter(|c| c.client_id == client.client_id)
        .cloned()
        .ok_or(invalid)?;
    if used {
        bump(&login.refresh_reuse_rejections);
        if config.revoke_chain_on_reuse {
            inner.revoke_chain(chain_id);
            drop(inner);
            shared.tokens.revoke_chain(chain_id);
        }
        return Err(reject(InvalidGrant, "RefreshTokenReused"));
    }
    if expires_at <= now {
        return Err(reject(InvalidGrant, "RefreshTokenExpired"));
    }
    let scopes = match form.get("scope") {
        None => chain.scopes.clone(),
        Some(requested) => {
            let scopes: Vec<String> = requested
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if scopes.is_empty() || scopes.iter().any(|s| !chain.scopes.contains(s)) {
                return Err(reject(InvalidScope, "ScopeMismatched"));
            }
            scopes
        }
    };
    let mut rotated = None;
    if chain.public {
        let chain_end = chain.started + config.max_rotation;
        if chain_end <= now {
            return Err(reject(InvalidGrant, "MaxRotationReached"));
        }
        if let Some(entry) = inner.refresh.get_mut(presented.as_str()) {
            entry.used = true;
        }
        let expires_at = (now + config.public_refresh_lifetime).min(chain_end);
        rotated = Some(inner.new_refresh_token(chain_id, expires_at));
    }
    drop(inner);
    let owner = Owner {
        chain: chain_id,
        entity: chain.user.entity_id,
    };
    let access_token = shared
        .tokens
        .issue_for(scopes, shared.token_lifetime, owner);
    bump(&login.refreshes);
    let mut body = json!({
        "access_token": access_token,
        "expires_in": shared.token_lifetime.as_secs(),
        "token_type": "bearer",
    });
    if let Some(refresh_token) = rotated {
        body["refresh_token"] = Value::String(refresh_token);
    }
    Ok(body)
}

/// A well-formed verifier whose S256 transform is the challenge.
fn s256_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = VERIFIER_LEN.contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let digest = digest::digest(&digest::SHA256, verifier.as_bytes());
    well_formed && URL_SAFE_NO_PAD.encode(digest.as_ref()) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(s256_matches(verifier, challenge));
        assert!(!s256_matches(challenge, challenge));
        assert!(!s256_matches("short", challenge));
    }
}
