//! The REST record service (netsuite-api.md §3): list with `q` and paging, get with `fields` and
//! `expandSubResources`, create, update, upsert by `eid:`, delete — all on the same SQLite tables SuiteQL reads.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde_json::{Map, Value, json};

use super::super::error::NsError;
use super::schema::{Field, Kind, RecordType, Sublist, Target, record_type, status_parts};
use super::sqlfn::{self, parse_iso};
use super::{
    AppState, COLLECTION_TYPE, Page, RECORD_PATH, Store, blocking, internal, paging, query_get,
    query_pairs,
};

const SINGULAR_TYPE: &str = "application/vnd.oracle.resource+json; type=singular";

/// Finds a record type or answers NetSuite-style.
pub(super) fn lookup_type(name: &str) -> Result<&'static RecordType, NsError> {
    // guess: NetSuite's answer for an unknown record type is not in the fact sheet; 404 NONEXISTENT_ID.
    record_type(name).ok_or_else(|| {
        NsError::new(
            StatusCode::NOT_FOUND,
            "NONEXISTENT_ID",
            format!("Record type '{name}' does not exist."),
        )
    })
}

/// A record id in a URL: an internal id or `eid:<external id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdRef {
    /// Internal id.
    Internal(i64),
    /// External id (after `eid:`).
    External(String),
}

impl IdRef {
    /// Parses a URL id segment.
    pub fn parse(s: &str) -> Result<IdRef, NsError> {
        if let Some(e) = s.strip_prefix("eid:") {
            if !e.is_empty() && e.len() <= 255 && !e.chars().any(char::is_control) {
                return Ok(IdRef::External(e.to_owned()));
            }
        } else if !s.is_empty()
            && s.len() <= 18
            && s.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = s.parse()
        {
            return Ok(IdRef::Internal(n));
        }
        // guess: a malformed id is answered like a missing record.
        Err(NsError::nonexistent_id())
    }
}

fn disc(rt: &RecordType) -> (String, Vec<SqlValue>) {
    match rt.discriminator {
        Some((col, v)) => (
            format!(" AND \"{col}\" = ?"),
            vec![SqlValue::Text(v.into())],
        ),
        None => (String::new(), Vec::new()),
    }
}

fn sql_err(e: rusqlite::Error) -> NsError {
    internal(e)
}

fn resolve(conn: &Connection, rt: &RecordType, id: &IdRef) -> Result<Option<i64>, NsError> {
    let (d, dparams) = disc(rt);
    let (col, key) = match id {
        IdRef::Internal(n) => ("id", SqlValue::Integer(*n)),
        IdRef::External(e) => ("externalid", SqlValue::Text(e.clone())),
    };
    let sql = format!("SELECT id FROM \"{}\" WHERE \"{col}\" = ?{d}", rt.table);
    let mut params = vec![key];
    params.extend(dparams);
    conn.query_row(&sql, params_from_iter(params), |r| r.get::<_, i64>(0))
        .optional()
        .map_err(sql_err)
}

fn load_row(
    conn: &Connection,
    table: &str,
    id: i64,
) -> Result<Option<HashMap<String, SqlValue>>, NsError> {
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM \"{table}\" WHERE id = ?"))
        .map_err(sql_err)?;
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    stmt.query_row([id], |r| {
        let mut m = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            m.insert(n.clone(), r.get::<_, SqlValue>(i)?);
        }
        Ok(m)
    })
    .optional()
    .map_err(sql_err)
}

fn record_url(base: &str, rtype: &str, id: impl std::fmt::Display) -> String {
    format!("{base}{RECORD_PATH}/{rtype}/{id}")
}

fn self_link(href: String) -> Value {
    json!([{"rel": "self", "href": href}])
}

fn ref_json(conn: &Connection, target: Target, id: i64, base: &str) -> Result<Value, NsError> {
    let found: Option<(String, String)> = match target {
        Target::Entity | Target::Customer | Target::Vendor | Target::Employee => conn
            .query_row(
                "SELECT entityid, type FROM entity WHERE id = ?",
                [id],
                |r| {
                    let ty: String = r.get(1)?;
                    let rt = match ty.as_str() {
                        "CustJob" => "customer",
                        "Vendor" => "vendor",
                        "Employee" => "employee",
                        _ => "contact",
                    };
                    Ok((
                        r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                        rt.to_owned(),
                    ))
                },
            )
            .optional(),
        Target::Item => conn
            .query_row(
                "SELECT itemid, itemtype FROM item WHERE id = ?",
                [id],
                |r| {
                    let ty: String = r.get(1)?;
                    let rt = if ty == "InvtPart" {
                        "inventoryitem"
                    } else {
                        "noninventorysaleitem"
                    };
                    Ok((
                        r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                        rt.to_owned(),
                    ))
                },
            )
            .optional(),
        Target::Subsidiary | Target::Currency => {
            let (table, display) = target.table_and_display();
            conn.query_row(
                &format!("SELECT \"{display}\" FROM \"{table}\" WHERE id = ?"),
                [id],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                        table.to_owned(),
                    ))
                },
            )
            .optional()
        }
    }
    .map_err(sql_err)?;
    Ok(match found {
        Some((name, rt)) => json!({
            "links": self_link(record_url(base, &rt, id)),
            "id": id.to_string(),
            "refName": name,
        }),
        None => json!({"links": [], "id": id.to_string()}),
    })
}

