//! `netsuite-mcp tools list`: the effective catalog.

use serde_json::json;

use super::CommandError;
use crate::catalog::Catalog;
use crate::catalog::docs::{annotation_summary, first_sentence};
use crate::catalog::governance::Governance;
use crate::config::Settings;
use crate::server::visible_tools;

/// The tools `serve` would expose with `settings`: a table, or JSON definitions with their toolset.
pub fn list(settings: &Settings, as_json: bool) -> Result<String, CommandError> {
    let catalog = Catalog::builtin();
    let governance = Governance::from_settings(settings, &catalog)?;
    let tools = visible_tools(&catalog, &governance);
    let toolset = |name: &str| {
        catalog
            .get(name)
            .map(|t| t.toolset.clone())
            .unwrap_or_default()
    };
    if as_json {
        let items: Vec<_> = tools
            .iter()
            .map(|t| {
                let mut v = serde_json::to_value(t).unwrap_or_default();
                v["toolset"] = json!(toolset(&t.name));
                v
            })
            .collect();
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&items).unwrap_or_default()
        ));
    }
    let mut out = String::new();
    let width = tools.iter().map(|t| t.name.len()).max().unwrap_or(4).max(4);
    for t in &tools {
        let ann = t.annotations.clone().unwrap_or_default();
        out.push_str(&format!(
            "{:<width$}  {:<14}  {:<43}  {}\n",
            t.name,
            toolset(&t.name),
            annotation_summary(&ann),
            first_sentence(t.description.as_deref().unwrap_or_default()),
        ));
    }
    if governance.read_only {
        out.push_str("(read-only mode: tools that write are hidden)\n");
    }
    if tools.is_empty() {
        out.push_str("no tools are enabled with this configuration\n");
    }
    Ok(out)
}
