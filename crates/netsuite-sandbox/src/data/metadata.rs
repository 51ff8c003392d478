//! The metadata catalog (netsuite-api.md §5): the list of record types, JSON Schema per type
//! (`Accept: application/schema+json`) and a minimal OpenAPI 3.0 document (`Accept: application/swagger+json`),
//! all generated from the same field table the record service uses.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::super::error::NsError;
use super::records::lookup_type;
use super::schema::{Field, Kind, RECORD_TYPES, RecordType, Sublist, statuses};
use super::{AppState, RECORD_PATH, json_response, query_get, query_pairs};

const CATALOG_PATH: &str = "/services/rest/record/v1/metadata-catalog";
const SCHEMA_TYPE: &str = "application/schema+json";
const SWAGGER_TYPE: &str = "application/swagger+json";
const HYPER_SCHEMA: &str = "https://json-schema.org/draft-06/hyper-schema#";

fn wants_swagger(headers: &HeaderMap) -> bool {
    headers
        .get_all("accept")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains(SWAGGER_TYPE))
}

/// JSON Schema of one field. `refs` says how to point at other types: JSON Schema catalog URLs or OpenAPI
/// component references.
fn field_schema(f: &Field, openapi: bool) -> Value {
    let mut m = Map::new();
    m.insert("title".into(), json!(f.title));
    let (ty, format) = match f.kind {
        Kind::Text | Kind::Email | Kind::Phone => ("string", None),
        Kind::Bool => ("boolean", None),
        Kind::Integer => ("integer", Some("int64")),
        Kind::Float | Kind::Currency => ("number", Some("double")),
        Kind::Date => ("string", Some("date")),
        Kind::DateTime => ("string", Some("date-time")),
        Kind::Ref(_) | Kind::Status => ("object", None),
    };
    m.insert("type".into(), json!(ty));
    if let Some(fmt) = format {
        m.insert("format".into(), json!(fmt));
    }
    match f.kind {
        Kind::Ref(target) => {
            let r = if openapi {
                format!("#/components/schemas/{}", target.record_type())
            } else {
                format!("{CATALOG_PATH}/{}", target.record_type())
            };
            m.insert("$ref".into(), json!(r));
        }
        Kind::Status => {
            m.insert(
                "properties".into(),
                json!({
                    "id": {"title": "Internal identifier", "type": "string"},
                    "refName": {"title": "Reference Name", "type": "string"},
                }),
            );
        }
        _ => {}
    }
    m.insert("nullable".into(), json!(!f.mandatory));
    if f.read_only {
        m.insert("readOnly".into(), json!(true));
    }
    m.insert("x-ns-filterable".into(), json!(true));
    if f.custom {
        m.insert("x-ns-custom-field".into(), json!(true));
    }
    Value::Object(m)
}

fn line_schema(sl: &Sublist, openapi: bool) -> Value {
    let mut props = Map::new();
    props.insert("links".into(), links_schema());
    for f in sl.fields {
        let mut s = field_schema(f, openapi);
        // Sublist fields can't be used in `q`.
        s["x-ns-filterable"] = json!(false);
        props.insert(f.name.into(), s);
    }
    json!({"type": "object", "properties": props})
}

fn links_schema() -> Value {
    let link = json!({
        "type": "object",
        "properties": {"rel": {"type": "string"}, "href": {"type": "string"}},
    });
    json!({"title": "Links", "type": "array", "readOnly": true, "items": link})
}

fn record_properties(rt: &RecordType, openapi: bool) -> Map<String, Value> {
    let mut props = Map::new();
    props.insert("links".into(), links_schema());
    props.insert(
        "id".into(),
        json!({"title": "Internal ID", "type": "string", "nullable": true, "readOnly": true, "x-ns-filterable": true}),
    );
    props.insert(
        "refName".into(),
        json!({"title": "Reference Name", "type": "string", "nullable": true, "readOnly": true, "x-ns-filterable": false}),
    );
    for f in rt.fields {
        let mut s = field_schema(f, openapi);
        if f.kind == Kind::Status
            && let Some(ty) = rt.tran_type()
        {
            let letters: Vec<&str> = statuses(ty).iter().map(|(l, _)| *l).collect();
            s["properties"]["id"]["enum"] = json!(letters);
        }
        props.insert(f.name.into(), s);
    }
    for sl in rt.sublists {
        let s = if openapi {
            json!({"title": sl.title, "type": "object", "$ref": format!("#/components/schemas/{}-{}Collection", rt.name, sl.name), "x-ns-filterable": false})
        } else {
            json!({
                "title": sl.title,
                "type": "object",
                "properties": {
                    "links": links_schema(),
                    "items": {"type": "array", "items": line_schema(sl, false)},
                },
                "nullable": true,
                "x-ns-filterable": false,
            })
        };
        props.insert(sl.name.into(), s);
    }
    props
}

