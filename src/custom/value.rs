//! Checking one JSON argument against its parameter: type, forbidden characters, bounds, length, enum, pattern.
//! The same checks validate defaults and enum values when a file loads, so a default that loads always works.

use serde_json::Value as Json;
use time::{Date, Month};

use super::spec::{ArgValue, MAX_LIST_LEN, Param, ParamType, Scalar, ScalarType};

/// Longest string literal in a SuiteQL query, in UTF-8 bytes: Oracle refuses literals over 4000 bytes.
pub const MAX_SQL_STRING_BYTES: usize = 4000;
/// Longest string sent to a RESTlet (NetSuite limits strings to 10 MB; arguments from a model are far smaller).
pub const MAX_JSON_STRING_BYTES: usize = 1_000_000;
/// Largest magnitude a `number` argument given as a JSON integer may have and still be exact as an f64.
const MAX_EXACT_F64_INT: i64 = 1 << 53;

/// Where a value goes, which decides the characters a string may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Into SuiteQL text.
    Sql,
    /// Into a RESTlet's query string or JSON body.
    Restlet,
}

/// Why a string is refused, or `None` if every character is allowed.
///
/// In SuiteQL every control character is refused: C0 (including NUL, tab and newlines), DEL and C1. None is
/// needed in a query argument, NUL ends strings in C code between us and the database, and newlines let one
/// value look like several lines of query in logs. U+2028/U+2029 (line and paragraph separators) are refused
/// for the same reason, and the bidirectional controls U+202A–U+202E and U+2066–U+2069 because they make a
/// logged query display differently from what runs ("Trojan Source"). Look-alike quotes such as U+2019 are
/// allowed: neither Oracle nor SQLite reads them as quotes, and they occur in real names.
///
/// RESTlet values travel JSON-encoded or percent-encoded, so there only tab, LF and CR are allowed among
/// the control characters (multi-line text is legitimate in a body) and NUL is still refused.
fn forbidden_char(s: &str, target: Target) -> Option<String> {
    let bad = s.chars().find(|&c| match target {
        Target::Sql => {
            c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        }
        Target::Restlet => c.is_control() && !matches!(c, '\t' | '\n' | '\r'),
    })?;
    Some(format!(
        "contains the character U+{:04X}, which is not allowed here",
        u32::from(bad)
    ))
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Parses exactly `YYYY-MM-DD` (years 0001–9999) into a real calendar date.
pub(crate) fn parse_date(s: &str) -> Result<Date, String> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(format!(
            "`{}` is not a date in the form YYYY-MM-DD",
            truncate(s)
        ));
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u16>().unwrap_or(0);
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok());
    match (year, month, u8::try_from(day)) {
        (1..=9999, Some(m), Ok(d)) => Date::from_calendar_date(i32::from(year), m, d)
            .map_err(|_| format!("{s} is not a calendar date")),
        _ => Err(format!("{s} is not a calendar date")),
    }
}

