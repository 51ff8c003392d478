//! Keeps a SuiteQL query's whole result between its pages for a short time, so that paging through a large result
//! (an export asks for up to 100 pages) runs the query and its count once rather than once per page.
//!
//! ⚠ netsuite-api.md §4 is silent on what NetSuite does between the pages of one query (re-run it, or keep a
//! snapshot); clients must not rely on either. This is the sandbox's only choice about it, kept here:
//! - A result is reused only for the same translated statement and the same bind values, and only while the data
//!   has not changed: every write to the store (any INSERT, UPDATE or DELETE on its connection, counted by
//!   SQLite's `total_changes`) makes every kept result stale at once, so a write is seen by the very next page.
//! - Every caller sees the same demo account (the sandbox has no per-role permissions), so the caller's identity
//!   does not decide the result and is not part of the key; add it here if roles ever restrict rows.
//! - Results are dropped after [`MAX_AGE`] anyway, because a query can depend on the clock (`SYSDATE`), and the
//!   kept bytes are bounded ([`MAX_TOTAL_BYTES`], [`MAX_ENTRIES`]; a result above [`MAX_ENTRY_BYTES`] is not kept).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::execute::{SuiteqlPage, row_object};
use crate::data::paging::Page;

/// How long a result is reused: long enough for an export's pages, short enough that clock-dependent queries
/// (`SYSDATE`) do not drift.
pub const MAX_AGE: Duration = Duration::from_secs(20);
/// Most results kept at once.
pub const MAX_ENTRIES: usize = 8;
/// Largest result kept (estimated bytes); larger results are run again for each page.
pub const MAX_ENTRY_BYTES: usize = 48 * 1024 * 1024;
/// Most bytes kept over all results; the oldest go first.
pub const MAX_TOTAL_BYTES: usize = 128 * 1024 * 1024;

/// Estimated bookkeeping per row and per cell beyond the text itself.
const ROW_OVERHEAD: usize = 24;
const CELL_OVERHEAD: usize = 24;

/// A whole query result in a compact form: column keys and, per row, each column's text (`None` when null).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    keys: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
    bytes: usize,
}

impl Table {
    pub(crate) fn new(keys: Vec<String>) -> Self {
        let bytes = keys.iter().map(String::len).sum();
        Self {
            keys,
            rows: Vec::new(),
            bytes,
        }
    }

    pub(crate) fn push(&mut self, cells: Vec<Option<String>>) {
        self.bytes += ROW_OVERHEAD
            + cells
                .iter()
                .map(|c| CELL_OVERHEAD + c.as_ref().map_or(0, String::len))
                .sum::<usize>();
        self.rows.push(cells);
    }

    /// Estimated memory held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// One page in NetSuite's shape; past the end, no rows and the true count.
    pub fn page(&self, page: Page) -> SuiteqlPage {
        let rows = self
            .rows
            .iter()
            .skip(page.offset)
            .take(page.limit)
            .map(|cells| row_object(&self.keys, cells))
            .collect();
        SuiteqlPage {
            total: self.rows.len(),
            rows,
        }
    }
}

struct Entry {
    key: String,
    changes: u64,
    made: Instant,
    table: Arc<Table>,
}

/// The kept results, oldest first.
#[derive(Default)]
pub struct QueryCache {
    entries: Mutex<VecDeque<Entry>>,
}

/// What decides a result besides the data: the translated statement and the bind values.
pub fn key(sql: &str, params: &[Value]) -> String {
    format!("{sql}\u{0}{}", Value::Array(params.to_vec()))
}

impl QueryCache {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Entry>> {
        // A plain list: a panic elsewhere cannot leave it half-written.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The kept result for `key`, if the data is unchanged since (`changes`, SQLite's `total_changes`) and it
    /// is younger than [`MAX_AGE`]. Drops every entry that can no longer be used.
    pub fn get(&self, key: &str, changes: u64) -> Option<Arc<Table>> {
        let mut entries = self.lock();
        let now = Instant::now();
        entries.retain(|e| e.changes == changes && now.duration_since(e.made) < MAX_AGE);
        entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| Arc::clone(&e.table))
    }

