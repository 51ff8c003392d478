//! Reading records: a record as the REST record service returns it (fields, references, sublist lines), and
//! the `q`-filtered id list.

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde_json::{Map, Value, json};

use crate::data::schema::{Field, Kind, Sublist, Target, status_parts};
use crate::data::sqlfn::parse_iso;
use crate::data::{Page, RECORD_PATH, Store, paging};
use crate::error::NsError;

use super::{IdRef, lookup_type, resolve, sql_err};

pub(super) fn load_row(
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

pub(super) fn record_url(base: &str, rtype: &str, id: impl std::fmt::Display) -> String {
    format!("{base}{RECORD_PATH}/{rtype}/{id}")
}

pub(super) fn self_link(href: String) -> Value {
    json!([{"rel": "self", "href": href}])
}

pub(super) fn ref_json(
    conn: &Connection,
    target: Target,
    id: i64,
    base: &str,
) -> Result<Value, NsError> {
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

pub(super) fn field_json(
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

pub(super) fn sublist_lines(
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
            let c = crate::data::filter::compile(q, rt)?;
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
}
