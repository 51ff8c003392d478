//! Command-line interface (design.md §1.1).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::auth::Algorithm;
use crate::config::{ListSetting, Settings};

/// NetSuite for AI assistants: a Model Context Protocol server for Oracle NetSuite.
#[derive(Debug, Parser)]
#[command(name = "netsuite-mcp", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML configuration file (default: $NETSUITE_MCP_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Profile of the configuration file, i.e. its [profiles.NAME] table (default: $NETSUITE_MCP_PROFILE).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch an access token and print it (for curl or Postman).
    Token {
        /// Print {"access_token", "expires_in", "token_type"} instead of the bare token.
        #[arg(long)]
        json: bool,
    },
    /// Check configuration, key, certificate, token exchange, REST and SuiteQL access; one line per check.
    Doctor {
        /// The certificate uploaded to NetSuite, to check that it matches the private key.
        #[arg(long, value_name = "FILE")]
        certificate: Option<PathBuf>,
    },
    /// Sign in to NetSuite as yourself (OAuth 2.0 authorization code + PKCE) and keep the tokens for this
    /// profile; `serve`, `token` and `doctor` then act with your role.
    Login(crate::commands::login::LoginArgs),
    /// Revoke this profile's sign-in at NetSuite and delete the stored tokens.
    Logout(crate::commands::login::LogoutArgs),
    /// Certificates for NetSuite's OAuth 2.0 client credentials (M2M) setup.
    #[command(subcommand)]
    Cert(CertCommand),
    /// Run the MCP server on stdio (for Cursor, VS Code, Claude Desktop and other MCP clients).
    Serve(ServeArgs),
    /// The tools the server exposes.
    #[command(subcommand)]
    Tools(ToolsCommand),
    /// Run the embedded NetSuite sandbox alone (demo data, strict OAuth) and print how to point a client at it.
    Sandbox {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Directory for the generated private_key.pem and certificate.pem (default: a new temporary directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Add (or update) the `netsuite` entry in an MCP client's configuration: Cursor, VS Code, Claude Desktop,
    /// Claude Code or Codex. Keeps everything else in the file and a backup of it.
    Install(crate::commands::install::InstallArgs),
    /// Print a shell completion script, e.g. `netsuite-mcp completions bash > ~/.local/share/bash-completion/completions/netsuite-mcp`.
    Completions(crate::commands::completions::CompletionsArgs),
    /// Print the man page (roff), e.g. `netsuite-mcp man | man -l -`.
    Man(crate::commands::completions::ManArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Serve against the embedded NetSuite sandbox (demo data, credentials made on the spot): try every tool
    /// with no NetSuite account. NetSuite connection settings are ignored; tool settings still apply.
    #[arg(long)]
    pub sandbox: bool,
    /// Serve MCP over streamable HTTP at http://ADDR/mcp (plus GET /healthz) instead of stdio, e.g.
    /// 127.0.0.1:8080. Any non-loopback address needs NETSUITE_MCP_HTTP_TOKEN (or NETSUITE_MCP_HTTP_TOKEN_FILE).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// With --http: no sessions and JSON responses, so that several instances can run behind a load balancer
    /// without session affinity.
    #[arg(long, requires = "http")]
    pub stateless: bool,
    #[command(flatten)]
    pub governance: GovernanceArgs,
}

#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Print the tools `serve` would expose with this configuration.
    List {
        /// Print the full definitions (schemas, annotations, toolset) as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        governance: GovernanceArgs,
    },
    /// Check custom tool files; prints every problem as `file:line: message`, exits 0 only if all are valid.
    Validate {
        /// Directory of tool files (default: $NETSUITE_MCP_TOOLS_DIR, the `tools_dir` setting, else ./tools).
        dir: Option<PathBuf>,
    },
}

/// Which tools are exposed. Each flag overrides the environment variable of the same name.
#[derive(Debug, Args, Default, Clone)]
pub struct GovernanceArgs {
    /// Hide and refuse every tool that writes; wins over every other setting [env: NETSUITE_MCP_READ_ONLY].
    #[arg(long)]
    pub read_only: bool,
    /// Comma list of toolsets to enable: suiteql, records, records_write, records_delete, metadata, analytics,
    /// restlets, custom, or all [env: NETSUITE_MCP_TOOLSETS].
    #[arg(long, value_name = "LIST")]
    pub toolsets: Option<String>,
    /// Comma list of tools to enable on top of the toolsets; alone, exactly these tools
    /// [env: NETSUITE_MCP_TOOLS].
    #[arg(long, value_name = "LIST")]
    pub tools: Option<String>,
    /// Comma list of tools to hide; beats --tools and --toolsets [env: NETSUITE_MCP_EXCLUDE_TOOLS].
    #[arg(long, value_name = "LIST")]
    pub exclude_tools: Option<String>,
    /// Directory of custom tool files [env: NETSUITE_MCP_TOOLS_DIR].
    #[arg(long, value_name = "DIR")]
    pub tools_dir: Option<PathBuf>,
    /// Milliseconds between checks of the tools directory for changes, default 1000; 0 turns hot reload off
    /// [env: NETSUITE_MCP_TOOLS_POLL_MS].
    #[arg(long, value_name = "MS")]
    pub tools_poll_ms: Option<u64>,
    /// Character budget of one tool result, default 50000 [env: NETSUITE_MCP_MAX_RESULT_CHARS].
    #[arg(long, value_name = "N")]
    pub max_result_chars: Option<usize>,
}

impl GovernanceArgs {
    /// The flags layer of the settings: only what was passed.
    pub fn settings(&self) -> Settings {
        let list = |v: &Option<String>| v.clone().map(ListSetting::Csv);
        Settings {
            read_only: self.read_only.then_some(true),
            toolsets: list(&self.toolsets),
            tools: list(&self.tools),
            exclude_tools: list(&self.exclude_tools),
            tools_dir: self.tools_dir.clone(),
            tools_poll_ms: self.tools_poll_ms,
            max_result_chars: self.max_result_chars,
            ..Settings::default()
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Write private_key.pem (PKCS#8, mode 0600) and certificate.pem (X.509, to upload to NetSuite).
    /// Never overwrites existing files.
    Generate(CertGenerateArgs),
}

/// Algorithms `cert generate` can make keys for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CertAlgorithm {
    #[value(name = "PS256")]
    Ps256,
    #[value(name = "ES256")]
    Es256,
    #[value(name = "ES384")]
    Es384,
    #[value(name = "ES512")]
    Es512,
}

impl From<CertAlgorithm> for Algorithm {
    fn from(a: CertAlgorithm) -> Self {
        match a {
            CertAlgorithm::Ps256 => Algorithm::PS256,
            CertAlgorithm::Es256 => Algorithm::ES256,
            CertAlgorithm::Es384 => Algorithm::ES384,
            CertAlgorithm::Es512 => Algorithm::ES512,
        }
    }
}

#[derive(Debug, Args)]
pub struct CertGenerateArgs {
    /// PS256 makes an RSA key; ES256, ES384 and ES512 make EC keys on P-256, P-384 and P-521.
    #[arg(long, value_enum, default_value = "PS256", ignore_case = true)]
    pub algorithm: CertAlgorithm,
    /// RSA key size; NetSuite accepts only 3072 and 4096.
    #[arg(long, default_value_t = 3072, value_parser = clap::builder::PossibleValuesParser::new(["3072", "4096"]).map(|s| s.parse::<usize>().unwrap_or(3072)))]
    pub rsa_bits: usize,
    /// Validity in days, 1 to 730 (NetSuite's maximum is two years).
    #[arg(long, default_value_t = 730, value_parser = clap::value_parser!(u32).range(1..=730))]
    pub days: u32,
    /// Directory to write into (created if missing).
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub out: PathBuf,
    /// Common name of the certificate.
    #[arg(long, default_value = "netsuite-mcp")]
    pub common_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SETTINGS;
    use clap::CommandFactory;

    /// Flags of `serve` and `tools list` that are not settings of the table.
    const NOT_SETTINGS: &[&str] = &[
        "--sandbox",
        "--http",
        "--stateless",
        "--json",
        "--config",
        "--profile",
    ];

    fn long_flags(path: &[&str]) -> Vec<String> {
        let mut cmd = Cli::command();
        cmd.build();
        let mut sub = &cmd;
        for name in path {
            sub = sub.find_subcommand(name).unwrap();
        }
        sub.get_arguments()
            .filter_map(|a| a.get_long())
            .filter(|l| *l != "help" && *l != "version")
            .map(|l| format!("--{l}"))
            .collect()
    }

    #[test]
    fn every_setting_flag_is_a_table_entry_and_every_table_flag_exists() {
        let table: Vec<&str> = SETTINGS.iter().filter_map(|s| s.flag).collect();
        for path in [&["serve"][..], &["tools", "list"][..]] {
            let flags = long_flags(path);
            for flag in &flags {
                assert!(
                    NOT_SETTINGS.contains(&flag.as_str()) || table.contains(&flag.as_str()),
                    "{path:?} {flag} mirrors no entry of the settings table"
                );
            }
            for flag in &table {
                assert!(flags.iter().any(|f| f == flag), "{path:?} lacks {flag}");
            }
        }
    }

    #[test]
    fn each_flag_fills_the_setting_of_its_table_entry() {
        let args = GovernanceArgs {
            read_only: true,
            toolsets: Some("a".into()),
            tools: Some("b".into()),
            exclude_tools: Some("c".into()),
            tools_dir: Some("d".into()),
            tools_poll_ms: Some(1),
            max_result_chars: Some(2),
        };
        let s = args.settings();
        let set = |key: &str| match key {
            "read_only" => s.read_only.is_some(),
            "toolsets" => s.toolsets.is_some(),
            "tools" => s.tools.is_some(),
            "exclude_tools" => s.exclude_tools.is_some(),
            "tools_dir" => s.tools_dir.is_some(),
            "tools_poll_ms" => s.tools_poll_ms.is_some(),
            "max_result_chars" => s.max_result_chars.is_some(),
            other => panic!("flag of {other} not handled by GovernanceArgs::settings"),
        };
        for info in SETTINGS.iter().filter(|s| s.flag.is_some()) {
            assert!(set(info.key), "{} not filled from its flag", info.key);
        }
    }

    #[test]
    fn the_toolsets_flag_names_every_toolset() {
        let mut cmd = Cli::command();
        cmd.build();
        let serve = cmd.find_subcommand("serve").unwrap();
        let help = serve
            .get_arguments()
            .find(|a| a.get_long() == Some("toolsets"))
            .and_then(|a| a.get_help())
            .unwrap()
            .to_string();
        let words: Vec<&str> = help
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        for (name, _, _) in crate::catalog::TOOLSETS {
            assert!(words.contains(name), "--toolsets help lacks {name}: {help}");
        }
    }
}
