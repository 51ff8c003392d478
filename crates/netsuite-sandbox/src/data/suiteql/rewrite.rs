//! Rewrites of the Oracle dialect on the paren tree: `FETCH FIRST`, `ROWNUM`, `TOP`, `NVL`, `DECODE`,
//! `BUILTIN.DF`, date arithmetic, `EXTRACT`, `MINUS`, and the `exprN` names of unnamed expressions.

use crate::data::schema::DATE_COLUMNS;
use crate::error::NsError;

use super::lex::{Node, Tok, is_op, num_value, render, word};
use super::search_error;

/// Words that would make SQLite do something other than read.
pub(super) const FORBIDDEN: &[&str] = &[
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

pub(super) const ENTITY_REFS: &[&str] = &[
    "entity",
    "customer",
    "company",
    "vendor",
    "salesrep",
    "employee",
    "supervisor",
];

pub(super) struct Ctx {
    pub(super) df_counter: usize,
}

/// `BUILTIN.DF(x)`: the display value of a reference, by the referenced column's name.
pub(super) fn builtin_df(args: &[Node], ctx: &mut Ctx) -> String {
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

pub(super) const DATE_FUNCS: &[&str] = &["TO_DATE", "ADD_MONTHS", "LAST_DAY"];

pub(super) fn is_date_column(n: Option<&Node>) -> bool {
    matches!(n, Some(Node::T(Tok::Word(w))) if DATE_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(w)))
}

pub(super) fn call_is_date(name: &str, args: &[Node]) -> bool {
    DATE_FUNCS.contains(&name)
        || (name == "TRUNC"
            && (matches!(args.first(), Some(Node::Raw { date: true, .. }))
                || is_date_column(args.first())
                || is_date_column(args.get(2))))
}

/// The primary expression ending at `e`: (start index, is it a date).
pub(super) fn primary_ending_at(v: &[Node], e: usize) -> Option<(usize, bool)> {
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
pub(super) fn primary_starting_at(v: &[Node], s: usize) -> Option<(usize, bool, bool)> {
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

pub(super) fn transform(level: Vec<Node>, ctx: &mut Ctx, top: bool) -> Result<Vec<Node>, NsError> {
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
pub(super) fn alias_expressions(v: &mut Vec<Node>) {
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
