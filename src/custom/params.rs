//! `[params.NAME]` tables: type, description and constraints, each checked with the line of the offending key.

use regex::RegexBuilder;
use serde_json::Value as Json;
use toml::Spanned;
use toml::de::DeValue;

use super::spec::{Param, ParamType, Pattern, Scalar, ScalarType};
use super::template::{MAX_PARAM_NAME_LEN, is_param_name};
use super::toml_source::{Ctx, string_value, type_name};
use super::value::{self, MAX_JSON_STRING_BYTES, Target};

/// Longest `pattern`, and the most memory its compiled form may take: patterns come from files, but keep them sane.
const MAX_PATTERN_LEN: usize = 1000;
const MAX_PATTERN_BYTES: usize = 1 << 20;

const PARAM_KEYS: &[&str] = &[
    "type",
    "description",
    "min",
    "max",
    "max_length",
    "enum",
    "pattern",
    "default",
];

/// One `[params.NAME]` entry: always its name and line, the parameter when it is valid.
pub(crate) struct ParamEntry {
    pub name: String,
    /// Byte offset of the name in the file.
    pub at: usize,
    /// The declared type when it parsed.
    pub ty: Option<ParamType>,
    /// The parameter when everything about it is valid.
    pub param: Option<Param>,
}

/// Parses `params`; `None` when it is not a table at all (already reported).
pub(crate) fn parse_params(
    ctx: &mut Ctx<'_>,
    params: Option<&Spanned<DeValue<'_>>>,
    target: Target,
) -> Option<Vec<ParamEntry>> {
    let Some(params) = params else {
        return Some(Vec::new());
    };
    let DeValue::Table(table) = params.get_ref() else {
        ctx.at(
            params.span().start,
            format!(
                "`params` must be a table of [params.NAME] tables, found {}",
                type_name(params.get_ref())
            ),
        );
        return None;
    };
    // The table is ordered by name; parameters keep the order of the file (schemas and messages follow it).
    let mut ordered: Vec<_> = table.iter().collect();
    ordered.sort_by_key(|(key, _)| key.span().start);
    let mut entries = Vec::new();
    for (key, value) in ordered {
        let name = key.get_ref().to_string();
        let at = key.span().start;
        if !is_param_name(&name) {
            ctx.at(
                at,
                format!("parameter name `{name}` must match [A-Za-z][A-Za-z0-9_]* and have at most {MAX_PARAM_NAME_LEN} characters"),
            );
        }
        let (ty, param) = match value.get_ref() {
            DeValue::Table(t) => parse_param(ctx, &name, at, t, target),
            other => {
                ctx.at(
                    value.span().start,
                    format!(
                        "[params.{name}] must be a table, found {}",
                        type_name(other)
                    ),
                );
                (None, None)
            }
        };
        entries.push(ParamEntry {
            name,
            at,
            ty,
            param: param.filter(|_| is_param_name(key.get_ref())),
        });
    }
    Some(entries)
}

type Value<'t, 'i> = Option<&'t Spanned<DeValue<'i>>>;

