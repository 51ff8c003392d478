//! [`Store`]: the demo account in one in-memory SQLite database, shared by the record service and SuiteQL, with
//! the guards that keep a SuiteQL query read-only and inside its time limit.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use serde_json::Value;

use super::suiteql::cache::{self, QueryCache};
use super::{Page, SUITEQL_PATH, SuiteqlPage, paging, schema, seed, sqlfn, suiteql};
use crate::error::NsError;

/// Longest a SuiteQL query may run before it is stopped.
const QUERY_TIME_LIMIT: Duration = Duration::from_secs(5);

/// Functions a SuiteQL query may not call: they can allocate huge values.
const DENIED_FUNCTIONS: &[&str] = &[
    "zeroblob",
    "randomblob",
    "printf",
    "format",
    "load_extension",
];

/// The sandbox's single data store: the demo account in an in-memory SQLite database.
pub struct Store {
    conn: Mutex<Connection>,
    /// While set, the authorizer only allows reading NetSuite tables (SuiteQL).
    restricted: Arc<AtomicBool>,
    /// Milliseconds since the epoch after which a running statement is interrupted (0: none).
    deadline_ms: Arc<AtomicU64>,
    /// How long one SuiteQL query may run, in milliseconds.
    time_limit_ms: AtomicU64,
    /// Whether the REST saved-search endpoints exist (off: an older account, which needs the RESTlet).
    pub(super) rest_saved_searches: AtomicBool,
    /// Whole SuiteQL results kept between their pages (see [`cache`] for when they are reused).
    pub(super) query_cache: QueryCache,
}

pub(super) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub(super) fn internal(e: impl std::fmt::Display) -> NsError {
    tracing::error!(error = %e, "sandbox data store failure");
    NsError::unexpected(&format!("sandbox-{}", now_ms()))
}

impl Store {
    /// A store filled with the deterministic demo account (≥ 100 customers, ≥ 500 transactions).
    pub fn demo() -> Result<Store, NsError> {
        let mut conn = Connection::open_in_memory().map_err(internal)?;
        conn.execute_batch(schema::DDL).map_err(internal)?;
        seed::seed(&mut conn).map_err(internal)?;
        Self::from_connection(conn)
    }

    fn from_connection(mut conn: Connection) -> Result<Store, NsError> {
        use rusqlite::config::DbConfig;
        // Oracle reads "x" as an identifier, never as a string; SQLite's fallback would hide errors.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)
            .map_err(internal)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)
            .map_err(internal)?;
        conn.pragma_update(None, "case_sensitive_like", true)
            .map_err(internal)?;
        sqlfn::register(&conn).map_err(internal)?;

