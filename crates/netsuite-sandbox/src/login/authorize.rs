//! `GET /app/login/oauth2/authorize.nl` (netsuite-api.md §2.1): checks the request, "logs in" the configured
//! person without a form, and redirects with a code or an error.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::LoginIntegration;
use super::state::{PendingCode, bump};
use crate::tokens::random_hex64;
use crate::{KNOWN_SCOPES, Shared};

/// NetSuite's `state` bounds.
const STATE_LEN: std::ops::RangeInclusive<usize> = 22..=1024;
/// An S256 challenge is the base64url (no padding) of a SHA-256 digest.
const S256_CHALLENGE_LEN: usize = 43;

/// The authorize page.
pub(crate) async fn page(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let mut params: HashMap<String, String> = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if params
            .insert(key.into_owned(), value.into_owned())
            .is_some()
        {
            return error_page("A parameter appears more than once.");
        }
    }
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());

    // Until the client and its redirect URI are known, errors cannot go back to the client.
    let Some(integration) = get("client_id").and_then(|id| {
        shared
            .login
            .config
            .integrations
            .iter()
            .find(|i| i.client_id == id)
    }) else {
        tracing::info!(audit = "InvalidClient", "sandbox authorize: unknown client");
        return error_page("Invalid client ID.");
    };
    let Some(redirect_uri) = get("redirect_uri").filter(|u| integration.allows_redirect(u)) else {
        tracing::info!(
            audit = "InvalidRedirectUri",
            "sandbox authorize: redirect URI refused"
        );
        return error_page("The redirect URI does not match the integration record.");
    };

    let state = get("state").filter(|s| valid_state(s));
    let back = |params: &[(&str, &str)]| redirect(redirect_uri, state, params);
    let refuse = |error: &str, audit: &str| {
        tracing::info!(audit, error, "sandbox authorize: request refused");
        back(&[("error", error)])
    };

    match get("response_type") {
        None => return refuse("invalid_request", "MissingResponseType"),
        Some("code") => {}
        Some(_) => return refuse("unsupported_response_type", "UnsupportedResponseType"),
    }
    if state.is_none() {
        return refuse("invalid_request", "InvalidState");
    }
    let Some(scopes) = get("scope").map(|s| {
        let mut scopes: Vec<String> = Vec::new();
        for part in s.split(' ').filter(|p| !p.is_empty()) {
            if !scopes.iter().any(|x| x == part) {
                scopes.push(part.to_owned());
            }
        }
        scopes
    }) else {
        return refuse("invalid_request", "MissingScope");
    };
    if !scopes_ok(&scopes, integration) {
        return refuse("invalid_scope", "ScopeMismatched");
    }
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) if integration.is_public() => {
            return refuse("invalid_request", "MissingCodeChallenge");
        }
        (None, None) => None,
        (Some(c), Some("S256")) if valid_challenge(c) => Some(c.to_owned()),
        // `plain` (also the default without a method) is refused since 2020.2.
        _ => return refuse("invalid_request", "InvalidCodeChallenge"),
    };
    if !matches!(
        get("prompt"),
        None | Some("none" | "login" | "consent" | "login consent" | "consent login")
    ) {
        return refuse("invalid_request", "InvalidPrompt");
    }

    let login = &shared.login;
    let (approved, person) = login.take_decision();
    let role = person.role_id.to_string();
    let entity = person.entity_id.to_string();
    let company = shared.account_id.as_str();
    let Some(user) = approved else {
        bump(&login.denials);
        tracing::info!(
            entity = person.entity_id,
            "sandbox authorize: consent denied"
        );
        return back(&[
            ("role", &role),
            ("entity", &entity),
            ("company", company),
            ("error", "access_denied"),
        ]);
    };
    let code = random_hex64();
    let now = Instant::now();
    let mut inner = login.lock();
    inner.codes.retain(|_, c| c.expires_at > now);
    inner.codes.insert(
        code.clone(),
        PendingCode {
            client_id: integration.client_id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            challenge,
            scopes,
            user,
            expires_at: now + login.config.code_lifetime,
            spent: false,
            chain: None,
        },
    );
    drop(inner);
    bump(&login.codes_issued);
    tracing::info!(entity = person.entity_id, "sandbox authorize: code issued");
    back(&[
        ("role", &role),
        ("entity", &entity),
        ("company", company),
        ("code", &code),
    ])
}

/// 22–1024 printable ASCII characters.
fn valid_state(state: &str) -> bool {
    STATE_LEN.contains(&state.len()) && state.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == S256_CHALLENGE_LEN
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Non-empty, known to NetSuite, and enabled on the integration.
fn scopes_ok(scopes: &[String], integration: &LoginIntegration) -> bool {
    !scopes.is_empty()
        && scopes.iter().all(|s| {
            KNOWN_SCOPES.contains(&s.as_str()) && integration.scopes.iter().any(|e| e == s)
        })
}

/// `302` to the redirect URI with `state` first, then `params`.
fn redirect(redirect_uri: &str, state: Option<&str>, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page("The redirect URI is not a valid URL.");
    };
    {
        let mut query = url.query_pairs_mut();
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        for (k, v) in params {
            query.append_pair(k, v);
        }
    }
    let Ok(location) = HeaderValue::from_str(url.as_str()) else {
        return error_page("The redirect URI is not a valid URL.");
    };
    let mut resp = StatusCode::FOUND.into_response();
    resp.headers_mut().insert(header::LOCATION, location);
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// NetSuite shows an error page, not a redirect, when it cannot trust the client or its redirect URI.
fn error_page(message: &'static str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html><head><title>NetSuite</title></head><body><h1>Error</h1>\
         <p>{message}</p></body></html>"
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_bounds() {
        assert!(!valid_state(&"a".repeat(21)));
        assert!(valid_state(&"a".repeat(22)));
        assert!(valid_state(&"~".repeat(1024)));
        assert!(!valid_state(&"a".repeat(1025)));
        assert!(!valid_state(&format!("{}\u{e9}", "a".repeat(22))));
        assert!(!valid_state(&format!("{}\n", "a".repeat(22))));
    }

    #[test]
    fn challenge_shape() {
        assert!(valid_challenge(&"A".repeat(43)));
        assert!(!valid_challenge(&"A".repeat(44)));
        assert!(!valid_challenge(&format!("{}=", "A".repeat(42))));
    }
}