fn field_json(
    conn: &Connection,
    f: &Field,
    v: &SqlValue,
    base: &str,
) -> Result<Option<Value>, NsError> {
    Ok(Some(match (f.kind, v) {
        (_, SqlValue::Null) => return Ok(None),
        (Kind::Bool, SqlValue::Text(t)) => Value::Bool(t == "T"),
        (Kind::Integer, SqlValue::Integer(i)) => json!(i),
        (Kind::Integer, SqlValue::Real(r)) => json!(*r as i64),
        (Kind::Float | Kind::Currency, SqlValue::Integer(i)) => json!(*i as f64),
        (Kind::Float | Kind::Currency, SqlValue::Real(r)) => json!(r),
        (Kind::Date, SqlValue::Text(t)) => {
            Value::String(parse_iso(t).map_or(t.clone(), |d| d.date_iso()))
        }
        (Kind::DateTime, SqlValue::Text(t)) => {
            Value::String(parse_iso(t).map_or(t.clone(), |d| d.rest_datetime()))
        }
        (Kind::Ref(target), SqlValue::Integer(id)) => ref_json(conn, target, *id, base)?,
        (Kind::Status, SqlValue::Text(t)) => match status_parts(t) {
            Some((letter, name)) => json!({"id": letter, "refName": name}),
            None => json!({"id": t}),
        },
        (_, SqlValue::Text(t)) => Value::String(t.clone()),
        (_, SqlValue::Integer(i)) => json!(i),
        (_, SqlValue::Real(r)) => json!(r),
        (_, SqlValue::Blob(_)) => return Ok(None),
    }))
}

