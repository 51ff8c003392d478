//! `netsuite-mcp install`: the command around [`crate::install`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::CommandError;
use crate::install::{self, Client, Entry, Env, InstallError, Outcome};

/// Options of `install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The MCP client to configure.
    #[arg(long, value_enum)]
    pub client: Client,
    /// The entry runs `serve --sandbox`: the embedded demo NetSuite, no account needed.
    #[arg(long)]
    pub sandbox: bool,
    /// Configure the client for this project only (its .cursor/mcp.json, .vscode/mcp.json, .mcp.json or
    /// .codex/config.toml) instead of for the user. Not for claude-desktop.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Only show the entry and the file it would go to; change nothing.
    #[arg(long)]
    pub print: bool,
}

/// Runs `install`; `config` and `profile` are the global options (else `NETSUITE_MCP_CONFIG` /
/// `NETSUITE_MCP_PROFILE`), written into the entry by absolute path and by name. Returns what to print.
pub fn run(
    args: &InstallArgs,
    config: Option<&Path>,
    profile: Option<&str>,
) -> Result<String, CommandError> {
    let env_config = std::env::var_os("NETSUITE_MCP_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let env_profile = std::env::var("NETSUITE_MCP_PROFILE")
        .ok()
        .filter(|v| !v.is_empty());
    let config = config.or(env_config.as_deref());
    let profile = profile.or(env_profile.as_deref());
    let exe = std::env::current_exe()
        .map_err(|e| CommandError::Io(format!("cannot find the running binary: {e}")))?;
    let entry = Entry::new(&exe, config, profile, args.sandbox).map_err(install_error)?;
    let path = install::config_path(args.client, args.project.as_deref(), &Env::from_process())
        .map_err(install_error)?;
    let mut out = String::new();
    if args.print {
        let snippet = install::snippet(args.client, &entry).map_err(install_error)?;
        let _ = writeln!(out, "# {}: {}", args.client.name(), path.display());
        out.push_str(&snippet);
        if !snippet.ends_with('\n') {
            out.push('\n');
        }
        return Ok(out);
    }
    let report = install::install(args.client, &path, &entry).map_err(install_error)?;
    let shown = report.path.display();
    match &report.outcome {
        Outcome::Created => {
            let _ = writeln!(out, "Created {shown} with the `netsuite` entry.");
        }
        Outcome::Updated { backup } => {
            let _ = writeln!(
                out,
                "Updated the `netsuite` entry in {shown} (previous file saved as {}).",
                backup.display()
            );
        }
        Outcome::Unchanged => {
            let _ = writeln!(out, "{shown} is already up to date; nothing changed.");
        }
    }
    let _ = writeln!(out, "It runs: {} {}", entry.command, entry.args.join(" "));
    if report.outcome != Outcome::Unchanged {
        let _ = writeln!(out, "Next: {}.", args.client.restart_hint());
    }
    if !args.sandbox && config.is_none() {
        let _ = writeln!(
            out,
            "Note: the entry passes no settings. Clients start servers without your shell's environment: either \
             sign in once with `netsuite-mcp login` (the server then finds the stored sign-in), or put the \
             NetSuite settings in a TOML file (private key by path) and run install again with --config FILE; \
             see docs/install.md#a-real-account."
        );
    }
    Ok(out)
}

fn install_error(e: InstallError) -> CommandError {
    match e {
        InstallError::Usage(_) => CommandError::Usage(e.to_string()),
        InstallError::Unreadable { .. } | InstallError::Write { .. } => {
            CommandError::Io(e.to_string())
        }
    }
}
