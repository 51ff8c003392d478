//! Resources, prompts and completions through rmcp's client and the real binary on the sandbox: the SuiteQL guide
//! (every example query runs), the record-type template (its content is describe_record_type's, repeated reads
//! cost no NetSuite call), unknown URIs (-32002, resource not found), prompts whose queries run, and completions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use netsuite_mcp::auth::Algorithm;
use netsuite_mcp::server::prompts::PROMPTS;
use netsuite_mcp::server::resources::{guide_examples, sql_blocks};
use rmcp::model::{
    ArgumentInfo, CallToolRequestParams, CompleteRequestParams, GetPromptRequestParams,
    ReadResourceRequestParams, Reference, ResourceContents,
};
use serde_json::{Value, json};

use mcp_support::{Mcp, spawn};

async fn read(mcp: &Mcp, uri: &str) -> Result<(String, Option<String>), rmcp::ServiceError> {
    let r = mcp
        .client
        .read_resource(ReadResourceRequestParams::new(uri))
        .await?;
    match r.contents.into_iter().next().unwrap() {
        ResourceContents::TextResourceContents {
            text, mime_type, ..
        } => Ok((text, mime_type)),
        other => panic!("text expected, got {other:?}"),
    }
}

fn error_code(e: &rmcp::ServiceError) -> i32 {
    match e {
        rmcp::ServiceError::McpError(data) => data.code.0,
        other => panic!("a JSON-RPC error expected, got {other}"),
    }
}

fn error_message(e: &rmcp::ServiceError) -> String {
    match e {
        rmcp::ServiceError::McpError(data) => data.message.to_string(),
        other => panic!("a JSON-RPC error expected, got {other}"),
    }
}

async fn run(mcp: &Mcp, query: &str) -> Value {
    mcp.ok("run_suiteql", json!({"query": query, "limit": 100}))
        .await
}

#[tokio::test]
async fn the_guide_is_listed_and_every_example_query_runs_on_the_sandbox() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let listed = mcp.client.list_resources(None).await.unwrap();
    assert_eq!(listed.cache_scope, Some(rmcp::model::CacheScope::Private));
    assert!(listed.ttl_ms.is_some());
    let guide = listed
        .resources
        .iter()
        .find(|r| r.uri == "netsuite://guides/suiteql")
        .expect("the guide is listed");
    assert_eq!(guide.mime_type.as_deref(), Some("text/markdown"));
    assert!(
        listed.resources.iter().all(|r| !r.uri.starts_with("ui://")),
        "the app page is only for apps-capable clients"
    );

    let (text, mime) = read(&mcp, "netsuite://guides/suiteql").await.unwrap();
    assert_eq!(mime.as_deref(), Some("text/markdown"));
    let examples = sql_blocks(&text);
    assert_eq!(examples, guide_examples(), "served text is the guide");
    assert!(examples.len() >= 8);
    for query in &examples {
        let r = mcp
            .try_call("run_suiteql", json!({"query": query, "limit": 100}))
            .await
            .unwrap();
        assert_ne!(
            r.is_error,
            Some(true),
            "{query}\n→ {}",
            mcp_support::text_of(&r)
        );
        let rows = r.structured_content.unwrap()["rows"]
            .as_array()
            .unwrap()
            .len();
        assert!(rows > 0, "example returns no rows on the sandbox: {query}");
    }
    mcp.close().await;
}

#[tokio::test]
async fn record_type_resources_match_describe_and_repeated_reads_cost_one_netsuite_call() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let templates = mcp.client.list_resource_templates(None).await.unwrap();
    assert_eq!(
        templates
            .resource_templates
            .iter()
            .map(|t| t.uri_template.as_str())
            .collect::<Vec<_>>(),
        ["netsuite://record-types/{record_type}"]
    );

    let described = mcp
        .ok("describe_record_type", json!({"record_type": "customer"}))
        .await;
    account.sandbox.reset_counters();
    let (text, mime) = read(&mcp, "netsuite://record-types/customer")
        .await
        .unwrap();
    assert_eq!(mime.as_deref(), Some("application/json"));
    let resource: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        resource, described,
        "the resource is describe_record_type's result"
    );
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let peer = mcp.client.peer().clone();
        reads.spawn(async move {
            peer.read_resource(ReadResourceRequestParams::new(
                "netsuite://record-types/customer",
            ))
            .await
            .unwrap()
        });
    }
    while let Some(r) = reads.join_next().await {
        assert_eq!(r.unwrap().contents.len(), 1);
    }
    for _ in 0..5 {
        mcp.ok("describe_record_type", json!({"record_type": "customer"}))
            .await;
    }
    assert_eq!(
        account.sandbox.counters().api_requests,
        0,
        "describe was cached: reads and repeated describes made no NetSuite call"
    );

    // 20 concurrent first describes of another type: one NetSuite call.
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let peer = mcp.client.peer().clone();
        calls.spawn(async move {
            let args = json!({"record_type": "vendor"})
                .as_object()
                .cloned()
                .unwrap();
            peer.call_tool(CallToolRequestParams::new("describe_record_type").with_arguments(args))
                .await
                .unwrap()
        });
    }
    while let Some(r) = calls.join_next().await {
        assert_ne!(r.unwrap().is_error, Some(true));
    }
    assert_eq!(account.sandbox.counters().api_requests, 1);

    // A NetSuite 404 drops the cache: the next describe asks NetSuite again.
    mcp.err(
        "get_record",
        json!({"record_type": "customer", "id": "99999999"}),
    )
    .await;
    mcp.ok("describe_record_type", json!({"record_type": "customer"}))
        .await;
    assert_eq!(account.sandbox.counters().api_requests, 3);
    mcp.close().await;
}

