//! The record service's `q` filter (netsuite-api.md §3.2): `field OPERATOR value`, joined with `AND`/`OR`
//! (AND binds tighter), parentheses, double-quoted values, `[a, b]` lists. Compiled to an SQL condition with
//! bound parameters; values never become SQL text.

use rusqlite::types::Value as SqlValue;

use super::super::error::NsError;
use super::schema::{Field, Kind, RecordType};
use super::sqlfn::parse_account_date;

fn q_error(msg: impl AsRef<str>) -> NsError {
    // guess: NetSuite's exact wording for a bad `q` is undocumented.
    NsError::invalid_parameter(
        "q",
        format!(
            "Invalid search query provided in the 'q' parameter: {}",
            msg.as_ref()
        ),
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Quoted(String),
    Bare(String),
}

fn lex(q: &str) -> Result<Vec<Tok>, NsError> {
    let mut out = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' | ',' => {
                chars.next();
                out.push(match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    _ => Tok::Comma,
                });
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                s.push(n);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => s.push(c),
                    }
                }
                if !closed {
                    return Err(q_error("unterminated quoted value."));
                }
                out.push(Tok::Quoted(s));
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "()[],\"".contains(c) {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                out.push(Tok::Bare(s));
            }
        }
    }
    Ok(out)
}

/// A compiled filter: an SQL condition over the record's table and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// SQL boolean expression with `?` placeholders.
    pub sql: String,
    /// Values for the placeholders, in order.
    pub params: Vec<SqlValue>,
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
    rt: &'a RecordType,
    params: Vec<SqlValue>,
}

