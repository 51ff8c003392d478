//! The MCP clients `install` knows and the shape of their server tables.

use clap::ValueEnum;

/// An MCP client whose configuration file `install` can edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Client {
    /// Cursor: `mcpServers` in `~/.cursor/mcp.json` or `.cursor/mcp.json`.
    Cursor,
    /// VS Code (GitHub Copilot agent mode): `servers` in the user `mcp.json` or `.vscode/mcp.json`.
    Vscode,
    /// Claude Desktop: `mcpServers` in `claude_desktop_config.json`.
    ClaudeDesktop,
    /// Claude Code: `mcpServers` in `~/.claude.json` (user scope) or `.mcp.json` (project scope).
    ClaudeCode,
    /// OpenAI Codex: `[mcp_servers.netsuite]` in `~/.codex/config.toml` or `.codex/config.toml`.
    Codex,
}

/// How a client's file holds its servers.
#[derive(Debug, Clone, Copy)]
pub(super) enum Format {
    /// A JSON (JSONC in practice) object with the servers under `servers_key`; `stdio_type` adds
    /// `"type": "stdio"` to the entry, as the client's documentation shows it.
    Json {
        servers_key: &'static str,
        stdio_type: bool,
    },
    /// TOML with `[mcp_servers.NAME]` tables.
    Toml,
}

impl Client {
    /// Every client, in the order of `--help`.
    pub const ALL: [Client; 5] = [
        Client::Cursor,
        Client::Vscode,
        Client::ClaudeDesktop,
        Client::ClaudeCode,
        Client::Codex,
    ];

    /// The value of `--client` that names this client.
    pub fn name(self) -> &'static str {
        match self {
            Client::Cursor => "cursor",
            Client::Vscode => "vscode",
            Client::ClaudeDesktop => "claude-desktop",
            Client::ClaudeCode => "claude-code",
            Client::Codex => "codex",
        }
    }

    /// How the client reloads its servers after the file changed.
    pub fn restart_hint(self) -> &'static str {
        match self {
            Client::Cursor => {
                "Cursor picks up the change on its own (Settings > MCP shows `netsuite`); if not, restart Cursor"
            }
            Client::Vscode => {
                "in VS Code, run \"MCP: List Servers\" and start `netsuite` (or reload the window), then use agent mode"
            }
            Client::ClaudeDesktop => {
                "quit Claude Desktop completely (not just the window) and open it again"
            }
            Client::ClaudeCode => {
                "start a new Claude Code session; /mcp lists `netsuite` (project .mcp.json servers ask for approval once)"
            }
            Client::Codex => "start a new Codex session; /mcp lists `netsuite`",
        }
    }

    pub(super) fn format(self) -> Format {
        match self {
            // Cursor and Claude Desktop document entries without "type" (stdio is inferred from "command").
            Client::Cursor | Client::ClaudeDesktop => Format::Json {
                servers_key: "mcpServers",
                stdio_type: false,
            },
            // VS Code requires "type"; Claude Code's `claude mcp add` writes "type": "stdio" itself.
            Client::Vscode => Format::Json {
                servers_key: "servers",
                stdio_type: true,
            },
            Client::ClaudeCode => Format::Json {
                servers_key: "mcpServers",
                stdio_type: true,
            },
            Client::Codex => Format::Toml,
        }
    }
}
