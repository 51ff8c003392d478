//! `GET /authorize` (the MCP client sends the person here) and `GET /oauth/netsuite/callback` (NetSuite sends
//! them back): the person signs in at NetSuite with our integration, and the client gets a code for a grant that
//! holds that person's NetSuite session.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::state::{CODE_TTL, Code, PENDING_TTL, Pending, Scopes};
use super::store::NewGrant;
use super::{AuthorizationServer, NETSUITE_CALLBACK_PATH};
use crate::auth::code_grant::exchange_code;
use crate::auth::pkce::{AuthorizeRequest, Pkce, random_token};
use crate::auth::session::unix_now;
use crate::auth::store::StoredLogin;

/// The state store cannot be reached: a page saying to try again (nothing was kept).
pub(super) fn unreachable_page(e: &super::store::Unavailable) -> Response {
    tracing::warn!(error = %e, "the OAuth state is unreachable");
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "The sign-in service cannot reach its state store right now. Try again in a moment from your MCP client.",
    )
}

/// An error page for requests that cannot be sent back to a client (unknown client or redirect URI).
pub(super) fn error_page(status: StatusCode, message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        format!(
            "<!doctype html><meta charset=\"utf-8\"><title>Sign-in failed</title>\
             <body style=\"font-family:sans-serif;margin:3em\"><h1>Sign-in failed</h1><p>{escaped}</p></body>"
        ),
    )
        .into_response()
}

fn query_map(query: Option<String>) -> Result<HashMap<String, String>, &'static str> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if map.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err("a parameter appears more than once");
        }
    }
    Ok(map)
}

/// A redirect back to the client with `params`, plus `state` and `iss` (RFC 9207).
pub(super) fn back_to_client(
    server: &AuthorizationServer,
    redirect_uri: &str,
    state: Option<&str>,
    params: &[(&str, &str)],
) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The client's redirect URI is not a URL.",
        );
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
        if let Some(state) = state {
            q.append_pair("state", state);
        }
        q.append_pair("iss", &server.config.issuer());
    }
    found(url.to_string())
}

/// A 302 to `location`, never cached (it may carry a code).
pub(super) fn found(location: String) -> Response {
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

/// `GET /authorize`.
pub(super) async fn authorize(
    State(server): State<Arc<AuthorizationServer>>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match query_map(query) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, e),
    };
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(client_id) = get("client_id") else {
        return error_page(StatusCode::BAD_REQUEST, "The request names no client_id.");
    };
    let client = match server.client(client_id).await {
        Err(e) => return unreachable_page(&e),
        Ok(Ok(c)) => c,
        Ok(Err(why)) => {
            tracing::info!(client_id, reason = %why, "refused an authorization request");
            return error_page(StatusCode::BAD_REQUEST, &format!("Sign-in refused: {why}."));
        }
    };
    // Exact match against the registered URIs (a single registered URI may be left out).
    let redirect_uri = match get("redirect_uri") {
        Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        _ => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "The redirect URI is not one this client registered.",
            );
        }
    };
    let state = get("state");
    let refuse = |error: &str, description: &str| {
        back_to_client(
            &server,
            &redirect_uri,
            state,
            &[("error", error), ("error_description", description)],
        )
    };
    if get("response_type") != Some("code") {
        return refuse(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    let Some(challenge) = get("code_challenge") else {
        return refuse(
            "invalid_request",
            "PKCE is required: send code_challenge with method S256",
        );
    };
    if get("code_challenge_method") != Some("S256") || challenge.len() != 43 {
        return refuse(
            "invalid_request",
            "only the S256 code_challenge_method is supported",
        );
    }
    if let Some(resource) = get("resource")
        && resource.trim_end_matches('/') != server.resource()
    {
        return refuse("invalid_target", "this server's resource is its /mcp URL");
    }
    let scopes = match Scopes::parse(get("scope")) {
        Ok(s) => s,
        Err(e) => return refuse("invalid_scope", &e),
    };
    let (Ok(netsuite_state), Ok(pkce)) = (random_token(24), Pkce::generate()) else {
        return refuse("server_error", "the secure random source failed");
    };
    let netsuite = &server.config.netsuite;
    let callback = server.config.url(NETSUITE_CALLBACK_PATH);
    let scope_names: Vec<&str> = netsuite.scopes.iter().map(|s| s.as_str()).collect();
    let to_netsuite = AuthorizeRequest {
        client_id: &netsuite.client.client_id,
        redirect_uri: &callback,
        scopes: &scope_names,
        state: &netsuite_state,
        challenge: pkce.challenge(),
    }
    .url(&netsuite.authorize_url);
    let page = super::consent::Page {
        client_name: client.name.as_deref(),
        client_id,
        redirect_uri: &redirect_uri,
        write: scopes.write,
        account: netsuite.account.realm(),
        request: &netsuite_state,
    }
    .render();
    let pending = Pending {
        client_id: client_id.to_owned(),
        redirect_uri,
        challenge: challenge.to_owned(),
        client_state: state.map(str::to_owned),
        scopes,
        netsuite_verifier: pkce.verifier().clone(),
        netsuite_url: to_netsuite.to_string(),
        consented: false,
        expires: Instant::now() + PENDING_TTL,
    };
    match server.state.add_pending(netsuite_state, pending).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return error_page(StatusCode::SERVICE_UNAVAILABLE, &e),
        Err(e) => return unreachable_page(&e),
    }
    page
}

