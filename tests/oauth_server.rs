//! The built-in authorization server end to end: the real `serve --http` with `NETSUITE_MCP_AUTH=oauth` in front
//! of the sandbox. The test plays the MCP client (registration, PKCE, token, refresh, revoke) and the person's
//! browser (following redirects through the sandbox's NetSuite authorize page), then calls tools with rmcp's
//! HTTP client and checks at the sandbox whose NetSuite identity each call used.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use base64::Engine;
use common::{ACCOUNT, TestAccount};
use netsuite_mcp::auth::Algorithm;
use netsuite_sandbox::{DEFAULT_PUBLIC_CLIENT_ID, SandboxUser};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `serve --http` in oauth mode in front of `account`'s sandbox.
struct Server {
    child: tokio::process::Child,
    base: String,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

async fn serve(account: &TestAccount) -> Server {
    serve_with(account, free_port(), &[]).await
}

fn serve_command(
    account: &TestAccount,
    port: u16,
    env: &[(&str, String)],
) -> tokio::process::Command {
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = tokio::process::Command::new(common::bin());
    cmd.args(["serve", "--http", &format!("127.0.0.1:{port}")])
        .current_dir(common::neutral_dir())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "debug")
        .env("NETSUITE_MCP_AUTH", "oauth")
        .env("NETSUITE_MCP_PUBLIC_URL", &base)
        .env("NETSUITE_ACCOUNT_ID", ACCOUNT)
        .env("NETSUITE_CLIENT_ID", DEFAULT_PUBLIC_CLIENT_ID)
        .env("NETSUITE_BASE_URL", account.sandbox.base_url())
        .env("NETSUITE_APP_BASE_URL", account.sandbox.base_url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

async fn serve_with(account: &TestAccount, port: u16, env: &[(&str, String)]) -> Server {
    let base = format!("http://127.0.0.1:{port}");
    let mut child = serve_command(account, port, env).spawn().unwrap();
    let (_, stderr) = common::announced_url(&mut child, Duration::from_secs(30)).await;
    Server {
        child,
        base,
        stderr,
    }
}

fn s256(verifier: &str) -> String {
    use aws_lc_rs::digest::{SHA256, digest};
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

fn query(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Registers a client, signs a person in (scope `scope`) and returns (client id, token response).
async fn sign_in(server: &Server, scope: Option<&str>) -> (String, Value) {
    let http = no_redirects();
    let reg: Value = http
        .post(format!("{}/register", server.base))
        .json(&json!({"redirect_uris": [REDIRECT], "client_name": "test client"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = reg["client_id"].as_str().unwrap().to_owned();
    let verifier = "v".repeat(43);
    let mut authorize = url::Url::parse(&format!("{}/authorize", server.base)).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("code_challenge", &s256(&verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "client-state-1")
        .append_pair("resource", &format!("{}/mcp", server.base));
    if let Some(scope) = scope {
        authorize.query_pairs_mut().append_pair("scope", scope);
    }
    // The browser: our /authorize → NetSuite's authorize page → our callback → the client's redirect URI.
    let to_netsuite = location(&http.get(authorize).send().await.unwrap());
    let to_callback = location(&http.get(&to_netsuite).send().await.unwrap());
    assert!(
        to_callback.starts_with(&format!("{}/oauth/netsuite/callback", server.base)),
        "{to_callback}"
    );
    let to_client = location(&http.get(&to_callback).send().await.unwrap());
    assert!(to_client.starts_with(REDIRECT), "{to_client}");
    assert_eq!(
        query(&to_client, "state").as_deref(),
        Some("client-state-1")
    );
    assert_eq!(query(&to_client, "iss"), Some(format!("{}/", server.base)));
    let code = query(&to_client, "code").expect("a code");
    let tokens: Value = http
        .post(format!("{}/token", server.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &verifier),
            ("client_id", &client_id),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(tokens["access_token"].is_string(), "{tokens}");
    (client_id, tokens)
}

async fn mcp(server: &Server, token: &str) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", server.base))
        .auth_header(token.to_owned());
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .unwrap()
}

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    name: &str,
    args: Value,
) -> rmcp::model::CallToolResult {
    client
        .call_tool(
            CallToolRequestParams::new(name.to_owned())
                .with_arguments(args.as_object().unwrap().clone()),
        )
        .await
        .unwrap()
}

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
}

#[tokio::test]
async fn a_wrong_verifier_or_a_reused_code_gets_no_token() {
    let account = common::start(Algorithm::ES256).await;
    let server = serve(&account).await;
    let http = no_redirects();
    let reg: Value = http
        .post(format!("{}/register", server.base))
        .json(&json!({"redirect_uris": [REDIRECT]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = reg["client_id"].as_str().unwrap();
    let verifier = "w".repeat(43);
    let authorize = format!(
        "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={}&code_challenge={}&code_challenge_method=S256",
        server.base,
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        s256(&verifier)
    );
    let to_netsuite = location(&http.get(&authorize).send().await.unwrap());
    let to_callback = location(&http.get(&to_netsuite).send().await.unwrap());
    let to_client = location(&http.get(&to_callback).send().await.unwrap());
    let code = query(&to_client, "code").unwrap();
    let exchange = |verifier: String| {
        let http = http.clone();
        let url = format!("{}/token", server.base);
        let (code, client_id) = (code.clone(), client_id.to_owned());
        async move {
            http.post(url)
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("code_verifier", &verifier),
                    ("client_id", &client_id),
                ])
                .send()
                .await
                .unwrap()
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
    let authorize = |base: &str| {
        let mut url = url::Url::parse(&format!("{base}/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("code_challenge", &s256(&verifier))
            .append_pair("code_challenge_method", "S256");
        url
    };
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
    let to_netsuite = location(&http.get(authorize(&server.base)).send().await.unwrap());
    let to_callback = location(&http.get(&to_netsuite).send().await.unwrap());
    let to_client = location(&http.get(&to_callback).send().await.unwrap());
    let code = query(&to_client, "code").expect("a code");
    let tokens: Value = http
        .post(format!("{}/token", server.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &verifier),
            ("client_id", &client_id),
        ])
        .send()
        .await
        .unwrap()
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
