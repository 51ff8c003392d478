//! The authorization server's state and clients beyond registration: sign-ins kept across a restart with a
//! state key, and clients named by a Client ID Metadata Document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod oauth_support;

use netsuite_mcp::auth::Algorithm;
use oauth_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn sign_ins_survive_a_restart_with_a_state_key_and_a_wrong_key_is_refused() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let key = "k3y-for-the-oauth-state-0123456789-abcdefgh".to_owned();
    let env = [
        ("NETSUITE_MCP_STATE_KEY", key.clone()),
        ("NETSUITE_MCP_STATE_DIR", dir.path().display().to_string()),
    ];
    let port = free_port();
    let server = serve_with(&account, port, &env).await;
    let (client_id, tokens) = sign_in(&server, None).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let sealed = std::fs::read_to_string(dir.path().join(netsuite_mcp::oauth::STATE_FILE)).unwrap();
    assert!(!sealed.contains(&access) && !sealed.contains(&refresh) && !sealed.contains("entity"));
    drop(server); // kill_on_drop: the process is gone, with everything it held in memory

    // Same key and directory: the access token still works, as the same person, whose NetSuite session is
    // refreshed from the restored refresh token.
    let server = serve_with(&account, port, &env).await;
    account.sandbox.expire_all_tokens();
    let client = mcp(&server, &access).await;
    let r = call(
        &client,
        "run_suiteql",
        json!({"query": "SELECT id FROM currency", "limit": 1}),
    )
    .await;
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    client.cancel().await.unwrap();
    assert_eq!(account.sandbox.login_counters().refreshes, 1);
    assert_eq!(account.sandbox.calls_by_entity().get(&12).copied(), Some(1));
    let r = reqwest::Client::new()
        .post(format!("{}/token", server.base))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client_id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    drop(server);

    // Another key cannot open the state: the server refuses to start and says what to do.
    let wrong = [
        (
            "NETSUITE_MCP_STATE_KEY",
            "a-different-key-for-the-state-0123456789".to_owned(),
        ),
        ("NETSUITE_MCP_STATE_DIR", dir.path().display().to_string()),
    ];
    let out = serve_command(&account, free_port(), &wrong)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NETSUITE_MCP_STATE_KEY") && err.contains("delete the file"),
        "{err}"
    );
}

/// Serves a client metadata document on loopback; returns its URL (the client id).
async fn client_document() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let id = format!(
        "http://127.0.0.1:{}/oauth/client.json",
        listener.local_addr().unwrap().port()
    );
    let doc = json!({
        "client_id": id,
        "client_name": "metadata document client",
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "none",
    });
    let app = axum::Router::new().route(
        "/oauth/client.json",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    id
}

#[tokio::test]
async fn a_client_named_by_its_metadata_document_signs_in_without_registering() {
    let account = common::start(Algorithm::ES256).await;
    let client_id = client_document().await;
    let verifier = "m".repeat(43);
    let authorize = |base: &str| authorize_url(base, &client_id, &verifier, &[]);
    let http = no_redirects();

    // By default documents are fetched over https from public addresses only: this loopback one is refused.
    let strict = serve(&account).await;
    let r = http.get(authorize(&strict.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(
        r.text().await.unwrap().contains("https"),
        "refused for being plain http"
    );

    let server = serve_with(
        &account,
        free_port(),
        &[("NETSUITE_MCP_OAUTH_INSECURE_LOOPBACK", "true".to_owned())],
    )
    .await;
    let meta: Value = http
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            server.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["client_id_metadata_document_supported"], true);
    let landed = browse_sign_in(&http, &server.base, &authorize(&server.base)).await;
    let code = query(&landed, "code").expect("a code");
    let tokens: Value = exchange(&server.base, &client_id, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let client = mcp(&server, tokens["access_token"].as_str().unwrap()).await;
    let r = call(
        &client,
        "run_suiteql",
        json!({"query": "SELECT id FROM currency", "limit": 1}),
    )
    .await;
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    client.cancel().await.unwrap();

    // A redirect URI the document does not list is refused with an error page, not a redirect.
    let mut other = authorize(&server.base);
    let pairs: Vec<(String, String)> = other
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "redirect_uri" {
                "http://127.0.0.1:9/other".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    other.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(http.get(other).send().await.unwrap().status().as_u16(), 400);
}
