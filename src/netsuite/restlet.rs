//! RESTlets (netsuite-api.md §6): `…/app/site/hosting/restlet.nl?script=…&deploy=…`.

use reqwest::Method;
use serde_json::Value;

use super::{ApiRequest, NetSuiteClient, NetSuiteError};

/// Path of every RESTlet.
pub const RESTLET_PATH: &str = "/app/site/hosting/restlet.nl";

/// A script or deployment id: numeric (`42`) or a script id (`customscript_orders`, `customdeploy1`).
pub fn is_script_id(raw: &str) -> bool {
    !raw.is_empty() && raw.len() <= 64 && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What a RESTlet answered (any 2xx).
#[derive(Debug, Clone, PartialEq)]
pub struct RestletResponse {
    pub status: u16,
    /// JSON when the body parses as JSON, otherwise the text; `null` when empty.
    pub body: Value,
}

impl NetSuiteClient {
    /// Calls a RESTlet. `script` and `deploy` must satisfy [`is_script_id`]; `params` become query
    /// parameters after them.
    pub async fn call_restlet(
        &self,
        script: &str,
        deploy: &str,
        method: Method,
        params: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<RestletResponse, NetSuiteError> {
        let mut request = ApiRequest::new(method, self.endpoints().restlet_url(RESTLET_PATH, &[]))
            .query("script", script)
            .query("deploy", deploy)
            .may_write();
        for (k, v) in params {
            request = request.query(k, v.clone());
        }
        request = match body {
            Some(body) => request.json(body),
            // NetSuite takes the request's Content-Type as the format of the answer, on every method: without
            // it a RESTlet answers 206 (netsuite-api.md §6), so GET and DELETE send it too, with no body.
            None => request.header(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json"),
            ),
        };
        let response = self.send(request).await?;
        let body = if response.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&response.body).unwrap_or_else(|_| {
                Value::String(String::from_utf8_lossy(&response.body).into_owned())
            })
        };
        Ok(RestletResponse {
            status: response.status,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_ids_are_plain_identifiers() {
        for ok in ["42", "customscript_orders", "customdeploy1"] {
            assert!(super::is_script_id(ok));
        }
        for bad in ["", "1&deploy=2", "a b", "../x", "x#", "ü"] {
            assert!(!super::is_script_id(bad), "{bad}");
        }
    }
}
