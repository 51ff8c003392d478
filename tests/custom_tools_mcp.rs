//! Custom tools through the real binary and rmcp's client, against the sandbox: the shipped examples run, results
//! have run_suiteql's shape, paging and budget, RESTlet tools map their arguments, argument errors name the
//! argument, hostile arguments are refused or harmless, and governance applies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use std::path::{Path, PathBuf};

use netsuite_mcp::auth::Algorithm;
use serde_json::{Value, json};

use mcp_support::{Mcp, spawn, spawn_in};

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools")
}

async fn with_tools(account: &common::TestAccount, dir: &Path, env: &[(&str, &str)]) -> Mcp {
    let dir = dir.to_str().unwrap().to_owned();
    let mut vars = vec![("NETSUITE_MCP_TOOLS_DIR", dir.as_str())];
    vars.extend_from_slice(env);
    spawn(account, &[], &vars).await
}

/// (tool, sample arguments, a column or RESTlet value field the result must have).
const EXAMPLES: &[(&str, &str, &str)] = &[
    ("find_customers", r#"{"text": "a"}"#, "companyname"),
    ("open_invoices", r#"{"customer_id": 135}"#, "tranid"),
    (
        "top_customers_by_revenue",
        r#"{"from_date": "2024-01-01", "to_date": "2025-12-31", "limit": 5}"#,
        "revenue",
    ),
    ("items_by_name", r#"{"name": "e"}"#, "itemid"),
    (
        "item_sales",
        r#"{"from_date": "2024-01-01", "to_date": "2024-12-31"}"#,
        "quantity",
    ),
    (
        "restlet_customers",
        r#"{"q": "a", "limit": 3}"#,
        "companyname",
    ),
];

#[tokio::test]
async fn every_example_tool_is_listed_and_runs_through_mcp() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = with_tools(&account, &examples_dir(), &[]).await;
    let tools = mcp.tools().await;
    let run_suiteql = tools.iter().find(|t| t.name == "run_suiteql").unwrap();
    let shipped = std::fs::read_dir(examples_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    assert_eq!(
        shipped,
        EXAMPLES.len(),
        "every example needs sample arguments here"
    );
    for (name, args, field) in EXAMPLES {
        let tool = tools
            .iter()
            .find(|t| t.name == *name)
            .unwrap_or_else(|| panic!("{name} is not listed"));
        assert!(tool.title.is_some() && tool.description.is_some(), "{name}");
        let a = tool.annotations.as_ref().unwrap();
        assert_eq!(
            (
                a.read_only_hint,
                a.destructive_hint,
                a.idempotent_hint,
                a.open_world_hint
            ),
            (Some(true), Some(false), Some(true), Some(true)),
            "{name}"
        );
        assert_eq!(tool.input_schema["type"], "object", "{name}");
        let args: Value = serde_json::from_str(args).unwrap();
        let result = mcp.ok(name, args).await;
        if *name == "restlet_customers" {
            assert_eq!(result["status"], 200, "{result}");
            let results = result["body"]["results"].as_array().unwrap();
            assert!(!results.is_empty() && results.len() <= 3, "{result}");
            assert!(results[0]["values"].get(*field).is_some(), "{result}");
        } else {
            assert_eq!(tool.output_schema, run_suiteql.output_schema, "{name}");
            let columns: Vec<&str> = result["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            assert!(columns.contains(field), "{name}: {columns:?}");
            let rows = result["rows"].as_array().unwrap();
            assert!(!rows.is_empty(), "{name}: no rows");
            assert_eq!(result["row_count"], rows.len(), "{name}");
            for key in ["total_results", "has_more", "next_offset", "truncated"] {
                assert!(result.get(key).is_some(), "{name} lacks {key}");
            }
        }
    }
    let stderr = mcp.close().await;
    assert!(
        !stderr.contains("WARN"),
        "the examples load cleanly:\n{stderr}"
    );
}

#[tokio::test]
async fn the_default_tools_directory_is_dot_tools_when_it_exists() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn_in(Path::new(env!("CARGO_MANIFEST_DIR")), &account, &[], &[]).await;
    let names = mcp.tool_names().await;
    assert!(names.contains(&"open_invoices".to_owned()), "{names:?}");
    mcp.close().await;
    let elsewhere = spawn(&account, &[], &[]).await;
    let names = elsewhere.tool_names().await;
    assert!(!names.contains(&"open_invoices".to_owned()), "{names:?}");
    elsewhere.close().await;
}

#[tokio::test]
async fn suiteql_tools_page_at_any_offset_and_respect_the_budget() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = with_tools(&account, &examples_dir(), &[]).await;
    let all = mcp
        .ok("find_customers", json!({"text": "", "limit": 1000}))
        .await;
    let all_rows = all["rows"].as_array().unwrap().clone();
    assert!(all_rows.len() > 6, "{}", all_rows.len());
    let page = mcp
        .ok(
            "find_customers",
            json!({"text": "", "limit": 2, "offset": 3}),
        )
        .await;
    assert_eq!(page["rows"], json!(all_rows[3..5]));
    assert_eq!(
        (page["has_more"].clone(), page["next_offset"].clone()),
        (json!(true), json!(5))
    );
    mcp.close().await;

    let small = with_tools(
        &account,
        &examples_dir(),
        &[("NETSUITE_MCP_MAX_RESULT_CHARS", "1000")],
    )
    .await;
    let cut = small
        .ok("find_customers", json!({"text": "", "limit": 1000}))
        .await;
    assert_eq!(cut["truncated"], true, "{cut}");
    assert!(serde_json::to_string(&cut).unwrap().len() <= 1000);
    let n = cut["row_count"].as_u64().unwrap();
    assert!(n >= 1 && (n as usize) < all_rows.len());
    assert_eq!(cut["next_offset"], n);
    small.close().await;
}

#[tokio::test]
async fn argument_errors_name_the_argument() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = with_tools(&account, &examples_dir(), &[]).await;
    for (tool, args, argument) in [
        ("open_invoices", json!({}), "customer_id"),
        (
            "open_invoices",
            json!({"customer_id": "135"}),
            "customer_id",
        ),
        ("open_invoices", json!({"customer_id": 0}), "customer_id"),
        (
            "open_invoices",
            json!({"customer_id": 1, "statuses": []}),
            "statuses",
        ),
        (
            "open_invoices",
            json!({"customer_id": 1, "statuses": ["Paid"]}),
            "statuses",
        ),
        (
            "open_invoices",
            json!({"customer_id": 1, "customer": 2}),
            "customer",
        ),
        (
            "open_invoices",
            json!({"customer_id": 1, "limit": 1001}),
            "limit",
        ),
        (
            "open_invoices",
            json!({"customer_id": 1, "offset": -1}),
            "offset",
        ),
        (
            "item_sales",
            json!({"from_date": "2024-02-30", "to_date": "2024-12-31"}),
            "from_date",
        ),
        ("find_customers", json!({"text": "x".repeat(101)}), "text"),
        (
            "find_customers",
            json!({"text": "a", "include_inactive": "yes"}),
            "include_inactive",
        ),
        ("restlet_customers", json!({"limit": 0}), "limit"),
    ] {
        let text = mcp.err(tool, args.clone()).await;
        assert!(
            text.contains(&format!("`{argument}`")),
            "{tool}({args}) should name {argument}: {text}"
        );
    }
    assert_eq!(
        account.sandbox.counters().api_requests,
        0,
        "no bad call reached NetSuite"
    );
    mcp.close().await;
}

#[tokio::test]
async fn hostile_arguments_are_refused_or_stay_values() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = with_tools(&account, &examples_dir(), &[]).await;
    let customers = mcp.ok("find_customers", json!({"text": ""})).await["total_results"].clone();
    for text in [
        "x' OR '1'='1",
        "'; DROP TABLE customer; --",
        "a' --",
        "*/ OR 1=1 /*",
        "') UNION SELECT id, id, id, id, id, id FROM employee --",
        "{{text}}",
    ] {
        let r = mcp.ok("find_customers", json!({"text": text})).await;
        assert_eq!(r["row_count"], 0, "{text:?} matched rows: {r}");
    }
    for (tool, args, argument) in [
        ("find_customers", json!({"text": "a\nb"}), "text"),
        ("find_customers", json!({"text": "a\u{0}"}), "text"),
        (
            "open_invoices",
            json!({"customer_id": "1 OR 1=1"}),
            "customer_id",
        ),
        (
            "open_invoices",
            json!({"customer_id": 1, "statuses": ["CustInvc:A') OR ('1'='1"]}),
            "statuses",
        ),
        (
            "items_by_name",
            json!({"name": "a", "item_types": ["InvtPart' OR 'x'='x"]}),
            "item_types",
        ),
        (
            "item_sales",
            json!({"from_date": "2024-01-01') OR (1=1", "to_date": "2024-12-31"}),
            "from_date",
        ),
    ] {
        let text = mcp.err(tool, args.clone()).await;
        assert!(
            text.contains(&format!("`{argument}`")),
            "{tool}({args}): {text}"
        );
    }
    let after = mcp.ok("find_customers", json!({"text": ""})).await["total_results"].clone();
    assert_eq!(customers, after, "the customer table is intact");
    mcp.close().await;
}