/// The `id` pseudo-field every record has.
const ID_FIELD: Field = Field {
    name: "id",
    column: "id",
    kind: Kind::Integer,
    title: "Internal ID",
    read_only: true,
    mandatory: false,
    custom: false,
};

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Bare(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn or_expr(&mut self) -> Result<String, NsError> {
        let mut parts = vec![self.and_expr()?];
        while self.keyword("OR") {
            self.pos += 1;
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            format!("({})", parts.join(" OR "))
        })
    }

    fn and_expr(&mut self) -> Result<String, NsError> {
        let mut parts = vec![self.factor()?];
        while self.keyword("AND") {
            self.pos += 1;
            parts.push(self.factor()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            format!("({})", parts.join(" AND "))
        })
    }

    fn factor(&mut self) -> Result<String, NsError> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            // Parsing recurses per parenthesis: bound it so no input can exhaust the stack.
            self.depth += 1;
            if self.depth > 50 {
                return Err(q_error("the filter is nested too deeply."));
            }
            let inner = self.or_expr()?;
            self.depth -= 1;
            if self.next() != Some(Tok::RParen) {
                return Err(q_error("missing ')'."));
            }
            return Ok(inner);
        }
        self.condition()
    }

    fn value(&mut self) -> Result<String, NsError> {
        match self.next() {
            Some(Tok::Quoted(s)) | Some(Tok::Bare(s)) => Ok(s),
            _ => Err(q_error("a value is missing.")),
        }
    }

    fn values(&mut self) -> Result<Vec<String>, NsError> {
        if self.peek() != Some(&Tok::LBracket) {
            return Ok(vec![self.value()?]);
        }
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            out.push(self.value()?);
            match self.next() {
                Some(Tok::Comma) => continue,
                Some(Tok::RBracket) => break,
                _ => return Err(q_error("a list must look like [a, b].")),
            }
        }
        Ok(out)
    }

    /// Binds a value and returns its numbered placeholder (numbered, so one value can be used twice).
    fn bind(&mut self, v: SqlValue) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    fn condition(&mut self) -> Result<String, NsError> {
        let name = match self.next() {
            Some(Tok::Bare(n)) => n,
            _ => return Err(q_error("a field name is expected.")),
        };
        let field: Field = if name.eq_ignore_ascii_case("id") {
            ID_FIELD
        } else if let Some(f) = self.rt.field(&name) {
            *f
        } else if self.rt.sublist(&name).is_some() {
            return Err(q_error(format!(
                "field '{name}' is a sublist; only body fields can be filtered."
            )));
        } else {
            return Err(q_error(format!(
                "unknown field '{name}' for record type '{}'.",
                self.rt.name
            )));
        };
        let op = match self.next() {
            Some(Tok::Bare(op)) => op.to_ascii_uppercase(),
            _ => return Err(q_error(format!("an operator is expected after '{name}'."))),
        };
        let (base, negate) = match op.strip_suffix("_NOT") {
            Some(b) => (b.to_owned(), true),
            None => (op.clone(), false),
        };
        let base = if base == "END_WITH" {
            "ENDWITH".to_owned()
        } else {
            base
        };
        let col = format!("\"{}\"", field.column);
        let bad_op = || {
            q_error(format!(
                "operator '{op}' is not valid for field '{}' of type {}.",
                field.name,
                kind_name(field.kind)
            ))
        };
        let cond = if base == "EMPTY" {
            format!("{col} IS NULL")
        } else {
            match field.kind {
                Kind::Bool => {
                    if base != "IS" {
                        return Err(bad_op());
                    }
                    let v = self.value()?;
                    let b = match v.to_ascii_lowercase().as_str() {
                        "true" | "t" => "T",
                        "false" | "f" => "F",
                        _ => {
                            return Err(q_error(format!(
                                "'{v}' is not a boolean value for '{}'.",
                                field.name
                            )));
                        }
                    };
                    format!("{col} = {}", self.bind(SqlValue::Text(b.into())))
                }
                Kind::Text | Kind::Email | Kind::Phone => {
                    let v = self.value()?;
                    let lower = format!("LOWER({col})");
                    let p = self.bind(SqlValue::Text(v.to_lowercase()));
                    // String filters compare case-insensitively (guess, as saved searches do).
                    match base.as_str() {
                        "IS" => format!("{lower} = {p}"),
                        "CONTAIN" => format!("instr({lower}, {p}) > 0"),
                        "START_WITH" => format!("substr({lower}, 1, length({p})) = {p}"),
                        "ENDWITH" => format!("substr({lower}, -length({p})) = {p}"),
                        _ => return Err(bad_op()),
                    }
                }
                Kind::Integer | Kind::Float | Kind::Currency | Kind::Ref(_) => {
                    let vals = self.values()?;
                    let mut nums = Vec::new();
                    for v in &vals {
                        let n: f64 =
                            v.parse()
                                .ok()
                                .filter(|n: &f64| n.is_finite())
                                .ok_or_else(|| {
                                    q_error(format!("'{v}' is not a number for '{}'.", field.name))
                                })?;
                        nums.push(n);
                    }
                    let one = |p: &mut Self, nums: &[f64]| -> Result<String, NsError> {
                        match nums {
                            [n] => Ok(p.bind(SqlValue::Real(*n))),
                            _ => Err(q_error(format!("operator '{op}' takes exactly one value."))),
                        }
                    };
                    match base.as_str() {
                        "EQUAL" => format!("{col} = {}", one(self, &nums)?),
                        "GREATER" => format!("{col} > {}", one(self, &nums)?),
                        "GREATER_OR_EQUAL" => format!("{col} >= {}", one(self, &nums)?),
                        "LESS" => format!("{col} < {}", one(self, &nums)?),
                        "LESS_OR_EQUAL" => format!("{col} <= {}", one(self, &nums)?),
                        "BETWEEN" | "WITHIN" => match nums.as_slice() {
                            [a, b] => {
                                let (pa, pb) =
                                    (self.bind(SqlValue::Real(*a)), self.bind(SqlValue::Real(*b)));
                                format!("{col} BETWEEN {pa} AND {pb}")
                            }
                            _ => {
                                return Err(q_error(format!(
                                    "operator '{op}' takes two values: [a, b]."
                                )));
                            }
                        },
                        "ANY_OF" => {
                            let ps: Vec<String> =
                                nums.iter().map(|n| self.bind(SqlValue::Real(*n))).collect();
                            format!("{col} IN ({})", ps.join(", "))
                        }
                        _ => return Err(bad_op()),
                    }
                }
                Kind::Status => {
                    let vals = self.values()?;
                    let ty = self.rt.tran_type().unwrap_or("");
                    let ps: Vec<String> = vals
                        .iter()
                        .map(|v| {
                            let stored = if v.contains(':') {
                                v.clone()
                            } else {
                                format!("{ty}:{v}")
                            };
                            self.bind(SqlValue::Text(stored))
                        })
                        .collect();
                    match (base.as_str(), ps.len()) {
                        ("IS" | "EQUAL", 1) | ("ANY_OF", _) => {
                            format!("{col} IN ({})", ps.join(", "))
                        }
                        _ => return Err(bad_op()),
                    }
                }
                Kind::Date | Kind::DateTime => {
                    let vals = self.values()?;
                    let mut dates = Vec::new();
                    for v in &vals {
                        let d = parse_account_date(v).ok_or_else(|| {
                            q_error(format!(
                                "'{v}' is not a valid date for '{}'; use the account's date format, e.g. \"1/31/2024\".",
                                field.name
                            ))
                        })?;
                        dates.push(d.date_iso());
                    }
                    let day = format!("substr({col}, 1, 10)");
                    let single = |p: &mut Self| -> Result<String, NsError> {
                        match dates.as_slice() {
                            [d] => Ok(p.bind(SqlValue::Text(d.clone()))),
                            _ => Err(q_error(format!("operator '{op}' takes exactly one date."))),
                        }
                    };
                    match base.as_str() {
                        "ON" => format!("{day} = {}", single(self)?),
                        "AFTER" => format!("{day} > {}", single(self)?),
                        "BEFORE" => format!("{day} < {}", single(self)?),
                        "ON_OR_AFTER" => format!("{day} >= {}", single(self)?),
                        "ON_OR_BEFORE" => format!("{day} <= {}", single(self)?),
                        "WITHIN" => match dates.as_slice() {
                            [a, b] => {
                                let (pa, pb) = (
                                    self.bind(SqlValue::Text(a.clone())),
                                    self.bind(SqlValue::Text(b.clone())),
                                );
                                format!("{day} BETWEEN {pa} AND {pb}")
                            }
                            _ => {
                                return Err(q_error(format!(
                                    "operator '{op}' takes two dates: [a, b]."
                                )));
                            }
                        },
                        _ => return Err(bad_op()),
                    }
                }
            }
        };
        Ok(if negate {
            // guess: a negated condition also matches empty values, as NetSuite's "none of" does.
            if base == "EMPTY" {
                format!("{col} IS NOT NULL")
            } else {
                format!("({col} IS NULL OR NOT ({cond}))")
            }
        } else {
            format!("({cond})")
        })
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Text | Kind::Email | Kind::Phone => "string",
        Kind::Bool => "boolean",
        Kind::Integer | Kind::Float | Kind::Currency | Kind::Ref(_) => "number",
        Kind::Date | Kind::DateTime => "date",
        Kind::Status => "enum",
    }
}

