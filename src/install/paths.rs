//! Where each MCP client keeps its configuration, per scope and per OS. Every path decision is in this file; the
//! sources are named beside each one (client documentation, checked 2026-11).

use std::path::{Path, PathBuf};

use super::{Client, InstallError};

/// The environment the paths are derived from. Read once from the process (`from_process`); tests build it by hand.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `HOME` (Unix) or `USERPROFILE` (Windows).
    pub home: Option<PathBuf>,
    /// `XDG_CONFIG_HOME` (Linux), default `~/.config`.
    pub xdg_config_home: Option<PathBuf>,
    /// `APPDATA` (Windows), e.g. `C:\Users\me\AppData\Roaming`.
    pub appdata: Option<PathBuf>,
    /// `CODEX_HOME`, Codex's own override of `~/.codex`.
    pub codex_home: Option<PathBuf>,
}

impl Env {
    /// The current process's environment.
    pub fn from_process() -> Self {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Env {
            home: if cfg!(windows) {
                var("USERPROFILE").or_else(|| var("HOME"))
            } else {
                var("HOME")
            },
            xdg_config_home: var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()),
            appdata: var("APPDATA"),
            codex_home: var("CODEX_HOME"),
        }
    }

    fn home(&self) -> Result<&Path, InstallError> {
        self.home.as_deref().ok_or_else(|| {
            InstallError::Usage(
                "cannot find your home directory (HOME is not set); pass --project DIR or set HOME"
                    .into(),
            )
        })
    }

    /// The per-user application-data directory: `%APPDATA%` on Windows, `~/Library/Application Support` on macOS,
    /// `$XDG_CONFIG_HOME` (default `~/.config`) elsewhere.
    fn app_config_dir(&self) -> Result<PathBuf, InstallError> {
        if cfg!(windows) {
            return self.appdata.clone().ok_or_else(|| {
                InstallError::Usage(
                    "cannot find %APPDATA%; set APPDATA or pass --project DIR".into(),
                )
            });
        }
        if cfg!(target_os = "macos") {
            return Ok(self.home()?.join("Library").join("Application Support"));
        }
        match &self.xdg_config_home {
            Some(dir) => Ok(dir.clone()),
            None => Ok(self.home()?.join(".config")),
        }
    }
}

impl Env {
    /// Where a person's NetSuite tokens go by default: the per-user application-data directory +
    /// `netsuite-mcp/tokens` (design.md §1.5). `None` without a home directory.
    pub fn token_dir(&self) -> Option<PathBuf> {
        self.app_config_dir()
            .ok()
            .map(|d| d.join("netsuite-mcp").join("tokens"))
    }

    /// Where the OAuth authorization server seals its state by default: the per-user application-data
    /// directory + `netsuite-mcp/state`. `None` without a home directory.
    pub fn state_dir(&self) -> Option<PathBuf> {
        self.app_config_dir()
            .ok()
            .map(|d| d.join("netsuite-mcp").join("state"))
    }
}

