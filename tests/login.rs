//! Signing in as a person, end to end: the real `login` binary against the sandbox's authorize page and token
//! endpoint, with the test playing the browser (it follows the authorize URL the binary prints and delivers the
//! redirect), then `serve`, `token` and `logout` using the stored sign-in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod login_support;
mod mcp_support;

use common::{ACCOUNT, run_bin, text};
use login_support::*;
use netsuite_mcp::auth::Algorithm;
use netsuite_sandbox::DEFAULT_PUBLIC_CLIENT_ID;
use serde_json::json;

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
async fn a_foreign_state_is_ignored_and_a_refusal_or_an_expired_code_fails_clearly_storing_nothing()
{
    let account = common::start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let env = login_env(&account, dir.path());

    // A redirect carrying another sign-in's state is answered 400 and ignored.
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
    // The forged redirect does not end the sign-in (any web page could send one): the real one still works.
    let (status, _) = run.deliver(&location).await;
    assert_eq!(status, 200);
    let (ok, _, stderr) = run.finish().await;
    assert!(ok, "{stderr}");
    assert!(stderr.contains("ignored a request"), "{stderr}");
    std::fs::remove_file(token_file(dir.path())).unwrap();

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
    assert_eq!(
        account.sandbox.login_counters().code_exchanges,
        1,
        "only the real redirect"
    );
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
