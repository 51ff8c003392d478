use serde_json::json;

use super::*;
use crate::data::{Page, Store};

#[test]
fn id_parsing() {
    assert_eq!(IdRef::parse("107").ok(), Some(IdRef::Internal(107)));
    assert_eq!(
        IdRef::parse("eid:SF-1").ok(),
        Some(IdRef::External("SF-1".into()))
    );
    assert!(IdRef::parse("abc").is_err());
    assert!(IdRef::parse("eid:").is_err());
    assert!(IdRef::parse("99999999999999999999").is_err());
}

#[test]
fn create_get_update_delete_round_trip() {
    let store = Store::demo().expect("demo");
    let body = json!({"companyName": "Round Trip LLC", "email": "rt@example.com", "isInactive": false,
                      "subsidiary": {"id": "3"}, "custentity_loyalty_tier": 2});
    let (id, warnings) = store
        .record_create("customer", &body, NameValidation::Error)
        .expect("create");
    assert!(warnings.is_empty());
    let rec = store
        .record_get("customer", &id.to_string(), None, false, "http://h")
        .expect("get");
    assert_eq!(rec["companyName"], "Round Trip LLC");
    assert_eq!(rec["entityId"], "Round Trip LLC");
    assert_eq!(rec["isInactive"], false);
    assert_eq!(rec["subsidiary"]["id"], "3");
    assert_eq!(rec["subsidiary"]["refName"], "Honeycomb UK Ltd");
    assert_eq!(rec["currency"]["refName"], "British pound");
    assert_eq!(rec["custentity_loyalty_tier"], 2);
    store
        .record_update(
            "customer",
            &id.to_string(),
            &json!({"email": null}),
            &[],
            NameValidation::Error,
        )
        .expect("patch");
    let rec = store
        .record_get("customer", &id.to_string(), None, false, "http://h")
        .expect("get");
    assert!(rec.get("email").is_none());
    store
        .record_delete("customer", &id.to_string())
        .expect("delete");
    let e = store
        .record_get("customer", &id.to_string(), None, false, "http://h")
        .expect_err("gone");
    assert_eq!(e.code, "NONEXISTENT_ID");
}

#[test]
fn write_validation() {
    let store = Store::demo().expect("demo");
    let e = store
        .record_create(
            "customer",
            &json!({"companyName": 5}),
            NameValidation::Error,
        )
        .expect_err("type");
    assert_eq!(
        (e.code.as_str(), e.error_path.as_deref()),
        ("INVALID_CONTENT", Some("companyName"))
    );
    let e = store
        .record_create(
            "customer",
            &json!({"companyName": "X", "bogus": 1}),
            NameValidation::Error,
        )
        .expect_err("name");
    assert_eq!(
        (e.code.as_str(), e.error_path.as_deref()),
        ("INVALID_CONTENT", Some("bogus"))
    );
    let (_, w) = store
        .record_create(
            "customer",
            &json!({"companyName": "Y", "bogus": 1}),
            NameValidation::Warning,
        )
        .expect("warning mode");
    assert_eq!(w.len(), 1);
    let e = store
        .record_create(
            "customer",
            &json!({"email": "a@b.co"}),
            NameValidation::Error,
        )
        .expect_err("mandatory");
    assert_eq!(e.code, "USER_ERROR");
    assert!(e.detail.contains("Company Name"));
    let e = store
        .record_create(
            "customer",
            &json!({"companyName": "Z", "subsidiary": {"id": "999"}}),
            NameValidation::Error,
        )
        .expect_err("bad ref");
    assert_eq!(e.code, "USER_ERROR");
    let e = store
        .record_create("salesorder", &json!({"entity": {"id": "20"}, "item": {"items": [{"item": {"id": "1"}, "quantity": "x"}]}}), NameValidation::Error)
        .expect_err("line type");
    assert_eq!(e.error_path.as_deref(), Some("item.items[0].quantity"));
    let e = store
        .record_delete("customer", "16")
        .expect_err("has transactions");
    assert_eq!(e.code, "USER_ERROR");
}

#[test]
fn sales_order_lines_and_totals() {
    let store = Store::demo().expect("demo");
    let cust = store
        .record_list(
            "customer",
            Some("isInactive IS false"),
            Page::new(1, 0).expect("page"),
        )
        .expect("list")
        .1[0];
    let body = json!({"entity": {"id": cust.to_string()}, "memo": "lines",
        "item": {"items": [{"item": {"id": "1"}, "quantity": 2, "rate": 10.5}, {"item": {"id": "2"}, "quantity": 1, "rate": 4}]}});
    let (id, _) = store
        .record_create("salesorder", &body, NameValidation::Error)
        .expect("create");
    let rec = store
        .record_get("salesorder", &id.to_string(), None, true, "")
        .expect("get");
    assert_eq!(rec["total"], 25.0);
    assert_eq!(rec["status"]["refName"], "Pending Fulfillment");
    assert_eq!(rec["item"]["items"].as_array().map(Vec::len), Some(2));
    store
        .record_update(
            "salesorder",
            &id.to_string(),
            &json!({"item": {"items": [{"item": {"id": "3"}, "quantity": 1, "rate": 1}]}}),
            &["item".into()],
            NameValidation::Error,
        )
        .expect("replace");
    let rec = store
        .record_get("salesorder", &id.to_string(), None, true, "")
        .expect("get");
    assert_eq!(rec["total"], 1.0);
    assert_eq!(rec["item"]["items"].as_array().map(Vec::len), Some(1));
    store
        .record_update(
            "salesorder",
            &id.to_string(),
            &json!({"item": {"items": [{"line": 1, "quantity": 3}]}}),
            &[],
            NameValidation::Error,
        )
        .expect("merge line");
    let rec = store
        .record_get("salesorder", &id.to_string(), None, true, "")
        .expect("get");
    assert_eq!(rec["total"], 3.0);
}
