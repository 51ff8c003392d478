//! Oracle functions SuiteQL users write, implemented as SQLite scalar functions, plus the date helpers they share
//! with the record service. Dates are stored as `YYYY-MM-DD`, timestamps as `YYYY-MM-DD HH:MM:SS` (UTC).

mod datetime;
mod oracle_format;

#[cfg(test)]
mod tests;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Error};

use super::schema;

use datetime::days_in_month;
pub use datetime::{DateTime, now, parse_account_date, parse_iso};
use oracle_format::format_numeric;
pub use oracle_format::{format_date, format_number, parse_with_format};

fn user_err(msg: impl Into<String>) -> Error {
    Error::UserFunctionError(msg.into().into())
}

fn text_arg(ctx: &Context<'_>, i: usize) -> Result<Option<String>, Error> {
    Ok(match ctx.get_raw(i) {
        ValueRef::Null => None,
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(r) => Some(format_number(r)),
        ValueRef::Blob(_) => {
            return Err(user_err("inconsistent datatypes: expected CHAR got BLOB"));
        }
    })
}

fn date_arg(ctx: &Context<'_>, i: usize, func: &str) -> Result<Option<DateTime>, Error> {
    match text_arg(ctx, i)? {
        None => Ok(None),
        Some(s) => parse_iso(&s)
            .map(Some)
            .ok_or_else(|| user_err(format!("{func}: '{s}' is not a date"))),
    }
}

fn store_date(dt: DateTime, with_time: bool) -> Value {
    Value::Text(dt.storage(with_time))
}

fn sql_equal(a: &ValueRef<'_>, b: &ValueRef<'_>) -> bool {
    match (a, b) {
        (ValueRef::Null, ValueRef::Null) => true,
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x == y,
        (ValueRef::Integer(x), ValueRef::Real(y)) | (ValueRef::Real(y), ValueRef::Integer(x)) => {
            (*x as f64) == *y
        }
        (ValueRef::Real(x), ValueRef::Real(y)) => x == y,
        (ValueRef::Text(x), ValueRef::Text(y)) => x == y,
        _ => false,
    }
}

fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Registers every SuiteQL helper function on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let det = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let volatile = FunctionFlags::SQLITE_UTF8;

    for n in [1, 2] {
        conn.create_scalar_function("to_char", n, det, |ctx| {
            let fmt = if ctx.len() > 1 {
                text_arg(ctx, 1)?
            } else {
                None
            };
            match ctx.get_raw(0) {
                ValueRef::Null => Ok(Value::Null),
                ValueRef::Integer(i) => Ok(Value::Text(format_numeric(i as f64, fmt.as_deref()))),
                ValueRef::Real(r) => Ok(Value::Text(format_numeric(r, fmt.as_deref()))),
                ValueRef::Text(t) => {
                    let s = String::from_utf8_lossy(t).into_owned();
                    match (parse_iso(&s), fmt) {
                        (Some(dt), Some(f)) => {
                            format_date(dt, &f).map(Value::Text).map_err(user_err)
                        }
                        (Some(dt), None) => Ok(Value::Text(dt.account_format())),
                        (None, _) => Ok(Value::Text(s)),
                    }
                }
                ValueRef::Blob(_) => Err(user_err("TO_CHAR: unsupported BLOB")),
            }
        })?;
        conn.create_scalar_function("to_date", n, det, |ctx| {
            let Some(text) = text_arg(ctx, 0)? else {
                return Ok(Value::Null);
            };
            let parsed = if ctx.len() > 1 {
                let fmt = text_arg(ctx, 1)?.unwrap_or_default();
                parse_with_format(&text, &fmt)
            } else {
                // Without a format Oracle uses the session format: the account's M/D/YYYY.
                parse_account_date(&text)
                    .map(|d| (d, false))
                    .ok_or_else(|| format!("date '{text}' does not match format 'MM/DD/YYYY'"))
            };
            parsed
                .map(|(dt, with_time)| store_date(dt, with_time))
                .map_err(user_err)
        })?;
        conn.create_scalar_function("trunc", n, det, |ctx| match ctx.get_raw(0) {
            ValueRef::Null => Ok(Value::Null),
            ValueRef::Integer(i) => Ok(Value::Integer(i)),
            ValueRef::Real(r) => {
                let places = if ctx.len() > 1 { ctx.get::<i64>(1)? } else { 0 };
                let f = 10f64.powi(places.clamp(-15, 15) as i32);
                Ok(Value::Real((r * f).trunc() / f))
            }
            ValueRef::Text(_) => {
                let Some(dt) = date_arg(ctx, 0, "TRUNC")? else {
                    return Ok(Value::Null);
                };
                let unit = if ctx.len() > 1 {
                    text_arg(ctx, 1)?.unwrap_or_default().to_ascii_uppercase()
                } else {
                    "DD".to_owned()
                };
                let (m, d) = match unit.as_str() {
                    "DD" | "DDD" | "J" => (dt.m, dt.d),
                    "MM" | "MON" | "MONTH" => (dt.m, 1),
                    "Q" => ((dt.m - 1) / 3 * 3 + 1, 1),
                    "YYYY" | "YEAR" | "YY" => (1, 1),
                    other => {
                        return Err(user_err(format!("TRUNC: format '{other}' not supported")));
                    }
                };
                Ok(store_date(
                    DateTime {
                        m,
                        d,
                        hh: 0,
                        mi: 0,
                        ss: 0,
                        ..dt
                    },
                    false,
                ))
            }
            ValueRef::Blob(_) => Err(user_err("TRUNC: unsupported BLOB")),
        })?;
    }

    conn.create_scalar_function("to_number", 1, det, |ctx| match ctx.get_raw(0) {
        ValueRef::Null => Ok(Value::Null),
        ValueRef::Integer(i) => Ok(Value::Integer(i)),
        ValueRef::Real(r) => Ok(Value::Real(r)),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let s = s.trim();
            if let Ok(i) = s.parse::<i64>() {
                Ok(Value::Integer(i))
            } else {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(Value::Real)
                    .ok_or_else(|| user_err(format!("invalid number '{s}'")))
            }
        }
        ValueRef::Blob(_) => Err(user_err("invalid number")),
    })?;
    conn.create_scalar_function("nvl2", 3, det, |ctx| {
        Ok(owned(if matches!(ctx.get_raw(0), ValueRef::Null) {
            ctx.get_raw(2)
        } else {
            ctx.get_raw(1)
        }))
    })?;
    conn.create_scalar_function("decode", -1, det, |ctx| {
        let n = ctx.len();
        if n < 3 {
            return Err(user_err("DECODE: not enough arguments"));
        }
        let subject = ctx.get_raw(0);
        let mut i = 1;
        while i + 1 < n {
            if sql_equal(&subject, &ctx.get_raw(i)) {
                return Ok(owned(ctx.get_raw(i + 1)));
            }
            i += 2;
        }
        Ok(if i < n {
            owned(ctx.get_raw(i))
        } else {
            Value::Null
        })
    })?;
    conn.create_scalar_function("add_months", 2, det, |ctx| {
        let Some(dt) = date_arg(ctx, 0, "ADD_MONTHS")? else {
            return Ok(Value::Null);
        };
        let k = ctx.get::<i64>(1)?.clamp(-120_000, 120_000);
        let total = dt.y * 12 + (dt.m - 1) + k;
        let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let last = dt.d == days_in_month(dt.y, dt.m);
        let d = if last {
            days_in_month(y, m)
        } else {
            dt.d.min(days_in_month(y, m))
        };
        let out = DateTime { y, m, d, ..dt };
        if !out.valid() {
            return Err(user_err("ADD_MONTHS: date out of range"));
        }
        Ok(store_date(out, dt.has_time()))
    })?;
    conn.create_scalar_function("last_day", 1, det, |ctx| {
        let Some(dt) = date_arg(ctx, 0, "LAST_DAY")? else {
            return Ok(Value::Null);
        };
        let out = DateTime {
            d: days_in_month(dt.y, dt.m),
            ..dt
        };
        Ok(store_date(out, dt.has_time()))
    })?;
    conn.create_scalar_function("ns_sysdate", 0, volatile, |_| Ok(store_date(now(), true)))?;
    conn.create_scalar_function("ns_current_date", 0, volatile, |_| {
        Ok(store_date(now(), false))
    })?;
    conn.create_scalar_function("ns_date_add", 2, det, |ctx| {
        let Some(dt) = date_arg(ctx, 0, "date arithmetic")? else {
            return Ok(Value::Null);
        };
        let days: f64 = match ctx.get_raw(1) {
            ValueRef::Integer(i) => i as f64,
            ValueRef::Real(r) => r,
            ValueRef::Null => return Ok(Value::Null),
            _ => return Err(user_err("inconsistent datatypes: expected NUMBER")),
        };
        if !days.is_finite() || days.abs() > 3_000_000.0 {
            return Err(user_err("date arithmetic out of range"));
        }
        let secs =
            (dt.days() * 86_400 + dt.hh * 3600 + dt.mi * 60 + dt.ss) as f64 + days * 86_400.0;
        let secs = secs.round() as i64;
        let rem = secs.rem_euclid(86_400);
        let out = DateTime::from_days(
            secs.div_euclid(86_400),
            rem / 3600,
            rem % 3600 / 60,
            rem % 60,
        );
        if !out.valid() {
            return Err(user_err("date arithmetic out of range"));
        }
        Ok(store_date(out, out.has_time() || dt.has_time()))
    })?;
    conn.create_scalar_function("ns_days_between", 2, det, |ctx| {
        let (Some(a), Some(b)) = (
            date_arg(ctx, 0, "date arithmetic")?,
            date_arg(ctx, 1, "date arithmetic")?,
        ) else {
            return Ok(Value::Null);
        };
        let secs = |d: DateTime| d.days() * 86_400 + d.hh * 3600 + d.mi * 60 + d.ss;
        let diff = (secs(a) - secs(b)) as f64 / 86_400.0;
        Ok(if diff == diff.trunc() {
            Value::Integer(diff as i64)
        } else {
            Value::Real(diff)
        })
    })?;
    conn.create_scalar_function("ns_extract", 2, det, |ctx| {
        let unit = text_arg(ctx, 0)?.unwrap_or_default();
        let Some(dt) = date_arg(ctx, 1, "EXTRACT")? else {
            return Ok(Value::Null);
        };
        Ok(Value::Integer(match unit.to_ascii_uppercase().as_str() {
            "YEAR" => dt.y,
            "MONTH" => dt.m,
            "DAY" => dt.d,
            "HOUR" => dt.hh,
            "MINUTE" => dt.mi,
            "SECOND" => dt.ss,
            other => return Err(user_err(format!("EXTRACT: unsupported field {other}"))),
        }))
    })?;
    conn.create_scalar_function("ns_status_df", 1, det, |ctx| {
        Ok(text_arg(ctx, 0)?.map(|s| schema::status_display(&s).unwrap_or(s)))
    })?;
    conn.create_scalar_function("ns_type_df", 1, det, |ctx| {
        Ok(text_arg(ctx, 0)?.map(|s| schema::tran_type_name(&s).map(str::to_owned).unwrap_or(s)))
    })?;
    conn.create_scalar_function("initcap", 1, det, |ctx| {
        Ok(text_arg(ctx, 0)?.map(|s| {
            let mut out = String::with_capacity(s.len());
            let mut start = true;
            for c in s.chars() {
                if c.is_alphanumeric() {
                    if start {
                        out.extend(c.to_uppercase());
                    } else {
                        out.extend(c.to_lowercase());
                    }
                    start = false;
                } else {
                    out.push(c);
                    start = true;
                }
            }
            out
        }))
    })?;
    Ok(())
}
