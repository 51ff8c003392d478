//! Signing in as a person against the sandbox (netsuite-api.md §2.1, §2.2), driven over HTTP as a browser and a
//! client would: follow the authorize URL without following its redirect, read `Location`, exchange the code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod sandbox_support;

use netsuite_sandbox::DEFAULT_PUBLIC_CLIENT_ID;
use reqwest::StatusCode;
use reqwest::header::{LOCATION, WWW_AUTHENTICATE};
use sandbox_support::ACCOUNT;
use sandbox_support::login::*;

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
