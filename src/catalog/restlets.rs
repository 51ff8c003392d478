//! `call_restlet` (toolset `restlets`, off by default).

use reqwest::Method;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::args::string_or_number;
use super::{CatalogTool, ToolContext, ToolError, annotations};
use crate::netsuite::restlet::is_script_id;

/// HTTP method of a RESTlet call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[schemars(inline)]
pub enum RestletMethod {
    #[default]
    Get,
    Post,
    Put,
    Delete,
}

/// Arguments of `call_restlet`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallRestletInput {
    /// Script id: the internal id (e.g. `42`) or the script id (e.g. `customscript_order_api`).
    #[serde(deserialize_with = "string_or_number")]
    pub script: String,
    /// Deployment id: the internal id (e.g. `1`) or the deployment id (e.g. `customdeploy1`).
    #[serde(deserialize_with = "string_or_number")]
    pub deploy: String,
    /// HTTP method the RESTlet implements: GET (default), POST, PUT or DELETE.
    #[serde(default)]
    pub method: RestletMethod,
    /// Query parameters for the script, as an object of strings, numbers or booleans, e.g.
    /// `{"customer": "107", "status": "open"}`. `script` and `deploy` cannot be set here.
    #[serde(default)]
    pub params: Option<Map<String, Value>>,
    /// JSON body for POST and PUT, e.g. `{"orderId": "5012"}`. Not allowed with GET and DELETE.
    #[serde(default)]
    pub body: Option<Value>,
}

/// What the RESTlet returned.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CallRestletResult {
    /// HTTP status.
    pub status: u16,
    /// The response: JSON when it is JSON, otherwise the text.
    pub body: Value,
}

fn params(raw: Option<Map<String, Value>>) -> Result<Vec<(String, String)>, ToolError> {
    let mut out = Vec::new();
    for (k, v) in raw.unwrap_or_default() {
        if crate::custom::restlet::RESERVED_QUERY_PARAMS
            .iter()
            .any(|r| k.eq_ignore_ascii_case(r))
        {
            return Err(ToolError::argument(
                "params",
                format!(
                    "{k:?} is reserved: NetSuite uses it to choose the script or account (script and deploy are \
                     set by their own arguments)"
                ),
            ));
        }
        let v = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(ToolError::argument(
                    "params",
                    format!("{k:?} must be a string, number or boolean, not {other}"),
                ));
            }
        };
        out.push((k, v));
    }
    Ok(out)
}

pub fn call_restlet() -> CatalogTool {
    CatalogTool::typed(
        "call_restlet",
        "restlets",
        "Call a RESTlet (a custom SuiteScript endpoint deployed in this NetSuite account) and return its HTTP \
         status and response body. Use it only for scripts the user named or that are known to exist: what a \
         RESTlet does is up to its script, and it may change data. GET and DELETE take `params` only; POST and \
         PUT also take a JSON `body`. Errors with SSS_INVALID_SCRIPTLET_ID when the script or deployment does \
         not exist.",
        annotations("Call RESTlet", false, true, false, true),
        |ctx: ToolContext, input: CallRestletInput| async move {
            for (argument, value) in [("script", &input.script), ("deploy", &input.deploy)] {
                if !is_script_id(value) {
                    return Err(ToolError::argument(
                        argument,
                        format!(
                            "{value:?} is not an id: use digits or letters, digits and _ (e.g. customscript_x)"
                        ),
                    ));
                }
            }
            let method = match input.method {
                RestletMethod::Get => Method::GET,
                RestletMethod::Post => Method::POST,
                RestletMethod::Put => Method::PUT,
                RestletMethod::Delete => Method::DELETE,
            };
            if input.body.is_some()
                && matches!(input.method, RestletMethod::Get | RestletMethod::Delete)
            {
                return Err(ToolError::argument(
                    "body",
                    "GET and DELETE RESTlet calls cannot carry a body; pass values in `params` or use POST",
                ));
            }
            let params = params(input.params)?;
            send(
                &ctx,
                &input.script,
                &input.deploy,
                method,
                &params,
                input.body.as_ref(),
            )
            .await
        },
    )
}

/// Sends one RESTlet request; `call_restlet` and every custom RESTlet tool go through here. The script and
/// deployment must already be checked ids.
pub async fn send(
    ctx: &ToolContext,
    script: &str,
    deploy: &str,
    method: Method,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Result<CallRestletResult, ToolError> {
    let response = ctx
        .client
        .call_restlet(script, deploy, method, query, body)
        .await?;
    Ok(CallRestletResult {
        status: response.status,
        body: response.body,
    })
}

/// The output schema of every RESTlet tool (portable).
pub fn output_schema() -> JsonObject {
    super::output_schema_of::<CallRestletResult>()
}
