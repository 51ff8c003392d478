//! Access tokens at the sandbox's API endpoints: scopes open only their endpoints, bad bearer tokens get the
//! challenge, and tokens expire or are revoked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod sandbox_support;

use std::time::Duration;

use netsuite_sandbox::Sandbox;
use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use sandbox_support::*;
use serde_json::json;

#[tokio::test]
async fn tokens_only_open_the_endpoints_of_their_scope() {
    let sb = start().await;
    let rest_only = token(&sb, json!("rest_webservices")).await;
    let restlets_only = token(&sb, json!("restlets")).await;
    let analytics_only = token(&sb, json!("suite_analytics")).await;

    assert_ne!(
        get(&rest_probe(&sb), Some(&rest_only)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_ne!(
        get(&restlet_probe(&sb), Some(&restlets_only)).await.status,
        StatusCode::UNAUTHORIZED
    );

    let a = get(&rest_probe(&sb), Some(&restlets_only)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.json()["o:errorDetails"][0]["o:errorCode"],
        "INVALID_LOGIN"
    );
    let a = get(&rest_probe(&sb), Some(&analytics_only)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    let a = get(&restlet_probe(&sb), Some(&rest_only)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.json(),
        json!({"error": {"code": "INVALID_LOGIN_ATTEMPT", "message": "Invalid login attempt."}})
    );
}

#[tokio::test]
async fn bad_bearer_tokens_get_401_with_the_bearer_challenge() {
    let sb = start().await;
    let token = token(&sb, json!("rest_webservices")).await;
    let challenge = "Bearer realm=\"1234567_SB1\", error=\"invalid_token\", error_description=\"Invalid login attempt.\"";

    for bearer in [None, Some("not-a-token"), Some(&format!("{token}x")[..])] {
        let a = get(&rest_probe(&sb), bearer).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.headers.get(WWW_AUTHENTICATE).unwrap(), challenge);
        let body = a.json();
        assert_eq!(body["status"], 401);
        assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "INVALID_LOGIN");
    }
    // Wrong scheme, and the scheme name is case-insensitive.
    let resp = reqwest::Client::new()
        .get(rest_probe(&sb))
        .header("Authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = reqwest::Client::new()
        .get(rest_probe(&sb))
        .header("Authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    let c = sb.counters();
    assert_eq!(c.rejected_unauthorized, 4);
    assert_eq!(c.api_requests, 5);
    assert_eq!(c.authorized_api_requests, 1);
}

#[tokio::test]
async fn tokens_expire_after_their_lifetime() {
    let mut cfg = config();
    cfg.token_lifetime = Duration::from_secs(1);
    let sb = Sandbox::start(cfg).await.unwrap();
    let a = request_token(&sb, &good_assertion(&sb, json!("rest_webservices"))).await;
    assert_eq!(a.json()["expires_in"], json!(1));
    let token = a.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&rest_probe(&sb), Some(&token)).await.status,
        StatusCode::NOT_FOUND
    );
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let a = get(&rest_probe(&sb), Some(&token)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(
        a.headers
            .get(WWW_AUTHENTICATE)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
}

#[tokio::test]
async fn expire_and_revoke_all_tokens() {
    let sb = start().await;
    let first = token(&sb, json!("rest_webservices")).await;
    let second = token(&sb, json!("rest_webservices")).await;
    assert_ne!(first, second, "tokens must be unique");
    sb.expire_all_tokens();
    assert_eq!(
        get(&rest_probe(&sb), Some(&first)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&rest_probe(&sb), Some(&second)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // New tokens are unaffected.
    let third = token(&sb, json!("rest_webservices")).await;
    assert_eq!(
        get(&rest_probe(&sb), Some(&third)).await.status,
        StatusCode::NOT_FOUND
    );
    sb.revoke_all_tokens();
    assert_eq!(
        get(&rest_probe(&sb), Some(&third)).await.status,
        StatusCode::UNAUTHORIZED
    );
}
