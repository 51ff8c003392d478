//! A stored sign-in in use: refresh with rotation across `serve` restarts, a spent refresh token, many
//! concurrent calls and several processes sharing one sign-in (each refreshing once between them), and a
//! confidential client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod login_support;
mod mcp_support;

use std::time::Duration;

use common::{ACCOUNT, run_bin, text};
use login_support::*;
use netsuite_mcp::auth::Algorithm;
use serde_json::json;

#[tokio::test]
async fn refresh_rotates_across_serve_restarts_and_a_spent_token_asks_for_login() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let env = login_env(&account, dir.path());
    sign_in(&account, dir.path()).await;
    let query = json!({"query": "SELECT id FROM customer ORDER BY id", "limit": 1});

    // NetSuite expires the access token: the first call gets 401, refreshes once, saves the rotated token.
    let original = stored(dir.path());
    account.sandbox.expire_all_tokens();
    let mcp = mcp_support::spawn_with_env(&[], &env).await;
    mcp.ok("run_suiteql", query.clone()).await;
    let log = mcp.close().await;
    let after_first = stored(dir.path());
    let new_tokens = [
        after_first["refresh_token"].as_str().unwrap().to_owned(),
        after_first["access_token"].as_str().unwrap().to_owned(),
    ];
    mcp_support::assert_no_secrets(&log, &new_tokens);
    assert_ne!(after_first["refresh_token"], original["refresh_token"]);
    assert_eq!(account.sandbox.login_counters().refreshes, 1);

    // A new process picks up the rotated token, and rotates again.
    account.sandbox.expire_all_tokens();
    let mcp = mcp_support::spawn_with_env(&[], &env).await;
    mcp.ok("run_suiteql", query.clone()).await;
    mcp.close().await;
    let after_second = stored(dir.path());
    assert_ne!(after_second["refresh_token"], after_first["refresh_token"]);
    assert_eq!(account.sandbox.login_counters().refreshes, 2);
    assert_eq!(account.sandbox.login_counters().refresh_reuse_rejections, 0);

    // A stale copy of the store (a spent refresh token): NetSuite refuses it, and the tool result says what to do.
    std::fs::write(
        token_file(dir.path()),
        serde_json::to_vec(&after_first).unwrap(),
    )
    .unwrap();
    account.sandbox.expire_all_tokens();
    let mcp = mcp_support::spawn_with_env(&[], &env).await;
    let err = mcp.err("run_suiteql", query.clone()).await;
    assert!(err.contains("netsuite-mcp login"), "{err}");
    assert!(err.contains("invalid_grant"), "{err}");
    mcp.close().await;
    assert_eq!(account.sandbox.login_counters().refresh_reuse_rejections, 1);
}

#[tokio::test]
async fn two_hundred_concurrent_calls_on_an_expired_token_cause_one_refresh() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    sign_in(&account, dir.path()).await;
    account.sandbox.expire_all_tokens();
    let settings = netsuite_mcp::config::Settings::load(None, None, Default::default(), |k| {
        login_env(&account, dir.path())
            .into_iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v)
    })
    .unwrap();
    let client = netsuite_mcp::commands::wiring::netsuite_client(
        netsuite_mcp::commands::wiring::netsuite_config(&settings).unwrap(),
        common::fast_retries(),
    )
    .unwrap();
    let calls = (0..200).map(|_| {
        let client = client.clone();
        async move { client.suiteql("SELECT id FROM currency", 0, 1).await }
    });
    let results = futures_join_all(calls).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(account.sandbox.login_counters().refreshes, 1);
}

/// Runs every future on its own task, all at once, and collects the outputs in order.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn processes_sharing_a_sign_in_refresh_it_once_between_them() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let env = login_env(&account, dir.path());
    sign_in(&account, dir.path()).await;
    // The stored access token has run out: every process needs a refresh, and the refresh token is single-use.
    let mut saved = stored(dir.path());
    saved["access_expires_at"] = json!(1);
    std::fs::write(token_file(dir.path()), serde_json::to_vec(&saved).unwrap()).unwrap();
    // A slow token endpoint makes the refreshes overlap unless the processes take turns.
    account
        .sandbox
        .set_token_latency(Duration::from_millis(400));

    let runs: Vec<_> = (0..6)
        .map(|_| {
            let env = env.clone();
            tokio::spawn(async move { run_bin(&["token"], &env).await })
        })
        .collect();
    let mut printed = Vec::new();
    for run in runs {
        let out = run.await.unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        printed.push(text(&out.stdout).trim().to_owned());
    }
    let counters = account.sandbox.login_counters();
    assert_eq!(counters.refreshes, 1, "{counters:?}");
    assert_eq!(counters.refresh_reuse_rejections, 0);
    printed.dedup();
    assert_eq!(
        printed.len(),
        1,
        "every process got the one refreshed token"
    );
    assert_eq!(
        stored(dir.path())["access_token"].as_str(),
        Some(printed[0].as_str())
    );
}

