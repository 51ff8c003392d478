//! JSON Schema of a custom tool's input: one property per parameter with its type, description, default, enum,
//! bounds and length, `required` for parameters without a default, and the paging arguments of suiteql tools.
//! No top-level `oneOf`/`anyOf`; `additionalProperties: false` because unknown arguments are refused.

use serde_json::{Map, Value as Json, json};

use super::spec::format_date;
use super::spec::{MAX_LIMIT, MAX_LIST_LEN, Param, ParamType, Scalar, ScalarType, ToolKind};
use super::value::MAX_SQL_STRING_BYTES;
use super::{CustomTool, LIMIT_ARG, OFFSET_ARG};

fn bound(v: &Scalar) -> Json {
    match v {
        Scalar::Integer(i) => json!(i),
        Scalar::Number(n) => json!(n),
        Scalar::Date(d) => json!(format_date(*d)),
        Scalar::String(s) => json!(s),
        Scalar::Boolean(b) => json!(b),
    }
}

/// Schema of one value of the parameter (the element schema for lists).
fn element_schema(p: &Param, ty: ScalarType, sql: bool) -> Map<String, Json> {
    let mut s = Map::new();
    match ty {
        ScalarType::String => {
            s.insert("type".into(), json!("string"));
            let cap = p.max_length.or(sql.then_some(MAX_SQL_STRING_BYTES));
            if let Some(max) = cap {
                s.insert("maxLength".into(), json!(max));
            }
            if let Some(pat) = &p.pattern {
                s.insert("pattern".into(), json!(pat.anchored()));
            }
        }
        ScalarType::Integer => {
            s.insert("type".into(), json!("integer"));
        }
        ScalarType::Number => {
            s.insert("type".into(), json!("number"));
        }
        ScalarType::Boolean => {
            s.insert("type".into(), json!("boolean"));
        }
        ScalarType::Date => {
            s.insert("type".into(), json!("string"));
            s.insert("format".into(), json!("date"));
            s.insert("pattern".into(), json!(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"));
        }
    }
    match ty {
        ScalarType::Integer | ScalarType::Number => {
            if let Some(min) = &p.min {
                s.insert("minimum".into(), bound(min));
            }
            if let Some(max) = &p.max {
                s.insert("maximum".into(), bound(max));
            }
        }
        // JSON Schema has no bounds for date strings: `formatMinimum` is not standard, so clients see them in
        // the description and the server enforces them.
        _ => {}
    }
    if let Some(allowed) = &p.allowed {
        s.insert(
            "enum".into(),
            Json::Array(allowed.iter().map(bound).collect()),
        );
    }
    s
}

fn date_bounds_note(p: &Param) -> Option<String> {
    if p.ty.element() != ScalarType::Date {
        return None;
    }
    match (&p.min, &p.max) {
        (Some(a), Some(b)) => Some(format!("Between {a} and {b}.")),
        (Some(a), None) => Some(format!("On or after {a}.")),
        (None, Some(b)) => Some(format!("On or before {b}.")),
        (None, None) => None,
    }
}

fn param_schema(p: &Param, sql: bool) -> Json {
    let mut s = match p.ty {
        ParamType::Scalar(t) => element_schema(p, t, sql),
        ParamType::List(t) => {
            let mut s = Map::new();
            s.insert("type".into(), json!("array"));
            s.insert("items".into(), Json::Object(element_schema(p, t, sql)));
            s.insert("minItems".into(), json!(1));
            s.insert("maxItems".into(), json!(MAX_LIST_LEN));
            s
        }
    };
    let description = match date_bounds_note(p) {
        Some(note) => format!("{} {note}", p.description),
        None => p.description.clone(),
    };
    s.insert("description".into(), json!(description));
    if let Some(d) = &p.default {
        s.insert("default".into(), d.clone());
    }
    Json::Object(s)
}

/// The input schema of `tool`.
pub(crate) fn input_schema(tool: &CustomTool) -> Map<String, Json> {
    let sql = matches!(tool.kind, ToolKind::Suiteql { .. });
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in &tool.params {
        properties.insert(p.name.clone(), param_schema(p, sql));
        if p.is_required() {
            required.push(json!(p.name));
        }
    }
    if let ToolKind::Suiteql { limit, .. } = &tool.kind {
        properties.insert(
            LIMIT_ARG.into(),
            json!({
                "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": limit,
                "description": "Rows per page."
            }),
        );
        properties.insert(
            OFFSET_ARG.into(),
            json!({
                "type": "integer", "minimum": 0, "maximum": u32::MAX, "default": 0,
                "description": "Rows to skip; pass the previous result's next_offset to get the next page."
            }),
        );
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Json::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Json::Array(required));
    }
    schema.insert("additionalProperties".into(), json!(false));
    schema
}
