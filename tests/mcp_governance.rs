//! Governance through the real binary: toolsets, include/exclude lists, read-only mode, the record-type
//! allow-list, and hidden tools refused when called by name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use netsuite_mcp::auth::Algorithm;
use serde_json::json;

use mcp_support::spawn;

const READ_TOOLS: [&str; 10] = [
    "run_suiteql",
    "export_suiteql",
    "get_record",
    "list_records",
    "list_record_types",
    "describe_record_type",
    "list_saved_searches",
    "run_saved_search",
    "list_datasets",
    "run_dataset",
];

#[tokio::test]
async fn the_server_introduces_itself_and_teaches_the_workflow() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let info = mcp.client.peer_info().expect("server info");
    let server_info = info.server_info.clone().expect("serverInfo");
    assert_eq!(server_info.name, "netsuite-mcp");
    assert_eq!(server_info.version, env!("CARGO_PKG_VERSION"));
    let instructions = info.instructions.clone().unwrap_or_default();
    for needle in [
        "list_record_types",
        "describe_record_type",
        "FETCH FIRST",
        "next_offset",
    ] {
        assert!(instructions.contains(needle), "instructions lack {needle}");
    }
    mcp.close().await;
}

#[tokio::test]
async fn defaults_list_reads_and_writes_but_not_delete_or_restlets() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let tools = mcp.tools().await;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "run_suiteql",
            "export_suiteql",
            "get_record",
            "list_records",
            "create_record",
            "update_record",
            "upsert_record",
            "list_record_types",
            "describe_record_type",
            "list_saved_searches",
            "run_saved_search",
            "list_datasets",
            "run_dataset"
        ]
    );
    for t in &tools {
        assert!(t.output_schema.is_some(), "{}", t.name);
        let a = t.annotations.as_ref().unwrap();
        assert!(a.read_only_hint.is_some() && a.destructive_hint.is_some());
        assert!(a.idempotent_hint.is_some() && a.open_world_hint.is_some());
    }
    // delete_record exists but its toolset is off: refused by name, with the reason.
    let text = mcp
        .err(
            "delete_record",
            json!({"record_type": "customer", "id": "1"}),
        )
        .await;
    assert!(text.contains("records_delete"), "{text}");
    let text = mcp
        .err("call_restlet", json!({"script": "1", "deploy": "1"}))
        .await;
    assert!(text.contains("restlets"), "{text}");
    assert_eq!(
        account.sandbox.counters().api_requests,
        0,
        "nothing reached NetSuite"
    );
    mcp.close().await;
}

#[tokio::test]
async fn read_only_mode_wins_over_toolsets_and_tool_lists() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(
        &account,
        &["--read-only", "--toolsets", "all"],
        &[(
            "NETSUITE_MCP_TOOLS",
            "delete_record,create_record,call_restlet",
        )],
    )
    .await;
    assert_eq!(mcp.tool_names().await, READ_TOOLS);
    for (tool, args) in [
        (
            "create_record",
            json!({"record_type": "customer", "values": {"companyname": "X"}}),
        ),
        (
            "update_record",
            json!({"record_type": "customer", "id": "1", "values": {"phone": "1"}}),
        ),
        (
            "upsert_record",
            json!({"record_type": "customer", "external_id": "X1", "values": {"phone": "1"}}),
        ),
        (
            "delete_record",
            json!({"record_type": "customer", "id": "1"}),
        ),
        (
            "call_restlet",
            json!({"script": "1", "deploy": "1", "method": "POST", "body": {}}),
        ),
    ] {
        let text = mcp.err(tool, args).await;
        assert!(text.contains("read-only"), "{tool}: {text}");
    }
    assert_eq!(account.sandbox.counters().api_requests, 0);
    mcp.close().await;

    // The environment variable does the same.
    let mcp = spawn(
        &account,
        &[],
        &[
            ("NETSUITE_MCP_READ_ONLY", "true"),
            ("NETSUITE_MCP_TOOLSETS", "all"),
        ],
    )
    .await;
    assert_eq!(mcp.tool_names().await, READ_TOOLS);
    mcp.close().await;
}

