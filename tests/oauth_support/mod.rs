//! Helpers for the OAuth tests: the real `serve --http` in oauth mode in front of a sandbox, a client that
//! registers and signs a person in (playing their browser), and rmcp's HTTP client with the access token.
#![allow(dead_code)]

use base64::Engine;
use netsuite_sandbox::DEFAULT_PUBLIC_CLIENT_ID;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

pub use super::common::free_port;
use super::common::{self, ACCOUNT, TestAccount};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// A running `serve --http` in oauth mode in front of `account`'s sandbox.
pub struct Server {
    pub child: tokio::process::Child,
    pub base: String,
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

pub async fn serve(account: &TestAccount) -> Server {
    serve_with(account, free_port(), &[]).await
}

pub fn serve_command(
    account: &TestAccount,
    port: u16,
    env: &[(&str, String)],
) -> tokio::process::Command {
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = common::serve_http_command(&format!("127.0.0.1:{port}"));
    cmd.env("RUST_LOG", "debug")
        .env("NETSUITE_MCP_AUTH", "oauth")
        .env("NETSUITE_MCP_PUBLIC_URL", &base)
        .env("NETSUITE_ACCOUNT_ID", ACCOUNT)
        .env("NETSUITE_CLIENT_ID", DEFAULT_PUBLIC_CLIENT_ID)
        .env("NETSUITE_BASE_URL", account.sandbox.base_url())
        .env("NETSUITE_APP_BASE_URL", account.sandbox.base_url())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    cmd
}

pub async fn serve_with(account: &TestAccount, port: u16, env: &[(&str, String)]) -> Server {
    let base = format!("http://127.0.0.1:{port}");
    let common::Serving { child, stderr, .. } =
        common::spawn_serving(&mut serve_command(account, port, env)).await;
    Server {
        child,
        base,
        stderr,
    }
}

pub fn s256(verifier: &str) -> String {
    use aws_lc_rs::digest::{SHA256, digest};
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

pub fn query(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Registers a public client with [`REDIRECT`] and returns its id.
pub async fn register(server: &Server, name: &str) -> String {
    let reg: Value = reqwest::Client::new()
        .post(format!("{}/register", server.base))
        .json(&json!({"redirect_uris": [REDIRECT], "client_name": name}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reg["client_id"].as_str().unwrap().to_owned()
}

/// `<base>/authorize` for `client_id` with [`REDIRECT`] and the S256 challenge of `verifier`, plus `extra`.
pub fn authorize_url(
    base: &str,
    client_id: &str,
    verifier: &str,
    extra: &[(&str, &str)],
) -> url::Url {
    let mut url = url::Url::parse(&format!("{base}/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("code_challenge", &s256(verifier))
        .append_pair("code_challenge_method", "S256")
        .extend_pairs(extra);
    url
}

/// The person's browser from `authorize` to the client's redirect URI: consent, NetSuite's sign-in page, our
/// callback. Returns the URL the client receives.
pub async fn browse_sign_in(http: &reqwest::Client, base: &str, authorize: &url::Url) -> String {
    let to_netsuite = consent(http, base, authorize.as_str()).await;
    let to_callback = location(&http.get(&to_netsuite).send().await.unwrap());
    assert!(
        to_callback.starts_with(&format!("{base}/oauth/netsuite/callback")),
        "{to_callback}"
    );
    let to_client = location(&http.get(&to_callback).send().await.unwrap());
    assert!(to_client.starts_with(REDIRECT), "{to_client}");
    to_client
}

/// The token endpoint's answer to an authorization code.
pub async fn exchange(
    base: &str,
    client_id: &str,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap()
}

/// Registers a client, signs a person in (scope `scope`) and returns (client id, token response).
pub async fn sign_in(server: &Server, scope: Option<&str>) -> (String, Value) {
    let client_id = register(server, "test client").await;
    let verifier = "v".repeat(43);
    let resource = format!("{}/mcp", server.base);
    let mut extra = vec![("state", "client-state-1"), ("resource", resource.as_str())];
    if let Some(scope) = scope {
        extra.push(("scope", scope));
    }
    let authorize = authorize_url(&server.base, &client_id, &verifier, &extra);
    let to_client = browse_sign_in(&no_redirects(), &server.base, &authorize).await;
    assert_eq!(
        query(&to_client, "state").as_deref(),
        Some("client-state-1")
    );
    assert_eq!(query(&to_client, "iss"), Some(format!("{}/", server.base)));
    let code = query(&to_client, "code").expect("a code");
    let tokens: Value = exchange(&server.base, &client_id, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    assert!(tokens["access_token"].is_string(), "{tokens}");
    (client_id, tokens)
}

pub async fn mcp(
    server: &Server,
    token: &str,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", server.base))
        .auth_header(token.to_owned());
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .unwrap()
}

pub async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    name: &str,
    args: Value,
) -> rmcp::model::CallToolResult {
    client
        .call_tool(
            CallToolRequestParams::new(name.to_owned())
                .with_arguments(args.as_object().unwrap().clone()),
        )
        .await
        .unwrap()
}

/// The person's browser at our `/authorize`: the consent page, then "Continue to NetSuite". Returns where it
/// is sent next (NetSuite's authorize page).
pub async fn consent(http: &reqwest::Client, base: &str, authorize: &str) -> String {
    let page = http.get(authorize).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "the consent page");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    let request = consent_request(&html);
    let answer = http
        .post(format!("{base}/authorize"))
        .form(&[("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 302);
    location(&answer)
}

/// The request id the consent page's form carries.
pub fn consent_request(html: &str) -> String {
    html.split("name=\"request\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the consent form carries the request id")
        .to_owned()
}
