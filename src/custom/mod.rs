//! Custom tools from TOML files (design.md §1.4): file format, loading with `file:line` problems, typed
//! injection-safe SuiteQL rendering, RESTlet requests as data, and input schemas. Knows nothing about MCP: the
//! server turns a [`CustomTool`] into an MCP tool and runs the [`Call`] that [`CustomTool::prepare`] returns.
//!
//! Arguments are untrusted. A model can choose values, never structure: each `{{placeholder}}` becomes one
//! literal of the declared type, and a RESTlet tool's script, deployment and method come only from the file.

mod loader;
mod params;
mod render;
pub mod restlet;
mod schema;
mod spec;
mod template;
mod toml_source;
mod value;
mod watch;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

pub use loader::{LoadError, LoadReport, MAX_FILE_BYTES, Problem, load_dir, parse_tool};
pub use render::{sql_literal, sql_value};
pub use restlet::{RESERVED_QUERY_PARAMS, RestletCall};
pub use spec::{
    ArgValue, DEFAULT_LIMIT, MAX_LIMIT, MAX_LIST_LEN, Method, Param, ParamType, Pattern, Scalar,
    ScalarType, ToolKind,
};
pub use template::{Placeholder, Template, TemplateIssue};
pub use value::{MAX_JSON_STRING_BYTES, MAX_SQL_STRING_BYTES};
pub use watch::DirState;

/// Checks one value of type `ty` for use in SuiteQL text (the same checks custom tool arguments pass: no control
/// or bidirectional characters, a length cap, real dates); render it with [`sql_literal`].
pub fn sql_scalar(ty: ScalarType, v: &Json) -> Result<Scalar, String> {
    value::parse_scalar(ty, v, value::Target::Sql)
}

use value::Target;

/// Paging argument of every suiteql tool: rows per page.
pub const LIMIT_ARG: &str = "limit";
/// Paging argument of every suiteql tool: rows to skip.
pub const OFFSET_ARG: &str = "offset";

/// A loaded, fully checked custom tool.
#[derive(Debug, Clone)]
pub struct CustomTool {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) read_only: bool,
    /// Tools that write: whether the change may destroy data (the file's `destructive`, default true).
    pub(crate) destructive: bool,
    pub(crate) kind: ToolKind,
    pub(crate) params: Vec<Param>,
    pub(crate) source: PathBuf,
}

/// MCP tool annotations, as plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    /// readOnlyHint.
    pub read_only: bool,
    /// destructiveHint.
    pub destructive: bool,
    /// idempotentHint.
    pub idempotent: bool,
    /// openWorldHint.
    pub open_world: bool,
}

/// A bad argument: which one and why, for an `isError` result the model can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("argument `{param}`: {message}")]
pub struct ArgError {
    /// The parameter (or unknown argument) name.
    pub param: String,
    /// What is wrong with it.
    pub message: String,
}

impl ArgError {
    fn new(param: &str, message: impl Into<String>) -> Self {
        ArgError {
            param: param.to_owned(),
            message: message.into(),
        }
    }
}

/// A SuiteQL query ready to run, with the page asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteqlCall {
    /// The rendered query (exactly one statement).
    pub query: String,
    /// Rows per page, 1–1000.
    pub limit: u32,
    /// Rows to skip (any value; the caller aligns it to NetSuite's paging like `run_suiteql` does).
    pub offset: u32,
}

/// What running a custom tool means for one set of arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// Run this query and shape the result like `run_suiteql`.
    Suiteql(SuiteqlCall),
    /// Send this RESTlet request.
    Restlet(RestletCall),
}

impl CustomTool {
    /// Tool name (unique, `[a-z][a-z0-9_]*`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Model-facing description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Declared read-only (suiteql tools always are); read-only mode hides the others.
    pub fn read_only(&self) -> bool {
        self.read_only
    }
    /// What the tool runs.
    pub fn kind(&self) -> &ToolKind {
        &self.kind
    }
    /// Parameters in file order.
    pub fn params(&self) -> &[Param] {
        &self.params
    }
    /// The file the tool came from.
    pub fn source(&self) -> &Path {
        &self.source
    }
    /// Default page size of a suiteql tool.
    pub fn default_limit(&self) -> Option<u32> {
        match &self.kind {
            ToolKind::Suiteql { limit, .. } => Some(*limit),
            ToolKind::Restlet { .. } => None,
        }
    }