const ECHO_GET: &str = r#"# test
name = "echo_get"
description = "Echoes its query parameters through the sandbox echo RESTlet (test tool)."
kind = "restlet"
read_only = true
script = "customscript_echo"
deploy = "customdeploy_echo"
method = "GET"

[params.text]
type = "string"
description = "Any text."

[params.flag]
type = "boolean"
description = "A flag."
default = true

[params.ids]
type = "list<integer>"
description = "Some ids."
default = [1, 2]
"#;

const ECHO_POST: &str = r#"# test
name = "echo_post"
description = "Sends its arguments as a JSON body to the sandbox echo RESTlet (test tool)."
kind = "restlet"
script = 101
deploy = 1
method = "POST"

[params.text]
type = "string"
description = "Any text."

[params.when]
type = "date"
description = "A date."
"#;

fn echo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("echo_get.toml"), ECHO_GET).unwrap();
    std::fs::write(dir.path().join("echo_post.toml"), ECHO_POST).unwrap();
    dir
}

#[tokio::test]
async fn restlet_tools_send_arguments_as_query_parameters_or_a_json_body() {
    let account = common::start(Algorithm::ES256).await;
    let dir = echo_dir();
    let mcp = with_tools(&account, dir.path(), &[]).await;
    let hostile = "x&script=102&deploy=1#'\"; DROP";
    let r = mcp.ok("echo_get", json!({"text": hostile})).await;
    assert_eq!(r["status"], 200, "{r}");
    assert_eq!(r["body"]["method"], "GET");
    let params = &r["body"]["params"];
    assert_eq!(params["text"], hostile, "the value arrives whole: {r}");
    assert_eq!(params["flag"], "T");
    assert_eq!(params["ids"], "1,2");
    assert_eq!(params["script"], "customscript_echo", "{r}");
    let r = mcp
        .ok("echo_post", json!({"text": "a\nb", "when": "2024-02-29"}))
        .await;
    assert_eq!(r["body"]["method"], "POST");
    assert_eq!(
        r["body"]["body"],
        json!({"text": "a\nb", "when": "2024-02-29"})
    );
    let text = mcp
        .err("echo_get", json!({"text": "a", "script": "102"}))
        .await;
    assert!(text.contains("`script`"), "{text}");
    mcp.close().await;
}

