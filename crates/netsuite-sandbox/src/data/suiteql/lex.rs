//! The SuiteQL tokenizer and paren tree: words, operators, numbers, string literals and quoted identifiers
//! kept byte for byte, and rendering back to text.

use crate::error::NsError;

use super::search_error;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) enum Node {
    T(Tok),
    P(Vec<Node>),
    Raw { text: String, date: bool },
}

/// Deepest parenthesis nesting accepted (SQLite's own expression limit is 1000).
pub(super) const MAX_DEPTH: usize = 100;

pub(super) const OPS: &[&str] = &[
    "||", "<=", ">=", "<>", "!=", "=", "<", ">", "+", "-", "*", "/", ".",
];

pub(super) fn tokenize(q: &str) -> Result<Vec<Node>, NsError> {
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

pub(super) fn render(nodes: &[Node]) -> String {
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

pub(super) fn word(n: Option<&Node>) -> Option<String> {
    match n {
        Some(Node::T(Tok::Word(w))) => Some(w.to_ascii_uppercase()),
        _ => None,
    }
}

pub(super) fn is_op(n: Option<&Node>, op: &str) -> bool {
    matches!(n, Some(Node::T(Tok::Op(o))) if *o == op)
}

pub(super) fn num_value(n: Option<&Node>) -> Option<u64> {
    match n {
        Some(Node::T(Tok::Num(s))) => s.parse().ok(),
        _ => None,
    }
}
