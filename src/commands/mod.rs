//! What each CLI command does. `main` only parses, prints and picks the exit code.

pub mod callback;
pub mod cert;
pub mod completions;
pub mod doctor;
pub mod first_run;
pub mod install;
pub mod login;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod serve;
pub mod token;
pub mod tools;
pub mod wiring;

use std::path::Path;

use crate::auth::AuthError;
use crate::cert::CertError;
use crate::config::{ConfigError, Settings};
use crate::netsuite::NetSuiteError;

/// Failure of a command.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    NetSuite(#[from] NetSuiteError),
    #[error(transparent)]
    Cert(#[from] CertError),
    /// Tools registered in code clash (a programming error of the embedding application).
    #[error("{0}")]
    Tools(String),
    #[error("{0}")]
    Io(String),
    /// Wrong or contradictory options, or nothing configured: the message says what to do (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// Checks ran and at least one failed (the report was printed already).
    #[error("{0}")]
    ChecksFailed(String),
    /// `serve --sandbox` or `sandbox` in a binary built with `--no-default-features`.
    #[error("this binary was built without the sandbox feature; rebuild with default features")]
    SandboxNotBuilt,
}

impl CommandError {
    /// 2 for usage and configuration errors, 1 for failures at run time.
    pub fn exit_code(&self) -> u8 {
        match self {
            CommandError::Config(_)
            | CommandError::Tools(_)
            | CommandError::Usage(_)
            | CommandError::SandboxNotBuilt => 2,
            _ => 1,
        }
    }
}

/// `netsuite-mcp sandbox` in a binary built without the `sandbox` feature: the command stays, and says so.
#[cfg(not(feature = "sandbox"))]
pub mod sandbox {
    use super::CommandError;

    /// Always fails with [`CommandError::SandboxNotBuilt`] (exit code 2).
    pub async fn run(_port: u16, _out: Option<std::path::PathBuf>) -> Result<(), CommandError> {
        Err(CommandError::SandboxNotBuilt)
    }
}

/// Resolves when the process is asked to stop (Ctrl-C, or SIGTERM on Unix).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Loads the merged settings for a command from the file, the environment and `flags`.
pub fn load_settings(
    config: Option<&Path>,
    profile: Option<&str>,
    flags: Settings,
) -> Result<Settings, ConfigError> {
    Settings::load(config, profile, flags, |k| std::env::var(k).ok())
}

impl From<crate::server::BuildError> for CommandError {
    fn from(e: crate::server::BuildError) -> Self {
        match e {
            crate::server::BuildError::Setting(s) => CommandError::Config(s.into()),
            other => CommandError::Tools(other.to_string()),
        }
    }
}

impl From<crate::transport::stdio::StdioError> for CommandError {
    fn from(e: crate::transport::stdio::StdioError) -> Self {
        CommandError::Io(e.to_string())
    }
}