    /// Annotations from the kind, `read_only` and `destructive`: read-only tools are `true/false/true/true` like
    /// every built-in read; other RESTlet tools are `false/true/false/true` like `call_restlet`, since the script
    /// may do anything, or `false/false/false/true` when the file declares `destructive = false`.
    pub fn annotations(&self) -> Annotations {
        if self.read_only {
            Annotations {
                read_only: true,
                destructive: false,
                idempotent: true,
                open_world: true,
            }
        } else {
            Annotations {
                read_only: false,
                destructive: self.destructive,
                idempotent: false,
                open_world: true,
            }
        }
    }

    /// JSON Schema of the input: `type: object`, `properties`, `required`, `additionalProperties: false`.
    pub fn input_schema(&self) -> Map<String, Json> {
        schema::input_schema(self)
    }

    /// Checks `args` and builds the call. Unknown arguments are refused; `null` counts as absent (clients often
    /// send it for optional arguments), so the default applies or a required parameter is reported missing.
    pub fn prepare(&self, args: &Map<String, Json>) -> Result<Call, ArgError> {
        match &self.kind {
            ToolKind::Suiteql { template, limit } => {
                let values = self.check_args(args, Target::Sql, &[LIMIT_ARG, OFFSET_ARG])?;
                let query = render::render(template, |name| values.get(name)).map_err(|e| {
                    ArgError::new("", format!("internal error rendering the query: {e}"))
                })?;
                let limit =
                    paging_arg(args, LIMIT_ARG, i64::from(*limit), 1, i64::from(MAX_LIMIT))?;
                let offset = paging_arg(args, OFFSET_ARG, 0, 0, i64::from(u32::MAX))?;
                Ok(Call::Suiteql(SuiteqlCall {
                    query,
                    // Both are within their ranges (1..=MAX_LIMIT and 0..), so the conversions cannot fail.
                    limit: u32::try_from(limit).unwrap_or(MAX_LIMIT),
                    offset: u32::try_from(offset).unwrap_or(0),
                }))
            }
            ToolKind::Restlet {
                script,
                deploy,
                method,
            } => {
                let values = self.check_args(args, Target::Restlet, &[])?;
                let mut call = RestletCall {
                    script: script.clone(),
                    deploy: deploy.clone(),
                    method: *method,
                    query: Vec::new(),
                    body: None,
                };
                if method.has_body() {
                    let body: Map<String, Json> = self
                        .params
                        .iter()
                        .filter_map(|p| {
                            Some((p.name.clone(), restlet::json_value(values.get(&p.name)?)))
                        })
                        .collect();
                    call.body = Some(Json::Object(body));
                } else {
                    for p in &self.params {
                        if let Some(v) = values.get(&p.name) {
                            let text =
                                restlet::query_value(v).map_err(|e| ArgError::new(&p.name, e))?;
                            call.query.push((p.name.clone(), text));
                        }
                    }
                }
                Ok(Call::Restlet(call))
            }
        }
    }

    fn check_args(
        &self,
        args: &Map<String, Json>,
        target: Target,
        extra: &[&str],
    ) -> Result<HashMap<String, ArgValue>, ArgError> {
        if let Some(unknown) = args
            .keys()
            .find(|k| !extra.contains(&k.as_str()) && !self.params.iter().any(|p| &p.name == *k))
        {
            let mut known: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
            known.extend_from_slice(extra);
            let known = if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            };
            return Err(ArgError::new(
                unknown,
                format!("unknown argument; this tool takes: {known}"),
            ));
        }
        let mut values = HashMap::new();
        for p in &self.params {
            let given = args.get(&p.name).filter(|v| !v.is_null());
            let Some(v) = given.or(p.default.as_ref()) else {
                return Err(ArgError::new(&p.name, "required argument is missing"));
            };
            let checked = value::check(p, v, target).map_err(|e| ArgError::new(&p.name, e))?;
            values.insert(p.name.clone(), checked);
        }
        Ok(values)
    }
}

/// A paging argument: an integer in `min..=max`, or `default` when absent or null.
fn paging_arg(
    args: &Map<String, Json>,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ArgError> {
    let Some(v) = args.get(name).filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    let range = format!("an integer from {min} to {max}");
    match value::parse_scalar(ScalarType::Integer, v, Target::Sql) {
        Ok(Scalar::Integer(n)) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ArgError::new(name, format!("must be {range}, got {v}"))),
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}
