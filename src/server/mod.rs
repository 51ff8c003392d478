//! The MCP server: tool list, dispatch, instructions, and the one place that turns failures into `isError`
//! results. Only malformed protocol requests (e.g. an unknown tool name) become JSON-RPC errors.
//!
//! The tool list can change while the server runs (custom tool files, see [`reload`]); the server declares
//! `tools.listChanged` and tells every connected client (see [`listeners`]).

pub mod apps;
pub mod builder;
mod completions;
mod confirm;
mod errors;
pub mod exports;
pub mod listeners;
mod malformed;
mod principal;
pub mod prompts;
pub mod reload;
pub mod resources;

use std::sync::Arc;
use std::time::Instant;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult,
    CustomRequest, CustomResult, GetPromptRequestParams, GetPromptResponse, Implementation,
    JsonObject, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig, SubscriptionFilter, Tool,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::catalog::governance::Governance;
use crate::catalog::live::LiveCatalog;
use crate::catalog::{Catalog, ToolContext, ToolError};
use crate::netsuite::{NetSuiteClient, NetSuiteError};

use crate::config::ExportsConfig;
pub use builder::{BuildError, PreparedServer, ServerBuilder};
pub use errors::{UNKNOWN_WRITE_WARNING, describe_error, error_result};
use errors::{outcome_unknown, text_error};
pub use listeners::Listeners;
pub use principal::{HttpCall, Principal};
pub use reload::Watcher;

/// What the server tells the assistant about working with it.
pub const INSTRUCTIONS: &str = "\
This server connects to one Oracle NetSuite account through its REST APIs. Workflow:
1. For a record type you have not used in this conversation, call list_record_types (to find its id) and \
describe_record_type (to learn its field ids and types) before querying or writing it. Guessing field names is the \
commonest cause of INVALID_PARAMETER errors.
2. To search, join, aggregate or report, use run_suiteql. SuiteQL is Oracle-style SQL: use FETCH FIRST n ROWS ONLY \
(or the limit argument), never LIMIT; strings in single quotes; booleans are 'T'/'F'; transactions are in the \
`transaction` table (type 'CustInvc', 'SalesOrd', 'VendBill', ...) with lines in `transactionline`. Values come back \
as strings. When the user names a saved search or dataset, or asks for a report their team already keeps in one, \
run_saved_search and run_dataset give the numbers they know (list_saved_searches and list_datasets find them). \
The resource netsuite://guides/suiteql has the SuiteQL rules with examples that run. For a whole result as a file \
(more rows than a reply can hold), export_suiteql writes CSV or JSON Lines and links to it.
3. To read one record completely (with sublists), use get_record; to list ids with a simple filter, list_records.
4. Paging: run_suiteql, list_records and the saved-search and dataset tools return at most `limit` rows from `offset`. When has_more is true, call again \
with offset = next_offset. Results are also cut to a size budget: then truncated is true and next_offset tells where \
to continue. Prefer selecting only the columns you need.
5. Writes (create_record, update_record, upsert_record, delete_record, call_restlet) change the user's live business \
data: state what you are about to change and get the user's agreement first. Tools this server's configuration \
disables are not listed and are refused.
6. Other tools you may see are custom tools made for this account, each doing one job (a fixed query or a \
RESTlet): when one fits, prefer it over writing SuiteQL. The tool list can change while you work.
Errors come back as tool results with NetSuite's status, error code, detail and a hint on what to do next.";

/// The MCP server over one NetSuite client. Clones share the catalog and the registry of connected clients (the
/// HTTP transport makes one clone per session).
#[derive(Clone)]
pub struct NetSuiteServer {
    catalog: Arc<LiveCatalog>,
    ctx: ToolContext,
    listeners: Listeners,
    tools_dir: Option<Arc<reload::ToolsDir>>,
    confirm: Arc<confirm::Confirmations>,
    exports: Arc<exports::ExportStore>,
}

