//! Comment-preserving edits of JSON/JSONC client files (Cursor, VS Code, Claude Desktop, Claude Code), on
//! jsonc-parser's concrete syntax tree: everything but the entry keeps its bytes, comments and order.

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use serde_json::Value;

use super::Entry;

/// Keys of a remote (HTTP) entry; they contradict a `command` entry, so an updated entry drops them.
const REMOTE_KEYS: [&str; 2] = ["url", "headers"];

/// Sets `servers_key.name` in `text` to `entry`, keeping other keys of an existing entry (e.g. `env`,
/// `disabled`). Returns the new text, or `None` when nothing would change.
pub(super) fn upsert(
    text: &str,
    servers_key: &str,
    name: &str,
    entry: &Entry,
    stdio_type: bool,
) -> Result<Option<String>, String> {
    let source = if text.trim().is_empty() { "{}\n" } else { text };
    let root = CstRootNode::parse(source, &ParseOptions::default())
        .map_err(|e| format!("not valid JSON: {e}"))?;
    let top = root
        .object_value_or_create()
        .ok_or("the top level is not a JSON object")?;
    let servers = child_object(&top, servers_key)?;
    let fields = fields(entry, stdio_type);
    let mut changed = source != text;
    match servers.get(name) {
        None => {
            servers.append(name, object(&fields));
            changed = true;
        }
        Some(prop) => match prop.object_value() {
            None => {
                prop.set_value(object(&fields));
                changed = true;
            }
            Some(existing) => changed |= update(&existing, &fields, stdio_type),
        },
    }
    Ok(changed.then(|| root.to_string()))
}

/// The object under `key` in `parent`, created when missing.
fn child_object(parent: &CstObject, key: &str) -> Result<CstObject, String> {
    match parent.get(key) {
        None => {
            parent.append(key, CstInputValue::Object(Vec::new()));
            parent
                .object_value(key)
                .ok_or_else(|| format!("could not add \"{key}\""))
        }
        Some(prop) => prop
            .object_value()
            .ok_or_else(|| format!("\"{key}\" is not a JSON object")),
    }
}

/// Brings the owned fields of `existing` to `fields`; true if anything changed.
fn update(existing: &CstObject, fields: &[(&'static str, Value)], stdio_type: bool) -> bool {
    let mut changed = false;
    for key in REMOTE_KEYS {
        if let Some(prop) = existing.get(key) {
            prop.remove();
            changed = true;
        }
    }
    if !stdio_type
        && let Some(prop) = existing.get("type")
        && prop.value().and_then(|v| v.to_serde_value()) != Some(Value::from("stdio"))
    {
        prop.remove();
        changed = true;
    }
    for (key, value) in fields {
        match existing.get(key) {
            Some(prop) if prop.value().and_then(|v| v.to_serde_value()).as_ref() == Some(value) => {
            }
            Some(prop) => {
                prop.set_value(input(value));
                changed = true;
            }
            None => {
                existing.append(key, input(value));
                changed = true;
            }
        }
    }
    changed
}

fn fields(entry: &Entry, stdio_type: bool) -> Vec<(&'static str, Value)> {
    let mut fields = Vec::new();
    if stdio_type {
        fields.push(("type", Value::from("stdio")));
    }
    fields.push(("command", Value::from(entry.command.as_str())));
    fields.push(("args", Value::from(entry.args.clone())));
    fields
}

fn object(fields: &[(&'static str, Value)]) -> CstInputValue {
    CstInputValue::Object(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), input(v)))
            .collect(),
    )
}

/// Only strings and arrays of strings occur in an entry.
fn input(value: &Value) -> CstInputValue {
    match value {
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(input).collect()),
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::Null => CstInputValue::Null,
        Value::Object(map) => {
            CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), input(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            command: "/bin/netsuite-mcp".into(),
            args: vec!["serve".into(), "--sandbox".into()],
        }
    }

    fn parse(text: &str) -> Value {
        let root = CstRootNode::parse(text, &ParseOptions::default()).unwrap();
        root.to_serde_value().unwrap()
    }

    #[test]
    fn new_file_holds_only_the_entry() {
        let out = upsert("", "mcpServers", "netsuite", &entry(), false)
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(&out).expect("plain JSON for a new file");
        assert_eq!(
            v,
            serde_json::json!({"mcpServers": {"netsuite": {"command": "/bin/netsuite-mcp", "args": ["serve", "--sandbox"]}}})
        );
    }

    #[test]
    fn comments_other_servers_and_extra_entry_keys_survive() {
        let text = r#"{
  // my servers
  "servers": {
    "other": { "type": "stdio", "command": "x" }, /* keep me */
    "netsuite": { "type": "http", "url": "http://old/mcp", "env": { "NETSUITE_MCP_READ_ONLY": "true" } },
  },
  "inputs": [],
}
"#;
        let out = upsert(text, "servers", "netsuite", &entry(), true)
            .unwrap()
            .unwrap();
        assert!(
            out.contains("// my servers") && out.contains("/* keep me */"),
            "{out}"
        );
        let v = parse(&out);
        assert_eq!(v["servers"]["other"]["command"], "x");
        assert_eq!(v["servers"]["netsuite"]["type"], "stdio");
        assert_eq!(v["servers"]["netsuite"]["command"], "/bin/netsuite-mcp");
        assert_eq!(
            v["servers"]["netsuite"]["env"]["NETSUITE_MCP_READ_ONLY"],
            "true"
        );
        assert!(v["servers"]["netsuite"].get("url").is_none());
        assert_eq!(
            upsert(&out, "servers", "netsuite", &entry(), true).unwrap(),
            None
        );
    }

    #[test]
    fn non_object_tables_are_refused() {
        assert!(upsert("[]", "mcpServers", "netsuite", &entry(), false).is_err());
        assert!(
            upsert(
                r#"{"mcpServers": 3}"#,
                "mcpServers",
                "netsuite",
                &entry(),
                false
            )
            .is_err()
        );
        assert!(upsert("{ nope", "mcpServers", "netsuite", &entry(), false).is_err());
    }
}
