//! What a custom tool shows and sends: the generated input schema, annotations, and RESTlet requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::path::Path;

use netsuite_mcp::catalog::builtin_tool_names;
use netsuite_mcp::custom::{self, Annotations, Call, CustomTool, Method, RestletCall};
use serde_json::{Value, json};

fn load(text: &str) -> CustomTool {
    custom::parse_tool(Path::new("t.toml"), text, &builtin_tool_names())
        .unwrap_or_else(|p| panic!("{p:#?}"))
}

fn prepare(tool: &CustomTool, args: Value) -> Result<Call, custom::ArgError> {
    let Value::Object(args) = args else {
        panic!("object expected")
    };
    tool.prepare(&args)
}

const EVERY_TYPE: &str = r#"
name = "every_type"
description = "Every parameter type."
kind = "suiteql"
limit = 25
query = """
SELECT id FROM transaction
WHERE tranid = {{s}} AND id = {{i}} AND foreigntotal > {{n}} AND b = {{b}} AND trandate >= {{d}}
  AND status IN {{ss}} AND entity IN {{is}}
"""

[params.s]
type = "string"
description = "A code."
max_length = 8
pattern = "[A-Z]+"

[params.i]
type = "integer"
description = "An id."
min = 1
max = 99

[params.n]
type = "number"
description = "An amount."
min = 0.5
default = 10

[params.b]
type = "boolean"
description = "A flag."
default = true

[params.d]
type = "date"
description = "From."
min = 2020-01-01
max = "2030-12-31"
default = 2024-01-01

[params.ss]
type = "list<string>"
description = "Statuses."
enum = ["CustInvc:A", "CustInvc:B"]
default = ["CustInvc:A"]

[params.is]
type = "list<integer>"
description = "Entities."
"#;

#[test]
fn input_schema_carries_types_descriptions_defaults_enums_bounds_and_required() {
    let schema = Value::Object(load(EVERY_TYPE).input_schema());
    let want = json!({
        "type": "object",
        "properties": {
            "s": {"type": "string", "description": "A code.", "maxLength": 8, "pattern": "^(?:[A-Z]+)$"},
            "i": {"type": "integer", "description": "An id.", "minimum": 1, "maximum": 99},
            "n": {"type": "number", "description": "An amount.", "minimum": 0.5, "default": 10},
            "b": {"type": "boolean", "description": "A flag.", "default": true},
            "d": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                  "description": "From. Between 2020-01-01 and 2030-12-31.", "default": "2024-01-01"},
            "ss": {"type": "array", "description": "Statuses.", "minItems": 1, "maxItems": 1000,
                   "items": {"type": "string", "maxLength": 4000, "enum": ["CustInvc:A", "CustInvc:B"]},
                   "default": ["CustInvc:A"]},
            "is": {"type": "array", "description": "Entities.", "minItems": 1, "maxItems": 1000,
                   "items": {"type": "integer"}},
            "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 25, "description": "Rows per page."},
            "offset": {"type": "integer", "minimum": 0, "maximum": 4294967295u32, "default": 0,
                       "description": "Rows to skip; pass the previous result's next_offset to get the next page."}
        },
        "required": ["s", "i", "is"],
        "additionalProperties": false
    });
    assert_eq!(
        schema,
        want,
        "{}",
        serde_json::to_string_pretty(&schema).unwrap()
    );
    assert!(schema.get("oneOf").is_none() && schema.get("anyOf").is_none());
}