#[tokio::test]
async fn a_confidential_client_signs_in_with_basic_auth_and_keeps_its_refresh_token() {
    let secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let client_id = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    let account = common::start_with(Algorithm::ES256, 3072, |config| {
        config
            .login
            .integrations
            .push(netsuite_sandbox::LoginIntegration::confidential(
                client_id,
                secret,
                vec!["https://127.0.0.1:8765/callback".into()],
            ));
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("client-secret");
    std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
    let mut env = login_env(&account, &dir.path().join("tokens"));
    env.retain(|(k, _)| k != "NETSUITE_CLIENT_ID");
    env.push(("NETSUITE_CLIENT_ID".into(), client_id.into()));
    env.push((
        "NETSUITE_CLIENT_SECRET_FILE".into(),
        secret_file.display().to_string(),
    ));

    let mut run = start_login(&env, &["--redirect", "paste"]).await;
    let location = run.approve().await;
    run.paste(&location).await;
    let (ok, stdout, stderr) = run.finish().await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Signed in"), "{stdout}");
    assert!(!format!("{stdout}{stderr}").contains(secret));
    let tokens = dir.path().join("tokens");
    let before = stored(&tokens);

    // A confidential client's refresh returns no new refresh token: the stored one stays.
    account.sandbox.expire_all_tokens();
    let mcp = mcp_support::spawn_with_env(&[], &env).await;
    mcp.ok(
        "run_suiteql",
        json!({"query": "SELECT id FROM currency", "limit": 1}),
    )
    .await;
    let log = mcp.close().await;
    assert!(!log.contains(secret));
    let after = stored(&tokens);
    assert_eq!(after["refresh_token"], before["refresh_token"]);
    assert_ne!(after["access_token"], before["access_token"]);
    assert_eq!(account.sandbox.login_counters().refreshes, 1);

    // A wrong secret is refused with the fix.
    std::fs::write(&secret_file, "wrong").unwrap();
    std::fs::write(
        tokens.join("default.json"),
        serde_json::to_vec(&json!({
            "account_id": ACCOUNT, "client_id": client_id, "refresh_token": before["refresh_token"],
            "signed_in_at": 1
        }))
        .unwrap(),
    )
    .unwrap();
    let out = run_bin(&["token"], &env).await;
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("invalid_client") && err.contains("NETSUITE_CLIENT_SECRET"),
        "{err}"
    );
}

#[tokio::test]
async fn a_call_cancelled_while_its_refresh_is_at_netsuite_still_keeps_the_rotated_sign_in() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let env = login_env(&account, dir.path());
    sign_in(&account, dir.path()).await;
    let original = stored(dir.path());
    account.sandbox.expire_all_tokens();
    // NetSuite carries out the refresh at once but answers slowly: the call is cancelled in between.
    account
        .sandbox
        .set_token_latency(Duration::from_millis(1500));
    let mcp = mcp_support::spawn_with_env(&[], &env).await;
    let query = json!({"query": "SELECT id FROM customer ORDER BY id", "limit": 1});
    let before = account.sandbox.counters().token_requests;
    {
        let call = mcp.try_call("run_suiteql", query.clone());
        tokio::pin!(call);
        let refreshing = async {
            while account.sandbox.counters().token_requests == before {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::select! {
            done = &mut call => panic!("the call finished before it could be cancelled: {done:?}"),
            () = refreshing => {}
        }
        // Dropping the call future here sends notifications/cancelled.
    }
    account.sandbox.set_token_latency(Duration::ZERO);
    assert!(
        mcp_support::eventually(Duration::from_secs(10), || {
            stored(dir.path())["refresh_token"] != original["refresh_token"]
        })
        .await,
        "the rotated refresh token was not saved after the call was cancelled"
    );
    // The next call uses the saved sign-in: no second refresh with the spent token.
    mcp.ok("run_suiteql", query).await;
    mcp.close().await;
    let counters = account.sandbox.login_counters();
    assert_eq!(counters.refreshes, 1, "{counters:?}");
    assert_eq!(counters.refresh_reuse_rejections, 0, "{counters:?}");
}
