//! A whole SuiteQL result, for exports: pages are fetched several at a time (within the client's concurrency
//! limit) and handed over in the query's order. The first pages are asked for together, before the first answer
//! tells how many there are; requests that turn out to be past the end are discarded.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::ControlFlow;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
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
    /// Whether the query has rows beyond those returned (the limit was reached), or may have them (paging
    /// stopped at NetSuite's ceiling, [`MAX_QUERY_ROWS`]).
    pub limit_reached: bool,
    /// Pages of the result fetched (requests past the end not counted).
    pub pages: u32,
}

/// What [`NetSuiteClient::suiteql_pages`] found out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagingSummary {
    /// Rows handed over.
    pub rows: u64,
    /// NetSuite's `totalResults`, when it sent one.
    pub total_results: Option<u64>,
    /// Whether the query has rows beyond those handed over (`max_rows` was reached), or may have them (paging
    /// stopped at NetSuite's ceiling, [`MAX_QUERY_ROWS`]).
    pub limit_reached: bool,
    /// Pages of the result fetched (requests past the end not counted).
    pub pages: u32,
    /// Requests that turned out to be past the end (asked for before the first page told how many there are).
    pub discarded: u32,
    /// Whether the receiver of the rows stopped the paging early.
    pub stopped: bool,
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
        on_rows: F,
    ) -> Result<SuiteQlRows, NetSuiteError>
    where
        F: FnMut(u64, Option<u64>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut items = Vec::new();
        let summary = self
            .suiteql_pages(
                query,
                max_rows,
                |page| {
                    items.extend(page);
                    ControlFlow::Continue(())
                },
                on_rows,
            )
            .await?;
        let (columns, rows) = shape_rows(items);
        Ok(SuiteQlRows {
            columns,
            rows,
            total_results: summary.total_results,
            limit_reached: summary.limit_reached,
            pages: summary.pages,
        })
    }

    /// Runs `query` and hands its rows `[0, max_rows)` (`max_rows` is capped at [`MAX_QUERY_ROWS`]) to
    /// `on_page`, one page at a time in the query's order, as NetSuite's row objects; `on_page` returning
    /// `Break` stops the paging at once (requests in flight are dropped). After each page,
    /// `on_progress(rows handed over so far, total)` is awaited. Dropping the future drops every request in
    /// flight, which frees their concurrency slots.
    ///
    /// Pages 1..k (k = [`Self::export_parallelism`], at most the pages `max_rows` can need) are asked for
    /// together, without waiting for the first page's `totalResults`: waiting would leave the other slots idle
    /// for a whole round trip. A request that turns out to be past the end (the sandbox answers it with no
    /// rows; what NetSuite answers is not documented, so an error there is ignored too) is discarded, and one
    /// that comes back early waits until the pages before it are handed over, so the order stays the query's.
    pub async fn suiteql_pages<R, P, Fut>(
        &self,
        query: &str,
        max_rows: u64,
        mut on_page: R,
        mut on_progress: P,
    ) -> Result<PagingSummary, NetSuiteError>
    where
        R: FnMut(Vec<Value>) -> ControlFlow<()>,
        P: FnMut(u64, Option<u64>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let max_rows = max_rows.clamp(1, MAX_QUERY_ROWS);
        // Offsets must be multiples of the page size, so all pages have this size and the last is cut.
        let page_size = u32::try_from(max_rows.min(u64::from(MAX_PAGE))).unwrap_or(MAX_PAGE);
        let size = u64::from(page_size);
        let pages_for = |rows: u64| usize::try_from(rows.div_ceil(size)).unwrap_or(usize::MAX);
        let parallel = self.export_parallelism();
        // Pages that may hold wanted rows: lowered when NetSuite tells the total or a page ends the result.
        let mut end = pages_for(max_rows);
        let fetch = |index: usize| async move {
            let offset = u32::try_from(index as u64 * size).unwrap_or(u32::MAX);
            let page = match self.suiteql_page(query, page_size, offset).await {
                Ok(body) => RawPage::parse(body),
                Err(e) => Err(e),
            };
            (index, page)
        };
        let mut in_flight = FuturesUnordered::new();
        // Pages that came back before the ones ahead of them.
        let mut parked: BTreeMap<usize, Result<RawPage, NetSuiteError>> = BTreeMap::new();
        let (mut next_request, mut next_handed) = (0usize, 0usize);
        let mut summary = PagingSummary {
            rows: 0,
            total_results: None,
            limit_reached: false,
            pages: 0,
            discarded: 0,
            stopped: false,
        };
        let mut last_more = false;
        let mut truncated = false;
        while next_handed < end {
            // Slots are refilled one for one as pages come back, so other calls wait for one page at most; and
            // never more than two windows ahead of the page handed over next, so that a slow page (a 429 backoff)
            // does not let the rest of the result pile up in memory behind it.
            while in_flight.len() < parallel
                && next_request < end
                && next_request < next_handed + 2 * parallel
            {
                in_flight.push(fetch(next_request));
                next_request += 1;
            }
            let Some((index, result)) = in_flight.next().await else {
                break;
            };
            if index >= end {
                summary.discarded += 1;
                continue;
            }
            match &result {
                Ok(page) if summary.total_results.is_none() => {
                    if let Some(total) = page.total_results {
                        summary.total_results = Some(total);
                        end = end.min(pages_for(total.min(max_rows)).max(1));
                    }
                }
                // Needed for sure (NetSuite said the result reaches it): no point waiting for the pages before.
                Err(_) if summary.total_results.is_some() => return result.map(|_| summary),
                _ => {}
            }
            parked.insert(index, result);
            while next_handed < end {
                let Some(result) = parked.remove(&next_handed) else {
                    break;
                };
                let page = result?;
                summary.pages += 1;
                next_handed += 1;
                // A short page ends the result even if NetSuite's count said otherwise (rows changed meanwhile).
                last_more = page.has_more && page.items.len() >= page_size as usize;
                if !last_more {
                    end = next_handed;
                }
                let mut items = page.items;
                let room = usize::try_from(max_rows - summary.rows).unwrap_or(usize::MAX);
                if items.len() > room {
                    items.truncate(room);
                    truncated = true;
                }
                summary.rows += items.len() as u64;
                if on_page(items).is_break() {
                    summary.stopped = true;
                    return Ok(summary);
                }
                on_progress(summary.rows, summary.total_results).await;
            }
        }
        summary.discarded += u32::try_from(parked.len() + in_flight.len()).unwrap_or(u32::MAX);
        summary.limit_reached = truncated
            || (summary.rows == max_rows
                && (last_more
                    || summary.total_results.is_some_and(|t| t > max_rows)
                    // NetSuite's ceiling: its count may be capped there too, so more rows cannot be ruled out.
                    || max_rows == MAX_QUERY_ROWS));
        Ok(summary)
    }
}
