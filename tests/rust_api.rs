//! The Rust API for adding tools: the `customer_balance` tool of `examples/custom_tool.rs`, registered with
//! `NetSuiteServer::builder()`, served in-process to rmcp's client against the sandbox; and the builder's checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// test code: a failed unwrap is a failed test
// The example it includes starts the sandbox through the product, so it needs the sandbox feature.
#![cfg(feature = "sandbox")]

mod common;

#[allow(dead_code)] // the example's `main` is not used here
#[path = "../examples/custom_tool.rs"]
mod example;

use netsuite_mcp::auth::Algorithm;
use netsuite_mcp::catalog::custom::CUSTOM_TOOLSET;
use netsuite_mcp::catalog::governance::Governance;
use netsuite_mcp::catalog::{CatalogTool, annotations};
use netsuite_mcp::server::{BuildError, NetSuiteServer};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    name: &str,
    args: Value,
) -> rmcp::model::CallToolResult {
    let Value::Object(args) = args else {
        unreachable!()
    };
    client
        .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_typed_tool_registered_in_rust_is_listed_and_runs() {
    let account = common::start(Algorithm::ES256).await;
    let server = NetSuiteServer::builder()
        .tool(example::customer_balance())
        .build(account.client())
        .unwrap();
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    let running = tokio::spawn(async move {
        let service = server.serve(server_io).await.unwrap();
        let _ = service.waiting().await;
    });
    let client = ().serve(client_io).await.unwrap();

    let tools = client.list_all_tools().await.unwrap();
    let tool = tools.iter().find(|t| t.name == "customer_balance").unwrap();
    assert_eq!(
        tool.input_schema["properties"]["customer_id"]["type"],
        "integer"
    );
    assert!(tool.output_schema.is_some());
    assert_eq!(tool.title.as_deref(), Some("Customer balance"));
    assert!(tools.iter().any(|t| t.name == "run_suiteql"));

    let r = call(&client, "customer_balance", json!({"customer_id": 135})).await;
    assert_ne!(r.is_error, Some(true), "{r:?}");
    let s = r.structured_content.unwrap();
    assert_eq!(s["customer_id"], 135);
    assert!(
        s["company_name"].as_str().is_some_and(|n| !n.is_empty()),
        "{s}"
    );

    for bad in [
        json!({}),
        json!({"customer_id": "107 OR 1=1"}),
        json!({"customer_id": 999_999}),
    ] {
        let r = call(&client, "customer_balance", bad.clone()).await;
        assert_eq!(r.is_error, Some(true), "{bad}");
        let text = r.content[0].as_text().unwrap().text.clone();
        assert!(text.contains("customer_id"), "{bad}: {text}");
    }
    client.cancel().await.unwrap();
    running.await.unwrap();
}

#[tokio::test]
async fn governance_covers_tools_registered_in_rust() {
    let account = common::start(Algorithm::ES256).await;
    let read_only = Governance {
        read_only: true,
        ..Governance::default()
    };
    let writer = CatalogTool::typed(
        "touch_customer",
        CUSTOM_TOOLSET,
        "A writing tool for the test; it would change a customer.",
        annotations("Touch customer", false, false, true, true),
        |_ctx, _input: example::BalanceInput| async move { Ok(json!({})) },
    );
    let server = NetSuiteServer::builder()
        .tool(example::customer_balance())
        .tool(writer)
        .governance(read_only)
        .build(account.client())
        .unwrap();
    let names: Vec<String> = server
        .visible_tools()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(names.contains(&"customer_balance".to_owned()));
    assert!(!names.contains(&"touch_customer".to_owned()), "{names:?}");
    let r = server
        .call(
            "touch_customer",
            Some(serde_json::Map::from_iter([(
                "customer_id".into(),
                json!(1),
            )])),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
}

#[test]
fn clashing_names_and_unknown_toolsets_are_build_errors() {
    let mut clash = example::customer_balance();
    clash.tool.name = "run_suiteql".into();
    let e = NetSuiteServer::builder()
        .tool(clash)
        .prepare()
        .err()
        .unwrap();
    assert!(
        matches!(e, BuildError::Tool { ref name, .. } if name == "run_suiteql"),
        "{e}"
    );
    let e = NetSuiteServer::builder()
        .tool(example::customer_balance())
        .tool(example::customer_balance())
        .prepare()
        .err()
        .unwrap();
    assert!(e.to_string().contains("customer_balance"), "{e}");
    let mut odd = example::customer_balance();
    odd.toolset = "mine".into();
    let e = NetSuiteServer::builder().tool(odd).prepare().err().unwrap();
    assert!(e.to_string().contains("unknown toolset"), "{e}");
}

#[test]
fn file_tools_cannot_take_the_name_of_a_tool_registered_in_rust() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("customer_balance.toml"),
        "name = \"customer_balance\"\ndescription = \"A file tool that tries to take the Rust tool's name.\"\n\
         kind = \"suiteql\"\nquery = \"SELECT id FROM customer\"\n",
    )
    .unwrap();
    let prepared = NetSuiteServer::builder()
        .tool(example::customer_balance())
        .tools_dir(dir.path())
        .prepare()
        .unwrap();
    let catalog = prepared.catalog();
    let tool = catalog.get("customer_balance").unwrap();
    assert_eq!(
        tool.tool.title.as_deref(),
        Some("Customer balance"),
        "the Rust tool stays"
    );
}
