//! The example tool files shipped in `tools/`: they load without problems, are documented, and run against the
//! sandbox's demo data through the NetSuite client with realistic arguments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::path::PathBuf;

use netsuite_mcp::auth::Algorithm;

use netsuite_mcp::catalog::builtin_tool_names;
use netsuite_mcp::custom::{self, Call, CustomTool};
use serde_json::{Value, json};

fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools")
}

fn examples() -> Vec<CustomTool> {
    let report = custom::load_dir(&tools_dir(), &builtin_tool_names()).unwrap();
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(report.files, report.tools.len());
    report.tools
}

/// Arguments a model would plausibly send to each example; every example must have an entry.
fn sample_args(name: &str) -> Value {
    match name {
        "open_invoices" => json!({"customer_id": 135}),
        "find_customers" => json!({"text": "a"}),
        "top_customers_by_revenue" => {
            json!({"from_date": "2024-01-01", "to_date": "2025-12-31", "limit": 5})
        }
        "items_by_name" => json!({"name": "e"}),
        "item_sales" => json!({"from_date": "2024-01-01", "to_date": "2024-12-31"}),
        "restlet_customers" => json!({"q": "acme", "limit": 3}),
        other => panic!("example {other} has no sample arguments in this test"),
    }
}

#[test]
fn four_to_six_documented_examples_load_without_problems() {
    let tools = examples();
    assert!((4..=6).contains(&tools.len()), "{} examples", tools.len());
    assert!(
        tools
            .iter()
            .any(|t| matches!(t.kind(), custom::ToolKind::Restlet { .. })),
        "no RESTlet example"
    );
    for t in &tools {
        assert!(
            t.description().len() >= 40,
            "{}: description too short",
            t.name()
        );
        for p in t.params() {
            assert!(!p.description().is_empty(), "{}.{}", t.name(), p.name());
        }
        let file = std::fs::read_to_string(t.source()).unwrap();
        assert!(
            file.starts_with('#'),
            "{}: start the file with a comment saying what it is for",
            t.name()
        );
    }
}

#[test]
fn every_example_prepares_with_sample_arguments() {
    for t in examples() {
        let Value::Object(args) = sample_args(t.name()) else {
            unreachable!()
        };
        match t
            .prepare(&args)
            .unwrap_or_else(|e| panic!("{}: {e}", t.name()))
        {
            Call::Suiteql(c) => assert!(c.query.starts_with("SELECT"), "{}", c.query),
            Call::Restlet(c) => assert!(!c.script.is_empty()),
        }
    }
}

#[test]
fn tools_validate_accepts_the_shipped_directory() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netsuite-mcp"))
        .args(["tools", "validate"])
        .arg(tools_dir())
        .env_remove("NETSUITE_MCP_CONFIG")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// What each example must find in the demo data with its sample arguments: (column or field, at least rows).
fn expected(name: &str) -> (&'static str, usize) {
    match name {
        "open_invoices" => ("tranid", 4),
        "find_customers" => ("companyname", 5),
        "top_customers_by_revenue" => ("revenue", 5),
        "items_by_name" => ("itemid", 5),
        "item_sales" => ("quantity", 5),
        "restlet_customers" => ("companyname", 1),
        other => panic!("example {other} has no expectation in this test"),
    }
}

#[tokio::test]
async fn every_example_runs_against_the_sandbox() {
    let account = common::start(Algorithm::ES256).await;
    let client = account.client();
    for t in examples() {
        let Value::Object(args) = sample_args(t.name()) else {
            unreachable!()
        };
        let (column, at_least) = expected(t.name());
        match t.prepare(&args).unwrap() {
            Call::Suiteql(c) => {
                let window = client
                    .suiteql(&c.query, c.offset, c.limit)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}\n{}", t.name(), c.query));
                assert!(
                    window.rows.len() >= at_least,
                    "{}: {} rows",
                    t.name(),
                    window.rows.len()
                );
                assert!(window.rows.len() <= c.limit as usize);
                assert!(
                    window.columns.iter().any(|col| col == column),
                    "{}: {:?}",
                    t.name(),
                    window.columns
                );
            }
            Call::Restlet(c) => {
                let method = reqwest::Method::from_bytes(c.method.as_str().as_bytes()).unwrap();
                let response = client
                    .call_restlet(&c.script, &c.deploy, method, &c.query, c.body.as_ref())
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", t.name()));
                assert_eq!(response.status, 200);
                let results = response.body["results"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                assert!(results.len() >= at_least, "{}: {}", t.name(), response.body);
                assert!(
                    results.iter().all(|r| r["values"].get(column).is_some()),
                    "{}",
                    response.body
                );
            }
        }
    }
}

#[tokio::test]
async fn top_customers_are_ranked_and_limited_by_the_page_size() {
    let account = common::start(Algorithm::ES256).await;
    let tool = examples()
        .into_iter()
        .find(|t| t.name() == "top_customers_by_revenue")
        .unwrap();
    let Value::Object(args) =
        json!({"from_date": "2024-01-01", "to_date": "2025-12-31", "limit": 3})
    else {
        unreachable!()
    };
    let Call::Suiteql(c) = tool.prepare(&args).unwrap() else {
        unreachable!()
    };
    let window = account
        .client()
        .suiteql(&c.query, c.offset, c.limit)
        .await
        .unwrap();
    assert_eq!(window.rows.len(), 3);
    assert!(window.has_more);
    let at = window.columns.iter().position(|c| c == "revenue").unwrap();
    let revenue: Vec<f64> = window
        .rows
        .iter()
        .map(|r| r[at].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(revenue.windows(2).all(|w| w[0] >= w[1]), "{revenue:?}");
}