#[tokio::test]
async fn exclude_beats_include_and_a_tool_list_alone_is_exact() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(
        &account,
        &[
            "--tools",
            "run_suiteql,get_record",
            "--exclude-tools",
            "get_record",
        ],
        &[],
    )
    .await;
    assert_eq!(mcp.tool_names().await, ["run_suiteql"]);
    let text = mcp
        .err("get_record", json!({"record_type": "customer", "id": "1"}))
        .await;
    assert!(text.contains("excluded"), "{text}");
    let text = mcp.err("list_record_types", json!({})).await;
    assert!(text.contains("not available"), "{text}");
    mcp.close().await;

    // Toolsets plus one extra tool.
    let mcp = spawn(
        &account,
        &[],
        &[
            ("NETSUITE_MCP_TOOLSETS", "metadata"),
            ("NETSUITE_MCP_TOOLS", "delete_record"),
        ],
    )
    .await;
    assert_eq!(
        mcp.tool_names().await,
        ["delete_record", "list_record_types", "describe_record_type"]
    );
    mcp.close().await;
}

#[tokio::test]
async fn the_record_type_allow_list_refuses_other_types_before_calling_netsuite() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(
        &account,
        &[],
        &[("NETSUITE_MCP_RECORD_TYPES", "customer,salesorder")],
    )
    .await;
    let tools = mcp.tools().await;
    let get = tools.iter().find(|t| t.name == "get_record").unwrap();
    assert_eq!(
        get.input_schema["properties"]["record_type"]["enum"],
        json!(["customer", "salesorder"])
    );
    for (tool, args) in [
        ("get_record", json!({"record_type": "vendor", "id": "1"})),
        ("list_records", json!({"record_type": "employee"})),
        (
            "create_record",
            json!({"record_type": "vendor", "values": {"companyname": "X"}}),
        ),
        ("describe_record_type", json!({"record_type": "vendor"})),
    ] {
        let text = mcp.err(tool, args).await;
        assert!(
            text.contains("not allowed") && text.contains("customer, salesorder"),
            "{tool}: {text}"
        );
    }
    assert_eq!(account.sandbox.counters().api_requests, 0);
    mcp.close().await;
}

#[tokio::test]
async fn an_unknown_tool_is_a_protocol_error() {
    let account = common::start(Algorithm::ES256).await;
    let mcp = spawn(&account, &[], &[]).await;
    let err = mcp
        .try_call("drop_all_tables", json!({}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("drop_all_tables"), "{err}");
    mcp.close().await;
}

#[tokio::test]
async fn unknown_toolsets_and_tools_stop_the_server_with_exit_code_2() {
    let account = common::start(Algorithm::ES256).await;
    let out = common::run_bin(&["serve", "--toolsets", "suiteql,reports"], &account.env()).await;
    assert_eq!(out.status.code(), Some(2));
    let err = common::text(&out.stderr);
    assert!(
        err.contains("NETSUITE_MCP_TOOLSETS")
            && err.contains("reports")
            && err.contains("records_delete"),
        "{err}"
    );
    let mut env = account.env();
    env.push(("NETSUITE_MCP_EXCLUDE_TOOLS".into(), "run_sql".into()));
    let out = common::run_bin(&["tools", "list"], &env).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out.stderr).contains("run_suiteql"));
}

#[tokio::test]
async fn tools_list_prints_the_effective_catalog() {
    let out = common::run_bin(&["tools", "list", "--read-only"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let text = common::text(&out.stdout);
    assert!(
        text.contains("run_suiteql") && !text.contains("create_record"),
        "{text}"
    );
    let env = vec![("NETSUITE_MCP_TOOLSETS".to_owned(), "all".to_owned())];
    let out = common::run_bin(
        &["tools", "list", "--json", "--exclude-tools", "run_suiteql"],
        &env,
    )
    .await;
    let tools: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 14);
    assert!(!names.contains(&"run_suiteql") && names.contains(&"delete_record"));
    let restlet = tools.iter().find(|t| t["name"] == "call_restlet").unwrap();
    assert_eq!(restlet["toolset"], "restlets");
    assert_eq!(restlet["annotations"]["destructiveHint"], true);
}
