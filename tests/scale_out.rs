//! Scale-out through Redis (design.md §1.9), against a real `redis-server` and the sandbox: several
//! `serve --http` processes share the account's concurrency limit (never exceeded upstream, no 429) and one
//! NetSuite token; a killed instance's slots come back after the lease; Redis going away gives clear errors and
//! coming back needs no restart; a tools change seen by one instance reaches every instance's clients; without
//! the state key Redis mode refuses to start. Also the limiter's Lua scripts directly: FIFO order, fail fast,
//! fallback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;
mod redis_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use netsuite_mcp::auth::Algorithm;
use netsuite_mcp::config::Settings;
use netsuite_mcp::scale::ScaleOut;
use netsuite_mcp::scale::limiter::AccountLimiter;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use secrecy::SecretString;
use serde_json::{Value, json};

use common::{ACCOUNT, TestAccount};
use mcp_support::{Recorder, eventually};
use redis_support::RedisServer;

const STATE_KEY: &str = "scale-out-test-state-key-0123456789abcdefXYZ";
const WITHIN: Duration = Duration::from_secs(20);

/// One `serve --http` process.
struct Instance {
    child: tokio::process::Child,
    url: String,
    stderr: Arc<std::sync::Mutex<String>>,
}

impl Instance {
    async fn start(
        account: &TestAccount,
        redis: &RedisServer,
        cwd: &std::path::Path,
        env: &[(&str, &str)],
    ) -> Self {
        Self::start_with(account, redis, cwd, env, &[]).await
    }

