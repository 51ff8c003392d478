//! The API client against the sandbox: refresh on 401, retries that never repeat a write, the concurrency
//! limit, and NetSuite's error bodies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use common::*;
use netsuite_mcp::auth::Algorithm;
use netsuite_mcp::netsuite::{ApiRequest, NetSuiteError, RECORD_PATH};
use netsuite_sandbox::Fault;
use reqwest::Method;

fn create_customer(client: &netsuite_mcp::netsuite::NetSuiteClient) -> ApiRequest {
    ApiRequest::new(
        Method::POST,
        client.endpoints().rest_url(RECORD_PATH, &["customer"]),
    )
    .json(&serde_json::json!({"companyName": "Retry Test Ltd", "subsidiary": {"id": "1"}}))
}

#[tokio::test]
async fn a_401_drops_the_token_fetches_a_new_one_and_retries_once() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    client.metadata_catalog("customer").await.unwrap();
    account.sandbox.expire_all_tokens();
    client
        .metadata_catalog("customer")
        .await
        .expect("recovered with a new token");
    let c = account.sandbox.counters();
    assert_eq!(c.token_requests, 2);
    assert_eq!(c.rejected_unauthorized, 1);
}

#[tokio::test]
async fn a_second_401_is_reported_not_looped() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    account.sandbox.faults().api(Fault::status(401), 5);
    let err = client.metadata_catalog("customer").await.unwrap_err();
    match &err {
        NetSuiteError::Api(api) => {
            assert_eq!(api.status, 401);
            assert!(
                api.hint().contains("Log in using OAuth 2.0 Access Tokens"),
                "{}",
                api.hint()
            );
        }
        other => panic!("{other:?}"),
    }
    let c = account.sandbox.counters();
    assert_eq!(c.token_requests, 2, "one refresh");
    assert_eq!(
        account.sandbox.faults().pending_api(),
        3,
        "exactly two API attempts"
    );
}

#[tokio::test]
async fn a_429_is_retried_until_it_succeeds() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    account.sandbox.faults().api(Fault::status(429), 2);
    client
        .metadata_catalog("customer")
        .await
        .expect("third attempt succeeds");
    assert_eq!(account.sandbox.faults().pending_api(), 0);
    assert_eq!(account.sandbox.counters().authorized_api_requests, 3);
}

#[tokio::test]
async fn a_429_on_a_post_is_retried_because_netsuite_did_not_run_it() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    account.sandbox.faults().api(Fault::status(429), 1);
    let response = client.send(create_customer(&client)).await.unwrap();
    assert_eq!(response.status, 204);
    assert!(response.location_id().is_some());
}

#[tokio::test]
async fn a_retry_after_longer_than_the_client_may_wait_ends_the_attempts() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    // fast_retries waits at most 200 ms between attempts; NetSuite asks for 1 s.
    account
        .sandbox
        .faults()
        .api(Fault::status(429).with_retry_after(1), 1);
    let err = client.metadata_catalog("customer").await.unwrap_err();
    let NetSuiteError::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 429);
    assert_eq!(
        account.sandbox.counters().authorized_api_requests,
        1,
        "not retried early"
    );
}

#[tokio::test]
async fn a_retry_after_within_the_budget_is_waited_for() {
    let account = start(Algorithm::ES256).await;
    let mut options = fast_retries();
    options.retry.max_delay = Duration::from_secs(2);
    let client = netsuite_mcp::commands::wiring::netsuite_client(
        account.settings().netsuite().unwrap(),
        options,
    )
    .unwrap();
    account
        .sandbox
        .faults()
        .api(Fault::status(429).with_retry_after(1), 1);
    let started = std::time::Instant::now();
    client.metadata_catalog("customer").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retried sooner than asked"
    );
    assert_eq!(account.sandbox.counters().authorized_api_requests, 2);
}

#[tokio::test]
async fn a_restlet_get_is_not_repeated_after_a_server_error_but_is_after_the_concurrency_error() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    let call = || {
        client.call_restlet(
            "customscript_echo",
            "customdeploy_echo",
            Method::GET,
            &[],
            None,
        )
    };
    // A script may write on a GET: after a 500 it may have run, so it is not sent again.
    account.sandbox.faults().api(Fault::status(500), 1);
    assert!(call().await.is_err());
    assert_eq!(account.sandbox.counters().authorized_api_requests, 1);
    // Over the account limit a RESTlet answers 400 SSS_REQUEST_LIMIT_EXCEEDED: it did not run, so retry.
    account.sandbox.faults().api(
        Fault::status(400)
            .with_body(r#"{"error":{"code":"SSS_REQUEST_LIMIT_EXCEEDED","message":"Request limit exceeded"}}"#)
            .with_content_type("application/json"),
        1,
    );
    let ok = call().await.expect("retried after the limit error");
    assert_eq!(ok.status, 200);
    assert_eq!(account.sandbox.counters().authorized_api_requests, 3);
}

#[tokio::test]
async fn persistent_429s_end_with_the_concurrency_error_after_the_attempt_budget() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    account.sandbox.faults().api(Fault::status(429), 10);
    let err = client.metadata_catalog("customer").await.unwrap_err();
    let NetSuiteError::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code(), Some("CONCURRENCY_LIMIT_EXCEEDED"));
    assert_eq!(api.attempts, 4);
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
    assert_eq!(account.sandbox.faults().pending_api(), 6);
}

