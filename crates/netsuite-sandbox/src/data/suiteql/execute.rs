//! Running a translated statement: NetSuite's row shape (lowercase keys, values as strings, nulls omitted),
//! paging, and SQLite errors in NetSuite's wording.

use rusqlite::types::ValueRef;
use serde_json::{Map, Value};

use crate::data::paging::{MAX_RESULTS, Page};
use crate::data::sqlfn::{format_number, parse_iso};
use crate::data::suiteql::cache::Table;
use crate::error::NsError;

use super::search_error;

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

pub(super) fn column_key(name: &str, seen: &mut usize) -> String {
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

pub(super) fn cell(v: ValueRef<'_>, decl: Option<&str>) -> Option<String> {
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

/// Runs an already translated, read-only statement and cuts out one page. The whole result comes back too, as a
/// [`Table`] to keep between pages, when it takes at most `keep_bytes` (else `None`; the count is exact anyway).
pub fn execute(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    page: Page,
    keep_bytes: usize,
) -> Result<(SuiteqlPage, Option<Table>), NsError> {
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
    let (keys, decls): (Vec<String>, Vec<Option<String>>) = {
        let mut seen = 0;
        stmt.columns()
            .map(|c| {
                (
                    column_key(c.name(), &mut seen),
                    c.decl_type().map(str::to_owned),
                )
            })
            .unzip()
    };
    let mut kept = Some(Table::new(keys.clone()));
    let mut rows_out = Vec::new();
    let mut total = 0;
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next().map_err(|e| map_sqlite_error(&e))? {
        if total >= MAX_RESULTS {
            break;
        }
        let wanted = page.contains(total);
        if wanted || kept.is_some() {
            let mut cells = Vec::with_capacity(decls.len());
            for (i, decl) in decls.iter().enumerate() {
                let v = row.get_ref(i).map_err(|e| map_sqlite_error(&e))?;
                cells.push(cell(v, decl.as_deref()));
            }
            if wanted {
                rows_out.push(row_object(&keys, &cells));
            }
            if let Some(table) = &mut kept {
                table.push(cells);
                if table.bytes() > keep_bytes {
                    kept = None;
                }
            }
        }
        total += 1;
    }
    Ok((
        SuiteqlPage {
            total,
            rows: rows_out,
        },
        kept,
    ))
}

/// One row in NetSuite's shape: `links: []`, then every non-null column under its key.
pub(crate) fn row_object(keys: &[String], cells: &[Option<String>]) -> Value {
    let mut obj = Map::new();
    obj.insert("links".into(), Value::Array(Vec::new()));
    for (key, cell) in keys.iter().zip(cells) {
        if let Some(s) = cell {
            // guess: with duplicate column names the first one wins.
            obj.entry(key.clone())
                .or_insert_with(|| Value::String(s.clone()));
        }
    }
    Value::Object(obj)
}
