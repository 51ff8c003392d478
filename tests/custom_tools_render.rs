//! The rendering boundary, checked against a real SQL engine (SQLite, which the sandbox's SuiteQL runs on):
//! any argument renders to literals the engine reads back as exactly that value, and hostile arguments of every
//! type either stay one harmless literal or are refused naming the parameter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::path::Path;

use netsuite_mcp::catalog::builtin_tool_names;
use netsuite_mcp::custom::{self, ArgError, Call, CustomTool};
use proptest::prelude::*;
use rusqlite::Connection;
use serde_json::{Value, json};

fn tool(query: &str, params: &str) -> CustomTool {
    let text = format!(
        "name = \"t\"\ndescription = \"test\"\nkind = \"suiteql\"\nquery = '''\n{query}\n'''\n{params}"
    );
    custom::parse_tool(Path::new("t.toml"), &text, &builtin_tool_names())
        .unwrap_or_else(|p| panic!("{p:#?}"))
}

fn param(name: &str, ty: &str) -> String {
    format!("[params.{name}]\ntype = \"{ty}\"\ndescription = \"{name}\"\n")
}

fn render(tool: &CustomTool, args: Value) -> Result<String, ArgError> {
    let Value::Object(args) = args else {
        panic!("args must be an object")
    };
    match tool.prepare(&args)? {
        Call::Suiteql(c) => Ok(c.query),
        Call::Restlet(_) => panic!("not a suiteql tool"),
    }
}

/// SQLite with the demo table and a `TO_DATE` that accepts only the form we render.
fn db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.create_scalar_function(
        "to_date",
        2,
        rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let (text, format): (String, String) = (ctx.get(0)?, ctx.get(1)?);
            assert_eq!(format, "YYYY-MM-DD");
            Ok(text)
        },
    )
    .unwrap();
    conn.execute_batch(
        "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, balance REAL, active TEXT, since TEXT);
         INSERT INTO customer VALUES (1, 'Acme', 10.5, 'T', '2024-01-31'), (2, 'Blue Ridge', 0, 'F', '2023-06-01'),
                                     (3, 'O''Brien', -3.25, 'T', '2022-12-31');",
    )
    .unwrap();
    conn
}

/// Runs a rendered query; `prepare` fails on a second statement, so success also proves there is just one.
fn rows(conn: &Connection, q: &str) -> Vec<Vec<rusqlite::types::Value>> {
    let mut stmt = conn.prepare(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    let n = stmt.column_count();
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn one_value(conn: &Connection, q: &str) -> rusqlite::types::Value {
    let r = rows(conn, q);
    assert_eq!(r.len(), 1, "{q}");
    r[0][0].clone()
}

fn sql_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Strings rich in what breaks naive quoting.
fn nasty_string() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        3 => prop::sample::select(vec![
            '\'', '"', '\\', ';', '-', '/', '*', '{', '}', '(', ')', '%', '_', '\0', '\n', '\r', '\t', '’', '‘',
            'ʼ', '＇', '\u{2028}', '\u{202E}', '\u{85}', '\u{7f}', '日', '😀', 'q', 'N', ' ', ',',
        ]),
        2 => any::<char>(),
    ];
    prop::collection::vec(c, 0..40).prop_map(|v| v.into_iter().collect())
}

