//! Sandbox governance: the account concurrency limit, latency, fault injection and counters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod sandbox_support;

use std::time::{Duration, Instant};

use netsuite_sandbox::{Fault, Sandbox, SandboxHandle};
use reqwest::StatusCode;
use reqwest::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use sandbox_support::*;
use serde_json::json;

async fn start_with(limit: usize, latency: Duration) -> SandboxHandle {
    let mut cfg = config();
    cfg.concurrency_limit = limit;
    cfg.latency = latency;
    Sandbox::start(cfg).await.unwrap()
}

/// Fires `n` requests at once and returns their answers.
async fn burst(url: &str, token: &str, n: usize) -> Vec<Answer> {
    let client = reqwest::Client::new();
    let calls = (0..n).map(|_| {
        let req = client.get(url).bearer_auth(token);
        async move { answer(req.send().await.unwrap()).await }
    });
    futures_join_all(calls).await
}

/// `join_all` without pulling in the futures crate: spawn each and await in order.
async fn futures_join_all<F>(futs: impl Iterator<Item = F>) -> Vec<Answer>
where
    F: std::future::Future<Output = Answer> + Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn rest_requests_over_the_limit_get_429() {
    let sb = start_with(2, Duration::from_secs(1)).await;
    let token = token(&sb, json!("rest_webservices")).await;
    let answers = burst(&rest_probe(&sb), &token, 5).await;

    let c = sb.counters();
    assert_eq!(c.rejected_concurrency, 3, "{c:?}");
    assert_eq!(c.max_in_flight, 2, "{c:?}");
    assert_eq!(c.authorized_api_requests, 5);
    assert_eq!(c.in_flight, 0);
    let limited: Vec<_> = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(limited.len(), 3);
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.status == StatusCode::NOT_FOUND)
            .count(),
        2
    );
    for a in limited {
        let body = a.json();
        assert_eq!(
            body["o:errorDetails"][0]["o:errorCode"],
            "CONCURRENCY_LIMIT_EXCEEDED"
        );
        assert_eq!(body["o:errorCode"], "USER_ERROR");
        assert_eq!(body["status"], 429);
        assert!(
            a.headers.get(RETRY_AFTER).is_none(),
            "Retry-After is undocumented; not sent by default"
        );
    }
    // Slots are released: the next request goes through.
    assert_eq!(
        get(&rest_probe(&sb), Some(&token)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn restlet_requests_over_the_limit_get_400_sss_request_limit_exceeded() {
    let sb = start_with(1, Duration::from_secs(1)).await;
    let token = token(&sb, json!("restlets")).await;
    let answers = burst(&restlet_probe(&sb), &token, 3).await;

    assert_eq!(sb.counters().rejected_concurrency, 2);
    let limited: Vec<_> = answers
        .iter()
        .filter(|a| a.status == StatusCode::BAD_REQUEST)
        .collect();
    assert_eq!(limited.len(), 2);
    for a in limited {
        assert_eq!(a.json()["error"]["code"], "SSS_REQUEST_LIMIT_EXCEEDED");
    }
}

#[tokio::test]
async fn token_endpoint_and_refused_logins_do_not_use_concurrency_slots() {
    // The slow request must still hold the only slot after the three requests below, however busy the machine
    // running the test is: a latency far above what those requests take.
    let sb = start_with(1, Duration::from_secs(3)).await;
    let token = token(&sb, json!("rest_webservices")).await;
    let slow = {
        let url = rest_probe(&sb);
        let token = token.clone();
        tokio::spawn(async move { get(&url, Some(&token)).await })
    };
    // Wait until the slow request holds the only slot.
    let deadline = Instant::now() + Duration::from_secs(2);
    while sb.counters().in_flight == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(sb.counters().in_flight, 1);

    // The token endpoint still answers, and a request without a token gets 401, not 429.
    let a = request_token(&sb, &good_assertion(&sb, json!("rest_webservices"))).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        get(&rest_probe(&sb), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&rest_probe(&sb), Some(&token)).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    assert_eq!(slow.await.unwrap().status, StatusCode::NOT_FOUND);
    let c = sb.counters();
    assert_eq!(c.token_requests, 2);
    assert_eq!(c.tokens_issued, 2);
    assert_eq!(c.api_requests, 3);
    assert_eq!(c.authorized_api_requests, 2);
    assert_eq!(c.rejected_unauthorized, 1);
    assert_eq!(c.rejected_concurrency, 1);
    assert_eq!(c.max_in_flight, 1);
}

#[tokio::test]
async fn latency_is_added_to_api_requests_and_can_change() {
    let sb = start_with(5, Duration::ZERO).await;
    let token = token(&sb, json!("rest_webservices")).await;
    sb.set_latency(Duration::from_millis(250));
    let t = Instant::now();
    assert_eq!(
        get(&rest_probe(&sb), Some(&token)).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        t.elapsed() >= Duration::from_millis(250),
        "latency not applied: {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn api_faults_are_consumed_in_order_by_authorized_requests() {
    let sb = start().await;
    let token = token(&sb, json!("rest_webservices")).await;
    sb.faults().api(Fault::status(503), 1);
    sb.faults()
        .api(Fault::status(500).with_body("{\"type\":\"trunc"), 1);
    sb.faults().api(Fault::status(429).with_retry_after(7), 2);
    assert_eq!(sb.faults().pending_api(), 4);

    // A refused login does not consume a fault.
    assert_eq!(
        get(&rest_probe(&sb), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sb.faults().pending_api(), 4);

    let a = get(&rest_probe(&sb), Some(&token)).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.json()["status"], 503);
    assert!(a.json()["o:errorDetails"][0]["o:errorCode"].is_string());

    let a = get(&rest_probe(&sb), Some(&token)).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(a.text, "{\"type\":\"trunc");

    for _ in 0..2 {
        let a = get(&rest_probe(&sb), Some(&token)).await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(a.headers.get(RETRY_AFTER).unwrap(), "7");
        assert_eq!(
            a.json()["o:errorDetails"][0]["o:errorCode"],
            "CONCURRENCY_LIMIT_EXCEEDED"
        );
    }
    assert_eq!(sb.faults().pending_api(), 0);
    assert_eq!(
        get(&rest_probe(&sb), Some(&token)).await.status,
        StatusCode::NOT_FOUND
    );

    let c = sb.counters();
    assert_eq!(c.faults_injected, 4);
    assert_eq!(
        c.rejected_concurrency, 0,
        "injected 429s are not real concurrency rejections"
    );
}

#[tokio::test]
async fn default_fault_bodies_follow_the_endpoint() {
    let sb = start().await;
    let token = token(&sb, json!(["rest_webservices", "restlets"])).await;

    sb.faults().api(Fault::status(500), 1);
    let a = get(&rest_probe(&sb), Some(&token)).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        a.json()["o:errorDetails"][0]["o:errorCode"],
        "UNEXPECTED_ERROR"
    );

    sb.faults().api(Fault::status(401), 1);
    let a = get(&rest_probe(&sb), Some(&token)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.json()["o:errorDetails"][0]["o:errorCode"],
        "INVALID_LOGIN"
    );
    assert!(
        a.headers
            .get(WWW_AUTHENTICATE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Bearer realm=\"1234567_SB1\"")
    );

    sb.faults().api(Fault::status(400), 1);
    let a = get(&restlet_probe(&sb), Some(&token)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["error"]["code"], "SSS_REQUEST_LIMIT_EXCEEDED");

    sb.faults().api(
        Fault::status(502)
            .with_body("<html>Bad Gateway</html>")
            .with_content_type("text/html"),
        1,
    );
    let a = get(&rest_probe(&sb), Some(&token)).await;
    assert_eq!(a.status, StatusCode::BAD_GATEWAY);
    assert_eq!(a.headers.get("content-type").unwrap(), "text/html");
    assert_eq!(a.text, "<html>Bad Gateway</html>");
}

#[tokio::test]
async fn fault_delay_holds_the_answer() {
    let sb = start().await;
    let token = token(&sb, json!("rest_webservices")).await;
    sb.faults()
        .api(Fault::status(503).with_delay(Duration::from_millis(200)), 1);
    let t = Instant::now();
    assert_eq!(
        get(&rest_probe(&sb), Some(&token)).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(t.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn token_faults_replace_the_token_endpoint() {
    let sb = start().await;
    sb.faults().token(Fault::status(503), 1);
    sb.faults()
        .token(Fault::status(200).with_body("{\"access_token\":"), 1);
    let assertion = good_assertion(&sb, json!("rest_webservices"));

    assert_oauth_error(
        &request_token(&sb, &assertion).await,
        503,
        "temporarily_unavailable",
    );
    let a = request_token(&sb, &assertion).await;
    assert_eq!(
        (a.status, a.text.as_str()),
        (StatusCode::OK, "{\"access_token\":")
    );
    let a = request_token(&sb, &assertion).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.json()["access_token"].is_string());

    let c = sb.counters();
    assert_eq!(
        (c.token_requests, c.tokens_issued, c.faults_injected),
        (3, 1, 2)
    );
    assert_eq!(c.api_requests, 0);
}

#[tokio::test]
async fn faults_can_be_cleared_and_counters_reset() {
    let sb = start().await;
    let token = token(&sb, json!("rest_webservices")).await;
    sb.faults().api(Fault::status(500), 3);
    sb.faults().token(Fault::status(500), 3);
    sb.faults().clear();
    assert_eq!(
        (sb.faults().pending_api(), sb.faults().pending_token()),
        (0, 0)
    );
    assert_eq!(
        get(&rest_probe(&sb), Some(&token)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(sb.counters().api_requests, 1);
    sb.reset_counters();
    assert_eq!(sb.counters(), Default::default());
}

#[tokio::test]
async fn concurrency_limit_can_change_at_runtime() {
    let sb = start_with(5, Duration::from_secs(1)).await;
    let token = token(&sb, json!("rest_webservices")).await;
    sb.set_concurrency_limit(1);
    let answers = burst(&rest_probe(&sb), &token, 3).await;
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        2
    );
    assert_eq!(sb.counters().max_in_flight, 1);
}
