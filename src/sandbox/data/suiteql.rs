//! SuiteQL → SQLite: a tokenizer that never looks inside string literals or quoted identifiers, a paren tree,
//! and rewrites of the Oracle dialect people write in SuiteQL (`FETCH FIRST`, `ROWNUM`, `TOP`, `NVL`, `NVL2`,
//! `DECODE`, `BUILTIN.DF`, `TO_CHAR`, `TO_DATE`, `SYSDATE`, date arithmetic, `EXTRACT`, `MINUS`). Then
//! execution with NetSuite's row shape: lowercase keys, every value a string, null columns omitted.

use rusqlite::types::ValueRef;
use serde_json::{Map, Value};

use super::super::error::NsError;
use super::paging::{MAX_RESULTS, Page};
use super::schema::DATE_COLUMNS;
use super::sqlfn::{format_number, parse_iso};

/// NetSuite's error for a query it can't run (netsuite-api.md §4).
pub fn search_error(msg: impl AsRef<str>) -> NsError {
    NsError::invalid_parameter(
        "q",
        format!(
            "Invalid search query. Detailed unprocessed description follows. Search error occurred: {}",
            msg.as_ref()
        ),
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    /// Quoted identifier, raw (with its quotes).
    QIdent(String),
    /// String literal, raw (with its quotes and doubled quotes): passed to SQLite byte for byte.
    Str(String),
    Num(String),
    Op(&'static str),
    Comma,
    Semi,
    Param,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    T(Tok),
    P(Vec<Node>),
    Raw { text: String, date: bool },
}

/// Deepest parenthesis nesting accepted (SQLite's own expression limit is 1000).
const MAX_DEPTH: usize = 100;

const OPS: &[&str] = &[
    "||", "<=", ">=", "<>", "!=", "=", "<", ">", "+", "-", "*", "/", ".",
];

fn tokenize(q: &str) -> Result<Vec<Node>, NsError> {
    let b = q.as_bytes();
    let mut i = 0;
    // Stack of open paren levels; the bottom is the statement.
    let mut stack: Vec<Vec<Node>> = vec![Vec::new()];
    let push = |stack: &mut Vec<Vec<Node>>, n: Node| {
        if let Some(top) = stack.last_mut() {
            top.push(n);
        }
    };
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if q[i..].starts_with("--") {
            i = q[i..].find('\n').map_or(b.len(), |n| i + n + 1);
        } else if q[i..].starts_with("/*") {
            let end = q[i + 2..]
                .find("*/")
                .ok_or_else(|| search_error("Unterminated comment."))?;
            i += 2 + end + 2;
        } else if c == b'\'' || c == b'"' {
            let mut j = i + 1;
            loop {
                match b.get(j) {
                    None => {
                        return Err(search_error(if c == b'\'' {
                            "Unterminated string literal."
                        } else {
                            "Unterminated quoted identifier."
                        }));
                    }
                    Some(&x) if x == c => {
                        if b.get(j + 1) == Some(&c) {
                            j += 2;
                        } else {
                            break;
                        }
                    }
                    Some(_) => j += 1,
                }
            }
            let raw = q[i..=j].to_owned();
            if c == b'"' && raw.len() == 2 {
                return Err(search_error("Empty quoted identifier."));
            }
            push(
                &mut stack,
                Node::T(if c == b'\'' {
                    Tok::Str(raw)
                } else {
                    Tok::QIdent(raw)
                }),
            );
            i = j + 1;
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j < b.len() && b[j] == b'.' {
                j += 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
            }
            if j < b.len() && (b[j] == b'e' || b[j] == b'E') {
                let mut k = j + 1;
                if k < b.len() && (b[k] == b'+' || b[k] == b'-') {
                    k += 1;
                }
                if k < b.len() && b[k].is_ascii_digit() {
                    while k < b.len() && b[k].is_ascii_digit() {
                        k += 1;
                    }
                    j = k;
                }
            }
            if j < b.len() && (b[j].is_ascii_alphabetic() || b[j] == b'_') {
                return Err(search_error(format!("Syntax error near '{}'.", &q[i..=j])));
            }
            push(&mut stack, Node::T(Tok::Num(q[i..j].to_owned())));
            i = j;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            push(&mut stack, Node::T(Tok::Word(q[i..j].to_owned())));
            i = j;
        } else if c == b'(' {
            // Translation recurses per level: bound the depth so no input can exhaust the stack.
            if stack.len() > MAX_DEPTH {
                return Err(search_error("The query is nested too deeply."));
            }
            stack.push(Vec::new());
            i += 1;
        } else if c == b')' {
            if stack.len() < 2 {
                return Err(search_error(
                    "Syntax error near ')': unbalanced parentheses.",
                ));
            }
            let inner = stack.pop().unwrap_or_default();
            push(&mut stack, Node::P(inner));
            i += 1;
        } else if c == b',' {
            push(&mut stack, Node::T(Tok::Comma));
            i += 1;
        } else if c == b';' {
            push(&mut stack, Node::T(Tok::Semi));
            i += 1;
        } else if c == b'?' {
            push(&mut stack, Node::T(Tok::Param));
            i += 1;
        } else if let Some(op) = OPS.iter().find(|op| q[i..].starts_with(**op)) {
            push(&mut stack, Node::T(Tok::Op(op)));
            i += op.len();
        } else {
            let ch = q[i..].chars().next().unwrap_or('?');
            return Err(search_error(format!("Syntax error near '{ch}'.")));
        }
    }
    if stack.len() != 1 {
        return Err(search_error("Syntax error: unbalanced parentheses."));
    }
    Ok(stack.pop().unwrap_or_default())
}

fn render(nodes: &[Node]) -> String {
    let mut out = String::new();
    for n in nodes {
        if !out.is_empty() {
            out.push(' ');
        }
        match n {
            Node::T(t) => match t {
                Tok::Word(s) | Tok::QIdent(s) | Tok::Str(s) | Tok::Num(s) => out.push_str(s),
                Tok::Op(o) => out.push_str(o),
                Tok::Comma => out.push(','),
                Tok::Semi => out.push(';'),
                Tok::Param => out.push('?'),
            },
            Node::P(inner) => {
                out.push('(');
                out.push_str(&render(inner));
                out.push(')');
            }
            Node::Raw { text, .. } => out.push_str(text),
        }
    }
    out
}

fn word(n: Option<&Node>) -> Option<String> {
    match n {
        Some(Node::T(Tok::Word(w))) => Some(w.to_ascii_uppercase()),
        _ => None,
    }
}

fn is_op(n: Option<&Node>, op: &str) -> bool {
    matches!(n, Some(Node::T(Tok::Op(o))) if *o == op)
}

fn num_value(n: Option<&Node>) -> Option<u64> {
    match n {
        Some(Node::T(Tok::Num(s))) => s.parse().ok(),
        _ => None,
    }
}

/// Words that would make SQLite do something other than read.
const FORBIDDEN: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "DROP",
    "CREATE",
    "ALTER",
    "PRAGMA",
    "ATTACH",
    "DETACH",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
    "MERGE",
    "GRANT",
    "REVOKE",
    "TRUNCATE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
];

