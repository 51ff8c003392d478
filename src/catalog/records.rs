//! Reading records: `get_record`, `list_records`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::args::check_limit;
use super::budget::{cut_note, fit, size_of};
use super::{CatalogTool, ToolContext, ToolError, annotations};
use crate::netsuite::RecordId;
use crate::netsuite::records::is_name;

/// Arguments of `get_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetRecordInput {
    /// Record type id, e.g. `customer`, `salesorder`, `customrecord_project`.
    pub record_type: String,
    /// Internal id (e.g. `107`) or `eid:` plus the external id (e.g. `eid:CUST-001`).
    pub id: String,
    /// Only these body fields, e.g. `["companyname", "email"]` (ids from describe_record_type); omit for all.
    /// Sublist fields cannot be selected.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// Also return sublist lines and subrecord fields (a sales order's `item` lines, a customer's
    /// `addressbook`); otherwise sublists come back empty.
    #[serde(default)]
    pub expand_sub_resources: bool,
}

/// A record as NetSuite returns it, without `links`. References are objects `{id, refName}`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct RecordObject(pub Map<String, Value>);

/// Arguments of `list_records`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListRecordsInput {
    /// Record type id, e.g. `customer`, `salesorder`.
    pub record_type: String,
    /// Filter on body fields: `field OPERATOR value` joined with AND / OR, strings with spaces in double
    /// quotes, e.g. `companyname CONTAIN "Acme" AND isinactive IS false`, `id ANY_OF [1, 2]`,
    /// `datecreated ON_OR_AFTER "1/1/2024"`. Operators: EMPTY, IS, ANY_OF, BETWEEN, EQUAL, GREATER,
    /// GREATER_OR_EQUAL, LESS, LESS_OR_EQUAL, CONTAIN, START_WITH, AFTER, BEFORE, ON, ON_OR_AFTER,
    /// ON_OR_BEFORE, each with a _NOT form.
    #[serde(default)]
    pub q: Option<String>,
    /// Ids to return per page.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: u32,
    /// First id, 0-based: the previous result's `next_offset`.
    #[serde(default)]
    pub offset: u32,
}

fn default_limit() -> u32 {
    100
}

/// A page of record ids.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListRecordsResult {
    /// Internal ids, in NetSuite's order.
    pub ids: Vec<String>,
    /// Records matching in all.
    pub total_results: Option<u64>,
    /// Whether more ids follow.
    pub has_more: bool,
    /// The `offset` of the next page; null at the end.
    pub next_offset: Option<u64>,
    /// Whether ids were cut to the size limit.
    pub truncated: bool,
    /// What was cut and where to continue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

pub(crate) fn record_id(argument: &str, raw: &str) -> Result<RecordId, ToolError> {
    RecordId::parse(raw).map_err(|m| ToolError::argument(argument, m))
}

pub(crate) fn field_names(argument: &str, names: Vec<String>) -> Result<Vec<String>, ToolError> {
    for name in &names {
        if !is_name(name) {
            return Err(ToolError::argument(
                argument,
                format!("{name:?} is not a field id: use ids like companyname or custentity_tier"),
            ));
        }
    }
    Ok(names)
}

pub fn get_record() -> CatalogTool {
    CatalogTool::typed(
        "get_record",
        "records",
        "Get one NetSuite record by type and id (find ids with list_records or run_suiteql). References come back as {id, refName}, dates as ISO 8601. Full records are long: pass `fields` for only what you need. \
         NONEXISTENT_ID when there is no such record.",
        annotations("Get record", true, false, true, true),
        |ctx: ToolContext, input: GetRecordInput| async move {
            let record_type = ctx.record_type("record_type", &input.record_type)?;
            let id = record_id("id", &input.id)?;
            if input.fields.as_ref().is_some_and(Vec::is_empty) {
                return Err(ToolError::argument(
                    "fields",
                    "names no field: list at least one, e.g. [\"companyname\"], or omit it for all fields",
                ));
            }
            let fields = field_names("fields", input.fields.unwrap_or_default())?;
            let record = ctx
                .client
                .get_record(&record_type, &id, &fields, input.expand_sub_resources)
                .await?;
            match record {
                Value::Object(map) => Ok(RecordObject(map)),
                other => {
                    let mut map = Map::new();
                    map.insert("value".into(), other);
                    Ok(RecordObject(map))
                }
            }
        },
    )
}

pub fn list_records() -> CatalogTool {
    CatalogTool::typed(
        "list_records",
        "records",
        "List the internal ids of records of one type, optionally filtered on body fields (`q`). Ids only: get \
         details with get_record, or use run_suiteql for columns, joins or sorting. Paged: call again with \
         `offset` = `next_offset` while `has_more`.",
        annotations("List records", true, false, true, true),
        |ctx: ToolContext, input: ListRecordsInput| async move {
            let record_type = ctx.record_type("record_type", &input.record_type)?;
            let limit = check_limit(input.limit)?;
            let q = input.q.filter(|q| !q.trim().is_empty());
            let window = ctx
                .client
                .list_records(&record_type, q.as_deref(), input.offset, limit)
                .await?;
            let mut result = ListRecordsResult {
                ids: Vec::new(),
                total_results: window.total_results,
                has_more: window.has_more,
                next_offset: None,
                truncated: false,
                note: None,
            };
            let budget = ctx.max_result_chars;
            let overhead = size_of(&result) + cut_note(1000, budget, u64::MAX).len() + 40;
            let (ids, truncated) = fit(window.ids, overhead, budget);
            let next = u64::from(input.offset) + ids.len() as u64;
            result.ids = ids;
            result.truncated = truncated;
            result.has_more |= truncated;
            result.next_offset = result.has_more.then_some(next);
            if truncated {
                result.note = Some(cut_note(result.ids.len(), budget, next));
            }
            Ok(result)
        },
    )
}
