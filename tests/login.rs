//! Signing in as a person, end to end: the real `login` binary against the sandbox's authorize page and token
//! endpoint, with the test playing the browser (it follows the authorize URL the binary prints and delivers the
//! redirect), then `serve`, `token` and `logout` using the stored sign-in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod mcp_support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{ACCOUNT, TestAccount, run_bin, text};
use netsuite_mcp::auth::Algorithm;
use netsuite_sandbox::DEFAULT_PUBLIC_CLIENT_ID;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The environment `login`, `serve` and `logout` get: the public integration of the sandbox, the token store in
/// `dir`.
fn login_env(account: &TestAccount, dir: &Path) -> Vec<(String, String)> {
    vec![
        ("NETSUITE_ACCOUNT_ID".into(), ACCOUNT.into()),
        ("NETSUITE_CLIENT_ID".into(), DEFAULT_PUBLIC_CLIENT_ID.into()),
        ("NETSUITE_BASE_URL".into(), account.sandbox.base_url()),
        ("NETSUITE_APP_BASE_URL".into(), account.sandbox.base_url()),
        ("NETSUITE_MCP_TOKEN_STORE".into(), "file".into()),
        ("NETSUITE_MCP_TOKEN_DIR".into(), dir.display().to_string()),
        ("RUST_LOG".into(), "trace".into()),
    ]
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `login`, its stderr collected.
struct LoginRun {
    child: tokio::process::Child,
    authorize_url: String,
    stderr: Arc<Mutex<String>>,
}

async fn start_login(env: &[(String, String)], args: &[&str]) -> LoginRun {
    let mut cmd = tokio::process::Command::new(common::bin());
    cmd.arg("login")
        .arg("--no-browser")
        .args(args)
        .current_dir(common::neutral_dir())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let stderr = Arc::new(Mutex::new(String::new()));
    let authorize_url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            stderr.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(url) = line.split_whitespace().find(|w| w.contains("authorize.nl")) {
                return url.to_owned();
            }
        }
        panic!(
            "login exited before printing the URL:\n{}",
            stderr.lock().unwrap()
        );
    })
    .await
    .expect("login prints the authorize URL");
    let sink = stderr.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            sink.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    LoginRun {
        child,
        authorize_url,
        stderr,
    }
}

