//! Custom tools from files (design.md §1.4) as catalog tools of the toolset `custom`. The definition comes from
//! the [`CustomTool`]; a call is checked and built by [`CustomTool::prepare`] and then runs through the same code
//! as `run_suiteql` (paging, result shape, character budget) or `call_restlet`.

use std::path::Path;
use std::sync::Arc;

use reqwest::Method as HttpMethod;
use rmcp::model::{JsonObject, Tool};
use serde_json::Value;

use super::portable::{Side, make_portable};
use super::{CatalogTool, ToolContext, ToolError, ToolHandler, annotations, restlets, suiteql};
use crate::custom::{self, ArgError, Call, CustomTool, LoadError, Method, Problem, ToolKind};

/// The toolset of every tool loaded from the tools directory (on by default).
pub const CUSTOM_TOOLSET: &str = "custom";

/// The tools of one load of the tools directory, and the problems of the files that were skipped.
#[derive(Debug, Default)]
pub struct LoadedTools {
    /// One catalog tool per valid file, ordered by file name.
    pub tools: Vec<CatalogTool>,
    /// Problems of the skipped files, as `file:line: message`.
    pub problems: Vec<Problem>,
}

/// Loads `dir`, refusing the names in `reserved` (the tools already in the catalog).
pub fn load(dir: &Path, reserved: &[&str]) -> Result<LoadedTools, LoadError> {
    let report = custom::load_dir(dir, reserved)?;
    Ok(LoadedTools {
        tools: report.tools.into_iter().map(catalog_tool).collect(),
        problems: report.problems,
    })
}

/// The catalog tool for one custom tool.
pub fn catalog_tool(custom: CustomTool) -> CatalogTool {
    let mut input = custom.input_schema();
    make_portable(&mut input, Side::Input);
    let is_suiteql = matches!(custom.kind(), ToolKind::Suiteql { .. });
    let output = match custom.kind() {
        ToolKind::Suiteql { .. } => suiteql::output_schema(),
        ToolKind::Restlet { .. } => restlets::output_schema(),
    };
    let a = custom.annotations();
    let title = title_of(custom.name());
    let mut tool = Tool::new(
        custom.name().to_owned(),
        custom.description().to_owned(),
        input,
    )
    .with_raw_output_schema(Arc::new(output));
    tool.title = Some(title.clone());
    let tool = tool.with_annotations(annotations(
        &title,
        a.read_only,
        a.destructive,
        a.idempotent,
        a.open_world,
    ));
    let custom = Arc::new(custom);
    let handler: ToolHandler = Arc::new(move |ctx, args| {
        let custom = Arc::clone(&custom);
        Box::pin(async move { run(&custom, ctx, args).await })
    });
    let catalog_tool = CatalogTool::new(tool, CUSTOM_TOOLSET, handler);
    if is_suiteql {
        catalog_tool.with_app(suiteql::TABLE_APP_URI)
    } else {
        catalog_tool
    }
}

async fn run(tool: &CustomTool, ctx: ToolContext, args: JsonObject) -> Result<Value, ToolError> {
    match tool.prepare(&args).map_err(argument_error)? {
        Call::Suiteql(c) => {
            let result = suiteql::run(&ctx, &c.query, c.offset, c.limit).await?;
            super::to_structured(&result)
        }
        Call::Restlet(c) => {
            let result = restlets::send(
                &ctx,
                &c.script,
                &c.deploy,
                http_method(c.method),
                &c.query,
                c.body.as_ref(),
            )
            .await?;
            super::to_structured(&result)
        }
    }
}

/// An argument error names the argument; the only error without one is an internal rendering failure.
fn argument_error(e: ArgError) -> ToolError {
    if e.param.is_empty() {
        ToolError::Refused(e.message)
    } else {
        ToolError::argument(e.param, e.message)
    }
}

fn http_method(m: Method) -> HttpMethod {
    match m {
        Method::Get => HttpMethod::GET,
        Method::Post => HttpMethod::POST,
        Method::Put => HttpMethod::PUT,
        Method::Delete => HttpMethod::DELETE,
    }
}

/// `open_invoices` → `Open invoices`.
fn title_of(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(text: &str) -> CatalogTool {
        catalog_tool(
            custom::parse_tool(
                Path::new("t.toml"),
                text,
                &crate::catalog::builtin_tool_names(),
            )
            .unwrap(),
        )
    }

    #[test]
    fn titles_read_like_words() {
        assert_eq!(title_of("open_invoices"), "Open invoices");
        assert_eq!(title_of("x"), "X");
    }

    #[test]
    fn a_restlet_tool_writes_unless_declared_read_only() {
        let t = tool(
            "name = \"post_it\"\ndescription = \"Posts a thing to a RESTlet for the test.\"\nkind = \"restlet\"\n\
             script = \"customscript_x\"\ndeploy = 1\nmethod = \"POST\"\n",
        );
        assert!(!t.is_read_only());
        let a = t.tool.annotations.clone().unwrap();
        assert_eq!(
            (a.destructive_hint, a.idempotent_hint, a.open_world_hint),
            (Some(true), Some(false), Some(true))
        );
        assert_eq!(t.toolset, CUSTOM_TOOLSET);
        assert_eq!(
            t.tool.output_schema.as_ref().unwrap()["required"],
            serde_json::json!(["status", "body"])
        );
    }

    #[test]
    fn a_suiteql_tool_reads_and_shares_run_suiteqls_output_schema() {
        let t = tool(
            "name = \"ids\"\ndescription = \"Customer ids for the test, in order.\"\nkind = \"suiteql\"\n\
             query = \"SELECT id FROM customer WHERE id > {{min}}\"\n[params.min]\ntype = \"integer\"\n\
             description = \"Lower bound\"\n",
        );
        assert!(t.is_read_only());
        assert_eq!(
            t.tool.output_schema,
            suiteql::run_suiteql().tool.output_schema
        );
        let input = &t.tool.input_schema;
        assert_eq!(input["type"], "object");
        assert!(input["properties"].get("min").is_some());
        assert!(input["properties"].get("limit").is_some());
        assert_eq!(t.tool.title.as_deref(), Some("Ids"));
    }
}
