//! MCP resources other than apps: the SuiteQL guide (`netsuite://guides/suiteql`, Markdown) and the record-type
//! template (`netsuite://record-types/{record_type}`, the compact schema `describe_record_type` returns, as JSON).
//!
//! Record-type schemas come from the NetSuite client's metadata cache (see [`crate::netsuite::MetadataCache`]),
//! read as the calling principal, so resources, completions and the metadata tools share one cache per identity.
//! The lists never change while the server runs, so no list-changed notifications are sent.

use rmcp::ErrorData as McpError;
use rmcp::model::{
    CacheScope, ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};

use super::{NetSuiteServer, Principal, describe_error};
use crate::catalog::ToolError;
use crate::catalog::metadata::DescribeRecordTypeResult;
use crate::netsuite::{ErrorClass, NetSuiteClient, NetSuiteError};

/// The SuiteQL guide's URI.
pub const GUIDE_URI: &str = "netsuite://guides/suiteql";
/// The record-type schema template.
pub const RECORD_TYPE_TEMPLATE: &str = "netsuite://record-types/{record_type}";
/// What every record-type resource URI starts with.
pub const RECORD_TYPE_PREFIX: &str = "netsuite://record-types/";
/// The SuiteQL guide: rules and idioms, every example query runnable (a test runs each on the sandbox).
pub const SUITEQL_GUIDE: &str = include_str!("guides/suiteql.md");

/// How long clients may treat our lists as fresh. They depend on this server's governance and, over HTTP, on
/// who is calling, hence private.
pub const LIST_TTL_MS: u64 = 5 * 60 * 1000;

const GUIDE_DESCRIPTION: &str = "How to write SuiteQL for this NetSuite account: Oracle-style rules (FETCH FIRST n \
ROWS ONLY, 'T'/'F' booleans, quoting), the transaction and transactionline tables, BUILTIN.DF display values, \
date functions, paging, and runnable example queries for customers, vendors, items, receivables and payables. \
Read it before writing run_suiteql queries.";

const TEMPLATE_DESCRIPTION: &str = "The fields of one NetSuite record type (e.g. customer, salesorder, \
customrecord_project) as JSON: for each field its id, type, label, format, nullability, whether list_records can \
filter on it and whether it is custom. The same content describe_record_type returns; list_record_types names the \
record types.";

impl NetSuiteServer {
    /// Whether the governance shows the tool `name`. Resources, prompts and completions expose nothing its
    /// tools would not: the record-type template needs `describe_record_type`, prompts and name completions
    /// `run_suiteql`.
    pub(super) fn tool_visible(&self, name: &str) -> bool {
        self.catalog
            .snapshot()
            .get(name)
            .is_some_and(|t| self.ctx.governance.check(t).is_ok())
    }

    fn metadata_visible(&self) -> bool {
        self.tool_visible("describe_record_type")
    }

    /// The NetSuite client acting for `principal` (theirs when they signed in, else the server's).
    pub(super) fn client_for(&self, principal: Option<&Principal>) -> NetSuiteClient {
        principal
            .and_then(|p| p.netsuite.clone())
            .unwrap_or_else(|| self.ctx.client.clone())
    }

