//! `completion/complete`: values for the record-type template's `record_type` (from the cached record-type list)
//! and for prompt arguments (customer and vendor names by a bounded SuiteQL query, dates, limits). Never for tool
//! arguments (the spec allows prompts and resource templates only). A NetSuite failure gives no suggestions
//! rather than an error: completion is a typing aid.

use rmcp::ErrorData as McpError;
use rmcp::model::{CompleteRequestParams, CompleteResult, CompletionInfo, Reference};
use serde_json::Value;

use super::prompts::{self, ArgKind};
use super::resources::RECORD_TYPE_TEMPLATE;
use super::{NetSuiteServer, Principal};
use crate::custom::{Scalar, ScalarType, sql_literal, sql_scalar};
use crate::netsuite::NetSuiteClient;

/// Most values one completion returns (the spec's cap).
const MAX_VALUES: usize = CompletionInfo::MAX_VALUES;

impl NetSuiteServer {
    pub(super) async fn complete_as(
        &self,
        request: &CompleteRequestParams,
        principal: Option<&Principal>,
    ) -> Result<CompleteResult, McpError> {
        let typed = request.argument.value.trim();
        let info = match &request.r#ref {
            Reference::Resource(r) if r.uri == RECORD_TYPE_TEMPLATE => {
                if request.argument.name != "record_type"
                    || !self.tool_visible("describe_record_type")
                {
                    return Ok(CompleteResult::default());
                }
                let client = self.client_for(principal);
                let names = match client.record_type_names().await {
                    Ok(names) => names,
                    Err(e) => {
                        tracing::info!(error = %e, "no record-type completions: NetSuite failed");
                        Vec::new()
                    }
                };
                let prefix = typed.to_ascii_lowercase();
                let matching: Vec<String> = names
                    .into_iter()
                    .filter(|n| self.ctx.governance.allows_record_type(n))
                    .filter(|n| n.to_ascii_lowercase().starts_with(&prefix))
                    .collect();
                page(matching)
            }
            Reference::Resource(r) => {
                return Err(McpError::invalid_params(
                    format!(
                        "no resource template {:?}; the template is {RECORD_TYPE_TEMPLATE}",
                        r.uri
                    ),
                    None,
                ));
            }
            Reference::Prompt(p) => {
                let spec = prompts::find(&p.name).ok_or_else(|| {
                    McpError::invalid_params(format!("unknown prompt {:?}", p.name), None)
                })?;
                let Some(arg) = spec.args.iter().find(|a| a.name == request.argument.name) else {
                    return Ok(CompleteResult::default());
                };
                let suiteql = self.tool_visible("run_suiteql");
                match arg.kind {
                    ArgKind::Customer | ArgKind::Vendor if !suiteql => CompletionInfo::default(),
                    ArgKind::Customer => {
                        names(&self.client_for(principal), "customer", typed).await
                    }
                    ArgKind::Vendor => names(&self.client_for(principal), "vendor", typed).await,
                    ArgKind::Date => page(dates(time::OffsetDateTime::now_utc().date(), typed)),
                    ArgKind::Limit(_) => page(
                        ["10", "20", "50", "100", "500", "1000"]
                            .into_iter()
                            .filter(|v| v.starts_with(typed))
                            .map(str::to_owned)
                            .collect(),
                    ),
                }
            }
            _ => CompletionInfo::default(),
        };
        Ok(CompleteResult::new(info))
    }
}

/// At most [`MAX_VALUES`] of `all`, with the total and whether more exist.
fn page(mut all: Vec<String>) -> CompletionInfo {
    let total = all.len();
    all.truncate(MAX_VALUES);
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    CompletionInfo::with_pagination(all, Some(total), total as usize > MAX_VALUES)
        .unwrap_or_default()
}

/// `text` with LIKE's wildcards (and the escape character itself) escaped by `\`, for `LIKE … ESCAPE '\'`
/// (Oracle SQL, which SuiteQL is: a backslash is an ordinary character in a string literal).
pub(super) fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Active customer or vendor names starting with `typed` (case-insensitive), by one bounded query. The typed text
/// passes the SuiteQL string checks and is quoted as one literal; its `%` and `_` match themselves, not any text.
async fn names(client: &NetSuiteClient, table: &str, typed: &str) -> CompletionInfo {
    let Ok(Scalar::String(checked)) = sql_scalar(ScalarType::String, &Value::from(typed)) else {
        return CompletionInfo::default();
    };
    let pattern = sql_literal(&Scalar::String(format!(
        "{}%",
        like_escaped(&checked.to_uppercase())
    )));
    let query = format!(
        "SELECT companyname FROM {table} WHERE isinactive = 'F' AND UPPER(companyname) LIKE {pattern} \
         ESCAPE '\\' ORDER BY companyname FETCH FIRST {} ROWS ONLY",
        MAX_VALUES + 1
    );
    let page_json = match client
        .suiteql_page(&query, (MAX_VALUES + 1) as u32, 0)
        .await
    {
        Ok(v) => v,
        Err(e) => {
            tracing::info!(error = %e, table, "no name completions: NetSuite failed");
            return CompletionInfo::default();
        }
    };
    let mut values: Vec<String> = page_json
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    i.get("companyname")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    values.dedup();
    let more = values.len() > MAX_VALUES;
    values.truncate(MAX_VALUES);
    CompletionInfo::with_pagination(values, None, more).unwrap_or_default()
}

/// Period boundaries users ask about (today, month, quarter and year starts and ends), as `YYYY-MM-DD`, that start
/// with `typed`.
fn dates(today: time::Date, typed: &str) -> Vec<String> {
    use time::{Date, Month};
    let first = |y: i32, m: Month| Date::from_calendar_date(y, m, 1).ok();
    let (y, m) = (today.year(), today.month());
    let last_month = if m == Month::January {
        (y - 1, Month::December)
    } else {
        (y, m.previous())
    };
    let quarter = Month::try_from(((u8::from(m) - 1) / 3) * 3 + 1).unwrap_or(Month::January);
    let candidates = [
        Some(today),
        first(y, m),
        first(last_month.0, last_month.1),
        first(y, m).and_then(|d| d.previous_day()),
        first(y, quarter),
        first(y, Month::January),
        first(y - 1, Month::January),
        Date::from_calendar_date(y - 1, Month::December, 31).ok(),
    ];
    let mut out: Vec<String> = candidates
        .into_iter()
        .flatten()
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
        .filter(|s| s.starts_with(typed))
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_offer_period_boundaries_that_match_what_was_typed() {
        let today = time::Date::from_calendar_date(2026, time::Month::January, 15).unwrap();
        let all = dates(today, "");
        for d in [
            "2026-01-15",
            "2026-01-01",
            "2025-12-01",
            "2025-12-31",
            "2025-01-01",
        ] {
            assert!(all.contains(&d.to_owned()), "{d} missing from {all:?}");
        }
        assert_eq!(dates(today, "2025-12"), ["2025-12-31", "2025-12-01"]);
    }

    #[test]
    fn like_wildcards_and_the_escape_character_are_escaped() {
        assert_eq!(like_escaped("A_B%C\\D"), "A\\_B\\%C\\\\D");
        assert_eq!(like_escaped("ACME"), "ACME");
    }

    #[test]
    fn pages_carry_the_total_and_whether_more_exist() {
        let p = page((0..150).map(|i| i.to_string()).collect());
        assert_eq!(
            (p.values.len(), p.total, p.has_more),
            (100, Some(150), Some(true))
        );
    }
}