fn sublist_lines(
    conn: &Connection,
    sl: &Sublist,
    parent: i64,
    base: &str,
) -> Result<Vec<Value>, NsError> {
    let cols: Vec<String> = sl
        .fields
        .iter()
        .map(|f| format!("\"{}\"", f.column))
        .collect();
    let sql = format!(
        "SELECT {} FROM \"{}\" WHERE \"{}\" = ? ORDER BY linesequencenumber",
        cols.join(", "),
        sl.table,
        sl.parent_column
    );
    let mut stmt = conn.prepare(&sql).map_err(sql_err)?;
    let rows: Vec<Vec<SqlValue>> = stmt
        .query_map([parent], |r| {
            (0..sl.fields.len())
                .map(|i| r.get::<_, SqlValue>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(sql_err)?
        .collect::<Result<_, _>>()
        .map_err(sql_err)?;
    let mut out = Vec::new();
    for row in rows {
        let mut obj = Map::new();
        obj.insert("links".into(), json!([]));
        for (f, v) in sl.fields.iter().zip(row.iter()) {
            if let Some(j) = field_json(conn, f, v, base)? {
                obj.insert(f.name.into(), j);
            }
        }
        out.push(Value::Object(obj));
    }
    Ok(out)
}

/// A body value converted for a column.
type Assign = (&'static str, SqlValue);

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
    fn from_headers(h: &HeaderMap) -> NameValidation {
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

struct WriteCtx<'a> {
    conn: &'a Connection,
    names: NameValidation,
    warnings: Vec<String>,
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
type Line = (Option<i64>, Vec<Assign>);

/// A parsed body: body-field assignments and, per sublist, its lines.
struct Parsed {
    fields: Vec<(&'static Field, SqlValue)>,
    sublists: Vec<(&'static Sublist, Vec<Line>)>,
}

fn parse_body(
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

fn user_error(detail: impl Into<String>) -> NsError {
    NsError::new(StatusCode::BAD_REQUEST, "USER_ERROR", detail)
}

fn next_id(conn: &Connection, rt: &RecordType) -> Result<i64, NsError> {
    let sql = if rt.is_entity {
        "SELECT COALESCE(MAX(id), 0) + 1 FROM entity".to_owned()
    } else {
        format!("SELECT COALESCE(MAX(id), 0) + 1 FROM \"{}\"", rt.table)
    };
    conn.query_row(&sql, [], |r| r.get(0)).map_err(sql_err)
}

fn get_col(values: &[(&'static str, SqlValue)], col: &str) -> Option<SqlValue> {
    values
        .iter()
        .rev()
        .find(|(c, _)| *c == col)
        .map(|(_, v)| v.clone())
        .filter(|v| *v != SqlValue::Null)
}

fn set_default(values: &mut Vec<(&'static str, SqlValue)>, col: &'static str, v: SqlValue) {
    if get_col(values, col).is_none() {
        values.retain(|(c, _)| *c != col);
        values.push((col, v));
    }
}

fn as_i64(v: Option<SqlValue>) -> Option<i64> {
    match v {
        Some(SqlValue::Integer(i)) => Some(i),
        _ => None,
    }
}

fn as_f64(v: Option<SqlValue>) -> Option<f64> {
    match v {
        Some(SqlValue::Integer(i)) => Some(i as f64),
        Some(SqlValue::Real(r)) => Some(r),
        _ => None,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Fills a line's rate and amount the way NetSuite does when they are left out.
fn complete_line(
    conn: &Connection,
    tran_type: &str,
    vals: &mut Vec<Assign>,
    explicit_amount: bool,
) -> Result<(), NsError> {
    let item = as_i64(get_col(vals, "item"));
    if get_col(vals, "rate").is_none()
        && let Some(item) = item
    {
        let col = if tran_type == "VendBill" {
            "cost"
        } else {
            "baseprice"
        };
        let price: Option<f64> = conn
            .query_row(
                &format!("SELECT \"{col}\" FROM item WHERE id = ?"),
                [item],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_err)?
            .flatten();
        set_default(vals, "rate", SqlValue::Real(price.unwrap_or(0.0)));
    }
    set_default(vals, "quantity", SqlValue::Real(1.0));
    if !explicit_amount {
        let q = as_f64(get_col(vals, "quantity")).unwrap_or(1.0);
        let r = as_f64(get_col(vals, "rate")).unwrap_or(0.0);
        vals.retain(|(c, _)| *c != "netamount");
        vals.push(("netamount", SqlValue::Real(round2(q * r))));
    }
    Ok(())
}

fn check_mandatory(rt: &RecordType, values: &[(&'static str, SqlValue)]) -> Result<(), NsError> {
    let missing: Vec<&str> = rt
        .fields
        .iter()
        .filter(|f| f.mandatory && get_col(values, f.column).is_none())
        .map(|f| f.title)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(user_error(format!(
            "Please enter value(s) for: {}",
            missing.join(", ")
        )))
    }
}

fn now_str() -> String {
    sqlfn::now().storage(true)
}

/// Writes the lines of one sublist: `replace` drops the existing lines first; otherwise lines carrying a
/// `line` number update that line and the others are appended.
fn write_lines(
    conn: &Connection,
    sl: &Sublist,
    tran_type: &str,
    parent: i64,
    lines: Vec<Line>,
    replace: bool,
) -> Result<(), NsError> {
    if replace {
        conn.execute(
            &format!(
                "DELETE FROM \"{}\" WHERE \"{}\" = ?",
                sl.table, sl.parent_column
            ),
            [parent],
        )
        .map_err(sql_err)?;
    }
    for (i, (key, mut vals)) in lines.into_iter().enumerate() {
        let explicit_amount = get_col(&vals, "netamount").is_some();
        let existing = match key {
            Some(n) if !replace => conn
                .query_row(
                    &format!(
                        "SELECT uniquekey, item, quantity, rate FROM \"{}\" WHERE \"{}\" = ? AND linesequencenumber = ?",
                        sl.table, sl.parent_column
                    ),
                    [parent, n],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, SqlValue>(1)?, r.get::<_, SqlValue>(2)?, r.get::<_, SqlValue>(3)?)),
                )
                .optional()
                .map_err(sql_err)?,
            _ => None,
        };
        if let Some((ukey, item, qty, rate)) = existing {
            set_default(&mut vals, "item", item);
            set_default(&mut vals, "quantity", qty);
            set_default(&mut vals, "rate", rate);
            complete_line(conn, tran_type, &mut vals, explicit_amount)?;
            let sets: Vec<String> = vals.iter().map(|(c, _)| format!("\"{c}\" = ?")).collect();
            let mut params: Vec<SqlValue> = vals.into_iter().map(|(_, v)| v).collect();
            params.push(SqlValue::Integer(ukey));
            conn.execute(
                &format!(
                    "UPDATE \"{}\" SET {} WHERE uniquekey = ?",
                    sl.table,
                    sets.join(", ")
                ),
                params_from_iter(params),
            )
            .map_err(sql_err)?;
            continue;
        }
        if get_col(&vals, "item").is_none() {
            return Err(user_error("Please enter value(s) for: Item")
                .with_path(format!("{}.items[{i}].item", sl.name)));
        }
        complete_line(conn, tran_type, &mut vals, explicit_amount)?;
        let (ukey, seq): (i64, i64) = conn
            .query_row(
                &format!(
                    "SELECT (SELECT COALESCE(MAX(uniquekey), 0) + 1 FROM \"{t}\"),
                            (SELECT COALESCE(MAX(linesequencenumber), 0) + 1 FROM \"{t}\" WHERE \"{p}\" = ?)",
                    t = sl.table,
                    p = sl.parent_column
                ),
                [parent],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql_err)?;
        vals.retain(|(c, _)| *c != "linesequencenumber");
        let mut cols = vec!["uniquekey", "id", sl.parent_column, "linesequencenumber"];
        let mut params = vec![
            SqlValue::Integer(ukey),
            SqlValue::Integer(seq),
            SqlValue::Integer(parent),
            SqlValue::Integer(seq),
        ];
        for (c, v) in vals {
            cols.push(c);
            params.push(v);
        }
        let quoted: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        conn.execute(
            &format!(
                "INSERT INTO \"{}\" ({}) VALUES ({marks})",
                sl.table,
                quoted.join(", ")
            ),
            params_from_iter(params),
        )
        .map_err(sql_err)?;
    }
    Ok(())
}

/// Dependent records that block a delete: (table, column, extra condition).
fn dependents(rt: &RecordType) -> &'static [(&'static str, &'static str)] {
    match rt.table {
        "customer" => &[("transaction", "entity")],
        "vendor" => &[("transaction", "entity")],
        "employee" => &[
            ("transaction", "employee"),
            ("customer", "salesrep"),
            ("employee", "supervisor"),
        ],
        "item" => &[("transactionline", "item")],
        "subsidiary" => &[
            ("customer", "subsidiary"),
            ("vendor", "subsidiary"),
            ("transaction", "subsidiary"),
            ("subsidiary", "parent"),
        ],
        "currency" => &[
            ("customer", "currency"),
            ("vendor", "currency"),
            ("transaction", "currency"),
            ("subsidiary", "currency"),
        ],
        _ => &[],
    }
}

impl Store {
    /// Lists internal ids of a record type, filtered by `q`, one page at a time: (total results, ids).
    pub fn record_list(
        &self,
        rtype: &str,
        q: Option<&str>,
        page: Page,
    ) -> Result<(usize, Vec<i64>), NsError> {
        let rt = lookup_type(rtype)?;
        let mut params: Vec<SqlValue> = Vec::new();
        let mut conds: Vec<String> = Vec::new();
        if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
            let c = super::filter::compile(q, rt)?;
            conds.push(c.sql);
            params.extend(c.params);
        }
        if let Some((col, v)) = rt.discriminator {
            params.push(SqlValue::Text(v.into()));
            conds.push(format!("\"{col}\" = ?{}", params.len()));
        }
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let conn = self.lock();
        let total: i64 = conn
            .query_row(
                &format!("SELECT COUNT(*) FROM \"{}\"{where_sql}", rt.table),
                params_from_iter(params.iter()),
                |r| r.get(0),
            )
            .map_err(sql_err)?;
        let total = (total.max(0) as usize).min(paging::MAX_RESULTS);
        let n = params.len();
        let sql = format!(
            "SELECT id FROM \"{}\"{where_sql} ORDER BY id LIMIT ?{} OFFSET ?{}",
            rt.table,
            n + 1,
            n + 2
        );
        params.push(SqlValue::Integer(
            page.limit.min(total.saturating_sub(page.offset)) as i64,
        ));
        params.push(SqlValue::Integer(page.offset as i64));
        let mut stmt = conn.prepare(&sql).map_err(sql_err)?;
        let ids = stmt
            .query_map(params_from_iter(params), |r| r.get::<_, i64>(0))
            .map_err(sql_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql_err)?;
        Ok((total, ids))
    }

    /// One record as the REST record service returns it. `fields` limits the body fields; `expand` inlines
    /// sublist lines.
    pub fn record_get(
        &self,
        rtype: &str,
        id: &str,
        fields: Option<&[String]>,
        expand: bool,
        base: &str,
    ) -> Result<Value, NsError> {
        let rt = lookup_type(rtype)?;
        let idref = IdRef::parse(id)?;
        if let Some(fs) = fields
            && let Some(bad) = fs
                .iter()
                .find(|f| rt.field(f).is_none() && !f.eq_ignore_ascii_case("id"))
        {
            // guess: NetSuite's answer for an unknown name in `fields` is undocumented.
            return Err(NsError::invalid_parameter(
                "fields",
                format!("Invalid value for query parameter 'fields': unknown body field '{bad}'."),
            ));
        }
        let conn = self.lock();
        let internal_id = resolve(&conn, rt, &idref)?.ok_or_else(NsError::nonexistent_id)?;
        let row = load_row(&conn, rt.table, internal_id)?.ok_or_else(NsError::nonexistent_id)?;
        let url = record_url(base, rt.name, internal_id);
        let mut obj = Map::new();
        obj.insert("links".into(), self_link(url.clone()));
        obj.insert("id".into(), Value::String(internal_id.to_string()));
        for f in rt.fields {
            if fields.is_some_and(|fs| !fs.iter().any(|x| x.eq_ignore_ascii_case(f.name))) {
                continue;
            }
            if let Some(v) = row.get(f.column)
                && let Some(j) = field_json(&conn, f, v, base)?
            {
                obj.insert(f.name.into(), j);
            }
        }
        if fields.is_none() {
            for sl in rt.sublists {
                let sl_url = format!("{url}/{}", sl.name);
                let v = if expand {
                    let lines = sublist_lines(&conn, sl, internal_id, base)?;
                    json!({
                        "links": self_link(sl_url),
                        "count": lines.len(),
                        "hasMore": false,
                        "offset": 0,
                        "totalResults": lines.len(),
                        "items": lines,
                    })
                } else {
                    json!({"links": self_link(sl_url)})
                };
                obj.insert(sl.name.into(), v);
            }
        }
        Ok(Value::Object(obj))
    }

    /// Creates a record from a REST body; returns its internal id and warnings about ignored field names.
    pub fn record_create(
        &self,
        rtype: &str,
        body: &Value,
        names: NameValidation,
    ) -> Result<(i64, Vec<String>), NsError> {
        self.create_inner(rtype, body, names, None)
    }

    fn create_inner(
        &self,
        rtype: &str,
        body: &Value,
        names: NameValidation,
        external_id: Option<&str>,
    ) -> Result<(i64, Vec<String>), NsError> {
        let rt = lookup_type(rtype)?;
        let mut guard = self.lock();
        let tx = guard.transaction().map_err(sql_err)?;
        let mut w = WriteCtx {
            conn: &tx,
            names,
            warnings: Vec::new(),
        };
        let parsed = parse_body(&mut w, rt, body)?;
        let warnings = std::mem::take(&mut w.warnings);
        let mut values: Vec<Assign> = parsed
            .fields
            .iter()
            .map(|(f, v)| (f.column, v.clone()))
            .collect();
        if let Some(e) = external_id {
            values.retain(|(c, _)| *c != "externalid");
            values.push(("externalid", SqlValue::Text(e.to_owned())));
        }
        let id = next_id(&tx, rt)?;
        let now = now_str();
        apply_defaults(&tx, rt, &mut values, &now)?;
        check_mandatory(rt, &values)?;
        if let Some(SqlValue::Text(e)) = get_col(&values, "externalid") {
            let (d, mut dp) = disc(rt);
            let mut p = vec![SqlValue::Text(e.clone())];
            p.append(&mut dp);
            let taken = tx
                .query_row(
                    &format!("SELECT 1 FROM \"{}\" WHERE externalid = ?{d}", rt.table),
                    params_from_iter(p),
                    |_| Ok(()),
                )
                .optional()
                .map_err(sql_err)?;
            if taken.is_some() {
                return Err(user_error(format!(
                    "A record with the external ID '{e}' already exists."
                ))
                .with_path("externalId"));
            }
        }
        if let Some(sl) = rt.sublists.first() {
            let has_lines = parsed
                .sublists
                .iter()
                .any(|(s, lines)| s.name == sl.name && !lines.is_empty());
            if !has_lines {
                return Err(user_error(
                    "You must enter at least one line item for this transaction.",
                ));
            }
        }
        let mut cols: Vec<&str> = vec!["id"];
        let mut params = vec![SqlValue::Integer(id)];
        for (c, v) in values {
            if !cols.contains(&c) {
                cols.push(c);
                params.push(v);
            }
        }
        let quoted: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        tx.execute(
            &format!(
                "INSERT INTO \"{}\" ({}) VALUES ({marks})",
                rt.table,
                quoted.join(", ")
            ),
            params_from_iter(params),
        )
        .map_err(sql_err)?;
        let tran_type = rt.tran_type().unwrap_or("");
        for (sl, lines) in parsed.sublists {
            write_lines(&tx, sl, tran_type, id, lines, true)?;
        }
        recompute_total(&tx, rt, id)?;
        tx.commit().map_err(sql_err)?;
        Ok((id, warnings))
    }

    /// Updates a record (PATCH): omitted fields stay, `null` clears, sublists named in `replace` are replaced.
    pub fn record_update(
        &self,
        rtype: &str,
        id: &str,
        body: &Value,
        replace: &[String],
        names: NameValidation,
    ) -> Result<(i64, Vec<String>), NsError> {
        let rt = lookup_type(rtype)?;
        let idref = IdRef::parse(id)?;
        let mut guard = self.lock();
        let internal_id = resolve(&guard, rt, &idref)?.ok_or_else(NsError::nonexistent_id)?;
        let tx = guard.transaction().map_err(sql_err)?;
        let warnings = update_in(&tx, rt, internal_id, body, replace, names)?;
        tx.commit().map_err(sql_err)?;
        Ok((internal_id, warnings))
    }

    /// Upsert (PUT on `eid:`): creates the record with that external id or updates the existing one.
    /// Returns the internal id and whether it was created.
    pub fn record_upsert(
        &self,
        rtype: &str,
        id: &str,
        body: &Value,
        names: NameValidation,
    ) -> Result<(i64, bool, Vec<String>), NsError> {
        let rt = lookup_type(rtype)?;
        let IdRef::External(eid) = IdRef::parse(id)? else {
            // guess: NetSuite only allows PUT with eid: (netsuite-api.md §3.6); the exact error is undocumented.
            return Err(NsError::invalid_request(
                "The PUT method is only supported with an external ID in the URL (e.g. /customer/eid:ABC-1).",
            ));
        };
        let existing = {
            let conn = self.lock();
            resolve(&conn, rt, &IdRef::External(eid.clone()))?
        };
        match existing {
            Some(_) => {
                let (i, w) = self.record_update(rtype, id, body, &[], names)?;
                Ok((i, false, w))
            }
            None => {
                let (i, w) = self.create_inner(rtype, body, names, Some(&eid))?;
                Ok((i, true, w))
            }
        }
    }

    /// Deletes a record (and its lines).
    pub fn record_delete(&self, rtype: &str, id: &str) -> Result<(), NsError> {
        let rt = lookup_type(rtype)?;
        let idref = IdRef::parse(id)?;
        let mut guard = self.lock();
        let internal_id = resolve(&guard, rt, &idref)?.ok_or_else(NsError::nonexistent_id)?;
        let tx = guard.transaction().map_err(sql_err)?;
        for (table, col) in dependents(rt) {
            let used = tx
                .query_row(
                    &format!("SELECT 1 FROM \"{table}\" WHERE \"{col}\" = ? LIMIT 1"),
                    [internal_id],
                    |_| Ok(()),
                )
                .optional()
                .map_err(sql_err)?;
            if used.is_some() {
                return Err(user_error(
                    "This record cannot be deleted because it has dependent records.",
                ));
            }
        }
        for sl in rt.sublists {
            tx.execute(
                &format!(
                    "DELETE FROM \"{}\" WHERE \"{}\" = ?",
                    sl.table, sl.parent_column
                ),
                [internal_id],
            )
            .map_err(sql_err)?;
        }
        if rt.table == "customer" {
            tx.execute(
                "UPDATE contact SET company = NULL WHERE company = ?",
                [internal_id],
            )
            .map_err(sql_err)?;
        }
        tx.execute(
            &format!("DELETE FROM \"{}\" WHERE id = ?", rt.table),
            [internal_id],
        )
        .map_err(sql_err)?;
        tx.commit().map_err(sql_err)?;
        Ok(())
    }
}

fn update_in(
    conn: &Connection,
    rt: &'static RecordType,
    id: i64,
    body: &Value,
    replace: &[String],
    names: NameValidation,
) -> Result<Vec<String>, NsError> {
    let mut w = WriteCtx {
        conn,
        names,
        warnings: Vec::new(),
    };
    let parsed = parse_body(&mut w, rt, body)?;
    let warnings = std::mem::take(&mut w.warnings);
    for r in replace {
        if rt.sublist(r).is_none() && rt.field(r).is_none() {
            return Err(NsError::invalid_parameter(
                "replace",
                format!(
                    "Invalid value for query parameter 'replace': '{r}' is not a sublist of '{}'.",
                    rt.name
                ),
            ));
        }
    }
    // Mandatory fields may not be cleared.
    let cleared: Vec<&str> = parsed
        .fields
        .iter()
        .filter(|(f, v)| f.mandatory && *v == SqlValue::Null)
        .map(|(f, _)| f.title)
        .collect();
    if !cleared.is_empty() {
        return Err(user_error(format!(
            "Please enter value(s) for: {}",
            cleared.join(", ")
        )));
    }
    let mut sets: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    for (f, v) in &parsed.fields {
        sets.push(format!("\"{}\" = ?", f.column));
        params.push(v.clone());
    }
    sets.push("\"lastmodifieddate\" = ?".into());
    params.push(SqlValue::Text(now_str()));
    params.push(SqlValue::Integer(id));
    conn.execute(
        &format!(
            "UPDATE \"{}\" SET {} WHERE id = ?",
            rt.table,
            sets.join(", ")
        ),
        params_from_iter(params),
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            user_error("A record with this external ID already exists.").with_path("externalId")
        }
        other => sql_err(other),
    })?;
    let tran_type = rt.tran_type().unwrap_or("");
    for (sl, lines) in parsed.sublists {
        let rep = replace.iter().any(|r| r.eq_ignore_ascii_case(sl.name));
        write_lines(conn, sl, tran_type, id, lines, rep)?;
    }
    recompute_total(conn, rt, id)?;
    Ok(warnings)
}

fn recompute_total(conn: &Connection, rt: &RecordType, id: i64) -> Result<(), NsError> {
    if let Some(sl) = rt.sublists.first() {
        conn.execute(
            &format!(
                "UPDATE \"transaction\" SET foreigntotal = (SELECT ROUND(COALESCE(SUM(netamount), 0), 2) FROM \"{}\" WHERE \"{}\" = ?1) WHERE id = ?1",
                sl.table, sl.parent_column
            ),
            [id],
        )
        .map_err(sql_err)?;
    }
    Ok(())
}

fn apply_defaults(
    conn: &Connection,
    rt: &RecordType,
    values: &mut Vec<Assign>,
    now: &str,
) -> Result<(), NsError> {
    let text = |s: &str| SqlValue::Text(s.to_owned());
    if let Some((col, v)) = rt.discriminator {
        values.retain(|(c, _)| *c != col);
        values.push((col, text(v)));
    }
    let has = |values: &Vec<Assign>, c: &str| get_col(values, c).is_some();
    match rt.table {
        "customer" | "vendor" | "contact" | "employee" => {
            if !has(values, "entityid") {
                let name = if rt.table == "customer" || rt.table == "vendor" {
                    get_col(values, "companyname")
                } else {
                    match (get_col(values, "firstname"), get_col(values, "lastname")) {
                        (Some(SqlValue::Text(a)), Some(SqlValue::Text(b))) => {
                            Some(text(&format!("{a} {b}")))
                        }
                        _ => None,
                    }
                };
                if let Some(n) = name {
                    values.push(("entityid", n));
                }
            }
            // guess: new entities default to the US subsidiary.
            set_default(values, "subsidiary", SqlValue::Integer(2));
            if rt.table == "customer" || rt.table == "vendor" {
                let sub = as_i64(get_col(values, "subsidiary")).unwrap_or(2);
                let cur: Option<i64> = conn
                    .query_row("SELECT currency FROM subsidiary WHERE id = ?", [sub], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(sql_err)?
                    .flatten();
                set_default(values, "currency", SqlValue::Integer(cur.unwrap_or(1)));
                set_default(values, "balance", SqlValue::Real(0.0));
            }
            set_default(values, "datecreated", text(now));
        }
        "item" => {
            set_default(values, "subsidiary", SqlValue::Integer(1));
            set_default(values, "createddate", text(now));
        }
        "transaction" => {
            let ty = rt.tran_type().unwrap_or("");
            let today = sqlfn::now().date_iso();
            set_default(values, "trandate", text(&today));
            if let Some(entity) = as_i64(get_col(values, "entity")) {
                let (sub, cur): (Option<i64>, Option<i64>) = conn
                    .query_row(
                        "SELECT subsidiary, (SELECT currency FROM customer WHERE id = ?1
                                             UNION ALL SELECT currency FROM vendor WHERE id = ?1 LIMIT 1)
                         FROM entity WHERE id = ?1",
                        [entity],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(sql_err)?
                    .unwrap_or((None, None));
                set_default(values, "subsidiary", SqlValue::Integer(sub.unwrap_or(2)));
                set_default(values, "currency", SqlValue::Integer(cur.unwrap_or(1)));
            }
            if let Some(cur) = as_i64(get_col(values, "currency")) {
                let rate: Option<f64> = conn
                    .query_row(
                        "SELECT exchangerate FROM currency WHERE id = ?",
                        [cur],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(sql_err)?
                    .flatten();
                set_default(values, "exchangerate", SqlValue::Real(rate.unwrap_or(1.0)));
            }
            let letter = match ty {
                "SalesOrd" => "B",
                "CustPymt" => "B",
                _ => "A",
            };
            set_default(values, "status", text(&format!("{ty}:{letter}")));
            let prefix = match ty {
                "SalesOrd" => Some("SO"),
                "CustInvc" => Some("INV"),
                "CustPymt" => Some("PYMT"),
                _ => None,
            };
            if let Some(prefix) = prefix
                && !has(values, "tranid")
            {
                let n: i64 = conn
                    .query_row(
                        "SELECT COALESCE(MAX(CAST(substr(tranid, ?1) AS INTEGER)), 1000) + 1
                             FROM \"transaction\" WHERE type = ?2 AND substr(tranid, 1, ?3) = ?4",
                        rusqlite::params![prefix.len() as i64 + 1, ty, prefix.len() as i64, prefix],
                        |r| r.get(0),
                    )
                    .map_err(sql_err)?;
                values.push(("tranid", text(&format!("{prefix}{n}"))));
            }
            if ty == "CustInvc"
                && !has(values, "duedate")
                && let Some(SqlValue::Text(d)) = get_col(values, "trandate")
                && let Some(dt) = parse_iso(&d)
            {
                let (y, m, dd) = super::seed::civil_from_days(dt.days() + 30);
                values.push(("duedate", text(&format!("{y:04}-{m:02}-{dd:02}"))));
            }
            set_default(values, "createddate", text(now));
        }
        _ => {}
    }
    if rt.fields.iter().any(|f| f.column == "isinactive") {
        set_default(values, "isinactive", text("F"));
    }
    if rt.fields.iter().any(|f| f.column == "lastmodifieddate") {
        values.retain(|(c, _)| *c != "lastmodifieddate");
        values.push(("lastmodifieddate", text(now)));
    }
    Ok(())
}

// ---- HTTP handlers ----

fn parse_body_bytes(body: &Bytes) -> Result<Value, NsError> {
    serde_json::from_slice(body).map_err(|e| {
        NsError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CONTENT",
            format!("The request body is not valid JSON: {e}."),
        )
    })
}

fn no_content(location: Option<String>, warnings: &[String]) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Some(loc) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    if !warnings.is_empty() {
        // Invented header name: NetSuite reports name warnings in an undocumented header (netsuite-api.md §3.9).
        if let Ok(v) = HeaderValue::from_str(&warnings.join(" ")) {
            resp.headers_mut().insert("x-netsuite-warning", v);
        }
    }
    resp
}

fn respond(r: Result<Response, NsError>) -> Response {
    r.unwrap_or_else(IntoResponse::into_response)
}

pub(super) async fn list_handler(
    State(st): State<AppState>,
    Path(rtype): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    respond(
        async move {
            let pairs = query_pairs(raw.as_deref());
            let page = Page::parse(query_get(&pairs, "limit"), query_get(&pairs, "offset"))?;
            let q = query_get(&pairs, "q").map(str::to_owned);
            let store = st.store.clone();
            let rt = lookup_type(&rtype)?;
            let q2 = q.clone();
            let (total, ids) =
                blocking(move || store.record_list(rt.name, q2.as_deref(), page)).await?;
            let items = ids
                .into_iter()
                .map(|id| {
                    json!({
                        "links": self_link(record_url(&st.base, rt.name, id)),
                        "id": id.to_string(),
                    })
                })
                .collect();
            let url = format!("{}{RECORD_PATH}/{}", st.base, rt.name);
            let extra: Vec<(&str, &str)> = q.as_deref().map(|q| vec![("q", q)]).unwrap_or_default();
            let body = paging::envelope(&url, &extra, page, total, items);
            Ok(super::json_response(StatusCode::OK, COLLECTION_TYPE, &body))
        }
        .await,
    )
}

pub(super) async fn get_handler(
    State(st): State<AppState>,
    Path((rtype, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    respond(
        async move {
            let pairs = query_pairs(raw.as_deref());
            let expand = match query_get(&pairs, "expandSubResources") {
                None => false,
                Some(v) if v.eq_ignore_ascii_case("true") => true,
                Some(v) if v.eq_ignore_ascii_case("false") => false,
                Some(v) => {
                    return Err(NsError::invalid_parameter(
                        "expandSubResources",
                        format!("Invalid value for query parameter 'expandSubResources': {v}. Use true or false."),
                    ));
                }
            };
            let fields: Option<Vec<String>> = query_get(&pairs, "fields").map(|f| {
                f.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            });
            let store = st.store.clone();
            let base = st.base.clone();
            let body = blocking(move || store.record_get(&rtype, &id, fields.as_deref(), expand, &base)).await?;
            Ok(super::json_response(StatusCode::OK, SINGULAR_TYPE, &body))
        }
        .await,
    )
}

/// `GET /{type}/{id}/{sublist}`: the sublist collection the record's sublist link points at.
pub(super) async fn sublist_handler(
    State(st): State<AppState>,
    Path((rtype, id, sub)): Path<(String, String, String)>,
) -> Response {
    respond(
        async move {
            let rt = lookup_type(&rtype)?;
            let sl = rt.sublist(&sub).ok_or_else(NsError::nonexistent_id)?;
            let store = st.store.clone();
            let base = st.base.clone();
            let rec = blocking(move || store.record_get(rt.name, &id, None, true, &base)).await?;
            let body = rec.get(sl.name).cloned().unwrap_or(Value::Null);
            Ok(super::json_response(StatusCode::OK, COLLECTION_TYPE, &body))
        }
        .await,
    )
}

pub(super) async fn create_handler(
    State(st): State<AppState>,
    Path(rtype): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async move {
            let rt = lookup_type(&rtype)?;
            let value = parse_body_bytes(&body)?;
            let names = NameValidation::from_headers(&headers);
            let store = st.store.clone();
            let (id, warnings) =
                blocking(move || store.record_create(rt.name, &value, names)).await?;
            Ok(no_content(
                Some(record_url(&st.base, rt.name, id)),
                &warnings,
            ))
        }
        .await,
    )
}

pub(super) async fn patch_handler(
    State(st): State<AppState>,
    Path((rtype, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async move {
            let rt = lookup_type(&rtype)?;
            let pairs = query_pairs(raw.as_deref());
            let replace: Vec<String> = query_get(&pairs, "replace")
                .map(|r| {
                    r.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let value = parse_body_bytes(&body)?;
            let names = NameValidation::from_headers(&headers);
            let store = st.store.clone();
            let (iid, warnings) =
                blocking(move || store.record_update(rt.name, &id, &value, &replace, names))
                    .await?;
            Ok(no_content(
                Some(record_url(&st.base, rt.name, iid)),
                &warnings,
            ))
        }
        .await,
    )
}

pub(super) async fn put_handler(
    State(st): State<AppState>,
    Path((rtype, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async move {
            let rt = lookup_type(&rtype)?;
            let value = parse_body_bytes(&body)?;
            let names = NameValidation::from_headers(&headers);
            let store = st.store.clone();
            let (iid, _created, warnings) =
                blocking(move || store.record_upsert(rt.name, &id, &value, names)).await?;
            Ok(no_content(
                Some(record_url(&st.base, rt.name, iid)),
                &warnings,
            ))
        }
        .await,
    )
}

pub(super) async fn delete_handler(
    State(st): State<AppState>,
    Path((rtype, id)): Path<(String, String)>,
) -> Response {
    respond(
        async move {
            let store = st.store.clone();
            blocking(move || store.record_delete(&rtype, &id)).await?;
            Ok(no_content(None, &[]))
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_parsing() {
        assert_eq!(IdRef::parse("107").ok(), Some(IdRef::Internal(107)));
        assert_eq!(
            IdRef::parse("eid:SF-1").ok(),
            Some(IdRef::External("SF-1".into()))
        );
        assert!(IdRef::parse("abc").is_err());
        assert!(IdRef::parse("eid:").is_err());
        assert!(IdRef::parse("99999999999999999999").is_err());
    }

    #[test]
    fn create_get_update_delete_round_trip() {
        let store = Store::demo().expect("demo");
        let body = json!({"companyName": "Round Trip LLC", "email": "rt@example.com", "isInactive": false,
                          "subsidiary": {"id": "3"}, "custentity_loyalty_tier": 2});
        let (id, warnings) = store
            .record_create("customer", &body, NameValidation::Error)
            .expect("create");
        assert!(warnings.is_empty());
        let rec = store
            .record_get("customer", &id.to_string(), None, false, "http://h")
            .expect("get");
        assert_eq!(rec["companyName"], "Round Trip LLC");
        assert_eq!(rec["entityId"], "Round Trip LLC");
        assert_eq!(rec["isInactive"], false);
        assert_eq!(rec["subsidiary"]["id"], "3");
        assert_eq!(rec["subsidiary"]["refName"], "Honeycomb UK Ltd");
        assert_eq!(rec["currency"]["refName"], "British pound");
        assert_eq!(rec["custentity_loyalty_tier"], 2);
        store
            .record_update(
                "customer",
                &id.to_string(),
                &json!({"email": null}),
                &[],
                NameValidation::Error,
            )
            .expect("patch");
        let rec = store
            .record_get("customer", &id.to_string(), None, false, "http://h")
            .expect("get");
        assert!(rec.get("email").is_none());
        store
            .record_delete("customer", &id.to_string())
            .expect("delete");
        let e = store
            .record_get("customer", &id.to_string(), None, false, "http://h")
            .expect_err("gone");
        assert_eq!(e.code, "NONEXISTENT_ID");
    }

    #[test]
    fn write_validation() {
        let store = Store::demo().expect("demo");
        let e = store
            .record_create(
                "customer",
                &json!({"companyName": 5}),
                NameValidation::Error,
            )
            .expect_err("type");
        assert_eq!(
            (e.code.as_str(), e.error_path.as_deref()),
            ("INVALID_CONTENT", Some("companyName"))
        );
        let e = store
            .record_create(
                "customer",
                &json!({"companyName": "X", "bogus": 1}),
                NameValidation::Error,
            )
            .expect_err("name");
        assert_eq!(
            (e.code.as_str(), e.error_path.as_deref()),
            ("INVALID_CONTENT", Some("bogus"))
        );
        let (_, w) = store
            .record_create(
                "customer",
                &json!({"companyName": "Y", "bogus": 1}),
                NameValidation::Warning,
            )
            .expect("warning mode");
        assert_eq!(w.len(), 1);
        let e = store
            .record_create(
                "customer",
                &json!({"email": "a@b.co"}),
                NameValidation::Error,
            )
            .expect_err("mandatory");
        assert_eq!(e.code, "USER_ERROR");
        assert!(e.detail.contains("Company Name"));
        let e = store
            .record_create(
                "customer",
                &json!({"companyName": "Z", "subsidiary": {"id": "999"}}),
                NameValidation::Error,
            )
            .expect_err("bad ref");
        assert_eq!(e.code, "USER_ERROR");
        let e = store
            .record_create("salesorder", &json!({"entity": {"id": "20"}, "item": {"items": [{"item": {"id": "1"}, "quantity": "x"}]}}), NameValidation::Error)
            .expect_err("line type");
        assert_eq!(e.error_path.as_deref(), Some("item.items[0].quantity"));
        let e = store
            .record_delete("customer", "16")
            .expect_err("has transactions");
        assert_eq!(e.code, "USER_ERROR");
    }

    #[test]
    fn sales_order_lines_and_totals() {
        let store = Store::demo().expect("demo");
        let cust = store
            .record_list(
                "customer",
                Some("isInactive IS false"),
                Page::new(1, 0).expect("page"),
            )
            .expect("list")
            .1[0];
        let body = json!({"entity": {"id": cust.to_string()}, "memo": "lines",
            "item": {"items": [{"item": {"id": "1"}, "quantity": 2, "rate": 10.5}, {"item": {"id": "2"}, "quantity": 1, "rate": 4}]}});
        let (id, _) = store
            .record_create("salesorder", &body, NameValidation::Error)
            .expect("create");
        let rec = store
            .record_get("salesorder", &id.to_string(), None, true, "")
            .expect("get");
        assert_eq!(rec["total"], 25.0);
        assert_eq!(rec["status"]["refName"], "Pending Fulfillment");
        assert_eq!(rec["item"]["items"].as_array().map(Vec::len), Some(2));
        store
            .record_update(
                "salesorder",
                &id.to_string(),
                &json!({"item": {"items": [{"item": {"id": "3"}, "quantity": 1, "rate": 1}]}}),
                &["item".into()],
                NameValidation::Error,
            )
            .expect("replace");
        let rec = store
            .record_get("salesorder", &id.to_string(), None, true, "")
            .expect("get");
        assert_eq!(rec["total"], 1.0);
        assert_eq!(rec["item"]["items"].as_array().map(Vec::len), Some(1));
        store
            .record_update(
                "salesorder",
                &id.to_string(),
                &json!({"item": {"items": [{"line": 1, "quantity": 3}]}}),
                &[],
                NameValidation::Error,
            )
            .expect("merge line");
        let rec = store
            .record_get("salesorder", &id.to_string(), None, true, "")
            .expect("get");
        assert_eq!(rec["total"], 3.0);
    }
}