/// The configuration file `client` reads: the user-wide one, or the one of the project in `project`.
pub fn config_path(
    client: Client,
    project: Option<&Path>,
    env: &Env,
) -> Result<PathBuf, InstallError> {
    match (client, project) {
        // Cursor docs ("Model Context Protocol"): ~/.cursor/mcp.json for all projects, .cursor/mcp.json in one.
        // On Windows ~ is %USERPROFILE%.
        (Client::Cursor, None) => Ok(env.home()?.join(".cursor").join("mcp.json")),
        (Client::Cursor, Some(dir)) => Ok(dir.join(".cursor").join("mcp.json")),
        // VS Code docs ("MCP configuration reference"): .vscode/mcp.json in the workspace, or mcp.json in the user
        // profile folder, i.e. the folder of the user settings.json: %APPDATA%\Code\User, ~/Library/Application
        // Support/Code/User, ~/.config/Code/User. (Stable VS Code; Insiders uses "Code - Insiders".)
        (Client::Vscode, None) => Ok(env.app_config_dir()?.join("Code").join("User").join("mcp.json")),
        (Client::Vscode, Some(dir)) => Ok(dir.join(".vscode").join("mcp.json")),
        // MCP quickstart for Claude Desktop: claude_desktop_config.json in ~/Library/Application Support/Claude
        // (macOS) or %APPDATA%\Claude (Windows). Linux has no official build; community builds use
        // ~/.config/Claude, which we follow. Claude Desktop has no project scope.
        (Client::ClaudeDesktop, None) => Ok(env
            .app_config_dir()?
            .join("Claude")
            .join("claude_desktop_config.json")),
        (Client::ClaudeDesktop, Some(_)) => Err(InstallError::Usage(
            "Claude Desktop has no project configuration; run install --client claude-desktop without --project"
                .into(),
        )),
        // Claude Code docs ("Connect Claude Code to tools via MCP", scopes): user scope is the top-level
        // "mcpServers" of ~/.claude.json; project scope is .mcp.json at the project root.
        (Client::ClaudeCode, None) => Ok(env.home()?.join(".claude.json")),
        (Client::ClaudeCode, Some(dir)) => Ok(dir.join(".mcp.json")),
        // Codex docs (config.md, "MCP servers"): [mcp_servers.NAME] in $CODEX_HOME/config.toml, default
        // ~/.codex/config.toml; a trusted project may have .codex/config.toml.
        (Client::Codex, None) => Ok(match &env.codex_home {
            Some(dir) => dir.join("config.toml"),
            None => env.home()?.join(".codex").join("config.toml"),
        }),
        (Client::Codex, Some(dir)) => Ok(dir.join(".codex").join("config.toml")),
    }
}

#[cfg(all(test, unix, not(target_os = "macos")))]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            home: Some("/h".into()),
            ..Env::default()
        }
    }

    #[test]
    fn user_paths_on_linux() {
        let p = |c| config_path(c, None, &env()).unwrap();
        assert_eq!(p(Client::Cursor), Path::new("/h/.cursor/mcp.json"));
        assert_eq!(
            p(Client::Vscode),
            Path::new("/h/.config/Code/User/mcp.json")
        );
        assert_eq!(
            p(Client::ClaudeDesktop),
            Path::new("/h/.config/Claude/claude_desktop_config.json")
        );
        assert_eq!(p(Client::ClaudeCode), Path::new("/h/.claude.json"));
        assert_eq!(p(Client::Codex), Path::new("/h/.codex/config.toml"));
    }

    #[test]
    fn xdg_config_home_and_codex_home_are_honoured() {
        let e = Env {
            xdg_config_home: Some("/x".into()),
            codex_home: Some("/c".into()),
            ..env()
        };
        assert_eq!(
            config_path(Client::Vscode, None, &e).unwrap(),
            Path::new("/x/Code/User/mcp.json")
        );
        assert_eq!(
            config_path(Client::Codex, None, &e).unwrap(),
            Path::new("/c/config.toml")
        );
    }

    #[test]
    fn project_paths_and_claude_desktop_has_none() {
        let d = Path::new("/p");
        let p = |c| config_path(c, Some(d), &env());
        assert_eq!(p(Client::Cursor).unwrap(), Path::new("/p/.cursor/mcp.json"));
        assert_eq!(p(Client::Vscode).unwrap(), Path::new("/p/.vscode/mcp.json"));
        assert_eq!(p(Client::ClaudeCode).unwrap(), Path::new("/p/.mcp.json"));
        assert_eq!(
            p(Client::Codex).unwrap(),
            Path::new("/p/.codex/config.toml")
        );
        assert!(matches!(
            p(Client::ClaudeDesktop),
            Err(InstallError::Usage(_))
        ));
    }

    #[test]
    fn no_home_is_a_usage_error() {
        assert!(matches!(
            config_path(Client::Cursor, None, &Env::default()),
            Err(InstallError::Usage(_))
        ));
    }
}
