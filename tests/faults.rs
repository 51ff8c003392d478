//! The fault suite: the real binary over stdio against a sandbox that breaks on purpose. For every fault the
//! server keeps serving, the model gets a clear result, and nothing is written twice. Deterministic and
//! bounded: short retry and timeout knobs, injected faults instead of races, no wall-clock assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use std::time::Duration;

use netsuite_mcp::auth::Algorithm;
use netsuite_sandbox::Fault;
use serde_json::{Value, json};

use common::TestAccount;
use mcp_support::{Mcp, sandbox_idle, spawn};

/// Quick retries and timeouts, trace logging (so the secrets check sees everything).
const FAST: &[(&str, &str)] = &[
    ("NETSUITE_RETRY_BASE_DELAY_MS", "5"),
    ("NETSUITE_RETRY_MAX_DELAY_MS", "40"),
    ("NETSUITE_REQUEST_TIMEOUT_MS", "3000"),
    ("RUST_LOG", "trace"),
];

async fn start() -> (TestAccount, Mcp) {
    start_with(&[]).await
}

async fn start_with(extra: &[(&str, &str)]) -> (TestAccount, Mcp) {
    let account = common::start(Algorithm::ES256).await;
    let mut env: Vec<(&str, &str)> = FAST.to_vec();
    env.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    env.extend_from_slice(extra);
    let mcp = spawn(&account, &["--toolsets", "all"], &env).await;
    (account, mcp)
}

/// A NetSuite 200 with this JSON body.
fn ok_json(body: Value) -> Fault {
    Fault::status(200)
        .with_body(body.to_string())
        .with_content_type("application/json")
}

fn catalog_page() -> Fault {
    ok_json(json!({"items": [{"name": "customer", "links": []}, {"name": "invoice", "links": []}]}))
}

fn suiteql_page() -> Fault {
    ok_json(
        json!({"links": [], "count": 2, "hasMore": false, "offset": 0, "totalResults": 2,
        "items": [{"links": [], "id": "1", "companyname": "Acme"}, {"links": [], "id": "2", "companyname": "Cedar"}]}),
    )
}

fn record_body() -> Fault {
    ok_json(json!({"links": [], "id": "7", "companyName": "Acme", "email": "ap@acme.example"}))
}

/// The server still answers a read that reaches NetSuite: the proof that a fault left it serving. (A SuiteQL
/// query, not list_record_types: the record-type list is cached after its first answer.)
async fn still_serving(account: &TestAccount, mcp: &Mcp) {
    account.sandbox.faults().api(suiteql_page(), 1);
    let r = mcp
        .ok(
            "run_suiteql",
            json!({"query": "SELECT id, companyname FROM customer"}),
        )
        .await;
    assert_eq!(r["row_count"], 2, "{r}");
    assert!(r.to_string().contains("Cedar"), "{r}");
}

/// API requests that reached the sandbox while `f` ran.
async fn api_requests_during<T>(account: &TestAccount, f: impl Future<Output = T>) -> (T, u64) {
    let before = account.sandbox.counters().api_requests;
    let out = f.await;
    (out, account.sandbox.counters().api_requests - before)
}

#[tokio::test]
async fn a_token_that_expires_or_is_revoked_mid_run_is_replaced_once_and_the_call_succeeds() {
    let (account, mcp) = start().await;
    still_serving(&account, &mcp).await;
    assert_eq!(account.sandbox.counters().tokens_issued, 1);

    for (round, kill) in [
        ("expired", TestAccount::expire as fn(&TestAccount)),
        ("revoked", TestAccount::revoke),
    ] {
        kill(&account);
        let before = account.sandbox.counters();
        account.sandbox.faults().api(suiteql_page(), 1);
        let r = mcp
            .ok(
                "run_suiteql",
                json!({"query": "SELECT id, companyname FROM customer"}),
            )
            .await;
        assert_eq!(r["row_count"], 2, "{round}: {r}");
        let after = account.sandbox.counters();
        assert_eq!(
            after.tokens_issued - before.tokens_issued,
            1,
            "{round}: one new token"
        );
        assert_eq!(
            after.rejected_unauthorized - before.rejected_unauthorized,
            1,
            "{round}: one 401, then the new token worked"
        );
    }
    mcp.close().await;
}