/// JSON Schema of one record type, as `GET /metadata-catalog/{type}` with `Accept: application/schema+json`.
pub fn json_schema(rt: &RecordType, base: &str) -> Value {
    json!({
        "type": "object",
        "title": rt.title,
        "properties": record_properties(rt, false),
        "links": [
            {"rel": "self", "href": format!("{base}{RECORD_PATH}/{}/{{id}}", rt.name), "method": "GET",
             "targetSchema": {"$ref": format!("{base}{CATALOG_PATH}/{}", rt.name)}},
        ],
        "$schema": HYPER_SCHEMA,
    })
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "o:errorDetails": {"type": "array", "items": {"type": "object", "properties": {
                "detail": {"type": "string"},
                "o:errorCode": {"type": "string"},
                "o:errorPath": {"type": "string"},
                "o:errorQueryParam": {"type": "string"},
                "o:errorHeader": {"type": "string"},
                "o:errorUrl": {"type": "string"},
            }}},
        },
    })
}

fn collection_schema(item_ref: &str) -> Value {
    json!({
        "type": "object",
        "properties": {
            "links": links_schema(),
            "count": {"type": "integer", "format": "int64"},
            "hasMore": {"type": "boolean"},
            "offset": {"type": "integer", "format": "int64"},
            "totalResults": {"type": "integer", "format": "int64"},
            "items": {"type": "array", "items": {"$ref": item_ref}},
        },
    })
}