    /// Keeps `table` for `key`, made when the data was at `changes`, dropping the oldest results to stay
    /// within the bounds.
    pub fn put(&self, key: String, changes: u64, table: Table) {
        if table.bytes() > MAX_ENTRY_BYTES {
            return;
        }
        let mut entries = self.lock();
        entries.retain(|e| e.key != key);
        let incoming = table.bytes();
        while !entries.is_empty()
            && (entries.len() >= MAX_ENTRIES
                || entries.iter().map(|e| e.table.bytes()).sum::<usize>() + incoming
                    > MAX_TOTAL_BYTES)
        {
            entries.pop_front();
        }
        entries.push_back(Entry {
            key,
            changes,
            made: Instant::now(),
            table: Arc::new(table),
        });
    }

    /// Forgets every kept result.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many results are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize) -> Table {
        let mut t = Table::new(vec!["id".into(), "name".into()]);
        for i in 0..rows {
            t.push(vec![
                Some(i.to_string()),
                (i % 2 == 0).then(|| format!("n{i}")),
            ]);
        }
        t
    }

    #[test]
    fn a_page_of_a_kept_table_has_netsuite_shape_and_past_the_end_is_empty() {
        let t = table(5);
        let p = t.page(Page::new(2, 2).expect("page"));
        assert_eq!(p.total, 5);
        assert_eq!(
            p.rows,
            vec![
                serde_json::json!({"links": [], "id": "2", "name": "n2"}),
                serde_json::json!({"links": [], "id": "3"}),
            ]
        );
        let past = t.page(Page::new(2, 8).expect("page"));
        assert_eq!((past.total, past.rows.len()), (5, 0));
    }

    #[test]
    fn a_write_or_age_makes_a_kept_result_stale() {
        let c = QueryCache::default();
        c.put(key("SELECT 1", &[]), 7, table(3));
        assert!(c.get(&key("SELECT 1", &[]), 7).is_some());
        assert!(
            c.get(&key("SELECT 1", &[Value::from(1)]), 7).is_none(),
            "other binds"
        );
        assert!(c.get(&key("SELECT 1", &[]), 8).is_none(), "data changed");
        assert_eq!(c.len(), 0, "stale entries are dropped");
        c.put(key("SELECT 1", &[]), 8, table(3));
        if let Some(e) = c.lock().front_mut() {
            e.made = Instant::now().checked_sub(MAX_AGE).expect("uptime");
        }
        assert!(c.get(&key("SELECT 1", &[]), 8).is_none(), "too old");
    }

    #[test]
    fn the_oldest_results_make_room() {
        let c = QueryCache::default();
        for i in 0..MAX_ENTRIES + 2 {
            c.put(format!("q{i}"), 0, table(1));
        }
        assert_eq!(c.len(), MAX_ENTRIES);
        assert!(c.get("q0", 0).is_none() && c.get("q1", 0).is_none());
        assert!(c.get(&format!("q{}", MAX_ENTRIES + 1), 0).is_some());
    }

    use crate::data::{NameValidation, Store};

    fn page(s: &Store, q: &str, limit: usize, offset: usize) -> SuiteqlPage {
        s.suiteql_page(q, &[], Page::new(limit, offset).expect("page"))
            .expect("query")
    }

    #[test]
    fn the_next_pages_of_a_query_come_from_its_kept_result_and_match_a_fresh_run() {
        let s = Store::demo().expect("demo");
        let q = "SELECT t.id AS tran, c.companyname FROM transaction t CROSS JOIN customer c WHERE t.id <= 10";
        let first = page(&s, q, 100, 0);
        assert_eq!(s.query_cache.len(), 1, "the result is kept");
        let kept = page(&s, q, 100, 300);
        s.clear_query_cache();
        let fresh = page(&s, q, 100, 300);
        assert_eq!(kept, fresh);
        assert_eq!(first.total, fresh.total);
        assert_eq!(kept.rows.len(), 100);
        // An offset past the end: no rows, the true count (what a speculative page of an export gets).
        let past = page(&s, q, 100, (first.total / 100 + 2) * 100);
        assert_eq!((past.total, past.rows.len()), (first.total, 0));
    }

    #[test]
    fn a_write_is_seen_by_the_next_page_of_a_kept_query() {
        let s = Store::demo().expect("demo");
        let q = "SELECT id, companyname FROM customer ORDER BY id";
        let before = page(&s, q, 10, 0).total;
        s.record_create(
            "customer",
            &serde_json::json!({"companyName": "Written Between Pages"}),
            NameValidation::Error,
        )
        .expect("create");
        let after = page(&s, q, 1000, 0);
        assert_eq!(after.total, before + 1);
        assert!(
            after
                .rows
                .iter()
                .any(|r| r["companyname"] == "Written Between Pages")
        );
    }
}