        let restricted = Arc::new(AtomicBool::new(false));
        let flag = restricted.clone();
        conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            if !flag.load(Ordering::SeqCst) {
                return Authorization::Allow;
            }
            match ctx.action {
                AuthAction::Select | AuthAction::Recursive => Authorization::Allow,
                AuthAction::Read { table_name, .. } => {
                    let t = table_name.to_ascii_lowercase();
                    if t.starts_with("sqlite_") || t.starts_with("pragma_") {
                        Authorization::Deny
                    } else {
                        Authorization::Allow
                    }
                }
                AuthAction::Function { function_name } => {
                    if DENIED_FUNCTIONS
                        .iter()
                        .any(|f| f.eq_ignore_ascii_case(function_name))
                    {
                        Authorization::Deny
                    } else {
                        Authorization::Allow
                    }
                }
                _ => Authorization::Deny,
            }
        }))
        .map_err(internal)?;

        let deadline_ms = Arc::new(AtomicU64::new(0));
        let deadline = deadline_ms.clone();
        conn.progress_handler(
            1000,
            Some(move || {
                let d = deadline.load(Ordering::SeqCst);
                d != 0 && now_ms() > d
            }),
        )
        .map_err(internal)?;

        Ok(Store {
            conn: Mutex::new(conn),
            restricted,
            deadline_ms,
            time_limit_ms: AtomicU64::new(QUERY_TIME_LIMIT.as_millis() as u64),
            rest_saved_searches: AtomicBool::new(true),
            query_cache: QueryCache::default(),
        })
    }

    /// Changes how long one SuiteQL query may run before it is stopped (default 5 s).
    pub fn set_query_time_limit(&self, limit: Duration) {
        self.time_limit_ms
            .store(limit.as_millis().max(1) as u64, Ordering::SeqCst);
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock can't leave SQLite inconsistent (statements are atomic).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a SuiteQL query (`params` for `?` binds) and returns one page of rows in NetSuite's shape. The next
    /// pages of the same query reuse its result while the data is unchanged (see [`cache`]).
    pub fn suiteql_page(
        &self,
        q: &str,
        params: &[Value],
        page: Page,
    ) -> Result<SuiteqlPage, NsError> {
        let sql = suiteql::translate(q)?;
        let key = cache::key(&sql, params);
        let conn = self.lock();
        // Read under the connection lock: no write can come between this and the run below.
        let changes = conn.total_changes();
        if let Some(table) = self.query_cache.get(&key, changes) {
            return Ok(table.page(page));
        }
        conn.pragma_update(None, "query_only", true)
            .map_err(internal)?;
        self.deadline_ms.store(
            now_ms() + self.time_limit_ms.load(Ordering::SeqCst),
            Ordering::SeqCst,
        );
        self.restricted.store(true, Ordering::SeqCst);
        let result = suiteql::execute(&conn, &sql, params, page, cache::MAX_ENTRY_BYTES);
        self.restricted.store(false, Ordering::SeqCst);
        self.deadline_ms.store(0, Ordering::SeqCst);
        conn.pragma_update(None, "query_only", false)
            .map_err(internal)?;
        let (page, table) = result?;
        if let Some(table) = table {
            self.query_cache.put(key, changes, table);
        }
        Ok(page)
    }

    /// Forgets every SuiteQL result kept between pages, so that the next page runs its query again (e.g. to
    /// measure a first page as NetSuite would run it).
    pub fn clear_query_cache(&self) {
        self.query_cache.clear();
    }

    /// Runs a SuiteQL query and returns NetSuite's whole response body. Links are relative
    /// (`/services/rest/query/v1/suiteql?limit=..&offset=..`); the HTTP endpoint makes them absolute.
    pub fn suiteql(&self, q: &str, limit: usize, offset: usize) -> Result<Value, NsError> {
        self.suiteql_with_base(q, &[], Page::new(limit, offset)?, "")
    }

    pub(super) fn suiteql_with_base(
        &self,
        q: &str,
        params: &[Value],
        page: Page,
        base: &str,
    ) -> Result<Value, NsError> {
        let result = self.suiteql_page(q, params, page)?;
        Ok(paging::envelope(
            &format!("{base}{SUITEQL_PATH}"),
            &[],
            page,
            result.total,
            result.rows,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{MAX_RESULTS, records};
    use serde_json::json;

    fn rows(store: &Store, q: &str) -> Vec<Value> {
        store
            .suiteql_page(q, &[], Page::new(1000, 0).expect("page"))
            .unwrap_or_else(|e| panic!("{q}: {e}"))
            .rows
    }

    fn one(store: &Store, q: &str, key: &str) -> Option<String> {
        rows(store, q)
            .first()
            .and_then(|r| r.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn err(store: &Store, q: &str) -> NsError {
        store
            .suiteql_page(q, &[], Page::new(10, 0).expect("page"))
            .expect_err(q)
    }

    #[test]
    fn demo_data_has_the_promised_size() {
        let s = Store::demo().expect("demo");
        let n = |q: &str| {
            one(&s, q, "n")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0)
        };
        assert!(n("SELECT COUNT(*) AS n FROM customer") >= 100);
        assert!(n("SELECT COUNT(*) AS n FROM customer WHERE isinactive = 'T'") > 0);
        assert!(n("SELECT COUNT(*) AS n FROM customer WHERE externalid IS NOT NULL") > 0);
        assert!(n("SELECT COUNT(*) AS n FROM customer WHERE email IS NULL") > 0);
        assert!(n("SELECT COUNT(*) AS n FROM customer WHERE phone IS NULL") > 0);
        assert!(n("SELECT COUNT(*) AS n FROM transaction") >= 500);
        for ty in ["CustInvc", "SalesOrd", "VendBill", "CustPymt"] {
            assert!(
                n(&format!(
                    "SELECT COUNT(*) AS n FROM transaction WHERE type = '{ty}'"
                )) > 0,
                "{ty}"
            );
        }
        assert!(n("SELECT COUNT(*) AS n FROM transactionline") > 500);
        assert!(n("SELECT COUNT(*) AS n FROM item WHERE itemtype = 'NonInvtPart'") > 0);
        // Deterministic: two builds agree.
        let t = Store::demo().expect("demo");
        let q = "SELECT id, companyname, email FROM customer ORDER BY id";
        assert_eq!(rows(&s, q), rows(&t, q));
    }

    #[test]
    fn rows_have_netsuite_shape() {
        let s = Store::demo().expect("demo");
        let r = rows(
            &s,
            "SELECT id, companyname AS CompanyName, email, balance, isinactive, datecreated FROM customer WHERE email IS NULL",
        );
        let first = r.first().expect("a customer without email");
        assert_eq!(first["links"], json!([]));
        assert!(first.get("email").is_none(), "null columns are omitted");
        assert!(first["companyname"].is_string(), "keys are lowercase");
        assert!(first["id"].is_string() && first["balance"].is_string());
        assert!(matches!(first["isinactive"].as_str(), Some("T" | "F")));
        let d = first["datecreated"].as_str().expect("date");
        assert!(
            d.split('/').count() == 3 && !d.contains(':'),
            "account date format: {d}"
        );
        let r = rows(
            &s,
            "SELECT COUNT(*), MAX(id) AS m, SUM(foreigntotal) / 2 FROM transaction",
        );
        assert!(
            r[0].get("expr1").is_some() && r[0].get("m").is_some() && r[0].get("expr2").is_some(),
            "{r:?}"
        );
    }

    #[test]
    fn dialect_features_run_on_the_demo_data() {
        let s = Store::demo().expect("demo");
        assert_eq!(
            rows(
                &s,
                "SELECT id FROM customer ORDER BY id FETCH FIRST 3 ROWS ONLY"
            )
            .len(),
            3
        );
        assert_eq!(
            rows(
                &s,
                "SELECT id FROM customer ORDER BY id OFFSET 2 ROWS FETCH NEXT 2 ROWS ONLY"
            )
            .len(),
            2
        );
        assert_eq!(
            rows(&s, "SELECT id FROM customer WHERE ROWNUM <= 10").len(),
            10
        );
        assert_eq!(
            rows(
                &s,
                "SELECT * FROM (SELECT id FROM customer ORDER BY id DESC) WHERE ROWNUM < 3"
            )
            .len(),
            2
        );
        assert_eq!(
            one(
                &s,
                "SELECT NVL(email, 'none') AS e FROM customer WHERE email IS NULL",
                "e"
            )
            .as_deref(),
            Some("none")
        );
        assert_eq!(
            one(
                &s,
                "SELECT NVL2(email, 'has', 'none') AS e FROM customer WHERE email IS NOT NULL",
                "e"
            )
            .as_deref(),
            Some("has")
        );
        let r = rows(
            &s,
            "SELECT t.tranid, BUILTIN.DF(t.entity) AS cust, c.companyname, BUILTIN.DF(t.status) AS st, \
             BUILTIN.DF(t.currency) AS cur, BUILTIN.DF(t.subsidiary) AS sub \
             FROM transaction t JOIN customer c ON c.id = t.entity WHERE t.type = 'CustInvc' ORDER BY t.id",
        );
        assert_eq!(r[0]["cust"], r[0]["companyname"]);
        assert!(matches!(
            r[0]["st"].as_str(),
            Some("Invoice : Open" | "Invoice : Paid In Full")
        ));
        assert!(r[0]["cur"].is_string() && r[0]["sub"].is_string());
        assert_eq!(
            one(
                &s,
                "SELECT BUILTIN.DF(tl.item) AS i, it.itemid FROM transactionline tl JOIN item it ON it.id = tl.item",
                "i"
            ),
            one(
                &s,
                "SELECT BUILTIN.DF(tl.item) AS i, it.itemid FROM transactionline tl JOIN item it ON it.id = tl.item",
                "itemid"
            )
        );
        assert_eq!(
            one(
                &s,
                "SELECT TO_CHAR(TO_DATE('2024-01-31', 'YYYY-MM-DD'), 'MM/DD/YYYY') AS d FROM dual",
                "d"
            )
            .as_deref(),
            Some("01/31/2024")
        );
        assert_eq!(
            one(
                &s,
                "SELECT TO_CHAR(trandate, 'YYYY') AS y FROM transaction ORDER BY trandate",
                "y"
            )
            .as_deref(),
            Some("2024")
        );
        assert_eq!(
            one(
                &s,
                "SELECT TO_CHAR(trandate, 'YYYY-MM') AS y FROM transaction ORDER BY trandate",
                "y"
            )
            .as_deref(),
            Some("2024-01")
        );
        let today = sqlfn::now().date_iso();
        assert_eq!(
            one(
                &s,
                "SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD') AS d FROM dual",
                "d"
            ),
            Some(today.clone())
        );
        assert_eq!(
            one(
                &s,
                "SELECT TO_CHAR(CURRENT_DATE, 'YYYY-MM-DD') AS d FROM dual",
                "d"
            ),
            Some(today)
        );
        assert!(
            rows(
                &s,
                "SELECT id FROM transaction WHERE trandate >= SYSDATE - 30"
            )
            .len()
                < 700
        );
        assert_eq!(
            one(
                &s,
                "SELECT COUNT(*) AS n FROM transaction WHERE trandate >= TO_DATE('2025-01-01', 'YYYY-MM-DD')",
                "n"
            ),
            one(
                &s,
                "SELECT COUNT(*) AS n FROM transaction WHERE TO_CHAR(trandate, 'YYYY') = '2025'",
                "n"
            ),
        );
        assert_eq!(
            one(&s, "SELECT 'a' || 'b' || 1 AS x FROM dual", "x").as_deref(),
            Some("ab1")
        );
        assert_eq!(
            one(
                &s,
                "SELECT CASE WHEN 1 = 1 THEN 'yes' ELSE 'no' END AS x FROM dual",
                "x"
            )
            .as_deref(),
            Some("yes")
        );
        let g = rows(
            &s,
            "SELECT type, COUNT(*) AS n FROM transaction GROUP BY type ORDER BY type",
        );
        assert_eq!(g.len(), 4);
        let w = rows(
            &s,
            "WITH big AS (SELECT entity, SUM(foreigntotal) AS total FROM transaction WHERE type = 'CustInvc' GROUP BY entity) \
             SELECT c.companyname, b.total FROM big b JOIN customer c ON c.id = b.entity \
             WHERE b.total > (SELECT AVG(total) FROM big) ORDER BY b.total DESC",
        );
        assert!(!w.is_empty());
        assert_eq!(
            one(&s, "SELECT 7 / 2 AS x FROM dual", "x").as_deref(),
            Some("3.5")
        );
        assert!(
            rows(&s, "SELECT t.* FROM transaction t FETCH FIRST 1 ROWS ONLY")[0]
                .get("tranid")
                .is_some()
        );
        assert_eq!(rows(&s, "SELECT DISTINCT type FROM transaction").len(), 4);
        // LIKE is case-sensitive, as in Oracle.
        assert!(rows(&s, "SELECT id FROM customer WHERE companyname LIKE 'acme%'").is_empty());
        assert!(
            !rows(
                &s,
                "SELECT id FROM customer WHERE UPPER(companyname) LIKE 'ACME%'"
            )
            .is_empty()
        );
        assert_eq!(
            one(
                &s,
                "SELECT DECODE(1, 1, 'one', 'other') AS x FROM dual",
                "x"
            )
            .as_deref(),
            Some("one")
        );
        assert_eq!(
            one(
                &s,
                "SELECT EXTRACT(YEAR FROM TO_DATE('2024-05-01', 'YYYY-MM-DD')) AS y FROM dual",
                "y"
            )
            .as_deref(),
            Some("2024")
        );
    }

    #[test]
    fn quoted_user_strings_reach_sqlite_unchanged() {
        let s = Store::demo().expect("demo");
        for lit in [
            "O''Brien -- not a comment",
            "a;DROP TABLE customer",
            "/* x */ ROWNUM NVL(",
            "ü€ \" '' ",
        ] {
            let q = format!("SELECT '{lit}' AS v FROM dual");
            assert_eq!(one(&s, &q, "v"), Some(lit.replace("''", "'")), "{q}");
        }
    }

    #[test]
    fn binds() {
        let s = Store::demo().expect("demo");
        let r = s
            .suiteql_page(
                "SELECT id FROM customer WHERE id = ? AND isinactive = ?",
                &[json!("16"), json!(false)],
                Page::new(10, 0).expect("page"),
            )
            .expect("binds");
        assert_eq!(r.total, 1);
        let e = s
            .suiteql_page(
                "SELECT id FROM customer WHERE id = ?",
                &[],
                Page::new(10, 0).expect("page"),
            )
            .expect_err("missing bind");
        assert_eq!(e.code, "INVALID_CONTENT");
    }

    #[test]
    fn refusals() {
        let s = Store::demo().expect("demo");
        s.set_query_time_limit(Duration::from_millis(300));
        let e = err(&s, "SELECT nosuch FROM customer");
        assert_eq!(
            e.detail,
            "Invalid search query. Detailed unprocessed description follows. Search error occurred: Unknown identifier 'nosuch'."
        );
        assert_eq!(e.query_param.as_deref(), Some("q"));
        assert!(
            err(&s, "SELECT id FROM foo")
                .detail
                .ends_with("Record 'foo' was not found.")
        );
        assert!(
            err(&s, "SELECT c.nosuch FROM customer c")
                .detail
                .contains("Unknown identifier 'nosuch'")
        );
        assert!(
            err(
                &s,
                "SELECT companyname FROM customer WHERE companyname = \"Acme\""
            )
            .detail
            .contains("Unknown identifier")
        );
        for q in [
            "SELECT * FROM sqlite_master",
            "SELECT * FROM pragma_table_info('customer')",
            "SELECT zeroblob(1000000000) AS z FROM dual",
            "SELECT id FROM customer WHERE",
            "WITH RECURSIVE r(n) AS (SELECT 1 FROM dual UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r",
        ] {
            let e = err(&s, q);
            assert_eq!(e.code, "INVALID_PARAMETER", "{q}");
        }
        // The store still works after refusals, and writes are possible again (restrictions lifted).
        assert_eq!(
            rows(&s, "SELECT id FROM customer FETCH FIRST 1 ROWS ONLY").len(),
            1
        );
        s.record_create(
            "customer",
            &json!({"companyName": "After Refusals"}),
            records::NameValidation::Error,
        )
        .expect("write after suiteql");
    }

    #[test]
    fn big_results_are_capped() {
        let s = Store::demo().expect("demo");
        let r = s
            .suiteql_page(
                "SELECT a.id FROM transactionline a, transactionline b",
                &[],
                Page::new(1000, 99_000).expect("page"),
            )
            .expect("cross join");
        assert_eq!(r.total, MAX_RESULTS);
        assert_eq!(r.rows.len(), 1000);
    }
}