#[tokio::test]
async fn read_only_mode_hides_and_refuses_restlet_tools_not_declared_read_only() {
    let account = common::start(Algorithm::ES256).await;
    let dir = echo_dir();
    let mcp = with_tools(&account, dir.path(), &[]).await;
    let tools = mcp.tools().await;
    let post = tools.iter().find(|t| t.name == "echo_post").unwrap();
    let a = post.annotations.as_ref().unwrap();
    assert_eq!(
        (a.read_only_hint, a.destructive_hint, a.idempotent_hint),
        (Some(false), Some(true), Some(false))
    );
    mcp.close().await;

    let ro = with_tools(&account, dir.path(), &[("NETSUITE_MCP_READ_ONLY", "true")]).await;
    let names = ro.tool_names().await;
    assert!(names.contains(&"echo_get".to_owned()), "{names:?}");
    assert!(!names.contains(&"echo_post".to_owned()), "{names:?}");
    let before = account.sandbox.counters().api_requests;
    let text = ro
        .err("echo_post", json!({"text": "a", "when": "2024-01-01"}))
        .await;
    assert!(text.contains("read-only"), "{text}");
    assert_eq!(account.sandbox.counters().api_requests, before);
    ro.close().await;
}

#[tokio::test]
async fn governance_lists_apply_to_custom_tools_by_name_and_toolset() {
    let account = common::start(Algorithm::ES256).await;
    let dir = echo_dir();
    let excluded = with_tools(
        &account,
        dir.path(),
        &[("NETSUITE_MCP_EXCLUDE_TOOLS", "echo_get")],
    )
    .await;
    let names = excluded.tool_names().await;
    assert!(!names.contains(&"echo_get".to_owned()) && names.contains(&"echo_post".to_owned()));
    let text = excluded.err("echo_get", json!({"text": "a"})).await;
    assert!(text.contains("excluded"), "{text}");
    excluded.close().await;

    let off = with_tools(
        &account,
        dir.path(),
        &[("NETSUITE_MCP_TOOLSETS", "suiteql")],
    )
    .await;
    assert_eq!(off.tool_names().await, ["run_suiteql", "export_suiteql"]);
    let text = off.err("echo_get", json!({"text": "a"})).await;
    assert!(text.contains("custom"), "{text}");
    off.close().await;

    let only = with_tools(&account, dir.path(), &[("NETSUITE_MCP_TOOLS", "echo_get")]).await;
    assert_eq!(only.tool_names().await, ["echo_get"]);
    only.close().await;
}
