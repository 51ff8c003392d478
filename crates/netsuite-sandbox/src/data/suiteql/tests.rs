use super::*;

fn t(q: &str) -> String {
    translate(q).unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn err(q: &str) -> String {
    translate(q).expect_err(q).detail
}

#[test]
fn fetch_first_and_next_become_limit() {
    assert!(t("SELECT id FROM customer FETCH FIRST 10 ROWS ONLY").ends_with("LIMIT 10 OFFSET 0"));
    assert!(t("SELECT id FROM customer FETCH NEXT 1 ROW ONLY").ends_with("LIMIT 1 OFFSET 0"));
    assert!(
        t("SELECT id FROM customer ORDER BY id OFFSET 20 ROWS FETCH NEXT 5 ROWS ONLY")
            .ends_with("LIMIT 5 OFFSET 20")
    );
}

#[test]
fn rownum_in_where_becomes_limit() {
    let s = t("SELECT id FROM customer WHERE ROWNUM <= 10");
    assert!(
        s.contains("WHERE 1 = 1") && s.ends_with("LIMIT 10 OFFSET 0"),
        "{s}"
    );
    let s = t(
        "SELECT * FROM (SELECT id FROM customer ORDER BY id DESC) WHERE isinactive = 'F' AND ROWNUM < 4",
    );
    assert!(s.ends_with("LIMIT 3 OFFSET 0"), "{s}");
    let s = t("SELECT ROWNUM AS rn, id FROM customer");
    assert!(s.contains("ROW_NUMBER() OVER ()"), "{s}");
}

#[test]
fn top_becomes_limit() {
    assert!(t("SELECT TOP 3 id FROM customer").ends_with("LIMIT 3 OFFSET 0"));
}

#[test]
fn nvl_and_functions() {
    assert!(
        t("SELECT NVL(email, 'none') AS e FROM customer").contains("COALESCE (email , 'none')")
    );
    assert!(t("SELECT NVL2(email, 'y', 'n') AS e FROM customer").contains("NVL2 (email"));
}

#[test]
fn builtin_df_becomes_lookup() {
    let s = t("SELECT BUILTIN.DF(t.entity) AS name, BUILTIN.DF(t.status) FROM transaction t");
    assert!(
        s.contains("FROM entity ns_df1 WHERE ns_df1.id = t . entity"),
        "{s}"
    );
    assert!(s.contains("ns_status_df(t . status) AS expr1"), "{s}");
    assert!(
        t("SELECT BUILTIN.DF(subsidiary) AS s FROM customer").contains("FROM subsidiary ns_df1")
    );
    assert!(
        t("SELECT BUILTIN.DF(tl.item) AS s FROM transactionline tl").contains("FROM item ns_df1")
    );
    assert!(err("SELECT BUILTIN.NOPE(id) FROM customer").contains("Unknown identifier"));
}

#[test]
fn sysdate_current_date_and_date_arithmetic() {
    let s = t("SELECT id FROM transaction WHERE trandate >= SYSDATE - 30");
    assert!(
        s.contains("trandate >= ns_date_add(ns_sysdate(), -30)"),
        "{s}"
    );
    let s = t("SELECT id FROM transaction t WHERE t.trandate > CURRENT_DATE - 7");
    assert!(s.contains("ns_date_add(ns_current_date(), -7)"), "{s}");
    let s = t("SELECT SYSDATE - t.duedate AS overdue FROM transaction t");
    assert!(
        s.contains("ns_days_between(ns_sysdate(), t . duedate)"),
        "{s}"
    );
    let s = t("SELECT TO_DATE('2024-01-31', 'YYYY-MM-DD') + 1 AS d FROM dual");
    assert!(
        s.contains("ns_date_add(TO_DATE ('2024-01-31' , 'YYYY-MM-DD'), +1)"),
        "{s}"
    );
}

#[test]
fn to_char_and_to_date_pass_through_to_registered_functions() {
    let s = t("SELECT TO_CHAR(trandate, 'YYYY-MM') AS m FROM transaction");
    assert!(s.contains("TO_CHAR (trandate , 'YYYY-MM')"), "{s}");
}

#[test]
fn string_literals_are_never_rewritten() {
    let q = "SELECT 'it''s NVL( SYSDATE ROWNUM -- /* ;' AS x FROM dual";
    let s = t(q);
    assert!(s.contains("'it''s NVL( SYSDATE ROWNUM -- /* ;'"), "{s}");
    assert!(t("SELECT \"weird NVL\" FROM customer").contains("\"weird NVL\""));
}

#[test]
fn unnamed_expressions_get_expr_names() {
    let s = t(
        "SELECT COUNT(*), MAX(id) m, companyname, c.id, CASE WHEN 1 = 1 THEN 'a' END FROM customer c",
    );
    assert!(s.contains("COUNT (*) AS expr1"), "{s}");
    assert!(s.contains("MAX (id) m ,"), "{s}");
    assert!(s.contains("END AS expr2"), "{s}");
}

#[test]
fn division_is_exact() {
    assert!(t("SELECT 5 / 2 AS x FROM dual").contains("5 * 1.0 / 2"));
}

#[test]
fn refuses_non_select_and_multiple_statements() {
    for q in [
        "DELETE FROM customer",
        "UPDATE customer SET email = 'x'",
        "INSERT INTO customer (id) VALUES (1)",
        "DROP TABLE customer",
        "PRAGMA table_info(customer)",
        "ATTACH DATABASE 'x' AS y",
        "SELECT 1 FROM dual; DELETE FROM customer",
        "SELECT 1 FROM dual; SELECT 2 FROM dual",
        "WITH x AS (SELECT 1 FROM dual) DELETE FROM customer",
        "",
        "SELECT id FROM customer LIMIT 5",
    ] {
        let e = translate(q).expect_err(q);
        assert_eq!(e.code, "INVALID_PARAMETER", "{q}");
        assert_eq!(e.query_param.as_deref(), Some("q"));
        assert!(
            e.detail
                .starts_with("Invalid search query. Detailed unprocessed description follows.")
        );
    }
    assert!(translate("SELECT 1 AS one FROM dual;").is_ok());
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let q = format!(
        "SELECT {}1{} AS x FROM dual",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert!(err(&q).contains("nested too deeply"));
    assert!(
        translate(&format!(
            "SELECT {}1{} AS x FROM dual",
            "(".repeat(50),
            ")".repeat(50)
        ))
        .is_ok()
    );
}

#[test]
fn tokenizer_errors() {
    assert!(err("SELECT 'abc FROM dual").contains("Unterminated string"));
    assert!(err("SELECT (1 FROM dual").contains("unbalanced"));
    assert!(err("SELECT :x FROM dual").contains("Syntax error near ':'"));
    assert!(err("SELECT [id] FROM dual").contains("Syntax error"));
}

#[test]
fn extract_and_minus() {
    assert!(
        t("SELECT EXTRACT(YEAR FROM trandate) AS y FROM transaction")
            .contains("ns_extract('YEAR', trandate)")
    );
    assert!(t("SELECT id FROM customer MINUS SELECT id FROM customer").contains("EXCEPT"));
}
