//! Confirmations before writes (`NETSUITE_MCP_CONFIRM_WRITES`): when the client can ask its user (MCP
//! elicitation), a write in scope is shown to the user as one line (the change, the record, the fields, the tool)
//! and runs only if they accept; declined or dismissed, nothing is sent to NetSuite and the result says so.
//!
//! Three paths, by what the client speaks:
//! - **2026-07-28 clients** get an `input_required` result: the elicitation to show, and a `requestState` the client
//!   echoes back with the answer. The state is sealed (HMAC, [`RequestStateCodec`]) and bound to the principal, the
//!   tool's definition and a digest of the arguments, expires after [`CONFIRMATION_TTL`], and is redeemed once (a
//!   marker per state, kept until it expires). Instances that share `NETSUITE_MCP_STATE_KEY` accept each other's
//!   states; the single-use markers are per process, or in Redis with `NETSUITE_MCP_REDIS_URL` (one use across
//!   every instance).
//! - **Older clients with a session** (stdio, stateful HTTP) get an `elicitation/create` request while the call
//!   waits, never past the HTTP request's deadline ([`step`]).
//! - **Clients without elicitation**, and older clients over stateless HTTP (which cannot answer a request from the
//!   server), run the call as before: the tool annotations let the host ask.
//!
//! Calls through the Rust API ([`super::NetSuiteServer::call`]) are not confirmed: the caller is the program.

