//! The sandbox's metadata catalog (catalog links, JSON Schema, OpenAPI) and demo RESTlets (echo, customer
//! list, unknown script, content types) over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod data_support;

use data_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn metadata_catalog_shapes() {
    let sb = start().await;
    let (status, body) = sb
        .get("/services/rest/record/v1/metadata-catalog?select=customer,salesorder")
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["name"], "customer");
    let rels: Vec<(&str, Option<&str>)> = items[0]["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| (l["rel"].as_str().unwrap_or(""), l["mediaType"].as_str()))
        .collect();
    assert_eq!(
        rels,
        vec![
            ("canonical", Some("application/json")),
            ("alternate", Some("application/swagger+json")),
            ("alternate", Some("application/schema+json")),
            ("describes", None),
        ]
    );
    let (status, body) = sb
        .get("/services/rest/record/v1/metadata-catalog?select=customer,%20salesorder")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail(&body)["o:errorCode"], "INVALID_REQUEST");

    let resp = sb
        .http
        .get(sb.url("/services/rest/record/v1/metadata-catalog/customer"))
        .header("Accept", "application/schema+json")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let schema: Value = resp.json().await.expect("json");
    assert_eq!(schema["type"], "object");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft-06/hyper-schema#"
    );
    let email = &schema["properties"]["email"];
    assert_eq!(email["type"], "string");
    assert_eq!(email["nullable"], true);
    assert_eq!(email["x-ns-filterable"], true);
    assert!(email["title"].is_string());
    assert_eq!(
        schema["properties"]["custentity_loyalty_tier"]["x-ns-custom-field"],
        true
    );

    let resp = sb
        .http
        .get(sb.url("/services/rest/record/v1/metadata-catalog/salesorder"))
        .header("Accept", "application/swagger+json")
        .send()
        .await
        .expect("send");
    let doc: Value = resp.json().await.expect("json");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.0"))
    );
    assert!(doc["paths"]["/salesorder"].is_object());
    assert!(doc["components"]["schemas"]["salesorder-itemCollection"].is_object());
}

#[tokio::test]
async fn restlets_echo_list_and_refuse() {
    let sb = start().await;
    let url = sb
        .url("/app/site/hosting/restlet.nl?script=customscript_echo&deploy=customdeploy_echo&x=1");
    let resp = sb
        .http
        .post(&url)
        .json(&json!({"hello": ["w", 1]}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["method"], "POST");
    assert_eq!(body["params"]["x"], "1");
    assert_eq!(body["body"], json!({"hello": ["w", 1]}));
    let body: Value = sb
        .http
        .get(sb.url("/app/site/hosting/restlet.nl?script=101&deploy=1"))
        .header("content-type", "application/json")
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(body["method"], "GET");
    assert_eq!(body["body"], Value::Null);

    let body: Value =
        sb.http
            .get(sb.url(
                "/app/site/hosting/restlet.nl?script=customscript_customer_list&deploy=1&limit=5",
            ))
            .header("content-type", "application/json")
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
    assert_eq!(body["success"], true);
    assert_eq!(body["results"].as_array().map(Vec::len), Some(5));
    assert_eq!(body["results"][0]["recordType"], "customer");

    let resp = sb
        .http
        .get(sb.url("/app/site/hosting/restlet.nl?script=999&deploy=1"))
        .header("content-type", "application/json")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "SSS_INVALID_SCRIPTLET_ID");
    assert!(body["error"]["message"].is_string());

    // Without a Content-Type NetSuite cannot pick the answer's format, whatever the method: 206.
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let resp = sb.http.request(method, &url).send().await.expect("send");
        assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
        let body: Value = resp.json().await.expect("json");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Content-Type")
        );
    }

    let resp = sb
        .http
        .post(&url)
        .header("content-type", "text/csv")
        .body("a,b")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let resp = sb
        .http
        .get(&url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let resp = sb
        .http
        .put(&url)
        .header("content-type", "text/plain")
        .body("plain words")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.expect("text");
    let echoed: Value = serde_json::from_str(&text).expect("json text");
    assert_eq!(echoed["body"], "plain words");
}
