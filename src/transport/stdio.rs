//! MCP over stdin/stdout. stdout carries only protocol frames: logs go to stderr (see `main`).

use rmcp::ServiceExt;

use crate::commands::CommandError;
use crate::server::NetSuiteServer;

/// Serves until the client closes stdin (or the process gets Ctrl-C).
pub async fn serve(server: NetSuiteServer) -> Result<(), CommandError> {
    let tools = server.visible_tools();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    tracing::info!(tools = %names.join(","), "serving MCP on stdio");
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| CommandError::Io(format!("MCP session did not start: {e}")))?;
    tokio::select! {
        quit = running.waiting() => {
            let reason = quit.map_err(|e| CommandError::Io(format!("MCP server task failed: {e}")))?;
            tracing::info!(?reason, "MCP session ended");
        }
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted"),
    }
    Ok(())
}
