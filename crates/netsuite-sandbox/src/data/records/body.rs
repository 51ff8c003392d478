//! A REST body checked against its record type: field names (`X-NetSuite-PropertyNameValidation`), value
//! types and sublist lines, turned into column assignments.

use axum::http::{HeaderMap, StatusCode};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

use crate::data::schema::{Field, Kind, RecordType, Sublist, Target};
use crate::data::sqlfn::parse_iso;
use crate::error::NsError;

use super::sql_err;

/// A body value converted for a column.
pub(super) type Assign = (&'static str, SqlValue);

/// How unknown field names in a body are handled (`X-NetSuite-PropertyNameValidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameValidation {
    /// Ignore silently.
    Ignore,
    /// Ignore and report (NetSuite's default).
    Warning,
    /// 400 `INVALID_CONTENT`.
    Error,
}

impl NameValidation {
    pub(super) fn from_headers(h: &HeaderMap) -> NameValidation {
        match h
            .get("x-netsuite-propertynamevalidation")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("error") => NameValidation::Error,
            Some("ignore") => NameValidation::Ignore,
            _ => NameValidation::Warning,
        }
    }
}

pub(super) struct WriteCtx<'a> {
    pub(super) conn: &'a Connection,
    pub(super) names: NameValidation,
    pub(super) warnings: Vec<String>,
}

impl WriteCtx<'_> {
    fn unknown(&mut self, path: &str, name: &str) -> Result<(), NsError> {
        match self.names {
            NameValidation::Error => Err(NsError::invalid_content(
                path,
                format!("Error while accessing a resource. Invalid field name: '{name}'."),
            )),
            NameValidation::Warning => {
                self.warnings
                    .push(format!("Unknown field name '{name}' was ignored."));
                Ok(())
            }
            NameValidation::Ignore => Ok(()),
        }
    }

    fn exists(&self, target: Target, id: i64) -> Result<bool, NsError> {
        let table = match target {
            Target::Entity => "entity",
            Target::Customer => "customer",
            Target::Vendor => "vendor",
            Target::Employee => "employee",
            Target::Subsidiary => "subsidiary",
            Target::Currency => "currency",
            Target::Item => "item",
        };
        self.conn
            .query_row(
                &format!("SELECT 1 FROM \"{table}\" WHERE id = ?"),
                [id],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(sql_err)
    }

    /// Converts one JSON value for a field; `None` when the field is read-only (ignored).
    fn convert(
        &mut self,
        f: &'static Field,
        v: &Value,
        path: &str,
    ) -> Result<Option<Assign>, NsError> {
        if f.read_only {
            return Ok(None);
        }
        let wrong = |expected: &str| {
            NsError::invalid_content(
                path,
                format!(
                    "Error while accessing a resource. Invalid value for field '{}': expected {expected}.",
                    f.name
                ),
            )
        };
        let value = match (f.kind, v) {
            (_, Value::Null) => SqlValue::Null,
            (Kind::Text | Kind::Phone, Value::String(s)) => {
                if s.is_empty() {
                    SqlValue::Null
                } else {
                    SqlValue::Text(s.clone())
                }
            }
            (Kind::Email, Value::String(s)) => {
                if s.is_empty() {
                    SqlValue::Null
                } else {
                    let ok = s.split_once('@').is_some_and(|(a, d)| {
                        !a.is_empty() && d.contains('.') && !d.starts_with('.')
                    }) && !s.contains(char::is_whitespace);
                    if !ok {
                        return Err(NsError::new(
                            StatusCode::BAD_REQUEST,
                            "USER_ERROR",
                            format!("Error while accessing a resource. Please enter a valid email address: '{s}'."),
                        )
                        .with_path(path));
                    }
                    SqlValue::Text(s.clone())
                }
            }
            (Kind::Bool, Value::Bool(b)) => SqlValue::Text(if *b { "T" } else { "F" }.into()),
            (Kind::Bool, _) => return Err(wrong("a boolean")),
            (Kind::Integer, Value::Number(n)) => match n.as_i64() {
                Some(i) => SqlValue::Integer(i),
                None => return Err(wrong("an integer")),
            },
            (Kind::Integer, _) => return Err(wrong("an integer")),
            (Kind::Float | Kind::Currency, Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() => SqlValue::Real(x),
                _ => return Err(wrong("a number")),
            },
            (Kind::Float | Kind::Currency, _) => return Err(wrong("a number")),
            (Kind::Date, Value::String(s)) => match parse_iso(s) {
                Some(d) => SqlValue::Text(d.date_iso()),
                None => return Err(wrong("a date like 2024-01-31")),
            },
            (Kind::Date, _) => return Err(wrong("a date like 2024-01-31")),
            (Kind::Ref(target), Value::Object(o)) => {
                let id = match o.get("id") {
                    Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
                    Some(Value::Number(n)) => n.as_i64(),
                    _ => None,
                };
                let Some(id) = id else {
                    return Err(NsError::invalid_content(
                        &format!("{path}.id"),
                        format!(
                            "Error while accessing a resource. Invalid value for field '{}': a reference must be an object with an 'id'.",
                            f.name
                        ),
                    ));
                };
                if !self.exists(target, id)? {
                    return Err(NsError::new(
                        StatusCode::BAD_REQUEST,
                        "USER_ERROR",
                        format!(
                            "Error while accessing a resource. You have entered an Invalid Field Value {id} for the following field: {}",
                            f.name
                        ),
                    )
                    .with_path(path));
                }
                SqlValue::Integer(id)
            }
            (Kind::Ref(_), _) => return Err(wrong("an object like {\"id\": \"1\"}")),
            (Kind::Text | Kind::Phone | Kind::Email, _) => return Err(wrong("a string")),
            (Kind::DateTime | Kind::Status, _) => return Ok(None),
        };
        Ok(Some((f.column, value)))
    }
}

