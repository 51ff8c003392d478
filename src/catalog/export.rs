//! `export_suiteql`: a whole SuiteQL result as a CSV or JSON Lines file the client reads as a resource, for
//! results too large to pass through the conversation. Where files are kept is the server's business
//! ([`ExportSink`]); this module fetches, formats and reports progress.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use std::ops::ControlFlow;

use super::export_format::{ExportFormat, ExportWriter};
use super::{CatalogTool, ToolContext, ToolError, annotations};
use crate::netsuite::MAX_QUERY_ROWS;

const DESCRIPTION: &str = "Export the whole result of a read-only SuiteQL query (up to 100000 rows) as a CSV or \
JSON Lines file. For when the user wants the data as a file or the rows would not fit in the conversation \
(run_suiteql shows rows to you). Returns a resource link to read with resources/read, from this connection only, \
until `expires_at` (export again after). CSV: a header row, RFC 4180 quoting, CRLF line ends; JSON Lines: one \
object per row with every column (null where empty). Values are strings as NetSuite returns them (booleans \
\"T\"/\"F\"). ORDER BY a unique column (e.g. id) for a stable order. SuiteQL as for run_suiteql.";

/// Arguments of `export_suiteql`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportSuiteQlInput {
    /// The query, ordered by a unique column, e.g.
    /// `SELECT id, tranid, trandate FROM transaction WHERE type = 'CustInvc' ORDER BY id`; no LIMIT or FETCH
    /// FIRST (use `max_rows`).
    pub query: String,
    /// File format: `csv` (default) or `jsonl`.
    #[serde(default)]
    pub format: ExportFormat,
    /// Most rows to export (100000 is NetSuite's ceiling for one query).
    #[serde(default = "default_max_rows")]
    #[schemars(range(min = 1, max = 100000))]
    pub max_rows: u32,
}

fn default_max_rows() -> u32 {
    u32::try_from(MAX_QUERY_ROWS).unwrap_or(u32::MAX)
}

/// Result of `export_suiteql`: where the file is and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ExportResult {
    /// The file's URI (`netsuite://exports/{id}`).
    pub uri: String,
    /// `text/csv` or `application/jsonl`.
    pub mime_type: String,
    /// `csv` or `jsonl`.
    pub format: ExportFormat,
    /// Rows in the file (the CSV header row not counted).
    pub row_count: usize,
    /// Column names, in first-seen order (the CSV header).
    pub columns: Vec<String>,
    /// Size of the file in bytes (UTF-8).
    pub bytes: usize,
    /// Rows in the whole result.
    pub total_results: Option<u64>,
    /// Whether the query has more rows than the file holds (`max_rows` reached), or may have (the file stops at
    /// NetSuite's ceiling of 100000 rows).
    pub limit_reached: bool,
    /// When the file is deleted (RFC 3339, UTC).
    pub expires_at: String,
    /// What to do next, or what was left out.
    pub note: String,
}

/// One finished export for the server to keep.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub format: ExportFormat,
    pub text: String,
    pub row_count: usize,
}

/// Where the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedExport {
    /// `netsuite://exports/{id}`.
    pub uri: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// Keeps export files for the caller of one tool call (the server binds it to that caller).
pub trait ExportSink: Send + Sync {
    /// Keeps `file`; `Err` says why not (e.g. too large), in words for the model.
    fn save(&self, file: ExportFile) -> Result<SavedExport, String>;
    /// The largest file it keeps, in bytes: an export stops fetching once its text passes this.
    fn max_bytes(&self) -> u64;
    /// The setting that decides [`Self::max_bytes`], for the error that names it.
    fn max_bytes_setting(&self) -> &'static str;
}

pub fn export_suiteql() -> CatalogTool {
    CatalogTool::typed(
        "export_suiteql",
        "suiteql",
        DESCRIPTION,
        annotations("Export SuiteQL result to a file", true, false, true, true),
        |ctx: ToolContext, input: ExportSuiteQlInput| async move { run(&ctx, input).await },
    )
}

