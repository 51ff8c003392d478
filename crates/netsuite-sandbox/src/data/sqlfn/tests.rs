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
