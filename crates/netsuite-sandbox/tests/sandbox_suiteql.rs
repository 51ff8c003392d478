//! The sandbox's SuiteQL endpoint over real HTTP: NetSuite's row and page shape, paging, error bodies for bad
//! or writing queries, literals and binds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod data_support;

use std::collections::HashSet;

use data_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

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
