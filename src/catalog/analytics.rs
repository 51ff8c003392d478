//! Toolset `analytics` (design.md §1.7): `list_saved_searches`, `run_saved_search`, `list_datasets`,
//! `run_dataset`. Runs return `run_suiteql`'s shape, so the table app and the paging advice are shared.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::check_limit;
use super::budget::{cut_note, fit, size_of};
use super::suiteql::{SuiteQlResult, TABLE_APP_URI, shape};
use super::{CatalogTool, ToolContext, ToolError, annotations};
use crate::config::Key;
use crate::netsuite::{SearchRestlet, SearchRoute};

const TOOLSET: &str = "analytics";

const LIST_SEARCHES: &str = "List the saved searches this role can run: reports teams already maintain and \
trust (e.g. \"Open Invoices\"). Paged: call again with `offset` = `next_offset` while \
`has_more`.";

const RUN_SEARCH: &str = "Run a saved search and get its rows as a table, exactly as the search defines them. \
Prefer it over run_suiteql when the user names a saved search or asks for a figure their team reports from one: \
the numbers then match NetSuite's. Paged: call again with \
`offset` = `next_offset` while `has_more`; a search without a sort may page inconsistently.";

const LIST_DATASETS: &str = "List the SuiteAnalytics datasets (the sources of workbooks) this role can run. \
Paged: call again with `offset` = `next_offset` while `has_more`.";

const RUN_DATASET: &str = "Run a SuiteAnalytics dataset and get its rows as a table. Prefer it over run_suiteql \
when the user names a dataset or workbook source: its joins and criteria are already defined. Paged: call again \
with `offset` = `next_offset` while `has_more`; 100000 rows at most.";

fn default_limit() -> u32 {
    100
}

/// Arguments of `list_saved_searches` and `list_datasets`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListInput {
    /// Text the title (or name) or id must contain, case-insensitive, e.g. "invoice".
    #[serde(default)]
    pub filter: Option<String>,
    /// Entries to return per page.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: u32,
    /// First entry, 0-based: the previous result's `next_offset`.
    #[serde(default)]
    pub offset: u32,
}

/// Arguments of `run_saved_search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunSavedSearchInput {
    /// Internal id (e.g. "42") or script id (e.g. "customsearch_open_invoices") from list_saved_searches.
    #[serde(deserialize_with = "super::args::string_or_number")]
    #[schemars(with = "String")]
    pub search_id: String,
    /// Rows to return per page.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: u32,
    /// First row, 0-based: the previous result's `next_offset`.
    #[serde(default)]
    pub offset: u32,
}

/// Arguments of `run_dataset`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunDatasetInput {
    /// Dataset id from list_datasets, e.g. "custdataset_sales_by_customer".
    #[serde(deserialize_with = "super::args::string_or_number")]
    #[schemars(with = "String")]
    pub dataset_id: String,
    /// Rows to return per page.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: u32,
    /// First row, 0-based: the previous result's `next_offset`.
    #[serde(default)]
    pub offset: u32,
}

/// One saved search.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SavedSearchEntry {
    /// Internal id.
    pub id: String,
    /// Script id, e.g. `customsearch_open_invoices`.
    pub script_id: Option<String>,
    /// The search's title.
    pub title: String,
    /// Record type it searches, e.g. `transaction`.
    pub record_type: Option<String>,
}

/// A page of saved searches.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SavedSearchList {
    pub searches: Vec<SavedSearchEntry>,
    /// Searches matching in all.
    pub total_results: u64,
    /// Whether more searches follow.
    pub has_more: bool,
    /// The `offset` of the next page; null at the end.
    pub next_offset: Option<u64>,
    /// Whether entries were cut to the size limit.
    pub truncated: bool,
    /// How NetSuite was reached: `rest` or `restlet`.
    pub route: String,
}

/// One dataset.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DatasetEntry {
    /// Dataset id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A page of datasets.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DatasetList {
    pub datasets: Vec<DatasetEntry>,
    /// Datasets matching the filter in all.
    pub total_results: u64,
    /// Whether more datasets follow.
    pub has_more: bool,
    /// The `offset` of the next page; null at the end.
    pub next_offset: Option<u64>,
    /// Whether entries were cut to the size limit.
    pub truncated: bool,
}

/// The rows of a saved search: `run_suiteql`'s shape plus the route that served them.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SavedSearchResult {
    #[serde(flatten)]
    pub table: SuiteQlResult,
    /// How NetSuite was reached: `rest` or `restlet`.
    pub route: String,
}

/// The route to use for saved searches and, for the RESTlet route, its deployment.
async fn route(ctx: &ToolContext) -> Result<(SearchRoute, Option<SearchRestlet>), ToolError> {
    match ctx.client.saved_search_route().await? {
        SearchRoute::Rest => Ok((SearchRoute::Rest, None)),
        SearchRoute::Restlet => match ctx.client.search_restlet() {
            Some(r) => Ok((SearchRoute::Restlet, Some(r.clone()))),
            None => Err(ToolError::Refused(format!(
                "this NetSuite account has no REST saved-search endpoint, and no saved-search RESTlet is \
                 configured. An administrator deploys netsuite_mcp_search.js from suitescript/ (docs/analytics.md) and \
                 sets {}=<script>,<deploy>; until then run_suiteql answers the same questions.",
                Key::SearchRestlet.env()
            ))),
        },
    }
}