fn parse_param(
    ctx: &mut Ctx<'_>,
    name: &str,
    at: usize,
    table: &toml::de::DeTable<'_>,
    target: Target,
) -> (Option<ParamType>, Option<Param>) {
    let before = ctx.problems.len();
    let mut fields: [Value<'_, '_>; 8] = [None; 8];
    for (key, value) in table.iter() {
        match PARAM_KEYS.iter().position(|k| *k == key.get_ref().as_ref()) {
            Some(i) => fields[i] = Some(value),
            None => ctx.at(
                key.span().start,
                format!(
                    "unknown key `{}` in [params.{name}]; allowed: {}",
                    key.get_ref(),
                    PARAM_KEYS.join(", ")
                ),
            ),
        }
    }
    let [
        ty,
        description,
        min,
        max,
        max_length,
        allowed,
        pattern,
        default,
    ] = fields;
    let ty = match ty {
        None => {
            ctx.at(at, format!("[params.{name}] is missing `type`"));
            None
        }
        Some(v) => string_value(ctx, "type", v).and_then(|s| {
            let parsed = ParamType::parse(s);
            if parsed.is_none() {
                ctx.at(
                    v.span().start,
                    format!("unknown type `{s}`; use string, integer, number, boolean, date, or list<…> of one of these"),
                );
            }
            parsed
        }),
    };
    let description = match description {
        None => {
            ctx.at(
                at,
                format!("[params.{name}] is missing `description`: tell the model what to pass"),
            );
            None
        }
        Some(v) => string_value(ctx, "description", v).map(|d| d.trim().to_owned()),
    };
    let Some(ty) = ty else {
        return (None, None);
    };
    let element = ty.element();
    let mut param = Param {
        name: name.to_owned(),
        ty,
        description: description.unwrap_or_default(),
        min: None,
        max: None,
        max_length: None,
        allowed: None,
        pattern: None,
        default: None,
    };
    let not_for = |ctx: &mut Ctx<'_>, key: &str, v: &Spanned<DeValue<'_>>| {
        ctx.at(
            v.span().start,
            format!("`{key}` does not apply to a parameter of type {ty}"),
        );
    };
    for (key, v, slot) in [("min", min, &mut param.min), ("max", max, &mut param.max)] {
        let Some(v) = v else { continue };
        if !matches!(
            element,
            ScalarType::Integer | ScalarType::Number | ScalarType::Date
        ) {
            not_for(ctx, key, v);
            continue;
        }
        match to_json(v.get_ref()).and_then(|j| value::parse_scalar(element, &j, target)) {
            Ok(s) => *slot = Some(s),
            Err(e) => ctx.at(v.span().start, format!("`{key}`: {e}")),
        }
    }
    if let (Some(a), Some(b)) = (&param.min, &param.max)
        && a.compare(b) == Some(std::cmp::Ordering::Greater)
        && let Some(v) = min
    {
        ctx.at(
            v.span().start,
            format!("`min` ({a}) is greater than `max` ({b})"),
        );
    }
    if let Some(v) = max_length {
        if element != ScalarType::String {
            not_for(ctx, "max_length", v);
        } else {
            match v.get_ref() {
                DeValue::Integer(i) => match usize::from_str_radix(i.as_str(), i.radix()) {
                    Ok(n) if (1..=MAX_JSON_STRING_BYTES).contains(&n) => param.max_length = Some(n),
                    _ => ctx.at(
                        v.span().start,
                        format!("`max_length` must be from 1 to {MAX_JSON_STRING_BYTES}"),
                    ),
                },
                other => ctx.at(
                    v.span().start,
                    format!(
                        "`max_length` must be an integer, found {}",
                        type_name(other)
                    ),
                ),
            }
        }
    }
    if let Some(v) = pattern {
        if element != ScalarType::String {
            not_for(ctx, "pattern", v);
        } else if let Some(src) = string_value(ctx, "pattern", v) {
            match compile_pattern(src) {
                Ok(p) => param.pattern = Some(p),
                Err(e) => ctx.at(v.span().start, e),
            }
        }
    }
    if let Some(v) = allowed {
        if !matches!(
            element,
            ScalarType::String | ScalarType::Integer | ScalarType::Number
        ) {
            not_for(ctx, "enum", v);
        } else {
            param.allowed = parse_enum(ctx, &param, v, target);
        }
    }
    if let Some(v) = default {
        match to_json(v.get_ref()).and_then(|j| value::check(&param, &j, target).map(|_| j)) {
            Ok(j) => param.default = Some(j),
            Err(e) => ctx.at(v.span().start, format!("invalid `default`: {e}")),
        }
    }
    let ok = ctx.problems.len() == before;
    (Some(ty), ok.then_some(param))
}

fn parse_enum(
    ctx: &mut Ctx<'_>,
    param: &Param,
    v: &Spanned<DeValue<'_>>,
    target: Target,
) -> Option<Vec<Scalar>> {
    let DeValue::Array(items) = v.get_ref() else {
        ctx.at(v.span().start, "`enum` must be an array of allowed values");
        return None;
    };
    if items.is_empty() {
        ctx.at(v.span().start, "`enum` must list at least one value");
        return None;
    }
    // Each allowed value must itself pass the other constraints, checked as one scalar value.
    let scalar = Param {
        ty: ParamType::Scalar(param.ty.element()),
        allowed: None,
        default: None,
        ..param.clone()
    };
    let mut values = Vec::new();
    for item in items.iter() {
        let checked = to_json(item.get_ref()).and_then(|j| value::check(&scalar, &j, target));
        match checked {
            Ok(super::spec::ArgValue::One(s)) => values.push(s),
            Ok(super::spec::ArgValue::List(_)) => {}
            Err(e) => ctx.at(item.span().start, format!("`enum` value: {e}")),
        }
    }
    (values.len() == items.len()).then_some(values)
}

fn compile_pattern(src: &str) -> Result<Pattern, String> {
    if src.len() > MAX_PATTERN_LEN {
        return Err(format!(
            "`pattern` may have at most {MAX_PATTERN_LEN} characters"
        ));
    }
    // Anchored: the whole value must match, as a file author expects from `pattern = "[A-Z]{2}"`.
    let regex = RegexBuilder::new(&format!("^(?:{src})$"))
        .size_limit(MAX_PATTERN_BYTES)
        .build()
        .map_err(|e| format!("`pattern` is not a valid regex: {e}"))?;
    Ok(Pattern {
        source: src.to_owned(),
        regex,
    })
}

/// A TOML value as JSON, the form arguments arrive in: TOML dates become `YYYY-MM-DD` strings.
fn to_json(v: &DeValue<'_>) -> Result<Json, String> {
    Ok(match v {
        DeValue::String(s) => Json::String(s.to_string()),
        DeValue::Integer(i) => Json::from(
            i64::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| format!("{i} is outside the integer range"))?,
        ),
        DeValue::Float(f) => {
            let n: f64 = f
                .as_str()
                .parse()
                .map_err(|_| format!("{f} is not a number"))?;
            serde_json::Number::from_f64(n)
                .map(Json::Number)
                .ok_or_else(|| format!("{f} is not a finite number"))?
        }
        DeValue::Boolean(b) => Json::Bool(*b),
        DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                Json::String(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
            }
            _ => return Err(format!("{dt} is not a plain date (write 2024-01-31)")),
        },
        DeValue::Array(items) => Json::Array(
            items
                .iter()
                .map(|i| to_json(i.get_ref()))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(_) => return Err("expected a value, got a table".into()),
    })
}
