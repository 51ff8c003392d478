//! Typed SuiteQL literals: the security boundary between a model's arguments and the query a file author wrote.
//! Each checked value becomes exactly one literal (or one parenthesized list of literals); the rendered query is
//! then lexed again and must have the template's shape plus the string literals we rendered, nothing else.

use super::spec::format_date;
use super::spec::{ArgValue, Scalar};
use super::template::{Segment, Shape, Template, verify_rendered};

/// One SQL literal for a checked scalar.
///
/// - strings: `'…'` with every `'` doubled (Oracle and SQLite have no backslash escapes, so `\` is plain text);
///   forbidden characters were refused by the checks before;
/// - integers: decimal digits; negative values in parentheses, so `-{{n}}` can never become the comment `--`;
/// - numbers: Rust's shortest exact decimal form, never an exponent, negatives in parentheses;
/// - booleans: `'T'` / `'F'`, NetSuite's boolean values;
/// - dates: `TO_DATE('YYYY-MM-DD', 'YYYY-MM-DD')`.
pub fn sql_literal(v: &Scalar) -> String {
    match v {
        Scalar::String(s) => quote(s),
        Scalar::Integer(i) if *i < 0 => format!("({i})"),
        Scalar::Integer(i) => i.to_string(),
        Scalar::Number(n) if n.is_sign_negative() => format!("({n})"),
        Scalar::Number(n) => n.to_string(),
        Scalar::Boolean(true) => "'T'".into(),
        Scalar::Boolean(false) => "'F'".into(),
        Scalar::Date(d) => format!("TO_DATE('{}', 'YYYY-MM-DD')", format_date(*d)),
    }
}

/// The SQL rendering of a checked argument: one literal, or `(a, b, c)` for a list.
pub fn sql_value(v: &ArgValue) -> String {
    match v {
        ArgValue::One(s) => sql_literal(s),
        ArgValue::List(items) => {
            let parts: Vec<String> = items.iter().map(sql_literal).collect();
            format!("({})", parts.join(", "))
        }
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// How many string literals a rendered value contributes.
fn string_literals(v: &ArgValue) -> usize {
    let one = |s: &Scalar| match s {
        Scalar::String(_) | Scalar::Boolean(_) => 1,
        Scalar::Date(_) => 2,
        Scalar::Integer(_) | Scalar::Number(_) => 0,
    };
    match v {
        ArgValue::One(s) => one(s),
        ArgValue::List(items) => items.iter().map(one).sum(),
    }
}

/// Renders `template`, taking each placeholder's checked value from `value_of`. Every placeholder must have a
/// value (the loader guarantees each has a parameter). The result is verified to be one statement of the
/// expected shape; an `Err` here means a bug in rendering, never a bad argument.
pub(crate) fn render<'a>(
    template: &Template,
    value_of: impl Fn(&str) -> Option<&'a ArgValue>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut shape: Shape = template.shape;
    for seg in &template.segments {
        match seg {
            Segment::Text(t) => out.push_str(t),
            Segment::Param(name) => {
                let v = value_of(name)
                    .ok_or_else(|| format!("no value for placeholder {{{{{name}}}}}"))?;
                shape.strings += string_literals(v);
                out.push_str(&sql_value(v));
            }
        }
    }
    verify_rendered(&out, shape)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom::value::parse_date;

    #[test]
    fn golden_scalar_literals() {
        let cases: Vec<(Scalar, &str)> = vec![
            (Scalar::String("plain".into()), "'plain'"),
            (Scalar::String(String::new()), "''"),
            (Scalar::String("O'Brien".into()), "'O''Brien'"),
            (Scalar::String("''".into()), "''''''"),
            (Scalar::String("a\\'b".into()), "'a\\''b'"),
            (Scalar::String("x' OR '1'='1".into()), "'x'' OR ''1''=''1'"),
            (
                Scalar::String("1; DROP TABLE x --".into()),
                "'1; DROP TABLE x --'",
            ),
            (Scalar::String("/* {{y}} */".into()), "'/* {{y}} */'"),
            (Scalar::String("’日本’".into()), "'’日本’'"),
            (Scalar::Integer(0), "0"),
            (Scalar::Integer(42), "42"),
            (Scalar::Integer(-7), "(-7)"),
            (Scalar::Integer(i64::MAX), "9223372036854775807"),
            (Scalar::Integer(i64::MIN), "(-9223372036854775808)"),
            (Scalar::Number(1.5), "1.5"),
            (Scalar::Number(-0.25), "(-0.25)"),
            (Scalar::Number(3.0), "3"),
            (Scalar::Number(-0.0), "(-0)"),
            (Scalar::Number(1e21), "1000000000000000000000"),
            (Scalar::Number(1e-7), "0.0000001"),
            (Scalar::Number(0.1 + 0.2), "0.30000000000000004"),
            (Scalar::Boolean(true), "'T'"),
            (Scalar::Boolean(false), "'F'"),
            (
                Scalar::Date(parse_date("2024-02-29").unwrap()),
                "TO_DATE('2024-02-29', 'YYYY-MM-DD')",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(sql_literal(&v), want, "{v:?}");
        }
    }

    #[test]
    fn golden_lists() {
        let list = |v: Vec<Scalar>| sql_value(&ArgValue::List(v));
        assert_eq!(list(vec![Scalar::Integer(1)]), "(1)");
        assert_eq!(
            list(vec![
                Scalar::Integer(1),
                Scalar::Integer(-2),
                Scalar::Integer(3)
            ]),
            "(1, (-2), 3)"
        );
        assert_eq!(
            list(vec![
                Scalar::String("CustInvc:A".into()),
                Scalar::String("it's".into())
            ]),
            "('CustInvc:A', 'it''s')"
        );
        assert_eq!(
            list(vec![Scalar::Number(0.5), Scalar::Number(2.0)]),
            "(0.5, 2)"
        );
        assert_eq!(
            list(vec![Scalar::Boolean(true), Scalar::Boolean(false)]),
            "('T', 'F')"
        );
        assert_eq!(
            list(vec![Scalar::Date(parse_date("2024-01-31").unwrap())]),
            "(TO_DATE('2024-01-31', 'YYYY-MM-DD'))"
        );
    }

    #[test]
    fn render_substitutes_every_occurrence_once() {
        let t = Template::parse("SELECT a FROM t WHERE a = {{x}} OR b = {{x}} AND c IN {{ys}}")
            .unwrap();
        let x = ArgValue::One(Scalar::String("{{ys}}'".into()));
        let ys = ArgValue::List(vec![Scalar::Integer(1), Scalar::Integer(2)]);
        let q = render(&t, |n| match n {
            "x" => Some(&x),
            "ys" => Some(&ys),
            _ => None,
        })
        .unwrap();
        assert_eq!(
            q,
            "SELECT a FROM t WHERE a = '{{ys}}''' OR b = '{{ys}}''' AND c IN (1, 2)"
        );
    }

    #[test]
    fn render_without_a_value_fails() {
        let t = Template::parse("SELECT a FROM t WHERE a = {{x}}").unwrap();
        assert!(render(&t, |_| None).is_err());
    }
}