const ENTITY_REFS: &[&str] = &[
    "entity",
    "customer",
    "company",
    "vendor",
    "salesrep",
    "employee",
    "supervisor",
];

struct Ctx {
    df_counter: usize,
}

/// `BUILTIN.DF(x)`: the display value of a reference, by the referenced column's name.
fn builtin_df(args: &[Node], ctx: &mut Ctx) -> String {
    let arg = render(args);
    let col = match args {
        [Node::T(Tok::Word(c))] => Some(c.to_ascii_lowercase()),
        [
            Node::T(Tok::Word(_) | Tok::QIdent(_)),
            Node::T(Tok::Op(".")),
            Node::T(Tok::Word(c)),
        ] => Some(c.to_ascii_lowercase()),
        [
            Node::T(Tok::Word(_) | Tok::QIdent(_)),
            Node::T(Tok::Op(".")),
            Node::T(Tok::QIdent(c)),
        ] if c.eq_ignore_ascii_case("\"transaction\"") => Some("transaction".to_owned()),
        _ => None,
    };
    ctx.df_counter += 1;
    let a = format!("ns_df{}", ctx.df_counter);
    let lookup = |table: &str, display: &str| {
        format!("(SELECT {a}.{display} FROM {table} {a} WHERE {a}.id = {arg})")
    };
    match col.as_deref() {
        Some("status") => format!("ns_status_df({arg})"),
        Some("type") => format!("ns_type_df({arg})"),
        Some(c) if ENTITY_REFS.contains(&c) => lookup("entity", "entityid"),
        Some("subsidiary") | Some("parent") => lookup("subsidiary", "name"),
        Some("currency") => lookup("currency", "name"),
        Some("item") => lookup("item", "itemid"),
        Some("transaction") => format!(
            "(SELECT ns_type_df({a}.type) || ' #' || {a}.tranid FROM \"transaction\" {a} WHERE {a}.id = {arg})"
        ),
        // guess: on a field that is not a reference, BUILTIN.DF returns the value itself.
        _ => format!("({arg})"),
    }
}

