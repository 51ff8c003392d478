//! `netsuite-mcp install`: add (or update) a `netsuite` entry in an MCP client's configuration file
//! (design.md §1.10).
//!
//! The entry starts this very binary by its absolute path with `serve` (plus `--sandbox`, `--config FILE` and
//! `--profile NAME` when given) and carries no environment: no secret ever lands in a client's file. Everything
//! else in the file is kept, comments included (JSONC for the JSON clients, `toml_edit` for Codex); the file is
//! backed up before it is changed and replaced atomically; a second run with the same options changes nothing.

mod clients;
mod files;
mod json;
pub mod paths;
mod toml;

use std::path::{Path, PathBuf};

pub use clients::Client;
pub use paths::{Env, config_path};

/// Name of the entry in every client's server table.
pub const ENTRY_NAME: &str = "netsuite";

/// Failure of `install`.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// Wrong or contradictory options (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The existing file cannot be read or understood; nothing was changed.
    #[error("{path}: {reason}. Nothing was changed: fix or move the file, then run install again")]
    Unreadable { path: PathBuf, reason: String },
    /// The file cannot be written; the original is untouched.
    #[error("cannot write {path}: {reason}. The original file was not changed")]
    Write { path: PathBuf, reason: String },
}

/// What the entry runs: `command` with `args`, no environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Absolute path of the netsuite-mcp binary.
    pub command: String,
    /// `serve`, then `--sandbox`, `--config FILE`, `--profile NAME` as requested.
    pub args: Vec<String>,
}

impl Entry {
    /// The entry for `exe` (made absolute) and the given options. `config` is made absolute and must exist.
    pub fn new(
        exe: &Path,
        config: Option<&Path>,
        profile: Option<&str>,
        sandbox: bool,
    ) -> Result<Entry, InstallError> {
        let command = absolute_utf8(exe, "the netsuite-mcp binary")?;
        let mut args = vec!["serve".to_owned()];
        if sandbox {
            args.push("--sandbox".into());
        }
        if let Some(config) = config {
            if !config.is_file() {
                return Err(InstallError::Usage(format!(
                    "--config {}: no such file (the client would start the server with a missing configuration)",
                    config.display()
                )));
            }
            args.push("--config".into());
            args.push(absolute_utf8(config, "--config")?);
        }
        if let Some(profile) = profile {
            args.push("--profile".into());
            args.push(profile.to_owned());
        }
        Ok(Entry { command, args })
    }
}

fn absolute_utf8(path: &Path, what: &str) -> Result<String, InstallError> {
    let absolute = std::path::absolute(path).map_err(|e| {
        InstallError::Usage(format!("cannot make {} absolute: {e}", path.display()))
    })?;
    absolute.to_str().map(str::to_owned).ok_or_else(|| {
        InstallError::Usage(format!(
            "the path of {what} is not valid UTF-8 ({}); clients' configuration files need text",
            absolute.display()
        ))
    })
}

/// What `install` did to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The file did not exist and was created.
    Created,
    /// The file was changed; the previous content is in `backup`.
    Updated { backup: PathBuf },
    /// The entry was already exactly this; nothing was written.
    Unchanged,
}

/// The result of [`install`].
#[derive(Debug, Clone)]
pub struct Report {
    /// The client's configuration file.
    pub path: PathBuf,
    /// What happened to it.
    pub outcome: Outcome,
}

/// The entry as it appears in `client`'s file format: a complete minimal file holding only the entry.
pub fn snippet(client: Client, entry: &Entry) -> Result<String, InstallError> {
    let path = PathBuf::from("(new file)");
    upsert_text(client, "", entry, &path)?.ok_or_else(|| InstallError::Unreadable {
        path,
        reason: "internal error: an empty document yielded no entry".into(),
    })
}

/// Writes or updates the entry in `path`, `client`'s configuration file.
pub fn install(client: Client, path: &Path, entry: &Entry) -> Result<Report, InstallError> {
    let target = files::resolve_symlink(path);
    let original = files::read_existing(&target)?;
    let text = original.as_deref().unwrap_or("");
    let Some(updated) = upsert_text(client, text, entry, &target)? else {
        return Ok(Report {
            path: target,
            outcome: Outcome::Unchanged,
        });
    };
    let backup = files::write_atomically(&target, original.is_some(), &updated)?;
    let outcome = match backup {
        Some(backup) => Outcome::Updated { backup },
        None => Outcome::Created,
    };
    Ok(Report {
        path: target,
        outcome,
    })
}

/// The new text of the file, or `None` when the entry is already as wanted.
fn upsert_text(
    client: Client,
    text: &str,
    entry: &Entry,
    path: &Path,
) -> Result<Option<String>, InstallError> {
    let unreadable = |reason: String| InstallError::Unreadable {
        path: path.to_owned(),
        reason,
    };
    match client.format() {
        clients::Format::Json {
            servers_key,
            stdio_type,
        } => json::upsert(text, servers_key, ENTRY_NAME, entry, stdio_type).map_err(unreadable),
        clients::Format::Toml => toml::upsert(text, ENTRY_NAME, entry).map_err(unreadable),
    }
}