    /// `resources/list`: the guide, plus the app pages for apps-capable clients.
    pub(super) fn resource_list(&self, apps: bool) -> ListResourcesResult {
        let mut resources = vec![
            Resource::new(GUIDE_URI, "suiteql-guide")
                .with_title("SuiteQL guide")
                .with_description(GUIDE_DESCRIPTION)
                .with_mime_type("text/markdown")
                .with_size(SUITEQL_GUIDE.len() as u64),
        ];
        if apps {
            resources.extend(super::apps::resources());
        }
        ListResourcesResult::with_all_items(resources)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Private)
    }

    /// `resources/templates/list`: the record-type template when the metadata tools are on.
    pub(super) fn resource_template_list(&self) -> ListResourceTemplatesResult {
        let mut templates = Vec::new();
        if self.metadata_visible() {
            templates.push(
                ResourceTemplate::new(RECORD_TYPE_TEMPLATE, "record-type")
                    .with_title("NetSuite record type fields")
                    .with_description(TEMPLATE_DESCRIPTION)
                    .with_mime_type("application/json"),
            );
        }
        ListResourceTemplatesResult::with_all_items(templates)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Private)
    }

    /// `resources/read`. A URI that is not ours is resource not found; so is a record type NetSuite does not know,
    /// with a message naming list_record_types. A malformed record type id is invalid params.
    pub(super) async fn read_resource_as(
        &self,
        uri: &str,
        principal: Option<&Principal>,
    ) -> Result<ReadResourceResult, McpError> {
        if let Some(app) = super::apps::read(uri) {
            return Ok(app);
        }
        if uri == GUIDE_URI {
            return Ok(text_contents(
                uri,
                "text/markdown",
                SUITEQL_GUIDE.to_owned(),
            ));
        }
        let Some(raw) = uri.strip_prefix(RECORD_TYPE_PREFIX) else {
            return Err(unknown(uri));
        };
        if !self.metadata_visible() {
            return Err(McpError::invalid_params(
                format!(
                    "{uri:?}: record-type resources are off on this server (the metadata toolset is disabled)"
                ),
                None,
            ));
        }
        let record_type = self.ctx.record_type("record_type", raw).map_err(|e| {
            McpError::invalid_params(format!("{uri:?}: {}", describe_error(&e)), None)
        })?;
        let client = self.client_for(principal);
        match client.record_type_fields(&record_type).await {
            Ok(fields) => {
                let body = DescribeRecordTypeResult {
                    record_type: record_type.as_str().to_owned(),
                    fields,
                };
                let text = serde_json::to_string(&body)
                    .map_err(|e| McpError::internal_error(e.to_string(), None))?;
                Ok(text_contents(uri, "application/json", text))
            }
            Err(NetSuiteError::Api(api))
                if matches!(
                    api.class(),
                    ErrorClass::NotFound | ErrorClass::InvalidParameter
                ) =>
            {
                Err(McpError::resource_not_found(
                    format!(
                        "NetSuite knows no record type {:?} for this role (HTTP {}); list_record_types names the \
                         record types it can read",
                        record_type.as_str(),
                        api.status
                    ),
                    None,
                ))
            }
            Err(e) => Err(McpError::internal_error(
                describe_error(&ToolError::NetSuite(e)),
                None,
            )),
        }
    }
}

/// Resource not found: -32002 for clients before protocol 2026-07-28, which rmcp turns into -32602 for those on
/// it (SEP-2164), as the exports' not found is.
fn unknown(uri: &str) -> McpError {
    McpError::resource_not_found(
        format!(
            "unknown resource {uri:?}: this server serves {GUIDE_URI} and {RECORD_TYPE_TEMPLATE} (resources/list and \
             resources/templates/list list them)"
        ),
        None,
    )
}

fn text_contents(uri: &str, mime: &str, text: String) -> ReadResourceResult {
    ReadResourceResult::new(vec![ResourceContents::TextResourceContents {
        uri: uri.to_owned(),
        mime_type: Some(mime.to_owned()),
        text,
        meta: None,
    }])
}

/// The SuiteQL queries in the guide's ```sql blocks, in order (the tests run each one).
pub fn guide_examples() -> Vec<String> {
    sql_blocks(SUITEQL_GUIDE)
}

/// The contents of every ```sql fenced block of `markdown`.
pub fn sql_blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim()) {
            (None, "```sql") => current = Some(String::new()),
            (Some(q), "```") => {
                out.push(q.trim().to_owned());
                current = None;
            }
            (Some(q), _) => {
                q.push_str(line);
                q.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_has_runnable_examples_and_no_limit_clause() {
        let examples = guide_examples();
        assert!(examples.len() >= 8, "{}", examples.len());
        for q in &examples {
            assert!(q.starts_with("SELECT"), "{q}");
            assert!(!q.to_uppercase().contains(" LIMIT "), "{q}");
        }
        for topic in [
            "FETCH FIRST",
            "'T'",
            "transactionline",
            "BUILTIN.DF",
            "TO_DATE",
            "TRUNC",
            "ADD_MONTHS",
            "next_offset",
        ] {
            assert!(SUITEQL_GUIDE.contains(topic), "{topic} missing");
        }
    }
}
