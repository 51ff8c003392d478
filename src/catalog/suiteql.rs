//! `run_suiteql`, and the result shape that custom SuiteQL tools share.

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::check_limit;
use super::budget::{cut_note, fit, size_of};
use super::{CatalogTool, ToolContext, ToolError, annotations};
use crate::netsuite::{MAX_QUERY_ROWS, SuiteQlWindow};

const DESCRIPTION: &str = "Run a read-only SuiteQL query (NetSuite's SQL dialect) and get the rows as a table. \
For searches, joins, aggregates and reports across records (get_record gives one record whole). Column names come back \
lower case, booleans as \"T\"/\"F\". Paged: call again with `offset` = `next_offset` while `has_more`; 100000 rows at most. SuiteQL: no \
LIMIT or OFFSET (use `limit`/`offset` or `FETCH FIRST n ROWS ONLY`); tables and columns are record and field ids (describe_record_type); \
transactions are in `transaction` (type 'CustInvc', 'SalesOrd', …), lines in `transactionline`; BUILTIN.DF(field) \
gives display names, TO_CHAR(date, 'YYYY-MM-DD') stable dates.";

/// Arguments of `run_suiteql`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunSuiteQlInput {
    /// The query, e.g. `SELECT id, companyname FROM customer WHERE isinactive = 'F' ORDER BY id`.
    pub query: String,
    /// Rows to return per page.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: u32,
    /// First row, 0-based: the previous result's `next_offset`.
    #[serde(default)]
    pub offset: u32,
}

fn default_limit() -> u32 {
    100
}

/// Result of a SuiteQL query: a table.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SuiteQlResult {
    /// Column names, in first-seen order.
    pub columns: Vec<String>,
    /// One array per row, aligned with `columns`; values are strings, null where empty.
    #[schemars(with = "Vec<Vec<Option<String>>>")]
    pub rows: Vec<Vec<Value>>,
    /// Rows in `rows`.
    pub row_count: usize,
    /// Rows in the whole result.
    pub total_results: Option<u64>,
    /// Whether more rows follow.
    pub has_more: bool,
    /// The `offset` of the next page; null at the end.
    pub next_offset: Option<u64>,
    /// Whether rows were cut to the size limit.
    pub truncated: bool,
    /// What was cut and where to continue.
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
    // The ceiling note (set by `run` on an uncut page) is no longer than this one.
    let note = cut_note(1000, budget, u64::MAX)
        .len()
        .max(ceiling_note(u64::MAX).len());
    let overhead = size_of(&result) + note + 40;
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

/// A SuiteQL page that reaches NetSuite's ceiling ends the paging whatever NetSuite said of more rows, and says
/// why (a page cut to the size budget keeps its own note and next offset).
fn stop_at_ceiling(result: &mut SuiteQlResult, offset: u32) {
    let next = u64::from(offset) + result.row_count as u64;
    if !result.truncated && next >= MAX_QUERY_ROWS {
        result.has_more = false;
        result.next_offset = None;
        result.note = Some(ceiling_note(next));
    }
}

/// Paging stopped at NetSuite's ceiling: whether the query has more rows cannot be told (NetSuite's count may
/// be capped too), and paging cannot reach them.
fn ceiling_note(next: u64) -> String {
    format!(
        "This page ends at row {next}: NetSuite pages through at most {MAX_QUERY_ROWS} rows of one query, so the \
         query may have more rows that paging cannot reach. Narrow it with a WHERE clause (e.g. id greater than \
         the last id read, with ORDER BY id) to read on."
    )
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
    if u64::from(offset) >= MAX_QUERY_ROWS {
        return Err(ToolError::argument(
            "offset",
            format!(
                "must be below {MAX_QUERY_ROWS} (got {offset}): NetSuite pages through at most {MAX_QUERY_ROWS} \
                 rows of one query; narrow the query with a WHERE clause (e.g. id greater than the last id read, \
                 with ORDER BY id) instead"
            ),
        ));
    }
    // A window crossing the ceiling would ask NetSuite for a page past it.
    let room = u32::try_from(MAX_QUERY_ROWS - u64::from(offset)).unwrap_or(u32::MAX);
    let window = ctx.client.suiteql(query, offset, limit.min(room)).await?;
    let mut result = shape(window, offset, ctx.max_result_chars);
    stop_at_ceiling(&mut result, offset);
    Ok(result)
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
    fn a_page_reaching_netsuites_ceiling_ends_the_paging_and_says_the_query_may_have_more() {
        for has_more in [false, true] {
            let mut r = shape(window(10, has_more), 99_990, 50_000);
            stop_at_ceiling(&mut r, 99_990);
            assert!(!r.has_more && r.next_offset.is_none(), "{has_more}");
            let note = r.note.unwrap();
            assert!(note.contains("at most 100000 rows"), "{note}");
        }
        // The same page short of the ceiling is left as it is.
        let mut r = shape(window(10, true), 99_980, 50_000);
        stop_at_ceiling(&mut r, 99_980);
        assert_eq!((r.next_offset, r.note), (Some(99_990), None));
        // A page cut to the budget keeps its own note and where to continue.
        let mut r = shape(window(500, false), 99_600, 5_000);
        stop_at_ceiling(&mut r, 99_600);
        assert!(r.truncated && r.has_more && r.next_offset.is_some());
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
