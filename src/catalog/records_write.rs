//! Writing records: `create_record`, `update_record`, `upsert_record` (toolset `records_write`) and
//! `delete_record` (toolset `records_delete`, off by default).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::records::{field_names, record_id};
use super::{CatalogTool, ToolContext, ToolError, annotations};
use crate::netsuite::RecordId;

/// Arguments of `create_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRecordInput {
    /// Record type id, e.g. `customer`, `salesorder`, `contact`.
    pub record_type: String,
    /// Field values as a JSON object (not a string); references take `{"id": "..."}`, sublists
    /// `{"items": [...]}`, e.g. `{"companyname": "Acme Ltd", "subsidiary": {"id": "1"}}`.
    pub values: Map<String, Value>,
}

/// Arguments of `update_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRecordInput {
    /// Record type id, e.g. `customer`.
    pub record_type: String,
    /// Internal id (e.g. `107`) or `eid:` plus the external id.
    pub id: String,
    /// The fields to change as a JSON object; `null` clears one, e.g. `{"phone": "555-0100", "comments": null}`.
    pub values: Map<String, Value>,
    /// Sublists sent in `values` whose lines replace the record's (lines not sent are removed), e.g.
    /// `["item"]`.
    #[serde(default)]
    pub replace: Option<Vec<String>>,
}

/// Arguments of `upsert_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpsertRecordInput {
    /// Record type id, e.g. `customer`.
    pub record_type: String,
    /// External id (letters, digits, _ and -), e.g. `CRM-10042`.
    pub external_id: String,
    /// Field values as a JSON object, e.g. `{"companyname": "Acme Ltd"}`.
    pub values: Map<String, Value>,
}

/// Arguments of `delete_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteRecordInput {
    /// Record type id, e.g. `customer`.
    pub record_type: String,
    /// Internal id (e.g. `107`) or `eid:` plus the external id.
    pub id: String,
}

/// The record written.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WriteResult {
    /// Internal id; null if NetSuite did not say.
    pub id: Option<String>,
    /// The record type written.
    pub record_type: String,
}

/// The record upserted.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpsertResult {
    /// Internal id, when NetSuite returns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The external id the record is known by.
    pub external_id: String,
    /// The record type written.
    pub record_type: String,
}

/// The record deleted.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DeleteResult {
    /// The id that was deleted, as given.
    pub id: String,
    /// The record type deleted from.
    pub record_type: String,
    /// Always true.
    pub deleted: bool,
}

fn non_empty(values: Map<String, Value>) -> Result<Value, ToolError> {
    if values.is_empty() {
        return Err(ToolError::argument(
            "values",
            "must set at least one field, e.g. {\"companyname\": \"Acme Ltd\"}",
        ));
    }
    Ok(Value::Object(values))
}

pub fn create_record() -> CatalogTool {
    CatalogTool::typed(
        "create_record",
        "records_write",
        "Create a NetSuite record; returns its internal id. Fields left out take NetSuite's defaults. Not \
         idempotent: a second call creates a second record (upsert_record with an external id avoids \
         duplicates).",
        annotations("Create record", false, false, false, true),
        |ctx: ToolContext, input: CreateRecordInput| async move {
            let record_type = ctx.record_type("record_type", &input.record_type)?;
            let values = non_empty(input.values)?;
            let id = ctx.client.create_record(&record_type, &values).await?;
            Ok(WriteResult {
                id,
                record_type: record_type.as_str().to_owned(),
            })
        },
    )
}

/// The first sublist `replace` names that `values` does not send. netsuite-api.md §3.5 (`?replace=`) says what
/// happens to the lines of a named sublist that is sent, not to one that is not; the sandbox leaves it alone. So
/// such a call is refused rather than sent: it could change nothing while the user was told
/// (in a confirmation) that its lines are replaced.
pub(crate) fn replaced_but_not_sent<'a>(
    replace: &'a [String],
    values: &Map<String, Value>,
) -> Option<&'a str> {
    // NetSuite's ids are case-insensitive (metadata spells them in camel case, SuiteQL in lower case).
    replace
        .iter()
        .find(|name| !values.keys().any(|k| k.eq_ignore_ascii_case(name)))
        .map(String::as_str)
}

pub fn update_record() -> CatalogTool {
    CatalogTool::typed(
        "update_record",
        "records_write",
        "Change fields of an existing NetSuite record: only the fields sent change; sublist lines are merged \
         unless the sublist is named in `replace`. Returns the record's id.",
        annotations("Update record", false, true, true, true),
        |ctx: ToolContext, input: UpdateRecordInput| async move {
            let record_type = ctx.record_type("record_type", &input.record_type)?;
            let id = record_id("id", &input.id)?;
            let replace = field_names("replace", input.replace.unwrap_or_default())?;
            if let Some(name) = replaced_but_not_sent(&replace, &input.values) {
                return Err(ToolError::argument(
                    "replace",
                    format!(
                        "names {name:?}, which `values` does not send: NetSuite replaces only sublists sent. Put \
                         the lines to keep in values.{name}.items (lines not sent are removed), or drop {name:?} \
                         from `replace` to merge"
                    ),
                ));
            }
            let values = non_empty(input.values)?;
            let returned = ctx
                .client
                .update_record(&record_type, &id, &values, &replace)
                .await?;
            Ok(WriteResult {
                id: returned.or(Some(input.id)),
                record_type: record_type.as_str().to_owned(),
            })
        },
    )
}

pub fn upsert_record() -> CatalogTool {
    CatalogTool::typed(
        "upsert_record",
        "records_write",
        "Create the record with this external id, or update the fields sent if one exists. Use it to sync \
         data from another system without duplicates.",
        annotations("Upsert record by external id", false, true, true, true),
        |ctx: ToolContext, input: UpsertRecordInput| async move {
            let record_type = ctx.record_type("record_type", &input.record_type)?;
            let eid = RecordId::external(&input.external_id)
                .map_err(|m| ToolError::argument("external_id", m))?;
            let values = non_empty(input.values)?;
            let id = ctx
                .client
                .upsert_record(&record_type, &eid, &values)
                .await?;
            Ok(UpsertResult {
                // A Location that names the record by its external id carries no internal id.
                id: id.filter(|id| !id.starts_with("eid:")),
                external_id: input.external_id,
                record_type: record_type.as_str().to_owned(),
            })
        },
    )
}

pub fn delete_record() -> CatalogTool {
    CatalogTool::typed(
        "delete_record",
        "records_delete",
        "Delete a NetSuite record permanently. There is no undo: confirm with the user first. Errors with \
         NONEXISTENT_ID when the record does not exist, and NetSuite refuses records that others depend on.",
        annotations("Delete record", false, true, true, true),
        |ctx: ToolContext, input: DeleteRecordInput| async move {
            let record_type = ctx.record_type("record_type", &input.record_type)?;
            let id = record_id("id", &input.id)?;
            ctx.client.delete_record(&record_type, &id).await?;
            Ok(DeleteResult {
                id: input.id,
                record_type: record_type.as_str().to_owned(),
                deleted: true,
            })
        },
    )
}
