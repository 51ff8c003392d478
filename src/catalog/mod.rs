//! The tool catalog: every tool's definition (name, description, schemas, annotations), its toolset, and its
//! handler. Built-in tools live in one file per family; more tools can be registered at run time
//! ([`Catalog::register`]). Which tools a server shows and runs is decided by [`governance`].

pub mod analytics;
pub mod args;
pub mod budget;
pub mod custom;
pub mod docs;
pub mod export;
pub mod export_format;
pub mod governance;
pub mod live;
pub mod metadata;
pub mod portable;
pub mod progress;
pub mod records;
pub mod records_write;
pub mod restlets;
pub mod suiteql;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rmcp::handler::server::tool::{schema_for_input, schema_for_output};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::netsuite::{ErrorClass, NetSuiteClient, NetSuiteError, RecordType};
use governance::Governance;

pub use args::parse_args;

/// Toolsets: name, on by default, what it holds.
pub const TOOLSETS: &[(&str, bool, &str)] = &[
    ("suiteql", true, "run_suiteql, export_suiteql"),
    ("records", true, "get_record, list_records"),
    (
        "records_write",
        true,
        "create_record, update_record, upsert_record",
    ),
    ("records_delete", false, "delete_record"),
    ("metadata", true, "list_record_types, describe_record_type"),
    (
        "analytics",
        true,
        "list_saved_searches, run_saved_search, list_datasets, run_dataset",
    ),
    ("restlets", false, "call_restlet"),
    (
        "custom",
        true,
        "tools defined by files in the tools directory",
    ),
];

/// Names of the built-in tools, read from [`Catalog::builtin`] itself (custom tool files may not take them).
pub fn builtin_tool_names() -> Vec<&'static str> {
    static BUILTIN: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(Catalog::builtin);
    BUILTIN.names()
}

pub use crate::config::{DEFAULT_MAX_RESULT_CHARS, MIN_MAX_RESULT_CHARS};

/// Why a tool call failed. [`crate::server`] turns each into an `isError` result, in one place.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// An argument is missing, malformed or out of range.
    #[error("invalid argument `{argument}`: {message}")]
    Argument { argument: String, message: String },
    /// This server's configuration does not allow it.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    NetSuite(#[from] NetSuiteError),
}

impl ToolError {
    pub fn argument(argument: impl Into<String>, message: impl Into<String>) -> Self {
        ToolError::Argument {
            argument: argument.into(),
            message: message.into(),
        }
    }
}

/// What every tool call gets: the NetSuite client and the server's governance.
#[derive(Clone)]
pub struct ToolContext {
    pub client: NetSuiteClient,
    pub governance: Arc<Governance>,
    /// Character budget of one result.
    pub max_result_chars: usize,
    /// Where this call reports progress; `None` when the client did not ask for it.
    pub progress: Option<Arc<dyn progress::ProgressSink>>,
    /// Where this call keeps export files (bound to the caller); `None` when the server keeps none.
    pub exports: Option<Arc<dyn export::ExportSink>>,
}

impl ToolContext {
    /// Validates a record type argument and checks it against the record-type allow-list.
    pub fn record_type(&self, argument: &str, raw: &str) -> Result<RecordType, ToolError> {
        let record_type = RecordType::parse(raw).map_err(|m| ToolError::argument(argument, m))?;
        self.governance.check_record_type(&record_type)?;
        Ok(record_type)
    }
}

/// A boxed tool future.
pub type ToolFuture = Pin<Box<dyn Future<Output = Result<Value, ToolError>> + Send>>;
/// A tool handler: arguments in, structured result out.
pub type ToolHandler = Arc<dyn Fn(ToolContext, JsonObject) -> ToolFuture + Send + Sync>;

/// One tool of the catalog.
#[derive(Clone)]
pub struct CatalogTool {
    /// The MCP definition: name, title, description, input and output schema, annotations.
    pub tool: Tool,
    /// The toolset that enables it.
    pub toolset: String,
    /// The `ui://` resource of the MCP App that shows this tool's results, if any. Listed as `_meta.ui.resourceUri`
    /// only to clients that announce the apps extension (see [`crate::server::apps`]).
    pub app: Option<&'static str>,
    handler: ToolHandler,
}

impl std::fmt::Debug for CatalogTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogTool")
            .field("name", &self.tool.name)
            .field("toolset", &self.toolset)
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

/// The four annotations, all set: read-only, destructive, idempotent, open-world.
pub fn annotations(
    title: &str,
    read_only: bool,
    destructive: bool,
    idempotent: bool,
    open_world: bool,
) -> ToolAnnotations {
    ToolAnnotations::from_raw(
        Some(title.to_owned()),
        Some(read_only),
        Some(destructive),
        Some(idempotent),
        Some(open_world),
    )
}

impl CatalogTool {
    /// A tool from a ready definition and a handler (runtime-defined tools).
    pub fn new(tool: Tool, toolset: impl Into<String>, handler: ToolHandler) -> Self {
        Self {
            tool,
            toolset: toolset.into(),
            app: None,
            handler,
        }
    }