impl TestAccount {
    fn expire(&self) {
        self.sandbox.expire_all_tokens();
    }
    fn revoke(&self) {
        self.sandbox.revoke_all_tokens();
    }
}

#[tokio::test]
async fn a_401_that_persists_with_a_fresh_token_is_reported_once_without_a_loop() {
    let (account, mcp) = start().await;
    still_serving(&account, &mcp).await;
    account.sandbox.faults().api(Fault::status(401), 5);
    let before = account.sandbox.counters();
    let text = mcp
        .err("get_record", json!({"record_type": "customer", "id": "7"}))
        .await;
    for part in [
        "HTTP 401",
        "INVALID_LOGIN",
        "Log in using OAuth 2.0 Access Tokens",
    ] {
        assert!(text.contains(part), "{part:?} missing: {text}");
    }
    let after = account.sandbox.counters();
    assert_eq!(
        after.api_requests - before.api_requests,
        2,
        "the first send and one retry"
    );
    assert_eq!(
        after.tokens_issued - before.tokens_issued,
        1,
        "one refresh, no loop"
    );
    account.sandbox.faults().clear();
    still_serving(&account, &mcp).await;
    mcp.close().await;
}

#[tokio::test]
async fn the_token_endpoint_down_then_back() {
    let (account, mcp) = start_with(&[("NETSUITE_REQUEST_TIMEOUT_MS", "400")]).await;

    // 503 from the token endpoint on a cold cache: nothing reaches the API, the model is told to retry.
    account.sandbox.faults().token(Fault::status(503), 1);
    let (text, sent) = api_requests_during(
        &account,
        mcp.err("run_suiteql", json!({"query": "SELECT id FROM customer"})),
    )
    .await;
    assert_eq!(sent, 0);
    for part in ["Could not authenticate", "503", "Try again shortly"] {
        assert!(text.contains(part), "{part:?} missing: {text}");
    }
    assert!(!text.contains("Retrying will not help"), "{text}");

    // A token endpoint that hangs: the request times out, same advice.
    account
        .sandbox
        .faults()
        .token(Fault::status(200).with_delay(Duration::from_secs(5)), 1);
    let text = mcp
        .err("get_record", json!({"record_type": "customer", "id": "7"}))
        .await;
    assert!(
        text.contains("timed out") && text.contains("Try again shortly"),
        "{text}"
    );

    // A token endpoint answering garbage with 502.
    account.sandbox.faults().token(
        Fault::status(502)
            .with_body("<html>Bad Gateway</html>")
            .with_content_type("text/html"),
        1,
    );
    let text = mcp.err("list_record_types", json!({})).await;
    assert!(
        text.contains("502") && text.contains("Try again shortly"),
        "{text}"
    );

    // A real refusal is not transient: it says so.
    account.sandbox.faults().token(
        Fault::status(400).with_body(r#"{"error":"invalid_grant"}"#),
        1,
    );
    let text = mcp.err("list_record_types", json!({})).await;
    assert!(
        text.contains("invalid_grant") && text.contains("Retrying will not help"),
        "{text}"
    );

    // Back: the next call fetches a token and succeeds.
    let before = account.sandbox.counters().tokens_issued;
    still_serving(&account, &mcp).await;
    assert_eq!(account.sandbox.counters().tokens_issued - before, 1);
    mcp.close().await;
}

#[tokio::test]
async fn a_429_storm_is_absorbed_by_retries_and_a_longer_one_is_reported_clearly() {
    let (account, mcp) = start().await;
    still_serving(&account, &mcp).await;

    account.sandbox.faults().api(Fault::status(429), 3);
    account.sandbox.faults().api(suiteql_page(), 1);
    let (r, sent) = api_requests_during(
        &account,
        mcp.ok(
            "run_suiteql",
            json!({"query": "SELECT id, companyname FROM customer"}),
        ),
    )
    .await;
    assert_eq!(r["row_count"], 2);
    assert_eq!(sent, 4, "three 429s retried, then the answer");

    // A write is retried on 429 too (NetSuite did not run it); it is then sent exactly once more.
    account
        .sandbox
        .faults()
        .api(Fault::status(429).with_retry_after(0), 2);
    account.sandbox.faults().api(Fault::status(400), 1);
    let (_, sent) = api_requests_during(
        &account,
        mcp.err(
            "create_record",
            json!({"record_type": "customer", "values": {"companyname": "X"}}),
        ),
    )
    .await;
    assert_eq!(sent, 3);

    // Longer than the retry budget (5 attempts): a clear error, and the rest of the storm is not consumed.
    account.sandbox.faults().api(Fault::status(429), 12);
    let (text, sent) = api_requests_during(
        &account,
        mcp.err("list_records", json!({"record_type": "customer"})),
    )
    .await;
    assert_eq!(sent, 5);
    for part in [
        "HTTP 429",
        "CONCURRENCY_LIMIT_EXCEEDED",
        "attempts: 5",
        "try again shortly",
    ] {
        assert!(text.contains(part), "{part:?} missing: {text}");
    }
    assert_eq!(account.sandbox.faults().pending_api(), 7);
    account.sandbox.faults().clear();

    // Concurrent calls during a storm: each gets an answer (success or the clear 429 result), none is lost.
    account.sandbox.faults().api(Fault::status(429), 6);
    account.sandbox.faults().api(catalog_page(), 20);
    let calls = (0..8).map(|_| mcp.try_call("list_record_types", json!({})));
    let results = futures_join_all(calls).await;
    assert_eq!(results.len(), 8);
    for r in results {
        let r = r.expect("a tool result, not a protocol error");
        if r.is_error == Some(true) {
            assert!(mcp_support::text_of(&r).contains("CONCURRENCY_LIMIT_EXCEEDED"));
        }
    }
    account.sandbox.faults().clear();
    still_serving(&account, &mcp).await;
    mcp.close().await;
}

async fn futures_join_all<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(f);
    }
    let mut out = Vec::with_capacity(set.len());
    // Poll all of them concurrently on this task.
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = set.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if done[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => done[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(done.into_iter().flatten());
    out
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_and_never_for_writes() {
    let (account, mcp) = start().await;
    still_serving(&account, &mcp).await;

    // GET: 500, 503 then the record.
    account.sandbox.faults().api(Fault::status(500), 1);
    account.sandbox.faults().api(Fault::status(503), 1);
    account.sandbox.faults().api(record_body(), 1);
    let (r, sent) = api_requests_during(
        &account,
        mcp.ok("get_record", json!({"record_type": "customer", "id": "7"})),
    )
    .await;
    assert_eq!((r["companyName"].as_str(), sent), (Some("Acme"), 3), "{r}");

    // SuiteQL is a POST that only reads: retried like a GET.
    account.sandbox.faults().api(Fault::status(503), 2);
    account.sandbox.faults().api(suiteql_page(), 1);
    let (r, sent) = api_requests_during(
        &account,
        mcp.ok(
            "run_suiteql",
            json!({"query": "SELECT id, companyname FROM customer"}),
        ),
    )
    .await;
    assert_eq!((r["row_count"].as_u64(), sent), (Some(2), 3));

    // Writes: sent exactly once, and the model is told the outcome is unknown.
    let writes = [
        (
            "create_record",
            json!({"record_type": "customer", "values": {"companyname": "Once Inc."}}),
        ),
        (
            "update_record",
            json!({"record_type": "customer", "id": "7", "values": {"phone": "555"}}),
        ),
        (
            "upsert_record",
            json!({"record_type": "customer", "external_id": "ONCE-1", "values": {"companyname": "Once"}}),
        ),
        (
            "delete_record",
            json!({"record_type": "customer", "id": "7"}),
        ),
        (
            "call_restlet",
            json!({"script": "10", "deploy": "1", "method": "POST", "body": {"a": 1}}),
        ),
    ];
    for status in [500, 502, 503] {
        for (tool, args) in &writes {
            account.sandbox.faults().api(Fault::status(status), 3);
            let (text, sent) = api_requests_during(&account, mcp.err(tool, args.clone())).await;
            assert_eq!(sent, 1, "{tool} after {status} was sent {sent} times");
            assert!(text.contains(&status.to_string()), "{tool}: {text}");
            assert!(
                text.contains("not retried") && text.contains("Check first"),
                "{tool} {status}: the model must be told to check before retrying: {text}"
            );
            account.sandbox.faults().clear();
        }
    }
    // A refused write (4xx) did not happen: no uncertainty warning.
    account.sandbox.faults().api(Fault::status(400), 1);
    let text = mcp.err(writes[0].0, writes[0].1.clone()).await;
    assert!(!text.contains("Check first"), "{text}");
    still_serving(&account, &mcp).await;
    mcp.close().await;
}

#[tokio::test]
async fn upstream_timeouts_retry_reads_and_never_repeat_writes() {
    let (account, mcp) = start_with(&[("NETSUITE_REQUEST_TIMEOUT_MS", "300")]).await;
    still_serving(&account, &mcp).await;
    let slow = || {
        Fault::status(200)
            .with_delay(Duration::from_secs(3))
            .with_body("{}")
    };

    account.sandbox.faults().api(slow(), 1);
    account.sandbox.faults().api(record_body(), 1);
    let (r, sent) = api_requests_during(
        &account,
        mcp.ok("get_record", json!({"record_type": "customer", "id": "7"})),
    )
    .await;
    assert_eq!((r["id"].as_str(), sent), (Some("7"), 2));

    // Every attempt times out: a clear error after the retry budget.
    account.sandbox.faults().api(slow(), 5);
    let (text, sent) = api_requests_during(
        &account,
        mcp.err("run_suiteql", json!({"query": "SELECT id FROM customer"})),
    )
    .await;
    assert_eq!(sent, 5);
    assert!(
        text.contains("timed out") && text.contains("try again"),
        "{text}"
    );

    account.sandbox.faults().clear();
    account.sandbox.faults().api(slow(), 2);
    let (text, sent) = api_requests_during(
        &account,
        mcp.err(
            "create_record",
            json!({"record_type": "customer", "values": {"companyname": "Slow"}}),
        ),
    )
    .await;
    assert_eq!(sent, 1, "a timed-out create is never sent again");
    assert!(
        text.contains("timed out") && text.contains("Check first"),
        "{text}"
    );
    // Even after the slow answer would have arrived, no second send happened.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(account.sandbox.faults().pending_api(), 1);
    account.sandbox.faults().clear();
    still_serving(&account, &mcp).await;
    mcp.close().await;
}

#[tokio::test]
async fn malformed_and_truncated_json_from_netsuite_is_a_clear_error() {
    let (account, mcp) = start().await;
    still_serving(&account, &mcp).await;
    let full = json!({"links": [], "count": 1, "hasMore": false, "offset": 0, "totalResults": 1,
        "items": [{"links": [], "id": "1", "companyname": "Acme"}]})
    .to_string();
    let bodies = [
        full[..full.len() / 2].to_owned(),
        full[..full.len() - 1].to_owned(),
        "{\"items\": [".to_owned(),
        "<html><body>Service Unavailable</body></html>".to_owned(),
        String::new(),
        "not json at all".to_owned(),
        "{\"items\": 5}".to_owned(),
        "\u{0}\u{1}\u{2}".to_owned(),
    ];
    for body in &bodies {
        account.sandbox.faults().api(
            Fault::status(200)
                .with_body(body.clone())
                .with_content_type("application/json"),
            1,
        );
        let (text, sent) = api_requests_during(
            &account,
            mcp.err(
                "run_suiteql",
                json!({"query": "SELECT id, companyname FROM customer"}),
            ),
        )
        .await;
        assert_eq!(sent, 1, "a bad answer is not retried");
        assert!(
            text.contains("HTTP 200") && text.contains("could not be read"),
            "{body:?}: {text}"
        );
        if serde_json::from_str::<Value>(body).is_ok() {
            continue; // valid JSON is a valid record body
        }
        account.sandbox.faults().api(
            Fault::status(200)
                .with_body(body.clone())
                .with_content_type("application/json"),
            1,
        );
        let text = mcp
            .err("get_record", json!({"record_type": "customer", "id": "7"}))
            .await;
        assert!(
            text.contains("HTTP 200") && text.contains("could not be read"),
            "{body:?}: {text}"
        );
    }
    // Malformed error bodies still give the status and a hint.
    for (status, body) in [
        (400, "{\"o:errorDetails\": [{\"detail\""),
        (500, "<html>oops</html>"),
    ] {
        account
            .sandbox
            .faults()
            .api(Fault::status(status).with_body(body), 5);
        let text = mcp
            .err("get_record", json!({"record_type": "customer", "id": "7"}))
            .await;
        assert!(
            text.contains(&format!("HTTP {status}")) && text.contains("hint:"),
            "{text}"
        );
        account.sandbox.faults().clear();
    }
    still_serving(&account, &mcp).await;
    mcp.close().await;
}

#[tokio::test]
async fn a_huge_response_is_refused_and_a_large_one_is_cut_to_the_budget() {
    let (account, mcp) = start().await;
    still_serving(&account, &mcp).await;
    // Over the 64 MiB read limit: refused without buffering it all, and not retried.
    let huge = format!("{{\"items\": [\"{}\"]}}", "x".repeat(65 * 1024 * 1024));
    account.sandbox.faults().api(
        Fault::status(200)
            .with_body(huge)
            .with_content_type("application/json"),
        1,
    );
    let (text, sent) = api_requests_during(
        &account,
        mcp.err("run_suiteql", json!({"query": "SELECT id FROM customer"})),
    )
    .await;
    assert_eq!(sent, 1);
    assert!(text.contains("larger than 64 MiB"), "{text}");

    // 1000 wide rows (about 5 MB): the result stays within the default budget and says where to continue.
    let items: Vec<Value> = (0..1000)
        .map(|i| json!({"links": [], "id": i.to_string(), "memo": "m".repeat(5000)}))
        .collect();
    account.sandbox.faults().api(
        ok_json(json!({"links": [], "count": 1000, "hasMore": true, "offset": 0, "totalResults": 5000, "items": items})),
        1,
    );
    let r = mcp
        .ok(
            "run_suiteql",
            json!({"query": "SELECT id, memo FROM transaction", "limit": 1000}),
        )
        .await;
    assert!(
        r.to_string().chars().count() <= 50_000,
        "{}",
        r.to_string().len()
    );
    assert_eq!(r["truncated"], true);
    assert_eq!(r["next_offset"], r["row_count"]);
    still_serving(&account, &mcp).await;
    mcp.close().await;
}

#[tokio::test]
async fn a_cancelled_slow_call_frees_its_slot_and_other_calls_keep_flowing() {
    let (account, mcp) = start().await;
    still_serving(&account, &mcp).await;

    // A slow read is cancelled by the client; meanwhile and afterwards other calls are answered.
    account.sandbox.faults().api(
        Fault::status(200)
            .with_delay(Duration::from_secs(30))
            .with_body("{}"),
        1,
    );
    let slow = mcp.try_call("run_suiteql", json!({"query": "SELECT id FROM customer"}));
    let cancelled = tokio::time::timeout(Duration::from_millis(500), slow).await;
    assert!(cancelled.is_err(), "the slow call was still waiting");
    assert!(
        sandbox_idle(&account).await,
        "the cancelled request still holds an account slot"
    );
    still_serving(&account, &mcp).await;

    // A cancelled write is not sent again.
    account.sandbox.faults().api(
        Fault::status(200)
            .with_delay(Duration::from_secs(30))
            .with_body("{}"),
        1,
    );
    let before = account.sandbox.counters().api_requests;
    let write = mcp.try_call(
        "create_record",
        json!({"record_type": "customer", "values": {"companyname": "Cancelled"}}),
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(500), write)
            .await
            .is_err()
    );
    assert!(sandbox_idle(&account).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(account.sandbox.counters().api_requests - before, 1);
    still_serving(&account, &mcp).await;
    let stderr = mcp.close().await;
    assert!(stderr.contains("cancelled"), "the cancellation is logged");
}

#[test]
fn the_secrets_check_catches_a_leak() {
    let key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
    let secrets = vec![key.to_owned()];
    mcp_support::assert_no_secrets("all quiet", &secrets);
    for leak in [
        "key: MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg",
        "authorization: Bearer eyJhbGciOiJQUzI1NiJ9.x.y",
        "client_assertion=abc",
    ] {
        let caught = std::panic::catch_unwind(|| mcp_support::assert_no_secrets(leak, &secrets));
        assert!(caught.is_err(), "{leak:?} was not caught");
    }
}