impl NetSuiteServer {
    /// A server with exactly the tools of `catalog` (no tools directory).
    pub fn new(client: NetSuiteClient, catalog: Catalog, governance: Governance) -> Self {
        let max_result_chars = governance.max_result_chars;
        let exports = Arc::new(exports::ExportStore::new(ExportsConfig::default()));
        Self {
            catalog: Arc::new(LiveCatalog::new(catalog)),
            ctx: ToolContext {
                client,
                governance: Arc::new(governance),
                max_result_chars,
                progress: None,
                exports: Some(exports::OwnedExports::local(&exports)),
            },
            listeners: Listeners::default(),
            tools_dir: None,
            confirm: Arc::new(confirm::Confirmations::new(&Default::default())),
            exports,
        }
    }

    /// This server as one MCP request sees it: progress goes to that request's client (when it asked for
    /// progress), and exports belong to its session or principal.
    fn for_request(&self, context: &RequestContext<RoleServer>) -> Self {
        let mut server = self.clone();
        server.ctx.progress = exports::McpProgress::of(context);
        server.ctx.exports = Some(Arc::new(exports::OwnedExports {
            store: Arc::clone(&self.exports),
            owner: exports::owner_of(context),
        }));
        server
    }

    /// Builds a server from the built-in tools plus tools registered in Rust and a tools directory.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::new()
    }

    /// The tools this server exposes, as listed to clients.
    pub fn visible_tools(&self) -> Vec<Tool> {
        visible_tools(&self.catalog.snapshot(), &self.ctx.governance)
    }

    /// The tools as listed to one client: with `apps` (the client supports MCP Apps), tools that have an app carry
    /// `_meta.ui.resourceUri`.
    pub fn listed_tools(&self, apps: bool) -> Vec<Tool> {
        let catalog = self.catalog.snapshot();
        let tools = visible_tools(&catalog, &self.ctx.governance);
        if !apps {
            return tools;
        }
        tools
            .into_iter()
            .map(|t| match catalog.get(&t.name).and_then(|c| c.app) {
                Some(uri) => apps::with_ui_meta(t, uri),
                None => t,
            })
            .collect()
    }

    /// The clients told when the tool list changes.
    pub fn listeners(&self) -> &Listeners {
        &self.listeners
    }

    /// Starts watching the tools directory (inside a tokio runtime); changes are applied and announced until the
    /// returned [`Watcher`] is dropped. `None` without a tools directory or with a zero poll interval. Call it
    /// once per server (clones share the catalog, so one watcher serves them all).
    pub fn watch_tools_dir(&self) -> Option<Watcher> {
        self.watch_tools_dir_shared(None)
    }

    /// [`NetSuiteServer::watch_tools_dir`] for one of several instances sharing the tools directory: a change
    /// this instance applies is published through `fanout`, and a change another instance published makes this
    /// one re-read the directory at once and tell its own clients.
    pub fn watch_tools_dir_shared(
        &self,
        fanout: Option<crate::scale::fanout::Fanout>,
    ) -> Option<Watcher> {
        let tools = self.tools_dir.as_deref()?;
        if tools.poll.is_zero() {
            return None;
        }
        tracing::info!(dir = %tools.dir.display(), poll_ms = tools.poll.as_millis() as u64, "watching the tools directory");
        Some(reload::spawn(
            tools.clone(),
            Arc::clone(&self.catalog),
            self.listeners.clone(),
            fanout,
        ))
    }

    /// Reloads the tools directory now and announces a change; says whether the tool definitions changed.
    pub async fn reload_tools(&self) -> bool {
        let Some(tools) = self.tools_dir.as_deref() else {
            return false;
        };
        let (live, dir) = (Arc::clone(&self.catalog), tools.dir.clone());
        let changed = tokio::task::spawn_blocking(move || reload::load_custom(&live, &dir))
            .await
            .unwrap_or(false);
        if changed {
            self.listeners.notify_tool_list_changed().await;
        }
        changed
    }

    /// Runs a tool by name. `Err` only for a name no tool has; every other failure is an `isError` result.
    /// Cancelling `ct` drops the call, and with it any NetSuite request in flight.
    pub async fn call(
        &self,
        name: &str,
        arguments: Option<JsonObject>,
        ct: CancellationToken,
    ) -> Result<CallToolResult, McpError> {
        self.call_as(name, arguments, ct, None).await
    }

    /// [`NetSuiteServer::call`] for `principal`: their NetSuite identity when they have one, and their
    /// narrowing of the governance (a read-only principal runs no tool that writes).
    pub async fn call_as(
        &self,
        name: &str,
        arguments: Option<JsonObject>,
        ct: CancellationToken,
        principal: Option<&Principal>,
    ) -> Result<CallToolResult, McpError> {
        let catalog = self.catalog.snapshot();
        self.call_in(&catalog, name, arguments, ct, principal).await
    }

    /// [`NetSuiteServer::call_as`] on the tools of `catalog`: the snapshot a confirmation was asked on, so that
    /// what runs is the tool the user confirmed even if the tools directory changed meanwhile.
    async fn call_in(
        &self,
        catalog: &crate::catalog::Catalog,
        name: &str,
        arguments: Option<JsonObject>,
        ct: CancellationToken,
        principal: Option<&Principal>,
    ) -> Result<CallToolResult, McpError> {
        let Some(tool) = catalog.get(name) else {
            return Err(McpError::invalid_params(
                format!("unknown tool {name:?}"),
                None,
            ));
        };
        if let Err(hidden) = self.ctx.governance.check(tool) {
            tracing::info!(tool = name, "refused a call to a disabled tool");
            return Ok(text_error(format!(
                "The tool `{name}` is not available on this server: {hidden}."
            )));
        }
        let mut ctx = self.ctx.clone();
        if let Some(p) = principal {
            tracing::info!(tool = name, subject = %p.subject, client_id = ?p.client_id, "tool call");
            if p.read_only && !tool.is_read_only() {
                return Ok(text_error(format!(
                    "The tool `{name}` writes to NetSuite, and this sign-in may only read (its token lacks the \
                     write scope). Sign in again granting write access, or use a tool that reads."
                )));
            }
            if let Some(client) = &p.netsuite {
                ctx.client = client.clone();
            }
        }
        let started = Instant::now();
        let call = tool.call(ctx, arguments.unwrap_or_default());
        let outcome = tokio::select! {
            biased;
            () = ct.cancelled() => {
                tracing::info!(tool = name, "call cancelled by the client; its NetSuite request was dropped");
                return Ok(text_error("The call was cancelled.".to_owned()));
            }
            outcome = call => outcome,
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(value) => {
                tracing::info!(tool = name, elapsed_ms, "tool call succeeded");
                Ok(CallToolResult::structured(value))
            }
            Err(err) => {
                tracing::info!(tool = name, elapsed_ms, error = %err, "tool call failed");
                if let Some(p) = principal.filter(|p| p.netsuite.is_some())
                    && matches!(&err, ToolError::NetSuite(NetSuiteError::Auth(e)) if e.needs_login())
                {
                    if let Some(end) = &p.end_session {
                        end();
                    }
                    return Ok(text_error(
                        "Your NetSuite sign-in has ended (NetSuite no longer accepts it: it expired or was \
                         revoked). Nothing was sent to NetSuite. Reconnect this server in your MCP client to \
                         sign in again, then repeat the call."
                            .to_owned(),
                    ));
                }
                if !tool.is_read_only() && outcome_unknown(&err) {
                    return Ok(text_error(format!(
                        "{}\n{UNKNOWN_WRITE_WARNING}",
                        describe_error(&err)
                    )));
                }
                Ok(error_result(&err))
            }
        }
    }
}

