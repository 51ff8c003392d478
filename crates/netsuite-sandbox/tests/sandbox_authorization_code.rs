//! Signing in as a person against the sandbox (netsuite-api.md §2), driven over HTTP as a browser and a client
//! would: follow the authorize URL without following its redirect, read `Location`, exchange, refresh, revoke.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod sandbox_support;

use std::collections::HashMap;
use std::time::Duration;

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use netsuite_sandbox::{
    DEFAULT_PUBLIC_CLIENT_ID, LoginConfig, LoginIntegration, Sandbox, SandboxConfig, SandboxHandle,
    SandboxUser,
};
use reqwest::StatusCode;
use reqwest::header::{LOCATION, WWW_AUTHENTICATE};
use sandbox_support::{ACCOUNT, config};
use serde_json::Value;

const REDIRECT: &str = "https://127.0.0.1:8765/callback";
const STATE: &str = "state-0123456789-abcdefghij";
const CONFIDENTIAL_ID: &str = "c0nf1dent1a1c0nf1dent1a1c0nf1dent1a1c0nf1dent1a1c0nf1dent1a1c0nf";
const CONFIDENTIAL_SECRET: &str =
    "5ecret5ecret5ecret5ecret5ecret5ecret5ecret5ecret5ecret5ecret5ecr";
const CONFIDENTIAL_REDIRECT: &str = "https://app.example.com/netsuite/callback";

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn start_with(adjust: impl FnOnce(&mut LoginConfig)) -> SandboxHandle {
    let mut cfg: SandboxConfig = config();
    cfg.login.integrations.push(LoginIntegration::confidential(
        CONFIDENTIAL_ID,
        CONFIDENTIAL_SECRET,
        vec![CONFIDENTIAL_REDIRECT.to_owned()],
    ));
    cfg.login.users.push(SandboxUser {
        entity_id: 40,
        role_id: 1000,
        name: "Sales Rep".to_owned(),
    });
    adjust(&mut cfg.login);
    Sandbox::start(cfg).await.unwrap()
}

async fn start() -> SandboxHandle {
    start_with(|_| {}).await
}

struct Pkce {
    verifier: String,
    challenge: String,
}

