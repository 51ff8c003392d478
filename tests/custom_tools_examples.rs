//! The example tool files shipped in `tools/`: they load without problems, are documented, and render with
//! realistic arguments.

use std::path::PathBuf;

use netsuite_mcp::custom::{self, Call, CustomTool};
use serde_json::{Value, json};

fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools")
}

fn examples() -> Vec<CustomTool> {
    let report = custom::load_dir(&tools_dir()).unwrap();
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(report.files, report.tools.len());
    report.tools
}

/// Arguments a model would plausibly send to each example; every example must have an entry.
fn sample_args(name: &str) -> Value {
    match name {
        "open_invoices" => json!({"customer_id": 5}),
        "find_customers" => json!({"text": "a"}),
        "top_customers_by_revenue" => {
            json!({"from_date": "2024-01-01", "to_date": "2025-12-31", "limit": 5})
        }
        "items_by_name" => json!({"name": "e"}),
        "item_sales" => json!({"from_date": "2024-01-01", "to_date": "2024-12-31"}),
        "restlet_customers" => json!({"limit": 3}),
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
