//! The MCP App (`ui://netsuite/table.html`) as MCP clients see it, through rmcp's client and the real binary on the
//! sandbox: only a client that announces the `io.modelcontextprotocol/ui` extension gets `_meta.ui` on the tools
//! that show tables and the page in `resources/list`; `resources/read` returns the page with its MIME type and CSP.
//! The page itself is tested in a browser by `scripts/app-tests.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::path::Path;

use rmcp::model::{
    ClientCapabilities, ClientConfig, ExtensionCapabilities, Implementation,
    ReadResourceRequestParams, ResourceContents, Tool,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

const URI: &str = "ui://netsuite/table.html";
const MIME: &str = "text/html;profile=mcp-app";

/// A client over stdio to `serve --sandbox` in `cwd`, announcing the apps extension when `apps`.
async fn client(apps: bool, cwd: &Path) -> RunningService<RoleClient, ClientConfig> {
    let mut capabilities = ClientCapabilities::default();
    if apps {
        let mut ext = ExtensionCapabilities::new();
        let Value::Object(settings) = json!({"mimeTypes": [MIME]}) else {
            unreachable!()
        };
        ext.insert("io.modelcontextprotocol/ui".to_owned(), settings);
        capabilities = ClientCapabilities::builder()
            .enable_extensions_with(ext)
            .build();
    }
    let info = ClientConfig::new(capabilities, Implementation::new("mcp-app-test", "1.0.0"));
    let mut cmd = tokio::process::Command::new(common::bin());
    cmd.args(["serve", "--sandbox"])
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    let transport = TokioChildProcess::new(cmd).expect("spawn netsuite-mcp serve --sandbox");
    info.serve(transport).await.expect("MCP handshake")
}

fn ui_uri(tool: &Tool) -> Option<&str> {
    tool.meta
        .as_ref()?
        .0
        .get("ui")?
        .get("resourceUri")?
        .as_str()
}

fn repo_tools_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn without_the_extension_nothing_changes_no_ui_meta_and_no_app_resource() {
    // The repository root: its tools/ adds custom SuiteQL tools, which must not carry _meta.ui either.
    let c = client(false, repo_tools_dir()).await;
    let tools = c.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "run_suiteql"));
    assert!(tools.iter().any(|t| t.name == "top_customers_by_revenue"));
    for t in &tools {
        assert!(t.meta.is_none(), "{} has _meta: {:?}", t.name, t.meta);
    }
    let resources = c.list_all_resources().await.unwrap();
    assert!(resources.iter().all(|r| r.uri != URI), "{resources:?}");
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn with_the_extension_table_tools_point_at_the_app_and_the_page_reads_with_mime_and_csp() {
    let c = client(true, repo_tools_dir()).await;
    let tools = c.list_all_tools().await.unwrap();
    let uri_of = |name: &str| {
        let tool = tools.iter().find(|t| t.name == name).unwrap();
        ui_uri(tool).map(str::to_owned)
    };
    assert_eq!(uri_of("run_suiteql").as_deref(), Some(URI));
    // Saved searches and datasets return the same table; their listings do not.
    assert_eq!(uri_of("run_saved_search").as_deref(), Some(URI));
    assert_eq!(uri_of("run_dataset").as_deref(), Some(URI));
    assert_eq!(uri_of("list_saved_searches"), None);
    // A SuiteQL custom tool returns the same table; a RESTlet tool and record tools do not.
    assert_eq!(uri_of("top_customers_by_revenue").as_deref(), Some(URI));
    assert_eq!(uri_of("restlet_customers"), None);
    assert_eq!(uri_of("get_record"), None);
    let run = tools.iter().find(|t| t.name == "run_suiteql").unwrap();
    assert_eq!(run.meta.as_ref().unwrap().0["ui/resourceUri"], URI);

    let resources = c.list_all_resources().await.unwrap();
    let listed = resources
        .iter()
        .find(|r| r.uri == URI)
        .expect("the app is listed");
    assert_eq!(listed.mime_type.as_deref(), Some(MIME));

    let read = c
        .read_resource(ReadResourceRequestParams::new(URI))
        .await
        .unwrap();
    let [
        ResourceContents::TextResourceContents {
            uri,
            mime_type,
            text,
            meta,
        },
    ] = read.contents.as_slice()
    else {
        panic!("one text content expected: {:?}", read.contents)
    };
    assert_eq!(uri, URI);
    assert_eq!(mime_type.as_deref(), Some(MIME));
    assert!(text.starts_with("<!doctype html>") && text.contains("<table"));
    let ui = &meta.as_ref().expect("_meta on the contents").0["ui"];
    assert_eq!(
        ui["csp"],
        json!({"connectDomains": [], "resourceDomains": [], "frameDomains": [], "baseUriDomains": []})
    );

    let unknown = c
        .read_resource(ReadResourceRequestParams::new("ui://netsuite/nope.html"))
        .await;
    assert!(unknown.is_err(), "an unknown URI is a protocol error");
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn a_client_without_the_extension_can_still_read_the_page_by_uri() {
    let c = client(false, common::neutral_dir()).await;
    let read = c
        .read_resource(ReadResourceRequestParams::new(URI))
        .await
        .unwrap();
    assert_eq!(read.contents.len(), 1);
    c.cancel().await.unwrap();
}