#[test]
fn every_type_renders_with_defaults_and_constraints() {
    let tool = load(EVERY_TYPE);
    let Call::Suiteql(call) = prepare(&tool, json!({"s": "AB", "i": 7, "is": [3, -4]})).unwrap()
    else {
        panic!("suiteql expected")
    };
    assert_eq!(
        call.query,
        "SELECT id FROM transaction\nWHERE tranid = 'AB' AND id = 7 AND foreigntotal > 10 AND b = 'T' AND \
         trandate >= TO_DATE('2024-01-01', 'YYYY-MM-DD')\n  AND status IN ('CustInvc:A') AND entity IN (3, (-4))\n"
    );
    assert_eq!((call.limit, call.offset), (25, 0));
    for (args, param, needle) in [
        (
            json!({"s": "ab", "i": 7, "is": [1]}),
            "s",
            "does not match the pattern",
        ),
        (
            json!({"s": "ABCDEFGHI", "i": 7, "is": [1]}),
            "s",
            "at most 8 characters",
        ),
        (
            json!({"s": "AB", "i": 100, "is": [1]}),
            "i",
            "above the maximum 99",
        ),
        (
            json!({"s": "AB", "i": 0, "is": [1]}),
            "i",
            "below the minimum 1",
        ),
        (
            json!({"s": "AB", "i": 1, "n": 0.25, "is": [1]}),
            "n",
            "below the minimum 0.5",
        ),
        (
            json!({"s": "AB", "i": 1, "d": "2019-12-31", "is": [1]}),
            "d",
            "below the minimum 2020-01-01",
        ),
        (
            json!({"s": "AB", "i": 1, "ss": ["CustInvc:C"], "is": [1]}),
            "ss",
            "element 1: `CustInvc:C` is not one of",
        ),
    ] {
        let e = prepare(&tool, args.clone()).unwrap_err();
        assert_eq!(e.param, param, "{args}");
        assert!(e.message.contains(needle), "{args}: {}", e.message);
    }
}

#[test]
fn annotations_follow_kind_and_read_only() {
    let read = Annotations {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    };
    let write = Annotations {
        read_only: false,
        destructive: true,
        idempotent: false,
        open_world: true,
    };
    assert_eq!(load(EVERY_TYPE).annotations(), read);
    assert_eq!(load(RESTLET_GET).annotations(), write);
    let declared =
        RESTLET_GET.replace("kind = \"restlet\"", "kind = \"restlet\"\nread_only = true");
    let tool = load(&declared);
    assert!(tool.read_only());
    assert_eq!(tool.annotations(), read);
}

const RESTLET_GET: &str = r#"
name = "lookup"
description = "Lookup through a RESTlet."
kind = "restlet"
script = "customscript_lookup"
deploy = "customdeploy_lookup"
method = "GET"

[params.q]
type = "string"
description = "Text."

[params.ids]
type = "list<integer>"
description = "Ids."
default = [1, 2]

[params.on]
type = "date"
description = "Day."
default = 2024-03-04
"#;

#[test]
fn get_restlet_tools_send_query_parameters_and_never_change_the_script() {
    let tool = load(RESTLET_GET);
    assert!(tool.input_schema()["properties"].get("limit").is_none());
    let Call::Restlet(call) = prepare(&tool, json!({"q": "a&script=99&deploy=1"})).unwrap() else {
        panic!("restlet expected")
    };
    assert_eq!(
        call,
        RestletCall {
            script: "customscript_lookup".into(),
            deploy: "customdeploy_lookup".into(),
            method: Method::Get,
            query: vec![
                ("q".into(), "a&script=99&deploy=1".into()),
                ("ids".into(), "1,2".into()),
                ("on".into(), "2024-03-04".into()),
            ],
            body: None,
        }
    );
    let e = prepare(&tool, json!({"q": "x", "script": "99"})).unwrap_err();
    assert_eq!(e.param, "script");
    let e = prepare(&tool, json!({"q": "a\u{0}b"})).unwrap_err();
    assert_eq!(e.param, "q");
}

#[test]
fn post_restlet_tools_send_a_typed_json_body() {
    let tool = load(
        &RESTLET_GET
            .replace("\"GET\"", "\"POST\"")
            .replace("deploy = \"customdeploy_lookup\"", "deploy = 2"),
    );
    let Call::Restlet(call) = prepare(&tool, json!({"q": "line 1\nline 2", "ids": [5]})).unwrap()
    else {
        panic!("restlet expected")
    };
    assert_eq!(call.method, Method::Post);
    assert_eq!(call.deploy, "2");
    assert!(call.query.is_empty());
    assert_eq!(
        call.body,
        Some(json!({"q": "line 1\nline 2", "ids": [5], "on": "2024-03-04"}))
    );
}