/// `GET /oauth/netsuite/callback`: NetSuite's answer for a pending sign-in.
pub(super) async fn netsuite_callback(
    State(server): State<Arc<AuthorizationServer>>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match query_map(query) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, e),
    };
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let taken = match get("state") {
        Some(state) => match server.state.take_pending(state).await {
            Ok(taken) => taken,
            Err(e) => return unreachable_page(&e),
        },
        None => None,
    };
    let Some(pending) = taken else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "This sign-in is unknown or has expired (sign-ins last 10 minutes). Start again from your MCP client.",
        );
    };
    let client_state = pending.client_state.as_deref();
    if let Some(error) = get("error") {
        tracing::info!(error, "NetSuite refused a sign-in");
        let error = if error == "access_denied" {
            "access_denied"
        } else {
            "server_error"
        };
        return back_to_client(
            &server,
            &pending.redirect_uri,
            client_state,
            &[
                ("error", error),
                ("error_description", "NetSuite did not sign the person in"),
            ],
        );
    }
    let Some(code) = get("code") else {
        return back_to_client(
            &server,
            &pending.redirect_uri,
            client_state,
            &[
                ("error", "server_error"),
                ("error_description", "NetSuite sent no code"),
            ],
        );
    };
    let netsuite = &server.config.netsuite;
    let exchanged = exchange_code(
        server.base.http(),
        &netsuite.endpoints.token_url(),
        &netsuite.client,
        &secrecy::SecretString::from(code.to_owned()),
        &server.config.url(NETSUITE_CALLBACK_PATH),
        &pending.netsuite_verifier,
    )
    .await;
    let grant = match exchanged {
        Ok(g) => g,
        Err(e) => {
            tracing::warn!(error = %e, "exchanging NetSuite's code failed");
            return back_to_client(
                &server,
                &pending.redirect_uri,
                client_state,
                &[
                    ("error", "server_error"),
                    ("error_description", "signing in at NetSuite failed"),
                ],
            );
        }
    };
    let Some(refresh_token) = grant.refresh_token else {
        return error_page(StatusCode::BAD_GATEWAY, "NetSuite issued no refresh token.");
    };
    let (entity, role) = (
        get("entity").map(str::to_owned),
        get("role").map(str::to_owned),
    );
    let subject = format!(
        "netsuite entity {} (role {})",
        entity.as_deref().unwrap_or("?"),
        role.as_deref().unwrap_or("?")
    );
    let now = unix_now();
    let login = StoredLogin {
        account_id: netsuite.account.realm().to_owned(),
        client_id: netsuite.client.client_id.clone(),
        refresh_token: refresh_token.clone(),
        access_token: Some(grant.access_token),
        access_expires_at: Some(now.saturating_add(grant.lifetime.as_secs())),
        entity,
        role,
        company: get("company").map(str::to_owned),
        signed_in_at: now,
    };
    let Ok(code) = random_token(32) else {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the secure random source failed",
        );
    };
    tracing::info!(subject = %subject, client_id = %pending.client_id, "signed a person in");
    let added = server
        .state
        .add_grant_with_code(
            NewGrant {
                client_id: pending.client_id.clone(),
                subject,
                login,
            },
            &code,
            Code {
                client_id: pending.client_id.clone(),
                redirect_uri: pending.redirect_uri.clone(),
                challenge: pending.challenge,
                scopes: pending.scopes,
                grant: 0,
                expires: Instant::now() + CODE_TTL,
                used: false,
            },
        )
        .await;
    if let Err(e) = added {
        // The person's fresh NetSuite sign-in is not kept anywhere: end it at NetSuite too.
        let (http, url, client) = (
            server.base.http().clone(),
            netsuite.endpoints.revoke_url(),
            netsuite.client.clone(),
        );
        tokio::spawn(async move {
            if let Err(e) =
                crate::auth::code_grant::revoke(&http, &url, &client, &refresh_token).await
            {
                tracing::warn!(error = %e, "could not revoke a sign-in that could not be stored");
            }
        });
        return unreachable_page(&e);
    }
    server.persist().await;
    back_to_client(
        &server,
        &pending.redirect_uri,
        client_state,
        &[("code", &code)],
    )
}