mod step;
mod summary;

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use rmcp::model::{
    CallToolResult, ClientCapabilities, ElicitRequest, ElicitRequestParams, ElicitResult,
    ElicitationAction, ElicitationSchema, InputRequest, InputRequests, InputRequiredResult,
    InputResponses, JsonObject, RequestStateCodec, RequestStateError, SealOptions,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::CatalogTool;
use crate::catalog::governance::Governance;
use crate::config::{ConfirmConfig, ConfirmMode};
use crate::scale::Redis;

pub(super) use step::Asked;

/// How long the user has to answer a confirmation (and how long a sealed state is valid).
pub const CONFIRMATION_TTL: Duration = Duration::from_secs(10 * 60);

/// The key of our one input request in an `input_required` result.
const INPUT_KEY: &str = "confirm";

/// Label the sealing key is derived under, so it never equals a key derived from the state key for another use.
const KEY_LABEL: &[u8] = b"netsuite-mcp write confirmations v1";

/// Most redeemed states remembered at once. A client can add one per two requests (ask, then answer), so the
/// bound keeps memory flat; when it is full, answers are refused until markers expire.
const MAX_MARKERS: usize = 100_000;

/// What happens to a call after the confirmation step.
#[derive(Debug)]
pub(super) enum Gate {
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
pub(super) struct Confirmations {
    mode: ConfirmMode,
    /// `None` when no key could be made (the random source or the key derivation failed): writes in scope are
    /// then refused for 2026-07-28 clients rather than run unconfirmed.
    codec: Option<RequestStateCodec>,
    redeemed: MarkerStore,
}

/// Where redeemed states are remembered.
enum MarkerStore {
    /// In this process.
    Local(Mutex<Markers>),
    /// In Redis, shared by every instance (`SET … NX PX`).
    Shared(Redis),
}

impl std::fmt::Debug for Confirmations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Confirmations")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// Sealed states already redeemed, until they expire: expiries only grow (now + TTL), so the oldest is first.
#[derive(Default)]
struct Markers {
    by_expiry: VecDeque<(Instant, String)>,
    ids: HashSet<String>,
}

/// What the sealed `requestState` holds: readable by the client (signed, not encrypted), so nothing secret.
#[derive(Serialize, Deserialize)]
struct Sealed {
    /// A random id, redeemed once.
    n: String,
}

/// The length of the derived sealing key (aws-lc-rs asks for it as a [`KeyType`]).
struct KeyLen;
impl KeyType for KeyLen {
    fn len(&self) -> usize {
        32
    }
}

impl Confirmations {
    /// The policy of `config`; the sealing key derives from the state key, or is random for this process.
    pub(super) fn new(config: &ConfirmConfig) -> Self {
        let mut key = [0u8; 32];
        let made = match &config.key {
            Some(secret) => derive(secret, &mut key),
            None => SystemRandom::new().fill(&mut key).is_ok(),
        };
        if !made && config.mode != ConfirmMode::Off {
            tracing::error!(
                "no key for write confirmations could be made; writes that need one are refused for clients \
                 that answer with a request state"
            );
        }
        // 32 bytes meets the codec's minimum, so `new_unchecked` skips only a check that cannot fail.
        let codec = made.then(|| RequestStateCodec::new_unchecked(key.to_vec()));
        key.fill(0);
        Self {
            mode: config.mode,
            codec,
            redeemed: MarkerStore::Local(Mutex::new(Markers::default())),
        }
    }

    /// Keeps the single-use markers in `redis`, so that a state is redeemed once across every instance.
    pub(super) fn shared(mut self, redis: Redis) -> Self {
        self.redeemed = MarkerStore::Shared(redis);
        self
    }

    /// The one-line summary of the change when this call needs the user's confirmation, else `None`.
    pub(super) fn summary_if_required(
        &self,
        tool: &CatalogTool,
        args: &JsonObject,
        governance: &Governance,
    ) -> Option<String> {
        if tool.is_read_only() || !summary::worth_asking(tool.name(), args, governance) {
            return None;
        }
        let required = match self.mode {
            ConfirmMode::Off => false,
            ConfirmMode::All => true,
            ConfirmMode::Destructive => summary::is_destructive(tool, args),
        };
        required.then(|| summary::summary(tool.name(), args))
    }

    /// The step before running a call: ask, check the answer, or let it run.
    pub(super) async fn gate(&self, call: &Call<'_>) -> Gate {
        let Some(summary) = self.summary_if_required(call.tool, call.args, call.governance) else {
            return Gate::Proceed;
        };
        if !call.can_ask {
            return Gate::Proceed;
        }
        let params = elicitation(&summary);
        if !call.modern {
            return Gate::AskOverSession { params, summary };
        }
        let Some(codec) = &self.codec else {
            return Gate::Stop(refusal(
                "This change needs the user's confirmation, and the server cannot make one (its secure random \
                 source or key failed; see its log). Nothing was sent to NetSuite.",
            ));
        };
        let bound = binding(call);
        let Some(state) = call.request_state else {
            return match ask(codec, params, &bound) {
                Some(question) => Gate::Ask(question),
                None => Gate::Stop(refusal(
                    "The confirmation could not be prepared (the secure random source failed). Nothing was \
                     sent to NetSuite.",
                )),
            };
        };
        if let Err(why) = self.redeem(codec, state, &bound).await {
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
        match answer {
            Some(answer) => match refusal_for(answer.action, &summary) {
                None => Gate::Proceed,
                Some(stop) => Gate::Stop(stop),
            },
            None => Gate::Stop(refusal(
                "The client sent no answer to the confirmation. Nothing was sent to NetSuite.",
            )),
        }
    }

    /// Opens `state` for this call and marks it used.
    async fn redeem(
        &self,
        codec: &RequestStateCodec,
        state: &str,
        bound: &str,
    ) -> Result<(), String> {
        let sealed: Sealed = codec
            .open_json_with(state, bound.as_bytes())
            .map_err(|e| match e {
                RequestStateError::Expired => "it expired".to_owned(),
                _ => "it was altered, made for another call, caller or arguments, or sealed by a server \
                      instance with another NETSUITE_MCP_STATE_KEY"
                    .to_owned(),
            })?;
        match &self.redeemed {
            MarkerStore::Local(markers) => {
                let mut markers = markers.lock().unwrap_or_else(|p| p.into_inner());
                markers.first_use(sealed.n).map_err(str::to_owned)
            }
            MarkerStore::Shared(redis) => {
                let key = redis.key(&format!("confirm:{}", sealed.n));
                let ttl_ms = CONFIRMATION_TTL.as_millis() as u64;
                let mut conn = redis.connection();
                let set: Option<String> = redis
                    .run("checking that a confirmation is used once", async move {
                        redis::cmd("SET")
                            .arg(&key)
                            .arg(1)
                            .arg("NX")
                            .arg("PX")
                            .arg(ttl_ms)
                            .query_async(&mut conn)
                            .await
                    })
                    .await
                    .map_err(|e| format!("it could not be checked: {e}"))?;
                match set {
                    Some(_) => Ok(()),
                    None => Err("it was already used".to_owned()),
                }
            }
        }
    }
}

impl Markers {
    /// Records `id` as used; `Err` when it already was, or when too many are remembered.
    fn first_use(&mut self, id: String) -> Result<(), &'static str> {
        let now = Instant::now();
        while self.by_expiry.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, old)) = self.by_expiry.pop_front() {
                self.ids.remove(&old);
            }
        }
        if self.ids.contains(&id) {
            return Err("it was already used");
        }
        if self.ids.len() >= MAX_MARKERS {
            return Err(
                "too many confirmations were answered in the last minutes; try again shortly",
            );
        }
        self.ids.insert(id.clone());
        self.by_expiry.push_back((now + CONFIRMATION_TTL, id));
        Ok(())
    }
}

