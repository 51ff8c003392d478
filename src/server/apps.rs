//! MCP Apps (the `io.modelcontextprotocol/ui` extension): interactive views that hosts such as Claude and ChatGPT
//! render beside a tool result. The server serves one, `ui://netsuite/table.html` (a sortable table and a chart of
//! a result in `run_suiteql`'s shape), built from `apps/table/` into one self-contained HTML file that is
//! embedded here at compile time.
//!
//! Only clients that announce the extension in their capabilities see it: their tools that opted in
//! ([`crate::catalog::CatalogTool::with_app`]) carry `_meta.ui.resourceUri`, and `resources/list` lists the page.
//! Other clients see the same tools as before and no extra resource (an HTML page of a few hundred kB is no use
//! to a model, and clients that offer every listed resource to the user would show it). `resources/read` of the
//! URI answers every client, so a host that fetches it without listing first still gets it.

use rmcp::model::{
    ClientCapabilities, MetaObject, ReadResourceResult, Resource, ResourceContents, Tool,
};
use serde_json::{Value, json};

use crate::catalog::suiteql::TABLE_APP_URI;

/// The extension id clients announce under `capabilities.extensions`.
pub const EXTENSION_ID: &str = "io.modelcontextprotocol/ui";

/// The MIME type of an MCP App page.
pub const APP_MIME_TYPE: &str = "text/html;profile=mcp-app";

/// The table app, built by `scripts/build-app.sh` from `apps/table/src` (committed, so no Node is needed to
/// build the server).
pub const TABLE_APP_HTML: &str = include_str!("../../apps/table/dist/table.html");

/// Description of the table app for resource listings.
const TABLE_APP_DESCRIPTION: &str = "Interactive view of a SuiteQL-shaped tool result (run_suiteql, saved \
searches, datasets, custom SuiteQL tools): a sortable table, a bar or line chart, and copy as CSV. The host shows \
it with the tool result; it makes no network requests.";

/// Whether the client can show MCP Apps: it announced the extension, and if it listed MIME types, ours is one.
pub fn client_supports_apps(capabilities: Option<&ClientCapabilities>) -> bool {
    let Some(settings) = capabilities
        .and_then(|c| c.extensions.as_ref())
        .and_then(|e| e.get(EXTENSION_ID))
    else {
        return false;
    };
    match settings.get("mimeTypes") {
        Some(Value::Array(types)) => types.iter().any(|t| t.as_str() == Some(APP_MIME_TYPE)),
        _ => true,
    }
}

/// `tool` as listed to an apps-capable client: `_meta.ui.resourceUri` (and the older flat key
/// `ui/resourceUri` that earlier hosts read) point at `uri`. Other `_meta` entries are kept.
pub fn with_ui_meta(mut tool: Tool, uri: &str) -> Tool {
    let mut meta = tool.meta.take().map(|m| m.0).unwrap_or_default();
    let ui = meta
        .entry("ui")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(ui) = ui {
        ui.insert("resourceUri".into(), Value::from(uri));
    }
    meta.insert("ui/resourceUri".into(), Value::from(uri));
    tool.meta = Some(MetaObject(meta));
    tool
}

/// `_meta.ui` of the table app: an empty CSP (no network, no outside scripts, styles, images or frames), clipboard
/// write for "Copy as CSV", and a border around the view.
fn resource_meta() -> MetaObject {
    let meta = json!({
        "ui": {
            "csp": { "connectDomains": [], "resourceDomains": [], "frameDomains": [], "baseUriDomains": [] },
            "permissions": { "clipboardWrite": {} },
            "prefersBorder": true
        }
    });
    MetaObject(meta.as_object().cloned().unwrap_or_default())
}

/// The app resources listed to an apps-capable client.
pub fn resources() -> Vec<Resource> {
    let resource = Resource::new(TABLE_APP_URI, "table")
        .with_title("NetSuite result table and chart")
        .with_description(TABLE_APP_DESCRIPTION)
        .with_mime_type(APP_MIME_TYPE)
        .with_size(TABLE_APP_HTML.len() as u64)
        .with_meta(resource_meta());
    vec![resource]
}

/// The contents of an app resource, or `None` for a URI that is not one.
pub fn read(uri: &str) -> Option<ReadResourceResult> {
    if uri != TABLE_APP_URI {
        return None;
    }
    Some(ReadResourceResult::new(vec![
        ResourceContents::TextResourceContents {
            uri: uri.to_owned(),
            mime_type: Some(APP_MIME_TYPE.to_owned()),
            text: TABLE_APP_HTML.to_owned(),
            meta: Some(resource_meta()),
        },
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ExtensionCapabilities;

    fn caps(settings: Value) -> ClientCapabilities {
        let mut ext = ExtensionCapabilities::new();
        let Value::Object(settings) = settings else {
            panic!("settings must be an object")
        };
        ext.insert(EXTENSION_ID.to_owned(), settings);
        ClientCapabilities::builder()
            .enable_extensions_with(ext)
            .build()
    }

    #[test]
    fn apps_are_on_only_for_clients_that_announce_the_extension_with_our_mime_type() {
        assert!(!client_supports_apps(None));
        assert!(!client_supports_apps(Some(&ClientCapabilities::default())));
        assert!(client_supports_apps(Some(&caps(json!({})))));
        assert!(client_supports_apps(Some(&caps(
            json!({"mimeTypes": [APP_MIME_TYPE]})
        ))));
        assert!(!client_supports_apps(Some(&caps(
            json!({"mimeTypes": ["text/uri-list"]})
        ))));
    }

    #[test]
    fn ui_meta_points_at_the_app_in_both_forms_and_keeps_other_meta() {
        let mut tool = Tool::new("t", "d", rmcp::model::JsonObject::new());
        let Value::Object(other) = json!({"other": 1}) else {
            unreachable!()
        };
        tool.meta = Some(MetaObject(other));
        let meta = with_ui_meta(tool, TABLE_APP_URI).meta.unwrap().0;
        assert_eq!(meta["ui"]["resourceUri"], TABLE_APP_URI);
        assert_eq!(meta["ui/resourceUri"], TABLE_APP_URI);
        assert_eq!(meta["other"], 1);
    }

    #[test]
    fn the_embedded_page_is_one_self_contained_html_file() {
        let html = TABLE_APP_HTML;
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains("Content-Security-Policy"));
        for outside in ["<script src", "<link ", "@import"] {
            assert!(!html.contains(outside), "{outside} in the page");
        }
        let contents = read(TABLE_APP_URI).unwrap().contents;
        assert_eq!(contents.len(), 1);
        assert!(read(TABLE_APP_URI.trim_end_matches(".html")).is_none());
    }
}