impl LoginRun {
    /// What the browser does at NetSuite: load the authorize page and read where it redirects.
    async fn approve(&self) -> String {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = browser.get(&self.authorize_url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 302, "authorize page answered");
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    /// The browser follows the redirect to the loopback listener (accepting its one-off certificate).
    async fn deliver(&self, location: &str) -> (u16, String) {
        let browser = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        let response = browser.get(location).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn paste(&mut self, text: &str) {
        let mut stdin = self.child.stdin.take().unwrap();
        stdin
            .write_all(format!("{text}\n").as_bytes())
            .await
            .unwrap();
        stdin.flush().await.unwrap();
    }

    /// Waits for the exit; returns (success, stdout, stderr).
    async fn finish(self) -> (bool, String, String) {
        let output = tokio::time::timeout(Duration::from_secs(30), self.child.wait_with_output())
            .await
            .expect("login exits")
            .unwrap();
        // Let the stderr reader catch up.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let stderr = self.stderr.lock().unwrap().clone();
        (output.status.success(), text(&output.stdout), stderr)
    }
}

fn token_file(dir: &Path) -> PathBuf {
    dir.join("default.json")
}

fn stored(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(token_file(dir)).unwrap()).unwrap()
}

/// Signs in over an https loopback listener and returns login's stdout and stderr.
async fn sign_in(account: &TestAccount, dir: &Path) -> (String, String) {
    let port = free_port().to_string();
    let run = start_login(&login_env(account, dir), &["--port", &port]).await;
    let location = run.approve().await;
    let (status, page) = run.deliver(&location).await;
    assert_eq!(status, 200, "{page}");
    let (ok, stdout, stderr) = run.finish().await;
    assert!(ok, "login failed:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

#[tokio::test]
async fn login_over_https_stores_the_tokens_and_serve_acts_as_that_person() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let run = start_login(
        &login_env(&account, dir.path()),
        &["--port", &port.to_string()],
    )
    .await;
    assert!(
        run.authorize_url.contains(&format!(
            "redirect_uri=https%3A%2F%2F127.0.0.1%3A{port}%2Fcallback"
        )),
        "{}",
        run.authorize_url
    );
    assert!(run.authorize_url.contains("code_challenge_method=S256"));
    let location = run.approve().await;
    assert!(
        location.starts_with(&format!("https://127.0.0.1:{port}/callback?")),
        "{location}"
    );
    let (status, page) = run.deliver(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("close this tab"), "{page}");
    let (ok, stdout, stderr) = run.finish().await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("as entity 12 with role 3"), "{stdout}");
    assert!(
        stdout.contains(&token_file(dir.path()).display().to_string()),
        "{stdout}"
    );

    // The file holds this profile's tokens and who they belong to, nothing else, readable by the owner only.
    let saved = stored(dir.path());
    let mut keys: Vec<&str> = saved
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "access_expires_at",
            "access_token",
            "account_id",
            "client_id",
            "company",
            "entity",
            "refresh_token",
            "role",
            "signed_in_at"
        ]
    );
    assert_eq!(saved["account_id"], ACCOUNT);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(token_file(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let secrets = [
        saved["refresh_token"].as_str().unwrap().to_owned(),
        saved["access_token"].as_str().unwrap().to_owned(),
    ];
    mcp_support::assert_no_secrets(&format!("{stdout}{stderr}"), &secrets);

    // `serve` finds the sign-in with no M2M settings at all, and NetSuite sees entity 12's token.
    let mcp = mcp_support::spawn_with_env(&[], &login_env(&account, dir.path())).await;
    let rows = mcp
        .ok(
            "run_suiteql",
            json!({"query": "SELECT id FROM customer ORDER BY id", "limit": 2}),
        )
        .await;
    assert_eq!(rows["rows"].as_array().unwrap().len(), 2, "{rows}");
    assert!(
        account
            .sandbox
            .calls_by_entity()
            .get(&12)
            .copied()
            .unwrap_or(0)
            >= 1
    );
    let log = mcp.close().await;
    mcp_support::assert_no_secrets(&log, &secrets);
}

#[tokio::test]
async fn login_over_plain_http_and_by_paste_both_sign_in() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let env = login_env(&account, dir.path());

    let port = free_port().to_string();
    let run = start_login(&env, &["--redirect", "http", "--port", &port]).await;
    assert!(
        run.authorize_url
            .contains("redirect_uri=http%3A%2F%2F127.0.0.1"),
        "{}",
        run.authorize_url
    );
    let location = run.approve().await;
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    assert_eq!(run.deliver(&location).await.0, 200);
    let (ok, stdout, stderr) = run.finish().await;
    assert!(ok && stdout.contains("Signed in"), "{stdout}{stderr}");
    let first = stored(dir.path())["refresh_token"].clone();

    // Paste: nothing listens; the person copies the address the browser could not load.
    let mut run = start_login(&env, &["--redirect", "paste"]).await;
    let location = run.approve().await;
    assert!(
        location.starts_with("https://127.0.0.1:8765/callback?"),
        "{location}"
    );
    run.paste(&format!("  {location}  ")).await;
    let (ok, stdout, stderr) = run.finish().await;
    assert!(ok, "{stderr}");
    assert!(stderr.contains("paste it here"), "{stderr}");
    assert!(stdout.contains("as entity 12"), "{stdout}");
    assert_ne!(
        stored(dir.path())["refresh_token"],
        first,
        "a new sign-in replaces the old"
    );
    // The replaced sign-in was revoked at NetSuite.
    assert_eq!(account.sandbox.login_counters().revocations, 1);
    assert_eq!(account.sandbox.login_counters().code_exchanges, 2);
}

