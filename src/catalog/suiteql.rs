//! `run_suiteql`, and the result shape that custom SuiteQL tools share.

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::check_limit;
use super::budget::{cut_note, fit, size_of};
use super::{CatalogTool, ToolContext, ToolError, annotations};
use crate::netsuite::SuiteQlWindow;

const DESCRIPTION: &str = "Run a read-only SuiteQL query (NetSuite's SQL dialect) and get the rows back as a table. \
Use it for searches, joins, aggregates and reports across records (e.g. open invoices of a customer, sales by month); \
use get_record instead when you already know one record's id and want all of its fields and sublists. \
Result: `columns` (names, lower case), `rows` (arrays aligned with columns; null where the value is empty; values are \
strings as NetSuite returns them, booleans are \"T\"/\"F\"), `row_count`, `total_results`, `has_more` and `next_offset`. \
Paging: at most `limit` rows (1-1000, default 100) starting at `offset`; when `has_more` is true call again with \
`offset` = `next_offset`. Large results are cut to fit the size budget (`truncated` is true and `note` says so); \
continue from `next_offset`. SuiteQL rules: use `FETCH FIRST n ROWS ONLY` or paging, never LIMIT; table and column \
names are record and field ids (check unfamiliar ones with describe_record_type); transactions are in `transaction` \
(type 'CustInvc', 'SalesOrd', …) with lines in `transactionline`; use BUILTIN.DF(field) for display names and \
TO_CHAR(date, 'YYYY-MM-DD') for stable dates. At most 100000 rows can be paged through.";

/// Arguments of `run_suiteql`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunSuiteQlInput {
    /// The SuiteQL query, e.g. `SELECT id, companyname, email FROM customer WHERE isinactive = 'F' ORDER BY id`.
    /// Do not add LIMIT or OFFSET: use the `limit` and `offset` arguments.
    pub query: String,
    /// Rows to return, 1 to 1000. Example: 50.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: u32,
    /// Index of the first row to return (0-based, any value). Use the previous result's `next_offset` to
    /// get the next page. Example: 100.
    #[serde(default)]
    pub offset: u32,
}

fn default_limit() -> u32 {
    100
}

/// Result of a SuiteQL query: a table.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SuiteQlResult {
    /// Column names, the union over the returned rows, in first-seen order.
    pub columns: Vec<String>,
    /// One array per row, aligned with `columns`; null where NetSuite returned no value. NetSuite returns
    /// every value as a string.
    #[schemars(with = "Vec<Vec<Option<String>>>")]
    pub rows: Vec<Vec<Value>>,
    /// Number of rows in `rows`.
    pub row_count: usize,
    /// Rows the whole query returns, as NetSuite reports it.
    pub total_results: Option<u64>,
    /// Whether more rows follow.
    pub has_more: bool,
    /// The `offset` for the next call; null when there are no more rows.
    pub next_offset: Option<u64>,
    /// Whether rows were cut to fit the size budget.
    pub truncated: bool,
    /// What was cut and how to continue, when something was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Shapes one window into the result, cut to `budget` characters.
pub fn shape(window: SuiteQlWindow, offset: u32, budget: usize) -> SuiteQlResult {
    let SuiteQlWindow {
        columns,
        rows,
        total_results,
        has_more,
    } = window;
    let mut result = SuiteQlResult {
        columns,
        rows: Vec::new(),
        row_count: 0,
        total_results,
        has_more,
        next_offset: None,
        truncated: false,
        note: None,
    };
    // Room for the paging numbers and the note, which are filled in after the rows are chosen.
    let overhead = size_of(&result) + cut_note(1000, budget, u64::MAX).len() + 40;
    let (rows, truncated) = fit(rows, overhead, budget);
    let next = u64::from(offset) + rows.len() as u64;
    result.row_count = rows.len();
    result.rows = rows;
    result.truncated = truncated;
    result.has_more = has_more || truncated;
    result.next_offset = result.has_more.then_some(next);
    if truncated {
        result.note = Some(cut_note(result.row_count, budget, next));
    }
    result
}

pub fn run_suiteql() -> CatalogTool {
    CatalogTool::typed(
        "run_suiteql",
        "suiteql",
        DESCRIPTION,
        annotations("Run SuiteQL query", true, false, true, true),
        |ctx: ToolContext, input: RunSuiteQlInput| async move {
            let limit = check_limit(input.limit)?;
            if input.query.trim().is_empty() {
                return Err(ToolError::argument(
                    "query",
                    "must not be empty; e.g. SELECT id FROM customer",
                ));
            }
            run(&ctx, &input.query, input.offset, limit).await
        },
    )
    .with_app(TABLE_APP_URI)
}

/// The MCP App that shows results of `run_suiteql`'s shape as a sortable table and a chart; tools returning that
/// shape opt in with [`CatalogTool::with_app`].
pub const TABLE_APP_URI: &str = "ui://netsuite/table.html";

/// Runs `query` for the rows `offset..offset + limit` (any offset; aligned to NetSuite's paging by the client)
/// and shapes them into a [`SuiteQlResult`] cut to the context's character budget. `run_suiteql` and every
/// custom SuiteQL tool go through here.
pub async fn run(
    ctx: &ToolContext,
    query: &str,
    offset: u32,
    limit: u32,
) -> Result<SuiteQlResult, ToolError> {
    let window = ctx.client.suiteql(query, offset, limit).await?;
    Ok(shape(window, offset, ctx.max_result_chars))
}

/// The output schema of every SuiteQL tool (portable).
pub fn output_schema() -> JsonObject {
    super::output_schema_of::<SuiteQlResult>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn window(n: usize, has_more: bool) -> SuiteQlWindow {
        SuiteQlWindow {
            columns: vec!["id".into(), "memo".into()],
            rows: (0..n)
                .map(|i| vec![json!(i.to_string()), json!("m".repeat(100))])
                .collect(),
            total_results: Some(1000),
            has_more,
        }
    }

    #[test]
    fn a_small_result_is_whole_and_points_at_the_next_page() {
        let r = shape(window(10, true), 20, 50_000);
        assert_eq!(
            (r.row_count, r.truncated, r.next_offset),
            (10, false, Some(30))
        );
        let r = shape(window(10, false), 20, 50_000);
        assert_eq!(
            (r.has_more, r.next_offset, r.note.is_none()),
            (false, None, true)
        );
    }

    #[test]
    fn a_cut_result_fits_the_budget_and_says_where_to_continue() {
        let r = shape(window(500, false), 40, 5_000);
        let size = serde_json::to_string(&r).unwrap().len();
        assert!(size <= 5_000, "{size}");
        assert!(r.truncated && r.has_more && r.row_count > 10 && r.row_count < 500);
        assert_eq!(r.next_offset, Some(40 + r.row_count as u64));
        assert!(
            r.note
                .as_deref()
                .unwrap()
                .contains(&format!("offset={}", 40 + r.row_count))
        );
    }
}
