//! Confirmations before writes (`NETSUITE_MCP_CONFIRM_WRITES`): when the client can ask its user (MCP
//! elicitation), a write in scope is shown to the user as one line (tool, record, fields) and runs only if they
//! accept; declined or dismissed, nothing is sent to NetSuite and the result says so.
//!
//! Three paths, by what the client speaks:
//! - **2026-07-28 clients** get an `input_required` result: the elicitation to show, and a `requestState` the client
//!   echoes back with the answer. The state is sealed (HMAC, [`RequestStateCodec`]) and bound to the principal, the
//!   tool and a digest of the arguments, expires after [`CONFIRMATION_TTL`], and is redeemed once (a marker per
//!   state, kept until it expires). Instances that share `NETSUITE_MCP_STATE_KEY` accept each other's states; the
//!   single-use markers are per process.
//! - **Older clients with a session** (stdio, stateful HTTP) get an `elicitation/create` request while the call
//!   waits.
//! - **Clients without elicitation**, and older clients over stateless HTTP (which cannot answer a request from the
//!   server), run the call as before: the tool annotations let the host ask.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use rmcp::model::{
    CallToolResult, ClientCapabilities, ContentBlock, ElicitRequest, ElicitRequestParams,
    ElicitResult, ElicitationAction, ElicitationSchema, InputRequest, InputRequests,
    InputRequiredResult, JsonObject, RequestStateCodec, SealOptions,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use rmcp::RoleServer;
use rmcp::model::{CallToolResponse, ProtocolVersion};
use rmcp::service::RequestContext;

use super::{NetSuiteServer, Principal};
use crate::catalog::CatalogTool;
use crate::config::{ConfirmConfig, ConfirmMode};

/// How long the user has to answer a confirmation (and how long a sealed state is valid).
pub const CONFIRMATION_TTL: Duration = Duration::from_secs(10 * 60);

/// The key of our one input request in an `input_required` result.
const INPUT_KEY: &str = "confirm";

/// Label the sealing key is derived under, so it never equals a key derived from the state key for another use.
const KEY_LABEL: &[u8] = b"netsuite-mcp write confirmations v1";

/// Longest argument value shown in a summary.
const MAX_VALUE_CHARS: usize = 60;

/// What happens to a call after the confirmation step.
#[derive(Debug)]
pub enum Gate {
    /// Run the tool.
    Proceed,
    /// Ask first: return this to a 2026-07-28 client.
    Ask(InputRequiredResult),
    /// Ask first over the session (older clients): this question, about this change.
    AskOverSession {
        params: ElicitRequestParams,
        summary: String,
    },
    /// Do not run; this is the result.
    Stop(CallToolResult),
}

/// The confirmation policy and the key and markers for sealed states. One per server, shared by its clones.
pub struct Confirmations {
    mode: ConfirmMode,
    codec: RequestStateCodec,
    /// Sealed states already redeemed, until they expire.
    redeemed: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for Confirmations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Confirmations")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// What the sealed `requestState` holds: readable by the client (signed, not encrypted), so nothing secret.
#[derive(Serialize, Deserialize)]
struct Sealed {
    /// A random id, redeemed once.
    n: String,
    /// The tool (also in the associated data; here for the log).
    t: String,
}

struct KeyLen;
impl KeyType for KeyLen {
    fn len(&self) -> usize {
        32
    }
}

impl Confirmations {
    /// The policy of `config`; the sealing key derives from the state key, or is random for this process.
    pub fn new(config: &ConfirmConfig) -> Self {
        let mut key = [0u8; 32];
        let derived = config
            .key
            .as_ref()
            .and_then(|secret| derive(secret, &mut key));
        if derived.is_none() {
            // A failing system random source leaves no safe key: confirmations then cannot be redeemed, which
            // refuses writes in scope rather than running them unconfirmed.
            if SystemRandom::new().fill(&mut key).is_err() {
                tracing::error!(
                    "the secure random source failed; confirmed writes will be refused"
                );
            }
        }
        // 32 bytes meets the codec's minimum, so `new_unchecked` skips only a check that cannot fail.
        Self {
            mode: config.mode,
            codec: RequestStateCodec::new_unchecked(key.to_vec()),
            redeemed: Mutex::new(HashMap::new()),
        }
    }

