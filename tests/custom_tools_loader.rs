//! Loading custom tool files: every problem comes back as `file:line: message`, bad files are skipped and the
//! good ones still load; `tools validate` prints the same problems and exits 1 (2 for a missing directory).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::path::Path;

use netsuite_mcp::catalog::builtin_tool_names;
use netsuite_mcp::custom::{self, Problem, ToolKind};

const GOOD: &str = r#"name = "open_invoices"
description = "Open invoices of one customer."
kind = "suiteql"
query = """
SELECT t.id FROM transaction t
WHERE t.entity = {{customer_id}} AND t.status IN {{statuses}}
"""

[params.customer_id]
type = "integer"
description = "Customer id"

[params.statuses]
type = "list<string>"
description = "Status codes"
default = ["CustInvc:A"]
"#;

fn problems_of(text: &str) -> Vec<Problem> {
    match custom::parse_tool(Path::new("t.toml"), text, &builtin_tool_names()) {
        Ok(tool) => panic!("expected problems, loaded {}", tool.name()),
        Err(p) => p,
    }
}

/// Asserts exactly one problem, on `line`, whose message contains `needle`.
fn assert_one(text: &str, line: usize, needle: &str) {
    let problems = problems_of(text);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].line, line, "{problems:#?}");
    assert!(
        problems[0].message.contains(needle),
        "{:?} lacks {needle:?}",
        problems[0].message
    );
    assert_eq!(
        problems[0].to_string(),
        format!("t.toml:{line}: {}", problems[0].message)
    );
}

#[test]
fn a_good_file_loads() {
    let tool = custom::parse_tool(Path::new("t.toml"), GOOD, &builtin_tool_names()).unwrap();
    assert_eq!(tool.name(), "open_invoices");
    assert!(tool.read_only());
    assert_eq!(tool.default_limit(), Some(custom::DEFAULT_LIMIT));
    assert!(matches!(tool.kind(), ToolKind::Suiteql { .. }));
    assert_eq!(tool.params().len(), 2);
    assert!(
        tool.params()
            .iter()
            .any(|p| p.name() == "customer_id" && p.is_required())
    );
}

#[test]
fn toml_syntax_errors_have_their_line() {
    let text = GOOD.replace("type = \"integer\"", "type = integer");
    assert_one(&text, 10, "TOML syntax");
}

#[test]
fn unknown_keys_are_named_at_their_line() {
    assert_one(
        &GOOD.replace("kind = ", "kynd = \"x\"\nkind = "),
        3,
        "unknown key `kynd`",
    );
    assert_one(
        &GOOD.replace(
            "description = \"Customer id\"",
            "description = \"Customer id\"\nminimum = 1",
        ),
        12,
        "unknown key `minimum` in [params.customer_id]",
    );
}

#[test]
fn wrong_value_types_are_reported_where_they_are() {
    assert_one(
        &GOOD.replace(
            "kind = \"suiteql\"",
            "kind = \"suiteql\"\nread_only = \"yes\"",
        ),
        4,
        "`read_only` must be true or false, found a string",
    );
    assert_one(
        &GOOD.replace("kind = \"suiteql\"", "kind = \"suiteql\"\nlimit = \"10\""),
        4,
        "`limit` must be an integer from 1 to 1000",
    );
    assert_one(
        &GOOD.replace("type = \"integer\"", "type = 5"),
        10,
        "`type` must be a string",
    );
    assert_one(
        &GOOD.replace("type = \"integer\"", "type = \"int\""),
        10,
        "unknown type `int`",
    );
    assert_one(
        &GOOD.replace("default = [\"CustInvc:A\"]", "max_length = 0"),
        16,
        "`max_length` must be from 1",
    );
}

#[test]
fn a_placeholder_without_a_param_is_reported_on_its_query_line() {
    let text = GOOD.replace("t.entity = {{customer_id}}", "t.entity = {{customer}}");
    let problems = problems_of(&text);
    let lines: Vec<(usize, &str)> = problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0].0, 6);
    assert!(lines[0].1.contains("{{customer}} has no [params.customer]"));
    assert_eq!(lines[1].0, 9);
    assert!(lines[1].1.contains("`customer_id` is never used"));
}

#[test]
fn a_param_never_used_is_reported_at_its_table() {
    let text = format!("{GOOD}\n[params.extra]\ntype = \"string\"\ndescription = \"x\"\n");
    assert_one(&text, 18, "`extra` is never used");
}

#[test]
fn names_must_be_valid_and_not_built_in() {
    assert_one(
        &GOOD.replace("\"open_invoices\"", "\"run_suiteql\""),
        1,
        "built-in",
    );
    assert_one(
        &GOOD.replace("\"open_invoices\"", "\"Open-Invoices\""),
        1,
        "must match",
    );
    assert_one(
        &RESTLET.replace("[params.message]", "[params.\"my-message\"]"),
        8,
        "parameter name `my-message`",
    );
    assert_one(
        &RESTLET.replace("[params.message]", "[params._message]"),
        8,
        "parameter name `_message`",
    );
    // camelCase parameter names are fine (RESTlet query parameters often use them).
    custom::parse_tool(
        Path::new("t.toml"),
        &RESTLET.replace("[params.message]", "[params.includeInactive]"),
        &builtin_tool_names(),
    )
    .unwrap();
}