const DATE_FUNCS: &[&str] = &["TO_DATE", "ADD_MONTHS", "LAST_DAY"];

fn is_date_column(n: Option<&Node>) -> bool {
    matches!(n, Some(Node::T(Tok::Word(w))) if DATE_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(w)))
}

fn call_is_date(name: &str, args: &[Node]) -> bool {
    DATE_FUNCS.contains(&name)
        || (name == "TRUNC"
            && (matches!(args.first(), Some(Node::Raw { date: true, .. }))
                || is_date_column(args.first())
                || is_date_column(args.get(2))))
}

/// The primary expression ending at `e`: (start index, is it a date).
fn primary_ending_at(v: &[Node], e: usize) -> Option<(usize, bool)> {
    match v.get(e)? {
        Node::Raw { date, .. } => Some((e, *date)),
        Node::P(args) => match e.checked_sub(1).and_then(|i| word(v.get(i))) {
            Some(name) => Some((e - 1, call_is_date(&name, args))),
            None => Some((e, false)),
        },
        Node::T(Tok::Word(_)) => {
            let date = is_date_column(v.get(e));
            if e >= 2 && is_op(v.get(e - 1), ".") {
                Some((e - 2, date))
            } else {
                Some((e, date))
            }
        }
        Node::T(Tok::Num(_) | Tok::Str(_) | Tok::QIdent(_)) => Some((e, false)),
        _ => None,
    }
}

/// The primary expression starting at `s`: (end index, is it a date, is it a number literal).
fn primary_starting_at(v: &[Node], s: usize) -> Option<(usize, bool, bool)> {
    match v.get(s)? {
        Node::Raw { date, .. } => Some((s, *date, false)),
        Node::T(Tok::Num(_)) => Some((s, false, true)),
        Node::T(Tok::Word(w)) => {
            if let Some(Node::P(args)) = v.get(s + 1) {
                return Some((s + 1, call_is_date(&w.to_ascii_uppercase(), args), false));
            }
            if is_op(v.get(s + 1), ".") && matches!(v.get(s + 2), Some(Node::T(Tok::Word(_)))) {
                return Some((s + 2, is_date_column(v.get(s + 2)), false));
            }
            Some((s, is_date_column(v.get(s)), false))
        }
        _ => None,
    }
}