#[tokio::test]
async fn a_500_on_a_post_is_not_repeated() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    account.sandbox.faults().api(Fault::status(500), 1);
    let err = client.send(create_customer(&client)).await.unwrap_err();
    let NetSuiteError::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 500);
    assert_eq!(api.code(), Some("UNEXPECTED_ERROR"));
    assert_eq!(
        account.sandbox.counters().authorized_api_requests,
        1,
        "sent once"
    );
}

#[tokio::test]
async fn a_503_on_a_get_and_on_suiteql_is_retried() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    account.sandbox.faults().api(Fault::status(503), 1);
    client.metadata_catalog("customer").await.unwrap();
    account.sandbox.faults().api(Fault::status(500), 1);
    client
        .suiteql_page("SELECT id FROM customer", 5, 0)
        .await
        .expect("SuiteQL is a read");
    assert_eq!(account.sandbox.counters().authorized_api_requests, 4);
}

#[tokio::test]
async fn malformed_json_from_netsuite_is_a_clear_error() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    account.sandbox.faults().api(
        Fault::status(200)
            .with_body("{\"items\": [")
            .with_content_type("application/json"),
        1,
    );
    let err = client.metadata_catalog("customer").await.unwrap_err();
    assert!(
        matches!(err, NetSuiteError::BadResponse { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn never_more_requests_in_flight_than_the_configured_limit() {
    let account = start(Algorithm::ES256).await;
    account.sandbox.set_latency(Duration::from_millis(100));
    let mut settings = account.settings();
    settings.max_concurrency = Some(3);
    let client = client_for(settings);
    let calls: Vec<_> = (0..12)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.suiteql_page("SELECT id FROM customer", 1, 0).await })
        })
        .collect();
    for h in calls {
        h.await.unwrap().unwrap();
    }
    let c = account.sandbox.counters();
    assert_eq!(c.rejected_concurrency, 0);
    assert!(c.max_in_flight <= 3, "{c:?}");
    assert_eq!(
        c.max_in_flight, 3,
        "the limit is used, not just respected: {c:?}"
    );
}

#[tokio::test]
async fn a_cancelled_call_stops_its_request() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    client.tokens().unwrap().access_token().await.unwrap();
    account.sandbox.set_latency(Duration::from_secs(5));
    let call = tokio::spawn({
        let c = client.clone();
        async move { c.metadata_catalog("customer").await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(account.sandbox.counters().in_flight, 1);
    call.abort();
    let _ = call.await;
    let mut waited = 0;
    while account.sandbox.counters().in_flight != 0 && waited < 40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    assert_eq!(
        account.sandbox.counters().in_flight,
        0,
        "the server saw the request go away"
    );
}

/// 24 transactions × 125 customers = 3000 rows in a stable order.
const ROWS_3000: &str = "SELECT t.id AS tran, c.id AS cust FROM transaction t CROSS JOIN customer c \
WHERE t.id <= 24 ORDER BY t.id, c.id";

#[tokio::test]
async fn a_whole_result_is_fetched_in_order_and_says_whether_rows_were_left_out() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    let by_page = {
        let mut rows = Vec::new();
        for offset in [0, 1000, 2000] {
            let page = client.suiteql(ROWS_3000, offset, 1000).await.unwrap();
            rows.extend(page.rows);
        }
        rows
    };
    for (max_rows, limit_reached) in [(3000, false), (100_000, false), (2999, true), (2500, true)] {
        let mut seen = Vec::new();
        let all = client
            .suiteql_all(ROWS_3000, max_rows, |n, total| {
                seen.push((n, total));
                async {}
            })
            .await
            .unwrap();
        let expected = usize::try_from(max_rows.min(3000)).unwrap();
        assert_eq!(all.rows, by_page[..expected], "max_rows {max_rows}");
        assert_eq!(all.limit_reached, limit_reached, "max_rows {max_rows}");
        assert_eq!(all.total_results, Some(3000));
        assert_eq!(all.pages, 3);
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
        assert_eq!(seen.last(), Some(&(expected as u64, Some(3000))));
    }
    // A small export is one request of just that many rows.
    account.sandbox.reset_counters();
    let all = client
        .suiteql_all(ROWS_3000, 10, |_, _| async {})
        .await
        .unwrap();
    assert_eq!(
        (all.rows.len(), all.pages, all.limit_reached),
        (10, 1, true)
    );
    assert_eq!(account.sandbox.counters().api_requests, 1);
}

#[tokio::test]
async fn a_result_paged_up_to_netsuites_ceiling_is_not_called_whole() {
    let account = start(Algorithm::ES256).await;
    let client = account.client();
    // ~660 × ~660 transactions: far more rows than NetSuite pages through for one query.
    let query = "SELECT t.id AS a, l.id AS b FROM transaction t CROSS JOIN transaction l";
    let all = client
        .suiteql_all(
            query,
            netsuite_mcp::netsuite::MAX_QUERY_ROWS,
            |_, _| async {},
        )
        .await
        .unwrap();
    assert_eq!(all.rows.len(), 100_000);
    assert_eq!(all.pages, 100);
    assert!(
        all.limit_reached,
        "the ceiling was reached: more rows cannot be ruled out (total {:?})",
        all.total_results
    );
}
