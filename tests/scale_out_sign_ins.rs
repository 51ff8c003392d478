//! Signed-in people across instances (design.md §1.9), through a real `redis-server`: three `serve --http`
//! processes in oauth mode share the authorization server's state, so each step of a sign-in may land on any of
//! them, a token issued by one works on all, a person's NetSuite tokens are refreshed once for all of them
//! (NetSuite's refresh tokens are single use), and a replayed or revoked token ends the sign-in everywhere; and
//! instances serving one `netsuite-mcp login` sign-in (each with its own copy of the token store) refresh it once
//! between them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod login_support;
mod mcp_support;
mod oauth_support;
mod redis_support;

use std::time::Duration;

use netsuite_mcp::auth::Algorithm;
use oauth_support::*;
use redis_support::RedisServer;
use serde_json::{Value, json};

const STATE_KEY: &str = "oauth-scale-out-test-state-key-0123456789abcdef";

async fn instances(account: &common::TestAccount, redis: &RedisServer, n: usize) -> Vec<Server> {
    let env = [
        ("NETSUITE_MCP_REDIS_URL", redis.url()),
        ("NETSUITE_MCP_STATE_KEY", STATE_KEY.to_owned()),
    ];
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(serve_with(account, free_port(), &env).await);
    }
    out
}

