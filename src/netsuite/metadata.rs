//! The metadata catalog (netsuite-api.md §5): record type names and the fields of one record type.

use reqwest::header::{ACCEPT, HeaderValue};
use serde_json::Value;

use super::records::RecordType;
use super::{ApiRequest, METADATA_PATH, NetSuiteClient, NetSuiteError};

/// One field of a record type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct FieldInfo {
    /// Field id.
    pub name: String,
    /// JSON type; `object` for references, sublists and subrecords.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Label shown in the NetSuite UI.
    pub title: String,
    /// Format of a string, e.g. date, date-time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// Whether list_records can filter on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filterable: Option<bool>,
    /// Whether it is a custom field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<bool>,
}

/// Reads the fields out of a record type's JSON Schema (`properties`), sorted by name.
pub fn parse_fields(schema: &Value) -> Vec<FieldInfo> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut fields: Vec<FieldInfo> = props
        .iter()
        .map(|(name, p)| {
            let field_type = match p.get("type") {
                Some(Value::String(t)) => t.clone(),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|t| *t != "null")
                    .unwrap_or("null")
                    .to_owned(),
                _ if p.get("$ref").is_some() || p.get("properties").is_some() => "object".into(),
                _ => "unknown".into(),
            };
            FieldInfo {
                name: name.clone(),
                field_type,
                title: p
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                format: p.get("format").and_then(Value::as_str).map(str::to_owned),
                nullable: p.get("nullable").and_then(Value::as_bool),
                filterable: p.get("x-ns-filterable").and_then(Value::as_bool),
                custom: p.get("x-ns-custom-field").and_then(Value::as_bool),
            }
        })
        .collect();
    fields.sort_by(|a, b| a.name.cmp(&b.name));
    fields
}

impl NetSuiteClient {
    /// Names of every record type the role can see through REST, sorted (cached, see [`super::MetadataCache`]).
    pub async fn record_type_names(&self) -> Result<Vec<String>, NetSuiteError> {
        let names = self
            .metadata_cache()
            .names(|| self.fetch_record_type_names())
            .await?;
        Ok(names.as_ref().clone())
    }

    /// The fields of one record type, from its JSON Schema (cached, see [`super::MetadataCache`]).
    pub async fn record_type_fields(
        &self,
        record_type: &RecordType,
    ) -> Result<Vec<FieldInfo>, NetSuiteError> {
        let fields = self
            .metadata_cache()
            .fields(record_type.as_str(), || {
                self.fetch_record_type_fields(record_type)
            })
            .await?;
        Ok(fields.as_ref().clone())
    }

    async fn fetch_record_type_names(&self) -> Result<Vec<String>, NetSuiteError> {
        let request = ApiRequest::get(self.endpoints().rest_url(METADATA_PATH, &[]));
        let body: Value = self.send(request).await?.json()?;
        let mut names: Vec<String> = body
            .get("items")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.get("name").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn fetch_record_type_fields(
        &self,
        record_type: &RecordType,
    ) -> Result<Vec<FieldInfo>, NetSuiteError> {
        let request = ApiRequest::get(
            self.endpoints()
                .rest_url(METADATA_PATH, &[record_type.as_str()]),
        )
        .header(ACCEPT, HeaderValue::from_static("application/schema+json"));
        let body: Value = self.send(request).await?.json()?;
        Ok(parse_fields(&body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_come_from_properties_with_netsuite_extensions() {
        let schema = json!({"type": "object", "properties": {
            "email": {"type": "string", "title": "Email", "format": "email", "nullable": true, "x-ns-filterable": true},
            "custentity_tier": {"type": ["null", "integer"], "title": "Tier", "x-ns-custom-field": true},
            "currency": {"$ref": "/services/rest/record/v1/metadata-catalog/currency", "title": "Currency"}
        }});
        let f = parse_fields(&schema);
        assert_eq!(
            f.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["currency", "custentity_tier", "email"]
        );
        assert_eq!(f[0].field_type, "object");
        assert_eq!(
            (f[1].field_type.as_str(), f[1].custom),
            ("integer", Some(true))
        );
        assert_eq!(
            serde_json::to_value(&f[2]).unwrap(),
            json!({"name": "email", "type": "string", "title": "Email", "format": "email", "nullable": true, "filterable": true})
        );
    }
}
