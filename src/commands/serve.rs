//! `netsuite-mcp serve`: the MCP server on stdio.

use super::CommandError;
use crate::catalog::Catalog;
use crate::catalog::governance::Governance;
use crate::config::Settings;
use crate::netsuite::ClientOptions;
use crate::server::NetSuiteServer;

/// Validates the configuration, then serves MCP on stdin/stdout until the client closes stdin.
pub async fn run(settings: &Settings) -> Result<(), CommandError> {
    let server = build(settings)?;
    crate::transport::stdio::serve(server).await
}

/// The server for `settings`: governance is checked before the key is loaded, so that configuration
/// mistakes are reported first.
pub fn build(settings: &Settings) -> Result<NetSuiteServer, CommandError> {
    let catalog = Catalog::builtin();
    let governance = Governance::from_settings(settings, &catalog)?;
    let client = settings.netsuite()?.into_client(ClientOptions::default())?;
    Ok(NetSuiteServer::new(client, catalog, governance))
}
