//! The metadata cache with HTTP sign-in (`NETSUITE_MCP_AUTH=oauth`): each person's describes are cached with their
//! own NetSuite identity, so one person's (role's) answer never serves another, while a person's second MCP
//! session reuses what their first one fetched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod oauth_support;

use netsuite_mcp::auth::Algorithm;
use netsuite_sandbox::SandboxUser;
use oauth_support::*;
use rmcp::model::ReadResourceRequestParams;
use serde_json::json;

#[tokio::test]
async fn each_person_has_their_own_metadata_cache_shared_by_their_sessions() {
    let account = common::start_with(Algorithm::ES256, 3072, |config| {
        config.login.users.push(SandboxUser {
            entity_id: 13,
            role_id: 15,
            name: "Second Person".into(),
        });
    })
    .await;
    let server = serve(&account).await;
    let (_, first) = sign_in(&server, None).await;
    assert!(account.sandbox.approve_next_as(13));
    let (_, second) = sign_in(&server, None).await;

    let describe = json!({"record_type": "customer"});
    let a = mcp(&server, first["access_token"].as_str().unwrap()).await;
    for _ in 0..3 {
        assert_ne!(
            call(&a, "describe_record_type", describe.clone())
                .await
                .is_error,
            Some(true)
        );
    }
    let uri = "netsuite://record-types/customer";
    a.read_resource(ReadResourceRequestParams::new(uri))
        .await
        .unwrap();
    // The same person in a new MCP session: still cached.
    let a2 = mcp(&server, first["access_token"].as_str().unwrap()).await;
    assert_ne!(
        call(&a2, "describe_record_type", describe.clone())
            .await
            .is_error,
        Some(true)
    );

    // Another person (another role) asks NetSuite themselves.
    let b = mcp(&server, second["access_token"].as_str().unwrap()).await;
    for _ in 0..3 {
        assert_ne!(
            call(&b, "describe_record_type", describe.clone())
                .await
                .is_error,
            Some(true)
        );
    }
    b.read_resource(ReadResourceRequestParams::new(uri))
        .await
        .unwrap();

    let by_entity = account.sandbox.calls_by_entity();
    assert_eq!(by_entity.get(&12).copied(), Some(1), "{by_entity:?}");
    assert_eq!(by_entity.get(&13).copied(), Some(1), "{by_entity:?}");
    for c in [a, a2, b] {
        c.cancel().await.unwrap();
    }
    drop(server.child);
}