    async fn start_with(
        account: &TestAccount,
        redis: &RedisServer,
        cwd: &std::path::Path,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Self {
        let mut cmd = common::serve_http_command("127.0.0.1:0");
        cmd.args(args)
            .current_dir(cwd)
            .envs(account.env())
            .env("NETSUITE_MCP_REDIS_URL", redis.url())
            .env("NETSUITE_MCP_STATE_KEY", STATE_KEY)
            .env("NETSUITE_MCP_REDIS_TIMEOUT_MS", "500")
            .envs(env.iter().copied());
        let common::Serving { child, url, stderr } = common::spawn_serving(&mut cmd).await;
        Self { child, url, stderr }
    }

    fn base(&self) -> String {
        self.url.trim_end_matches("/mcp").to_owned()
    }

    async fn client(&self) -> (RunningService<rmcp::RoleClient, Recorder>, Recorder) {
        let recorder = Recorder::default();
        let client = recorder
            .clone()
            .serve(StreamableHttpClientTransport::from_uri(self.url.clone()))
            .await
            .expect("MCP session over HTTP");
        (client, recorder)
    }

    async fn health(&self) -> (u16, String) {
        let r = reqwest::get(format!("{}/healthz", self.base()))
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

/// A tool call; `Err` holds the error result's text.
async fn call(
    client: &RunningService<rmcp::RoleClient, Recorder>,
    tool: &str,
    args: Value,
) -> Result<Value, String> {
    let Value::Object(args) = args else {
        panic!("arguments must be an object")
    };
    let r = client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(args))
        .await
        .map_err(|e| format!("protocol error: {e}"))?;
    if r.is_error == Some(true) {
        return Err(mcp_support::text_of(&r));
    }
    Ok(r.structured_content.unwrap_or(Value::Null))
}

fn suiteql(n: usize) -> Value {
    json!({"query": "SELECT id, companyname FROM customer ORDER BY id", "limit": 5, "offset": n % 50})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_the_account_limit_and_one_token() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    const LIMIT: usize = 3;
    const WORKERS_PER_INSTANCE: usize = 10;
    const CALLS_PER_WORKER: usize = 10;
    let account = common::start(Algorithm::ES256).await;
    account.sandbox.set_concurrency_limit(LIMIT);
    account.sandbox.set_latency(Duration::from_millis(10));
    let limit = LIMIT.to_string();
    let env = [("NETSUITE_MAX_CONCURRENCY", limit.as_str())];
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(Instance::start(&account, &redis, common::neutral_dir(), &env).await);
    }
    let mut workers = tokio::task::JoinSet::new();
    for (i, instance) in instances.iter().enumerate() {
        for w in 0..WORKERS_PER_INSTANCE {
            let url = instance.url.clone();
            workers.spawn(async move {
                let client =
                    ().serve(StreamableHttpClientTransport::from_uri(url))
                        .await
                        .expect("MCP session");
                let mut errors = Vec::new();
                for c in 0..CALLS_PER_WORKER {
                    let n = (i * WORKERS_PER_INSTANCE + w) * CALLS_PER_WORKER + c;
                    let args = suiteql(n);
                    let Value::Object(args) = args else {
                        unreachable!()
                    };
                    match client
                        .call_tool(CallToolRequestParams::new("run_suiteql").with_arguments(args))
                        .await
                    {
                        Ok(r) if r.is_error != Some(true) => {}
                        Ok(r) => errors.push(mcp_support::text_of(&r)),
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                let _ = client.cancel().await;
                errors
            });
        }
    }
    let mut errors = Vec::new();
    while let Some(done) = workers.join_next().await {
        errors.extend(done.unwrap());
    }
    let counters = account.sandbox.counters();
    let calls = 3 * WORKERS_PER_INSTANCE * CALLS_PER_WORKER;
    assert!(
        errors.is_empty(),
        "{} failed calls: {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(counters.rejected_concurrency, 0, "429s upstream");
    assert!(
        counters.max_in_flight <= LIMIT as u64,
        "the account limit was exceeded: {} in flight",
        counters.max_in_flight
    );
    assert_eq!(counters.max_in_flight, LIMIT as u64, "the limit was used");
    assert_eq!(counters.authorized_api_requests, calls as u64);
    assert_eq!(counters.token_requests, 1, "one token for all instances");
    for instance in &instances {
        let stderr = instance.stderr();
        assert!(!stderr.contains("panicked"), "{stderr}");
        mcp_support::assert_no_secrets(&stderr, &[account.key_pem.clone(), STATE_KEY.to_owned()]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_gives_its_slots_back_after_the_lease() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    // The sandbox allows more than our limit: the requests the killed instance left running upstream do not
    // matter here, only the slots it held in Redis.
    account.sandbox.set_concurrency_limit(10);
    let env = [
        ("NETSUITE_MAX_CONCURRENCY", "2"),
        ("NETSUITE_MCP_REDIS_LEASE_MS", "1000"),
    ];
    let mut doomed = Instance::start(&account, &redis, common::neutral_dir(), &env).await;
    let survivor = Instance::start(&account, &redis, common::neutral_dir(), &env).await;
    let (warm, _) = survivor.client().await;
    call(&warm, "run_suiteql", suiteql(0)).await.unwrap();

    account.sandbox.set_latency(Duration::from_secs(30));
    let (client, _) = doomed.client().await;
    let client = Arc::new(client);
    for n in 0..2 {
        let client = Arc::clone(&client);
        tokio::spawn(async move { call(&client, "run_suiteql", suiteql(n)).await });
    }
    let holders = &format!("netsuite-mcp:limiter:{ACCOUNT}:holders");
    let mut held = 0;
    for _ in 0..500 {
        held = redis.zcard(holders).await;
        if held == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(held, 2, "the doomed instance holds both slots");
    doomed.child.start_kill().unwrap(); // SIGKILL: no clean release
    doomed.child.wait().await.unwrap();
    assert_eq!(
        redis.zcard(holders).await,
        2,
        "the dead instance's slots are still taken"
    );

    account.sandbox.set_latency(Duration::ZERO);
    let r = tokio::time::timeout(WITHIN, call(&warm, "run_suiteql", suiteql(1)))
        .await
        .expect("the call gets a slot once the dead leases expire");
    assert!(r.is_ok(), "{r:?}");
    let mut free = false;
    for _ in 0..100 {
        if redis.zcard(holders).await == 0 {
            free = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(free, "every slot is free again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_away_fails_calls_clearly_and_its_return_needs_no_restart() {
    let Some(mut redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let instance = Instance::start(&account, &redis, common::neutral_dir(), &[]).await;
    let (client, _) = instance.client().await;
    call(&client, "run_suiteql", suiteql(0)).await.unwrap();
    let (status, body) = instance.health().await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"status":"ok","redis":"ok"}"#)
    );

    redis.stop();
    let err = call(&client, "run_suiteql", suiteql(1)).await.unwrap_err();
    assert!(
        err.contains("Redis")
            && err.contains("NETSUITE_MCP_REDIS_URL")
            && err.contains("Nothing was sent"),
        "{err}"
    );
    assert!(!err.contains("redis://"), "the URL is not echoed: {err}");
    let (status, body) = instance.health().await;
    assert_eq!(
        (status, body.as_str()),
        (503, r#"{"status":"unavailable","redis":"unreachable"}"#)
    );

    redis.restart().await;
    let mut recovered = None;
    for _ in 0..40 {
        match call(&client, "run_suiteql", suiteql(2)).await {
            Ok(v) => {
                recovered = Some(v);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    assert!(recovered.is_some(), "calls work again without a restart");
    assert_eq!(instance.health().await.0, 200);
}

fn tool_file(name: &str) -> String {
    format!(
        "name = \"{name}\"\ndescription = \"A test tool that lists customers.\"\nkind = \"suiteql\"\n\
         query = \"SELECT id, companyname FROM customer ORDER BY id\"\nlimit = 3\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tools_change_seen_by_one_instance_reaches_every_instances_clients() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alpha.toml"), tool_file("alpha")).unwrap();
    let tools = dir.path().to_str().unwrap();
    // Only the first instance polls often; the others would notice the change only after a day.
    let watcher = Instance::start(
        &account,
        &redis,
        common::neutral_dir(),
        &[
            ("NETSUITE_MCP_TOOLS_DIR", tools),
            ("NETSUITE_MCP_TOOLS_POLL_MS", "100"),
        ],
    )
    .await;
    let mut others = Vec::new();
    for _ in 0..2 {
        others.push(
            Instance::start(
                &account,
                &redis,
                common::neutral_dir(),
                &[
                    ("NETSUITE_MCP_TOOLS_DIR", tools),
                    ("NETSUITE_MCP_TOOLS_POLL_MS", "86400000"),
                ],
            )
            .await,
        );
    }
    let mut clients = Vec::new();
    for instance in std::iter::once(&watcher).chain(others.iter()) {
        let (client, recorder) = instance.client().await;
        assert!(
            client
                .list_all_tools()
                .await
                .unwrap()
                .iter()
                .any(|t| t.name == "alpha")
        );
        clients.push((client, recorder));
    }
    // Each instance subscribes when it starts; give the subscriptions a moment to be in place.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let tmp = dir.path().join(".beta.tmp");
    std::fs::write(&tmp, tool_file("beta")).unwrap();
    std::fs::rename(&tmp, dir.path().join("beta.toml")).unwrap();
    let counts: Vec<Arc<AtomicUsize>> = clients
        .iter()
        .map(|(_, r)| Arc::clone(&r.tool_list_changed))
        .collect();
    let all = eventually(WITHIN, || {
        counts.iter().all(|c| c.load(Ordering::SeqCst) >= 1)
    })
    .await;
    let seen: Vec<usize> = counts.iter().map(|c| c.load(Ordering::SeqCst)).collect();
    assert!(all, "every instance's client is told: {seen:?}");
    for (client, _) in &clients {
        assert!(
            client
                .list_all_tools()
                .await
                .unwrap()
                .iter()
                .any(|t| t.name == "beta")
        );
    }
}

// The limiter's scripts directly, with separate Redis handles standing in for separate instances.

fn scale(redis: &RedisServer, fallback: Option<usize>) -> ScaleOut {
    let settings = Settings {
        redis_url: Some(SecretString::from(redis.url())),
        state_key: Some(SecretString::from(STATE_KEY.to_owned())),
        redis_timeout_ms: Some(300),
        redis_fallback_instances: fallback,
        ..Default::default()
    };
    ScaleOut::new(&settings.redis_config().unwrap().unwrap()).unwrap()
}

#[tokio::test]
async fn waiters_get_slots_in_the_order_they_asked() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let (a, b, c) = (
        scale(&redis, None).limiter(ACCOUNT, 1),
        scale(&redis, None).limiter(ACCOUNT, 1),
        scale(&redis, None).limiter(ACCOUNT, 1),
    );
    let held = a.acquire().await.unwrap();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let spawn = |limiter: Arc<dyn AccountLimiter>, name: &'static str| {
        let order = Arc::clone(&order);
        tokio::spawn(async move {
            let permit = limiter.acquire().await.unwrap();
            order.lock().unwrap().push(name);
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(permit);
        })
    };
    let first = spawn(b, "first");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = spawn(c, "second");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(order.lock().unwrap().is_empty(), "nobody gets a held slot");
    drop(held);
    first.await.unwrap();
    second.await.unwrap();
    assert_eq!(*order.lock().unwrap(), ["first", "second"]);
}

#[tokio::test]
async fn without_redis_the_limiter_fails_fast_or_falls_back_and_recovers() {
    let Some(mut redis) = RedisServer::start().await else {
        return;
    };
    let strict = scale(&redis, None).limiter(ACCOUNT, 4);
    let lenient = scale(&redis, Some(2)).limiter(ACCOUNT, 4);
    drop(strict.acquire().await.unwrap());
    redis.stop();
    let err = tokio::time::timeout(Duration::from_secs(10), strict.acquire())
        .await
        .expect("fails fast, never hangs")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Redis at 127.0.0.1:") && err.contains("NETSUITE_MCP_REDIS_URL"),
        "{err}"
    );
    // The fallback share is 4 ÷ 2 = 2 slots.
    let one = lenient.acquire().await.unwrap();
    let two = lenient.acquire().await.unwrap();
    let third = tokio::time::timeout(Duration::from_secs(2), lenient.acquire()).await;
    assert!(third.is_err(), "the fallback share is two slots");
    drop((one, two));

    redis.restart().await;
    let mut back = false;
    for _ in 0..40 {
        if strict.acquire().await.is_ok() {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the same limiter works again once Redis is back");
}

#[tokio::test]
async fn redis_without_the_state_key_is_refused_at_startup_with_the_fix() {
    let account = common::start(Algorithm::ES256).await;
    let mut env = account.env();
    env.push((
        "NETSUITE_MCP_REDIS_URL".into(),
        "redis://:hunter2-redis-password@127.0.0.1:1/0".into(),
    ));
    let out = tokio::time::timeout(
        Duration::from_secs(30),
        common::run_bin(&["serve", "--http", "127.0.0.1:0"], &env),
    )
    .await
    .expect("exits at once");
    let stderr = common::text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("NETSUITE_MCP_STATE_KEY") && stderr.contains("NETSUITE_MCP_REDIS_URL"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the Redis password is not shown: {stderr}"
    );
}

/// A 2026-07-28 client that can show form elicitations (it answers nothing itself: the test drives the rounds).
#[derive(Clone, Default)]
struct Asker;

impl rmcp::ClientHandler for Asker {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        rmcp::model::ClientConfig::new(
            rmcp::model::ClientCapabilities::builder()
                .enable_elicitation()
                .build(),
            rmcp::model::Implementation::new("scale-out-confirm", "1"),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_confirmation_is_accepted_by_another_instance_and_only_once_across_instances() {
    use rmcp::ClientServiceExt;
    use rmcp::model::{CallToolResponse, ProtocolVersion};
    use rmcp::service::ClientLifecycleMode;
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let env = [(
        "NETSUITE_MCP_TOOLSETS",
        "records,records_write,records_delete",
    )];
    let a = Instance::start_with(
        &account,
        &redis,
        common::neutral_dir(),
        &env,
        &["--stateless"],
    )
    .await;
    let b = Instance::start_with(
        &account,
        &redis,
        common::neutral_dir(),
        &env,
        &["--stateless"],
    )
    .await;
    let connect = |url: String| async move {
        Asker
            .serve_with_lifecycle(
                StreamableHttpClientTransport::from_uri(url),
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![ProtocolVersion::V_2026_07_28],
                },
            )
            .await
            .expect("2026-07-28 session")
    };
    let (to_a, to_b) = (connect(a.url.clone()).await, connect(b.url.clone()).await);
    let made = to_a
        .call_tool(
            CallToolRequestParams::new("create_record").with_arguments(
                json!({"record_type": "customer", "values": {"companyname": "Shared Confirm Ltd", "subsidiary": {"id": "1"}}})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    let id = made.structured_content.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let delete = CallToolRequestParams::new("delete_record").with_arguments(
        json!({"record_type": "customer", "id": id})
            .as_object()
            .unwrap()
            .clone(),
    );
    let CallToolResponse::InputRequired(question) =
        to_a.call_tool_once(delete.clone()).await.unwrap()
    else {
        panic!("instance A did not ask before a delete");
    };
    let state = question.request_state.unwrap();
    let key = question.input_requests.unwrap().into_keys().next().unwrap();
    let mut yes = rmcp::model::InputResponses::new();
    yes.insert(key, json!({"action": "accept", "content": {}}));
    let confirmed = delete.with_input_responses(yes).with_request_state(state);

    // Answered to instance B: accepted there (the same state key), and the record is deleted.
    let CallToolResponse::Complete(done) = to_b.call_tool_once(confirmed.clone()).await.unwrap()
    else {
        panic!("expected a final result from B");
    };
    assert_ne!(done.is_error, Some(true), "{}", mcp_support::text_of(&done));
    let requests = account.sandbox.counters().api_requests;
    // Replayed to instance A: already used, through Redis; nothing reaches NetSuite.
    let CallToolResponse::Complete(again) = to_a.call_tool_once(confirmed).await.unwrap() else {
        panic!("expected a final result from A");
    };
    assert_eq!(again.is_error, Some(true));
    assert!(
        mcp_support::text_of(&again).contains("already used"),
        "{}",
        mcp_support::text_of(&again)
    );
    assert_eq!(account.sandbox.counters().api_requests, requests);
}