/// A minimal OpenAPI 3.0 document for some record types (`Accept: application/swagger+json`).
pub fn openapi(types: &[&RecordType], base: &str) -> Value {
    const COLLECTION: &str = "application/vnd.oracle.resource+json; type=collection";
    const SINGULAR: &str = "application/vnd.oracle.resource+json; type=singular";
    let error = json!({"description": "Error.", "content": {"application/vnd.oracle.resource+json; type=error": {"schema": {"$ref": "#/components/schemas/rest_error"}}}});
    let no_content = json!({"description": "Success; Location holds the record URL.", "headers": {"Location": {"schema": {"type": "string"}}}});
    let id_param = json!({"name": "id", "in": "path", "required": true, "description": "Internal identifier, or eid:<external id>.", "schema": {"type": "string"}});
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert("rest_error".into(), error_schema());
    for rt in types {
        let one = format!("#/components/schemas/{}", rt.name);
        let body =
            json!({"required": true, "content": {"application/json": {"schema": {"$ref": one}}}});
        paths.insert(
            format!("/{}", rt.name),
            json!({
                "get": {
                    "tags": [rt.name],
                    "summary": format!("Get list of {} records.", rt.title),
                    "parameters": [
                        {"name": "q", "in": "query", "description": "Search query used to filter results.", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 1000, "minimum": 1, "maximum": 1000}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}},
                    ],
                    "responses": {
                        "200": {"description": "List of records.", "content": {COLLECTION: {"schema": {"$ref": format!("#/components/schemas/{}Collection", rt.name)}}}},
                        "default": error,
                    },
                },
                "post": {
                    "tags": [rt.name],
                    "summary": format!("Insert a {} record.", rt.title),
                    "requestBody": body,
                    "responses": {"204": no_content, "default": error},
                },
            }),
        );
        paths.insert(
            format!("/{}/{{id}}", rt.name),
            json!({
                "parameters": [id_param],
                "get": {
                    "tags": [rt.name],
                    "summary": format!("Get a {} record.", rt.title),
                    "parameters": [
                        {"name": "expandSubResources", "in": "query", "schema": {"type": "boolean", "default": false}},
                        {"name": "fields", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {"200": {"description": "The record.", "content": {SINGULAR: {"schema": {"$ref": one}}}}, "default": error},
                },
                "patch": {"tags": [rt.name], "summary": format!("Update a {} record.", rt.title), "requestBody": body, "responses": {"204": no_content, "default": error}},
                "put": {"tags": [rt.name], "summary": format!("Insert or update a {} record (eid: only).", rt.title), "requestBody": body, "responses": {"204": no_content, "default": error}},
                "delete": {"tags": [rt.name], "summary": format!("Remove a {} record.", rt.title), "responses": {"204": {"description": "Deleted."}, "default": error}},
            }),
        );
        schemas.insert(
            rt.name.into(),
            json!({"type": "object", "title": rt.title, "properties": record_properties(rt, true)}),
        );
        schemas.insert(
            format!("{}Collection", rt.name),
            collection_schema("#/components/schemas/nsResource"),
        );
        for sl in rt.sublists {
            let element = format!("{}-{}Element", rt.name, sl.name);
            schemas.insert(element.clone(), line_schema(sl, true));
            schemas.insert(
                format!("{}-{}Collection", rt.name, sl.name),
                collection_schema(&format!("#/components/schemas/{element}")),
            );
        }
    }
    // Types referenced but not selected degrade to generic objects, as NetSuite's do.
    for rt in RECORD_TYPES {
        schemas
            .entry(rt.name)
            .or_insert_with(|| json!({"type": "object", "properties": {"id": {"type": "string"}, "refName": {"type": "string"}, "links": links_schema()}}));
    }
    schemas.insert(
        "nsResource".into(),
        json!({"type": "object", "properties": {"id": {"type": "string"}, "links": links_schema()}}),
    );
    json!({
        "openapi": "3.0.1",
        "info": {"title": "NetSuite REST Record API", "version": "v1", "description": "Demo account of the netsuite-mcp sandbox."},
        "servers": [{"url": format!("{base}{RECORD_PATH}")}],
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// The catalog listing (`GET /metadata-catalog`), optionally limited by `select`.
pub fn catalog(types: &[&RecordType], base: &str) -> Value {
    let items: Vec<Value> = types
        .iter()
        .map(|rt| {
            let href = format!("{base}{CATALOG_PATH}/{}", rt.name);
            json!({
                "name": rt.name,
                "links": [
                    {"rel": "canonical", "href": href, "mediaType": "application/json"},
                    {"rel": "alternate", "href": href, "mediaType": SWAGGER_TYPE},
                    {"rel": "alternate", "href": href, "mediaType": SCHEMA_TYPE},
                    {"rel": "describes", "href": href},
                ],
            })
        })
        .collect();
    json!({
        "items": items,
        "links": [{"rel": "self", "href": format!("{base}{CATALOG_PATH}")}],
    })
}

fn selected(select: Option<&str>) -> Result<Vec<&'static RecordType>, NsError> {
    match select {
        None => Ok(RECORD_TYPES.iter().collect()),
        Some(s) => {
            if s.contains(char::is_whitespace) {
                // netsuite-api.md §5: a space in `select` gives 400 INVALID_REQUEST.
                return Err(NsError::invalid_request(
                    "The request could not be understood by the server due to malformed syntax.",
                ));
            }
            let mut out: Vec<&'static RecordType> = Vec::new();
            for name in s.split(',').filter(|n| !n.is_empty()) {
                let rt = lookup_type(name)?;
                if !out.iter().any(|r| r.name == rt.name) {
                    out.push(rt);
                }
            }
            Ok(out)
        }
    }
}

pub(super) async fn catalog_handler(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    match selected(query_get(&pairs, "select")) {
        Ok(types) if wants_swagger(&headers) => {
            json_response(StatusCode::OK, SWAGGER_TYPE, &openapi(&types, &st.base))
        }
        Ok(types) => json_response(
            StatusCode::OK,
            "application/json",
            &catalog(&types, &st.base),
        ),
        Err(e) => e.into_response(),
    }
}

pub(super) async fn describe_handler(
    State(st): State<AppState>,
    Path(rtype): Path<String>,
    headers: HeaderMap,
) -> Response {
    match lookup_type(&rtype) {
        Ok(rt) if wants_swagger(&headers) => {
            json_response(StatusCode::OK, SWAGGER_TYPE, &openapi(&[rt], &st.base))
        }
        // guess: without a schema/swagger Accept, JSON Schema is returned.
        Ok(rt) => json_response(StatusCode::OK, SCHEMA_TYPE, &json_schema(rt, &st.base)),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::record_type;
    use super::*;

    #[test]
    fn schema_marks_custom_and_filterable_fields() {
        let rt = record_type("customer").expect("customer");
        let s = json_schema(rt, "http://h");
        assert_eq!(s["$schema"], HYPER_SCHEMA);
        assert_eq!(
            s["properties"]["custentity_industry"]["x-ns-custom-field"],
            true
        );
        assert_eq!(s["properties"]["companyName"]["x-ns-filterable"], true);
        assert_eq!(s["properties"]["companyName"]["nullable"], false);
        assert_eq!(s["properties"]["dateCreated"]["format"], "date-time");
        assert_eq!(s["properties"]["isInactive"]["type"], "boolean");
        let so = json_schema(record_type("salesorder").expect("so"), "");
        assert_eq!(so["properties"]["item"]["x-ns-filterable"], false);
        assert_eq!(
            so["properties"]["status"]["properties"]["id"]["enum"][0],
            "A"
        );
    }

    #[test]
    fn openapi_has_paths_and_components() {
        let rt = record_type("salesorder").expect("so");
        let d = openapi(&[rt], "http://h");
        assert_eq!(d["openapi"], "3.0.1");
        assert!(d["paths"]["/salesorder"]["get"].is_object());
        assert!(d["paths"]["/salesorder/{id}"]["patch"].is_object());
        for k in [
            "salesorderCollection",
            "salesorder-itemCollection",
            "salesorder-itemElement",
            "rest_error",
        ] {
            assert!(d["components"]["schemas"][k].is_object(), "{k}");
        }
    }

    #[test]
    fn select_with_space_is_invalid_request() {
        assert_eq!(
            selected(Some("customer, salesorder"))
                .expect_err("space")
                .code,
            "INVALID_REQUEST"
        );
        assert_eq!(
            selected(Some("customer,salesorder")).map(|v| v.len()).ok(),
            Some(2)
        );
        assert!(selected(Some("customer,nope")).is_err());
    }
}