async fn run(ctx: &ToolContext, input: ExportSuiteQlInput) -> Result<ExportResult, ToolError> {
    if input.query.trim().is_empty() {
        return Err(ToolError::argument(
            "query",
            "must not be empty; e.g. SELECT id FROM customer ORDER BY id",
        ));
    }
    let max_rows = u64::from(input.max_rows);
    if !(1..=MAX_QUERY_ROWS).contains(&max_rows) {
        return Err(ToolError::argument(
            "max_rows",
            format!(
                "must be between 1 and {MAX_QUERY_ROWS} (got {max_rows}); NetSuite pages through at most \
                 {MAX_QUERY_ROWS} rows of one query, so split larger exports with a WHERE clause (e.g. by date \
                 or id range)"
            ),
        ));
    }
    let Some(sink) = ctx.exports.clone() else {
        return Err(ToolError::Refused(
            "this server keeps no export files (no export store is configured)".into(),
        ));
    };
    let progress = ctx.progress.clone();
    let max_bytes = sink.max_bytes();
    // Rows become text as their page comes in, so the size is known after every page and the fetch stops as
    // soon as the file would be too large to keep, holding about the bound and a few pages at most.
    let mut writer = ExportWriter::new(input.format);
    let summary = ctx
        .client
        .suiteql_pages(
            &input.query,
            max_rows,
            |items| {
                writer.push_items(items);
                if writer.bytes() > max_bytes {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
            |fetched, total| {
                let progress = progress.clone();
                async move {
                    if let Some(p) = progress {
                        let total = total.map(|t| t.min(max_rows));
                        let message = match total {
                            Some(t) => format!("fetched {fetched} of {t} rows"),
                            None => format!("fetched {fetched} rows"),
                        };
                        p.report(fetched, total, message).await;
                    }
                }
            },
        )
        .await?;
    if summary.stopped {
        return Err(ToolError::Refused(too_large(
            writer.rows(),
            writer.bytes(),
            summary.total_results.map(|t| t.min(max_rows)),
            max_bytes,
            sink.max_bytes_setting(),
        )));
    }
    let row_count = writer.rows();
    let (columns, text) = writer.finish();
    let bytes = text.len();
    let saved = sink
        .save(ExportFile {
            format: input.format,
            text,
            row_count,
        })
        .map_err(ToolError::Refused)?;
    let note = if summary.limit_reached && row_count as u64 == MAX_QUERY_ROWS {
        format!(
            "The export stopped at NetSuite's ceiling of {MAX_QUERY_ROWS} rows for one query: the query may have \
             more rows, which paging cannot reach. Split it with a WHERE clause (e.g. by date or id range). \
             Read the file with resources/read of the uri before it expires."
        )
    } else if summary.limit_reached {
        format!(
            "The query has more rows than the {row_count} exported (max_rows {max_rows}, at most \
             {MAX_QUERY_ROWS}); raise max_rows or split the export with a WHERE clause (e.g. by date or id range). \
             Read the file with resources/read of the uri before it expires."
        )
    } else {
        "The file holds the whole result. Read it with resources/read of the uri before it expires."
            .to_owned()
    };
    Ok(ExportResult {
        uri: saved.uri,
        mime_type: input.format.mime_type().to_owned(),
        format: input.format,
        row_count,
        columns,
        bytes,
        total_results: summary.total_results,
        limit_reached: summary.limit_reached,
        expires_at: saved.expires_at,
        note,
    })
}

/// The error of an export that passed the byte bound while fetching.
fn too_large(rows: usize, bytes: u64, total: Option<u64>, max_bytes: u64, setting: &str) -> String {
    let of_total = total.map_or(String::new(), |t| format!(" of {t}"));
    format!(
        "the export was stopped after {rows}{of_total} rows: the file had reached {} and this server keeps \
         export files of at most {} ({setting}). Select fewer columns, lower max_rows (about {} rows fit), or \
         split the export with a WHERE clause (e.g. by date or id range) and export each part",
        human_bytes(bytes),
        human_bytes(max_bytes),
        fitting_rows(rows, bytes, max_bytes)
    )
}

/// Rows of the same average size that fit in `max_bytes`.
fn fitting_rows(rows: usize, bytes: u64, max_bytes: u64) -> u64 {
    if bytes == 0 {
        return 0;
    }
    (rows as u64).saturating_mul(max_bytes) / bytes
}

fn human_bytes(b: u64) -> String {
    if b >= 1024 * 1024 {
        format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
    } else {
        format!("{b} bytes")
    }
}
