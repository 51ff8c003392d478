//! The data router under test for the sandbox's data-endpoint tests (`sandbox_suiteql`, `sandbox_records`,
//! `sandbox_metadata_restlets`): `router(...)` over the demo store on 127.0.0.1:0, called with reqwest, and
//! readers for NetSuite's error details, links and `Location` headers.
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::Arc;

use netsuite_sandbox::data::{Store, router};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

pub struct Sandbox {
    pub base: String,
    pub http: Client,
}

pub async fn start() -> Sandbox {
    let store = Arc::new(Store::demo().expect("demo store"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = router(store, base.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Sandbox {
        base,
        http: Client::new(),
    }
}

impl Sandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn suiteql_at(&self, url: &str, q: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(url)
            .header("Prefer", "transient")
            .json(&json!({ "q": q }))
            .send()
            .await
            .expect("send");
        let status = resp.status();
        (status, resp.json().await.expect("json"))
    }

    pub async fn suiteql(&self, q: &str, limit: usize, offset: usize) -> (StatusCode, Value) {
        let url = self.url(&format!(
            "/services/rest/query/v1/suiteql?limit={limit}&offset={offset}"
        ));
        self.suiteql_at(&url, q).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self.http.get(self.url(path)).send().await.expect("send");
        let status = resp.status();
        let body = resp.bytes().await.expect("body");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> reqwest::Response {
        self.http
            .request(method, self.url(path))
            .json(&body)
            .send()
            .await
            .expect("send")
    }
}

pub fn detail(body: &Value) -> &Value {
    &body["o:errorDetails"][0]
}

pub fn rel<'a>(body: &'a Value, rel: &str) -> Option<&'a str> {
    body["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
}

pub fn location_id(resp: &reqwest::Response) -> String {
    let loc = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location header");
    loc.rsplit('/').next().expect("id").to_owned()
}