/// Tool definitions as listed, adjusted to the governance: with a record-type allow-list, `record_type`
/// arguments list the allowed values.
pub fn visible_tools(catalog: &Catalog, governance: &Governance) -> Vec<Tool> {
    governance
        .visible(catalog)
        .map(|t| {
            let mut tool = t.tool.clone();
            if let Some(allowed) = &governance.record_types {
                restrict_record_type(&mut tool, allowed.iter().cloned().collect());
            }
            tool
        })
        .collect()
}

fn restrict_record_type(tool: &mut Tool, allowed: Vec<String>) {
    let mut schema = tool.input_schema.as_ref().clone();
    let Some(Value::Object(prop)) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut("record_type"))
    else {
        return;
    };
    prop.insert("enum".into(), Value::from(allowed));
    tool.input_schema = Arc::new(schema);
}

/// The principal the HTTP transport attached to this request, if any.
fn principal_of(context: &RequestContext<RoleServer>) -> Option<&Principal> {
    context
        .extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Principal>())
}

impl ServerHandler for NetSuiteServer {
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        Err(malformed::answer(&request))
    }

    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .enable_resources()
                .enable_prompts()
                .enable_completions()
                .build(),
        )
        .with_server_info(
            Implementation::new("netsuite-mcp", env!("CARGO_PKG_VERSION")).with_title("NetSuite"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let apps = apps::client_supports_apps(context.client_capabilities().as_ref());
        let mut tools = self.listed_tools(apps);
        if principal_of(&context).is_some_and(|p| p.read_only) {
            tools.retain(|t| {
                t.annotations
                    .as_ref()
                    .and_then(|a| a.read_only_hint)
                    .unwrap_or(false)
            });
        }
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let apps = apps::client_supports_apps(context.client_capabilities().as_ref());
        Ok(self.resource_list(apps))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(self.resource_template_list())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        if request.uri.starts_with(exports::EXPORT_URI_PREFIX) {
            return self
                .exports
                .read_resource(&exports::owner_of(&context), &request.uri)
                .map(ReadResourceResponse::from)
                .map_err(|e| McpError::resource_not_found(e.to_string(), None));
        }
        self.read_resource_as(&request.uri, principal_of(&context))
            .await
            .map(ReadResourceResponse::from)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(prompts::list(self.tool_visible("run_suiteql")))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let suiteql = self.tool_visible("run_suiteql");
        prompts::get(suiteql, &request.name, request.arguments.as_ref())
            .map(GetPromptResponse::from)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        self.complete_as(&request, principal_of(&context)).await
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        self.listeners.add_session(context.peer);
    }

    fn accepted_subscription_filter(
        &self,
        _requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(SubscriptionFilter::builder().tools_list_changed().build())
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        if context.accepted().tools_list_changed == Some(true) {
            let id = self.listeners.add_subscription(context.sink().clone());
            context.cancelled().await;
            self.listeners.remove(id);
        } else {
            context.cancelled().await;
        }
        Ok(())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.visible_tools().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let principal = principal_of(&context).cloned();
        let arguments = request.arguments.unwrap_or_default();
        let asked = confirm::Asked {
            name: &request.name,
            arguments: &arguments,
            request_state: request.request_state.as_deref(),
            input_responses: request.input_responses.as_ref(),
        };
        let catalog = self.catalog.snapshot();
        if let Some(stop) = self
            .confirm_step(&catalog, &asked, &context, principal.as_ref())
            .await
        {
            return Ok(stop);
        }
        self.for_request(&context)
            .call_in(
                &catalog,
                &request.name,
                Some(arguments),
                context.ct,
                principal.as_ref(),
            )
            .await
            .map(|result| exports::link_result(&request.name, result))
            .map(CallToolResponse::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allow_list_becomes_an_enum_on_record_type() {
        let catalog = Catalog::builtin();
        let g = Governance {
            record_types: Some(["customer".to_owned()].into()),
            ..Governance::default()
        };
        let tools = visible_tools(&catalog, &g);
        let get = tools.iter().find(|t| t.name == "get_record").unwrap();
        assert_eq!(
            get.input_schema["properties"]["record_type"]["enum"],
            serde_json::json!(["customer"])
        );
    }
}
