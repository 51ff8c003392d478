//! `netsuite-mcp serve`: the MCP server on stdio.

use super::CommandError;
use crate::catalog::Catalog;
use crate::catalog::governance::Governance;
use crate::config::Settings;
use crate::netsuite::ClientOptions;
use crate::sandbox::local::start_with_generated_credentials;
use crate::server::NetSuiteServer;

/// Validates the configuration, then serves MCP on stdin/stdout until the client closes stdin.
pub async fn run(settings: &Settings) -> Result<(), CommandError> {
    let server = build(settings)?;
    crate::transport::stdio::serve(server).await
}

/// Starts the embedded sandbox with fresh credentials and serves MCP against it. The sandbox's connection
/// settings replace any configured ones; tool settings (toolsets, read-only, …) still apply.
pub async fn run_sandbox(settings: Settings) -> Result<(), CommandError> {
    let local = start_with_generated_credentials(0)
        .await
        .map_err(|e| CommandError::Io(format!("cannot start the sandbox: {e}")))?;
    tracing::info!(base_url = %local.handle.base_url(), "sandbox started");
    let settings = Settings {
        private_key_path: None,
        restlet_base_url: None,
        algorithm: None,
        scopes: None,
        ..settings
    }
    .overlay(local.settings.clone());
    let result = match build(&settings) {
        Ok(server) => crate::transport::stdio::serve(server).await,
        Err(e) => Err(e),
    };
    local.handle.shutdown().await;
    result
}

/// The server for `settings`: governance is checked before the key is loaded, so that configuration
/// mistakes are reported first.
pub fn build(settings: &Settings) -> Result<NetSuiteServer, CommandError> {
    let catalog = Catalog::builtin();
    let governance = Governance::from_settings(settings, &catalog)?;
    let client = settings.netsuite()?.into_client(ClientOptions::default())?;
    Ok(NetSuiteServer::new(client, catalog, governance))
}
