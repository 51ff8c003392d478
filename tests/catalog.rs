//! The built-in catalog: invariants every tool must keep, schema snapshots, and the README tool table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use netsuite_mcp::catalog::Catalog;
use netsuite_mcp::catalog::docs::{README_END, README_START, readme_section};
use serde_json::Value;

fn update() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some()
}

#[test]
fn names_are_unique_and_every_tool_is_fully_described_and_annotated() {
    let catalog = Catalog::builtin();
    let mut names = std::collections::BTreeSet::new();
    for t in catalog.iter() {
        let tool = &t.tool;
        assert!(
            names.insert(tool.name.to_string()),
            "duplicate {}",
            tool.name
        );
        let name_ok = tool
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_');
        assert!(name_ok, "{}", tool.name);
        let description = tool.description.as_deref().unwrap_or_default();
        assert!(
            description.len() > 80,
            "{} needs a real description",
            tool.name
        );
        assert!(tool.title.is_some(), "{} has no title", tool.name);
        let a = tool.annotations.as_ref().expect("annotations");
        for (hint, v) in [
            ("readOnly", a.read_only_hint),
            ("destructive", a.destructive_hint),
            ("idempotent", a.idempotent_hint),
            ("openWorld", a.open_world_hint),
        ] {
            assert!(v.is_some(), "{} lacks {hint}Hint", tool.name);
        }
        let input = &tool.input_schema;
        assert_eq!(
            input.get("type"),
            Some(&Value::from("object")),
            "{}",
            tool.name
        );
        for k in ["oneOf", "anyOf", "allOf"] {
            assert!(
                !input.contains_key(k),
                "{} input schema has top-level {k}",
                tool.name
            );
        }
        assert_eq!(
            input.get("additionalProperties"),
            Some(&Value::Bool(false)),
            "{}",
            tool.name
        );
        let props = input["properties"].as_object().expect("properties");
        for (p, schema) in props {
            let d = schema
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            assert!(d.len() > 15, "{}.{p} needs a description", tool.name);
        }
        assert!(
            tool.output_schema.is_some(),
            "{} has no outputSchema",
            tool.name
        );
    }
}

#[test]
fn annotations_are_the_ones_design_md_prescribes() {
    let catalog = Catalog::builtin();
    let expect = [
        ("run_suiteql", "suiteql", [true, false, true, true]),
        ("export_suiteql", "suiteql", [true, false, true, true]),
        ("get_record", "records", [true, false, true, true]),
        ("list_records", "records", [true, false, true, true]),
        (
            "create_record",
            "records_write",
            [false, false, false, true],
        ),
        ("update_record", "records_write", [false, true, true, true]),
        ("upsert_record", "records_write", [false, true, true, true]),
        ("delete_record", "records_delete", [false, true, true, true]),
        ("list_record_types", "metadata", [true, false, true, true]),
        (
            "describe_record_type",
            "metadata",
            [true, false, true, true],
        ),
        (
            "list_saved_searches",
            "analytics",
            [true, false, true, true],
        ),
        ("run_saved_search", "analytics", [true, false, true, true]),
        ("list_datasets", "analytics", [true, false, true, true]),
        ("run_dataset", "analytics", [true, false, true, true]),
        ("call_restlet", "restlets", [false, true, false, true]),
    ];
    let actual: Vec<&str> = catalog.iter().map(|t| t.name()).collect();
    assert_eq!(actual, expect.iter().map(|e| e.0).collect::<Vec<_>>());
    for (name, toolset, [ro, de, id, ow]) in expect {
        let t = catalog.get(name).unwrap();
        assert_eq!(t.toolset, toolset, "{name}");
        let a = t.tool.annotations.clone().unwrap();
        let got = [
            a.read_only_hint,
            a.destructive_hint,
            a.idempotent_hint,
            a.open_world_hint,
        ];
        assert_eq!(got, [Some(ro), Some(de), Some(id), Some(ow)], "{name}");
    }
}

#[test]
fn every_tool_schema_matches_its_snapshot() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut stale = Vec::new();
    for t in Catalog::builtin().iter() {
        let path = dir.join(format!("{}.json", t.name()));
        let now = serde_json::to_string_pretty(&t.tool).unwrap() + "\n";
        if update() {
            std::fs::write(&path, &now).unwrap();
            continue;
        }
        let saved = std::fs::read_to_string(&path).unwrap_or_default();
        if saved != now {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "tool definitions changed: {stale:?}. Review, then run UPDATE_SNAPSHOTS=1 cargo test --test catalog"
    );
}

