//! Failures as the assistant sees them: argument errors naming the argument, path-injection attempts refused
//! before any request, NetSuite errors with status, code, detail, parameter and hint, cancellation, and no
//! secrets on stderr.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use std::time::Duration;

use netsuite_mcp::auth::Algorithm;
use netsuite_sandbox::Fault;
use serde_json::{Value, json};

use mcp_support::{eventually, sandbox_idle, spawn, text_of};

#[tokio::test]
async fn path_injection_attempts_are_refused_before_any_request() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &["--toolsets", "all"], &[]).await;
    let bad_types = [
        "../../auth",
        "..",
        "%2e%2e",
        "customer/../../auth",
        "customer?x=1",
        "customer#x",
        "cust omer",
        "kündé",
        "customer%2F1",
        "",
        " customer",
    ];
    for t in bad_types {
        for (tool, args) in [
            ("get_record", json!({"record_type": t, "id": "1"})),
            ("list_records", json!({"record_type": t})),
            ("delete_record", json!({"record_type": t, "id": "1"})),
            ("describe_record_type", json!({"record_type": t})),
        ] {
            let text = mcp.err(tool, args).await;
            assert!(text.contains("`record_type`"), "{tool} {t:?}: {text}");
        }
    }
    let bad_ids = [
        "../../auth",
        "1/../../auth",
        "%2e%2e",
        "1?expandSubResources=true",
        "1#x",
        "1 2",
        " 1",
        "١٢",
        "eid:../x",
        "eid:a/b",
        "eid:",
        "eid:a b",
        "-1",
    ];
    for id in bad_ids {
        for tool in ["get_record", "delete_record"] {
            let text = mcp
                .err(tool, json!({"record_type": "customer", "id": id}))
                .await;
            assert!(text.contains("`id`"), "{tool} {id:?}: {text}");
        }
        let text = mcp
            .err(
                "update_record",
                json!({"record_type": "customer", "id": id, "values": {"phone": "1"}}),
            )
            .await;
        assert!(text.contains("`id`"), "{id:?}: {text}");
    }
    let text = mcp
        .err(
            "upsert_record",
            json!({"record_type": "customer", "external_id": "../x", "values": {"a": 1}}),
        )
        .await;
    assert!(text.contains("`external_id`"), "{text}");
    let text = mcp
        .err(
            "get_record",
            json!({"record_type": "customer", "id": "1", "fields": ["a&b=c"]}),
        )
        .await;
    assert!(text.contains("`fields`"), "{text}");
    for (script, deploy) in [("1&deploy=2", "1"), ("1", "../x"), ("a b", "1")] {
        let text = mcp
            .err("call_restlet", json!({"script": script, "deploy": deploy}))
            .await;
        assert!(
            text.contains("`script`") || text.contains("`deploy`"),
            "{text}"
        );
    }
    let text = mcp
        .err(
            "call_restlet",
            json!({"script": "1", "deploy": "1", "params": {"script": "9"}}),
        )
        .await;
    assert!(text.contains("`params`"), "{text}");
    assert_eq!(
        account.sandbox.counters().api_requests,
        0,
        "no request may leave for a refused argument"
    );
    mcp.close().await;
}

#[tokio::test]
async fn argument_errors_name_the_argument() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    for (args, argument) in [
        (json!({}), "`query`"),
        (
            json!({"query": "SELECT 1 FROM dual", "limit": 5000}),
            "`limit`",
        ),
        (
            json!({"query": "SELECT 1 FROM dual", "limit": 0}),
            "`limit`",
        ),
        (
            json!({"query": "SELECT 1 FROM dual", "offset": -1}),
            "`offset`",
        ),
        (json!({"query": "SELECT 1 FROM dual", "limt": 5}), "`limt`"),
        (json!({"query": "  "}), "`query`"),
    ] {
        let text = mcp.err("run_suiteql", args.clone()).await;
        assert!(text.contains(argument), "{args}: {text}");
    }
    let text = mcp
        .err(
            "create_record",
            json!({"record_type": "customer", "values": "{\"companyname\":\"x\"}"}),
        )
        .await;
    assert!(
        text.contains("`values`"),
        "stringified JSON is refused: {text}"
    );
    let text = mcp
        .err(
            "create_record",
            json!({"record_type": "customer", "values": {}}),
        )
        .await;
    assert!(text.contains("`values`"), "{text}");
    assert_eq!(account.sandbox.counters().api_requests, 0);
    mcp.close().await;
}

