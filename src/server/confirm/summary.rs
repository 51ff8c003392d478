//! Which writes need the user's confirmation, and the one line that describes each to them.

use rmcp::model::JsonObject;
use serde_json::Value;

use crate::catalog::CatalogTool;
use crate::catalog::governance::Governance;
use crate::netsuite::{RecordId, RecordType};

/// Longest argument value shown in a summary.
const MAX_VALUE_CHARS: usize = 60;
/// Longest field name shown.
const MAX_FIELD_CHARS: usize = 40;
/// Most field names shown.
const MAX_FIELDS: usize = 12;

/// `destructive` mode: deleting, replacing sublist lines, and tools outside the built-in record tools unless they
/// declare themselves not destructive (a missing `destructiveHint` means destructive, as in MCP).
pub(super) fn is_destructive(tool: &CatalogTool, args: &JsonObject) -> bool {
    match tool.name() {
        "delete_record" => true,
        "update_record" => args
            .get("replace")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty()),
        "create_record" | "upsert_record" | "call_restlet" => false,
        _ => tool
            .tool
            .annotations
            .as_ref()
            .and_then(|a| a.destructive_hint)
            .unwrap_or(true),
    }
}

/// Whether the built-in record tools' arguments are well-formed enough to show the user: a call that will fail on
/// its arguments (or on the record-type allow-list) fails without asking, with the tool's own error. Other tools
/// are shown as they are called (their values quoted).
pub(super) fn worth_asking(tool: &str, args: &JsonObject, governance: &Governance) -> bool {
    let record_type = || {
        args.get("record_type")
            .and_then(Value::as_str)
            .and_then(|raw| RecordType::parse(raw).ok())
            .is_some_and(|t| governance.check_record_type(&t).is_ok())
    };
    let id = || {
        args.get("id")
            .and_then(Value::as_str)
            .is_some_and(|raw| RecordId::parse(raw).is_ok())
    };
    let values = || matches!(args.get("values"), Some(Value::Object(_)));
    match tool {
        "delete_record" => record_type() && id(),
        "update_record" => {
            let replace: Vec<String> = args
                .get("replace")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            record_type()
                && id()
                && values()
                && args
                    .get("values")
                    .and_then(Value::as_object)
                    .is_some_and(|v| {
                        crate::catalog::records_write::replaced_but_not_sent(&replace, v).is_none()
                    })
        }
        "create_record" => record_type() && values(),
        "upsert_record" => {
            record_type() && values() && args.get("external_id").is_some_and(Value::is_string)
        }
        _ => true,
    }
}

/// One line a person can judge: what the tool does to which record and which fields (names only), then the tool.
/// Everything that came from the model is quoted and cut short, so it cannot pass for the server's own words.
pub(super) fn summary(tool: &str, args: &JsonObject) -> String {
    let text = |k: &str| quoted(args.get(k).unwrap_or(&Value::Null));
    let plain = |k: &str| {
        args.get(k)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    let fields = |k: &str| match args.get(k) {
        Some(Value::Object(values)) if !values.is_empty() => {
            let mut names: Vec<String> = values
                .keys()
                .take(MAX_FIELDS)
                .map(|n| quoted_str(n, MAX_FIELD_CHARS))
                .collect();
            if values.len() > MAX_FIELDS {
                names.push(format!("and {} more", values.len() - MAX_FIELDS));
            }
            format!(" (fields: {})", names.join(", "))
        }
        _ => String::new(),
    };
    // Record types are only shown unquoted once checked (`worth_asking`): they are then plain ids.
    let change = match tool {
        "delete_record" => format!("delete {} record {}", plain("record_type"), text("id")),
        "update_record" => {
            let replace = match args.get("replace").and_then(Value::as_array) {
                Some(r) if !r.is_empty() => {
                    let names: Vec<String> = r.iter().map(quoted).collect();
                    format!(", replacing all lines of {}", names.join(", "))
                }
                _ => String::new(),
            };
            format!(
                "update {} record {}{}{replace}",
                plain("record_type"),
                text("id"),
                fields("values")
            )
        }
        "create_record" => format!(
            "create a new {} record{}",
            plain("record_type"),
            fields("values")
        ),
        "upsert_record" => format!(
            "create or update the {} record with external id {}{}",
            plain("record_type"),
            text("external_id"),
            fields("values")
        ),
        "call_restlet" => format!(
            "call RESTlet {} (deployment {}) with {}",
            text("script"),
            text("deploy"),
            text("method")
        ),
        _ => {
            let shown: Vec<String> = args
                .iter()
                .take(MAX_FIELDS)
                .map(|(k, v)| format!("{} = {}", quoted_str(k, MAX_FIELD_CHARS), quoted(v)))
                .collect();
            if shown.is_empty() {
                "run it without arguments".to_owned()
            } else {
                format!("run it with {}", shown.join(", "))
            }
        }
    };
    format!("{change} [{tool}]")
}

/// A value as shown: in backticks, strings without JSON quotes, cut to [`MAX_VALUE_CHARS`].
fn quoted(v: &Value) -> String {
    match v {
        Value::String(s) => quoted_str(s, MAX_VALUE_CHARS),
        Value::Null => "?".to_owned(),
        other => quoted_str(&other.to_string(), MAX_VALUE_CHARS),
    }
}

fn quoted_str(s: &str, max: usize) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control() && *c != '`').collect();
    if clean.chars().count() > max {
        let cut: String = clean.chars().take(max).collect();
        format!("`{cut}…`")
    } else {
        format!("`{clean}`")
    }
}
