//! Helpers for the sign-in tests: a browser that does not follow redirects, PKCE pairs, the authorize request
//! of the default public client, and the token, refresh and API calls a client makes.

use std::collections::HashMap;

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use netsuite_sandbox::{
    DEFAULT_PUBLIC_CLIENT_ID, LoginConfig, LoginIntegration, Sandbox, SandboxConfig, SandboxHandle,
    SandboxUser,
};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;

use super::config;

pub const REDIRECT: &str = "https://127.0.0.1:8765/callback";
pub const STATE: &str = "state-0123456789-abcdefghij";
pub const CONFIDENTIAL_ID: &str =
    "c0nf1dent1a1c0nf1dent1a1c0nf1dent1a1c0nf1dent1a1c0nf1dent1a1c0nf";
pub const CONFIDENTIAL_SECRET: &str =
    "5ecret5ecret5ecret5ecret5ecret5ecret5ecret5ecret5ecret5ecret5ecr";
pub const CONFIDENTIAL_REDIRECT: &str = "https://app.example.com/netsuite/callback";

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn start_with(adjust: impl FnOnce(&mut LoginConfig)) -> SandboxHandle {
    let mut cfg: SandboxConfig = config();
    cfg.login.integrations.push(LoginIntegration::confidential(
        CONFIDENTIAL_ID,
        CONFIDENTIAL_SECRET,
        vec![CONFIDENTIAL_REDIRECT.to_owned()],
    ));
    cfg.login.users.push(SandboxUser {
        entity_id: 2,
        role_id: 1000,
        name: "Sales Rep".to_owned(),
    });
    adjust(&mut cfg.login);
    Sandbox::start(cfg).await.unwrap()
}

pub async fn start() -> SandboxHandle {
    start_with(|_| {}).await
}

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

pub fn pkce() -> Pkce {
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
pub fn authorize_params<'a>(
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

pub async fn authorize(sb: &SandboxHandle, params: &[(&str, &str)]) -> reqwest::Response {
    browser()
        .get(sb.authorize_url())
        .query(params)
        .send()
        .await
        .unwrap()
}

/// The redirect's target (without query) and its query parameters.
pub fn redirected(resp: &reqwest::Response) -> (String, HashMap<String, String>) {
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
pub async fn code_for(sb: &SandboxHandle, pkce: &Pkce) -> String {
    let (_, params) = redirected(&authorize(sb, &authorize_params(pkce, &[])).await);
    params["code"].clone()
}

pub async fn token(
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

pub async fn exchange(sb: &SandboxHandle, code: &str, verifier: &str) -> (StatusCode, Value) {
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

pub async fn sign_in(sb: &SandboxHandle) -> Value {
    let pkce = pkce();
    let code = code_for(sb, &pkce).await;
    let (status, body) = exchange(sb, &code, &pkce.verifier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub async fn refresh(sb: &SandboxHandle, refresh_token: &str) -> (StatusCode, Value) {
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

pub async fn api(sb: &SandboxHandle, access_token: &str) -> reqwest::Response {
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

pub fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
        .to_owned()
}

pub fn assert_invalid_grant(result: (StatusCode, Value)) {
    assert_eq!(result.0, StatusCode::BAD_REQUEST, "{}", result.1);
    assert_eq!(result.1["error"], "invalid_grant");
}
