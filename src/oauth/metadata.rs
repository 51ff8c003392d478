//! The discovery documents (RFC 9728 protected-resource metadata, RFC 8414 authorization-server metadata) and
//! dynamic client registration (RFC 7591; public clients only, redirect URIs limited to the allowed origins).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::state::{Client, SCOPE_READ, SCOPE_WRITE};
use super::{AUTHORIZE_PATH, AuthorizationServer, REGISTER_PATH, REVOKE_PATH, TOKEN_PATH};
use crate::auth::pkce::random_token;

/// Most redirect URIs one client may register.
const MAX_REDIRECT_URIS: usize = 10;
/// Longest redirect URI or client name accepted.
const MAX_FIELD_CHARS: usize = 2_000;

/// JSON with `Cache-Control: no-store` (OAuth responses must not be cached).
pub(super) fn no_store_json(status: StatusCode, body: Value) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`.
pub(super) async fn protected_resource(State(server): State<Arc<AuthorizationServer>>) -> Response {
    Json(json!({
        "resource": server.resource(),
        "authorization_servers": [server.config.issuer()],
        "scopes_supported": [SCOPE_READ, SCOPE_WRITE],
        "bearer_methods_supported": ["header"],
        "resource_name": "NetSuite (netsuite-mcp)",
    }))
    .into_response()
}

/// `GET /.well-known/oauth-authorization-server`.
pub(super) async fn authorization_server(
    State(server): State<Arc<AuthorizationServer>>,
) -> Response {
    let c = &server.config;
    Json(json!({
        "issuer": c.issuer(),
        "authorization_endpoint": c.url(AUTHORIZE_PATH),
        "token_endpoint": c.url(TOKEN_PATH),
        "registration_endpoint": c.url(REGISTER_PATH),
        "revocation_endpoint": c.url(REVOKE_PATH),
        "scopes_supported": [SCOPE_READ, SCOPE_WRITE],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": true,
    }))
    .into_response()
}

#[derive(Deserialize)]
pub(super) struct Registration {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    response_types: Option<Vec<String>>,
}

fn registration_error(description: String) -> Response {
    no_store_json(
        StatusCode::BAD_REQUEST,
        json!({"error": "invalid_client_metadata", "error_description": description}),
    )
}

/// `POST /register`: a public client (no secret) with redirect URIs on the allowed origins.
pub(super) async fn register(
    State(server): State<Arc<AuthorizationServer>>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(reg) = serde_json::from_slice::<Registration>(&body) else {
        return registration_error("the body is not a JSON client registration".into());
    };
    if reg.redirect_uris.is_empty() || reg.redirect_uris.len() > MAX_REDIRECT_URIS {
        return registration_error(format!("give 1 to {MAX_REDIRECT_URIS} redirect_uris"));
    }
    for uri in &reg.redirect_uris {
        if uri.len() > MAX_FIELD_CHARS {
            return registration_error("a redirect URI is too long".into());
        }
        let allowed = Url::parse(uri).is_ok_and(|u| {
            u.fragment().is_none() && server.config.redirect_origins.iter().any(|o| o.allows(&u))
        });
        if !allowed {
            return no_store_json(
                StatusCode::BAD_REQUEST,
                json!({
                    "error": "invalid_redirect_uri",
                    "error_description": format!(
                        "{uri:?} is not on an allowed origin (NETSUITE_MCP_OAUTH_REDIRECT_HOSTS)"
                    ),
                }),
            );
        }
    }
    if let Some(grants) = &reg.grant_types
        && grants
            .iter()
            .any(|g| g != "authorization_code" && g != "refresh_token")
    {
        return registration_error(
            "only authorization_code and refresh_token grants are supported".into(),
        );
    }
    if let Some(types) = &reg.response_types
        && types.iter().any(|t| t != "code")
    {
        return registration_error("only the code response type is supported".into());
    }
    let name = reg
        .client_name
        .map(|n| n.chars().take(200).collect::<String>());
    let Ok(client_id) = random_token(24) else {
        return no_store_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "server_error"}),
        );
    };
    let registered = match server
        .state
        .register(
            client_id.clone(),
            Client {
                redirect_uris: reg.redirect_uris.clone(),
                name: name.clone(),
                created: crate::auth::session::unix_now(),
            },
        )
        .await
    {
        Ok(registered) => registered,
        Err(e) => {
            tracing::warn!(error = %e, "the OAuth state is unreachable");
            return no_store_json(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": "temporarily_unavailable", "error_description": "the registration cannot be stored right now; try again shortly"}),
            );
        }
    };
    if !registered {
        return no_store_json(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "temporarily_unavailable", "error_description": "too many clients are registered"}),
        );
    }
    server.persist().await;
    tracing::info!(client_id = %client_id, name = ?name, "registered an OAuth client");
    let issued_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut body = json!({
        "client_id": client_id,
        "client_id_issued_at": issued_at,
        "redirect_uris": reg.redirect_uris,
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": format!("{SCOPE_READ} {SCOPE_WRITE}"),
    });
    if let Some(name) = name {
        body["client_name"] = json!(name);
    }
    no_store_json(StatusCode::CREATED, body)
}
