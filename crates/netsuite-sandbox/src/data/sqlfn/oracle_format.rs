//! Oracle format pictures: `TO_CHAR` / `TO_DATE` date formats (`YYYY-MM-DD`, `Mon DD, YYYY`, …) and number
//! formatting as Oracle prints a NUMBER.

use super::datetime::{DateTime, num};

pub(super) const MONTHS: [&str; 12] = [
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
pub(super) const DAYS: [&str; 7] = [
    "SUNDAY",
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
];

/// Applies the case of an Oracle format element (`MON`, `Mon`, `mon`) to a word.
pub(super) fn cased(word: &str, element: &str) -> String {
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
pub(super) const ELEMENTS: &[&str] = &[
    "YYYY", "MONTH", "HH24", "HH12", "YY", "MM", "MON", "DD", "DAY", "DY", "HH", "MI", "SS", "AM",
    "PM", "Q", "D",
];

pub(super) enum FmtPart<'a> {
    Element(&'a str, &'a str),
    Literal(String),
}

pub(super) fn parse_format(fmt: &str) -> Result<Vec<FmtPart<'_>>, String> {
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

/// `TO_CHAR(number[, format])`: plain form, or a fixed number of decimals and thousands separators when the
/// Oracle picture (`999,999.00`) asks for them.
pub(super) fn format_numeric(x: f64, fmt: Option<&str>) -> String {
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
