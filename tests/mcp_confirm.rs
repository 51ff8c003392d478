//! Confirmations before writes through real rmcp clients over stdio: a 2026-07-28 client answers an
//! `input_required` result, an older client an `elicitation/create` request; the sandbox shows that a declined or
//! dismissed write never reached NetSuite.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use netsuite_mcp::auth::Algorithm;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities, ClientConfig,
    ElicitRequestParams, ElicitResult, ElicitationAction, Implementation, ProtocolVersion,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RequestContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt};
use serde_json::{Value, json};

/// A client that answers every elicitation with `answer` (or declares none when `answer` is `None`) and keeps
/// the messages it was shown.
#[derive(Clone)]
struct User {
    answer: Option<ElicitationAction>,
    /// How long the user takes to answer.
    delay: std::time::Duration,
    asked: Arc<std::sync::Mutex<Vec<String>>>,
    count: Arc<AtomicUsize>,
}

impl User {
    fn new(answer: Option<ElicitationAction>) -> Self {
        Self {
            answer,
            delay: std::time::Duration::ZERO,
            asked: Arc::default(),
            count: Arc::default(),
        }
    }
}

impl ClientHandler for User {
    fn get_info(&self) -> ClientConfig {
        let caps = if self.answer.is_some() {
            ClientCapabilities::builder().enable_elicitation().build()
        } else {
            ClientCapabilities::default()
        };
        ClientConfig::new(caps, Implementation::new("confirm-test", "1"))
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.count.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        if let ElicitRequestParams::FormElicitationParams { message, .. } = &request {
            self.asked.lock().unwrap().push(message.clone());
        }
        let action = self.answer.clone().unwrap_or(ElicitationAction::Decline);
        let content = matches!(action, ElicitationAction::Accept).then(|| json!({}));
        let mut result = ElicitResult::new(action);
        result.content = content;
        Ok(result)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Era {
    /// `server/discover`, 2026-07-28: input_required rounds.
    Modern,
    /// `initialize`, 2025-11-25: elicitation/create over the session.
    Legacy,
}

async fn connect(
    account: &common::TestAccount,
    user: User,
    era: Era,
    extra_env: &[(&str, &str)],
) -> RunningService<RoleClient, User> {
    let mut cmd = tokio::process::Command::new(common::bin());
    cmd.arg("serve")
        .current_dir(common::neutral_dir())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "NETSUITE_MCP_TOOLSETS",
            "records,records_write,records_delete",
        );
    for (k, v) in account.env() {
        cmd.env(k, v);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let transport = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
        .0;
    let client = match era {
        Era::Modern => user
            .serve_with_lifecycle(
                transport,
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![ProtocolVersion::V_2026_07_28],
                },
            )
            .await
            .unwrap(),
        Era::Legacy => user.serve(transport).await.unwrap(),
    };
    let version = client.peer_info().map(|i| i.protocol_version.clone());
    match era {
        Era::Modern => assert_eq!(version, Some(ProtocolVersion::V_2026_07_28)),
        Era::Legacy => assert!(version.unwrap() < ProtocolVersion::V_2026_07_28),
    }
    client
}

fn params(name: &'static str, args: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(name).with_arguments(args.as_object().unwrap().clone())
}

fn text(r: &CallToolResult) -> String {
    serde_json::to_string(&r.content).unwrap()
}

/// A new customer in the sandbox, made through the server (creates are not confirmed by default).
async fn new_customer(client: &RunningService<RoleClient, User>) -> String {
    let r = client
        .call_tool(params(
            "create_record",
            json!({"record_type": "customer", "values": {"companyname": "Confirm Test Ltd", "subsidiary": {"id": "1"}}}),
        ))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    r.structured_content.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn exists(client: &RunningService<RoleClient, User>, id: &str) -> bool {
    let r = client
        .call_tool(params(
            "get_record",
            json!({"record_type": "customer", "id": id}),
        ))
        .await
        .unwrap();
    r.is_error != Some(true)
}

async fn delete(client: &RunningService<RoleClient, User>, id: &str) -> CallToolResult {
    client
        .call_tool(params(
            "delete_record",
            json!({"record_type": "customer", "id": id}),
        ))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_declined_or_dismissed_delete_sends_nothing_in_both_protocol_generations() {
    let account = common::start(Algorithm::ES256).await;
    for era in [Era::Modern, Era::Legacy] {
        for (action, word) in [
            (ElicitationAction::Decline, "declined"),
            (ElicitationAction::Cancel, "dismissed"),
        ] {
            let user = User::new(Some(action));
            let client = connect(&account, user.clone(), era, &[]).await;
            let id = new_customer(&client).await;
            let before = account.sandbox.counters().api_requests;
            let r = delete(&client, &id).await;
            let after = account.sandbox.counters().api_requests;
            assert_eq!(r.is_error, Some(true));
            assert!(
                text(&r).contains(word) && text(&r).contains("nothing was sent"),
                "{}",
                text(&r)
            );
            assert_eq!(before, after, "a declined delete reached NetSuite");
            assert!(exists(&client, &id).await, "the customer is gone");
            let asked = user.asked.lock().unwrap().clone();
            assert_eq!(asked.len(), 1);
            assert!(
                asked[0].contains(&format!("delete customer record `{id}` [delete_record]")),
                "{asked:?}"
            );
            client.cancel().await.unwrap();
        }
    }
}

#[tokio::test]
async fn an_accepted_delete_runs_in_both_protocol_generations() {
    let account = common::start(Algorithm::ES256).await;
    for era in [Era::Modern, Era::Legacy] {
        let user = User::new(Some(ElicitationAction::Accept));
        let client = connect(&account, user.clone(), era, &[]).await;
        let id = new_customer(&client).await;
        let r = delete(&client, &id).await;
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
        assert!(!exists(&client, &id).await, "the customer is still there");
        assert_eq!(user.count.load(Ordering::SeqCst), 1);
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn clients_without_elicitation_and_the_off_setting_run_deletes_as_before() {
    let account = common::start(Algorithm::ES256).await;
    for (user, env) in [
        (User::new(None), vec![]),
        (
            User::new(Some(ElicitationAction::Decline)),
            vec![("NETSUITE_MCP_CONFIRM_WRITES", "off")],
        ),
    ] {
        let client = connect(&account, user.clone(), Era::Modern, &env).await;
        let id = new_customer(&client).await;
        let r = delete(&client, &id).await;
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
        assert!(!exists(&client, &id).await);
        assert_eq!(user.count.load(Ordering::SeqCst), 0);
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn all_asks_before_creates_and_merging_updates_are_not_asked_by_default() {
    let account = common::start(Algorithm::ES256).await;
    let user = User::new(Some(ElicitationAction::Accept));
    let client = connect(&account, user.clone(), Era::Modern, &[]).await;
    let id = new_customer(&client).await;
    let r = client
        .call_tool(params(
            "update_record",
            json!({"record_type": "customer", "id": id, "values": {"comments": "merged"}}),
        ))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    assert_eq!(
        user.count.load(Ordering::SeqCst),
        0,
        "a merging update was confirmed"
    );
    client.cancel().await.unwrap();

    let user = User::new(Some(ElicitationAction::Decline));
    let client = connect(
        &account,
        user.clone(),
        Era::Legacy,
        &[("NETSUITE_MCP_CONFIRM_WRITES", "all")],
    )
    .await;
    let before = account.sandbox.counters().api_requests;
    let r = client
        .call_tool(params(
            "create_record",
            json!({"record_type": "customer", "values": {"companyname": "Never Made Ltd"}}),
        ))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert_eq!(account.sandbox.counters().api_requests, before);
    let asked = user.asked.lock().unwrap().clone();
    assert!(
        asked[0].contains("create a new customer record (fields: `companyname`)"),
        "{asked:?}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_replayed_or_altered_request_state_is_refused_and_sends_nothing() {
    let account = common::start(Algorithm::ES256).await;
    let user = User::new(Some(ElicitationAction::Accept));
    let client = connect(&account, user, Era::Modern, &[]).await;
    let id = new_customer(&client).await;
    let call = params(
        "delete_record",
        json!({"record_type": "customer", "id": id}),
    );
    let CallToolResponse::InputRequired(question) =
        client.call_tool_once(call.clone()).await.unwrap()
    else {
        panic!("a delete was not asked about");
    };
    let state = question.request_state.clone().unwrap();
    let key = question.input_requests.unwrap().into_keys().next().unwrap();
    let mut yes = rmcp::model::InputResponses::new();
    yes.insert(key, json!({"action": "accept", "content": {}}));

    let before = account.sandbox.counters().api_requests;
    // Altered: the same state for another record.
    let other = params(
        "delete_record",
        json!({"record_type": "customer", "id": "1"}),
    )
    .with_input_responses(yes.clone())
    .with_request_state(state.clone());
    let CallToolResponse::Complete(r) = client.call_tool_once(other).await.unwrap() else {
        panic!("expected a final result");
    };
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("not valid"), "{}", text(&r));
    assert_eq!(account.sandbox.counters().api_requests, before);

    let confirmed = call
        .clone()
        .with_input_responses(yes.clone())
        .with_request_state(state.clone());
    let CallToolResponse::Complete(r) = client.call_tool_once(confirmed.clone()).await.unwrap()
    else {
        panic!("expected a final result");
    };
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    assert!(!exists(&client, &id).await);

    let after_delete = account.sandbox.counters().api_requests;
    let CallToolResponse::Complete(r) = client.call_tool_once(confirmed).await.unwrap() else {
        panic!("expected a final result");
    };
    assert!(text(&r).contains("already used"), "{}", text(&r));
    assert_eq!(account.sandbox.counters().api_requests, after_delete);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn over_stateful_http_an_answer_after_the_request_deadline_margin_sends_nothing() {
    let account = common::start(Algorithm::ES256).await;
    let common::Serving {
        child: _child, url, ..
    } = common::spawn_serving(
        common::serve_http_command("127.0.0.1:0")
            .envs(account.env())
            .env(
                "NETSUITE_MCP_TOOLSETS",
                "records,records_write,records_delete",
            )
            // 8 s per request, 5 s of it kept back: the user has 3 s to answer.
            .env("NETSUITE_MCP_HTTP_REQUEST_TIMEOUT", "8"),
    )
    .await;

    let mut slow = User::new(Some(ElicitationAction::Accept));
    slow.delay = std::time::Duration::from_secs(4);
    let transport = rmcp::transport::StreamableHttpClientTransport::from_uri(url);
    let client = slow.clone().serve(transport).await.unwrap();
    let id = new_customer(&client).await;
    let before = account.sandbox.counters().api_requests;
    let r = delete(&client, &id).await;
    assert_eq!(r.is_error, Some(true), "{}", text(&r));
    assert!(text(&r).contains("did not answer within"), "{}", text(&r));
    // The user's late "accept" must not delete the record after the client was told it failed.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(account.sandbox.counters().api_requests, before);
    assert!(exists(&client, &id).await);
    assert_eq!(slow.count.load(Ordering::SeqCst), 1);
    client.cancel().await.unwrap();
}