/// One sublist line from a body: its `line` number when given, and its values.
pub(super) type Line = (Option<i64>, Vec<Assign>);

/// A parsed body: body-field assignments and, per sublist, its lines.
pub(super) struct Parsed {
    pub(super) fields: Vec<(&'static Field, SqlValue)>,
    pub(super) sublists: Vec<(&'static Sublist, Vec<Line>)>,
}

pub(super) fn parse_body(
    w: &mut WriteCtx<'_>,
    rt: &'static RecordType,
    body: &Value,
) -> Result<Parsed, NsError> {
    let Value::Object(obj) = body else {
        return Err(NsError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CONTENT",
            "The request body must be a JSON object.",
        ));
    };
    let mut parsed = Parsed {
        fields: Vec::new(),
        sublists: Vec::new(),
    };
    for (key, v) in obj {
        if key == "links" || key == "id" || key == "refName" {
            continue;
        }
        if let Some(f) = rt.field(key) {
            if let Some((_, val)) = w.convert(f, v, f.name)? {
                parsed.fields.push((f, val));
            }
        } else if let Some(sl) = rt.sublist(key) {
            let items = match v {
                Value::Object(o) => match o.get("items") {
                    Some(Value::Array(a)) => a,
                    _ => {
                        return Err(NsError::invalid_content(
                            &format!("{}.items", sl.name),
                            "Error while accessing a resource. A sublist must look like {\"items\": [...]}.",
                        ));
                    }
                },
                _ => {
                    return Err(NsError::invalid_content(
                        sl.name,
                        "Error while accessing a resource. A sublist must look like {\"items\": [...]}.",
                    ));
                }
            };
            let mut lines = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let base_path = format!("{}.items[{i}]", sl.name);
                let Value::Object(line) = item else {
                    return Err(NsError::invalid_content(
                        &base_path,
                        "Error while accessing a resource. A line must be an object.",
                    ));
                };
                let mut key_line = None;
                let mut vals = Vec::new();
                for (lk, lv) in line {
                    if lk == "links" {
                        continue;
                    }
                    let path = format!("{base_path}.{lk}");
                    if lk.eq_ignore_ascii_case("line") {
                        key_line = match lv {
                            Value::Number(n) => n.as_i64(),
                            Value::String(s) => s.parse().ok(),
                            _ => None,
                        };
                        if key_line.is_none() {
                            return Err(NsError::invalid_content(
                                &path,
                                "Error while accessing a resource. 'line' must be a line number.",
                            ));
                        }
                        continue;
                    }
                    match sl.fields.iter().find(|f| f.name.eq_ignore_ascii_case(lk)) {
                        Some(f) => {
                            if let Some(a) = w.convert(f, lv, &path)? {
                                vals.push(a);
                            }
                        }
                        None => w.unknown(&path, lk)?,
                    }
                }
                lines.push((key_line, vals));
            }
            parsed.sublists.push((sl, lines));
        } else {
            w.unknown(key, key)?;
        }
    }
    Ok(parsed)
}

pub(super) fn user_error(detail: impl Into<String>) -> NsError {
    NsError::new(StatusCode::BAD_REQUEST, "USER_ERROR", detail)
}
