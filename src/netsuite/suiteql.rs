//! SuiteQL at any offset: aligned NetSuite pages are fetched and the window is cut out of them, and rows
//! are reshaped into columns + arrays (NetSuite omits null columns from a row, so columns are the union).

use serde_json::{Map, Value};

use super::paging::PagePlan;
use super::{NetSuiteClient, NetSuiteError, strip_links};

/// One window of a SuiteQL result.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteQlWindow {
    /// Column names, the union over all rows, in first-seen order.
    pub columns: Vec<String>,
    /// One array per row, aligned with `columns`; `null` where NetSuite omitted the column.
    pub rows: Vec<Vec<Value>>,
    /// NetSuite's `totalResults`, when it sent one.
    pub total_results: Option<u64>,
    /// Whether rows exist after this window.
    pub has_more: bool,
}

/// A NetSuite collection page as far as paging is concerned.
pub(crate) struct RawPage {
    pub items: Vec<Value>,
    pub total_results: Option<u64>,
    pub has_more: bool,
}

impl RawPage {
    pub(crate) fn parse(mut page: Value) -> Result<RawPage, NetSuiteError> {
        let items = match page.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                return Err(NetSuiteError::BadResponse {
                    status: 200,
                    reason: "`items` is not an array".into(),
                });
            }
        };
        Ok(RawPage {
            items,
            total_results: page.get("totalResults").and_then(as_u64),
            has_more: page
                .get("hasMore")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

fn as_u64(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
}

/// Fetches the pages of `plan` through `fetch(page_size, page_offset)` and cuts out `[offset, offset+limit)`.
/// The second page is fetched only when the first does not already cover the window.
pub(crate) async fn fetch_window<F, Fut>(
    offset: u32,
    limit: u32,
    mut fetch: F,
) -> Result<(Vec<Value>, Option<u64>, bool), NetSuiteError>
where
    F: FnMut(u32, u32) -> Fut,
    Fut: std::future::Future<Output = Result<RawPage, NetSuiteError>>,
{
    let plan = PagePlan::for_window(u64::from(offset), limit);
    let skip = plan.skip(u64::from(offset));
    let wanted = skip + limit as usize;
    let mut items = Vec::new();
    let mut total = None;
    let mut last_has_more = false;
    for page_offset in plan.offsets() {
        if items.len() >= wanted {
            break;
        }
        let page_offset = u32::try_from(page_offset).unwrap_or(u32::MAX);
        let page = fetch(plan.page_size, page_offset).await?;
        let short = page.items.len() < plan.page_size as usize;
        total = page.total_results.or(total);
        last_has_more = page.has_more;
        items.extend(page.items);
        if !page.has_more || short {
            break;
        }
    }
    let surplus = items.len() > wanted;
    let window: Vec<Value> = items.into_iter().skip(skip).take(limit as usize).collect();
    let has_more = surplus || last_has_more;
    Ok((window, total, has_more))
}

/// Turns NetSuite row objects into the union of their keys (first-seen order) and arrays of values.
pub fn shape_rows(items: Vec<Value>) -> (Vec<String>, Vec<Vec<Value>>) {
    let mut columns: Vec<String> = Vec::new();
    // Exports shape up to 100 000 rows: membership by hash, order by the Vec.
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut objects: Vec<Map<String, Value>> = Vec::with_capacity(items.len());
    for item in items {
        let mut obj = match strip_links(item) {
            Value::Object(o) => o,
            other => {
                let mut m = Map::new();
                m.insert("value".into(), other);
                m
            }
        };
        obj.remove("links");
        for key in obj.keys() {
            if !seen.contains(key) {
                seen.insert(key.clone());
                columns.push(key.clone());
            }
        }
        objects.push(obj);
    }
    let rows = objects
        .into_iter()
        .map(|mut o| {
            columns
                .iter()
                .map(|c| o.remove(c).unwrap_or(Value::Null))
                .collect()
        })
        .collect();
    (columns, rows)
}

impl NetSuiteClient {
    /// Runs `query` and returns rows `[offset, offset + limit)`, whatever `offset` is (`limit` is clamped to
    /// 1..=1000).
    pub async fn suiteql(
        &self,
        query: &str,
        offset: u32,
        limit: u32,
    ) -> Result<SuiteQlWindow, NetSuiteError> {
        let (items, total_results, has_more) =
            fetch_window(offset, limit, |size, page_offset| async move {
                RawPage::parse(self.suiteql_page(query, size, page_offset).await?)
            })
            .await?;
        let (columns, rows) = shape_rows(items);
        Ok(SuiteQlWindow {
            columns,
            rows,
            total_results,
            has_more,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::cell::RefCell;

    #[test]
    fn columns_are_the_union_in_first_seen_order_and_missing_values_are_null() {
        let (cols, rows) = shape_rows(vec![
            json!({"links": [], "id": "1", "email": "a@x"}),
            json!({"links": [], "id": "2", "phone": "555"}),
        ]);
        assert_eq!(cols, vec!["id", "email", "phone"]);
        assert_eq!(
            rows,
            vec![
                vec![json!("1"), json!("a@x"), Value::Null],
                vec![json!("2"), Value::Null, json!("555")]
            ]
        );
    }

    /// A fake NetSuite over `total` rows numbered 0.., checking alignment like NetSuite does.
    fn fake(total: u32, calls: &RefCell<Vec<(u32, u32)>>, size: u32, off: u32) -> RawPage {
        assert_eq!(
            off % size,
            0,
            "NetSuite requires offset to be a multiple of limit"
        );
        assert!(size <= 1000);
        calls.borrow_mut().push((size, off));
        let end = (off + size).min(total);
        RawPage {
            items: (off..end).map(|i| json!({ "n": i.to_string() })).collect(),
            total_results: Some(u64::from(total)),
            has_more: end < total,
        }
    }

    fn window(total: u32, offset: u32, limit: u32) -> (Vec<u32>, bool, usize) {
        let calls = RefCell::new(Vec::new());
        let fut = fetch_window(offset, limit, |s, o| {
            let page = fake(total, &calls, s, o);
            async move { Ok(page) }
        });
        let (items, _, more) = futures_lite_block_on(fut).unwrap();
        let ns = items
            .iter()
            .map(|v| v["n"].as_str().unwrap().parse().unwrap())
            .collect();
        (ns, more, calls.borrow().len())
    }

    fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn unaligned_windows_return_exactly_the_requested_rows() {
        for (offset, limit) in [
            (0, 10),
            (5, 10),
            (7, 3),
            (995, 10),
            (999, 1000),
            (1500, 700),
        ] {
            let (ns, more, _) = window(3000, offset, limit);
            let expected: Vec<u32> = (offset..offset + limit).collect();
            assert_eq!(ns, expected, "offset {offset} limit {limit}");
            assert!(more);
        }
    }

    #[test]
    fn the_end_of_the_result_is_reported_without_a_needless_second_page() {
        let (ns, more, calls) = window(12, 8, 10);
        assert_eq!(ns, vec![8, 9, 10, 11]);
        assert!(!more);
        assert_eq!(calls, 1);
        let (ns, more, _) = window(12, 2, 10);
        assert_eq!(ns, (2..12).collect::<Vec<_>>());
        assert!(!more, "row 11 is the last one");
        let (ns, more, _) = window(12, 20, 5);
        assert!(ns.is_empty() && !more);
    }
}
