//! `NETSUITE_MCP_AUTH=jwt` end to end: the real `serve --http` checks access tokens of an identity provider the
//! test runs (OpenID metadata and a JWKS it can rotate), signed by an independent JWT implementation; NetSuite
//! calls use the server's own M2M credentials.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::routing::get;
use common::TestAccount;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm as JwtAlg, EncodingKey, Header, encode};
use netsuite_mcp::auth::Algorithm;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

/// An identity provider: OpenID metadata and a JWKS whose keys the test replaces.
struct Idp {
    issuer: String,
    keys: Arc<Mutex<Vec<Jwk>>>,
}

async fn idp() -> Idp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let keys: Arc<Mutex<Vec<Jwk>>> = Arc::default();
    let (meta_issuer, jwks) = (issuer.clone(), keys.clone());
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let issuer = meta_issuer.clone();
                async move { Json(json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")})) }
            }),
        )
        .route(
            "/jwks",
            get(move || {
                let keys = jwks.lock().unwrap().clone();
                async move { Json(JwkSet { keys }) }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Idp { issuer, keys }
}

/// A fresh ES256 key and its public JWK named `kid`.
fn key(kid: &str) -> (EncodingKey, Jwk) {
    let (pem, _) = common::key_pair(Algorithm::ES256, 0);
    let key = EncodingKey::from_ec_pem(pem.as_bytes()).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, JwtAlg::ES256).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    (key, jwk)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign(key: &EncodingKey, kid: &str, claims: Value) -> String {
    let mut header = Header::new(JwtAlg::ES256);
    header.kid = Some(kid.to_owned());
    encode(&header, &claims, key).unwrap()
}

struct Server {
    _child: tokio::process::Child,
    base: String,
}

async fn serve(account: &TestAccount, idp: &Idp) -> Server {
    let port = common::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let serving = common::spawn_serving(
        common::serve_http_command(&format!("127.0.0.1:{port}"))
            .envs(account.env())
            .env("NETSUITE_MCP_AUTH", "jwt")
            .env("NETSUITE_MCP_PUBLIC_URL", &base)
            .env("NETSUITE_MCP_JWT_ISSUER", &idp.issuer)
            .env("NETSUITE_MCP_JWT_SCOPES", "netsuite.tools")
            .env("NETSUITE_MCP_OAUTH_INSECURE_LOOPBACK", "true"),
    )
    .await;
    Server {
        _child: serving.child,
        base,
    }
}

fn claims(server: &Server, idp: &Idp) -> Value {
    json!({
        "iss": idp.issuer,
        "aud": format!("{}/mcp", server.base),
        "sub": "alice",
        "azp": "claude",
        "scope": "openid netsuite.tools",
        "exp": now() + 300,
        "iat": now(),
    })
}

async fn status(server: &Server, token: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/mcp", server.base))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}))
        .send()
        .await
        .unwrap();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), challenge)
}

#[tokio::test]
async fn provider_tokens_are_verified_and_calls_use_the_servers_own_credentials() {
    let account = common::start(Algorithm::ES256).await;
    let idp = idp().await;
    let (k1, jwk1) = key("k1");
    idp.keys.lock().unwrap().push(jwk1);
    let server = serve(&account, &idp).await;

    // The protected-resource metadata names the provider.
    let prm: Value = reqwest::get(format!(
        "{}/.well-known/oauth-protected-resource/mcp",
        server.base
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(prm["authorization_servers"][0], idp.issuer);
    assert_eq!(prm["resource"], format!("{}/mcp", server.base));

    let good = sign(&k1, "k1", claims(&server, &idp));
    let config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", server.base))
        .auth_header(good);
    let client = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    let r = client
        .call_tool(
            CallToolRequestParams::new("run_suiteql").with_arguments(
                json!({"query": "SELECT id FROM currency", "limit": 1})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    client.cancel().await.unwrap();
    assert!(
        account.sandbox.calls_by_entity().is_empty(),
        "M2M calls, no person's token"
    );
    assert!(account.sandbox.counters().authorized_api_requests >= 1);

    // Another audience, another issuer, expired, not yet valid, missing scope, a shared-secret algorithm.
    let mut other_aud = claims(&server, &idp);
    other_aud["aud"] = json!("https://other.example.com/mcp");
    let mut other_iss = claims(&server, &idp);
    other_iss["iss"] = json!("https://evil.example.com");
    let mut expired = claims(&server, &idp);
    expired["exp"] = json!(now() - 600);
    let mut early = claims(&server, &idp);
    early["nbf"] = json!(now() + 600);
    for (what, token) in [
        ("audience", sign(&k1, "k1", other_aud)),
        ("issuer", sign(&k1, "k1", other_iss)),
        ("expired", sign(&k1, "k1", expired)),
        ("not yet valid", sign(&k1, "k1", early)),
        (
            "HS256",
            encode(
                &Header::new(JwtAlg::HS256),
                &claims(&server, &idp),
                &EncodingKey::from_secret(b"guess").unwrap(),
            )
            .unwrap(),
        ),
    ] {
        let (code, challenge) = status(&server, &token).await;
        assert_eq!(code, 401, "{what}");
        assert!(
            challenge.contains("error=\"invalid_token\""),
            "{what}: {challenge}"
        );
    }
    let mut narrow = claims(&server, &idp);
    narrow["scope"] = json!("openid");
    let (code, challenge) = status(&server, &sign(&k1, "k1", narrow)).await;
    assert_eq!(code, 403);
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains("scope=\"netsuite.tools\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn a_rotated_signing_key_is_fetched_when_a_token_names_it() {
    let account = common::start(Algorithm::ES256).await;
    let idp = idp().await;
    let (k1, jwk1) = key("k1");
    idp.keys.lock().unwrap().push(jwk1);
    let server = serve(&account, &idp).await;
    assert_eq!(
        status(&server, &sign(&k1, "k1", claims(&server, &idp)))
            .await
            .0,
        200
    );

    // The provider rotates to k2 and withdraws k1. A k2 token right away names a key the server has not seen:
    // it may fetch again only after the refetch interval, so it is refused now and accepted after it.
    let (k2, jwk2) = key("k2");
    *idp.keys.lock().unwrap() = vec![jwk2];
    let k2_token = sign(&k2, "k2", claims(&server, &idp));
    assert_eq!(status(&server, &k2_token).await.0, 401);
    tokio::time::sleep(netsuite_mcp::oauth::jwt::REFETCH_INTERVAL + Duration::from_millis(200))
        .await;
    assert_eq!(status(&server, &k2_token).await.0, 200);
    // A forged kid does not make it fetch again within the interval, and k1's tokens are now refused.
    assert_eq!(
        status(&server, &sign(&k1, "k1", claims(&server, &idp)))
            .await
            .0,
        401
    );
}