fn pkce() -> Pkce {
    let verifier = format!(
        "{}-{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let digest = digest::digest(&digest::SHA256, verifier.as_bytes());
    Pkce {
        challenge: URL_SAFE_NO_PAD.encode(digest.as_ref()),
        verifier,
    }
}

/// The authorize request of the default public client, with `overrides` replacing or (empty value) dropping
/// parameters.
fn authorize_params<'a>(
    pkce: &'a Pkce,
    overrides: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", DEFAULT_PUBLIC_CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("scope", "rest_webservices restlets"),
        ("state", STATE),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in overrides {
        params.retain(|(key, _)| key != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    params
}

async fn authorize(sb: &SandboxHandle, params: &[(&str, &str)]) -> reqwest::Response {
    browser()
        .get(sb.authorize_url())
        .query(params)
        .send()
        .await
        .unwrap()
}

/// The redirect's target (without query) and its query parameters.
fn redirected(resp: &reqwest::Response) -> (String, HashMap<String, String>) {
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()[LOCATION].to_str().unwrap();
    let url = url::Url::parse(location).unwrap();
    let params = url.query_pairs().into_owned().collect();
    (
        format!("{}{}", url.origin().ascii_serialization(), url.path()),
        params,
    )
}

/// Signs in with the default public client and returns the code.
async fn code_for(sb: &SandboxHandle, pkce: &Pkce) -> String {
    let (_, params) = redirected(&authorize(sb, &authorize_params(pkce, &[])).await);
    params["code"].clone()
}

async fn token(
    sb: &SandboxHandle,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut req = browser().post(sb.token_url()).form(form);
    if let Some((id, secret)) = basic {
        req = req.header(
            "Authorization",
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
        );
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn exchange(sb: &SandboxHandle, code: &str, verifier: &str) -> (StatusCode, Value) {
    token(
        sb,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", DEFAULT_PUBLIC_CLIENT_ID),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

async fn sign_in(sb: &SandboxHandle) -> Value {
    let pkce = pkce();
    let code = code_for(sb, &pkce).await;
    let (status, body) = exchange(sb, &code, &pkce.verifier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn refresh(sb: &SandboxHandle, refresh_token: &str) -> (StatusCode, Value) {
    token(
        sb,
        None,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEFAULT_PUBLIC_CLIENT_ID),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

async fn api(sb: &SandboxHandle, access_token: &str) -> reqwest::Response {
    browser()
        .get(format!(
            "{}/services/rest/record/v1/customer?limit=1",
            sb.base_url()
        ))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
}

fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
        .to_owned()
}

fn assert_invalid_grant(result: (StatusCode, Value)) {
    assert_eq!(result.0, StatusCode::BAD_REQUEST, "{}", result.1);
    assert_eq!(result.1["error"], "invalid_grant");
}

#[tokio::test]
async fn public_client_full_flow() {
    let sb = start().await;
    let pkce = pkce();
    let resp = authorize(&sb, &authorize_params(&pkce, &[])).await;
    let (target, params) = redirected(&resp);
    assert_eq!(target, REDIRECT);
    assert_eq!(params["state"], STATE);
    assert_eq!(params["role"], "3");
    assert_eq!(params["entity"], "12");
    assert_eq!(params["company"], ACCOUNT);
    let code = &params["code"];
    assert!(code.len() == 64 && code.bytes().all(|b| b.is_ascii_hexdigit()));

    let (status, body) = exchange(&sb, code, &pkce.verifier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "bearer");
    assert_ne!(s(&body, "access_token"), s(&body, "refresh_token"));

    assert_eq!(
        api(&sb, &s(&body, "access_token")).await.status(),
        StatusCode::OK
    );
    assert_eq!(sb.calls_by_entity().get(&12), Some(&1));
    let c = sb.login_counters();
    assert_eq!((c.codes_issued, c.code_exchanges), (1, 1));
    // Basic with an empty secret is the public client's other way to identify itself.
    let (status, body) = token(
        &sb,
        Some((DEFAULT_PUBLIC_CLIENT_ID, "")),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s(&body, "refresh_token")),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn default_integration_accepts_any_loopback_port_only() {
    let sb = start().await;
    let pkce = pkce();
    let other_port = "http://127.0.0.1:45678/callback";
    let (target, _) = redirected(
        &authorize(
            &sb,
            &authorize_params(&pkce, &[("redirect_uri", other_port)]),
        )
        .await,
    );
    assert_eq!(target, other_port);
    for refused in [
        "http://127.0.0.1:45678/other",
        "https://evil.example.com:8765/callback",
        "http://localhost:8765/callback",
    ] {
        let resp = authorize(&sb, &authorize_params(&pkce, &[("redirect_uri", refused)])).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{refused}");
        assert!(resp.headers().get(LOCATION).is_none());
    }
}

#[tokio::test]
async fn confidential_client_uses_basic_and_keeps_its_refresh_token() {
    let sb = start().await;
    let params = [
        ("response_type", "code"),
        ("client_id", CONFIDENTIAL_ID),
        ("redirect_uri", CONFIDENTIAL_REDIRECT),
        ("scope", "rest_webservices"),
        ("state", STATE),
    ];
    let code = |resp: reqwest::Response| redirected(&resp).1["code"].clone();
    let form = |code: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", CONFIDENTIAL_REDIRECT.to_owned()),
        ]
    };
    let as_ref = |f: &Vec<(&'static str, String)>| {
        f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };

    // Without Basic the confidential client is not authenticated; with a wrong secret neither.
    let c1 = code(authorize(&sb, &params).await);
    let mut body_id = as_ref(&form(&c1));
    body_id.push(("client_id", CONFIDENTIAL_ID.to_owned()));
    let borrowed: Vec<(&str, &str)> = body_id.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = token(&sb, None, &borrowed).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let c2 = code(authorize(&sb, &params).await);
    let f2 = form(&c2);
    let borrowed: Vec<(&str, &str)> = f2.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let resp = browser()
        .post(sb.token_url())
        .basic_auth(CONFIDENTIAL_ID, Some("wrong"))
        .form(&borrowed)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers()[WWW_AUTHENTICATE],
        format!("Basic realm=\"{ACCOUNT}\"").as_str()
    );

    let c3 = code(authorize(&sb, &params).await);
    let f3 = form(&c3);
    let borrowed: Vec<(&str, &str)> = f3.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = token(&sb, Some((CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)), &borrowed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let refresh_token = s(&body, "refresh_token");
    for _ in 0..2 {
        let (status, body) = token(
            &sb,
            Some((CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("refresh_token").is_none(), "not rotated: {body}");
        assert_eq!(
            api(&sb, &s(&body, "access_token")).await.status(),
            StatusCode::OK
        );
    }
    // The public client cannot use the confidential client's refresh token.
    assert_eq!(
        refresh(&sb, &refresh_token).await.1["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn code_exchange_refusals() {
    let sb = start().await;
    let pkce = pkce();

    let code = code_for(&sb, &pkce).await;
    assert_invalid_grant(exchange(&sb, &code, &self::pkce().verifier).await);
    // The failed attempt spent the code.
    assert_invalid_grant(exchange(&sb, &code, &pkce.verifier).await);

    let code = code_for(&sb, &pkce).await;
    let wrong_redirect = token(
        &sb,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", DEFAULT_PUBLIC_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8765/callback"),
            ("code_verifier", &pkce.verifier),
        ],
    )
    .await;
    assert_invalid_grant(wrong_redirect);

    let code = code_for(&sb, &pkce).await;
    sb.expire_all_codes();
    assert_invalid_grant(exchange(&sb, &code, &pkce.verifier).await);

    // A code presented twice: refused, and the tokens of its first exchange are revoked.
    let code = code_for(&sb, &pkce).await;
    let (status, first) = exchange(&sb, &code, &pkce.verifier).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api(&sb, &s(&first, "access_token")).await.status(),
        StatusCode::OK
    );
    assert_invalid_grant(exchange(&sb, &code, &pkce.verifier).await);
    assert_eq!(
        api(&sb, &s(&first, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_invalid_grant(refresh(&sb, &s(&first, "refresh_token")).await);

    // Missing verifier.
    let code = code_for(&sb, &pkce).await;
    let (status, body) = token(
        &sb,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", DEFAULT_PUBLIC_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_invalid_grant((status, body));
    assert_eq!(sb.login_counters().code_exchanges, 1);
}

#[tokio::test]
async fn authorize_refusals_redirect_with_the_error() {
    let sb = start().await;
    let pkce = pkce();
    let plain = authorize(
        &sb,
        &authorize_params(&pkce, &[("code_challenge_method", "plain")]),
    )
    .await;
    let (_, p) = redirected(&plain);
    assert_eq!(
        (p["error"].as_str(), p["state"].as_str()),
        ("invalid_request", STATE)
    );
    assert!(!p.contains_key("code"));

    let no_pkce = authorize_params(
        &pkce,
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    assert_eq!(
        redirected(&authorize(&sb, &no_pkce).await).1["error"],
        "invalid_request"
    );

    let (_, p) =
        redirected(&authorize(&sb, &authorize_params(&pkce, &[("state", "too-short")])).await);
    assert_eq!(p["error"], "invalid_request");
    assert!(!p.contains_key("state"));

    let (_, p) = redirected(
        &authorize(
            &sb,
            &authorize_params(&pkce, &[("scope", "rest_webservices mcp")]),
        )
        .await,
    );
    assert_eq!(p["error"], "invalid_scope");
    let (_, p) =
        redirected(&authorize(&sb, &authorize_params(&pkce, &[("response_type", "token")])).await);
    assert_eq!(p["error"], "unsupported_response_type");

    // Unknown client or redirect URI: an error page, never a redirect.
    for overrides in [
        [("client_id", "nope")],
        [("redirect_uri", "https://attacker.example.com/cb")],
    ] {
        let resp = authorize(&sb, &authorize_params(&pkce, &overrides)).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert!(resp.headers().get(LOCATION).is_none());
        assert!(resp.text().await.unwrap().contains("<html>"));
    }
    assert_eq!(sb.login_counters().codes_issued, 0);
}

#[tokio::test]
async fn denied_consent_redirects_access_denied_once() {
    let sb = start().await;
    let pkce = pkce();
    sb.deny_next_authorization();
    let (target, p) = redirected(&authorize(&sb, &authorize_params(&pkce, &[])).await);
    assert_eq!(target, REDIRECT);
    assert_eq!(p["error"], "access_denied");
    assert_eq!(p["state"], STATE);
    assert_eq!(
        (
            p["entity"].as_str(),
            p["role"].as_str(),
            p["company"].as_str()
        ),
        ("12", "3", ACCOUNT)
    );
    assert!(!p.contains_key("code"));
    assert_eq!(sb.login_counters().denials, 1);
    // The switch holds for one authorization only.
    assert!(code_for(&sb, &pkce).await.len() == 64);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_chain() {
    let sb = start().await;
    let first = sign_in(&sb).await;
    let r0 = s(&first, "refresh_token");
    let (status, second) = refresh(&sb, &r0).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let r1 = s(&second, "refresh_token");
    assert_ne!(r0, r1);
    let (status, third) = refresh(&sb, &r1).await;
    assert_eq!(status, StatusCode::OK);
    let r2 = s(&third, "refresh_token");
    assert_eq!(
        api(&sb, &s(&third, "access_token")).await.status(),
        StatusCode::OK
    );

    // r0 again: refused, and the whole chain goes (newest refresh token and the access tokens).
    assert_invalid_grant(refresh(&sb, &r0).await);
    assert_invalid_grant(refresh(&sb, &r2).await);
    assert_eq!(
        api(&sb, &s(&third, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let c = sb.login_counters();
    assert_eq!((c.refreshes, c.refresh_reuse_rejections), (2, 1));

    // Another sign-in is its own chain and unaffected.
    let other = sign_in(&sb).await;
    assert_eq!(
        refresh(&sb, &s(&other, "refresh_token")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn reuse_can_spare_the_chain() {
    let sb = start_with(|l| l.revoke_chain_on_reuse = false).await;
    let r0 = s(&sign_in(&sb).await, "refresh_token");
    let r1 = s(&refresh(&sb, &r0).await.1, "refresh_token");
    assert_invalid_grant(refresh(&sb, &r0).await);
    assert_eq!(refresh(&sb, &r1).await.0, StatusCode::OK);
}

#[tokio::test]
async fn refresh_tokens_expire_and_the_chain_is_capped() {
    let sb = start_with(|l| l.max_rotation = Duration::from_secs(2)).await;
    let r0 = s(&sign_in(&sb).await, "refresh_token");
    let (status, body) = refresh(&sb, &r0).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_invalid_grant(refresh(&sb, &s(&body, "refresh_token")).await);

    let r = s(&sign_in(&sb).await, "refresh_token");
    sb.expire_all_refresh_tokens();
    assert_invalid_grant(refresh(&sb, &r).await);
}

#[tokio::test]
async fn revoke_ends_the_refresh_token_and_its_access_tokens() {
    let sb = start().await;
    let tokens = sign_in(&sb).await;
    let (status, refreshed) = refresh(&sb, &s(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    let access = [s(&tokens, "access_token"), s(&refreshed, "access_token")];
    let revoke =
        |form: Vec<(&'static str, String)>| browser().post(sb.revoke_url()).form(&form).send();

    // Without client authentication: refused, nothing revoked.
    let resp = revoke(vec![("token", s(&refreshed, "refresh_token"))])
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(api(&sb, &access[1]).await.status(), StatusCode::OK);

    let resp = revoke(vec![
        ("token", s(&refreshed, "refresh_token")),
        ("client_id", DEFAULT_PUBLIC_CLIENT_ID.to_owned()),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_invalid_grant(refresh(&sb, &s(&refreshed, "refresh_token")).await);
    for token in &access {
        let resp = api(&sb, token).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let challenge = resp.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with("Bearer") && challenge.contains("invalid_token"),
            "{challenge}"
        );
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "INVALID_LOGIN");
    }
    // Unknown tokens are answered 200 (RFC 7009).
    let resp = revoke(vec![
        ("token", "unknown".to_owned()),
        ("client_id", DEFAULT_PUBLIC_CLIENT_ID.to_owned()),
    ])
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(sb.login_counters().revocations, 1);
}

#[tokio::test]
async fn two_users_have_distinct_identities() {
    let sb = start().await;
    assert!(!sb.approve_next_as(999));
    let admin = sign_in(&sb).await;
    assert!(sb.approve_next_as(40));
    let pkce = pkce();
    let (_, p) = redirected(&authorize(&sb, &authorize_params(&pkce, &[])).await);
    assert_eq!((p["entity"].as_str(), p["role"].as_str()), ("40", "1000"));
    let (status, rep) = exchange(&sb, &p["code"], &pkce.verifier).await;
    assert_eq!(status, StatusCode::OK);
    // The switch holds for one authorization: the next one is the first user again.
    let (_, p) = redirected(&authorize(&sb, &authorize_params(&pkce, &[])).await);
    assert_eq!(p["entity"], "12");

    assert_eq!(
        api(&sb, &s(&admin, "access_token")).await.status(),
        StatusCode::OK
    );
    for _ in 0..2 {
        assert_eq!(
            api(&sb, &s(&rep, "access_token")).await.status(),
            StatusCode::OK
        );
    }
    // A refreshed token still acts as the same person.
    let (_, refreshed) = refresh(&sb, &s(&rep, "refresh_token")).await;
    assert_eq!(
        api(&sb, &s(&refreshed, "access_token")).await.status(),
        StatusCode::OK
    );
    let calls = sb.calls_by_entity();
    assert_eq!((calls.get(&12), calls.get(&40)), (Some(&1), Some(&3)));
}
