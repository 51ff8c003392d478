//! The Redis connection of scale-out (design.md §1.9), against a real `redis-server`: `rediss://` with the
//! server's own certificate authority works end to end (an instance serves calls through it); a certificate
//! Redis's is not signed by gives a clear, prompt error naming the fix and no password; and the shared limit
//! belongs to the account, so two accounts on one Redis with the default prefix each get their own. Also: the
//! first command after Redis restarts works, a wrong password is named as such, and a shared token sealed with
//! another instance's state key is replaced rather than failing calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;
mod redis_support;

use std::time::Duration;

use netsuite_mcp::auth::Algorithm;
use netsuite_mcp::config::Settings;
use netsuite_mcp::scale::ScaleOut;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use secrecy::SecretString;
use serde_json::json;

use common::ACCOUNT;
use mcp_support::Recorder;
use redis_support::RedisServer;

const STATE_KEY: &str = "scale-out-test-state-key-0123456789abcdefXYZ";

fn settings(url: String, ca_file: Option<String>) -> Settings {
    Settings {
        redis_url: Some(SecretString::from(url)),
        redis_ca_file: ca_file.map(Into::into),
        state_key: Some(SecretString::from(STATE_KEY.to_owned())),
        redis_timeout_ms: Some(1000),
        ..Default::default()
    }
}

