//! A whole SuiteQL result, for exports: the first page tells how many rows there are, then the remaining pages
//! are fetched several at a time (within the client's concurrency limit) and put together in order.

use std::future::Future;

use futures_util::StreamExt;
use serde_json::Value;

use super::paging::MAX_PAGE;
use super::suiteql::{RawPage, shape_rows};
use super::{NetSuiteClient, NetSuiteError};

/// Most rows one SuiteQL query can be paged through: netsuite-api.md §4 ("a query returns at most 100 000 rows in
/// total"; §3.1: the effective cap without SuiteAnalytics Connect).
pub const MAX_QUERY_ROWS: u64 = 100_000;

/// Every row of a SuiteQL result, up to a limit.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteQlRows {
    /// Column names, the union over all rows, in first-seen order.
    pub columns: Vec<String>,
    /// One array per row, aligned with `columns`; `null` where NetSuite omitted the column.
    pub rows: Vec<Vec<Value>>,
    /// NetSuite's `totalResults`, when it sent one.
    pub total_results: Option<u64>,
    /// Whether the query has rows beyond those returned (the limit was reached).
    pub limit_reached: bool,
    /// NetSuite requests made.
    pub pages: u32,
}

impl NetSuiteClient {
    /// In-flight requests this client allows at once (its share of the account's concurrency limit).
    pub fn max_concurrency(&self) -> usize {
        self.options.max_concurrency.max(1)
    }

    /// How many pages of one export are requested at once: every slot of the client's limit. Other calls are not
    /// starved: the limiter hands out slots in the order they were asked for, and an export asks for its next
    /// page only when one comes back, so a call arriving mid-export waits for at most one page request.
    pub fn export_parallelism(&self) -> usize {
        self.max_concurrency()
    }

    /// Runs `query` and returns its rows `[0, max_rows)` (`max_rows` is capped at [`MAX_QUERY_ROWS`]).
    /// After each page, `on_rows(rows fetched so far, total)` is awaited. Dropping the future drops every
    /// request in flight, which frees their concurrency slots.
    pub async fn suiteql_all<F, Fut>(
        &self,
        query: &str,
        max_rows: u64,
        mut on_rows: F,
    ) -> Result<SuiteQlRows, NetSuiteError>
    where
        F: FnMut(u64, Option<u64>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let max_rows = max_rows.clamp(1, MAX_QUERY_ROWS);
        // Offsets must be multiples of the page size, so all pages have this size and the last is cut.
        let page_size = u32::try_from(max_rows.min(u64::from(MAX_PAGE))).unwrap_or(MAX_PAGE);
        let first = RawPage::parse(self.suiteql_page(query, page_size, 0).await?)?;
        let mut pages = 1u32;
        let total = first.total_results;
        let first_more = first.has_more && first.items.len() >= page_size as usize;
        let mut fetched = first.items.len() as u64;
        on_rows(fetched.min(max_rows), total).await;

        // The pages still needed: as many as NetSuite says there are (unknown total: up to max_rows). They are
        // requested out of order as slots free up (waiting for the oldest one before asking for more would
        // leave slots idle) and put back in order below.
        let wanted = total.map_or(max_rows, |t| t.min(max_rows));
        let page_count = usize::try_from(wanted.div_ceil(u64::from(page_size))).unwrap_or(1);
        let mut rest: Vec<Option<RawPage>> = (1..page_count).map(|_| None).collect();
        if first_more && page_count > 1 {
            let mut requests = futures_util::stream::iter(1..page_count)
                .map(|index| async move {
                    let offset =
                        u32::try_from(index as u64 * u64::from(page_size)).unwrap_or(u32::MAX);
                    let page = RawPage::parse(self.suiteql_page(query, page_size, offset).await?)?;
                    Ok::<_, NetSuiteError>((index, page))
                })
                .buffer_unordered(self.export_parallelism());
            while let Some(done) = requests.next().await {
                let (index, page) = done?;
                pages += 1;
                fetched += page.items.len() as u64;
                if let Some(slot) = rest.get_mut(index - 1) {
                    *slot = Some(page);
                }
                on_rows(fetched.min(max_rows), total).await;
            }
        }
        let mut items = first.items;
        let mut more = first_more;
        for page in rest {
            let Some(page) = page.filter(|_| more) else {
                break;
            };
            // A short page ends the result even if NetSuite's count said otherwise (rows changed meanwhile).
            more = page.has_more && page.items.len() >= page_size as usize;
            items.extend(page.items);
        }
        let limit_reached = items.len() as u64 > max_rows
            || (items.len() as u64 == max_rows && (more || total.is_some_and(|t| t > max_rows)));
        items.truncate(usize::try_from(max_rows).unwrap_or(usize::MAX));
        let (columns, rows) = shape_rows(items);
        Ok(SuiteQlRows {
            columns,
            rows,
            total_results: total,
            limit_reached,
            pages,
        })
    }
}