fn body(status: u16, code: &str, detail: &str, extra: Value) -> String {
    let mut d = json!({"detail": detail, "o:errorCode": code});
    if let (Value::Object(d), Value::Object(extra)) = (&mut d, extra) {
        d.extend(extra);
    }
    json!({"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1", "title": "Bad Request",
           "status": status, "o:errorDetails": [d]})
    .to_string()
}

#[tokio::test]
async fn netsuite_errors_become_error_results_with_code_detail_parameter_and_hint() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &["--toolsets", "all"], &[]).await;

    let detail = "Invalid search query. Detailed unprocessed description follows. Search error occurred: Unknown identifier 'subsidiary'.";
    account.sandbox.faults().api(
        Fault::status(400).with_body(body(
            400,
            "INVALID_PARAMETER",
            detail,
            json!({"o:errorQueryParam": "q"}),
        )),
        1,
    );
    let text = mcp
        .err(
            "run_suiteql",
            json!({"query": "SELECT subsidiary FROM customer"}),
        )
        .await;
    for part in [
        "HTTP 400",
        "code: INVALID_PARAMETER",
        detail,
        "parameter: q",
        "describe_record_type",
        "FETCH FIRST",
    ] {
        assert!(text.contains(part), "{part:?} missing: {text}");
    }

    account.sandbox.faults().api(
        Fault::status(400).with_body(body(
            400,
            "INVALID_CONTENT",
            "Invalid value for field.",
            json!({"o:errorPath": "item.items[0].item"}),
        )),
        1,
    );
    let text = mcp
        .err(
            "create_record",
            json!({"record_type": "salesorder", "values": {"entity": {"id": "1"}}}),
        )
        .await;
    assert!(
        text.contains("INVALID_CONTENT") && text.contains("path: item.items[0].item"),
        "{text}"
    );

    account.sandbox.faults().api(
        Fault::status(403).with_body(body(
            403,
            "INSUFFICIENT_PERMISSION",
            "Permission Violation: You need a higher level of the 'Lists -> Vendors' permission.",
            json!({}),
        )),
        1,
    );
    let text = mcp
        .err("get_record", json!({"record_type": "vendor", "id": "5"}))
        .await;
    assert!(text.contains("HTTP 403") && text.contains("role"), "{text}");

    account.sandbox.faults().api(
        Fault::status(404).with_body(body(
            404,
            "NONEXISTENT_ID",
            "Record does not exist.",
            json!({}),
        )),
        1,
    );
    let text = mcp
        .err(
            "delete_record",
            json!({"record_type": "customer", "id": "999999"}),
        )
        .await;
    assert!(
        text.contains("NONEXISTENT_ID") && text.contains("Record does not exist."),
        "{text}"
    );

    // The concurrency limit, still exceeded after the client's retries.
    account
        .sandbox
        .faults()
        .api(Fault::status(429).with_retry_after(0), 20);
    let text = mcp
        .err("list_records", json!({"record_type": "customer"}))
        .await;
    assert!(
        text.contains("CONCURRENCY_LIMIT_EXCEEDED") && text.contains("try again"),
        "{text}"
    );
    assert!(text.contains("attempts: 5"), "{text}");
    account.sandbox.faults().clear();

    // RESTlet errors keep their own shape.
    account.sandbox.faults().api(
        Fault::status(400).with_body(json!({"error": {"code": "SSS_INVALID_SCRIPTLET_ID", "message": "That Suitelet is invalid, disabled, or no longer exists."}}).to_string()),
        1,
    );
    let text = mcp
        .err("call_restlet", json!({"script": "9999", "deploy": "1"}))
        .await;
    assert!(
        text.contains("SSS_INVALID_SCRIPTLET_ID") && text.contains("no longer exists"),
        "{text}"
    );
    mcp.close().await;
}

