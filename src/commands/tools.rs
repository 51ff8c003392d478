//! `tools validate`: check the custom tool files of a directory.

use std::path::{Path, PathBuf};

use super::CommandError;
use crate::config::{ConfigError, Settings};
use crate::custom;

/// Directory used when neither the command line nor the settings name one.
pub const DEFAULT_TOOLS_DIR: &str = "tools";

/// The tools directory: `arg`, else the `tools_dir` setting (`NETSUITE_MCP_TOOLS_DIR`), else `./tools`.
pub fn tools_dir(arg: Option<&Path>, settings: &Settings) -> PathBuf {
    arg.map(Path::to_path_buf)
        .or_else(|| settings.tools_dir.clone())
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
    let report = custom::load_dir(dir).map_err(|e| ConfigError::Invalid {
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