fn scale(settings: &Settings) -> ScaleOut {
    ScaleOut::new(&settings.redis_config().unwrap().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_serves_calls_through_redis_over_tls_with_its_own_ca() {
    let Some(redis) = RedisServer::start_tls().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let cwd = tempfile::tempdir().unwrap();
    let common::Serving {
        child: _child,
        url,
        stderr,
    } = common::spawn_serving(
        common::serve_http_command("127.0.0.1:0")
            .current_dir(cwd.path())
            .envs(account.env())
            .env("NETSUITE_MCP_REDIS_URL", redis.url())
            .env("NETSUITE_MCP_REDIS_CA_FILE", redis.ca_file())
            .env("NETSUITE_MCP_STATE_KEY", STATE_KEY),
    )
    .await;
    assert!(url.starts_with("http://"), "{url}");

    suiteql_works(&url, &stderr).await;
    // The call went through the shared limiter and token slot in the TLS Redis.
    let keys = redis.query(&["KEYS", "netsuite-mcp:*"]).await.unwrap();
    let keys = format!("{keys:?}");
    assert!(keys.contains("netsuite-mcp:token:"), "{keys}");
    let health = reqwest::get(url.replace("/mcp", "/healthz")).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn a_certificate_redis_is_not_signed_by_fails_promptly_and_clearly() {
    let Some(redis) = RedisServer::start_tls().await else {
        return;
    };
    let other = RedisServer::start_tls().await.unwrap();
    let with_password = redis
        .url()
        .replace("rediss://", "rediss://:hunter2-secret@");
    for (case, ca) in [
        ("another CA", Some(other.ca_file())),
        ("the system's roots", None),
    ] {
        let s = scale(&settings(with_password.clone(), ca));
        let err = tokio::time::timeout(Duration::from_secs(10), s.redis().ping())
            .await
            .unwrap_or_else(|_| panic!("{case}: fails, never hangs"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("certificate") && err.contains("NETSUITE_MCP_REDIS_CA_FILE"),
            "{case}: {err}"
        );
        assert!(!err.contains("hunter2"), "{case}: {err}");
    }
    // The right CA on the same URL works.
    scale(&settings(
        with_password.replace(":hunter2-secret@", ""),
        Some(redis.ca_file()),
    ))
    .redis()
    .ping()
    .await
    .unwrap();
}

#[tokio::test]
async fn not_a_pem_ca_is_refused_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ca.pem");
    std::fs::write(&file, "not a certificate").unwrap();
    let s = settings(
        "rediss://127.0.0.1:1/0".into(),
        Some(file.display().to_string()),
    );
    let err = ScaleOut::new(&s.redis_config().unwrap().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("NETSUITE_MCP_REDIS_CA_FILE") && err.contains("no PEM certificate"),
        "{err}"
    );
}

#[tokio::test]
async fn two_accounts_on_one_redis_and_prefix_each_get_their_own_limit() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let shared = settings(redis.url(), None);
    let (a1, a2, b) = (
        scale(&shared).limiter(ACCOUNT, 1),
        scale(&shared).limiter(ACCOUNT, 1),
        scale(&shared).limiter("7654321", 1),
    );
    let held = a1.acquire().await.unwrap();
    // The other account's single slot is free…
    let other = tokio::time::timeout(Duration::from_secs(5), b.acquire())
        .await
        .expect("another account's limit is its own")
        .unwrap();
    // …while a second instance of the same account waits for the first one's slot.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), a2.acquire())
            .await
            .is_err(),
        "one account's instances share its limit"
    );
    drop(held);
    let again = tokio::time::timeout(Duration::from_secs(5), a2.acquire())
        .await
        .expect("the slot comes back")
        .unwrap();
    drop((again, other));
    assert_eq!(
        redis
            .zcard(&format!("netsuite-mcp:limiter:{ACCOUNT}:holders"))
            .await,
        0
    );
}

#[tokio::test]
async fn the_first_command_after_redis_comes_back_works() {
    let Some(mut redis) = RedisServer::start().await else {
        return;
    };
    let scale = scale(&settings(redis.url(), None));
    scale.redis().ping().await.unwrap();

    // Redis restarts while the instance is idle: its connection is dead, which it learns only by using it.
    redis.stop();
    redis.restart().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    scale
        .redis()
        .ping()
        .await
        .expect("the first command after an idle restart works");

    // Redis is down for a while, and was seen down: once back, the next command works.
    redis.stop();
    assert!(scale.redis().ping().await.is_err());
    redis.restart().await;
    scale
        .redis()
        .ping()
        .await
        .expect("the first command after an outage works");
}

/// One `run_suiteql` call through a fresh MCP session on `url`; panics (with the server's log) if it fails.
async fn suiteql_works(url: &str, log: &std::sync::Mutex<String>) {
    let client = Recorder::default()
        .serve(StreamableHttpClientTransport::from_uri(url.to_owned()))
        .await
        .expect("MCP session over HTTP");
    let serde_json::Value::Object(args) = json!({"query": "SELECT id FROM customer", "limit": 1})
    else {
        unreachable!()
    };
    let r = client
        .call_tool(CallToolRequestParams::new("run_suiteql").with_arguments(args))
        .await
        .unwrap();
    assert_ne!(
        r.is_error,
        Some(true),
        "{}\n{}",
        mcp_support::text_of(&r),
        log.lock().unwrap()
    );
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_token_sealed_with_another_state_key_is_replaced_and_flagged_not_fatal() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let serve = |key: &str| {
        let mut cmd = common::serve_http_command("127.0.0.1:0");
        cmd.envs(account.env())
            .env("NETSUITE_MCP_REDIS_URL", redis.url())
            .env("NETSUITE_MCP_STATE_KEY", key);
        cmd
    };
    // A misconfigured instance (another key) stores the shared NetSuite token first, then goes away.
    let wrong =
        common::spawn_serving(&mut serve("another-state-key-of-at-least-32-characters")).await;
    suiteql_works(&wrong.url, &wrong.stderr).await;
    drop(wrong);
    let tokens_before = account.sandbox.counters().token_requests;

    // A well-configured instance cannot open that token: it gets its own rather than failing every call.
    let right = common::spawn_serving(&mut serve(STATE_KEY)).await;
    suiteql_works(&right.url, &right.stderr).await;
    assert_eq!(account.sandbox.counters().token_requests, tokens_before + 1);
    let logged = mcp_support::eventually(Duration::from_secs(5), || {
        right
            .stderr
            .lock()
            .unwrap()
            .contains("another key shares this Redis")
    })
    .await;
    assert!(
        logged,
        "the misconfiguration is logged: {}",
        right.stderr.lock().unwrap()
    );
    // The token it stored is the one the next instance with the right key uses.
    let second = common::spawn_serving(&mut serve(STATE_KEY)).await;
    suiteql_works(&second.url, &second.stderr).await;
    assert_eq!(account.sandbox.counters().token_requests, tokens_before + 1);
}

#[tokio::test]
async fn a_wrong_redis_password_is_named_as_such_and_never_shown() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    redis
        .query(&["CONFIG", "SET", "requirepass", "the-right-pass"])
        .await
        .unwrap();
    let url = redis
        .url()
        .replace("redis://", "redis://:the-wrong-pass-1234@");
    let err = scale(&settings(url, None))
        .redis()
        .ping()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("authentication failed"), "{err}");
    assert!(!err.contains("the-wrong-pass-1234"), "{err}");
}
