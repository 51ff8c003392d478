//! Rewrites generated JSON Schemas into the subset every MCP client and model provider reads the same way:
//! no type arrays, no bare `true` schemas, no Rust-specific formats (`uint64`, `double`, …).

use serde_json::{Map, Value, json};

/// The dialect MCP assumes for a schema without `$schema`.
const DEFAULT_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Which side of a tool a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Arguments: an optional argument is simply omitted, so `["T", "null"]` becomes `T`.
    Input,
    /// Results: null really occurs, so `["T", "null"]` becomes `anyOf: [{T}, {null}]`.
    Output,
}

/// Rewrites `schema` in place, recursively.
pub fn make_portable(schema: &mut Map<String, Value>, side: Side) {
    // JSON Schema 2020-12 is MCP's default dialect when `$schema` is absent (SEP-1613): naming it costs every
    // tools/list 60 characters per schema and tells no client anything.
    if schema.get("$schema").and_then(Value::as_str) == Some(DEFAULT_DIALECT) {
        schema.shift_remove("$schema");
    }
    drop_nonstandard_format(schema);
    if let Some(Value::Array(types)) = schema.get("type").cloned() {
        let non_null: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if non_null.len() == 1 {
            let single = non_null[0].clone();
            match side {
                Side::Input => {
                    schema.insert("type".into(), single);
                }
                Side::Output if non_null.len() < types.len() => {
                    // Keep the keywords that describe the value on the non-null branch.
                    let mut value_branch = std::mem::take(schema);
                    value_branch.insert("type".into(), single);
                    let description = value_branch.shift_remove("description");
                    schema.insert(
                        "anyOf".into(),
                        json!([Value::Object(value_branch), {"type": "null"}]),
                    );
                    if let Some(d) = description {
                        schema.insert("description".into(), d);
                    }
                }
                Side::Output => {
                    schema.insert("type".into(), single);
                }
            }
        }
    }
    for (key, child) in schema.iter_mut() {
        match (key.as_str(), child) {
            ("properties" | "$defs" | "definitions" | "patternProperties", Value::Object(map)) => {
                for sub in map.values_mut() {
                    portable_value(sub, side);
                }
            }
            ("items" | "additionalProperties" | "not" | "contains", sub) => {
                portable_value(sub, side)
            }
            ("anyOf" | "oneOf" | "allOf" | "prefixItems", Value::Array(list)) => {
                for sub in list {
                    portable_value(sub, side);
                }
            }
            _ => {}
        }
    }
}

fn portable_value(value: &mut Value, side: Side) {
    match value {
        // `true` means "anything"; say so with an explicit empty object only where a schema is required.
        Value::Bool(true) => *value = Value::Object(Map::new()),
        Value::Object(map) => make_portable(map, side),
        _ => {}
    }
}

fn drop_nonstandard_format(schema: &mut Map<String, Value>) {
    let nonstandard = schema
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| {
            matches!(
                f,
                "int8"
                    | "int16"
                    | "int32"
                    | "int64"
                    | "uint"
                    | "uint8"
                    | "uint16"
                    | "uint32"
                    | "uint64"
                    | "float"
                    | "double"
            )
        });
    if nonstandard {
        schema.shift_remove("format");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portable(v: Value, side: Side) -> Value {
        let Value::Object(mut m) = v else { panic!() };
        make_portable(&mut m, side);
        Value::Object(m)
    }

    #[test]
    fn the_default_dialect_is_left_implicit_and_another_kept() {
        let out = portable(
            json!({"$schema": DEFAULT_DIALECT, "type": "object"}),
            Side::Input,
        );
        assert_eq!(out, json!({"type": "object"}));
        let draft7 =
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"});
        assert_eq!(portable(draft7.clone(), Side::Output), draft7);
    }

    #[test]
    fn optional_inputs_lose_their_null_type() {
        let out = portable(
            json!({"type": "object", "properties": {"offset": {"type": ["integer", "null"], "format": "uint32", "minimum": 0}}}),
            Side::Input,
        );
        assert_eq!(
            out["properties"]["offset"],
            json!({"type": "integer", "minimum": 0})
        );
    }

    #[test]
    fn nullable_outputs_become_any_of_with_the_description_outside() {
        let out = portable(
            json!({"type": "object", "properties": {"next_offset": {"type": ["integer", "null"], "format": "uint64", "description": "d"}}}),
            Side::Output,
        );
        assert_eq!(
            out["properties"]["next_offset"],
            json!({"anyOf": [{"type": "integer"}, {"type": "null"}], "description": "d"})
        );
    }

    #[test]
    fn nested_items_and_bare_true_are_rewritten() {
        let out = portable(
            json!({"type": "array", "items": {"type": "array", "items": true}}),
            Side::Output,
        );
        assert_eq!(out["items"]["items"], json!({}));
    }
}