#[tokio::test]
async fn a_cut_result_stays_within_the_budget_and_says_where_to_continue() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[("NETSUITE_MCP_MAX_RESULT_CHARS", "5000")]).await;
    let items: Vec<Value> = (0..200)
        .map(|i| json!({"links": [], "id": i.to_string(), "memo": "x".repeat(200)}))
        .collect();
    let page = json!({"links": [], "count": 200, "hasMore": true, "offset": 0, "totalResults": 900, "items": items});
    account.sandbox.faults().api(
        Fault::status(200)
            .with_body(page.to_string())
            .with_content_type("application/json"),
        1,
    );
    let r = mcp
        .ok(
            "run_suiteql",
            json!({"query": "SELECT id, memo FROM transaction", "limit": 200}),
        )
        .await;
    assert!(r.to_string().len() <= 5000, "{}", r.to_string().len());
    let kept = r["row_count"].as_u64().unwrap();
    assert!(kept > 5 && kept < 200, "{kept}");
    assert_eq!(r["rows"].as_array().unwrap().len() as u64, kept);
    assert_eq!(r["truncated"], true);
    assert_eq!(r["has_more"], true);
    assert_eq!(r["next_offset"], kept);
    assert_eq!(r["columns"], json!(["id", "memo"]));
    assert_eq!(r["rows"][3], json!(["3", "x".repeat(200)]));
    assert!(
        r["note"]
            .as_str()
            .unwrap()
            .contains(&format!("offset={kept}"))
    );
    mcp.close().await;
}

#[tokio::test]
async fn a_cancelled_call_stops_its_netsuite_request() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    // Fetch the token first, so the slow part is the API request itself.
    account.sandbox.faults().api(
        Fault::status(200)
            .with_body(r#"{"items":[]}"#)
            .with_content_type("application/json"),
        1,
    );
    mcp.ok("list_record_types", json!({})).await;
    account.sandbox.set_latency(Duration::from_secs(60));
    let call = mcp.try_call("run_suiteql", json!({"query": "SELECT id FROM customer"}));
    // Dropping the client's call future sends notifications/cancelled.
    let timed_out = tokio::time::timeout(Duration::from_millis(700), call).await;
    assert!(
        timed_out.is_err(),
        "the call should still be waiting on the sandbox"
    );
    assert!(
        eventually(Duration::from_secs(1), || account
            .sandbox
            .counters()
            .max_in_flight
            >= 1)
        .await,
        "the request reached the sandbox"
    );
    assert!(
        sandbox_idle(&account).await,
        "the NetSuite request is still in flight after the cancellation"
    );
    account.sandbox.set_latency(Duration::ZERO);
    // The server is still healthy afterwards.
    let text = mcp
        .err("get_record", json!({"record_type": "customer", "id": "x"}))
        .await;
    assert!(text.contains("`id`"));
    let stderr = mcp.close().await;
    assert!(stderr.contains("cancelled"), "{stderr}");
}

#[tokio::test]
async fn stderr_carries_logs_but_no_secrets_and_stdout_only_protocol() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &["--toolsets", "all"], &[("RUST_LOG", "trace")]).await;
    account.sandbox.faults().api(
        Fault::status(200)
            .with_body(r#"{"items":[{"name":"customer"}]}"#)
            .with_content_type("application/json"),
        1,
    );
    mcp.ok("list_record_types", json!({})).await;
    account.sandbox.faults().api(Fault::status(401), 1);
    account.sandbox.faults().api(
        Fault::status(200)
            .with_body(r#"{"items":[]}"#)
            .with_content_type("application/json"),
        1,
    );
    // A record type not described yet: the record-type list above is cached, a new schema is not.
    mcp.ok("describe_record_type", json!({"record_type": "vendor"}))
        .await;
    let _ = mcp
        .err("get_record", json!({"record_type": "customer", "id": "1"}))
        .await;
    let stderr = mcp.close().await;
    assert!(
        stderr.contains("list_record_types"),
        "logs name the tool: {stderr}"
    );
    assert!(
        account.sandbox.counters().tokens_issued >= 2,
        "a token was refreshed"
    );
    common::assert_no_secrets(
        &stderr,
        &account.key_pem,
        &["Bearer ey", "client_assertion="],
    );
    let _ = text_of;
}
