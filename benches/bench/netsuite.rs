//! NetSuite's side of each comparison: requests sent directly to the sandbox, the canned NetSuite answers queued
//! as sandbox faults while its data endpoints are absent, and the check that both sides met the same answer.

use netsuite_sandbox::Fault;
use rmcp::model::CallToolResult;
use serde_json::{Value, json};

use crate::servers::text_of;
use crate::{Bench, BenchResult, SUITEQL_PATH, Source};

impl Bench {
    /// Uses the sandbox's SuiteQL when it answers; otherwise canned answers.
    pub(crate) async fn detect_source(&mut self) -> BenchResult<()> {
        let (status, body) = self
            .direct_suiteql("SELECT id FROM customer ORDER BY id", 1)
            .await?;
        if status == 200 {
            let page: Value = serde_json::from_str(&body)?;
            if let Some(id) = page["items"][0]["id"].as_str() {
                self.source = Source::Sandbox;
                self.record_id = id.to_owned();
            }
        }
        self.local.handle.reset_counters();
        Ok(())
    }

    /// Queues the NetSuite answer for the next request when answers are canned.
    pub(crate) fn prime(&self, fault: impl FnOnce() -> Fault, count: usize) {
        if self.source == Source::Injected {
            self.local.handle.faults().api(fault(), count);
        }
    }

    pub(crate) async fn direct_suiteql(
        &self,
        query: &str,
        limit: u32,
    ) -> BenchResult<(u16, String)> {
        let url = format!("{}{SUITEQL_PATH}", self.local.handle.base_url());
        let resp = self
            .http
            .post(url)
            .query(&[("limit", limit.to_string()), ("offset", "0".to_owned())])
            .bearer_auth(&self.bearer)
            .header("Prefer", "transient")
            .json(&json!({ "q": query }))
            .send()
            .await?;
        let status = resp.status().as_u16();
        Ok((status, resp.text().await?))
    }

    pub(crate) async fn direct_get(&self) -> BenchResult<(u16, String)> {
        let url = format!(
            "{}/services/rest/record/v1/customer/{}",
            self.local.handle.base_url(),
            self.record_id
        );
        let resp = self.http.get(url).bearer_auth(&self.bearer).send().await?;
        let status = resp.status().as_u16();
        Ok((status, resp.text().await?))
    }
}

/// A direct request and the MCP call must have met the same NetSuite answer, or the comparison is void.
pub(crate) fn check_same_outcome(
    tool: &str,
    direct_status: u16,
    r: &CallToolResult,
) -> BenchResult<()> {
    let mcp_ok = r.is_error != Some(true);
    if direct_status != 200 {
        return Err(format!(
            "{tool}: the sandbox answered the direct request with HTTP {direct_status}"
        )
        .into());
    }
    if mcp_ok != (direct_status == 200) {
        return Err(format!(
            "{tool}: direct HTTP {direct_status} but the MCP call {}: {}",
            if mcp_ok { "succeeded" } else { "failed" },
            text_of(r)
        )
        .into());
    }
    Ok(())
}

/// A NetSuite SuiteQL page of `n` small customer rows (`cols` columns), as NetSuite sends it.
pub(crate) fn canned_page(n: usize, cols: usize) -> Fault {
    let names = [
        "id",
        "companyname",
        "email",
        "phone",
        "datecreated",
        "balance",
    ];
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let mut row = serde_json::Map::new();
            row.insert("links".into(), json!([]));
            for (c, name) in names.iter().take(cols).enumerate() {
                row.insert((*name).into(), json!(format!("{}-{i}", c * 7 + 1)));
            }
            Value::Object(row)
        })
        .collect();
    ok_json(
        json!({"links": [], "count": n, "hasMore": false, "offset": 0, "totalResults": n, "items": items}),
    )
}

/// Rows `offset..offset+n` of a `total`-row transaction query with 6 columns, as NetSuite pages them (links
/// on the page and on every row, all values strings).
pub(crate) fn canned_rows_page(offset: u64, n: u64, total: u64) -> Fault {
    let end = (offset + n).min(total);
    let items: Vec<Value> = (offset..end)
        .map(|i| {
            json!({"links": [], "id": (1000 + i).to_string(), "tranid": format!("INV{:06}", 1000 + i),
                "trandate": format!("{}/{}/2025", 1 + i % 12, 1 + i % 28), "entity": (100 + i % 125).to_string(),
                "status": if i % 3 == 0 { "B" } else { "A" }, "foreigntotal": format!("{}.{:02}", 100 + (i * 37) % 9000, i % 100)})
        })
        .collect();
    let base = "https://demo123.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql";
    let mut links =
        vec![json!({"rel": "self", "href": format!("{base}?limit={n}&offset={offset}")})];
    if end < total {
        links.push(json!({"rel": "next", "href": format!("{base}?limit={n}&offset={end}")}));
    }
    links.push(json!({"rel": "last", "href": format!("{base}?limit={n}&offset={}", total.saturating_sub(n))}));
    ok_json(
        json!({"links": links, "count": end - offset, "hasMore": end < total, "offset": offset,
        "totalResults": total, "items": items}),
    )
}

pub(crate) fn canned_record() -> Fault {
    ok_json(
        json!({"links": [{"rel": "self", "href": "https://demo123.suitetalk.api.netsuite.com/services/rest/record/v1/customer/1"}],
        "id": "1", "companyName": "Acme Logistics Inc.", "email": "ap@acme.example", "phone": "555-0100",
        "isInactive": false, "dateCreated": "2024-03-01T10:00:00Z",
        "currency": {"links": [], "id": "1", "refName": "USD"},
        "subsidiary": {"links": [], "id": "1", "refName": "Parent Company"}}),
    )
}

fn ok_json(body: Value) -> Fault {
    Fault::status(200)
        .with_body(body.to_string())
        .with_content_type("application/json")
}
