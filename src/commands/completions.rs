//! `netsuite-mcp completions SHELL` and `netsuite-mcp man`: generated from the clap definition, so they never
//! drift from the real options.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Command};
use clap_complete::Shell;

use super::CommandError;

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell (or elvish).
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Options of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write netsuite-mcp.1 and one page per subcommand (netsuite-mcp-serve.1, …) into DIR instead of printing
    /// the main page.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Writes the completion script of `cli` (the whole clap definition) for `shell` to `out`.
pub fn completions(mut cli: Command, shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut cli, "netsuite-mcp", out);
}

/// Writes the man page (roff) of `cli` to `out`.
pub fn man(cli: Command, out: &mut dyn Write) -> Result<(), CommandError> {
    clap_mangen::Man::new(cli)
        .render(out)
        .map_err(|e| CommandError::Io(format!("cannot write the man page: {e}")))
}

/// Writes every page of `cli` into `dir` (created if missing).
pub fn man_to(cli: Command, dir: &Path) -> Result<(), CommandError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CommandError::Io(format!("cannot create {}: {e}", dir.display())))?;
    clap_mangen::generate_to(cli, dir)
        .map_err(|e| CommandError::Io(format!("cannot write man pages to {}: {e}", dir.display())))
}