fn transform(level: Vec<Node>, ctx: &mut Ctx, top: bool) -> Result<Vec<Node>, NsError> {
    // Children first.
    let mut v = Vec::with_capacity(level.len());
    for n in level {
        v.push(match n {
            Node::P(inner) => Node::P(transform(inner, ctx, false)?),
            other => other,
        });
    }

    // Pass A: words and functions.
    let mut out: Vec<Node> = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        let n = &v[i];
        match n {
            Node::T(Tok::Word(w)) => {
                let up = w.to_ascii_uppercase();
                if FORBIDDEN.contains(&up.as_str()) {
                    return Err(search_error(format!(
                        "Only SELECT statements are supported; '{w}' is not allowed."
                    )));
                }
                match up.as_str() {
                    "LIMIT" => {
                        return Err(search_error(
                            "Syntax error near 'LIMIT'. Use FETCH FIRST n ROWS ONLY or ROWNUM.",
                        ));
                    }
                    "BUILTIN" => {
                        let name = word(v.get(i + 2));
                        match (is_op(v.get(i + 1), "."), name.as_deref(), v.get(i + 3)) {
                            (true, Some("DF"), Some(Node::P(args))) => {
                                let text = builtin_df(args, ctx);
                                out.push(Node::Raw { text, date: false });
                            }
                            (
                                true,
                                Some("CONSOLIDATE" | "CURRENCY_CONVERT"),
                                Some(Node::P(args)),
                            ) => {
                                // guess: a single-currency view; the first argument unchanged.
                                let first: Vec<Node> = args
                                    .split(|a| *a == Node::T(Tok::Comma))
                                    .next()
                                    .map(<[Node]>::to_vec)
                                    .unwrap_or_default();
                                out.push(Node::P(first));
                            }
                            _ => {
                                return Err(search_error(format!(
                                    "Unknown identifier 'BUILTIN.{}'.",
                                    name.unwrap_or_default()
                                )));
                            }
                        }
                        i += 4;
                        continue;
                    }
                    "NVL" if matches!(v.get(i + 1), Some(Node::P(_))) => {
                        out.push(Node::T(Tok::Word("COALESCE".into())));
                    }
                    "SYSDATE" => out.push(Node::Raw {
                        text: "ns_sysdate()".into(),
                        date: true,
                    }),
                    "CURRENT_DATE" => out.push(Node::Raw {
                        text: "ns_current_date()".into(),
                        date: true,
                    }),
                    "EXTRACT" if matches!(v.get(i + 1), Some(Node::P(_))) => {
                        let args: &[Node] = match v.get(i + 1) {
                            Some(Node::P(args)) => args,
                            _ => &[],
                        };
                        match (word(args.first()), word(args.get(1))) {
                            (Some(unit), Some(from)) if from == "FROM" && args.len() > 2 => {
                                out.push(Node::Raw {
                                    text: format!("ns_extract('{unit}', {})", render(&args[2..])),
                                    date: false,
                                });
                            }
                            _ => return Err(search_error("Syntax error in EXTRACT.")),
                        }
                        i += 2;
                        continue;
                    }
                    "MINUS" => out.push(Node::T(Tok::Word("EXCEPT".into()))),
                    // `transaction` is an SQLite keyword; quote it wherever it names the table or column.
                    "TRANSACTION" => out.push(Node::T(Tok::QIdent("\"transaction\"".into()))),
                    _ => out.push(n.clone()),
                }
            }
            Node::T(Tok::Op("/")) => {
                // Oracle divides exactly; SQLite truncates integer division. a * 1.0 / b keeps precedence.
                out.push(Node::T(Tok::Op("*")));
                out.push(Node::T(Tok::Num("1.0".into())));
                out.push(Node::T(Tok::Op("/")));
            }
            Node::T(Tok::Semi) => {
                if !(top && i + 1 == v.len()) {
                    return Err(search_error("Only one statement may be run at a time."));
                }
            }
            _ => out.push(n.clone()),
        }
        i += 1;
    }

    // Pass B: Oracle date arithmetic (date ± days, date - date).
    let mut k = 1;
    while k + 1 < out.len() {
        let op = match &out[k] {
            Node::T(Tok::Op(o)) if *o == "+" || *o == "-" => *o,
            _ => {
                k += 1;
                continue;
            }
        };
        let left = primary_ending_at(&out, k - 1);
        let right = primary_starting_at(&out, k + 1);
        if let (Some((ls, true)), Some((re, rdate, rnum))) = (left, right) {
            let l = render(&out[ls..k]);
            let r = render(&out[k + 1..=re]);
            let replacement = if rnum {
                Some(Node::Raw {
                    text: format!("ns_date_add({l}, {op}{r})"),
                    date: true,
                })
            } else if rdate && op == "-" {
                Some(Node::Raw {
                    text: format!("ns_days_between({l}, {r})"),
                    date: false,
                })
            } else {
                None
            };
            if let Some(rep) = replacement {
                out.splice(ls..=re, [rep]);
                k = ls + 1;
                continue;
            }
        }
        k += 1;
    }

    // Pass C: row limiting (TOP, OFFSET .. ROWS, FETCH FIRST .. ROWS ONLY, ROWNUM) → one LIMIT at the end.
    let mut limit: Option<u64> = None;
    let mut offset: Option<u64> = None;
    let has_select = out
        .iter()
        .any(|n| word(Some(n)).as_deref() == Some("SELECT"));
    let mut res: Vec<Node> = Vec::with_capacity(out.len());
    let mut i = 0;
    let min = |a: Option<u64>, b: u64| Some(a.map_or(b, |a| a.min(b)));
    while i < out.len() {
        let w = word(out.get(i));
        match w.as_deref() {
            Some("TOP")
                if word(res.last())
                    .as_deref()
                    .is_some_and(|p| p == "SELECT" || p == "DISTINCT") =>
            {
                let n = num_value(out.get(i + 1))
                    .ok_or_else(|| search_error("Syntax error near 'TOP'."))?;
                limit = min(limit, n);
                i += 2;
                continue;
            }
            Some("OFFSET") => {
                let n = num_value(out.get(i + 1));
                let rows = word(out.get(i + 2));
                match (n, rows.as_deref()) {
                    (Some(n), Some("ROW" | "ROWS")) => {
                        offset = Some(n);
                        i += 3;
                        continue;
                    }
                    _ => return Err(search_error("Syntax error near 'OFFSET'.")),
                }
            }
            Some("FETCH") => {
                let first = word(out.get(i + 1));
                if !matches!(first.as_deref(), Some("FIRST" | "NEXT")) {
                    return Err(search_error("Syntax error near 'FETCH'."));
                }
                let (n, j) = match num_value(out.get(i + 2)) {
                    Some(n) => (n, i + 3),
                    None => (1, i + 2),
                };
                match (word(out.get(j)).as_deref(), word(out.get(j + 1)).as_deref()) {
                    (Some("ROW" | "ROWS"), Some("ONLY")) => {
                        limit = min(limit, n);
                        i = j + 2;
                        continue;
                    }
                    _ => return Err(search_error("Syntax error near 'FETCH'.")),
                }
            }
            Some("ROWNUM") => {
                let prev = word(res.last());
                let cmp = match out.get(i + 1) {
                    Some(Node::T(Tok::Op(o))) => Some(*o),
                    _ => None,
                };
                let n = num_value(out.get(i + 2));
                let next = word(out.get(i + 3));
                let and_joined = matches!(prev.as_deref(), Some("WHERE" | "AND"))
                    && next.as_deref() != Some("OR");
                if let (true, true, Some(cmp), Some(n)) = (has_select, and_joined, cmp, n) {
                    let lim = match cmp {
                        "<=" => Some(n),
                        "<" => Some(n.saturating_sub(1)),
                        "=" if n == 1 => Some(1),
                        _ => None,
                    };
                    if let Some(lim) = lim {
                        limit = min(limit, lim);
                        res.push(Node::Raw {
                            text: "1 = 1".into(),
                            date: false,
                        });
                        i += 3;
                        continue;
                    }
                }
                // guess: other uses of ROWNUM become a row number over the result.
                res.push(Node::Raw {
                    text: "ROW_NUMBER() OVER ()".into(),
                    date: false,
                });
                i += 1;
                continue;
            }
            _ => {}
        }
        res.push(out[i].clone());
        i += 1;
    }
    if limit.is_some() || offset.is_some() {
        if !has_select {
            return Err(search_error(
                "Row limiting is only supported at the end of a SELECT.",
            ));
        }
        let l = limit.map_or("-1".to_owned(), |l| l.to_string());
        let o = offset.unwrap_or(0);
        res.push(Node::Raw {
            text: format!("LIMIT {l} OFFSET {o}"),
            date: false,
        });
    }
    Ok(res)
}

