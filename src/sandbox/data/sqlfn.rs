//! Oracle functions SuiteQL users write, implemented as SQLite scalar functions, plus the date helpers they share
//! with the record service. Dates are stored as `YYYY-MM-DD`, timestamps as `YYYY-MM-DD HH:MM:SS` (UTC).

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Error};

use super::schema;
use super::seed::{civil_from_days, days_from_civil};

/// A parsed date or timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub y: i64,
    pub m: i64,
    pub d: i64,
    pub hh: i64,
    pub mi: i64,
    pub ss: i64,
}

impl DateTime {
    fn valid(self) -> bool {
        (1..=12).contains(&self.m)
            && self.d >= 1
            && self.d <= days_in_month(self.y, self.m)
            && (0..24).contains(&self.hh)
            && (0..60).contains(&self.mi)
            && (0..60).contains(&self.ss)
            && (1..=9999).contains(&self.y)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        days_from_civil(self.y, self.m, self.d)
    }

    fn from_days(days: i64, hh: i64, mi: i64, ss: i64) -> Self {
        let (y, m, d) = civil_from_days(days);
        DateTime {
            y,
            m,
            d,
            hh,
            mi,
            ss,
        }
    }

    fn has_time(self) -> bool {
        self.hh != 0 || self.mi != 0 || self.ss != 0
    }

    /// `YYYY-MM-DD`.
    pub fn date_iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }

    /// Storage form: `YYYY-MM-DD` for a date, `YYYY-MM-DD HH:MM:SS` when there is a time.
    pub fn storage(self, with_time: bool) -> String {
        if with_time {
            format!(
                "{} {:02}:{:02}:{:02}",
                self.date_iso(),
                self.hh,
                self.mi,
                self.ss
            )
        } else {
            self.date_iso()
        }
    }

    /// The demo account's date format preference, `M/D/YYYY` (guess: a US-default account).
    pub fn account_format(self) -> String {
        format!("{}/{}/{}", self.m, self.d, self.y)
    }

    /// ISO 8601 UTC as the REST record service shows datetimes.
    pub fn rest_datetime(self) -> String {
        format!(
            "{}T{:02}:{:02}:{:02}Z",
            self.date_iso(),
            self.hh,
            self.mi,
            self.ss
        )
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a stored date (`YYYY-MM-DD`), a stored timestamp (`YYYY-MM-DD HH:MM:SS`) or ISO 8601 with `T`, an
/// optional fraction and `Z`/offset (offset applied, result in UTC).
pub fn parse_iso(s: &str) -> Option<DateTime> {
    let s = s.trim();
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let (y, m, d) = (
        num(parts.next()?)?,
        num(parts.next()?)?,
        num(parts.next()?)?,
    );
    if parts.next().is_some() || date.len() != 10 {
        return None;
    }
    let mut dt = DateTime {
        y,
        m,
        d,
        hh: 0,
        mi: 0,
        ss: 0,
    };
    let mut offset_min = 0;
    if let Some(t) = time {
        let (clock, off) = if let Some(c) = t.strip_suffix('Z') {
            (c, 0)
        } else if let Some(i) = t.rfind(['+', '-']) {
            let (c, o) = t.split_at(i);
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let o = &o[1..];
            let (oh, om) = o.split_once(':').unwrap_or((o, "0"));
            (c, sign * (num(oh)? * 60 + num(om)?))
        } else {
            (t, 0)
        };
        let clock = clock.split('.').next().unwrap_or(clock);
        let mut c = clock.split(':');
        dt.hh = num(c.next()?)?;
        dt.mi = num(c.next()?)?;
        dt.ss = c.next().map(num).unwrap_or(Some(0))?;
        offset_min = off;
    }
    if !dt.valid() {
        return None;
    }
    if offset_min != 0 {
        let total = dt.days() * 1440 + dt.hh * 60 + dt.mi - offset_min;
        let days = total.div_euclid(1440);
        let rem = total.rem_euclid(1440);
        dt = DateTime::from_days(days, rem / 60, rem % 60, dt.ss);
    }
    Some(dt)
}

/// Parses the account's date format, `M/D/YYYY` (used by the record service's `q` date values).
pub fn parse_account_date(s: &str) -> Option<DateTime> {
    let mut p = s.trim().split('/');
    let (m, d, y) = (num(p.next()?)?, num(p.next()?)?, num(p.next()?)?);
    if p.next().is_some() {
        return None;
    }
    let dt = DateTime {
        y,
        m,
        d,
        hh: 0,
        mi: 0,
        ss: 0,
    };
    dt.valid().then_some(dt)
}

/// Current UTC time.
pub fn now() -> DateTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let rem = secs.rem_euclid(86_400);
    DateTime::from_days(
        secs.div_euclid(86_400),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
    )
}