/// Registers on `a`, opens `/authorize` on `b`, consents on `c` and exchanges the code on `a`: every step on
/// another instance. Returns (client id, token response).
async fn sign_in_across(a: &Server, b: &Server, c: &Server) -> (String, Value) {
    let client_id = register(a, "scale-out client").await;
    let verifier = "w".repeat(43);
    let authorize = authorize_url(&b.base, &client_id, &verifier, &[("state", "s-1")]);
    let http = no_redirects();
    let page = http.get(authorize.as_str()).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "the consent page on b");
    let html = page.text().await.unwrap();
    let request = consent_request(&html);
    let answer = http
        .post(format!("{}/authorize", c.base))
        .form(&[("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 302, "consent given on c");
    let to_netsuite = location(&answer);
    let to_callback = location(&http.get(&to_netsuite).send().await.unwrap());
    let to_client = location(&http.get(&to_callback).send().await.unwrap());
    assert!(to_client.starts_with(REDIRECT), "{to_client}");
    let code = query(&to_client, "code").expect("a code");
    let r = exchange(&a.base, &client_id, &code, &verifier).await;
    assert_eq!(r.status().as_u16(), 200);
    (client_id, r.json().await.unwrap())
}

async fn suiteql_ok(server: &Server, token: &str) {
    let client = mcp(server, token).await;
    let r = call(
        &client,
        "run_suiteql",
        json!({"query": "SELECT id FROM currency", "limit": 1}),
    )
    .await;
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    client.cancel().await.unwrap();
}

/// The HTTP status of an `initialize` request with `token`.
async fn mcp_status(server: &Server, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/mcp", server.base))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}}}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Every key of `redis` with its value(s) as text: strings, hash fields and values, list items, set members.
async fn redis_contents(redis: &RedisServer) -> Vec<(String, String)> {
    let redis::Value::Array(keys) = redis.query(&["KEYS", "*"]).await.unwrap() else {
        panic!("KEYS answered something else");
    };
    let mut out = Vec::new();
    for key in keys {
        let redis::Value::BulkString(name) = key else {
            continue;
        };
        let name = String::from_utf8(name).unwrap();
        let redis::Value::SimpleString(kind) = redis.query(&["TYPE", &name]).await.unwrap() else {
            panic!("TYPE answered something else");
        };
        let value = match kind.as_str() {
            "string" => redis.query(&["GET", &name]).await,
            "hash" => redis.query(&["HGETALL", &name]).await,
            "list" => redis.query(&["LRANGE", &name, "0", "-1"]).await,
            "set" => redis.query(&["SMEMBERS", &name]).await,
            "zset" => redis.query(&["ZRANGE", &name, "0", "-1"]).await,
            _ => continue,
        };
        out.push((name, text_of(&value.unwrap())));
    }
    out
}

/// A reply's strings, joined.
fn text_of(value: &redis::Value) -> String {
    match value {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::SimpleString(s) => s.clone(),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            items.iter().map(text_of).collect::<Vec<_>>().join("\n")
        }
        redis::Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| format!("{}={}", text_of(k), text_of(v)))
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{other:?}"),
    }
}

/// Where the account's OAuth state lives in Redis (default prefix).
fn oauth_prefix() -> String {
    format!("netsuite-mcp:oauth:{}:", common::ACCOUNT)
}

fn sha256_hex(s: &str) -> String {
    use aws_lc_rs::digest::{SHA256, digest};
    digest(&SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn refresh(server: &Server, client_id: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/token", server.base))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", client_id),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_sign_in_spread_over_three_instances_works_on_all_and_its_netsuite_tokens_rotate_once() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let servers = instances(&account, &redis, 3).await;
    let (a, b, c) = (&servers[0], &servers[1], &servers[2]);
    let (client_id, tokens) = sign_in_across(a, b, c).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();

    // The token works on every instance, as the person who signed in.
    for s in &servers {
        suiteql_ok(s, &access).await;
    }
    assert_eq!(account.sandbox.calls_by_entity().get(&12).copied(), Some(3));
    assert_eq!(account.sandbox.login_counters().refreshes, 0);

    // NetSuite's access token expires: every instance needs a new one at once, and the single-use refresh token
    // is spent exactly once (a second spend would be refused and end the person's chain at NetSuite).
    account.sandbox.expire_all_tokens();
    let calls: Vec<_> = servers
        .iter()
        .flat_map(|s| [s, s])
        .map(|s| suiteql_ok(s, &access))
        .collect();
    futures_util::future::join_all(calls).await;
    let counters = account.sandbox.login_counters();
    assert_eq!(counters.refreshes, 1, "{counters:?}");
    assert_eq!(counters.refresh_reuse_rejections, 0, "{counters:?}");

    // Our refresh token, spent on b, replayed on c: the sign-in ends everywhere, and at NetSuite.
    let spent = tokens["refresh_token"].as_str().unwrap();
    let r = refresh(b, &client_id, spent).await;
    assert_eq!(r.status().as_u16(), 200);
    let renewed: Value = r.json().await.unwrap();
    let new_access = renewed["access_token"].as_str().unwrap();
    suiteql_ok(c, new_access).await;
    let r = refresh(c, &client_id, spent).await;
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
    for s in &servers {
        assert_eq!(
            mcp_status(s, new_access).await,
            401,
            "the ended grant on {}",
            s.base
        );
    }
    assert!(
        mcp_support::eventually(Duration::from_secs(10), || {
            account.sandbox.login_counters().revocations == 1
        })
        .await,
        "the ended sign-in was not revoked at NetSuite"
    );
}

#[tokio::test]
async fn a_revoked_token_is_refused_everywhere_a_tampered_entry_is_ignored_and_redis_down_is_503() {
    let Some(mut redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let servers = instances(&account, &redis, 2).await;
    let (a, b) = (&servers[0], &servers[1]);
    let (client_id, tokens) = sign_in_across(a, b, a).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(mcp_status(b, &access).await, 200);

    // What Redis holds is never a token or a NetSuite secret: every string, hash field and list item is checked.
    let contents = redis_contents(&redis).await;
    assert!(
        contents.iter().any(|(_, v)| v.contains("scale-out client")),
        "the registered client is in Redis, readable by this check: {contents:?}"
    );
    for (name, value) in contents {
        assert!(!name.contains(&access), "{name}");
        assert!(
            !value.contains(&access)
                && !value.contains("refresh_token")
                && !value.contains("access_token"),
            "{name}: {value}"
        );
    }

    // Someone who can write to Redis but lacks the state key points a second person's token at the first
    // person's grant: the entry no longer matches its vouch, and the token is refused rather than obeyed.
    let (_, second) = sign_in_across(b, a, b).await;
    let second = second["access_token"].as_str().unwrap().to_owned();
    assert_eq!(mcp_status(a, &second).await, 200);
    let key = format!("{}access:{}", oauth_prefix(), sha256_hex(&second));
    let redis::Value::BulkString(entry) = redis.query(&["GET", &key]).await.unwrap() else {
        panic!("no entry for the second token");
    };
    let mut entry: Value = serde_json::from_slice(&entry).unwrap();
    let first_key = format!("{}access:{}", oauth_prefix(), sha256_hex(&access));
    let redis::Value::BulkString(first) = redis.query(&["GET", &first_key]).await.unwrap() else {
        panic!("no entry for the first token");
    };
    let first: Value = serde_json::from_slice(&first).unwrap();
    assert_ne!(entry["grant"], first["grant"], "two sign-ins, two grants");
    entry["grant"] = first["grant"].clone();
    redis
        .query(&["SET", &key, &entry.to_string()])
        .await
        .unwrap();
    assert_eq!(mcp_status(a, &second).await, 401);
    assert_eq!(
        mcp_status(a, &access).await,
        200,
        "the first person is untouched"
    );

    // Redis goes away: the token cannot be checked, which is not the token's fault — 503, so the client keeps it.
    redis.stop();
    let r = reqwest::Client::new()
        .post(format!("{}/mcp", b.base))
        .bearer_auth(&access)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let r = refresh(a, &client_id, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(r.status().as_u16(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    redis.restart().await;

    // Back (empty: this Redis keeps nothing across a restart), a new sign-in; revoked on a, refused on b.
    let (_, tokens) = sign_in_across(b, a, b).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(mcp_status(b, &access).await, 200);
    let r = reqwest::Client::new()
        .post(format!("{}/revoke", a.base))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(mcp_status(b, &access).await, 401);
}

#[tokio::test]
async fn tokens_netsuite_issues_after_the_sign_in_ended_are_revoked_not_kept() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let servers = instances(&account, &redis, 2).await;
    let (a, b) = (&servers[0], &servers[1]);
    let (_, tokens) = sign_in_across(a, b, a).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let client = mcp(a, &access).await;

    // A call on a needs a new NetSuite token; NetSuite rotates the refresh token at once but answers slowly (long
    // enough for the sign-out below to land first, on a loaded machine too).
    account.sandbox.expire_all_tokens();
    account.sandbox.set_token_latency(Duration::from_secs(4));
    let call = call(
        &client,
        "run_suiteql",
        json!({"query": "SELECT id FROM currency", "limit": 1}),
    );
    let revoke = async {
        assert!(
            mcp_support::eventually(Duration::from_secs(10), || {
                account.sandbox.login_counters().refreshes == 1
            })
            .await
        );
        // Meanwhile the person signs out on b: the sign-in ends, its NetSuite refresh token is revoked.
        let r = reqwest::Client::new()
            .post(format!("{}/revoke", b.base))
            .form(&[("token", access.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert!(
            mcp_support::eventually(Duration::from_secs(10), || {
                account.sandbox.login_counters().revoke_requests >= 1
            })
            .await
        );
    };
    let (result, ()) = tokio::join!(call, revoke);
    assert_eq!(result.is_error, Some(true), "{:?}", result.content);
    assert!(
        format!("{:?}", result.content).contains("sign-in has ended"),
        "{:?}",
        result.content
    );

    // The tokens NetSuite issued for the ended sign-in are nobody's: a revokes them rather than keeping them
    // alive until they expire, and never stores them again.
    assert!(
        mcp_support::eventually(Duration::from_secs(10), || {
            account.sandbox.login_counters().revoke_requests == 2
        })
        .await,
        "{:?}",
        account.sandbox.login_counters()
    );
    let key = format!("{}grant:", oauth_prefix());
    let contents = redis_contents(&redis).await;
    assert!(
        contents.iter().all(|(name, _)| !name.contains(&key)),
        "the ended grant came back: {contents:?}"
    );
    assert_eq!(mcp_status(a, &access).await, 401);
}

#[tokio::test]
async fn instances_with_their_own_copy_of_a_login_refresh_it_once_between_them() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let first = tempfile::tempdir().unwrap();
    login_support::sign_in(&account, first.path()).await;
    // Three machines, each with the same sign-in in its own token store (no lock file in common).
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for dir in &dirs {
        std::fs::copy(
            login_support::token_file(first.path()),
            login_support::token_file(dir.path()),
        )
        .unwrap();
    }
    // The stored access token expires, and a slow token endpoint makes refreshes overlap unless the instances
    // take turns.
    account.sandbox.expire_all_tokens();
    account
        .sandbox
        .set_token_latency(Duration::from_millis(300));
    let mut servers = Vec::new();
    for dir in &dirs {
        let mut env = login_support::login_env(&account, dir.path());
        env.push(("NETSUITE_MCP_REDIS_URL".into(), redis.url()));
        env.push(("NETSUITE_MCP_STATE_KEY".into(), STATE_KEY.into()));
        servers.push(mcp_support::spawn_with_env(&[], &env).await);
    }
    let query = json!({"query": "SELECT id FROM currency", "limit": 1});
    futures_util::future::join_all(servers.iter().map(|s| s.ok("run_suiteql", query.clone())))
        .await;
    let counters = account.sandbox.login_counters();
    assert_eq!(counters.refreshes, 1, "{counters:?}");
    assert_eq!(counters.refresh_reuse_rejections, 0, "{counters:?}");
    for server in servers {
        server.close().await;
    }
    // Each machine's own store took the rotated sign-in, so it keeps working without Redis too.
    let original = login_support::stored(first.path())["refresh_token"].clone();
    let rotated = login_support::stored(dirs[0].path())["refresh_token"].clone();
    assert_ne!(rotated, original);
    for dir in &dirs[1..] {
        assert_eq!(login_support::stored(dir.path())["refresh_token"], rotated);
    }
}

#[tokio::test]
async fn a_refresh_spent_without_tokens_issued_may_be_retried_but_not_replayed_or_raced() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let servers = instances(&account, &redis, 2).await;
    let (a, b) = (&servers[0], &servers[1]);
    let (client_id, tokens) = sign_in_across(a, b, a).await;
    let spent = tokens["refresh_token"].as_str().unwrap();
    // What Redis holds after the spend step ran and the issue step did not (Redis went away in between, and the
    // client got a 503): the token marked spent a moment ago, nothing issued for it.
    let key = format!("{}refresh:{}", oauth_prefix(), sha256_hex(spent));
    let redis::Value::BulkString(entry) = redis.query(&["GET", &key]).await.unwrap() else {
        panic!("no entry for the refresh token");
    };
    let mut entry: Value = serde_json::from_slice(&entry).unwrap();
    entry["spent"] = json!(true);
    entry["spent_ms"] = json!(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    );
    redis
        .query(&["SET", &key, &entry.to_string()])
        .await
        .unwrap();

    // The client's retry is honoured, on any instance ...
    let r = refresh(b, &client_id, spent).await;
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    let renewed: Value = r.json().await.unwrap();
    let access = renewed["access_token"].as_str().unwrap();
    assert_eq!(mcp_status(a, access).await, 200);
    // ... but once tokens were issued for it, presenting it again is a replay that ends the sign-in.
    let r = refresh(a, &client_id, spent).await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(mcp_status(b, access).await, 401);

    // Two requests racing with one refresh token on two instances never both get tokens.
    for _ in 0..5 {
        let (client_id, tokens) = sign_in_across(a, b, a).await;
        let token = tokens["refresh_token"].as_str().unwrap();
        let (x, y) = tokio::join!(refresh(a, &client_id, token), refresh(b, &client_id, token));
        let ok = [x.status().as_u16(), y.status().as_u16()]
            .iter()
            .filter(|s| **s == 200)
            .count();
        assert!(ok <= 1, "both racing refreshes got tokens");
    }
}

#[tokio::test]
async fn a_flood_of_registrations_never_pushes_out_a_client_someone_is_signed_in_through() {
    let Some(redis) = RedisServer::start().await else {
        return;
    };
    let account = common::start(Algorithm::ES256).await;
    let servers = instances(&account, &redis, 1).await;
    let a = &servers[0];
    let (client_id, tokens) = sign_in_across(a, a, a).await;
    // The registry is full (10 000) of clients nobody uses, all used more recently than the real one.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let z = &format!("{}clients", oauth_prefix());
    redis
        .query(&["ZADD", z, &(now - 3600).to_string(), &client_id])
        .await
        .unwrap();
    let fakes: Vec<(String, String)> = (0..9_999)
        .map(|i| ((now - 60).to_string(), format!("flood-{i}")))
        .collect();
    let mut args = vec!["ZADD", z];
    for (score, member) in &fakes {
        args.push(score);
        args.push(member);
    }
    redis.query(&args).await.unwrap();
    assert_eq!(redis.zcard(z).await, 10_000);

    for _ in 0..3 {
        register(a, "flood").await;
    }
    assert_eq!(
        redis.zcard(z).await,
        10_000,
        "full: each new one replaced an unused one"
    );
    let r = refresh(a, &client_id, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        r.status().as_u16(),
        200,
        "the client in use is still registered: {}",
        r.text().await.unwrap()
    );
}