/// Gives every unnamed expression in the main select list the name NetSuite gives it: `expr1`, `expr2`, ...
fn alias_expressions(v: &mut Vec<Node>) {
    let Some(select) = v
        .iter()
        .position(|n| word(Some(n)).as_deref() == Some("SELECT"))
    else {
        return;
    };
    let mut start = select + 1;
    while matches!(
        word(v.get(start)).as_deref(),
        Some("DISTINCT" | "ALL" | "UNIQUE")
    ) {
        start += 1;
    }
    let end = (start..v.len())
        .find(|&i| {
            matches!(
                word(v.get(i)).as_deref(),
                Some("FROM" | "UNION" | "INTERSECT" | "EXCEPT" | "WHERE" | "ORDER" | "GROUP")
            ) || matches!(v.get(i), Some(Node::Raw { text, .. }) if text.starts_with("LIMIT "))
        })
        .unwrap_or(v.len());
    let mut items: Vec<(usize, usize)> = Vec::new();
    let mut s = start;
    for i in start..=end {
        if i == end || v.get(i) == Some(&Node::T(Tok::Comma)) {
            items.push((s, i));
            s = i + 1;
        }
    }
    let mut counter = 0;
    let mut inserts = Vec::new();
    for (s, e) in items {
        let item = &v[s..e];
        let named = match item {
            [] => true,
            [Node::T(Tok::Op("*"))] => true,
            [Node::T(Tok::Word(w))] => !w.eq_ignore_ascii_case("NULL"),
            [Node::T(Tok::QIdent(_))] => true,
            [_, Node::T(Tok::Op(".")), _] => true,
            [.., prev, Node::T(Tok::Word(last) | Tok::QIdent(last))] => {
                let kw = ["END", "NULL"].iter().any(|k| last.eq_ignore_ascii_case(k));
                let prev_ok = match prev {
                    Node::T(Tok::Word(p)) => p.eq_ignore_ascii_case("AS") || !kw,
                    Node::T(Tok::Op(_)) | Node::T(Tok::Comma) => false,
                    _ => true,
                };
                !kw && prev_ok
            }
            _ => false,
        };
        if !named {
            counter += 1;
            inserts.push((e, counter));
        }
    }
    for (pos, n) in inserts.into_iter().rev() {
        v.splice(
            pos..pos,
            [
                Node::T(Tok::Word("AS".into())),
                Node::T(Tok::Word(format!("expr{n}"))),
            ],
        );
    }
}