fn truncate(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

/// Checks an argument (or a default) for `param`; the error message does not repeat the parameter name.
pub(crate) fn check(param: &Param, v: &Json, target: Target) -> Result<ArgValue, String> {
    match param.ty {
        ParamType::Scalar(t) => check_scalar(param, t, v, target).map(ArgValue::One),
        ParamType::List(t) => {
            let Json::Array(items) = v else {
                return Err(format!("expected an array, got {}", json_kind(v)));
            };
            if items.is_empty() {
                return Err("expected at least one element, got an empty array".into());
            }
            if items.len() > MAX_LIST_LEN {
                return Err(format!(
                    "at most {MAX_LIST_LEN} elements are allowed, got {}",
                    items.len()
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    check_scalar(param, t, item, target)
                        .map_err(|e| format!("element {}: {e}", i + 1))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(ArgValue::List)
        }
    }
}

fn check_scalar(param: &Param, ty: ScalarType, v: &Json, target: Target) -> Result<Scalar, String> {
    let value = parse_scalar(ty, v, target)?;
    if let Scalar::String(s) = &value {
        let chars = s.chars().count();
        if let Some(max) = param.max_length
            && chars > max
        {
            return Err(format!("at most {max} characters are allowed, got {chars}"));
        }
        if let Some(p) = &param.pattern
            && !p.is_match(s)
        {
            return Err(format!(
                "`{}` does not match the pattern {}",
                truncate(s),
                p.source()
            ));
        }
    }
    if let Some(min) = &param.min
        && value.compare(min) == Some(std::cmp::Ordering::Less)
    {
        return Err(format!("{value} is below the minimum {min}"));
    }
    if let Some(max) = &param.max
        && value.compare(max) == Some(std::cmp::Ordering::Greater)
    {
        return Err(format!("{value} is above the maximum {max}"));
    }
    if let Some(allowed) = &param.allowed
        && !allowed.contains(&value)
    {
        let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
        return Err(format!(
            "`{}` is not one of the allowed values: {}",
            truncate(&value.to_string()),
            list.join(", ")
        ));
    }
    Ok(value)
}

/// Type-checks one JSON value as `ty`, without the parameter's constraints.
pub(crate) fn parse_scalar(ty: ScalarType, v: &Json, target: Target) -> Result<Scalar, String> {
    let wrong = || format!("expected {}, got {}", article(ty), json_kind(v));
    match ty {
        ScalarType::String => {
            let s = v.as_str().ok_or_else(wrong)?;
            let cap = match target {
                Target::Sql => MAX_SQL_STRING_BYTES,
                Target::Restlet => MAX_JSON_STRING_BYTES,
            };
            if s.len() > cap {
                return Err(format!("at most {cap} bytes are allowed, got {}", s.len()));
            }
            if let Some(e) = forbidden_char(s, target) {
                return Err(e);
            }
            Ok(Scalar::String(s.to_owned()))
        }
        ScalarType::Integer => {
            let Json::Number(n) = v else {
                // Numeric strings are refused on purpose: the schema says integer, and accepting "42" would
                // invite the model to send anything stringly typed.
                return Err(if v.is_string() {
                    "expected an integer, got a string (send 42, not \"42\")".to_owned()
                } else {
                    wrong()
                });
            };
            if let Some(i) = n.as_i64() {
                Ok(Scalar::Integer(i))
            } else if n.is_u64() {
                Err(format!("{n} is outside the integer range"))
            } else {
                // JSON Schema counts 5.0 as an integer; accept it when it is exact.
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() <= MAX_EXACT_F64_INT as f64 => {
                        Ok(Scalar::Integer(f as i64))
                    }
                    _ => Err(format!("expected an integer, got {n}")),
                }
            }
        }
        ScalarType::Number => {
            let Json::Number(n) = v else {
                return Err(wrong());
            };
            if let Some(i) = n.as_i64()
                && i.unsigned_abs() > MAX_EXACT_F64_INT.unsigned_abs()
            {
                return Err(format!("{n} is too large to be exact as a number"));
            }
            if n.is_u64() && n.as_i64().is_none() {
                return Err(format!("{n} is too large to be exact as a number"));
            }
            match n.as_f64() {
                // Beyond 2^53 a float's shortest decimal form is not its exact value, so SQL engines would
                // read the rendered literal as a different number.
                Some(f) if f.is_finite() && f.abs() > MAX_EXACT_F64_INT as f64 => {
                    Err(format!("{n} is too large to be exact as a number"))
                }
                Some(f) if f.is_finite() => Ok(Scalar::Number(f)),
                _ => Err(format!("{n} is not a finite number")),
            }
        }
        ScalarType::Boolean => v.as_bool().map(Scalar::Boolean).ok_or_else(wrong),
        ScalarType::Date => {
            let s = v.as_str().ok_or_else(wrong)?;
            parse_date(s).map(Scalar::Date)
        }
    }
}

fn article(ty: ScalarType) -> &'static str {
    match ty {
        ScalarType::String => "a string",
        ScalarType::Integer => "an integer",
        ScalarType::Number => "a number",
        ScalarType::Boolean => "a boolean",
        ScalarType::Date => "a date string YYYY-MM-DD",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom::spec::format_date;

    #[test]
    fn dates_must_be_real_calendar_dates() {
        assert!(parse_date("2024-02-29").is_ok());
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("2024-13-01").is_err());
        assert!(parse_date("2024-00-10").is_err());
        assert!(parse_date("2024-04-31").is_err());
        assert!(parse_date("0000-01-01").is_err());
        assert!(parse_date("2024-1-01").is_err());
        assert!(parse_date("+024-01-01").is_err());
        assert!(parse_date("2024-01-01T00:00").is_err());
        assert!(parse_date("２０２４-01-01").is_err());
        assert_eq!(format_date(parse_date("0099-12-31").unwrap()), "0099-12-31");
    }

    #[test]
    fn sql_strings_refuse_controls_and_invisible_reordering() {
        for s in [
            "a\0b",
            "a\nb",
            "a\tb",
            "a\u{7f}",
            "a\u{85}",
            "a\u{2028}",
            "a\u{202E}b",
            "\u{2066}x",
        ] {
            assert!(forbidden_char(s, Target::Sql).is_some(), "{s:?}");
        }
        for s in ["O’Brien", "‘quoted’", "日本語", "a'b\\c", "-- /* ; */"] {
            assert!(forbidden_char(s, Target::Sql).is_none(), "{s:?}");
        }
        assert!(forbidden_char("line\nline\ttab", Target::Restlet).is_none());
        assert!(forbidden_char("a\0b", Target::Restlet).is_some());
    }
}
