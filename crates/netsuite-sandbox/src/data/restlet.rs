//! RESTlets (netsuite-api.md §6): `/app/site/hosting/restlet.nl?script=<id>&deploy=<id>` with GET, POST, PUT
//! and DELETE.
//!
//! The demo account has two scripts; each answers to its numeric id or its script id, and its deployment to
//! `1` or its deployment id:
//!
//! | script | deploy | methods | behaviour |
//! |---|---|---|---|
//! | `101` / `customscript_echo` | `1` / `customdeploy_echo` | GET, POST, PUT, DELETE | returns `{"method", "params", "body"}`: the HTTP method, every query parameter, and the body (parsed JSON for `application/json`, else the text) |
//! | `103` / `customscript_netsuite_mcp_search` | `1` / `customdeploy_netsuite_mcp_search` | GET | our saved-search RESTlet (`suitescript/`): `action=list` or `action=run&searchId=…`, `pageSize` 5–1000, `page`; see `analytics` |
//! | `102` / `customscript_customer_list` | `1` / `customdeploy_customer_list` | GET | a saved-search-like list of active customers: `{"success", "count", "results": [{"recordType", "id", "values"}]}`; query parameters `q` (name contains, case-insensitive), `includeInactive=T`, `limit` (1..=1000, default 50) |

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::super::error::{NsError, restlet_error};
use super::{AppState, Store, blocking, internal, query_get, query_pairs};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Echo,
    CustomerList,
    SavedSearch,
}

fn find_script(script: Option<&str>, deploy: Option<&str>) -> Option<Script> {
    let s = script?.trim().to_ascii_lowercase();
    let d = deploy?.trim().to_ascii_lowercase();
    match (s.as_str(), d.as_str()) {
        ("101" | "customscript_echo", "1" | "customdeploy_echo") => Some(Script::Echo),
        ("102" | "customscript_customer_list", "1" | "customdeploy_customer_list") => {
            Some(Script::CustomerList)
        }
        ("103" | "customscript_netsuite_mcp_search", "1" | "customdeploy_netsuite_mcp_search") => {
            Some(Script::SavedSearch)
        }
        _ => None,
    }
}

/// The media type of the request (lowercase, without parameters), if any.
fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

const ALLOWED_TYPES: &[&str] = &["application/json", "application/xml", "text/plain"];

impl Store {
    /// The customer list RESTlet's search: active customers (or all), name containing `q`, at most `limit`.
    pub fn customer_search(
        &self,
        q: Option<&str>,
        include_inactive: bool,
        limit: usize,
    ) -> Result<Vec<Value>, NsError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, entityid, companyname, email, phone, isinactive FROM customer
                 WHERE (?1 IS NULL OR instr(lower(companyname), lower(?1)) > 0) AND (?2 = 1 OR isinactive = 'F')
                 ORDER BY companyname, id LIMIT ?3",
            )
            .map_err(internal)?;
        let rows = stmt
            .query_map(
                rusqlite::params![q, include_inactive as i64, limit as i64],
                |r| {
                    let id: i64 = r.get(0)?;
                    let mut values = Map::new();
                    values.insert(
                        "entityid".into(),
                        json!(r.get::<_, Option<String>>(1)?.unwrap_or_default()),
                    );
                    values.insert(
                        "companyname".into(),
                        json!(r.get::<_, Option<String>>(2)?.unwrap_or_default()),
                    );
                    values.insert(
                        "email".into(),
                        json!(r.get::<_, Option<String>>(3)?.unwrap_or_default()),
                    );
                    values.insert(
                        "phone".into(),
                        json!(r.get::<_, Option<String>>(4)?.unwrap_or_default()),
                    );
                    values.insert("isinactive".into(), json!(r.get::<_, String>(5)? == "T"));
                    Ok(json!({"recordType": "customer", "id": id.to_string(), "values": values}))
                },
            )
            .map_err(internal)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        Ok(rows)
    }
}

