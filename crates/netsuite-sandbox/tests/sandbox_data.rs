//! The sandbox's data endpoints over real HTTP: SuiteQL, the record service, the metadata catalog and RESTlets
//! served by `router(...)` on 127.0.0.1:0 and called with reqwest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::collections::HashSet;
use std::sync::Arc;

use netsuite_sandbox::data::{Store, router};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

struct Sandbox {
    base: String,
    http: Client,
}

async fn start() -> Sandbox {
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
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn suiteql_at(&self, url: &str, q: &str) -> (StatusCode, Value) {
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

    async fn suiteql(&self, q: &str, limit: usize, offset: usize) -> (StatusCode, Value) {
        let url = self.url(&format!(
            "/services/rest/query/v1/suiteql?limit={limit}&offset={offset}"
        ));
        self.suiteql_at(&url, q).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self.http.get(self.url(path)).send().await.expect("send");
        let status = resp.status();
        let body = resp.bytes().await.expect("body");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> reqwest::Response {
        self.http
            .request(method, self.url(path))
            .json(&body)
            .send()
            .await
            .expect("send")
    }
}

fn detail(body: &Value) -> &Value {
    &body["o:errorDetails"][0]
}

fn rel<'a>(body: &'a Value, rel: &str) -> Option<&'a str> {
    body["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
}

fn location_id(resp: &reqwest::Response) -> String {
    let loc = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location header");
    loc.rsplit('/').next().expect("id").to_owned()
}

#[tokio::test]
async fn suiteql_rows_have_netsuite_shape() {
    let sb = start().await;
    let (status, body) = sb
        .suiteql(
            "SELECT id, CompanyName, email, phone, balance, isinactive, datecreated FROM customer WHERE email IS NULL ORDER BY id",
            5,
            0,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, count) = sb
        .suiteql(
            "SELECT COUNT(*) AS n FROM customer WHERE email IS NULL",
            1000,
            0,
        )
        .await;
    let total: u64 = count["items"][0]["n"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .expect("count");
    assert!(total > 5, "demo data has customers without email");
    assert_eq!(body["totalResults"], json!(total));
    assert_eq!(body["count"], json!(5));
    assert_eq!(body["offset"], json!(0));
    assert_eq!(body["hasMore"], json!(true));
    for item in body["items"].as_array().expect("items") {
        let obj = item.as_object().expect("row object");
        assert_eq!(obj["links"], json!([]));
        assert!(
            !obj.contains_key("email"),
            "null columns are omitted: {item}"
        );
        assert!(
            obj.contains_key("companyname"),
            "keys are lowercase: {item}"
        );
        for (k, v) in obj {
            assert_eq!(k, &k.to_lowercase());
            if k != "links" {
                assert!(v.is_string(), "{k} must be a string: {v}");
            }
        }
        assert!(matches!(obj["isinactive"].as_str(), Some("T" | "F")));
    }
    let self_href = rel(&body, "self").expect("self");
    assert_eq!(
        self_href,
        sb.url("/services/rest/query/v1/suiteql?limit=5&offset=0")
    );
    assert_eq!(
        rel(&body, "next"),
        Some(
            sb.url("/services/rest/query/v1/suiteql?limit=5&offset=5")
                .as_str()
        )
    );
    let last_offset = (total - 1) / 5 * 5;
    assert_eq!(
        rel(&body, "last"),
        Some(
            sb.url(&format!(
                "/services/rest/query/v1/suiteql?limit=5&offset={last_offset}"
            ))
            .as_str()
        )
    );
    assert!(rel(&body, "prev").is_none() && rel(&body, "first").is_none());
}

#[tokio::test]
async fn suiteql_paging_returns_every_row_exactly_once() {
    let sb = start().await;
    let q = "SELECT t.id, t.tranid FROM transaction t WHERE t.type = 'SalesOrd' ORDER BY t.id";
    let (_, all) = sb.suiteql(q, 1000, 0).await;
    let expected: Vec<String> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(expected.len() > 100);
    let mut seen = Vec::new();
    let mut url = sb.url("/services/rest/query/v1/suiteql?limit=37&offset=0");
    let mut pages = 0;
    loop {
        let (status, page) = sb.suiteql_at(&url, q).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["totalResults"], json!(expected.len()));
        for r in page["items"].as_array().expect("items") {
            seen.push(r["id"].as_str().expect("id").to_owned());
        }
        pages += 1;
        match rel(&page, "next") {
            Some(next) => {
                assert_eq!(page["hasMore"], json!(true));
                url = next.to_owned();
            }
            None => {
                assert_eq!(page["hasMore"], json!(false));
                break;
            }
        }
    }
    assert_eq!(pages, expected.len().div_ceil(37));
    assert_eq!(seen, expected);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
}

#[tokio::test]
async fn suiteql_refuses_bad_requests_with_netsuite_error_bodies() {
    let sb = start().await;
    let (status, body) = sb.suiteql("SELECT nosuchcolumn FROM customer", 10, 0).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({
            "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
            "title": "Bad Request",
            "status": 400,
            "o:errorDetails": [{
                "detail": "Invalid search query. Detailed unprocessed description follows. Search error occurred: Unknown identifier 'nosuchcolumn'.",
                "o:errorCode": "INVALID_PARAMETER",
                "o:errorQueryParam": "q",
            }],
        })
    );
    let (_, body) = sb.suiteql("SELECT id FROM nosuchtable", 10, 0).await;
    assert_eq!(
        detail(&body)["detail"],
        "Invalid search query. Detailed unprocessed description follows. Search error occurred: Record 'nosuchtable' was not found."
    );
    for q in [
        "DELETE FROM customer",
        "UPDATE customer SET email = 'x@y.z'",
        "INSERT INTO customer (id) VALUES (99999)",
        "DROP TABLE customer",
        "PRAGMA table_info(customer)",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "SELECT id FROM customer; DELETE FROM customer",
        "SELECT * FROM sqlite_master",
        "SELECT id FROM customer WHERE (",
    ] {
        let (status, body) = sb.suiteql(q, 10, 0).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(detail(&body)["o:errorCode"], "INVALID_PARAMETER", "{q}");
        assert_eq!(detail(&body)["o:errorQueryParam"], "q", "{q}");
        assert!(
            detail(&body)["detail"].as_str().is_some_and(|d| d
                .starts_with("Invalid search query. Detailed unprocessed description follows.")),
            "{q}: {body}"
        );
    }
    // Nothing was written or dropped.
    let (_, n) = sb
        .suiteql("SELECT COUNT(*) AS n FROM customer", 10, 0)
        .await;
    assert_eq!(n["items"][0]["n"], "125");

    let (status, body) = sb.suiteql("SELECT id FROM customer", 10, 5).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail(&body)["o:errorQueryParam"], "offset");
    let (status, body) = sb.suiteql("SELECT id FROM customer", 1001, 0).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail(&body)["o:errorQueryParam"], "limit");

    // Invented error for the missing header (undocumented in NetSuite).
    let resp = sb
        .http
        .post(sb.url("/services/rest/query/v1/suiteql"))
        .json(&json!({"q": "SELECT id FROM customer"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(detail(&body)["o:errorCode"], "INVALID_HEADER");
    assert_eq!(detail(&body)["o:errorHeader"], "Prefer");
}

#[tokio::test]
async fn suiteql_literals_and_binds_round_trip() {
    let sb = start().await;
    let literal = "O'Brien; DROP TABLE customer -- /* NVL(x) */";
    let q = format!("SELECT '{}' AS v FROM dual", literal.replace('\'', "''"));
    let (status, body) = sb.suiteql(&q, 10, 0).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["v"], literal);
    let resp = sb
        .http
        .post(sb.url("/services/rest/query/v1/suiteql"))
        .header("Prefer", "transient")
        .json(&json!({"q": "SELECT companyname FROM customer WHERE id = ?", "params": ["16"]}))
        .send()
        .await
        .expect("send");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["count"], 1);
}

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
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "SSS_INVALID_SCRIPTLET_ID");
    assert!(body["error"]["message"].is_string());

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