    /// Shows this tool's results in the MCP App at `uri` (a `ui://` resource the server serves), for clients
    /// that support MCP Apps. Tools returning `run_suiteql`'s shape use [`suiteql::TABLE_APP_URI`].
    pub fn with_app(mut self, uri: &'static str) -> Self {
        self.app = Some(uri);
        self
    }

    /// A tool whose input `I` and output `O` are Rust types: the schemas come from them, arguments are
    /// deserialized (failures name the argument) and the result is serialized as structured content.
    pub fn typed<I, O, F, Fut>(
        name: &'static str,
        toolset: &'static str,
        description: &'static str,
        annotations: ToolAnnotations,
        f: F,
    ) -> Self
    where
        I: DeserializeOwned + JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
        F: Fn(ToolContext, I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
    {
        // Input types are plain structs deriving JsonSchema; their root is always an object.
        let mut input_schema = (*schema_for_input::<I>()
            .unwrap_or_else(|e| unreachable!("input schema of {name}: {e}")))
        .clone();
        portable::make_portable(&mut input_schema, portable::Side::Input);
        let output_schema = output_schema_of::<O>();
        let mut tool = Tool::new(name, description, input_schema)
            .with_raw_output_schema(Arc::new(output_schema));
        tool.title = annotations.title.clone();
        let tool = tool.with_annotations(annotations);
        let f = Arc::new(f);
        let handler: ToolHandler = Arc::new(move |ctx, args| {
            let f = Arc::clone(&f);
            Box::pin(async move {
                let input: I = parse_args(args)?;
                let output = f(ctx, input).await?;
                to_structured(&output)
            })
        });
        Self::new(tool, toolset, handler)
    }

    pub fn name(&self) -> &str {
        &self.tool.name
    }

    /// Whether the tool only reads (its `readOnlyHint`); read-only mode keeps only these.
    pub fn is_read_only(&self) -> bool {
        self.tool
            .annotations
            .as_ref()
            .and_then(|a| a.read_only_hint)
            .unwrap_or(false)
    }

    /// Runs the tool. When NetSuite answers that a record type, record or field does not exist, cached metadata
    /// of this identity is dropped, since the account's customization may have changed since it was read: the
    /// schema of the record type the call named (`record_type`), or everything when the call names none (a
    /// SuiteQL query's tables are not known here).
    pub fn call(&self, ctx: ToolContext, args: JsonObject) -> ToolFuture {
        let client = ctx.client.clone();
        let record_type = args
            .get("record_type")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let call = (self.handler)(ctx, args);
        Box::pin(async move {
            let outcome = call.await;
            if let Err(ToolError::NetSuite(NetSuiteError::Api(api))) = &outcome
                && metadata_may_be_stale(api.class())
            {
                match record_type {
                    // Not found may mean the type itself is gone: its name leaves the type list too.
                    Some(t) => client
                        .metadata_cache()
                        .forget_type(&t, api.class() == ErrorClass::NotFound),
                    None => client.metadata_cache().clear(),
                }
            }
            outcome
        })
    }
}

/// NetSuite errors that can mean the cached schemas are out of date (a type or field was removed or renamed).
fn metadata_may_be_stale(class: ErrorClass) -> bool {
    matches!(
        class,
        ErrorClass::NotFound | ErrorClass::InvalidParameter | ErrorClass::InvalidContent
    )
}

/// The portable output schema of a result type.
pub fn output_schema_of<O: JsonSchema + 'static>() -> JsonObject {
    let mut schema = (*schema_for_output::<O>()).clone();
    portable::make_portable(&mut schema, portable::Side::Output);
    schema
}

/// A result as structured content.
pub fn to_structured<O: Serialize>(output: &O) -> Result<Value, ToolError> {
    serde_json::to_value(output).map_err(|e| {
        ToolError::NetSuite(NetSuiteError::BadResponse {
            status: 200,
            reason: format!("cannot serialize the result: {e}"),
        })
    })
}

/// All tools a server knows, in a stable order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tools: Vec<CatalogTool>,
}

impl Catalog {
    /// The built-in tools of design.md §1.3.
    pub fn builtin() -> Self {
        let mut catalog = Catalog::default();
        for tool in [
            suiteql::run_suiteql(),
            export::export_suiteql(),
            records::get_record(),
            records::list_records(),
            records_write::create_record(),
            records_write::update_record(),
            records_write::upsert_record(),
            records_write::delete_record(),
            metadata::list_record_types(),
            metadata::describe_record_type(),
            analytics::list_saved_searches(),
            analytics::run_saved_search(),
            analytics::list_datasets(),
            analytics::run_dataset(),
            restlets::call_restlet(),
        ] {
            // Built-in names are distinct constants.
            catalog.tools.push(tool);
        }
        catalog
    }

    /// Adds a tool; refuses a name already taken.
    pub fn register(&mut self, tool: CatalogTool) -> Result<(), String> {
        if self.get(tool.name()).is_some() {
            return Err(format!("a tool named {:?} already exists", tool.name()));
        }
        self.tools.push(tool);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&CatalogTool> {
        self.tools.iter().find(|t| t.name() == name)
    }

    /// The names of the tools, in catalog order: the one list of built-in names (custom tool files may not take
    /// them).
    pub fn names(&self) -> Vec<&str> {
        self.tools.iter().map(CatalogTool::name).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &CatalogTool> {
        self.tools.iter()
    }
}