#[test]
fn invalid_defaults_are_reported_at_the_default() {
    assert_one(
        &GOOD.replace("[\"CustInvc:A\"]", "[]"),
        16,
        "invalid `default`: expected at least one element",
    );
    assert_one(
        &GOOD.replace("[\"CustInvc:A\"]", "\"CustInvc:A\""),
        16,
        "expected an array",
    );
    assert_one(
        &GOOD.replace("[\"CustInvc:A\"]", "[\"a\\nb\"]"),
        16,
        "U+000A",
    );
    let ranged = GOOD.replace(
        "description = \"Customer id\"",
        "description = \"Customer id\"\nmin = 1\nmax = 9\ndefault = 10",
    );
    assert_one(&ranged, 14, "above the maximum 9");
    let date = GOOD
        .replace("type = \"integer\"", "type = \"date\"")
        .replace(
            "description = \"Customer id\"",
            "description = \"d\"\ndefault = 2023-02-29",
        );
    assert_one(&date, 12, "TOML syntax");
    let date = GOOD
        .replace("type = \"integer\"", "type = \"date\"")
        .replace(
            "description = \"Customer id\"",
            "description = \"d\"\ndefault = \"2023-02-29\"",
        );
    assert_one(&date, 12, "not a calendar date");
    let enumed = GOOD.replace(
        "default = [\"CustInvc:A\"]",
        "enum = [\"CustInvc:A\", \"CustInvc:B\"]\ndefault = [\"CustInvc:X\"]",
    );
    assert_one(&enumed, 17, "not one of the allowed values");
}

#[test]
fn constraints_that_do_not_fit_the_type_are_refused() {
    let text = GOOD.replace(
        "description = \"Customer id\"",
        "description = \"Customer id\"\npattern = \"[0-9]+\"",
    );
    assert_one(
        &text,
        12,
        "`pattern` does not apply to a parameter of type integer",
    );
    let text = GOOD.replace("default = [\"CustInvc:A\"]", "pattern = \"(unclosed\"");
    assert_one(&text, 16, "not a valid regex");
    let text = GOOD.replace(
        "description = \"Customer id\"",
        "description = \"Customer id\"\nmin = 5\nmax = 1",
    );
    assert_one(&text, 12, "`min` (5) is greater than `max` (1)");
}

#[test]
fn query_structure_problems_have_their_line() {
    assert_one(
        &GOOD.replace("t.status IN {{statuses}}", "t.status IN {{statuses}};"),
        6,
        "one statement",
    );
    let quoted = GOOD.replace("{{customer_id}}", "'{{customer_id}}' AND {{customer_id}}");
    assert_one(&quoted, 6, "inside a string literal");
    let paren = GOOD.replace("IN {{statuses}}", "IN ({{statuses}})");
    assert_one(&paren, 6, "renders its own parentheses");
    let not_select = GOOD.replace("SELECT t.id", "DELETE");
    assert_one(&not_select, 5, "SELECT or WITH");
}

#[test]
fn missing_keys_are_reported_on_line_one() {
    assert_one(
        &GOOD.replace("kind = \"suiteql\"\n", ""),
        1,
        "missing `kind`",
    );
    let problems = problems_of("");
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(problems.iter().all(|p| p.line == 1));
    assert!(
        messages.iter().any(|m| m.contains("missing `name`")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("missing `description`")),
        "{messages:?}"
    );
}

#[test]
fn suiteql_tools_cannot_be_declared_writing_nor_take_paging_names() {
    assert_one(
        &GOOD.replace(
            "kind = \"suiteql\"",
            "kind = \"suiteql\"\nread_only = false",
        ),
        4,
        "suiteql tools only read",
    );
    let text = GOOD
        .replace("[params.customer_id]", "[params.limit]")
        .replace("{{customer_id}}", "{{limit}}");
    assert_one(&text, 9, "`limit` is reserved");
}

const RESTLET: &str = r#"name = "echo"
description = "Echo."
kind = "restlet"
script = "customscript_echo"
deploy = 1
method = "GET"

[params.message]
type = "string"
description = "Text"
"#;

