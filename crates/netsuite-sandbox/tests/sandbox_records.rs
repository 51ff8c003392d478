//! The sandbox's record service over real HTTP: create, read (expanded, sublists, `fields=`), upsert by
//! external id, patch, delete, list with filters and paging, and content validation; writes are seen by SuiteQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod data_support;

use std::collections::HashSet;

use data_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn record_created_over_rest_is_visible_to_suiteql_and_back() {
    let sb = start().await;
    let resp = sb
        .send(
            reqwest::Method::POST,
            "/services/rest/record/v1/customer",
            json!({"companyName": "Integration Test Widgets", "email": "it@widgets.example", "subsidiary": {"id": "2"}}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let loc = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let id = location_id(&resp);
    assert_eq!(
        loc,
        sb.url(&format!("/services/rest/record/v1/customer/{id}"))
    );
    let (_, body) = sb
        .suiteql(
            &format!("SELECT id, companyname, email, isinactive FROM customer WHERE id = {id}"),
            10,
            0,
        )
        .await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["items"][0]["companyname"], "Integration Test Widgets");
    assert_eq!(body["items"][0]["isinactive"], "F");

    // A SuiteQL-visible seed row read through the record service.
    let (_, inv) = sb
        .suiteql(
            "SELECT t.id, t.tranid, t.foreigntotal, t.entity, (SELECT COUNT(*) FROM transactionline tl WHERE tl.transaction = t.id) AS lines \
             FROM transaction t WHERE t.type = 'CustInvc' ORDER BY t.id FETCH FIRST 1 ROWS ONLY",
            10,
            0,
        )
        .await;
    let row = &inv["items"][0];
    let inv_id = row["id"].as_str().expect("id");
    let (status, rec) = sb
        .get(&format!(
            "/services/rest/record/v1/invoice/{inv_id}?expandSubResources=true"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{rec}");
    assert_eq!(rec["id"], row["id"]);
    assert_eq!(rec["tranId"], row["tranid"]);
    assert_eq!(rec["entity"]["id"], row["entity"]);
    assert!(rec["entity"]["refName"].is_string());
    let total: f64 = row["foreigntotal"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("total");
    assert_eq!(rec["total"].as_f64(), Some(total));
    let lines: usize = row["lines"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("lines");
    assert_eq!(rec["item"]["items"].as_array().map(Vec::len), Some(lines));
    assert_eq!(
        rec["links"][0]["href"],
        sb.url(&format!("/services/rest/record/v1/invoice/{inv_id}"))
    );
    // Not expanded: the sublist is only a link.
    let (_, rec) = sb
        .get(&format!("/services/rest/record/v1/invoice/{inv_id}"))
        .await;
    assert!(rec["item"].get("items").is_none());
    assert!(
        rec["item"]["links"][0]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("/item"))
    );
    // The sublist link resolves to the lines.
    let (status, sub) = sb
        .get(&format!("/services/rest/record/v1/invoice/{inv_id}/item"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sub["items"].as_array().map(Vec::len), Some(lines));
    // fields= limits body fields.
    let (_, rec) = sb
        .get(&format!(
            "/services/rest/record/v1/invoice/{inv_id}?fields=tranId,memo"
        ))
        .await;
    assert!(
        rec.get("entity").is_none() && rec.get("item").is_none() && rec.get("tranId").is_some()
    );
    // A different record type sharing the table does not see it.
    let (status, _) = sb
        .get(&format!("/services/rest/record/v1/salesorder/{inv_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn upsert_creates_then_updates_and_put_needs_eid() {
    let sb = start().await;
    let path = "/services/rest/record/v1/customer/eid:IT-UPSERT-1";
    let resp = sb
        .send(
            reqwest::Method::PUT,
            path,
            json!({"companyName": "Upsert One"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let id = location_id(&resp);
    let (_, rec) = sb.get(path).await;
    assert_eq!(rec["companyName"], "Upsert One");
    assert_eq!(rec["externalId"], "IT-UPSERT-1");
    let resp = sb
        .send(
            reqwest::Method::PUT,
            path,
            json!({"companyName": "Upsert Two"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(location_id(&resp), id);
    let (_, rec) = sb
        .get(&format!("/services/rest/record/v1/customer/{id}"))
        .await;
    assert_eq!(rec["companyName"], "Upsert Two");
    let (_, n) = sb
        .suiteql(
            "SELECT COUNT(*) AS n FROM customer WHERE externalid = 'IT-UPSERT-1'",
            10,
            0,
        )
        .await;
    assert_eq!(n["items"][0]["n"], "1");

    let resp = sb
        .send(
            reqwest::Method::PUT,
            &format!("/services/rest/record/v1/customer/{id}"),
            json!({"companyName": "x"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(detail(&body)["o:errorCode"], "INVALID_REQUEST");
}

#[tokio::test]
async fn patch_updates_and_delete_removes() {
    let sb = start().await;
    let resp = sb
        .send(
            reqwest::Method::POST,
            "/services/rest/record/v1/customer",
            json!({"companyName": "Doomed Co", "phone": "555-0100"}),
        )
        .await;
    let id = location_id(&resp);
    let path = format!("/services/rest/record/v1/customer/{id}");
    let resp = sb
        .send(
            reqwest::Method::PATCH,
            &path,
            json!({"phone": null, "isInactive": true}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (_, rec) = sb.get(&path).await;
    assert!(rec.get("phone").is_none());
    assert_eq!(rec["isInactive"], true);

    let resp = sb.http.delete(sb.url(&path)).send().await.expect("delete");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (status, body) = sb.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(detail(&body)["o:errorCode"], "NONEXISTENT_ID");
    assert_eq!(detail(&body)["detail"], "Record does not exist.");
    let resp = sb.http.delete(sb.url(&path)).send().await.expect("delete");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let (_, n) = sb
        .suiteql(
            &format!("SELECT COUNT(*) AS n FROM customer WHERE id = {id}"),
            10,
            0,
        )
        .await;
    assert_eq!(n["items"][0]["n"], "0");
}

#[tokio::test]
async fn record_list_filters_and_pages() {
    let sb = start().await;
    let (status, body) = sb
        .get("/services/rest/record/v1/customer?q=isInactive%20IS%20true&limit=3")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, n) = sb
        .suiteql(
            "SELECT COUNT(*) AS n FROM customer WHERE isinactive = 'T'",
            10,
            0,
        )
        .await;
    assert_eq!(
        body["totalResults"].to_string(),
        n["items"][0]["n"].as_str().expect("n")
    );
    for item in body["items"].as_array().expect("items") {
        let obj = item.as_object().expect("obj");
        assert_eq!(obj.len(), 2, "only id and links: {item}");
        assert!(obj["id"].is_string());
    }
    assert!(
        rel(&body, "next")
            .is_some_and(|h| h.contains("q=isInactive+IS+true") && h.contains("offset=3"))
    );

    // Paging through all customers returns every id once.
    let mut ids = Vec::new();
    let mut next = Some(sb.url("/services/rest/record/v1/customer?limit=50"));
    while let Some(url) = next {
        let page: Value = sb
            .http
            .get(&url)
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        for i in page["items"].as_array().expect("items") {
            ids.push(i["id"].as_str().expect("id").to_owned());
        }
        next = rel(&page, "next").map(str::to_owned);
    }
    assert_eq!(ids.len(), 125);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 125);

    let (status, body) = sb
        .get("/services/rest/record/v1/customer?q=companyName%20FROBNICATE%20x")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail(&body)["o:errorCode"], "INVALID_PARAMETER");
    assert_eq!(detail(&body)["o:errorQueryParam"], "q");
    let (status, body) = sb
        .get("/services/rest/record/v1/customer?limit=10&offset=15")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail(&body)["o:errorQueryParam"], "offset");
    let (status, _) = sb.get("/services/rest/record/v1/nosuchtype").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = sb.get("/services/rest/record/v1/CUSTOMER/16").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "record type names are case-insensitive"
    );
}

#[tokio::test]
async fn record_writes_validate_content() {
    let sb = start().await;
    let resp = sb
        .http
        .post(sb.url("/services/rest/record/v1/customer"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(detail(&body)["o:errorCode"], "INVALID_CONTENT");

    let resp = sb
        .send(
            reqwest::Method::POST,
            "/services/rest/record/v1/customer",
            json!({"companyName": "T", "isInactive": "yes"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(detail(&body)["o:errorCode"], "INVALID_CONTENT");
    assert_eq!(detail(&body)["o:errorPath"], "isInactive");

    let resp = sb
        .http
        .post(sb.url("/services/rest/record/v1/customer"))
        .header("X-NetSuite-PropertyNameValidation", "error")
        .json(&json!({"companyName": "T", "notAField": 1}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(detail(&body)["o:errorPath"], "notAField");

    // NetSuite's documented default for unknown names is `warning`: accepted, field ignored.
    let resp = sb
        .send(
            reqwest::Method::POST,
            "/services/rest/record/v1/customer",
            json!({"companyName": "Warned", "notAField": 1}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.headers().contains_key("x-netsuite-warning"));

    let resp = sb
        .send(
            reqwest::Method::POST,
            "/services/rest/record/v1/salesorder",
            json!({"entity": {"id": "20"}, "item": {"items": [{"item": {"id": "1"}, "quantity": 2}]}}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let so = location_id(&resp);
    let (_, rows) = sb
        .suiteql(
            &format!(
                "SELECT tl.item, tl.quantity FROM transactionline tl WHERE tl.transaction = {so}"
            ),
            10,
            0,
        )
        .await;
    assert_eq!(rows["items"][0]["quantity"], "2");
    assert_eq!(rows["items"][0]["item"], "1");
}