/// The `input_required` result that asks: the question, and the sealed state bound to this call.
fn ask(
    codec: &RequestStateCodec,
    params: ElicitRequestParams,
    bound: &str,
) -> Option<InputRequiredResult> {
    let mut nonce = [0u8; 16];
    SystemRandom::new().fill(&mut nonce).ok()?;
    let options = SealOptions::new()
        .associated_data(bound.as_bytes())
        .ttl(CONFIRMATION_TTL);
    let state = codec
        .seal_json_with(&Sealed { n: hex(&nonce) }, &options)
        .ok()?;
    let mut requests = InputRequests::new();
    requests.insert(
        INPUT_KEY.to_owned(),
        InputRequest::Elicitation(ElicitRequest::new(params)),
    );
    Some(InputRequiredResult::new(Some(requests), Some(state)))
}

/// One call as the confirmation step sees it.
pub(super) struct Call<'a> {
    pub tool: &'a CatalogTool,
    pub args: &'a JsonObject,
    /// The server's governance (the record-type allow-list decides whether a call is worth asking about).
    pub governance: &'a Governance,
    /// `subject` and client of the principal, or `None` for the local user (stdio, bearer token).
    pub principal: Option<(&'a str, Option<&'a str>)>,
    /// The request speaks 2026-07-28 (answers come back with the retried request).
    pub modern: bool,
    /// The client can show a form elicitation on this path.
    pub can_ask: bool,
    /// The `requestState` the client echoed back, if this is a retry.
    pub request_state: Option<&'a str>,
    /// The client's answers to our input requests, if this is a retry.
    pub input_responses: Option<&'a InputResponses>,
}

/// The refusal for the user's answer, or `None` when they accepted (only acceptance runs the call).
pub(super) fn refusal_for(action: ElicitationAction, summary: &str) -> Option<CallToolResult> {
    match action {
        ElicitationAction::Accept => None,
        ElicitationAction::Decline => Some(refusal(&format!(
            "The user declined this change, so nothing was sent to NetSuite: {summary}."
        ))),
        // Cancel, and any answer a later protocol adds, is not an acceptance.
        _ => Some(refusal(&format!(
            "The user dismissed the confirmation without accepting, so nothing was sent to NetSuite: {summary}."
        ))),
    }
}

/// The result of a call that did not run because it was not confirmed.
pub(super) fn refusal(text: &str) -> CallToolResult {
    super::text_error(text.to_owned())
}

/// Whether the client declared form elicitation (an empty elicitation capability means form, as the spec says).
pub(super) fn can_elicit_form(capabilities: Option<&ClientCapabilities>) -> bool {
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

/// What a sealed state is bound to: who calls (or that nobody signed in), the tool's definition as listed (a
/// reloaded custom tool is another tool), and exactly which arguments (key order does not matter).
fn binding(call: &Call<'_>) -> String {
    let definition = serde_json::to_string(&call.tool.tool).unwrap_or_default();
    let arguments = canonical(&Value::Object(call.args.clone())).to_string();
    json!([
        call.principal
            .map(|(subject, client)| json!([subject, client])),
        call.tool.name(),
        hex(digest(&SHA256, definition.as_bytes()).as_ref()),
        hex(digest(&SHA256, arguments.as_bytes()).as_ref()),
    ])
    .to_string()
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

/// The sealing key from the state key (HKDF-SHA256 under [`KEY_LABEL`]); false if aws-lc-rs refused.
fn derive(secret: &SecretString, out: &mut [u8; 32]) -> bool {
    let prk = Salt::new(HKDF_SHA256, KEY_LABEL).extract(secret.expose_secret().as_bytes());
    prk.expand(&[KEY_LABEL], KeyLen)
        .and_then(|okm| okm.fill(out))
        .is_ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