#[test]
fn restlet_files_are_checked() {
    let tool = custom::parse_tool(Path::new("t.toml"), RESTLET, &builtin_tool_names()).unwrap();
    assert!(!tool.read_only());
    assert_one(
        &RESTLET.replace("\"GET\"", "\"get\""),
        6,
        "`method` must be",
    );
    assert_one(
        &RESTLET.replace("deploy = 1", "deploy = 0"),
        5,
        "`deploy` must be a positive integer",
    );
    assert_one(
        &RESTLET.replace("deploy = 1", "deploy = \"x y\""),
        5,
        "`deploy` must be",
    );
    assert_one(&RESTLET.replace("deploy = 1\n", ""), 1, "missing `deploy`");
    assert_one(
        &RESTLET.replace("deploy = 1", "deploy = 1\nlimit = 5"),
        6,
        "only for kind = \"suiteql\"",
    );
    assert_one(
        &RESTLET.replace("[params.message]", "[params.script]"),
        8,
        "reserved",
    );
    // In a body, `script` is just a field name.
    custom::parse_tool(
        Path::new("t.toml"),
        &RESTLET
            .replace("[params.message]", "[params.script]")
            .replace("\"GET\"", "\"POST\""),
        &builtin_tool_names(),
    )
    .unwrap();
    assert_one(
        &GOOD
            .replace("limit", "x")
            .replace("kind = \"suiteql\"", "kind = \"suiteql\"\nscript = 1"),
        4,
        "only for kind = \"restlet\"",
    );
}

#[test]
fn a_directory_loads_good_files_and_skips_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("a_good.toml", GOOD);
    write("b_same_name.toml", GOOD);
    write(
        "c_builtin.toml",
        &GOOD.replace("\"open_invoices\"", "\"get_record\""),
    );
    write("d_restlet.toml", RESTLET);
    write(".hidden.toml", "not toml at all [");
    write("notes.txt", "not a tool");
    std::fs::write(dir.path().join("e_binary.toml"), b"name = \"x\"\n\xff\xfe").unwrap();
    std::fs::create_dir(dir.path().join("sub.toml")).unwrap();

    let report = custom::load_dir(dir.path(), &builtin_tool_names()).unwrap();
    assert_eq!(report.files, 5);
    let names: Vec<&str> = report.tools.iter().map(|t| t.name()).collect();
    assert_eq!(names, ["open_invoices", "echo"]);
    assert_eq!(report.tools[0].source(), dir.path().join("a_good.toml"));
    let got: Vec<(String, usize)> = report
        .problems
        .iter()
        .map(|p| {
            (
                p.file.file_name().unwrap().to_string_lossy().into_owned(),
                p.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("b_same_name.toml".to_owned(), 1),
            ("c_builtin.toml".to_owned(), 1),
            ("e_binary.toml".to_owned(), 2),
        ]
    );
    assert!(report.problems[0].message.contains("already used by"));
    assert!(report.problems[0].message.contains("a_good.toml"));
    assert!(report.problems[2].message.contains("UTF-8"));
    assert!(!report.is_ok());
}

#[test]
fn a_missing_directory_is_an_error() {
    assert!(custom::load_dir(Path::new("/nonexistent/tools"), &builtin_tool_names()).is_err());
}

#[test]
fn tools_validate_prints_file_and_line_and_exits_non_zero() {
    let bin = env!("CARGO_BIN_EXE_netsuite-mcp");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.toml"), GOOD).unwrap();
    let ok = std::process::Command::new(bin)
        .args(["tools", "validate"])
        .arg(dir.path())
        .env_remove("NETSUITE_MCP_CONFIG")
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("open_invoices"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, GOOD.replace("kind = ", "kynd = 1\nkind = ")).unwrap();
    let failed = std::process::Command::new(bin)
        .args(["tools", "validate"])
        .arg(dir.path())
        .env_remove("NETSUITE_MCP_CONFIG")
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1));
    let out = String::from_utf8_lossy(&failed.stdout);
    assert!(
        out.contains(&format!("{}:3: unknown key `kynd`", bad.display())),
        "{out}"
    );

    // The directory can come from the environment; a missing one is a configuration error.
    let from_env = std::process::Command::new(bin)
        .args(["tools", "validate"])
        .env_remove("NETSUITE_MCP_CONFIG")
        .env("NETSUITE_MCP_TOOLS_DIR", dir.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(from_env.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&from_env.stderr).contains("missing"));
}

#[test]
fn writing_tools_are_destructive_unless_declared_otherwise_and_reading_tools_never_are() {
    let parse = |text: &str| custom::parse_tool(Path::new("t.toml"), text, &builtin_tool_names());
    assert!(parse(RESTLET).unwrap().annotations().destructive);
    let gentle = parse(&RESTLET.replace(
        "kind = \"restlet\"",
        "kind = \"restlet\"\ndestructive = false",
    ))
    .unwrap();
    assert!(!gentle.read_only());
    assert!(!gentle.annotations().destructive);
    assert_one(
        &RESTLET.replace(
            "kind = \"restlet\"",
            "kind = \"restlet\"\nread_only = true\ndestructive = true",
        ),
        5,
        "cannot be destructive",
    );
    assert_one(
        &RESTLET.replace("kind = \"restlet\"", "kind = \"restlet\"\ndestructive = 1"),
        4,
        "`destructive` must be true or false",
    );
}