#[tokio::test]
async fn unknown_uris_and_unknown_record_types_are_clear_errors() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    for uri in ["netsuite://nope", "file:///etc/passwd"] {
        let e = read(&mcp, uri).await.unwrap_err();
        // Resource not found, as this client's protocol version (before 2026-07-28) has it.
        assert_eq!(error_code(&e), -32002, "{uri}: {e}");
    }
    let e = read(&mcp, "netsuite://record-types/nosuchtype")
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), -32002);
    assert!(error_message(&e).contains("list_record_types"), "{e}");
    // A record type id that cannot be one is a bad argument.
    for uri in ["netsuite://record-types/", "netsuite://record-types/a%20b"] {
        let e = read(&mcp, uri).await.unwrap_err();
        assert_eq!(error_code(&e), -32602, "{uri}: {e}");
    }
    mcp.close().await;
}

fn prompt_text(r: &rmcp::model::GetPromptResult) -> String {
    serde_json::to_value(&r.messages[0].content).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_prompt_renders_a_query_that_runs_on_the_sandbox_and_bad_arguments_are_refused() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let listed = mcp.client.list_prompts(None).await.unwrap();
    assert_eq!(listed.prompts.len(), PROMPTS.len());
    assert_eq!(listed.cache_scope, Some(rmcp::model::CacheScope::Private));

    // A customer and a vendor that exist, for the name arguments.
    let customer = run(
        &mcp,
        "SELECT companyname FROM customer ORDER BY id FETCH FIRST 1 ROWS ONLY",
    )
    .await["rows"][0][0]
        .as_str()
        .unwrap()
        .to_owned();
    let sample = |name: &str| -> Option<&str> {
        match name {
            "as_of" | "end_date" => Some("2025-12-31"),
            "start_date" | "since" => Some("2024-01-01"),
            "limit" => Some("5"),
            _ => None,
        }
    };
    for p in &listed.prompts {
        let mut args = serde_json::Map::new();
        for a in p.arguments.as_deref().unwrap_or_default() {
            let v = match a.name.as_str() {
                "customer" => customer.clone(),
                "vendor" => String::new(),
                other => sample(other).unwrap().to_owned(),
            };
            if !v.is_empty() {
                args.insert(a.name.clone(), Value::from(v));
            }
        }
        let r = mcp
            .client
            .get_prompt(GetPromptRequestParams::new(p.name.clone()).with_arguments(args))
            .await
            .unwrap();
        let text = prompt_text(&r);
        let queries = sql_blocks(&text);
        assert_eq!(queries.len(), 1, "{}: {text}", p.name);
        let rows = run(&mcp, &queries[0]).await["rows"]
            .as_array()
            .unwrap()
            .len();
        assert!(rows > 0, "{}: no rows from {}", p.name, queries[0]);
    }

    let e = mcp
        .client
        .get_prompt(
            GetPromptRequestParams::new("top_items_by_revenue").with_arguments(
                json!({"start_date": "2025-13-01", "end_date": "2025-12-31"})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), -32602);
    assert!(error_message(&e).contains("start_date"), "{e}");
    let e = mcp
        .client
        .get_prompt(GetPromptRequestParams::new("no_such_prompt"))
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), -32602);
    mcp.close().await;
}

async fn complete(
    mcp: &Mcp,
    r#ref: Reference,
    name: &str,
    value: &str,
) -> rmcp::model::CompletionInfo {
    mcp.client
        .complete(CompleteRequestParams::new(
            r#ref,
            ArgumentInfo::new(name, value),
        ))
        .await
        .unwrap()
        .completion
}

