//! Refresh and revoke after signing in as a person (netsuite-api.md §2.2, §2.3), and who each call acts as.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod sandbox_support;

use std::time::Duration;

use netsuite_sandbox::DEFAULT_PUBLIC_CLIENT_ID;
use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use sandbox_support::login::*;
use serde_json::Value;

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
    assert!(sb.approve_next_as(2));
    let pkce = pkce();
    let (_, p) = redirected(&authorize(&sb, &authorize_params(&pkce, &[])).await);
    assert_eq!((p["entity"].as_str(), p["role"].as_str()), ("2", "1000"));
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
    assert_eq!((calls.get(&12), calls.get(&2)), (Some(&1), Some(&3)));
}