const MONTHS: [&str; 12] = [
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
];
const DAYS: [&str; 7] = [
    "SUNDAY",
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
];

/// Applies the case of an Oracle format element (`MON`, `Mon`, `mon`) to a word.
fn cased(word: &str, element: &str) -> String {
    let mut chars = element.chars();
    let first_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    let second_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    if first_upper && second_upper {
        word.to_owned()
    } else if first_upper {
        let lower = word.to_ascii_lowercase();
        let mut out = String::new();
        for (i, c) in lower.chars().enumerate() {
            out.push(if i == 0 { c.to_ascii_uppercase() } else { c });
        }
        out
    } else {
        word.to_ascii_lowercase()
    }
}

/// Oracle date format elements we understand, longest first.
const ELEMENTS: &[&str] = &[
    "YYYY", "MONTH", "HH24", "HH12", "YY", "MM", "MON", "DD", "DAY", "DY", "HH", "MI", "SS", "AM",
    "PM", "Q", "D",
];

enum FmtPart<'a> {
    Element(&'a str, &'a str),
    Literal(String),
}

fn parse_format(fmt: &str) -> Result<Vec<FmtPart<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = fmt;
    while !rest.is_empty() {
        if let Some(stripped) = rest.strip_prefix('"') {
            let end = stripped
                .find('"')
                .ok_or_else(|| "unterminated quoted text in date format".to_owned())?;
            out.push(FmtPart::Literal(stripped[..end].to_owned()));
            rest = &stripped[end + 1..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if " -/,.:;".contains(c) {
            out.push(FmtPart::Literal(c.to_string()));
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let found = ELEMENTS.iter().find(|e| {
            rest.len() >= e.len()
                && rest.is_char_boundary(e.len())
                && rest[..e.len()].eq_ignore_ascii_case(e)
        });
        match found {
            Some(e) => {
                out.push(FmtPart::Element(e, &rest[..e.len()]));
                rest = &rest[e.len()..];
            }
            None => return Err(format!("date format not recognized: {fmt}")),
        }
    }
    Ok(out)
}

/// Oracle `TO_CHAR(date, format)`.
pub fn format_date(dt: DateTime, fmt: &str) -> Result<String, String> {
    let mut out = String::new();
    let weekday = (dt.days() + 4).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
    let month = MONTHS
        .get((dt.m - 1).clamp(0, 11) as usize)
        .copied()
        .unwrap_or("");
    let day = DAYS.get(weekday).copied().unwrap_or("");
    let h12 = if dt.hh % 12 == 0 { 12 } else { dt.hh % 12 };
    for part in parse_format(fmt)? {
        match part {
            FmtPart::Literal(s) => out.push_str(&s),
            FmtPart::Element(e, raw) => match e {
                "YYYY" => out.push_str(&format!("{:04}", dt.y)),
                "YY" => out.push_str(&format!("{:02}", dt.y % 100)),
                "Q" => out.push_str(&((dt.m - 1) / 3 + 1).to_string()),
                "MM" => out.push_str(&format!("{:02}", dt.m)),
                "MONTH" => out.push_str(&cased(month, raw)),
                "MON" => out.push_str(&cased(&month[..3], raw)),
                "DD" => out.push_str(&format!("{:02}", dt.d)),
                "DAY" => out.push_str(&cased(day, raw)),
                "DY" => out.push_str(&cased(&day[..3], raw)),
                "D" => out.push_str(&(weekday + 1).to_string()),
                "HH24" => out.push_str(&format!("{:02}", dt.hh)),
                "HH" | "HH12" => out.push_str(&format!("{h12:02}")),
                "MI" => out.push_str(&format!("{:02}", dt.mi)),
                "SS" => out.push_str(&format!("{:02}", dt.ss)),
                "AM" | "PM" => out.push_str(if dt.hh < 12 { "AM" } else { "PM" }),
                _ => return Err(format!("date format not recognized: {fmt}")),
            },
        }
    }
    Ok(out)
}

/// Oracle `TO_DATE(text, format)`; returns the date and whether the format carried a time.
pub fn parse_with_format(text: &str, fmt: &str) -> Result<(DateTime, bool), String> {
    let bad = || format!("date '{text}' does not match format '{fmt}'");
    let mut dt = DateTime {
        y: 1,
        m: 1,
        d: 1,
        hh: 0,
        mi: 0,
        ss: 0,
    };
    let mut with_time = false;
    let mut pm = None;
    let mut rest = text.trim();
    for part in parse_format(fmt)? {
        match part {
            FmtPart::Literal(s) => {
                rest = rest.strip_prefix(s.as_str()).ok_or_else(bad)?;
            }
            FmtPart::Element(e, _) => {
                let take_digits = |rest: &mut &str, max: usize| -> Option<i64> {
                    let n = rest
                        .bytes()
                        .take(max)
                        .take_while(u8::is_ascii_digit)
                        .count();
                    let v = num(&rest[..n]);
                    *rest = &rest[n..];
                    v
                };
                match e {
                    "YYYY" => dt.y = take_digits(&mut rest, 4).ok_or_else(bad)?,
                    "YY" => dt.y = 2000 + take_digits(&mut rest, 2).ok_or_else(bad)?,
                    "MM" => dt.m = take_digits(&mut rest, 2).ok_or_else(bad)?,
                    "DD" => dt.d = take_digits(&mut rest, 2).ok_or_else(bad)?,
                    "HH24" | "HH" | "HH12" => {
                        dt.hh = take_digits(&mut rest, 2).ok_or_else(bad)?;
                        with_time = true;
                    }
                    "MI" => dt.mi = take_digits(&mut rest, 2).ok_or_else(bad)?,
                    "SS" => dt.ss = take_digits(&mut rest, 2).ok_or_else(bad)?,
                    "MON" | "MONTH" => {
                        let upper = rest.to_ascii_uppercase();
                        let idx = MONTHS
                            .iter()
                            .position(|m| {
                                if e == "MONTH" {
                                    upper.starts_with(m)
                                } else {
                                    upper.starts_with(&m[..3])
                                }
                            })
                            .ok_or_else(bad)?;
                        let len = if e == "MONTH" { MONTHS[idx].len() } else { 3 };
                        dt.m = idx as i64 + 1;
                        rest = rest.get(len..).ok_or_else(bad)?;
                    }
                    "AM" | "PM" => {
                        let upper = rest.get(..2).map(str::to_ascii_uppercase);
                        pm = Some(upper.as_deref() == Some("PM"));
                        rest = rest.get(2..).ok_or_else(bad)?;
                    }
                    _ => return Err(format!("date format element {e} not supported by TO_DATE")),
                }
            }
        }
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    if let Some(pm) = pm {
        dt.hh = dt.hh % 12 + if pm { 12 } else { 0 };
    }
    if !dt.valid() {
        return Err(bad());
    }
    Ok((dt, with_time))
}

/// Formats a SQLite REAL as Oracle would show a NUMBER: no trailing zeros, no float noise.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let s = format!("{x:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

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

/// `TO_CHAR(number[, format])`: plain form, or a fixed number of decimals and thousands separators when the
/// Oracle picture (`999,999.00`) asks for them.
fn format_numeric(x: f64, fmt: Option<&str>) -> String {
    let Some(fmt) = fmt else {
        return format_number(x);
    };
    let decimals = fmt
        .split_once(['.', 'D'])
        .map(|(_, d)| d.chars().filter(|c| *c == '0' || *c == '9').count())
        .unwrap_or(0);
    let fixed = format!("{:.*}", decimals, x.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let grouped = if fmt.contains([',', 'G']) {
        let mut g = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                g.push(',');
            }
            g.push(c);
        }
        g
    } else {
        int.to_owned()
    };
    let sign = if x < 0.0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> Option<String> {
        let conn = Connection::open_in_memory().expect("open");
        register(&conn).expect("register");
        let v = conn
            .query_row(sql, [], |r| r.get::<_, Value>(0))
            .expect(sql);
        match v {
            Value::Null => None,
            Value::Integer(i) => Some(i.to_string()),
            Value::Real(r) => Some(format_number(r)),
            Value::Text(t) => Some(t),
            Value::Blob(_) => None,
        }
    }

    #[test]
    fn to_char_formats_dates() {
        assert_eq!(
            one("SELECT to_char('2024-01-31', 'YYYY-MM-DD')").as_deref(),
            Some("2024-01-31")
        );
        assert_eq!(
            one("SELECT to_char('2024-01-31', 'MM/DD/YYYY')").as_deref(),
            Some("01/31/2024")
        );
        assert_eq!(
            one("SELECT to_char('2024-01-31 13:05:09', 'YYYY-MM')").as_deref(),
            Some("2024-01")
        );
        assert_eq!(
            one("SELECT to_char('2024-01-31', 'YYYY')").as_deref(),
            Some("2024")
        );
        assert_eq!(
            one("SELECT to_char('2024-01-31', 'Mon DD, YYYY')").as_deref(),
            Some("Jan 31, 2024")
        );
        assert_eq!(
            one("SELECT to_char('2024-01-31 13:05:09', 'HH24:MI:SS')").as_deref(),
            Some("13:05:09")
        );
        assert_eq!(
            one("SELECT to_char(1234.5, '999,999.00')").as_deref(),
            Some("1,234.50")
        );
    }

    #[test]
    fn to_date_parses_with_format() {
        assert_eq!(
            one("SELECT to_date('2024-01-31', 'YYYY-MM-DD')").as_deref(),
            Some("2024-01-31")
        );
        assert_eq!(
            one("SELECT to_date('01/31/2024', 'MM/DD/YYYY')").as_deref(),
            Some("2024-01-31")
        );
        assert_eq!(
            one("SELECT to_date('1/31/2024')").as_deref(),
            Some("2024-01-31")
        );
        let conn = Connection::open_in_memory().expect("open");
        register(&conn).expect("register");
        assert!(
            conn.query_row("SELECT to_date('2024-02-30', 'YYYY-MM-DD')", [], |r| r
                .get::<_, String>(
                0
            ))
            .is_err()
        );
    }

    #[test]
    fn date_helpers() {
        assert_eq!(
            one("SELECT ns_date_add('2024-03-01', -1)").as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(
            one("SELECT ns_days_between('2024-03-01', '2024-02-01')").as_deref(),
            Some("29")
        );
        assert_eq!(
            one("SELECT add_months('2024-01-31', 1)").as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(
            one("SELECT last_day('2023-02-10')").as_deref(),
            Some("2023-02-28")
        );
        assert_eq!(
            one("SELECT trunc('2024-05-17 10:00:00', 'MM')").as_deref(),
            Some("2024-05-01")
        );
        assert_eq!(
            one("SELECT ns_extract('YEAR', '2024-05-17')").as_deref(),
            Some("2024")
        );
        assert_eq!(one("SELECT nvl2(NULL, 'a', 'b')").as_deref(), Some("b"));
        assert_eq!(
            one("SELECT decode(2, 1, 'one', 2, 'two', 'many')").as_deref(),
            Some("two")
        );
        assert_eq!(one("SELECT decode(9, 1, 'one')"), None);
    }

    #[test]
    fn parse_iso_handles_offsets_and_rejects_garbage() {
        let dt = parse_iso("2024-01-01T01:30:00+02:00").expect("parse");
        assert_eq!(dt.rest_datetime(), "2023-12-31T23:30:00Z");
        assert!(parse_iso("2024-13-01").is_none());
        assert!(parse_iso("yesterday").is_none());
        assert_eq!(
            parse_account_date("1/5/2024")
                .map(|d| d.date_iso())
                .as_deref(),
            Some("2024-01-05")
        );
    }

    #[test]
    fn numbers_print_like_oracle() {
        assert_eq!(format_number(100.0), "100");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-12.5), "-12.5");
    }
}