#[tokio::test]
async fn completions_offer_record_types_customer_names_and_dates() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let template = Reference::for_resource("netsuite://record-types/{record_type}");
    let all = complete(&mcp, template.clone(), "record_type", "").await;
    assert!(all.values.len() <= 100);
    assert!(all.total.unwrap() as usize >= all.values.len());
    let cust = complete(&mcp, template, "record_type", "cust").await;
    assert!(
        cust.values.contains(&"customer".to_owned()),
        "{:?}",
        cust.values
    );
    assert!(cust.values.iter().all(|v| v.starts_with("cust")));

    let first = run(&mcp, "SELECT companyname FROM customer WHERE isinactive = 'F' ORDER BY id FETCH FIRST 1 ROWS ONLY").await["rows"][0][0]
        .as_str()
        .unwrap()
        .to_owned();
    let prefix: String = first.chars().take(3).collect();
    let names = complete(
        &mcp,
        Reference::for_prompt("customer_history"),
        "customer",
        &prefix.to_lowercase(),
    )
    .await;
    assert!(
        names.values.contains(&first),
        "{first} not in {:?}",
        names.values
    );
    // A quote in what was typed is data, not SQL.
    let quoted = complete(
        &mcp,
        Reference::for_prompt("customer_history"),
        "customer",
        "x' OR '1'='1",
    )
    .await;
    assert!(quoted.values.is_empty(), "{:?}", quoted.values);

    let dates = complete(
        &mcp,
        Reference::for_prompt("top_items_by_revenue"),
        "start_date",
        "",
    )
    .await;
    assert!(!dates.values.is_empty());
    assert!(
        dates
            .values
            .iter()
            .all(|d| d.len() == 10 && d.as_bytes()[4] == b'-')
    );
    mcp.close().await;
}

#[tokio::test]
async fn typed_percent_and_underscore_complete_literally_not_as_wildcards() {
    let account = common::start(Algorithm::ES256).await;
    // Only this test's sandbox has it: no other test's counts change.
    account
        .sandbox
        .store()
        .record_create(
            "customer",
            &json!({"companyName": "A_Literal Corp", "isInactive": false}),
            netsuite_sandbox::data::NameValidation::Ignore,
        )
        .unwrap();
    let mcp = spawn(&account, &[], &[]).await;
    let others = run(&mcp, "SELECT companyname FROM customer WHERE isinactive = 'F' AND UPPER(companyname) LIKE 'A%' AND companyname <> 'A_Literal Corp'").await;
    assert!(
        !others["rows"].as_array().unwrap().is_empty(),
        "the seed has other names starting with A, which an unescaped `A_%` would match: {others}"
    );
    let customer = Reference::for_prompt("customer_history");
    let underscore = complete(&mcp, customer.clone(), "customer", "a_").await;
    assert_eq!(underscore.values, ["A_Literal Corp"]);
    let percent = complete(&mcp, customer.clone(), "customer", "%").await;
    assert!(percent.values.is_empty(), "{:?}", percent.values);
    let backslash = complete(&mcp, customer, "customer", "\\").await;
    assert!(backslash.values.is_empty(), "{:?}", backslash.values);
    mcp.close().await;
}

#[tokio::test]
async fn resources_prompts_and_completions_expose_nothing_the_governance_hides() {
    let account = common::start(Algorithm::ES256).await;
    // Only the records toolset: no describe_record_type, no run_suiteql.
    let mcp = spawn(&account, &[], &[("NETSUITE_MCP_TOOLSETS", "records")]).await;
    let templates = mcp.client.list_resource_templates(None).await.unwrap();
    assert!(templates.resource_templates.is_empty());
    let e = read(&mcp, "netsuite://record-types/customer")
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), -32602);
    assert!(
        mcp.client
            .list_prompts(None)
            .await
            .unwrap()
            .prompts
            .is_empty()
    );
    let names = complete(
        &mcp,
        Reference::for_prompt("customer_history"),
        "customer",
        "a",
    )
    .await;
    assert!(names.values.is_empty());
    // The guide stays: it is documentation, not data.
    assert!(read(&mcp, "netsuite://guides/suiteql").await.is_ok());
    mcp.close().await;

    // An allow-list of record types narrows the resources and completions too.
    let mcp = spawn(&account, &[], &[("NETSUITE_MCP_RECORD_TYPES", "customer")]).await;
    assert!(read(&mcp, "netsuite://record-types/customer").await.is_ok());
    let e = read(&mcp, "netsuite://record-types/vendor")
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), -32602);
    let types = complete(
        &mcp,
        Reference::for_resource("netsuite://record-types/{record_type}"),
        "record_type",
        "",
    )
    .await;
    assert_eq!(types.values, ["customer"]);
    mcp.close().await;
}
