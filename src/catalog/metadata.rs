//! Record metadata: `list_record_types`, `describe_record_type`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CatalogTool, ToolContext, annotations};
use crate::netsuite::FieldInfo;

/// Arguments of `list_record_types`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListRecordTypesInput {
    /// Only record types whose name contains this text (case-insensitive), e.g. `order`, `customrecord`.
    #[serde(default)]
    pub filter: Option<String>,
}

/// Record type names.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListRecordTypesResult {
    /// Record type ids, sorted.
    pub record_types: Vec<String>,
}

/// Arguments of `describe_record_type`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeRecordTypeInput {
    /// Record type id, e.g. `customer`, `salesorder`, `customrecord_project`.
    pub record_type: String,
}

/// The fields of a record type.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DescribeRecordTypeResult {
    /// The record type described.
    pub record_type: String,
    /// Every field, sorted by name.
    pub fields: Vec<FieldInfo>,
}

pub fn list_record_types() -> CatalogTool {
    CatalogTool::typed(
        "list_record_types",
        "metadata",
        "List the record types (standard and custom) this role can access through REST, e.g. customer, \
         customrecord_project. They are the `record_type` of the record tools and, usually, SuiteQL tables.",
        annotations("List record types", true, false, true, true),
        |ctx: ToolContext, input: ListRecordTypesInput| async move {
            let filter = input
                .filter
                .map(|f| f.trim().to_lowercase())
                .unwrap_or_default();
            let names = ctx.client.record_type_names().await?;
            let record_types = names
                .into_iter()
                .filter(|n| ctx.governance.allows_record_type(n))
                .filter(|n| filter.is_empty() || n.to_lowercase().contains(&filter))
                .collect();
            Ok(ListRecordTypesResult { record_types })
        },
    )
}

pub fn describe_record_type() -> CatalogTool {
    CatalogTool::typed(
        "describe_record_type",
        "metadata",
        "Describe the fields of one record type. Field ids are what record values, `fields`, `q` filters and \
         SuiteQL columns use (SuiteQL ignores their case and returns them lower case).",
        annotations("Describe record type", true, false, true, true),
        |ctx: ToolContext, input: DescribeRecordTypeInput| async move {
            let record_type = ctx.record_type("record_type", &input.record_type)?;
            let fields = ctx.client.record_type_fields(&record_type).await?;
            Ok(DescribeRecordTypeResult {
                record_type: record_type.as_str().to_owned(),
                fields,
            })
        },
    )
}
