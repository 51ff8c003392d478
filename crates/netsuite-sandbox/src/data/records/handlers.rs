//! The record service's HTTP handlers: parse the request, run the store call off the runtime, answer
//! NetSuite-style.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::data::{
    AppState, COLLECTION_TYPE, Page, RECORD_PATH, blocking, paging, query_get, query_pairs,
};
use crate::error::NsError;

use super::body::NameValidation;
use super::read::{record_url, self_link};
use super::{SINGULAR_TYPE, lookup_type};

pub(super) fn parse_body_bytes(body: &Bytes) -> Result<Value, NsError> {
    serde_json::from_slice(body).map_err(|e| {
        NsError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CONTENT",
            format!("The request body is not valid JSON: {e}."),
        )
    })
}

pub(super) fn no_content(location: Option<String>, warnings: &[String]) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Some(loc) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    if !warnings.is_empty() {
        // Invented header name: NetSuite reports name warnings in an undocumented header (netsuite-api.md §3.9).
        if let Ok(v) = HeaderValue::from_str(&warnings.join(" ")) {
            resp.headers_mut().insert("x-netsuite-warning", v);
        }
    }
    resp
}

pub(super) fn respond(r: Result<Response, NsError>) -> Response {
    r.unwrap_or_else(IntoResponse::into_response)
}

pub(in crate::data) async fn list_handler(
    State(st): State<AppState>,
    Path(rtype): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    respond(
        async move {
            let pairs = query_pairs(raw.as_deref());
            let page = Page::parse(query_get(&pairs, "limit"), query_get(&pairs, "offset"))?;
            let q = query_get(&pairs, "q").map(str::to_owned);
            let store = st.store.clone();
            let rt = lookup_type(&rtype)?;
            let q2 = q.clone();
            let (total, ids) =
                blocking(move || store.record_list(rt.name, q2.as_deref(), page)).await?;
            let items = ids
                .into_iter()
                .map(|id| {
                    json!({
                        "links": self_link(record_url(&st.base, rt.name, id)),
                        "id": id.to_string(),
                    })
                })
                .collect();
            let url = format!("{}{RECORD_PATH}/{}", st.base, rt.name);
            let extra: Vec<(&str, &str)> = q.as_deref().map(|q| vec![("q", q)]).unwrap_or_default();
            let body = paging::envelope(&url, &extra, page, total, items);
            Ok(crate::data::json_response(
                StatusCode::OK,
                COLLECTION_TYPE,
                &body,
            ))
        }
        .await,
    )
}

pub(in crate::data) async fn get_handler(
    State(st): State<AppState>,
    Path((rtype, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    respond(
        async move {
            let pairs = query_pairs(raw.as_deref());
            let expand = match query_get(&pairs, "expandSubResources") {
                None => false,
                Some(v) if v.eq_ignore_ascii_case("true") => true,
                Some(v) if v.eq_ignore_ascii_case("false") => false,
                Some(v) => {
                    return Err(NsError::invalid_parameter(
                        "expandSubResources",
                        format!("Invalid value for query parameter 'expandSubResources': {v}. Use true or false."),
                    ));
                }
            };
            let fields: Option<Vec<String>> = query_get(&pairs, "fields").map(|f| {
                f.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            });
            let store = st.store.clone();
            let base = st.base.clone();
            let body = blocking(move || store.record_get(&rtype, &id, fields.as_deref(), expand, &base)).await?;
            Ok(crate::data::json_response(StatusCode::OK, SINGULAR_TYPE, &body))
        }
        .await,
    )
}

/// `GET /{type}/{id}/{sublist}`: the sublist collection the record's sublist link points at.
pub(in crate::data) async fn sublist_handler(
    State(st): State<AppState>,
    Path((rtype, id, sub)): Path<(String, String, String)>,
) -> Response {
    respond(
        async move {
            let rt = lookup_type(&rtype)?;
            let sl = rt.sublist(&sub).ok_or_else(NsError::nonexistent_id)?;
            let store = st.store.clone();
            let base = st.base.clone();
            let rec = blocking(move || store.record_get(rt.name, &id, None, true, &base)).await?;
            let body = rec.get(sl.name).cloned().unwrap_or(Value::Null);
            Ok(crate::data::json_response(
                StatusCode::OK,
                COLLECTION_TYPE,
                &body,
            ))
        }
        .await,
    )
}

pub(in crate::data) async fn create_handler(
    State(st): State<AppState>,
    Path(rtype): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async move {
            let rt = lookup_type(&rtype)?;
            let value = parse_body_bytes(&body)?;
            let names = NameValidation::from_headers(&headers);
            let store = st.store.clone();
            let (id, warnings) =
                blocking(move || store.record_create(rt.name, &value, names)).await?;
            Ok(no_content(
                Some(record_url(&st.base, rt.name, id)),
                &warnings,
            ))
        }
        .await,
    )
}

pub(in crate::data) async fn patch_handler(
    State(st): State<AppState>,
    Path((rtype, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async move {
            let rt = lookup_type(&rtype)?;
            let pairs = query_pairs(raw.as_deref());
            let replace: Vec<String> = query_get(&pairs, "replace")
                .map(|r| {
                    r.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let value = parse_body_bytes(&body)?;
            let names = NameValidation::from_headers(&headers);
            let store = st.store.clone();
            let (iid, warnings) =
                blocking(move || store.record_update(rt.name, &id, &value, &replace, names))
                    .await?;
            Ok(no_content(
                Some(record_url(&st.base, rt.name, iid)),
                &warnings,
            ))
        }
        .await,
    )
}

pub(in crate::data) async fn put_handler(
    State(st): State<AppState>,
    Path((rtype, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async move {
            let rt = lookup_type(&rtype)?;
            let value = parse_body_bytes(&body)?;
            let names = NameValidation::from_headers(&headers);
            let store = st.store.clone();
            let (iid, _created, warnings) =
                blocking(move || store.record_upsert(rt.name, &id, &value, names)).await?;
            Ok(no_content(
                Some(record_url(&st.base, rt.name, iid)),
                &warnings,
            ))
        }
        .await,
    )
}

pub(in crate::data) async fn delete_handler(
    State(st): State<AppState>,
    Path((rtype, id)): Path<(String, String)>,
) -> Response {
    respond(
        async move {
            let store = st.store.clone();
            blocking(move || store.record_delete(&rtype, &id)).await?;
            Ok(no_content(None, &[]))
        }
        .await,
    )
}