/// Keeps the entries that fit the budget; returns them, whether any were cut, and the next offset.
fn page_entries<T: Serialize>(
    entries: Vec<T>,
    offset: u32,
    has_more: bool,
    budget: usize,
) -> (Vec<T>, bool, Option<u64>) {
    let overhead = size_of(&cut_note(1000, budget, u64::MAX)) + 200;
    let (kept, truncated) = fit(entries, overhead, budget);
    let next = u64::from(offset) + kept.len() as u64;
    let more = has_more || truncated;
    (kept, truncated, more.then_some(next))
}

pub fn list_saved_searches() -> CatalogTool {
    CatalogTool::typed(
        "list_saved_searches",
        TOOLSET,
        LIST_SEARCHES,
        annotations("List saved searches", true, false, true, true),
        |ctx: ToolContext, input: ListInput| async move {
            let limit = check_limit(input.limit)?;
            let (route, restlet) = route(&ctx).await?;
            let listing = ctx
                .client
                .list_saved_searches(
                    restlet.as_ref(),
                    input.filter.as_deref(),
                    input.offset as usize,
                    limit as usize,
                )
                .await?;
            let entries = listing
                .items
                .into_iter()
                .map(|s| SavedSearchEntry {
                    id: s.id,
                    script_id: s.script_id,
                    title: s.title,
                    record_type: s.record_type,
                })
                .collect();
            let (searches, truncated, next_offset) = page_entries(
                entries,
                input.offset,
                listing.has_more,
                ctx.max_result_chars,
            );
            Ok(SavedSearchList {
                has_more: next_offset.is_some(),
                searches,
                total_results: listing.total as u64,
                next_offset,
                truncated,
                route: route.as_str().to_owned(),
            })
        },
    )
}

/// Checks an id argument: letters, digits, `_`, `-` and `.` only (it becomes one path segment or parameter).
fn check_id(argument: &str, raw: &str, example: &str) -> Result<String, ToolError> {
    let id = raw.trim();
    if id.is_empty()
        || id.len() > 100
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(ToolError::argument(
            argument,
            format!("must be an internal id or script id such as {example}"),
        ));
    }
    Ok(id.to_owned())
}

pub fn run_saved_search() -> CatalogTool {
    CatalogTool::typed(
        "run_saved_search",
        TOOLSET,
        RUN_SEARCH,
        annotations("Run saved search", true, false, true, true),
        |ctx: ToolContext, input: RunSavedSearchInput| async move {
            let limit = check_limit(input.limit)?;
            let id = check_id(
                "search_id",
                &input.search_id,
                "42 or customsearch_open_invoices",
            )?;
            let (route, restlet) = route(&ctx).await?;
            let window = ctx
                .client
                .run_saved_search(restlet.as_ref(), &id, input.offset, limit)
                .await?;
            Ok(SavedSearchResult {
                table: shape(
                    window,
                    input.offset,
                    ctx.max_result_chars.saturating_sub(30),
                ),
                route: route.as_str().to_owned(),
            })
        },
    )
    .with_app(TABLE_APP_URI)
}

pub fn list_datasets() -> CatalogTool {
    CatalogTool::typed(
        "list_datasets",
        TOOLSET,
        LIST_DATASETS,
        annotations("List datasets", true, false, true, true),
        |ctx: ToolContext, input: ListInput| async move {
            let limit = check_limit(input.limit)?;
            let listing = ctx
                .client
                .list_datasets(
                    input.filter.as_deref(),
                    input.offset as usize,
                    limit as usize,
                )
                .await?;
            let entries = listing
                .items
                .into_iter()
                .map(|d| DatasetEntry {
                    id: d.id,
                    name: d.name,
                })
                .collect();
            let (datasets, truncated, next_offset) = page_entries(
                entries,
                input.offset,
                listing.has_more,
                ctx.max_result_chars,
            );
            Ok(DatasetList {
                has_more: next_offset.is_some(),
                datasets,
                total_results: listing.total as u64,
                next_offset,
                truncated,
            })
        },
    )
}

pub fn run_dataset() -> CatalogTool {
    CatalogTool::typed(
        "run_dataset",
        TOOLSET,
        RUN_DATASET,
        annotations("Run dataset", true, false, true, true),
        |ctx: ToolContext, input: RunDatasetInput| async move {
            let limit = check_limit(input.limit)?;
            let id = check_id(
                "dataset_id",
                &input.dataset_id,
                "custdataset_sales_by_customer",
            )?;
            let window = ctx.client.run_dataset(&id, input.offset, limit).await?;
            Ok(shape(window, input.offset, ctx.max_result_chars))
        },
    )
    .with_app(TABLE_APP_URI)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_change_the_endpoint_are_refused() {
        for bad in ["", "../x", "a/b", "a?b", "a b", "ü"] {
            assert!(check_id("search_id", bad, "42").is_err(), "{bad}");
        }
        for ok in ["42", "customsearch_open_invoices", "custdataset-1.2"] {
            assert_eq!(check_id("search_id", ok, "42").unwrap(), ok);
        }
    }

    #[test]
    fn a_listing_cut_by_the_budget_points_at_the_next_entry() {
        let entries: Vec<String> = (0..500).map(|i| format!("{i:0>50}")).collect();
        let (kept, truncated, next) = page_entries(entries, 10, false, 2_000);
        assert!(truncated && kept.len() < 500 && !kept.is_empty());
        assert_eq!(next, Some(10 + kept.len() as u64));
        let (kept, truncated, next) = page_entries(vec!["a"; 3], 0, false, 2_000);
        assert_eq!((kept.len(), truncated, next), (3, false, None));
    }
}
