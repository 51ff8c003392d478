//! rmcp's own OAuth client (discovery, dynamic registration, PKCE, the RFC 9207 `iss` check, token) signs in to
//! the built-in authorization server, the test playing the person's browser through the sandbox's NetSuite
//! sign-in page; then rmcp's authorised HTTP client calls a tool as that person.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod oauth_support;

use netsuite_mcp::auth::Algorithm;
use oauth_support::*;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::auth::{AuthClient, AuthorizationRequest, OAuthState};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;

#[tokio::test]
async fn rmcp_oauth_client_signs_in_and_calls_a_tool_as_the_person() {
    let account = common::start(Algorithm::ES256).await;
    let server = serve(&account).await;
    let mcp_url = format!("{}/mcp", server.base);

    let mut state = OAuthState::new(mcp_url.as_str(), None).await.unwrap();
    state
        .start_authorization(
            AuthorizationRequest::new(REDIRECT).with_client_name("rmcp oauth client"),
        )
        .await
        .unwrap();
    let authorize = state.get_authorization_url().await.unwrap();

    // The person's browser: our /authorize → NetSuite's sign-in → our callback → the client's redirect URI.
    let browser = no_redirects();
    let mut next = consent(&browser, &server.base, &authorize).await;
    let landed = loop {
        let response = browser.get(&next).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 302, "{next}");
        next = location(&response);
        if next.starts_with(REDIRECT) {
            break next;
        }
    };
    assert!(query(&landed, "iss").is_some(), "{landed}");
    state.handle_callback_url(&landed).await.unwrap();

    let manager = state.into_authorization_manager().expect("authorized");
    let client = AuthClient::new(reqwest::Client::default(), manager);
    let transport = StreamableHttpClientTransport::with_client(
        client,
        StreamableHttpClientTransportConfig::with_uri(mcp_url),
    );
    let service = ().serve(transport).await.unwrap();
    let result = service
        .call_tool(
            CallToolRequestParams::new("run_suiteql").with_arguments(
                json!({"query": "SELECT id FROM currency", "limit": 1})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{:?}", result.content);
    service.cancel().await.unwrap();
    assert_eq!(account.sandbox.calls_by_entity().get(&12).copied(), Some(1));
}
