//! Token exchange against the sandbox: every algorithm and key size, the cache, single-flight, refresh, and
//! NetSuite's refusals surfaced with their codes and hints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use common::*;
use netsuite_mcp::auth::{Algorithm, AuthError};
use netsuite_sandbox::Fault;

#[tokio::test]
async fn every_algorithm_and_key_size_gets_a_token() {
    for (alg, bits) in [
        (Algorithm::PS256, 3072),
        (Algorithm::PS384, 3072),
        (Algorithm::PS512, 4096),
        (Algorithm::PS256, 4096),
        (Algorithm::ES256, 0),
        (Algorithm::ES384, 0),
        (Algorithm::ES512, 0),
    ] {
        let account = start_with(alg, bits, |_| {}).await;
        let mut settings = account.settings();
        settings.algorithm = Some(alg.to_string());
        let client = client_for(settings);
        let token = client
            .tokens()
            .unwrap()
            .access_token()
            .await
            .unwrap_or_else(|e| panic!("{alg} {bits}: {e}"));
        assert_eq!(token.lifetime(), Duration::from_secs(3600), "{alg}");
        assert_eq!(account.sandbox.counters().tokens_issued, 1, "{alg}");
    }
}

#[tokio::test]
async fn two_hundred_concurrent_callers_cause_exactly_one_token_request() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    let calls = (0..200).map(|_| {
        let c = client.clone();
        tokio::spawn(async move {
            c.tokens()
                .unwrap()
                .access_token()
                .await
                .map(|t| t.expose().to_owned())
        })
    });
    let tokens: Vec<String> = futures_join(calls).await;
    assert_eq!(tokens.len(), 200);
    assert!(
        tokens.iter().all(|t| t == &tokens[0]),
        "everyone got the same token"
    );
    assert_eq!(account.sandbox.counters().token_requests, 1);
}

async fn futures_join(
    handles: impl Iterator<Item = tokio::task::JoinHandle<Result<String, AuthError>>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap().unwrap());
    }
    out
}

#[tokio::test]
async fn a_failed_token_request_is_shared_by_concurrent_callers_not_repeated() {
    let account = start(Algorithm::ES256).await;
    account
        .sandbox
        .faults()
        .token(Fault::status(503).with_delay(Duration::from_millis(200)), 1);
    let client = account.client();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.tokens().unwrap().access_token().await.map(|_| ()) })
        })
        .collect();
    for h in calls {
        assert!(h.await.unwrap().is_err());
    }
    assert_eq!(
        account.sandbox.counters().token_requests,
        1,
        "waiters share the failure"
    );
    client
        .tokens()
        .unwrap()
        .access_token()
        .await
        .expect("a later call tries again and succeeds");
    assert_eq!(account.sandbox.counters().token_requests, 2);
}

#[tokio::test]
async fn a_token_near_expiry_is_replaced_before_use() {
    let account = start_with(Algorithm::ES256, 0, |c| {
        c.token_lifetime = Duration::from_secs(2)
    })
    .await;
    let client = account.client();
    let first = client
        .tokens()
        .unwrap()
        .access_token()
        .await
        .unwrap()
        .expose()
        .to_owned();
    let again = client
        .tokens()
        .unwrap()
        .access_token()
        .await
        .unwrap()
        .expose()
        .to_owned();
    assert_eq!(first, again, "cached while fresh");
    tokio::time::sleep(Duration::from_millis(1100)).await; // past half of a 2 s life
    let second = client
        .tokens()
        .unwrap()
        .access_token()
        .await
        .unwrap()
        .expose()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(account.sandbox.counters().token_requests, 2);
    assert_eq!(
        account.sandbox.counters().rejected_unauthorized,
        0,
        "never sent an expired token"
    );
}

#[tokio::test]
async fn wrong_certificate_id_is_invalid_grant_with_a_hint() {
    let account = start(Algorithm::ES256).await;
    let mut settings = account.settings();
    settings.certificate_id = Some("not-the-mapped-certificate".into());
    let err = client_for(settings)
        .tokens()
        .unwrap()
        .access_token()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_grant"));
    let text = err.to_string();
    assert!(
        text.contains("NETSUITE_CERTIFICATE_ID") && text.contains("Login Audit Trail"),
        "{text}"
    );
}

#[tokio::test]
async fn wrong_client_id_is_invalid_client() {
    let account = start(Algorithm::ES256).await;
    let mut settings = account.settings();
    settings.client_id = Some("f".repeat(64));
    let err = client_for(settings)
        .tokens()
        .unwrap()
        .access_token()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuthError::Refused { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("invalid_client"));
}

#[tokio::test]
async fn a_key_that_does_not_match_the_certificate_is_refused() {
    let account = start(Algorithm::ES256).await;
    let (other_key, _) = key_pair(Algorithm::ES256, 0);
    let mut settings = account.settings();
    settings.private_key = Some(secrecy::SecretString::from(other_key));
    let err = client_for(settings)
        .tokens()
        .unwrap()
        .access_token()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_grant"));
}

#[tokio::test]
async fn a_scope_not_enabled_on_the_integration_is_invalid_scope() {
    let account = start_with(Algorithm::ES256, 0, |c| {
        c.enabled_scopes = vec!["rest_webservices".into()]
    })
    .await;
    let mut settings = account.settings();
    settings.scopes = Some(netsuite_mcp::config::ListSetting::Csv(
        "rest_webservices,restlets".into(),
    ));
    let err = client_for(settings)
        .tokens()
        .unwrap()
        .access_token()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_scope"));
    assert!(err.to_string().contains("NETSUITE_SCOPES"));
}

#[tokio::test]
async fn token_endpoint_down_is_a_clear_transport_error() {
    let account = start(Algorithm::ES256).await;
    let mut settings = account.settings();
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    settings.base_url = Some(format!("http://127.0.0.1:{port}"));
    let err = client_for(settings)
        .tokens()
        .unwrap()
        .access_token()
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("could not connect"), "{err}");
}
