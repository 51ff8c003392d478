//! `POST /token` (authorization code with PKCE, refresh with rotation) and `POST /revoke`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::AuthorizationServer;
use super::metadata::no_store_json;
use super::state::Scopes;
use super::store::{NewTokens, Redeemed};
use crate::auth::pkce::{is_valid_verifier, random_token, s256};

/// Longest form accepted by `/token` and `/revoke`.
const MAX_FORM_BYTES: usize = 16 * 1024;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = no_store_json(
        status,
        json!({"error": error, "error_description": description}),
    );
    if status == StatusCode::UNAUTHORIZED {
        // RFC 6749 §5.2: a 401 names the authentication scheme the client should use.
        response.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Basic realm=\"netsuite-mcp\""),
        );
    }
    response
}

/// The form's fields, or the `invalid_request` description.
fn form(body: &[u8]) -> Result<HashMap<String, String>, &'static str> {
    if body.len() > MAX_FORM_BYTES {
        return Err("the request is too large");
    }
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if map.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err("a parameter appears more than once");
        }
    }
    Ok(map)
}

/// `POST /token`.
pub(super) async fn token(
    State(server): State<Arc<AuthorizationServer>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let params = match form(&body) {
        Ok(p) => p,
        Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why),
    };
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if headers.contains_key(axum::http::header::AUTHORIZATION) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "clients of this server are public: send client_id in the body, no client secret",
        );
    }
    let Some(client_id) = get("client_id") else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id is required",
        );
    };
    match server.client(client_id).await {
        Err(e) => return unavailable(&e),
        Ok(Err(why)) => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &why),
        Ok(Ok(_)) => {}
    }
    if let Some(resource) = get("resource")
        && resource.trim_end_matches('/') != server.resource()
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_target",
            "this server's resource is its /mcp URL",
        );
    }
    let (grant, scopes, redeemed) = match get("grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(verifier)) = (get("code"), get("code_verifier")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code and code_verifier are required",
                );
            };
            let taken = match server.state.take_code(code).await {
                Ok(taken) => taken,
                Err(e) => return unavailable(&e),
            };
            let entry = match taken {
                Ok(e) => e,
                Err(why) => {
                    server.persist().await;
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
                }
            };
            if !is_valid_verifier(verifier) {
                if let Err(e) = server.state.end_grant(entry.grant).await {
                    return unavailable(&e);
                }
                server.persist().await;
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)",
                );
            }
            let redirect_ok = get("redirect_uri").is_none_or(|r| r == entry.redirect_uri);
            if entry.client_id != client_id || !redirect_ok || s256(verifier) != entry.challenge {
                // A code is good once: a wrong attempt ends it and its grant.
                if let Err(e) = server.state.end_grant(entry.grant).await {
                    return unavailable(&e);
                }
                server.persist().await;
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the code does not match this client, redirect URI or code_verifier",
                );
            }
            (entry.grant, entry.scopes, Redeemed::Code(code))
        }
        Some("refresh_token") => {
            let Some(refresh) = get("refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            // The scope is checked before the token is spent: a bad request leaves the sign-in as it was.
            let asked = match get("scope").map(|a| Scopes::parse(Some(a))).transpose() {
                Ok(asked) => asked,
                Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &why),
            };
            let granted = match server.state.refresh_scopes(refresh).await {
                Ok(granted) => granted,
                Err(e) => return unavailable(&e),
            };
            if let (Some(asked), Some(granted)) = (asked, granted)
                && granted.narrow(asked).is_none()
            {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "a refresh cannot widen the scope",
                );
            }
            let spent = match server.state.spend_refresh(refresh, client_id).await {
                Ok(spent) => spent,
                Err(e) => return unavailable(&e),
            };
            let (grant, granted) = match spent {
                Ok(g) => g,
                Err(why) => {
                    // A reused refresh token ends its grant: keep that on disk too.
                    server.persist().await;
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
                }
            };
            (
                grant,
                asked.and_then(|a| granted.narrow(a)).unwrap_or(granted),
                Redeemed::Refresh(refresh),
            )
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "use authorization_code or refresh_token",
            );
        }
    };
    let (Ok(access), Ok(refresh)) = (random_token(32), random_token(32)) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the secure random source failed",
        );
    };
    let ttl = server.config.access_ttl;
    let issued = match server
        .state
        .issue(NewTokens {
            grant,
            client_id,
            scopes,
            access: &access,
            refresh: &refresh,
            ttl,
            redeemed,
        })
        .await
    {
        Ok(issued) => issued,
        Err(e) => return unavailable(&e),
    };
    if !issued {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the sign-in has ended; sign in again",
        );
    }
    server.persist().await;
    no_store_json(
        StatusCode::OK,
        json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ttl.as_secs(),
            "refresh_token": refresh,
            "scope": scopes.as_str(),
        }),
    )
}

/// `POST /revoke` (RFC 7009): ends the token's grant; answers 200 whether or not the token was known.
pub(super) async fn revoke(
    State(server): State<Arc<AuthorizationServer>>,
    body: axum::body::Bytes,
) -> Response {
    let params = match form(&body) {
        Ok(p) => p,
        Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why),
    };
    let Some(token) = params.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    let revoked = match server
        .state
        .revoke(token, params.get("client_id").map(String::as_str))
        .await
    {
        Ok(revoked) => revoked,
        Err(e) => return unavailable(&e),
    };
    if revoked {
        tracing::info!("revoked an OAuth grant");
        server.persist().await;
    }
    no_store_json(StatusCode::OK, json!({}))
}

/// The state store cannot be reached: 503 `temporarily_unavailable`, so the client keeps what it holds and
/// tries again.
fn unavailable(e: &super::store::Unavailable) -> Response {
    tracing::warn!(error = %e, "the OAuth state is unreachable");
    oauth_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "the sign-in state cannot be reached right now; try again shortly",
    )
}