pub(super) async fn handler(
    State(st): State<AppState>,
    method: Method,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !matches!(
        method,
        Method::GET | Method::POST | Method::PUT | Method::DELETE
    ) {
        return restlet_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "INVALID_REQUEST",
            &format!("The {method} method is not supported by RESTlets."),
        );
    }
    let ctype = media_type(&headers);
    if ctype.is_none() {
        // NetSuite: "when a Content-Type header is required but is missing, the request fails with 206 Partial
        // Content" (netsuite-api.md §6), on every method since it also picks the answer's format.
        // guess: the body; NetSuite documents only the status.
        return restlet_error(
            StatusCode::PARTIAL_CONTENT,
            "INVALID_REQUEST",
            "A Content-Type header is required: application/json, application/xml or text/plain.",
        );
    }
    if method == Method::GET && !body.is_empty() {
        // guess: wording and code for a GET with a body (documented as 400).
        return restlet_error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "A GET request cannot have a body.",
        );
    }
    if !body.is_empty() && !ctype.as_deref().is_some_and(|t| ALLOWED_TYPES.contains(&t)) {
        // guess: the code; the 415 status and allowed types are documented.
        return restlet_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "INVALID_REQUEST",
            "Invalid content type. You can only use application/json, application/xml or text/plain with RESTlets.",
        );
    }
    let pairs = query_pairs(raw.as_deref());
    let Some(script) = find_script(query_get(&pairs, "script"), query_get(&pairs, "deploy")) else {
        // guess: 400 (the error code and body shape are documented, the status is not).
        return restlet_error(
            StatusCode::BAD_REQUEST,
            "SSS_INVALID_SCRIPTLET_ID",
            "That Suitelet is invalid, disabled, or no longer exists.",
        );
    };
    match script {
        Script::Echo => {
            let parsed_body = if body.is_empty() {
                Value::Null
            } else if ctype.as_deref() == Some("application/json") {
                match serde_json::from_slice::<Value>(&body) {
                    Ok(v) => v,
                    Err(e) => {
                        // guess: JSON.parse failing in the RESTlet framework is an unhandled script error.
                        return restlet_error(
                            StatusCode::BAD_REQUEST,
                            "SYNTAX_ERROR",
                            &format!("SyntaxError: {e}"),
                        );
                    }
                }
            } else {
                Value::String(String::from_utf8_lossy(&body).into_owned())
            };
            let params: Map<String, Value> = pairs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let out = json!({"method": method.as_str(), "params": params, "body": parsed_body});
            reply(ctype.as_deref(), &out)
        }
        Script::SavedSearch => {
            if method != Method::GET {
                // guess: a deployment without a function for this method answers 405.
                return restlet_error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "INVALID_REQUEST",
                    &format!("The {method} method is not supported by this RESTlet."),
                );
            }
            let store = st.store.clone();
            match blocking(move || Ok(super::analytics::restlet_answer(&store, &pairs))).await {
                Ok(out) => reply(ctype.as_deref(), &out),
                Err(_) => restlet_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "UNEXPECTED_ERROR",
                    "An unexpected error occurred.",
                ),
            }
        }
        Script::CustomerList => {
            if method != Method::GET {
                // guess: a deployment without a function for this method answers 405.
                return restlet_error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "INVALID_REQUEST",
                    &format!("The {method} method is not supported by this RESTlet."),
                );
            }
            let limit = match query_get(&pairs, "limit").map(|l| l.trim().parse::<usize>()) {
                None => 50,
                Some(Ok(n)) if (1..=1000).contains(&n) => n,
                Some(_) => {
                    // The script validates its own input and reports the problem with status 200.
                    return reply(
                        ctype.as_deref(),
                        &json!({"success": false, "error": "limit must be an integer between 1 and 1000"}),
                    );
                }
            };
            let q = query_get(&pairs, "q")
                .map(str::to_owned)
                .filter(|q| !q.is_empty());
            let inactive =
                query_get(&pairs, "includeInactive").is_some_and(|v| v.eq_ignore_ascii_case("T"));
            let store = st.store.clone();
            match blocking(move || store.customer_search(q.as_deref(), inactive, limit)).await {
                Ok(results) => reply(
                    ctype.as_deref(),
                    &json!({"success": true, "count": results.len(), "results": results}),
                ),
                Err(_) => restlet_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "UNEXPECTED_ERROR",
                    "An unexpected error occurred.",
                ),
            }
        }
    }
}

/// RESTlets answer in the request's content type: JSON for JSON (and GET without one), the JSON text otherwise.
fn reply(ctype: Option<&str>, v: &Value) -> Response {
    match ctype {
        Some(t @ ("text/plain" | "application/xml")) => {
            let mut resp = (StatusCode::OK, v.to_string()).into_response();
            if let Ok(h) = HeaderValue::from_str(t) {
                resp.headers_mut().insert(header::CONTENT_TYPE, h);
            }
            resp
        }
        _ => {
            let mut resp = (StatusCode::OK, axum::Json(v)).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_answer_to_numeric_and_script_ids() {
        assert_eq!(find_script(Some("101"), Some("1")), Some(Script::Echo));
        assert_eq!(
            find_script(Some("customscript_echo"), Some("customdeploy_echo")),
            Some(Script::Echo)
        );
        assert_eq!(
            find_script(Some("102"), Some("customdeploy_customer_list")),
            Some(Script::CustomerList)
        );
        assert_eq!(find_script(Some("101"), Some("2")), None);
        assert_eq!(find_script(None, Some("1")), None);
    }

    #[test]
    fn customer_search_filters() {
        let store = Store::demo().expect("demo");
        let all = store.customer_search(None, true, 1000).expect("all");
        let active = store.customer_search(None, false, 1000).expect("active");
        assert!(all.len() > active.len());
        let acme = store
            .customer_search(Some("ACME"), true, 1000)
            .expect("acme");
        assert!(acme.iter().all(|r| {
            r["values"]["companyname"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains("acme"))
        }));
        assert_eq!(
            store.customer_search(None, true, 3).expect("limit").len(),
            3
        );
    }
}