#[tokio::test]
async fn a_foreign_state_a_refusal_and_an_expired_code_each_fail_clearly_and_store_nothing() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let env = login_env(&account, dir.path());

    // A redirect carrying another sign-in's state.
    let port = free_port().to_string();
    let run = start_login(&env, &["--port", &port]).await;
    let location = run.approve().await;
    let (head, query) = location.split_once('?').unwrap();
    let forged: Vec<String> = query
        .split('&')
        .map(|p| {
            if p.starts_with("state=") {
                "state=AAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()
            } else {
                p.to_owned()
            }
        })
        .collect();
    let (status, page) = run.deliver(&format!("{head}?{}", forged.join("&"))).await;
    assert_eq!(status, 400);
    assert!(page.contains("state does not match"), "{page}");
    let (ok, _, stderr) = run.finish().await;
    assert!(!ok);
    assert!(stderr.contains("state does not match"), "{stderr}");

    // The person refuses on NetSuite's page.
    account.sandbox.deny_next_authorization();
    let mut run = start_login(&env, &["--redirect", "paste"]).await;
    let location = run.approve().await;
    assert!(location.contains("error=access_denied"), "{location}");
    run.paste(&location).await;
    let (ok, _, stderr) = run.finish().await;
    assert!(!ok);
    assert!(
        stderr.contains("NetSuite refused the sign-in: access_denied"),
        "{stderr}"
    );

    // The code expires before it is exchanged.
    let mut run = start_login(&env, &["--redirect", "paste"]).await;
    let location = run.approve().await;
    account.sandbox.expire_all_codes();
    run.paste(&location).await;
    let (ok, _, stderr) = run.finish().await;
    assert!(!ok);
    assert!(
        stderr.contains("invalid_grant") && stderr.contains("run `netsuite-mcp login` again"),
        "{stderr}"
    );

    assert!(
        !token_file(dir.path()).exists(),
        "nothing stored after failed sign-ins"
    );
    assert_eq!(account.sandbox.login_counters().code_exchanges, 0);
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_at_the_code_exchange() {
    use netsuite_mcp::auth::pkce::{AuthorizeRequest, Pkce, new_state, parse_redirect};
    let account = common::start(Algorithm::ES256).await;
    let redirect_uri = "https://127.0.0.1:8765/callback";
    let pkce = Pkce::generate().unwrap();
    let state = new_state().unwrap();
    let url = AuthorizeRequest {
        client_id: DEFAULT_PUBLIC_CLIENT_ID,
        redirect_uri,
        scopes: &["rest_webservices"],
        state: &state,
        challenge: pkce.challenge(),
    }
    .url(&url::Url::parse(&account.sandbox.authorize_url()).unwrap());
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = browser.get(url).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let redirect = parse_redirect(&url::Url::parse(&location).unwrap(), &state).unwrap();
    let other = Pkce::generate().unwrap();
    let client = netsuite_mcp::auth::ClientAuth {
        client_id: DEFAULT_PUBLIC_CLIENT_ID.into(),
        secret: None,
    };
    let err = netsuite_mcp::auth::code_grant::exchange_code(
        &reqwest::Client::new(),
        &account.sandbox.token_url(),
        &client,
        &redirect.code,
        redirect_uri,
        other.verifier(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("invalid_grant"), "{err}");
    assert!(err.to_string().contains("verifier"), "{err}");
}

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
async fn logout_revokes_at_netsuite_and_deletes_the_entry() {
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let env = login_env(&account, dir.path());
    sign_in(&account, dir.path()).await;
    let refresh = stored(dir.path())["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let token = run_bin(&["token"], &env).await;
    assert!(token.status.success(), "{}", text(&token.stderr));

    let out = run_bin(&["logout"], &env).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("revoked at NetSuite"),
        "{}",
        text(&out.stdout)
    );
    assert!(!token_file(dir.path()).exists());
    assert_eq!(account.sandbox.login_counters().revocations, 1);
    assert!(!text(&out.stderr).contains(&refresh));

    // Signed out: commands say how to sign in again; logout again is a no-op.
    let doctor = run_bin(&["doctor"], &env).await;
    assert!(!doctor.status.success());
    assert!(
        text(&doctor.stdout).contains("netsuite-mcp login"),
        "{}",
        text(&doctor.stdout)
    );
    let again = run_bin(&["logout"], &env).await;
    assert!(again.status.success());
    assert!(
        text(&again.stdout).contains("nothing to do"),
        "{}",
        text(&again.stdout)
    );
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
