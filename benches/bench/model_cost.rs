//! Benchmark 5: model-facing cost, the `tools/list` of the default toolsets and a 100-row × 6-column
//! `run_suiteql` result versus NetSuite's raw JSON for the same rows.

use serde_json::{Value, json};

use crate::netsuite::{canned_rows_page, check_same_outcome};
use crate::report::{Row, row};
use crate::servers::{call, text_of};
use crate::{Bench, BenchResult, QUERY_6_COLUMNS};

impl Bench {
    pub(crate) async fn model_cost(&self) -> BenchResult<Vec<Row>> {
        let (_, answer, _, child) = self.raw_tools_list(&[]).await?;
        drop(child);
        let parsed: Value = serde_json::from_str(&answer)?;
        let tools = parsed["result"]["tools"].as_array().map_or(0, Vec::len);
        let result_chars = parsed["result"].to_string().chars().count();

        let server = self.spawn_stdio(&[], &[]).await?;
        self.prime(|| canned_rows_page(0, 100, 100), 1);
        let (status, raw) = self.direct_suiteql(QUERY_6_COLUMNS, 100).await?;
        self.prime(|| canned_rows_page(0, 100, 100), 1);
        let r = call(
            server.client.peer(),
            "run_suiteql",
            &json!({"query": QUERY_6_COLUMNS, "limit": 100}),
        )
        .await?;
        server.close().await;
        check_same_outcome("run_suiteql", status, &r)?;
        let structured = r.structured_content.clone().unwrap_or(Value::Null);
        let shape = format!(
            "{} rows × {} columns",
            structured["row_count"],
            structured["columns"].as_array().map_or(0, Vec::len)
        );
        let model_chars = text_of(&r).chars().count();
        let raw_chars = raw.chars().count();
        Ok(vec![
            row(
                "5. tools/list, default toolsets: characters (≈ tokens = chars/4)",
                format!(
                    "{} chars ≈ {} tokens, {tools} tools",
                    answer.chars().count(),
                    answer.chars().count() / 4
                ),
                format!("result object alone {result_chars} chars"),
                format!("{} chars/tool", answer.chars().count() / tools.max(1)),
            ),
            row(
                &format!("5. run_suiteql result, {shape}: characters the model reads"),
                format!("{model_chars} chars ≈ {} tokens", model_chars / 4),
                format!(
                    "NetSuite raw JSON {raw_chars} chars ≈ {} tokens",
                    raw_chars / 4
                ),
                format!(
                    "{:.2}× raw ({:.0}% smaller)",
                    model_chars as f64 / raw_chars as f64,
                    100.0 * (1.0 - model_chars as f64 / raw_chars as f64)
                ),
            ),
        ])
    }
}