fn allowed_string() -> impl Strategy<Value = String> {
    nasty_string().prop_map(|s| s.chars().filter(|c| !sql_forbidden(*c)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_string_reads_back_exactly_or_is_refused(s in nasty_string()) {
        let t = tool("SELECT {{s}} AS v", &param("s", "string"));
        let conn = db();
        match render(&t, json!({ "s": s })) {
            Ok(q) => {
                prop_assert!(!s.chars().any(sql_forbidden));
                prop_assert_eq!(one_value(&conn, &q), rusqlite::types::Value::Text(s.clone()));
            }
            Err(e) => {
                prop_assert!(s.chars().any(sql_forbidden), "refused {:?}: {}", s, e);
                prop_assert_eq!(e.param, "s");
            }
        }
    }

    #[test]
    fn any_integer_reads_back_exactly(n in any::<i64>()) {
        let t = tool("SELECT {{n}} AS v, 1 -{{n}} AS w", &param("n", "integer"));
        let q = render(&t, json!({ "n": n })).unwrap();
        let r = rows(&db(), &q);
        prop_assert_eq!(&r[0][0], &rusqlite::types::Value::Integer(n));
        if n != i64::MIN && n > i64::MIN + 1 {
            prop_assert_eq!(&r[0][1], &rusqlite::types::Value::Integer(1 - n));
        }
    }

    #[test]
    fn any_finite_number_reads_back_as_the_same_value(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let t = tool("SELECT {{x}} AS v", &param("x", "number"));
        if x.abs() > 9_007_199_254_740_992.0 {
            // Beyond 2^53 the shortest decimal form is not the float's exact value: refused.
            let refused = render(&t, json!({ "x": x })).is_err();
            prop_assert!(refused, "{} accepted", x);
            return Ok(());
        }
        let q = render(&t, json!({ "x": x })).unwrap();
        let literal = q.trim_start_matches("SELECT ").trim_end_matches(" AS v\n");
        prop_assert!(literal.chars().all(|c| c.is_ascii_digit() || "().-".contains(c)), "{}", q);
        let got = match one_value(&db(), &q) {
            rusqlite::types::Value::Real(f) => f,
            rusqlite::types::Value::Integer(i) => i as f64,
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(got, x, "{}", q);
    }

    #[test]
    fn any_calendar_date_reads_back(y in 1i32..=9999, m in 1u8..=12, d in 1u8..=31) {
        let text = format!("{y:04}-{m:02}-{d:02}");
        let real = time::Month::try_from(m).ok().and_then(|mo| time::Date::from_calendar_date(y, mo, d).ok());
        let t = tool("SELECT {{d}} AS v", &param("d", "date"));
        match (render(&t, json!({ "d": text })), real) {
            (Ok(q), Some(_)) => prop_assert_eq!(one_value(&db(), &q), rusqlite::types::Value::Text(text)),
            (Err(e), None) => prop_assert_eq!(e.param, "d"),
            (got, real) => panic!("{text}: {got:?} vs {real:?}"),
        }
    }

    #[test]
    fn a_string_list_matches_exactly_its_own_elements(xs in prop::collection::vec(allowed_string(), 1..8)) {
        let conn = db();
        conn.execute_batch("CREATE TABLE v (s TEXT); INSERT INTO v VALUES ('decoy'), (''''), ('%'), (NULL);").unwrap();
        for s in &xs {
            conn.execute("INSERT INTO v VALUES (?1)", [s]).unwrap();
        }
        let t = tool("SELECT DISTINCT s FROM v WHERE s IN {{xs}} ORDER BY s", &param("xs", "list<string>"));
        let q = render(&t, json!({ "xs": xs })).unwrap();
        let got: Vec<String> = rows(&conn, &q).into_iter().map(|r| match &r[0] {
            rusqlite::types::Value::Text(s) => s.clone(),
            other => panic!("{other:?}"),
        }).collect();
        let mut want = xs.clone();
        want.sort();
        want.dedup();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn booleans_render_as_t_and_f() {
    let t = tool(
        "SELECT id FROM customer WHERE active = {{b}} ORDER BY id",
        &param("b", "boolean"),
    );
    let conn = db();
    assert_eq!(
        rows(&conn, &render(&t, json!({"b": true})).unwrap()).len(),
        2
    );
    assert_eq!(
        rows(&conn, &render(&t, json!({"b": false})).unwrap()).len(),
        1
    );
}

const HOSTILE: &[&str] = &[
    "' OR '1'='1",
    "x' OR 1=1 --",
    "1; DROP TABLE customer",
    "1 OR 1=1",
    "--",
    "/*",
    "*/ OR 1=1 /*",
    "\\'",
    "\\' OR 1=1 --",
    "’ OR ’1’=’1",
    "ʼ OR ʼ1ʼ=ʼ1",
    "＇ OR 1=1 --",
    "') OR ('1'='1",
    "\0' OR '1'='1",
    "a\n' OR '1'='1",
    "{{s}}",
    "2024-01-01' OR '1'='1",
    "T' OR 'T'='T",
    "1) OR (1=1",
    "",
];

fn count_customers(conn: &Connection) -> i64 {
    conn.query_row("SELECT COUNT(*) FROM customer", [], |r| r.get(0))
        .unwrap()
}

/// Every hostile string, as the value of a parameter of each type (and as a list element): either refused
/// naming the parameter, or rendered to a query that returns no row (no customer has such a value) and leaves
/// the table intact.
#[test]
fn hostile_strings_through_every_type_return_only_what_the_query_allows() {
    let cases: &[(&str, &str)] = &[
        ("string", "SELECT id FROM customer WHERE name = {{p}}"),
        ("integer", "SELECT id FROM customer WHERE id = {{p}}"),
        ("number", "SELECT id FROM customer WHERE balance = {{p}}"),
        ("boolean", "SELECT id FROM customer WHERE active = {{p}}"),
        ("date", "SELECT id FROM customer WHERE since = {{p}}"),
        (
            "list<string>",
            "SELECT id FROM customer WHERE name IN {{p}}",
        ),
        ("list<integer>", "SELECT id FROM customer WHERE id IN {{p}}"),
        (
            "list<number>",
            "SELECT id FROM customer WHERE balance IN {{p}}",
        ),
        (
            "list<boolean>",
            "SELECT id FROM customer WHERE active IN {{p}}",
        ),
        ("list<date>", "SELECT id FROM customer WHERE since IN {{p}}"),
    ];
    let conn = db();
    for (ty, query) in cases {
        let t = tool(query, &param("p", ty));
        for hostile in HOSTILE {
            let arg = if ty.starts_with("list") {
                json!([hostile])
            } else {
                json!(hostile)
            };
            match render(&t, json!({ "p": arg })) {
                Ok(q) => {
                    assert!(ty.contains("string"), "{ty} accepted {hostile:?}: {q}");
                    assert!(rows(&conn, &q).is_empty(), "{q}");
                }
                Err(e) => assert_eq!(e.param, "p", "{ty} {hostile:?}"),
            }
            assert_eq!(count_customers(&conn), 3);
        }
    }
}

/// Non-string JSON that could smuggle structure: objects, arrays for scalars, huge or fractional numbers.
#[test]
fn wrongly_typed_json_is_refused_naming_the_parameter() {
    let cases: &[(&str, Value)] = &[
        ("integer", json!(1.5)),
        ("integer", json!("1")),
        ("integer", json!(1e300)),
        ("integer", json!(18446744073709551615u64)),
        ("integer", json!([1])),
        ("integer", json!({"a": 1})),
        ("integer", json!(true)),
        ("number", json!("1e5")),
        ("number", json!(9007199254740993i64)),
        ("boolean", json!("T")),
        ("boolean", json!(1)),
        ("date", json!("2024-02-30")),
        ("date", json!("2024-01-01 00:00:00")),
        ("date", json!(20240101)),
        ("string", json!(1)),
        ("string", json!(["a"])),
        ("list<integer>", json!([])),
        ("list<integer>", json!(1)),
        ("list<integer>", json!([1, null])),
        ("list<integer>", json!([1, "2"])),
        ("list<string>", json!([["a"]])),
    ];
    for (ty, v) in cases {
        let t = tool("SELECT id FROM customer WHERE id = {{p}}", &param("p", ty));
        let e = render(&t, json!({ "p": v })).expect_err(&format!("{ty} {v}"));
        assert_eq!(e.param, "p");
    }
    let t = tool(
        "SELECT id FROM customer WHERE id IN {{p}}",
        &param("p", "list<integer>"),
    );
    let e = render(&t, json!({ "p": vec![1; custom::MAX_LIST_LEN + 1] })).unwrap_err();
    assert!(e.message.contains("at most"));
}

#[test]
fn negative_numbers_cannot_form_a_comment() {
    // `0 -{{n}}` with n = -1 must mean 0 - (-1) = 1, not `0 --1` (0 followed by a comment).
    let t = tool(
        "SELECT name FROM customer WHERE id = 0 -{{n}}",
        &param("n", "integer"),
    );
    let q = render(&t, json!({"n": -1})).unwrap();
    assert!(!q.contains("--"), "{q}");
    assert_eq!(
        rows(&db(), &q),
        vec![vec![rusqlite::types::Value::Text("Acme".into())]]
    );
    let t = tool(
        "SELECT name FROM customer WHERE balance < 0 -{{x}}",
        &param("x", "number"),
    );
    let q = render(&t, json!({"x": -0.5})).unwrap();
    assert!(!q.contains("--"), "{q}");
    assert_eq!(rows(&db(), &q).len(), 2);
}

#[test]
fn unknown_and_missing_arguments_are_named() {
    let t = tool(
        "SELECT id FROM customer WHERE id = {{id}}",
        &param("id", "integer"),
    );
    let e = render(&t, json!({"id": 1, "extra": "1 OR 1=1"})).unwrap_err();
    assert_eq!(e.param, "extra");
    assert!(e.message.contains("unknown argument"));
    let e = render(&t, json!({})).unwrap_err();
    assert_eq!(
        (e.param.as_str(), e.message.as_str()),
        ("id", "required argument is missing")
    );
    // null counts as absent.
    assert_eq!(render(&t, json!({"id": null})).unwrap_err().param, "id");
}

#[test]
fn paging_arguments_are_checked() {
    let t = tool(
        "SELECT id FROM customer WHERE id = {{id}}",
        &param("id", "integer"),
    );
    let prepare = |args: Value| {
        let Value::Object(m) = args else {
            unreachable!()
        };
        t.prepare(&m)
    };
    match prepare(json!({"id": 1})).unwrap() {
        Call::Suiteql(c) => assert_eq!((c.limit, c.offset), (custom::DEFAULT_LIMIT, 0)),
        Call::Restlet(_) => unreachable!(),
    }
    match prepare(json!({"id": 1, "limit": 5, "offset": 10})).unwrap() {
        Call::Suiteql(c) => assert_eq!((c.limit, c.offset), (5, 10)),
        Call::Restlet(_) => unreachable!(),
    }
    for (args, name) in [
        (json!({"id": 1, "limit": 0}), "limit"),
        (json!({"id": 1, "limit": 1001}), "limit"),
        (json!({"id": 1, "limit": "5"}), "limit"),
        (json!({"id": 1, "offset": -1}), "offset"),
        (json!({"id": 1, "offset": 1.5}), "offset"),
        (json!({"id": 1, "offset": 4294967296u64}), "offset"),
    ] {
        assert_eq!(prepare(args).unwrap_err().param, name);
    }
}