/// Translates a SuiteQL statement into the SQLite statement that gives the same rows.
pub fn translate(q: &str) -> Result<String, NsError> {
    let nodes = tokenize(q)?;
    match word(nodes.first()).as_deref() {
        Some("SELECT" | "WITH") => {}
        Some(w) => {
            return Err(search_error(format!(
                "Only SELECT statements are supported; '{w}' is not allowed."
            )));
        }
        None if nodes.is_empty() => return Err(search_error("The query is empty.")),
        None => {
            return Err(search_error(
                "Syntax error: a query must start with SELECT or WITH.",
            ));
        }
    }
    let mut ctx = Ctx { df_counter: 0 };
    let mut out = transform(nodes, &mut ctx, true)?;
    alias_expressions(&mut out);
    Ok(render(&out))
}

/// Turns an SQLite error into NetSuite's wording.
pub fn map_sqlite_error(e: &rusqlite::Error) -> NsError {
    let msg = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        rusqlite::Error::UserFunctionError(u) => u.to_string(),
        rusqlite::Error::MultipleStatement => {
            return search_error("Only one statement may be run at a time.");
        }
        other => other.to_string(),
    };
    let strip = |s: &str| {
        let s = s.trim().trim_start_matches("main.");
        s.rsplit('.')
            .next()
            .unwrap_or(s)
            .trim_matches('"')
            .to_owned()
    };
    if let Some(t) = msg.strip_prefix("no such table: ") {
        search_error(format!("Record '{}' was not found.", strip(t)))
    } else if let Some(c) = msg.strip_prefix("no such column: ") {
        search_error(format!("Unknown identifier '{}'.", strip(c)))
    } else if let Some(f) = msg.strip_prefix("no such function: ") {
        search_error(format!("Unknown identifier '{}'.", f.trim()))
    } else if msg.contains("not authorized") || msg.contains("prohibited") {
        search_error("Invalid or unsupported search.")
    } else if msg == "interrupted" {
        // guess: NetSuite's wording for a query that runs too long is undocumented.
        search_error("The query took too long to run and was stopped.")
    } else if let Some(rest) = msg.strip_prefix("near ") {
        let tok = rest.split(": ").next().unwrap_or(rest).trim_matches('"');
        search_error(format!("Syntax error near '{tok}'."))
    } else {
        search_error(msg)
    }
}

/// One page of SuiteQL results in NetSuite's row shape.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteqlPage {
    /// Rows counted, capped at 100 000.
    pub total: usize,
    /// The requested page of rows, each with `links: []`.
    pub rows: Vec<Value>,
}

fn column_key(name: &str, seen: &mut usize) -> String {
    let plain = !name.is_empty()
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric() || c == '_' || c == ' ' || c == '-' || c == '#' || c == '$'
        });
    if plain {
        name.to_ascii_lowercase()
    } else {
        *seen += 1;
        format!("expr{seen}")
    }
}