    /// The one-line summary of the change when `tool` with `args` needs the user's confirmation, else `None`.
    pub fn summary_if_required(&self, tool: &CatalogTool, args: &JsonObject) -> Option<String> {
        if tool.is_read_only() {
            return None;
        }
        let required = match self.mode {
            ConfirmMode::Off => false,
            ConfirmMode::All => true,
            ConfirmMode::Destructive => is_destructive(tool, args),
        };
        required.then(|| summary(tool.name(), args))
    }

    /// The step before running a call: ask, check the answer, or let it run.
    pub fn gate(&self, call: &Call<'_>) -> Gate {
        let Some(summary) = self.summary_if_required(call.tool, call.args) else {
            return Gate::Proceed;
        };
        if !call.can_ask {
            return Gate::Proceed;
        }
        let params = elicitation(&summary);
        if !call.modern {
            return Gate::AskOverSession { params, summary };
        }
        let bound = binding(call.principal, call.tool.name(), call.args);
        let Some(state) = call.request_state else {
            return Gate::Ask(self.ask(params, &bound, call.tool.name()));
        };
        if let Err(why) = self.redeem(state, &bound) {
            tracing::info!(
                tool = call.tool.name(),
                reason = why,
                "refused a confirmation state"
            );
            return Gate::Stop(refusal(&format!(
                "The confirmation sent with this call is not valid ({why}). Nothing was sent to NetSuite. \
                 Calling the tool again asks the user anew."
            )));
        }
        let answer = call
            .input_responses
            .and_then(|r| r.get(INPUT_KEY))
            .and_then(|v| serde_json::from_value::<ElicitResult>(v.clone()).ok());
        match answer.map(|a| a.action) {
            Some(action) => outcome(action, &summary),
            None => Gate::Stop(refusal(
                "The client sent no answer to the confirmation. Nothing was sent to NetSuite.",
            )),
        }
    }

    fn ask(&self, params: ElicitRequestParams, bound: &str, tool: &str) -> InputRequiredResult {
        let mut nonce = [0u8; 16];
        let _ = SystemRandom::new().fill(&mut nonce);
        let sealed = Sealed {
            n: hex(&nonce),
            t: tool.to_owned(),
        };
        let options = SealOptions::new()
            .associated_data(bound.as_bytes())
            .ttl(CONFIRMATION_TTL);
        let state = self
            .codec
            .seal_json_with(&sealed, &options)
            .unwrap_or_default();
        let mut requests = InputRequests::new();
        requests.insert(
            INPUT_KEY.to_owned(),
            InputRequest::Elicitation(ElicitRequest::new(params)),
        );
        InputRequiredResult::new(Some(requests), Some(state))
    }

    /// Opens `state` for this principal, tool and arguments and marks it used.
    fn redeem(&self, state: &str, bound: &str) -> Result<(), &'static str> {
        let sealed: Sealed =
            self.codec
                .open_json_with(state, bound.as_bytes())
                .map_err(|e| match e {
                    rmcp::model::RequestStateError::Expired => "it expired",
                    _ => "it was altered, or made for another call, caller or arguments",
                })?;
        let now = Instant::now();
        let mut redeemed = self.redeemed.lock().unwrap_or_else(|p| p.into_inner());
        // Markers live as long as a state can be valid; one is added per confirmed write, so the map stays as
        // small as the number of writes in the last CONFIRMATION_TTL.
        redeemed.retain(|_, until| *until > now);
        if redeemed.contains_key(&sealed.n) {
            return Err("it was already used");
        }
        redeemed.insert(sealed.n, now + CONFIRMATION_TTL);
        Ok(())
    }
}

/// One call as the confirmation step sees it.
pub struct Call<'a> {
    pub tool: &'a CatalogTool,
    pub args: &'a JsonObject,
    /// `subject` and client of the principal, or `None` for the local user (stdio, bearer token).
    pub principal: Option<(&'a str, Option<&'a str>)>,
    /// The request speaks 2026-07-28 (answers come back with the retried request).
    pub modern: bool,
    /// The client can show a form elicitation on this path.
    pub can_ask: bool,
    pub request_state: Option<&'a str>,
    pub input_responses: Option<&'a rmcp::model::InputResponses>,
}

