//! Writing records: create, update (PATCH), upsert by `eid:`, delete, and the sublist lines they carry.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde_json::Value;

use crate::data::Store;
use crate::data::schema::{RecordType, Sublist};
use crate::error::NsError;

use super::body::{Assign, Line, NameValidation, WriteCtx, parse_body, user_error};
use super::defaults::{
    apply_defaults, check_mandatory, complete_line, get_col, now_str, set_default,
};
use super::{IdRef, disc, lookup_type, resolve, sql_err};

pub(super) fn next_id(conn: &Connection, rt: &RecordType) -> Result<i64, NsError> {
    let sql = if rt.is_entity {
        "SELECT COALESCE(MAX(id), 0) + 1 FROM entity".to_owned()
    } else {
        format!("SELECT COALESCE(MAX(id), 0) + 1 FROM \"{}\"", rt.table)
    };
    conn.query_row(&sql, [], |r| r.get(0)).map_err(sql_err)
}

/// Writes the lines of one sublist: `replace` drops the existing lines first; otherwise lines carrying a
/// `line` number update that line and the others are appended.
pub(super) fn write_lines(
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
pub(super) fn dependents(rt: &RecordType) -> &'static [(&'static str, &'static str)] {
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

pub(super) fn update_in(
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

pub(super) fn recompute_total(conn: &Connection, rt: &RecordType, id: i64) -> Result<(), NsError> {
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
