//! Dates and timestamps as the sandbox stores them (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`, UTC): parsing ISO 8601
//! and the account format, and printing them back.

use crate::data::seed::{civil_from_days, days_from_civil};

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
    pub(super) fn valid(self) -> bool {
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

    pub(super) fn from_days(days: i64, hh: i64, mi: i64, ss: i64) -> Self {
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

    pub(super) fn has_time(self) -> bool {
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

pub(super) fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(super) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

pub(super) fn num(s: &str) -> Option<i64> {
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
