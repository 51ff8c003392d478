//! Adding a tool in Rust: a typed `customer_balance` tool served next to the built-in tools and the tool files of
//! `./tools`, over stdio.
//!
//! Try it against the embedded sandbox (no NetSuite account needed):
//!
//! ```text
//! cargo run --example custom_tool -- --sandbox
//! ```
//!
//! Against an account, set the `NETSUITE_*` variables (see the README) and run it without `--sandbox`.

use netsuite_mcp::catalog::custom::CUSTOM_TOOLSET;
use netsuite_mcp::catalog::{CatalogTool, ToolContext, ToolError, annotations};
use netsuite_mcp::commands::wiring;
use netsuite_mcp::config::{ServerConfig, Settings};
use netsuite_mcp::netsuite::ClientOptions;
use netsuite_mcp::sandbox::start_with_generated_credentials;
use netsuite_mcp::server::NetSuiteServer;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments: field docs become the descriptions in the tool's input schema.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BalanceInput {
    /// Internal id of the customer, e.g. 107 (find_customers returns it).
    pub customer_id: u32,
}

/// The result: its schema becomes the tool's output schema.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Balance {
    /// The customer's internal id.
    pub customer_id: u32,
    /// Company name.
    pub company_name: Option<String>,
    /// Open balance in the customer's currency, as NetSuite returns it.
    pub balance: Option<String>,
}

/// The tool: name, toolset, description for the model, annotations (read-only, destructive, idempotent,
/// open-world), and an async handler from typed input to typed output.
pub fn customer_balance() -> CatalogTool {
    CatalogTool::typed(
        "customer_balance",
        CUSTOM_TOOLSET,
        "The open balance of one customer, with its company name. Use find_customers first to get the id.",
        annotations("Customer balance", true, false, true, true),
        |ctx: ToolContext, input: BalanceInput| async move {
            // The id is a number, so writing it into the query cannot change the query's structure.
            let query = format!(
                "SELECT id, companyname, balance FROM customer WHERE id = {}",
                input.customer_id
            );
            let window = ctx.client.suiteql(&query, 0, 1).await?;
            let Some(row) = window.rows.first() else {
                return Err(ToolError::argument(
                    "customer_id",
                    format!("no customer has the id {}", input.customer_id),
                ));
            };
            let column = |name: &str| {
                let at = window.columns.iter().position(|c| c == name)?;
                row.get(at)?.as_str().map(str::to_owned)
            };
            Ok(Balance {
                customer_id: input.customer_id,
                company_name: column("companyname"),
                balance: column("balance"),
            })
        },
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // stdout carries the protocol: logs go to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let mut sandbox = None;
    let settings = if std::env::args().any(|a| a == "--sandbox") {
        let local = start_with_generated_credentials(0)
            .await
            .map_err(|e| format!("cannot start the sandbox: {e}"))?;
        let settings = local.settings.clone();
        sandbox = Some(local);
        settings
    } else {
        Settings::load(None, None, Settings::default(), |k| std::env::var(k).ok())?
    };
    let client = wiring::netsuite_client(settings.netsuite()?, ClientOptions::default())?;
    let server = NetSuiteServer::builder()
        .config(&ServerConfig::from_settings(&settings)?)
        .tool(customer_balance())
        .build(client)?;
    let _watch = server.watch_tools_dir();
    netsuite_mcp::transport::stdio::serve(server).await?;
    if let Some(local) = sandbox {
        local.handle.shutdown().await;
    }
    Ok(())
}