#[test]
fn the_readme_tool_table_is_generated_from_the_catalog() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(README_START)
        .expect("README has the tools:start marker");
    let end = readme
        .find(README_END)
        .expect("README has the tools:end marker")
        + README_END.len();
    let generated = readme_section(&Catalog::builtin());
    if std::env::var_os("UPDATE_README").is_some() {
        let new = format!("{}{}{}", &readme[..start], generated, &readme[end..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert_eq!(
        &readme[start..end],
        generated,
        "README tool table is stale: run UPDATE_README=1 cargo test --test catalog"
    );
}

#[test]
fn mcp_json_example_is_valid_and_every_server_runs_serve() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mcp.json.example");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut sandbox_entries = 0;
    for (client, key) in [
        ("cursor", "mcpServers"),
        ("vscode", "servers"),
        ("claude_desktop", "mcpServers"),
    ] {
        let servers = v[client][key]
            .as_object()
            .unwrap_or_else(|| panic!("{client}.{key}"));
        for (name, s) in servers {
            let args: Vec<&str> = s["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert_eq!(args[0], "serve", "{client}.{name}");
            if args.contains(&"--sandbox") {
                sandbox_entries += 1;
            } else {
                let env = s["env"].as_object().unwrap();
                for var in [
                    "NETSUITE_ACCOUNT_ID",
                    "NETSUITE_CLIENT_ID",
                    "NETSUITE_CERTIFICATE_ID",
                    "NETSUITE_PRIVATE_KEY_PATH",
                ] {
                    assert!(env.contains_key(var), "{client}.{name} lacks {var}");
                }
            }
        }
    }
    assert_eq!(sandbox_entries, 3);
    // VS Code prompts for the secrets instead of storing them.
    let inputs = v["vscode"]["inputs"].as_array().unwrap();
    assert!(
        inputs
            .iter()
            .any(|i| i["id"] == "netsuite-client-id" && i["password"] == true)
    );
    assert_eq!(
        v["vscode"]["servers"]["netsuite"]["env"]["NETSUITE_CLIENT_ID"],
        "${input:netsuite-client-id}"
    );
}

#[test]
fn schemas_are_self_contained_without_refs() {
    for t in Catalog::builtin().iter() {
        let input = serde_json::to_string(&t.tool.input_schema).unwrap();
        assert!(
            !input.contains("$ref") && !input.contains("$defs"),
            "{}: {input}",
            t.name()
        );
    }
}

/// Every schema node, depth first.
fn walk<'a>(v: &'a Value, out: &mut Vec<(&'a Value, String)>, path: String) {
    out.push((v, path.clone()));
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                walk(c, out, format!("{path}.{k}"));
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                walk(c, out, format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

#[test]
fn schemas_use_only_the_portable_subset() {
    for t in Catalog::builtin().iter() {
        let tool = &t.tool;
        let input = Value::Object((*tool.input_schema).clone());
        let output = Value::Object((*tool.output_schema.clone().expect("output schema")).clone());
        for (root, schema) in [("input", &input), ("output", &output)] {
            let mut nodes = Vec::new();
            walk(schema, &mut nodes, format!("{}.{root}", tool.name));
            for (node, path) in nodes {
                let Value::Object(m) = node else { continue };
                // Skip the `properties` maps themselves: their keys are field names, not keywords.
                if path.ends_with(".properties") {
                    continue;
                }
                assert!(
                    !m.get("type").is_some_and(Value::is_array),
                    "type array at {path}"
                );
                if let Some(f) = m.get("format").and_then(Value::as_str) {
                    assert!(
                        !f.starts_with("int")
                            && !f.starts_with("uint")
                            && f != "double"
                            && f != "float",
                        "format {f} at {path}"
                    );
                }
                for key in ["items", "additionalProperties"] {
                    assert_ne!(
                        m.get(key),
                        Some(&Value::Bool(true)),
                        "bare true at {path}.{key}"
                    );
                }
            }
        }
    }
}

#[test]
fn mcp_json_example_http_entries_send_the_bearer_token_to_mcp() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mcp.json.example");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let http = v["http"].as_object().expect("http block");
    let mut entries = 0;
    for (client, block) in http.iter().filter(|(k, _)| !k.starts_with('_')) {
        let servers = block
            .as_object()
            .and_then(|b| b.get("mcpServers").or_else(|| b.get("servers")))
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("http.{client} has no server map"));
        for (name, s) in servers {
            let text = s.to_string();
            if s.get("url").is_some() {
                assert!(
                    s["url"].as_str().unwrap().ends_with("/mcp"),
                    "http.{client}.{name}"
                );
            }
            assert!(
                text.contains("/mcp"),
                "http.{client}.{name} names no /mcp URL"
            );
            assert!(
                text.contains("Bearer"),
                "http.{client}.{name} sends no bearer token"
            );
            entries += 1;
        }
    }
    assert!(entries >= 3, "Cursor, VS Code and Claude entries");
}
