//! `netsuite-mcp tools list` (the effective catalog) and `tools validate` (check custom tool files).

use std::path::{Path, PathBuf};

use serde_json::json;

use super::CommandError;
use super::wiring;
use crate::catalog::builtin_tool_names;
use crate::catalog::docs::{annotation_summary, first_sentence};
use crate::config::{ConfigError, Settings};
use crate::custom;

/// The tools `serve` would expose with `settings`: a table, or JSON definitions with their toolset.
pub fn list(settings: &Settings, as_json: bool) -> Result<String, CommandError> {
    let prepared = wiring::prepare_server(settings)?;
    let catalog = prepared.catalog();
    let governance = prepared.governance();
    let tools = prepared.visible_tools();
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

/// Directory used when neither the command line nor the settings name one.
pub const DEFAULT_TOOLS_DIR: &str = crate::server::builder::DEFAULT_TOOLS_DIR;

/// The tools directory: `arg`, else the configured one (`tools_dir` setting), else `./tools`.
pub fn tools_dir(arg: Option<&Path>, configured: Option<&Path>) -> PathBuf {
    arg.or(configured)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_TOOLS_DIR))
}

/// What `tools validate` found.
#[derive(Debug)]
pub struct Validation {
    /// Lines to print: every problem as `file:line: message`, then a summary.
    pub lines: Vec<String>,
    /// Every file is valid.
    pub ok: bool,
}

/// Loads every tool file in `dir` and reports each problem; a missing or unreadable directory is a
/// configuration error.
pub fn validate(dir: &Path) -> Result<Validation, CommandError> {
    if !dir.is_dir() {
        return Err(ConfigError::Invalid {
            setting: "tools directory",
            reason: format!(
                "{} is not a directory (pass DIR, or set NETSUITE_MCP_TOOLS_DIR)",
                dir.display()
            ),
        }
        .into());
    }
    let report =
        custom::load_dir(dir, &builtin_tool_names()).map_err(|e| ConfigError::Invalid {
            setting: "tools directory",
            reason: e.to_string(),
        })?;
    let mut lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    let names: Vec<&str> = report.tools.iter().map(|t| t.name()).collect();
    let bad_files = report.files - report.tools.len();
    lines.push(if report.is_ok() {
        format!(
            "ok: {} tool file(s) in {}{}",
            report.files,
            dir.display(),
            if names.is_empty() {
                String::new()
            } else {
                format!(": {}", names.join(", "))
            }
        )
    } else {
        format!(
            "{} problem(s) in {} of {} tool file(s) in {}; files with problems are skipped by serve",
            report.problems.len(),
            bad_files,
            report.files,
            dir.display()
        )
    });
    Ok(Validation {
        lines,
        ok: report.is_ok(),
    })
}
