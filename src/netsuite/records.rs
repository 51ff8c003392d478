//! The record service (netsuite-api.md §3): typed, validated calls. Record types, ids and field names are
//! checked here and every path segment is percent-encoded, so no argument can change the endpoint called.

use reqwest::Method;
use serde_json::Value;

use super::suiteql::{RawPage, fetch_window};
use super::{ApiRequest, NetSuiteClient, NetSuiteError, RECORD_PATH, strip_links};

/// Longest record type, field name or external id accepted (NetSuite's own ids are far shorter).
const MAX_NAME_LEN: usize = 128;

/// A record type such as `customer`, `salesOrder` or `customrecord_x`: `^[A-Za-z][A-Za-z0-9_]*$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordType(String);

impl RecordType {
    /// Validates a record type; the error says what is wrong in a form fit for a model.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if is_name(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "{raw:?} is not a record type: use letters, digits and _ only, starting with a letter \
                 (e.g. customer, salesorder, customrecord_project); list_record_types lists them"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RecordType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `^[A-Za-z][A-Za-z0-9_]*$`, at most [`MAX_NAME_LEN`] characters.
pub fn is_name(raw: &str) -> bool {
    raw.len() <= MAX_NAME_LEN
        && raw.starts_with(|c: char| c.is_ascii_alphabetic())
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An external id: letters, digits, `_` and `-` (netsuite-api.md §3.3).
pub fn is_external_id(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= MAX_NAME_LEN
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A record id: an internal id (digits) or `eid:` plus an external id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordId(String);

impl RecordId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = match raw.strip_prefix("eid:") {
            Some(ext) => is_external_id(ext),
            None => !raw.is_empty() && raw.len() <= 20 && raw.chars().all(|c| c.is_ascii_digit()),
        };
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "{raw:?} is not a record id: use the internal id (digits, e.g. 107) or eid: plus an external id \
                 made of letters, digits, _ and - (e.g. eid:CUST-001); for other external ids find the record with \
                 list_records and q = externalId IS \"...\""
            ))
        }
    }

    /// An `eid:` id made from a bare external id.
    pub fn external(external_id: &str) -> Result<Self, String> {
        if is_external_id(external_id) {
            Ok(Self(format!("eid:{external_id}")))
        } else {
            Err(format!(
                "{external_id:?} is not an external id this tool can address: use letters, digits, _ and - only"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One window of a record list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListWindow {
    pub ids: Vec<String>,
    pub total_results: Option<u64>,
    pub has_more: bool,
}

impl NetSuiteClient {
    fn record_url(&self, record_type: &RecordType, id: Option<&RecordId>) -> String {
        match id {
            Some(id) => self
                .endpoints()
                .rest_url(RECORD_PATH, &[record_type.as_str(), id.as_str()]),
            None => self
                .endpoints()
                .rest_url(RECORD_PATH, &[record_type.as_str()]),
        }
    }

    /// One record, without `links`. `fields` restricts body fields; `expand` expands sublists and subrecords.
    pub async fn get_record(
        &self,
        record_type: &RecordType,
        id: &RecordId,
        fields: &[String],
        expand: bool,
    ) -> Result<Value, NetSuiteError> {
        let mut request = ApiRequest::get(self.record_url(record_type, Some(id)));
        if !fields.is_empty() {
            request = request.query("fields", fields.join(","));
        }
        if expand {
            request = request.query("expandSubResources", "true");
        }
        Ok(strip_links(self.send(request).await?.json()?))
    }

    /// Ids `[offset, offset + limit)` of the records matching `q` (NetSuite's filter syntax), any offset.
    pub async fn list_records(
        &self,
        record_type: &RecordType,
        q: Option<&str>,
        offset: u32,
        limit: u32,
    ) -> Result<ListWindow, NetSuiteError> {
        let url = self.record_url(record_type, None);
        let (items, total_results, has_more) = fetch_window(offset, limit, |size, page_offset| {
            let mut request = ApiRequest::get(url.clone())
                .query("limit", size.to_string())
                .query("offset", page_offset.to_string());
            if let Some(q) = q {
                request = request.query("q", q);
            }
            async move { RawPage::parse(self.send(request).await?.json()?) }
        })
        .await?;
        let ids = items
            .iter()
            .filter_map(|item| match item.get("id") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
            .collect();
        Ok(ListWindow {
            ids,
            total_results,
            has_more,
        })
    }

    /// Creates a record; the new internal id comes from `Location`.
    pub async fn create_record(
        &self,
        record_type: &RecordType,
        values: &Value,
    ) -> Result<Option<String>, NetSuiteError> {
        let request =
            ApiRequest::new(Method::POST, self.record_url(record_type, None)).json(values);
        Ok(self.send(request).await?.location_id())
    }

    /// Updates the given fields; `replace` names sublists whose lines are replaced rather than merged.
    pub async fn update_record(
        &self,
        record_type: &RecordType,
        id: &RecordId,
        values: &Value,
        replace: &[String],
    ) -> Result<Option<String>, NetSuiteError> {
        let mut request =
            ApiRequest::new(Method::PATCH, self.record_url(record_type, Some(id))).json(values);
        if !replace.is_empty() {
            request = request.query("replace", replace.join(","));
        }
        Ok(self.send(request).await?.location_id())
    }

    /// Creates or updates the record with this external id (`PUT …/eid:X`).
    pub async fn upsert_record(
        &self,
        record_type: &RecordType,
        external_id: &RecordId,
        values: &Value,
    ) -> Result<Option<String>, NetSuiteError> {
        let request = ApiRequest::new(Method::PUT, self.record_url(record_type, Some(external_id)))
            .json(values);
        Ok(self.send(request).await?.location_id())
    }

    pub async fn delete_record(
        &self,
        record_type: &RecordType,
        id: &RecordId,
    ) -> Result<(), NetSuiteError> {
        let request = ApiRequest::new(Method::DELETE, self.record_url(record_type, Some(id)));
        self.send(request).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_types_are_identifiers_only() {
        for ok in ["customer", "salesOrder", "customrecord_x1"] {
            assert!(RecordType::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../../auth",
            "%2e%2e",
            "customer?x=1",
            "customer#",
            "sales order",
            "kunde_ä",
            "1abc",
            "_x",
            "customer/1",
            "a.b",
        ] {
            assert!(RecordType::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_are_digits_or_safe_external_ids() {
        for ok in ["107", "eid:CUST-001", "eid:a_b"] {
            assert!(RecordId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-1",
            "1.5",
            "../auth",
            "eid:",
            "eid:../../auth",
            "eid:a b",
            "eid:a?b",
            "eid:a#b",
            "eid:%2e%2e",
            "eid:ü",
            "107/addressbook",
            "12345678901234567890123",
        ] {
            assert!(RecordId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(RecordId::external("X-1").unwrap().as_str(), "eid:X-1");
        assert!(RecordId::external("a/b").is_err());
    }
}
