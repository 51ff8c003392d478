//! Paging shared by the record service list and SuiteQL (netsuite-api.md §3.1): `limit` 1..=1000 (default
//! 1000), `offset` a multiple of `limit`, at most 100 000 results, and `self`/`first`/`prev`/`next`/`last` links.

use serde_json::{Value, json};

use super::super::error::NsError;

/// Default and maximum page size.
pub const MAX_LIMIT: usize = 1000;
/// Most results a query or list returns in total (without SuiteAnalytics Connect).
pub const MAX_RESULTS: usize = 100_000;
/// Pages of one collection NetSuite serves at most (netsuite-api.md §3.1).
pub const MAX_PAGES: usize = 1000;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Page size.
    pub limit: usize,
    /// Index of the first row, a multiple of `limit`.
    pub offset: usize,
}

impl Page {
    /// Validates raw `limit` / `offset` query values (`None` when absent).
    pub fn parse(limit: Option<&str>, offset: Option<&str>) -> Result<Page, NsError> {
        // guess: NetSuite does not document these errors; 400 INVALID_PARAMETER naming the parameter.
        let limit = match limit {
            None => MAX_LIMIT,
            Some(s) => match s.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(NsError::invalid_parameter(
                        "limit",
                        format!(
                            "Invalid value for query parameter 'limit': {s}. The value must be an integer \
                             between 1 and {MAX_LIMIT}."
                        ),
                    ));
                }
            },
        };
        let offset = match offset {
            None => 0,
            Some(s) => s.trim().parse::<usize>().map_err(|_| {
                NsError::invalid_parameter(
                    "offset",
                    format!(
                        "Invalid value for query parameter 'offset': {s}. The value must be a non-negative \
                         integer."
                    ),
                )
            })?,
        };
        Self::new(limit, offset)
    }

    /// Validates numeric `limit` / `offset`.
    pub fn new(limit: usize, offset: usize) -> Result<Page, NsError> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(NsError::invalid_parameter(
                "limit",
                format!(
                    "Invalid value for query parameter 'limit': {limit}. The value must be between 1 and {MAX_LIMIT}."
                ),
            ));
        }
        if !offset.is_multiple_of(limit) {
            return Err(NsError::invalid_parameter(
                "offset",
                format!(
                    "Invalid value for query parameter 'offset': {offset}. The offset must be a multiple of the limit ({limit})."
                ),
            ));
        }
        if offset >= MAX_RESULTS {
            return Err(NsError::invalid_parameter(
                "offset",
                format!(
                    "Invalid value for query parameter 'offset': {offset}. At most {MAX_RESULTS} results can be paged through."
                ),
            ));
        }
        // netsuite-api.md §3.1: at most 1000 pages of a collection are served.
        if offset / limit >= MAX_PAGES {
            return Err(NsError::invalid_parameter(
                "offset",
                format!(
                    "Invalid value for query parameter 'offset': {offset}. At most {MAX_PAGES} pages of {limit} results can be paged through; use a larger limit."
                ),
            ));
        }
        Ok(Page { limit, offset })
    }

    /// Whether row number `i` (0-based) belongs to this page.
    pub fn contains(&self, i: usize) -> bool {
        i >= self.offset && i < self.offset + self.limit
    }
}

/// The collection envelope: `links`, `count`, `hasMore`, `offset`, `totalResults`, `items`.
/// `url` is the absolute URL of the collection without query; `extra` holds query parameters to keep in links.
pub fn envelope(
    url: &str,
    extra: &[(&str, &str)],
    page: Page,
    total: usize,
    items: Vec<Value>,
) -> Value {
    let count = items.len();
    let has_more = page.offset + count < total;
    let href = |offset: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        q.append_pair("limit", &page.limit.to_string());
        q.append_pair("offset", &offset.to_string());
        format!("{url}?{}", q.finish())
    };
    let last_offset = if total == 0 {
        0
    } else {
        (total - 1) / page.limit * page.limit
    };
    let mut links = Vec::new();
    if page.offset > 0 {
        links.push(json!({"rel": "first", "href": href(0)}));
        let prev = page.offset.saturating_sub(page.limit).min(last_offset);
        links.push(json!({"rel": "prev", "href": href(prev)}));
    }
    if has_more {
        links.push(json!({"rel": "next", "href": href(page.offset + page.limit)}));
        links.push(json!({"rel": "last", "href": href(last_offset)}));
    }
    links.push(json!({"rel": "self", "href": href(page.offset)}));
    json!({
        "links": links,
        "count": count,
        "hasMore": has_more,
        "offset": page.offset,
        "totalResults": total,
        "items": items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        assert_eq!(
            Page::parse(None, None).ok(),
            Some(Page {
                limit: 1000,
                offset: 0
            })
        );
        assert_eq!(
            Page::parse(Some("5"), Some("10")).ok(),
            Some(Page {
                limit: 5,
                offset: 10
            })
        );
        for (l, o, param) in [
            (Some("0"), None, "limit"),
            (Some("1001"), None, "limit"),
            (Some("abc"), None, "limit"),
            (Some("-1"), None, "limit"),
            (Some("5"), Some("7"), "offset"),
            (Some("5"), Some("-5"), "offset"),
            (None, Some("100000"), "offset"),
        ] {
            let e = Page::parse(l, o).expect_err("must fail");
            assert_eq!(e.code, "INVALID_PARAMETER");
            assert_eq!(e.query_param.as_deref(), Some(param), "{l:?} {o:?}");
        }
    }

    #[test]
    fn links_are_consistent() {
        let page = Page {
            limit: 2,
            offset: 2,
        };
        let v = envelope("http://h/x", &[], page, 5, vec![json!(1), json!(2)]);
        let rels: Vec<(&str, &str)> = v["links"]
            .as_array()
            .expect("links")
            .iter()
            .map(|l| {
                (
                    l["rel"].as_str().unwrap_or(""),
                    l["href"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            rels,
            vec![
                ("first", "http://h/x?limit=2&offset=0"),
                ("prev", "http://h/x?limit=2&offset=0"),
                ("next", "http://h/x?limit=2&offset=4"),
                ("last", "http://h/x?limit=2&offset=4"),
                ("self", "http://h/x?limit=2&offset=2"),
            ]
        );
        assert_eq!(v["hasMore"], json!(true));
        assert_eq!(v["count"], json!(2));

        let last = envelope(
            "http://h/x",
            &[("q", "a b")],
            Page {
                limit: 2,
                offset: 4,
            },
            5,
            vec![json!(1)],
        );
        assert_eq!(last["hasMore"], json!(false));
        assert!(
            last["links"]
                .as_array()
                .is_some_and(|l| l.iter().all(|x| x["rel"] != "next"))
        );
        assert!(last.to_string().contains("q=a+b&limit=2&offset=4"));
        let empty = envelope(
            "http://h/x",
            &[],
            Page {
                limit: 10,
                offset: 0,
            },
            0,
            vec![],
        );
        assert_eq!(empty["links"].as_array().map(Vec::len), Some(1));
    }
}
