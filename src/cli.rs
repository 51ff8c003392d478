//! Command-line interface (design.md §1.1).

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::auth::Algorithm;

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
    /// Certificates for NetSuite's OAuth 2.0 client credentials (M2M) setup.
    #[command(subcommand)]
    Cert(CertCommand),
    /// Custom tools from the tools directory.
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
}

#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Check custom tool files; prints every problem as `file:line: message`, exits 0 only if all are valid.
    Validate {
        /// Directory of tool files (default: $NETSUITE_MCP_TOOLS_DIR, the `tools_dir` setting, else ./tools).
        dir: Option<PathBuf>,
    },
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
