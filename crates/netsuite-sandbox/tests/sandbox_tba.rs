//! TBA (OAuth 1.0a, HMAC-SHA256) verification by the sandbox: good signatures pass on REST and RESTlets; a
//! replayed nonce, a skewed clock, an unknown key or token, a wrong secret, realm or method are refused with
//! NetSuite's `INVALID_LOGIN` bodies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod sandbox_support;

use netsuite_sandbox::{
    DEFAULT_TBA_CONSUMER_KEY, DEFAULT_TBA_CONSUMER_SECRET, DEFAULT_TBA_TOKEN_ID,
    DEFAULT_TBA_TOKEN_SECRET, SandboxHandle, tba_authorization,
};
use reqwest::StatusCode;
use sandbox_support::*;

const CONSUMER: (&str, &str) = (DEFAULT_TBA_CONSUMER_KEY, DEFAULT_TBA_CONSUMER_SECRET);
const TOKEN: (&str, &str) = (DEFAULT_TBA_TOKEN_ID, DEFAULT_TBA_TOKEN_SECRET);

fn unix_now() -> u64 {
    now() as u64
}

fn sign(url: &str, consumer: (&str, &str), token: (&str, &str), nonce: &str, ts: u64) -> String {
    let url = url::Url::parse(url).unwrap();
    tba_authorization("GET", &url, ACCOUNT, consumer, token, nonce, ts)
}

async fn send(url: &str, authorization: &str) -> Answer {
    let resp = reqwest::Client::new()
        .get(url)
        .header("Authorization", authorization)
        // RESTlets need it on every method (netsuite-api.md §6); REST ignores it on a GET.
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    answer(resp).await
}

fn customer_url(sandbox: &SandboxHandle) -> String {
    format!(
        "{}/services/rest/record/v1/customer?limit=2&offset=0",
        sandbox.base_url()
    )
}

#[track_caller]
fn assert_invalid_login_rest(a: &Answer) {
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    let body = a.json();
    assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "INVALID_LOGIN");
    assert!(
        body["o:errorDetails"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("Invalid login attempt.")
    );
}

#[tokio::test]
async fn a_good_signature_passes_on_rest_and_restlets_and_a_replay_is_refused() {
    let sandbox = start().await;
    let url = customer_url(&sandbox);
    let h = sign(&url, CONSUMER, TOKEN, "nonce-replay-1", unix_now());
    let a = send(&url, &h).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let replay = send(&url, &h).await;
    assert_invalid_login_rest(&replay);

    let restlet = format!("{}&extra=a%20b%2Bc&z=1", restlet_probe(&sandbox));
    let a = send(
        &restlet,
        &sign(&restlet, CONSUMER, TOKEN, "nonce-restlet", unix_now()),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);

    let c = sandbox.counters();
    assert_eq!(c.tba_rejections, 1);
    assert_eq!(c.rejected_unauthorized, 1);
    assert_eq!(c.tokens_issued, 0);
}

#[tokio::test]
async fn skew_unknown_keys_wrong_secrets_realm_nonce_length_and_query_tampering_are_refused() {
    let sandbox = start().await;
    let url = customer_url(&sandbox);
    let ts = unix_now();
    let cases = [
        ("old", sign(&url, CONSUMER, TOKEN, "nonce-old", ts - 600)),
        (
            "future",
            sign(&url, CONSUMER, TOKEN, "nonce-future", ts + 600),
        ),
        (
            "consumer",
            sign(&url, ("other-key", CONSUMER.1), TOKEN, "nonce-ck", ts),
        ),
        (
            "token",
            sign(&url, CONSUMER, ("other-token", TOKEN.1), "nonce-tk", ts),
        ),
        (
            "secret",
            sign(&url, CONSUMER, (TOKEN.0, "wrong"), "nonce-ts", ts),
        ),
        ("short nonce", sign(&url, CONSUMER, TOKEN, "abc", ts)),
        (
            "long nonce",
            sign(&url, CONSUMER, TOKEN, &"n".repeat(65), ts),
        ),
        (
            "realm",
            tba_authorization(
                "GET",
                &url::Url::parse(&url).unwrap(),
                "1234567-sb1",
                CONSUMER,
                TOKEN,
                "nonce-rl",
                ts,
            ),
        ),
        (
            "method",
            sign(&url, CONSUMER, TOKEN, "nonce-mt", ts).replace("HMAC-SHA256", "HMAC-SHA1"),
        ),
    ];
    for (what, h) in &cases {
        let a = send(&url, h).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{what}: {}", a.text);
        assert_invalid_login_rest(&a);
    }
    // The query is signed: the same header on another offset is refused.
    let h = sign(&url, CONSUMER, TOKEN, "nonce-query", ts);
    let a = send(&url.replace("offset=0", "offset=2"), &h).await;
    assert_invalid_login_rest(&a);
    // RESTlets answer with the RESTlet error shape.
    let restlet = restlet_probe(&sandbox);
    let a = send(
        &restlet,
        &sign(&restlet, CONSUMER, (TOKEN.0, "wrong"), "nonce-rs", ts),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    assert_eq!(a.json()["error"]["code"], "INVALID_LOGIN_ATTEMPT");
    assert_eq!(a.json()["error"]["message"], "Invalid login attempt.");
    assert_eq!(sandbox.counters().tba_rejections, cases.len() as u64 + 2);
}

#[tokio::test]
async fn a_sandbox_without_tba_refuses_every_signature() {
    let mut cfg = config();
    cfg.tba = None;
    let sandbox = netsuite_sandbox::Sandbox::start(cfg).await.unwrap();
    let url = customer_url(&sandbox);
    let a = send(&url, &sign(&url, CONSUMER, TOKEN, "nonce-none", unix_now())).await;
    assert_invalid_login_rest(&a);
}
