//! MCP over stdin/stdout. stdout carries only protocol frames: logs go to stderr (see `main`).
//!
//! rmcp silently drops a line that is not JSON. JSON-RPC 2.0 requires a Parse error (-32700, `id` null) for
//! it, so stdin passes through [`guard`] first: lines that parse go on to rmcp unchanged, the others are
//! answered directly. Both rmcp's frames and those answers go out through one writer, one line at a time.

use rmcp::ServiceExt;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::server::NetSuiteServer;

/// The answer to a line that is not JSON.
pub const PARSE_ERROR: &str = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: the line is not valid JSON"}}"#;
/// Bytes in flight between the guard and rmcp.
const PIPE_BYTES: usize = 256 * 1024;

/// Failure of the stdio transport.
#[derive(Debug, thiserror::Error)]
pub enum StdioError {
    /// The MCP session could not start.
    #[error("MCP session did not start: {0}")]
    Start(String),
    /// The MCP server task failed while serving.
    #[error("MCP server task failed: {0}")]
    Task(String),
}

/// Serves until the client closes stdin (or the process gets Ctrl-C).
pub async fn serve(server: NetSuiteServer) -> Result<(), StdioError> {
    let tools = server.visible_tools();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    tracing::info!(tools = %names.join(","), "serving MCP on stdio");
    let (rmcp_side, guard_side) = tokio::io::duplex(PIPE_BYTES);
    let guard_task = tokio::spawn(guard(tokio::io::stdin(), tokio::io::stdout(), guard_side));
    let running = server
        .serve(rmcp_side)
        .await
        .map_err(|e| StdioError::Start(e.to_string()))?;
    tokio::select! {
        quit = running.waiting() => {
            let reason = quit.map_err(|e| StdioError::Task(e.to_string()))?;
            tracing::info!(?reason, "MCP session ended");
        }
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted"),
    }
    // rmcp has dropped its end: the guard flushes what is left and stops.
    let _ = guard_task.await;
    Ok(())
}

/// Copies `input` lines to `rmcp` when they are JSON (or blank) and answers the others with [`PARSE_ERROR`];
/// copies rmcp's output lines to `output`. Returns when rmcp's output ends.
pub async fn guard<I, O, P>(input: I, output: O, rmcp: P)
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
    P: AsyncRead + AsyncWrite + Send + 'static,
{
    let (rmcp_out, mut rmcp_in) = tokio::io::split(rmcp);
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(64);
    let writer = tokio::spawn(async move {
        let mut output = output;
        while let Some(line) = rx.recv().await {
            if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    });
    let errors = tx.clone();
    let reader = tokio::spawn(async move {
        let mut lines = BufReader::new(input).split(b'\n');
        while let Ok(Some(line)) = lines.next_segment().await {
            let trimmed = line.trim_ascii();
            if !trimmed.is_empty() && serde_json::from_slice::<serde_json::Value>(trimmed).is_err()
            {
                tracing::debug!(
                    bytes = line.len(),
                    "answered a line that is not JSON with a parse error"
                );
                if errors
                    .send(format!("{PARSE_ERROR}\n").into_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
                continue;
            }
            let mut line = line;
            line.push(b'\n');
            if rmcp_in.write_all(&line).await.is_err() {
                break;
            }
        }
        // stdin closed: rmcp sees EOF and ends the session.
        let _ = rmcp_in.shutdown().await;
    });
    let mut frames = BufReader::new(rmcp_out).split(b'\n');
    while let Ok(Some(mut frame)) = frames.next_segment().await {
        frame.push(b'\n');
        if tx.send(frame).await.is_err() {
            break;
        }
    }
    drop(tx);
    reader.abort();
    let _ = writer.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn json_lines_pass_through_and_others_get_a_parse_error() {
        let (client_in, guard_in) = tokio::io::duplex(4096);
        let (guard_out, client_out) = tokio::io::duplex(4096);
        let (rmcp_end, guard_end) = tokio::io::duplex(4096);
        let task = tokio::spawn(guard(guard_in, guard_out, guard_end));
        let mut client_in = client_in;
        client_in
            .write_all(b"{\"id\":1}\nnot json\n\n{\"id\":2}\n")
            .await
            .unwrap();
        drop(client_in);
        // rmcp's side: echoes what it received, then ends.
        let (rmcp_read, mut rmcp_write) = tokio::io::split(rmcp_end);
        let mut received = Vec::new();
        let mut r = BufReader::new(rmcp_read);
        tokio::io::AsyncReadExt::read_to_end(&mut r, &mut received)
            .await
            .unwrap();
        assert_eq!(received, b"{\"id\":1}\n\n{\"id\":2}\n");
        rmcp_write.write_all(b"{\"result\":1}\n").await.unwrap();
        rmcp_write.shutdown().await.unwrap();
        drop(rmcp_write);
        drop(r);
        task.await.unwrap();
        let mut out = String::new();
        let mut client_out = client_out;
        tokio::io::AsyncReadExt::read_to_string(&mut client_out, &mut out)
            .await
            .unwrap();
        assert_eq!(out, format!("{PARSE_ERROR}\n{{\"result\":1}}\n"));
    }
}