/// Compiles a `q` filter for a record type.
pub fn compile(q: &str, rt: &RecordType) -> Result<Compiled, NsError> {
    let toks = lex(q)?;
    if toks.is_empty() {
        return Err(q_error("the filter is empty."));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        rt,
        params: Vec::new(),
    };
    let sql = p.or_expr()?;
    if p.pos < p.toks.len() {
        return Err(q_error(
            "unexpected text after the end of the filter; join conditions with AND or OR.",
        ));
    }
    Ok(Compiled {
        sql,
        params: p.params,
    })
}

#[cfg(test)]
mod tests {
    use super::super::schema::record_type;
    use super::*;

    fn customer() -> &'static RecordType {
        record_type("customer").expect("customer")
    }

    #[test]
    fn simple_conditions() {
        let c = compile("companyName START_WITH \"Acme Co\"", customer()).expect("compile");
        assert!(c.sql.contains("substr(LOWER(\"companyname\")"), "{}", c.sql);
        assert_eq!(c.params, vec![SqlValue::Text("acme co".into())]);
        let c = compile("isInactive IS true", customer()).expect("compile");
        assert_eq!(c.params, vec![SqlValue::Text("T".into())]);
        let c = compile("email EMPTY", customer()).expect("compile");
        assert_eq!(c.sql, "(\"email\" IS NULL)");
        let c = compile("email EMPTY_NOT", customer()).expect("compile");
        assert_eq!(c.sql, "\"email\" IS NOT NULL");
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let c = compile(
            "id EQUAL 1 OR id EQUAL 2 AND isInactive IS false",
            customer(),
        )
        .expect("compile");
        assert_eq!(
            c.sql,
            "((\"id\" = ?1) OR ((\"id\" = ?2) AND (\"isinactive\" = ?3)))"
        );
        let c = compile(
            "(id EQUAL 1 OR id EQUAL 2) AND isInactive IS false",
            customer(),
        )
        .expect("compile");
        assert_eq!(
            c.sql,
            "(((\"id\" = ?1) OR (\"id\" = ?2)) AND (\"isinactive\" = ?3))"
        );
    }

    #[test]
    fn lists_and_dates() {
        let c = compile("id ANY_OF [1, 2, 3]", customer()).expect("compile");
        assert_eq!(c.params.len(), 3);
        let c = compile("id BETWEEN_NOT [1, 42]", customer()).expect("compile");
        assert!(
            c.sql.contains("NOT (\"id\" BETWEEN ?1 AND ?2)"),
            "{}",
            c.sql
        );
        let c = compile("dateCreated ON_OR_AFTER \"1/1/2019\"", customer()).expect("compile");
        assert_eq!(c.params, vec![SqlValue::Text("2019-01-01".into())]);
        let c = compile("externalId IS \"RED|PO|1337\"", customer()).expect("compile");
        assert_eq!(c.params, vec![SqlValue::Text("red|po|1337".into())]);
    }

    #[test]
    fn errors_name_the_q_parameter() {
        for q in [
            "",
            "nosuchfield IS x",
            "companyName",
            "companyName FOO x",
            "companyName GREATER 5",
            "id EQUAL abc",
            "id BETWEEN [1]",
            "isInactive IS maybe",
            "dateCreated AFTER \"2019-01-01\"",
            "companyName IS \"unterminated",
            "(id EQUAL 1",
            "id EQUAL 1 id EQUAL 2",
            "id ANY_OF [1, 2",
            &"(".repeat(10_000),
        ] {
            let e = compile(q, customer()).expect_err(q);
            assert_eq!(e.code, "INVALID_PARAMETER", "{q}");
            assert_eq!(e.query_param.as_deref(), Some("q"), "{q}");
        }
    }
}
