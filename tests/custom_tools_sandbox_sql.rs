//! Rendered literals through the sandbox's own SuiteQL engine (Oracle-style SuiteQL translated to SQLite, with
//! NetSuite's result shape): any value reads back as exactly itself, and hostile arguments never return rows the
//! query does not allow.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::path::Path;
use std::sync::OnceLock;

use netsuite_mcp::catalog::builtin_tool_names;
use netsuite_mcp::custom::{self, Call, CustomTool};
use netsuite_sandbox::data::{Page, Store};
use proptest::prelude::*;
use serde_json::{Value, json};

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| Store::demo().unwrap())
}

fn tool(query: &str, name: &str, ty: &str) -> CustomTool {
    let text = format!(
        "name = \"t\"\ndescription = \"test\"\nkind = \"suiteql\"\nquery = '''\n{query}\n'''\n\
         [params.{name}]\ntype = \"{ty}\"\ndescription = \"x\"\n"
    );
    custom::parse_tool(Path::new("t.toml"), &text, &builtin_tool_names())
        .unwrap_or_else(|p| panic!("{p:#?}"))
}

fn render(tool: &CustomTool, args: Value) -> Result<String, custom::ArgError> {
    let Value::Object(args) = args else {
        panic!("object expected")
    };
    match tool.prepare(&args)? {
        Call::Suiteql(c) => Ok(c.query),
        Call::Restlet(_) => panic!("suiteql expected"),
    }
}

/// Rows (NetSuite's `items`, without links) of a query on the demo account.
fn items(q: &str) -> Vec<Value> {
    let page = store()
        .suiteql(q, 1000, 0)
        .unwrap_or_else(|e| panic!("{q}\n{e:?}"));
    page["items"].as_array().cloned().unwrap_or_default()
}

fn sql_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn nasty_string() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        3 => prop::sample::select(vec![
            '\'', '"', '\\', ';', '-', '/', '*', '{', '}', '(', ')', '%', '_', '’', 'ʼ', '＇', '日', '😀', 'q', 'N',
            ' ', ',', '?', ':', '|', '#', '$', '[', ']', '`',
        ]),
        2 => any::<char>().prop_filter("allowed", |c| !sql_forbidden(*c)),
    ];
    prop::collection::vec(c, 1..40).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_string_reads_back_exactly_through_the_sandbox_engine(s in nasty_string()) {
        let t = tool("SELECT {{s}} AS v FROM dual", "s", "string");
        let rows = items(&render(&t, json!({"s": s})).unwrap());
        prop_assert_eq!(rows.len(), 1);
        prop_assert_eq!(&rows[0]["v"], &json!(s));
    }

    #[test]
    fn any_string_list_matches_only_itself(xs in prop::collection::vec(nasty_string(), 1..6)) {
        // Every customer name is in the demo data; none of these strings is (they are checked below).
        let t = tool("SELECT id FROM customer WHERE companyname IN {{xs}}", "xs", "list<string>");
        let rows = items(&render(&t, json!({"xs": xs})).unwrap());
        let expected = xs.iter().map(|x| items(&format!(
            "SELECT id FROM customer WHERE companyname = {}", custom::sql_literal(&custom::Scalar::String(x.clone()))
        )).len()).sum::<usize>();
        prop_assert_eq!(rows.len(), expected);
    }

    #[test]
    fn any_integer_reads_back_exactly(n in any::<i64>()) {
        let t = tool("SELECT {{n}} AS v FROM dual", "n", "integer");
        let rows = items(&render(&t, json!({"n": n})).unwrap());
        prop_assert_eq!(&rows[0]["v"], &json!(n.to_string()));
    }

    #[test]
    fn any_number_reads_back_as_the_same_value(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let t = tool("SELECT CASE WHEN {{x}} = ? THEN 'same' ELSE 'different' END AS v FROM dual", "x", "number");
        if x.abs() > 9_007_199_254_740_992.0 {
            // Not exactly representable as a decimal literal: refused, naming the parameter.
            let refused = t.prepare(json!({"x": x}).as_object().unwrap()).is_err();
            prop_assert!(refused, "{} accepted", x);
            return Ok(());
        }
        // The sandbox prints REAL results with at most 9 decimals (as NetSuite shows amounts), so compare inside
        // the engine with the exact value bound as a parameter.
        let q = render(&t, json!({"x": x})).unwrap();
        let page = store().suiteql_page(&q, &[json!(x)], Page::new(1, 0).unwrap()).unwrap();
        prop_assert_eq!(&page.rows[0]["v"], &json!("same"), "{}", q);
    }

    #[test]
    fn any_date_reads_back(y in 1i32..=9999, m in 1u8..=12, d in 1u8..=28) {
        let text = format!("{y:04}-{m:02}-{d:02}");
        let t = tool("SELECT TO_CHAR({{d}}, 'YYYY-MM-DD') AS v FROM dual", "d", "date");
        let rows = items(&render(&t, json!({"d": text})).unwrap());
        prop_assert_eq!(&rows[0]["v"], &json!(text));
    }
}

