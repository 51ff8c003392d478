//! The confirmation step of a `tools/call`: works out which path the client can take, asks, and waits for an
//! older client's answer within the HTTP request's deadline.

use std::time::{Duration, Instant};

use rmcp::RoleServer;
use rmcp::ServiceError;
use rmcp::model::{CallToolResponse, InputResponses, JsonObject, ProtocolVersion};
use rmcp::service::RequestContext;

use super::{CONFIRMATION_TTL, Call, Gate, can_elicit_form, refusal, refusal_for};
use crate::server::{HttpCall, NetSuiteServer, Principal};

/// Time kept back before the HTTP request's deadline: an answer that comes later than this would leave too little
/// time to run the write and answer the client, so the wait ends here and nothing is sent.
const DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// What a `tools/call` carries that the confirmation step reads.
pub(in crate::server) struct Asked<'a> {
    /// The tool called.
    pub name: &'a str,
    /// Its arguments.
    pub arguments: &'a JsonObject,
    /// The `requestState` echoed back by a 2026-07-28 client.
    pub request_state: Option<&'a str>,
    /// The answers that came with it.
    pub input_responses: Option<&'a InputResponses>,
}

impl NetSuiteServer {
    /// Asks the user to confirm a write in scope (see [`super`]). `None`: run the call; `Some`: answer this.
    pub(in crate::server) async fn confirm_step(
        &self,
        catalog: &crate::catalog::Catalog,
        asked: &Asked<'_>,
        context: &RequestContext<RoleServer>,
        principal: Option<&Principal>,
    ) -> Option<CallToolResponse> {
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
        let http = http_call(context);
        let capabilities = context.client_capabilities();
        // An older client can only be asked over a stream the server may send on: stdio or a stateful session.
        let can_ask = can_elicit_form(capabilities.as_ref())
            && (modern || !http.is_some_and(|h| h.stateless));
        let who = principal.map(|p| (p.subject.as_str(), p.client_id.as_deref()));
        let call = Call {
            tool,
            args: asked.arguments,
            governance: &self.ctx.governance,
            principal: who,
            modern,
            can_ask,
            request_state: asked.request_state,
            input_responses: asked.input_responses,
        };
        let audit = |outcome: &str| {
            tracing::info!(
                tool = asked.name,
                subject = who.map(|w| w.0),
                client_id = who.and_then(|w| w.1),
                outcome,
                "write confirmation"
            );
        };
        let (params, summary) = match self.confirm.gate(&call).await {
            Gate::Proceed => {
                if asked.request_state.is_some() {
                    audit("accepted");
                }
                return None;
            }
            Gate::Ask(question) => {
                audit("asked");
                return Some(question.into());
            }
            Gate::Stop(result) => {
                audit("refused or declined");
                return Some(result.into());
            }
            Gate::AskOverSession { params, summary } => (params, summary),
        };
        let deadline = http.map(|h| h.deadline);
        let Some(wait) = time_to_answer(deadline) else {
            audit("no time to ask");
            return Some(
                refusal(&format!(
                    "This change needs the user's confirmation, and too little of the HTTP request's time is left \
                     to ask (NETSUITE_MCP_HTTP_REQUEST_TIMEOUT). Nothing was sent to NetSuite: {summary}."
                ))
                .into(),
            );
        };
        audit("asked");
        let answer = tokio::select! {
            biased;
            () = context.ct.cancelled() => {
                return Some(refusal("The call was cancelled; nothing was sent to NetSuite.").into());
            }
            answer = context.peer.create_elicitation_with_timeout(params, Some(wait)) => answer,
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => {
                audit("no answer");
                let why = match e {
                    ServiceError::Timeout { .. } => {
                        format!("the user did not answer within {} s", wait.as_secs())
                    }
                    other => format!("the client could not ask the user: {other}"),
                };
                return Some(
                    refusal(&format!(
                        "The change was not confirmed ({why}), so nothing was sent to NetSuite: {summary}."
                    ))
                    .into(),
                );
            }
        };
        if let Some(stop) = refusal_for(answer.action, &summary) {
            audit("declined");
            return Some(stop.into());
        }
        if time_to_answer(deadline).is_none() {
            audit("accepted too late");
            return Some(
                refusal(&format!(
                    "The user accepted, but too late to finish within the HTTP request's time, so nothing was \
                     sent to NetSuite: {summary}. Calling the tool again asks anew."
                ))
                .into(),
            );
        }
        audit("accepted");
        None
    }
}

/// What the HTTP transport said about this request; `None` over stdio.
fn http_call(context: &RequestContext<RoleServer>) -> Option<HttpCall> {
    context
        .extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<HttpCall>())
        .copied()
}

/// How long the user may take: [`CONFIRMATION_TTL`], cut to leave [`DEADLINE_MARGIN`] before an HTTP deadline;
/// `None` when no time is left.
fn time_to_answer(deadline: Option<Instant>) -> Option<Duration> {
    let Some(deadline) = deadline else {
        return Some(CONFIRMATION_TTL);
    };
    let left = deadline
        .checked_duration_since(Instant::now())?
        .checked_sub(DEADLINE_MARGIN)?;
    (!left.is_zero()).then(|| left.min(CONFIRMATION_TTL))
}