/// The gate's verdict from the user's answer.
pub fn outcome(action: ElicitationAction, summary: &str) -> Gate {
    match action {
        ElicitationAction::Accept => Gate::Proceed,
        ElicitationAction::Decline => Gate::Stop(refusal(&format!(
            "The user declined this change, so nothing was sent to NetSuite: {summary}."
        ))),
        // Cancel, and any answer a later protocol adds, is not an acceptance.
        _ => Gate::Stop(refusal(&format!(
            "The user dismissed the confirmation without accepting, so nothing was sent to NetSuite: {summary}."
        ))),
    }
}

/// The result of a call that did not run because it was not confirmed.
pub fn refusal(text: &str) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text.to_owned())])
}

/// Whether the client declared form elicitation (an empty elicitation capability means form, as the spec says).
pub fn can_elicit_form(capabilities: Option<&ClientCapabilities>) -> bool {
    capabilities
        .and_then(|c| c.elicitation.as_ref())
        .is_some_and(|e| e.form.is_some() || e.url.is_none())
}

/// The question shown to the user: the summary, and an empty form (accepting is the answer).
fn elicitation(summary: &str) -> ElicitRequestParams {
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: format!(
            "Confirm this change in NetSuite: {summary}. Nothing is sent until you accept."
        ),
        requested_schema: ElicitationSchema::new(BTreeMap::new()),
    }
}

/// `destructive` mode: deleting, replacing sublist lines, and tools declared destructive outside the built-in
/// record tools (custom tools and tools registered in Rust).
fn is_destructive(tool: &CatalogTool, args: &JsonObject) -> bool {
    match tool.name() {
        "delete_record" => true,
        "update_record" => args
            .get("replace")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty()),
        "create_record" | "upsert_record" | "call_restlet" => false,
        _ => tool
            .tool
            .annotations
            .as_ref()
            .and_then(|a| a.destructive_hint)
            .unwrap_or(true),
    }
}

/// One line a person can judge: what the tool does to which record, and which fields.
pub fn summary(tool: &str, args: &JsonObject) -> String {
    let text = |k: &str| args.get(k).map(short).unwrap_or_else(|| "?".to_owned());
    let fields = |k: &str| match args.get(k) {
        Some(Value::Object(values)) if !values.is_empty() => {
            let names: Vec<&str> = values.keys().map(String::as_str).collect();
            format!(" (fields: {})", clip(&names.join(", ")))
        }
        _ => String::new(),
    };
    match tool {
        "delete_record" => format!("delete {} {}", text("record_type"), text("id")),
        "update_record" => {
            let replace = match args.get("replace").and_then(Value::as_array) {
                Some(r) if !r.is_empty() => {
                    let names: Vec<String> = r.iter().map(short).collect();
                    format!(", replacing all lines of {}", names.join(", "))
                }
                _ => String::new(),
            };
            format!(
                "update {} {}{}{replace}",
                text("record_type"),
                text("id"),
                fields("values")
            )
        }
        "create_record" => format!("create a {}{}", text("record_type"), fields("values")),
        "upsert_record" => format!(
            "create or update {} with external id {}{}",
            text("record_type"),
            text("external_id"),
            fields("values")
        ),
        "call_restlet" => format!(
            "call RESTlet {} (deployment {}) with {}",
            text("script"),
            text("deploy"),
            text("method")
        ),
        _ => {
            let shown: Vec<String> = args
                .iter()
                .map(|(k, v)| format!("{k}={}", short(v)))
                .collect();
            if shown.is_empty() {
                format!("run {tool}")
            } else {
                format!("run {tool} with {}", clip(&shown.join(", ")))
            }
        }
    }
}

/// A value as shown in a summary: strings without quotes, everything cut short.
fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let s: String = s.chars().filter(|c| !c.is_control()).collect();
    if s.chars().count() > MAX_VALUE_CHARS {
        let cut: String = s.chars().take(MAX_VALUE_CHARS).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 300;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        s.to_owned()
    }
}

