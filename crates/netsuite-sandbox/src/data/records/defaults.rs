//! What NetSuite fills in when a body leaves it out: line rates and amounts, entity ids, dates, statuses,
//! totals; and the mandatory-field check.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};

use crate::data::schema::RecordType;
use crate::data::sqlfn::{self, parse_iso};
use crate::error::NsError;

use super::body::{Assign, user_error};
use super::sql_err;

pub(super) fn get_col(values: &[(&'static str, SqlValue)], col: &str) -> Option<SqlValue> {
    values
        .iter()
        .rev()
        .find(|(c, _)| *c == col)
        .map(|(_, v)| v.clone())
        .filter(|v| *v != SqlValue::Null)
}

pub(super) fn set_default(
    values: &mut Vec<(&'static str, SqlValue)>,
    col: &'static str,
    v: SqlValue,
) {
    if get_col(values, col).is_none() {
        values.retain(|(c, _)| *c != col);
        values.push((col, v));
    }
}

pub(super) fn as_i64(v: Option<SqlValue>) -> Option<i64> {
    match v {
        Some(SqlValue::Integer(i)) => Some(i),
        _ => None,
    }
}

pub(super) fn as_f64(v: Option<SqlValue>) -> Option<f64> {
    match v {
        Some(SqlValue::Integer(i)) => Some(i as f64),
        Some(SqlValue::Real(r)) => Some(r),
        _ => None,
    }
}

pub(super) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Fills a line's rate and amount the way NetSuite does when they are left out.
pub(super) fn complete_line(
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

pub(super) fn check_mandatory(
    rt: &RecordType,
    values: &[(&'static str, SqlValue)],
) -> Result<(), NsError> {
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

pub(super) fn now_str() -> String {
    sqlfn::now().storage(true)
}

pub(super) fn apply_defaults(
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
                let (y, m, dd) = crate::data::seed::civil_from_days(dt.days() + 30);
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