#[test]
fn booleans_and_dates_filter_the_demo_data() {
    let t = tool(
        "SELECT COUNT(*) AS n FROM customer WHERE isinactive = {{b}}",
        "b",
        "boolean",
    );
    let active: i64 = items(&render(&t, json!({"b": false})).unwrap())[0]["n"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let inactive: i64 = items(&render(&t, json!({"b": true})).unwrap())[0]["n"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let all: i64 = items("SELECT COUNT(*) AS n FROM customer")[0]["n"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(active > 0 && inactive > 0);
    assert_eq!(active + inactive, all);

    let t = tool(
        "SELECT COUNT(*) AS n FROM transaction WHERE trandate >= {{d}}",
        "d",
        "date",
    );
    let count = |d: &str| -> i64 {
        items(&render(&t, json!({"d": d})).unwrap())[0]["n"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(count("2024-01-01") > count("2025-01-01"));
    assert!(count("2025-01-01") > 0);
    assert_eq!(count("2100-01-01"), 0);
}

const HOSTILE: &[&str] = &[
    "' OR '1'='1",
    "x' OR 1=1 --",
    "1; DROP TABLE customer",
    "1 OR 1=1",
    "-- ",
    "/*",
    "*/ OR 1=1 /*",
    "\\' OR 1=1 --",
    "’ OR ’1’=’1",
    "') OR ('1'='1",
    "\0' OR '1'='1",
    "' UNION SELECT id FROM employee --",
    "2024-01-01' OR '1'='1",
    "T' OR 'T'='T",
    "1) OR (1=1",
];

#[test]
fn hostile_arguments_of_every_type_return_nothing_the_query_does_not_allow() {
    let cases: &[(&str, &str)] = &[
        (
            "string",
            "SELECT id FROM customer WHERE companyname = {{p}}",
        ),
        ("integer", "SELECT id FROM customer WHERE id = {{p}}"),
        ("number", "SELECT id FROM customer WHERE balance = {{p}}"),
        (
            "boolean",
            "SELECT id FROM customer WHERE isinactive = {{p}} AND id = 0",
        ),
        ("date", "SELECT id FROM transaction WHERE trandate = {{p}}"),
        (
            "list<string>",
            "SELECT id FROM customer WHERE companyname IN {{p}}",
        ),
        ("list<integer>", "SELECT id FROM customer WHERE id IN {{p}}"),
        (
            "list<date>",
            "SELECT id FROM transaction WHERE trandate IN {{p}}",
        ),
    ];
    let customers = items("SELECT COUNT(*) AS n FROM customer")[0]["n"].clone();
    for (ty, query) in cases {
        let t = tool(query, "p", ty);
        for hostile in HOSTILE {
            let arg = if ty.starts_with("list") {
                json!([hostile])
            } else {
                json!(hostile)
            };
            match render(&t, json!({ "p": arg })) {
                Ok(q) => {
                    assert!(ty.contains("string"), "{ty} accepted {hostile:?}");
                    assert!(items(&q).is_empty(), "{q}");
                }
                Err(e) => assert_eq!(e.param, "p", "{ty} {hostile:?}"),
            }
        }
    }
    assert_eq!(
        items("SELECT COUNT(*) AS n FROM customer")[0]["n"],
        customers
    );
}