/// What a sealed state is bound to: who calls, which tool, and exactly which arguments (key order does not
/// matter; any other change does).
fn binding(principal: Option<(&str, Option<&str>)>, tool: &str, args: &JsonObject) -> String {
    let (subject, client) = principal.unwrap_or(("local", None));
    let canonical = canonical(&Value::Object(args.clone())).to_string();
    let hash = digest(&SHA256, canonical.as_bytes());
    format!(
        "{subject}\n{}\n{tool}\n{}",
        client.unwrap_or("-"),
        hex(hash.as_ref())
    )
}

/// `v` with every object's keys sorted.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn derive(secret: &SecretString, out: &mut [u8; 32]) -> Option<()> {
    let prk = Salt::new(HKDF_SHA256, KEY_LABEL).extract(secret.expose_secret().as_bytes());
    prk.expand(&[KEY_LABEL], KeyLen).ok()?.fill(out).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a `tools/call` carries that the confirmation step reads.
pub(super) struct Asked<'a> {
    pub name: &'a str,
    pub arguments: &'a JsonObject,
    pub request_state: Option<&'a str>,
    pub input_responses: Option<&'a rmcp::model::InputResponses>,
}

impl NetSuiteServer {
    /// Asks the user to confirm a write in scope (see [`confirm`]). `None`: run the call; `Some`: answer this.
    pub(super) async fn confirm_step(
        &self,
        asked: &Asked<'_>,
        context: &RequestContext<RoleServer>,
        principal: Option<&Principal>,
    ) -> Option<CallToolResponse> {
        let catalog = self.catalog.snapshot();
        let tool = catalog.get(asked.name)?;
        // A call the server refuses anyway is not worth the user's attention: call_as answers it.
        if self.ctx.governance.check(tool).is_err()
            || principal.is_some_and(|p| p.read_only && !tool.is_read_only())
        {
            return None;
        }
        let modern = context
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
        let capabilities = context.client_capabilities();
        let can_ask = can_elicit_form(capabilities.as_ref()) && (modern || has_session(context));
        let call = Call {
            tool,
            args: asked.arguments,
            principal: principal.map(|p| (p.subject.as_str(), p.client_id.as_deref())),
            modern,
            can_ask,
            request_state: asked.request_state,
            input_responses: asked.input_responses,
        };
        match self.confirm.gate(&call) {
            Gate::Proceed => None,
            Gate::Ask(question) => {
                tracing::info!(tool = asked.name, "asked the user to confirm a write");
                Some(question.into())
            }
            Gate::Stop(result) => Some(result.into()),
            Gate::AskOverSession { params, summary } => {
                tracing::info!(tool = asked.name, "asking the user to confirm a write");
                let answer = tokio::select! {
                    biased;
                    () = context.ct.cancelled() => {
                        return Some(refusal("The call was cancelled; nothing was sent to NetSuite.").into());
                    }
                    answer = context.peer.create_elicitation_with_timeout(params, Some(CONFIRMATION_TTL)) => answer,
                };
                match answer {
                    Ok(result) => match outcome(result.action, &summary) {
                        Gate::Proceed => None,
                        Gate::Stop(result) => Some(result.into()),
                        _ => None,
                    },
                    Err(e) => {
                        tracing::info!(tool = asked.name, error = %e, "the confirmation got no answer");
                        Some(
                            refusal(&format!(
                                "The user's confirmation could not be obtained ({e}), so nothing was sent to \
                                 NetSuite: {summary}."
                            ))
                            .into(),
                        )
                    }
                }
            }
        }
    }
}

/// Whether the client can answer a request from the server during this call: stdio, or HTTP with a session
/// (stateless HTTP has no stream to send the request on).
fn has_session(context: &RequestContext<RoleServer>) -> bool {
    match context.extensions.get::<axum::http::request::Parts>() {
        None => true,
        Some(parts) => parts.headers.contains_key("mcp-session-id"),
    }
}

#[cfg(test)]
mod tests;