fn cell(v: ValueRef<'_>, decl: Option<&str>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(r) => Some(format_number(r)),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t).into_owned();
            let is_date = decl.is_some_and(|d| {
                d.eq_ignore_ascii_case("DATE") || d.eq_ignore_ascii_case("TIMESTAMP")
            });
            // Raw date columns come back in the account's date format (netsuite-api.md §4).
            match (is_date, parse_iso(&s)) {
                (true, Some(dt)) => Some(dt.account_format()),
                _ => Some(s),
            }
        }
        ValueRef::Blob(b) => Some(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

/// Runs an already translated, read-only statement and cuts out one page.
pub fn execute(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    page: Page,
) -> Result<SuiteqlPage, NsError> {
    let mut stmt = conn.prepare(sql).map_err(|e| map_sqlite_error(&e))?;
    if !stmt.readonly() {
        return Err(search_error("Only SELECT statements are supported."));
    }
    if stmt.parameter_count() != params.len() {
        return Err(NsError::invalid_content(
            "params",
            format!(
                "The query has {} bind parameter(s) but {} value(s) were given in 'params'.",
                stmt.parameter_count(),
                params.len()
            ),
        ));
    }
    for (i, p) in params.iter().enumerate() {
        let bound: rusqlite::types::Value = match p {
            Value::Null => rusqlite::types::Value::Null,
            Value::Bool(b) => rusqlite::types::Value::Text(if *b { "T" } else { "F" }.into()),
            Value::Number(n) => match n.as_i64() {
                Some(i) => rusqlite::types::Value::Integer(i),
                None => rusqlite::types::Value::Real(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => rusqlite::types::Value::Text(s.clone()),
            _ => {
                return Err(NsError::invalid_content(
                    &format!("params[{i}]"),
                    "A bind parameter must be a string, number or boolean.",
                ));
            }
        };
        stmt.raw_bind_parameter(i + 1, bound)
            .map_err(|e| map_sqlite_error(&e))?;
    }
    let columns: Vec<(String, Option<String>)> = {
        let mut seen = 0;
        stmt.columns()
            .map(|c| {
                (
                    column_key(c.name(), &mut seen),
                    c.decl_type().map(str::to_owned),
                )
            })
            .collect()
    };
    let mut rows_out = Vec::new();
    let mut total = 0;
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next().map_err(|e| map_sqlite_error(&e))? {
        if total >= MAX_RESULTS {
            break;
        }
        if page.contains(total) {
            let mut obj = Map::new();
            obj.insert("links".into(), Value::Array(Vec::new()));
            for (i, (key, decl)) in columns.iter().enumerate() {
                let v = row.get_ref(i).map_err(|e| map_sqlite_error(&e))?;
                if let Some(s) = cell(v, decl.as_deref()) {
                    // guess: with duplicate column names the first one wins.
                    obj.entry(key.clone()).or_insert(Value::String(s));
                }
            }
            rows_out.push(Value::Object(obj));
        }
        total += 1;
    }
    Ok(SuiteqlPage {
        total,
        rows: rows_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(q: &str) -> String {
        translate(q).unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    fn err(q: &str) -> String {
        translate(q).expect_err(q).detail
    }

    #[test]
    fn fetch_first_and_next_become_limit() {
        assert!(
            t("SELECT id FROM customer FETCH FIRST 10 ROWS ONLY").ends_with("LIMIT 10 OFFSET 0")
        );
        assert!(t("SELECT id FROM customer FETCH NEXT 1 ROW ONLY").ends_with("LIMIT 1 OFFSET 0"));
        assert!(
            t("SELECT id FROM customer ORDER BY id OFFSET 20 ROWS FETCH NEXT 5 ROWS ONLY")
                .ends_with("LIMIT 5 OFFSET 20")
        );
    }

    #[test]
    fn rownum_in_where_becomes_limit() {
        let s = t("SELECT id FROM customer WHERE ROWNUM <= 10");
        assert!(
            s.contains("WHERE 1 = 1") && s.ends_with("LIMIT 10 OFFSET 0"),
            "{s}"
        );
        let s = t(
            "SELECT * FROM (SELECT id FROM customer ORDER BY id DESC) WHERE isinactive = 'F' AND ROWNUM < 4",
        );
        assert!(s.ends_with("LIMIT 3 OFFSET 0"), "{s}");
        let s = t("SELECT ROWNUM AS rn, id FROM customer");
        assert!(s.contains("ROW_NUMBER() OVER ()"), "{s}");
    }

    #[test]
    fn top_becomes_limit() {
        assert!(t("SELECT TOP 3 id FROM customer").ends_with("LIMIT 3 OFFSET 0"));
    }

    #[test]
    fn nvl_and_functions() {
        assert!(
            t("SELECT NVL(email, 'none') AS e FROM customer").contains("COALESCE (email , 'none')")
        );
        assert!(t("SELECT NVL2(email, 'y', 'n') AS e FROM customer").contains("NVL2 (email"));
    }

    #[test]
    fn builtin_df_becomes_lookup() {
        let s = t("SELECT BUILTIN.DF(t.entity) AS name, BUILTIN.DF(t.status) FROM transaction t");
        assert!(
            s.contains("FROM entity ns_df1 WHERE ns_df1.id = t . entity"),
            "{s}"
        );
        assert!(s.contains("ns_status_df(t . status) AS expr1"), "{s}");
        assert!(
            t("SELECT BUILTIN.DF(subsidiary) AS s FROM customer")
                .contains("FROM subsidiary ns_df1")
        );
        assert!(
            t("SELECT BUILTIN.DF(tl.item) AS s FROM transactionline tl")
                .contains("FROM item ns_df1")
        );
        assert!(err("SELECT BUILTIN.NOPE(id) FROM customer").contains("Unknown identifier"));
    }

    #[test]
    fn sysdate_current_date_and_date_arithmetic() {
        let s = t("SELECT id FROM transaction WHERE trandate >= SYSDATE - 30");
        assert!(
            s.contains("trandate >= ns_date_add(ns_sysdate(), -30)"),
            "{s}"
        );
        let s = t("SELECT id FROM transaction t WHERE t.trandate > CURRENT_DATE - 7");
        assert!(s.contains("ns_date_add(ns_current_date(), -7)"), "{s}");
        let s = t("SELECT SYSDATE - t.duedate AS overdue FROM transaction t");
        assert!(
            s.contains("ns_days_between(ns_sysdate(), t . duedate)"),
            "{s}"
        );
        let s = t("SELECT TO_DATE('2024-01-31', 'YYYY-MM-DD') + 1 AS d FROM dual");
        assert!(
            s.contains("ns_date_add(TO_DATE ('2024-01-31' , 'YYYY-MM-DD'), +1)"),
            "{s}"
        );
    }

    #[test]
    fn to_char_and_to_date_pass_through_to_registered_functions() {
        let s = t("SELECT TO_CHAR(trandate, 'YYYY-MM') AS m FROM transaction");
        assert!(s.contains("TO_CHAR (trandate , 'YYYY-MM')"), "{s}");
    }

    #[test]
    fn string_literals_are_never_rewritten() {
        let q = "SELECT 'it''s NVL( SYSDATE ROWNUM -- /* ;' AS x FROM dual";
        let s = t(q);
        assert!(s.contains("'it''s NVL( SYSDATE ROWNUM -- /* ;'"), "{s}");
        assert!(t("SELECT \"weird NVL\" FROM customer").contains("\"weird NVL\""));
    }

    #[test]
    fn unnamed_expressions_get_expr_names() {
        let s = t(
            "SELECT COUNT(*), MAX(id) m, companyname, c.id, CASE WHEN 1 = 1 THEN 'a' END FROM customer c",
        );
        assert!(s.contains("COUNT (*) AS expr1"), "{s}");
        assert!(s.contains("MAX (id) m ,"), "{s}");
        assert!(s.contains("END AS expr2"), "{s}");
    }

    #[test]
    fn division_is_exact() {
        assert!(t("SELECT 5 / 2 AS x FROM dual").contains("5 * 1.0 / 2"));
    }

    #[test]
    fn refuses_non_select_and_multiple_statements() {
        for q in [
            "DELETE FROM customer",
            "UPDATE customer SET email = 'x'",
            "INSERT INTO customer (id) VALUES (1)",
            "DROP TABLE customer",
            "PRAGMA table_info(customer)",
            "ATTACH DATABASE 'x' AS y",
            "SELECT 1 FROM dual; DELETE FROM customer",
            "SELECT 1 FROM dual; SELECT 2 FROM dual",
            "WITH x AS (SELECT 1 FROM dual) DELETE FROM customer",
            "",
            "SELECT id FROM customer LIMIT 5",
        ] {
            let e = translate(q).expect_err(q);
            assert_eq!(e.code, "INVALID_PARAMETER", "{q}");
            assert_eq!(e.query_param.as_deref(), Some("q"));
            assert!(
                e.detail
                    .starts_with("Invalid search query. Detailed unprocessed description follows.")
            );
        }
        assert!(translate("SELECT 1 AS one FROM dual;").is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let q = format!(
            "SELECT {}1{} AS x FROM dual",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert!(err(&q).contains("nested too deeply"));
        assert!(
            translate(&format!(
                "SELECT {}1{} AS x FROM dual",
                "(".repeat(50),
                ")".repeat(50)
            ))
            .is_ok()
        );
    }

    #[test]
    fn tokenizer_errors() {
        assert!(err("SELECT 'abc FROM dual").contains("Unterminated string"));
        assert!(err("SELECT (1 FROM dual").contains("unbalanced"));
        assert!(err("SELECT :x FROM dual").contains("Syntax error near ':'"));
        assert!(err("SELECT [id] FROM dual").contains("Syntax error"));
    }

    #[test]
    fn extract_and_minus() {
        assert!(
            t("SELECT EXTRACT(YEAR FROM trandate) AS y FROM transaction")
                .contains("ns_extract('YEAR', trandate)")
        );
        assert!(t("SELECT id FROM customer MINUS SELECT id FROM customer").contains("EXCEPT"));
    }
}
