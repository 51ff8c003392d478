//! TBA end to end: the real client and binary sign with OAuth 1.0a; the sandbox verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use common::{TestAccount, run_bin, text};
use netsuite_mcp::auth::Algorithm;
use netsuite_mcp::config::Settings;
use netsuite_mcp::netsuite::{ApiRequest, RECORD_PATH};
use netsuite_sandbox::{
    DEFAULT_TBA_CONSUMER_KEY, DEFAULT_TBA_CONSUMER_SECRET, DEFAULT_TBA_TOKEN_ID,
    DEFAULT_TBA_TOKEN_SECRET,
};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;

fn tba_env(account: &TestAccount, token_secret: &str) -> Vec<(String, String)> {
    vec![
        ("NETSUITE_ACCOUNT_ID".into(), common::ACCOUNT.into()),
        (
            "NETSUITE_CONSUMER_KEY".into(),
            DEFAULT_TBA_CONSUMER_KEY.into(),
        ),
        (
            "NETSUITE_CONSUMER_SECRET".into(),
            DEFAULT_TBA_CONSUMER_SECRET.into(),
        ),
        ("NETSUITE_TOKEN_ID".into(), DEFAULT_TBA_TOKEN_ID.into()),
        ("NETSUITE_TOKEN_SECRET".into(), token_secret.into()),
        ("NETSUITE_BASE_URL".into(), account.sandbox.base_url()),
        ("NETSUITE_RETRY_MAX_ATTEMPTS".into(), "2".into()),
        ("RUST_LOG".into(), "trace".into()),
    ]
}

fn tba_settings(account: &TestAccount, token_secret: &str) -> Settings {
    Settings {
        account_id: Some(common::ACCOUNT.into()),
        consumer_key: Some(DEFAULT_TBA_CONSUMER_KEY.into()),
        consumer_secret: Some(SecretString::from(DEFAULT_TBA_CONSUMER_SECRET)),
        token_id: Some(DEFAULT_TBA_TOKEN_ID.into()),
        token_secret: Some(SecretString::from(token_secret.to_owned())),
        base_url: Some(account.sandbox.base_url()),
        ..Default::default()
    }
}

#[tokio::test]
async fn suiteql_pages_restlets_and_records_are_signed_with_tba() {
    let account = common::start(Algorithm::ES256).await;
    let client = common::client_for(tba_settings(&account, DEFAULT_TBA_TOKEN_SECRET));
    assert!(client.tokens().is_none());
    // A window across pages: several signed requests with different limit/offset.
    let all = client
        .suiteql("SELECT id FROM customer ORDER BY id", 0, 1000)
        .await
        .unwrap();
    let window = client
        .suiteql("SELECT id FROM customer ORDER BY id", 3, 5)
        .await
        .unwrap();
    assert_eq!(window.rows.len(), 5.min(all.rows.len().saturating_sub(3)));
    assert_eq!(window.rows[0], all.rows[3]);

    let r = client
        .call_restlet(
            "customscript_echo",
            "customdeploy_echo",
            Method::GET,
            &[("mode".into(), "a b+c&=".into()), ("z".into(), "1".into())],
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(r.body.to_string().contains("a b+c&="), "{}", r.body);

    let req = ApiRequest::get(client.endpoints().rest_url(RECORD_PATH, &["customer", "1"]))
        .query("fields", "companyname");
    let got = client.send(req).await;
    assert!(
        got.is_ok()
            || matches!(&got, Err(netsuite_mcp::netsuite::NetSuiteError::Api(a)) if a.status == 404),
        "{got:?}"
    );
    let c = account.sandbox.counters();
    assert_eq!(c.tokens_issued, 0);
    assert_eq!(c.tba_rejections, 0);
}

#[tokio::test]
async fn a_wrong_token_secret_names_the_causes_in_doctor_and_in_a_tool_result() {
    let account = common::start(Algorithm::ES256).await;
    let env = tba_env(&account, "not-the-secret");
    let out = run_bin(&["doctor"], &env).await;
    let stdout = text(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("TBA signs every request"), "{stdout}");
    for cause in [
        "realm",
        "clock",
        "revoked",
        "Log in using Access Tokens",
        "another integration",
    ] {
        assert!(stdout.contains(cause), "{cause} missing: {stdout}");
    }
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("not-the-secret") && !stderr.contains(DEFAULT_TBA_CONSUMER_SECRET),
        "{stderr}"
    );

    let mcp = mcp_support::spawn_with_env(&[], &env).await;
    let e = mcp
        .err("run_suiteql", json!({"query": "SELECT id FROM customer"}))
        .await;
    assert!(
        e.contains("INVALID_LOGIN") && e.contains("clock") && e.contains("realm"),
        "{e}"
    );
    let log = mcp.close().await;
    assert!(!log.contains("not-the-secret"), "secret in the log");
}

#[tokio::test]
async fn doctor_passes_and_token_refuses_with_good_tba_credentials() {
    let account = common::start(Algorithm::ES256).await;
    let env = tba_env(&account, DEFAULT_TBA_TOKEN_SECRET);
    let out = run_bin(&["doctor"], &env).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains(DEFAULT_TBA_TOKEN_SECRET) && !stderr.contains(DEFAULT_TBA_CONSUMER_SECRET),
        "{stderr}"
    );
    let out = run_bin(&["token"], &env).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no access token"),
        "{}",
        text(&out.stderr)
    );
    // A missing secret is named.
    let partial: Vec<_> = env
        .into_iter()
        .filter(|(k, _)| k != "NETSUITE_CONSUMER_SECRET")
        .collect();
    let out = run_bin(&["doctor"], &partial).await;
    assert!(
        text(&out.stdout).contains("NETSUITE_CONSUMER_SECRET"),
        "{}",
        text(&out.stdout)
    );
}
