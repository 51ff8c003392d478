//! The built-in authorization server end to end: the real `serve --http` with `NETSUITE_MCP_AUTH=oauth` in front
//! of the sandbox. The test plays the MCP client (registration, PKCE, token, refresh, revoke) and the person's
//! browser (following redirects through the sandbox's NetSuite authorize page), then calls tools with rmcp's
//! HTTP client and checks at the sandbox whose NetSuite identity each call used.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod oauth_support;

use netsuite_mcp::auth::Algorithm;
use netsuite_sandbox::SandboxUser;
use oauth_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn discovery_documents_and_the_401_challenge_point_clients_to_sign_in() {
    let account = common::start(Algorithm::ES256).await;
    let server = serve(&account).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/mcp", server.base))
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    let metadata_url = format!("{}/.well-known/oauth-protected-resource/mcp", server.base);
    assert!(
        challenge.contains(&format!("resource_metadata=\"{metadata_url}\"")),
        "{challenge}"
    );
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let prm: Value = http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(prm["resource"], format!("{}/mcp", server.base));
        assert_eq!(prm["authorization_servers"][0], format!("{}/", server.base));
    }
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
    assert_eq!(meta["issuer"], format!("{}/", server.base));
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);

    // A redirect URI outside the allowed origins cannot be registered.
    let r = http
        .post(format!("{}/register", server.base))
        .json(&json!({"redirect_uris": ["https://evil.example.com/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "invalid_redirect_uri");

    // A made-up token is refused with invalid_token.
    let r = http
        .post(format!("{}/mcp", server.base))
        .bearer_auth("made-up")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
}

#[tokio::test]
async fn two_people_act_with_their_own_netsuite_identities_and_a_reader_cannot_write() {
    let account = common::start_with(Algorithm::ES256, 3072, |config| {
        config.login.users.push(SandboxUser {
            entity_id: 13,
            role_id: 15,
            name: "Second Person".into(),
        });
    })
    .await;
    let server = serve(&account).await;

    let (_, first) = sign_in(&server, None).await;
    assert!(account.sandbox.approve_next_as(13));
    let (_, second) = sign_in(&server, Some("netsuite:read")).await;
    assert_eq!(second["scope"], "netsuite:read");

    let query = json!({"query": "SELECT id FROM customer ORDER BY id", "limit": 1});
    let a = mcp(&server, first["access_token"].as_str().unwrap()).await;
    assert_ne!(
        call(&a, "run_suiteql", query.clone()).await.is_error,
        Some(true)
    );
    let b = mcp(&server, second["access_token"].as_str().unwrap()).await;
    assert_ne!(
        call(&b, "run_suiteql", query.clone()).await.is_error,
        Some(true)
    );
    assert_ne!(
        call(&b, "run_suiteql", query.clone()).await.is_error,
        Some(true)
    );
    let by_entity = account.sandbox.calls_by_entity();
    assert_eq!(by_entity.get(&12).copied(), Some(1), "{by_entity:?}");
    assert_eq!(by_entity.get(&13).copied(), Some(2), "{by_entity:?}");

    // The reader sees no tool that writes, and a write by name is refused without reaching NetSuite.
    let names: Vec<String> = b
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.into())
        .collect();
    assert!(names.contains(&"run_suiteql".to_owned()));
    assert!(!names.contains(&"create_record".to_owned()), "{names:?}");
    let before = account.sandbox.counters().api_requests;
    let refused = call(
        &b,
        "create_record",
        json!({"record_type": "customer", "fields": {"companyname": "X"}}),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    assert_eq!(account.sandbox.counters().api_requests, before);
    let writer_tools: Vec<String> = a
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.into())
        .collect();
    assert!(writer_tools.contains(&"create_record".to_owned()));
    a.cancel().await.unwrap();
    b.cancel().await.unwrap();

    // Logs name who called, never a token.
    let log = server.stderr.lock().unwrap().clone();
    assert!(log.contains("netsuite entity 13"), "{log}");
    for t in [&first, &second] {
        assert!(!log.contains(t["access_token"].as_str().unwrap()));
        assert!(!log.contains(t["refresh_token"].as_str().unwrap()));
    }
    drop(server.child);
}

#[tokio::test]
async fn refresh_rotates_a_spent_refresh_token_ends_the_grant_and_revoke_ends_access() {
    let account = common::start(Algorithm::ES256).await;
    let server = serve(&account).await;
    let (client_id, tokens) = sign_in(&server, None).await;
    let http = reqwest::Client::new();
    let refresh = |token: String| {
        let http = http.clone();
        let url = format!("{}/token", server.base);
        let client_id = client_id.clone();
        async move {
            http.post(url)
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &token),
                    ("client_id", &client_id),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let first_refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let r = refresh(first_refresh.clone()).await;
    assert_eq!(r.status().as_u16(), 200);
    let rotated: Value = r.json().await.unwrap();
    assert_ne!(rotated["refresh_token"], tokens["refresh_token"]);
    let access = rotated["access_token"].as_str().unwrap().to_owned();
    let client = mcp(&server, &access).await;
    assert_ne!(
        call(
            &client,
            "run_suiteql",
            json!({"query": "SELECT id FROM currency", "limit": 1})
        )
        .await
        .is_error,
        Some(true)
    );
    client.cancel().await.unwrap();

    // The spent refresh token again: refused, and the whole sign-in ends (the new tokens too).
    let r = refresh(first_refresh).await;
    assert_eq!(r.status().as_u16(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    let r = http
        .post(format!("{}/mcp", server.base))
        .bearer_auth(&access)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // Revoke: a fresh sign-in's access token stops working at once.
    let (_, again) = sign_in(&server, None).await;
    let token = again["access_token"].as_str().unwrap();
    let r = http
        .post(format!("{}/revoke", server.base))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = http
        .post(format!("{}/mcp", server.base))
        .bearer_auth(token)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // Both ended sign-ins (the replayed one and the revoked one) are revoked at NetSuite too.
    let mut revoked = 0;
    for _ in 0..100 {
        revoked = account.sandbox.login_counters().revocations;
        if revoked >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(revoked, 2);
}

#[tokio::test]
async fn a_wrong_verifier_or_a_reused_code_gets_no_token() {
    let account = common::start(Algorithm::ES256).await;
    let server = serve(&account).await;
    let http = no_redirects();
    let client_id = register(&server, "test client").await;
    let verifier = "w".repeat(43);
    let authorize = authorize_url(&server.base, &client_id, &verifier, &[]);
    let code = query(
        &browse_sign_in(&http, &server.base, &authorize).await,
        "code",
    )
    .unwrap();
    let exchange = |verifier: String| {
        let (base, client_id, code) = (server.base.clone(), client_id.clone(), code.clone());
        async move {
            exchange(&base, &client_id, &code, &verifier)
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(exchange("x".repeat(43)).await, 400, "wrong verifier");
    assert_eq!(
        exchange(verifier).await,
        400,
        "the code was spent by the failed attempt"
    );

    // PKCE is required, and an unknown client gets an error page, not a redirect.
    let r = http
        .get(format!(
            "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={}",
            server.base,
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert_eq!(
        query(&location(&r), "error").as_deref(),
        Some("invalid_request")
    );
    let r = http
        .get(format!(
            "{}/authorize?response_type=code&client_id=nobody",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn when_netsuite_ends_a_persons_session_the_client_is_told_and_must_sign_in_again() {
    let account = common::start(Algorithm::ES256).await;
    let server = serve(&account).await;
    let (_, tokens) = sign_in(&server, None).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let client = mcp(&server, &access).await;
    let query = json!({"query": "SELECT id FROM currency", "limit": 1});
    assert_ne!(
        call(&client, "run_suiteql", query.clone()).await.is_error,
        Some(true)
    );

    // NetSuite expires the person's access token, and their refresh token is dead too.
    account.sandbox.expire_all_tokens();
    account.sandbox.expire_all_refresh_tokens();
    let ended = call(&client, "run_suiteql", query).await;
    assert_eq!(ended.is_error, Some(true));
    let text = format!("{:?}", ended.content);
    assert!(text.contains("Reconnect this server"), "{text}");
    client.cancel().await.unwrap();

    // Their access token no longer opens /mcp: the client's next request gets 401 and it signs in again.
    let r = reqwest::Client::new()
        .post(format!("{}/mcp", server.base))
        .bearer_auth(&access)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn a_code_exchanged_twice_ends_what_it_issued() {
    let account = common::start(Algorithm::ES256).await;
    let server = serve(&account).await;
    let client_id = register(&server, "test client").await;
    let verifier = "z".repeat(43);
    let authorize = authorize_url(&server.base, &client_id, &verifier, &[]);
    let landed = browse_sign_in(&no_redirects(), &server.base, &authorize).await;
    let code = query(&landed, "code").unwrap();
    let first: Value = exchange(&server.base, &client_id, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let access = first["access_token"].as_str().unwrap();
    let again = exchange(&server.base, &client_id, &code, &verifier).await;
    assert_eq!(again.status().as_u16(), 400);
    let r = reqwest::Client::new()
        .post(format!("{}/mcp", server.base))
        .bearer_auth(access)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        401,
        "the replay revoked the first exchange's tokens"
    );
}

#[tokio::test]
async fn the_consent_page_names_the_client_and_declining_tells_the_client() {
    let account = common::start(Algorithm::ES256).await;
    let server = serve(&account).await;
    let http = no_redirects();
    let client_id = register(&server, "Acme <Assistant>").await;
    let authorize = authorize_url(
        &server.base,
        &client_id,
        &"d".repeat(43),
        &[("scope", "netsuite:read"), ("state", "s-1")],
    );
    let page = http.get(authorize).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Acme &lt;Assistant&gt;"),
        "the name, escaped: {html}"
    );
    assert!(
        html.contains("http://127.0.0.1:9"),
        "where the person is sent back: {html}"
    );
    assert!(
        html.contains("no changes"),
        "a read-only sign-in says so: {html}"
    );
    let request = consent_request(&html);

    // A forged answer naming no real sign-in goes nowhere.
    let forged = http
        .post(format!("{}/authorize", server.base))
        .form(&[("request", "made-up"), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 400);

    // The person declines: the client hears access_denied with its state, and NetSuite is never asked.
    let declined = http
        .post(format!("{}/authorize", server.base))
        .form(&[("request", request.as_str()), ("decision", "deny")])
        .send()
        .await
        .unwrap();
    let back = location(&declined);
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(query(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&back, "state").as_deref(), Some("s-1"));
    assert_eq!(account.sandbox.login_counters().codes_issued, 0);
    // The declined sign-in is gone: answering again does nothing.
    let again = http
        .post(format!("{}/authorize", server.base))
        .form(&[("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 400);
}

#[tokio::test]
async fn a_session_answers_only_the_person_who_opened_it() {
    let account = common::start(Algorithm::ES256).await;
    let server = serve(&account).await;
    let (_, alice) = sign_in(&server, None).await;
    let (_, bob) = sign_in(&server, None).await;
    let post = |token: &str, session: Option<&str>, body: Value| {
        let mut r = reqwest::Client::new()
            .post(format!("{}/mcp", server.base))
            .bearer_auth(token)
            .header("accept", "application/json, text/event-stream")
            .json(&body);
        if let Some(s) = session {
            r = r.header("mcp-session-id", s);
        }
        r.send()
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let opened = post(alice["access_token"].as_str().unwrap(), None, init)
        .await
        .unwrap();
    assert_eq!(opened.status().as_u16(), 200);
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    // Bob signed in through another client registration: a different owner.
    let theirs = post(
        bob["access_token"].as_str().unwrap(),
        Some(&session),
        list.clone(),
    )
    .await
    .unwrap();
    assert_eq!(theirs.status().as_u16(), 404);
    let unknown = post(
        alice["access_token"].as_str().unwrap(),
        Some("not-a-session"),
        list.clone(),
    )
    .await
    .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let notified = post(
        alice["access_token"].as_str().unwrap(),
        Some(&session),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await
    .unwrap();
    assert_eq!(notified.status().as_u16(), 202);
    let own = post(
        alice["access_token"].as_str().unwrap(),
        Some(&session),
        list,
    )
    .await
    .unwrap();
    assert_eq!(own.status().as_u16(), 200);
}
