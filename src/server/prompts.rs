//! MCP prompts: named questions finance and operations users ask, each with typed arguments. A prompt renders
//! one user message: the question, and a SuiteQL query for `run_suiteql` with the arguments as checked SQL
//! literals (the same checks and rendering as custom tools, [`crate::custom::sql_literal`]). The query works on
//! the standard tables (a test runs each prompt's query on the sandbox); the model adapts it to the account.

use std::collections::HashMap;

use rmcp::ErrorData as McpError;
use rmcp::model::{
    CacheScope, GetPromptResult, JsonObject, ListPromptsResult, Prompt, PromptArgument,
    PromptMessage, Role,
};
use serde_json::Value;

use super::resources::LIST_TTL_MS;
use crate::custom::{Scalar, ScalarType, sql_literal, sql_scalar};

/// What an argument holds, which decides its checks and completions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// `YYYY-MM-DD`.
    Date,
    /// Part of a customer's name.
    Customer,
    /// Part of a vendor's name.
    Vendor,
    /// Rows at most, 1..=1000.
    Limit(u32),
}

/// One argument of a prompt.
#[derive(Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub kind: ArgKind,
}

/// One prompt.
pub struct PromptSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub args: &'static [ArgSpec],
    render: fn(&Checked) -> (String, String),
}

const MAX_LIMIT: u32 = 1000;

// ⚠ netsuite-api.md is silent on the text of `BUILTIN.DF(t.status)`. We filter on the display form
// "<type name> : <status>" (e.g. `Invoice : Open`), which the sandbox renders and public SuiteQL examples show;
// the raw `status` column differs between accounts' exports. The guide (guides/suiteql.md) uses the same form.
// Keep every status filter here.
const OPEN_INVOICE: &str = "BUILTIN.DF(t.status) = 'Invoice : Open'";
const OPEN_BILL: &str = "BUILTIN.DF(t.status) = 'Bill : Open'";
const OPEN_SALES_ORDER: &str = "BUILTIN.DF(t.status) IN ('Sales Order : Pending Fulfillment', \
'Sales Order : Partially Fulfilled', 'Sales Order : Pending Billing/Partially Fulfilled', \
'Sales Order : Pending Billing')";

const AS_OF: ArgSpec = ArgSpec {
    name: "as_of",
    description: "Date to age from, YYYY-MM-DD; default today.",
    required: false,
    kind: ArgKind::Date,
};

const fn limit(default: u32) -> ArgSpec {
    ArgSpec {
        name: "limit",
        description: "Most rows to return, 1 to 1000.",
        required: false,
        kind: ArgKind::Limit(default),
    }
}

/// Every prompt, in listing order.
pub const PROMPTS: &[PromptSpec] = &[
    PromptSpec {
        name: "ar_aging",
        title: "Accounts receivable aging by customer",
        description: "Open customer invoices by customer, in aging buckets (current, 1-30, 31-60, over 60 days past due).",
        args: &[AS_OF, limit(20)],
        render: ar_aging,
    },
    PromptSpec {
        name: "overdue_vendor_bills",
        title: "Overdue vendor bills",
        description: "Open vendor bills past their due date, oldest first, optionally for one vendor.",
        args: &[
            AS_OF,
            ArgSpec {
                name: "vendor",
                description: "Part of the vendor's name; omit for all vendors.",
                required: false,
                kind: ArgKind::Vendor,
            },
            limit(25),
        ],
        render: overdue_vendor_bills,
    },
    PromptSpec {
        name: "top_items_by_revenue",
        title: "Top items by revenue",
        description: "Items ranked by invoiced revenue (and quantity) in a date range.",
        args: &[
            ArgSpec {
                name: "start_date",
                description: "First day of the period, YYYY-MM-DD.",
                required: true,
                kind: ArgKind::Date,
            },
            ArgSpec {
                name: "end_date",
                description: "Last day of the period, YYYY-MM-DD.",
                required: true,
                kind: ArgKind::Date,
            },
            limit(10),
        ],
        render: top_items_by_revenue,
    },
    PromptSpec {
        name: "customer_history",
        title: "A customer's transaction history",
        description: "A customer's sales orders, invoices and payments, newest first, with status and amount.",
        args: &[
            ArgSpec {
                name: "customer",
                description: "The customer's name or part of it.",
                required: true,
                kind: ArgKind::Customer,
            },
            ArgSpec {
                name: "since",
                description: "Only transactions on or after this date, YYYY-MM-DD; omit for all.",
                required: false,
                kind: ArgKind::Date,
            },
            limit(50),
        ],
        render: customer_history,
    },
    PromptSpec {
        name: "open_sales_orders",
        title: "Open sales orders",
        description: "Sales orders still to fulfil or bill, oldest first, optionally for one customer.",
        args: &[
            ArgSpec {
                name: "customer",
                description: "Part of the customer's name; omit for all customers.",
                required: false,
                kind: ArgKind::Customer,
            },
            limit(25),
        ],
        render: open_sales_orders,
    },
];

/// The prompt named `name`.
pub fn find(name: &str) -> Option<&'static PromptSpec> {
    PROMPTS.iter().find(|p| p.name == name)
}

/// `prompts/list`: every prompt, or none when `run_suiteql` (which they all use) is off.
pub fn list(suiteql: bool) -> ListPromptsResult {
    let prompts = PROMPTS
        .iter()
        .filter(|_| suiteql)
        .map(|p| {
            let args = p
                .args
                .iter()
                .map(|a| {
                    PromptArgument::new(a.name)
                        .with_description(a.description)
                        .with_required(a.required)
                })
                .collect();
            Prompt::new(p.name, Some(p.description), Some(args)).with_title(p.title)
        })
        .collect();
    ListPromptsResult::with_all_items(prompts)
        .with_ttl_ms(LIST_TTL_MS)
        .with_cache_scope(CacheScope::Private)
}

/// Checked arguments, as SQL text ready to substitute.
pub struct Checked {
    sql: HashMap<&'static str, String>,
    limit: u32,
}

impl Checked {
    /// The literal of a date argument, or `TRUNC(SYSDATE)` when it was omitted.
    fn date_or_today(&self, name: &str) -> String {
        self.sql
            .get(name)
            .cloned()
            .unwrap_or_else(|| "TRUNC(SYSDATE)".into())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.sql.get(name).map(String::as_str)
    }
}

/// `prompts/get`: checks the arguments and renders the message. Bad arguments are invalid params (-32602) naming
/// the argument and what it must be. Without `suiteql` (run_suiteql is off) every prompt is refused.
pub fn get(
    suiteql: bool,
    name: &str,
    arguments: Option<&JsonObject>,
) -> Result<GetPromptResult, McpError> {
    if !suiteql {
        return Err(McpError::invalid_params(
            "prompts are off on this server: they use run_suiteql, which its configuration disables",
            None,
        ));
    }
    let spec = find(name).ok_or_else(|| {
        let names: Vec<&str> = PROMPTS.iter().map(|p| p.name).collect();
        McpError::invalid_params(
            format!(
                "unknown prompt {name:?}; the prompts are {}",
                names.join(", ")
            ),
            None,
        )
    })?;
    let checked = check(spec, arguments).map_err(|m| McpError::invalid_params(m, None))?;
    let (question, sql) = (spec.render)(&checked);
    let text = format!(
        "{question}\n\nUse run_suiteql with this SuiteQL (the guide resource netsuite://guides/suiteql explains the \
         idioms; describe_record_type shows a table's fields if the account differs):\n\n```sql\n{sql}\n```\n\n\
         Present the result as a table, with totals where they make sense. If has_more is true, say so rather \
         than presenting partial totals as complete."
    );
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(spec.title),
    )
}

fn check(spec: &PromptSpec, arguments: Option<&JsonObject>) -> Result<Checked, String> {
    let empty = JsonObject::new();
    let arguments = arguments.unwrap_or(&empty);
    if let Some(extra) = arguments
        .keys()
        .find(|k| !spec.args.iter().any(|a| a.name == k.as_str()))
    {
        let known: Vec<&str> = spec.args.iter().map(|a| a.name).collect();
        return Err(format!(
            "prompt {} has no argument {extra:?}; its arguments are {}",
            spec.name,
            known.join(", ")
        ));
    }
    let mut checked = Checked {
        sql: HashMap::new(),
        limit: 0,
    };
    for arg in spec.args {
        let raw = match arguments.get(arg.name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim()),
            Some(Value::String(_)) | Some(Value::Null) | None => None,
            Some(other) => {
                return Err(format!(
                    "argument `{}` must be a string, got {other}",
                    arg.name
                ));
            }
        };
        let bad = |m: String| format!("argument `{}`: {m}", arg.name);
        match (arg.kind, raw) {
            (ArgKind::Limit(default), None) => checked.limit = default,
            (ArgKind::Limit(_), Some(s)) => {
                checked.limit = s
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        bad(format!("`{s}` is not a whole number from 1 to {MAX_LIMIT}"))
                    })?;
            }
            (_, None) if arg.required => {
                return Err(format!(
                    "argument `{}` is required: {}",
                    arg.name, arg.description
                ));
            }
            (_, None) => {}
            (ArgKind::Date, Some(s)) => {
                let date = sql_scalar(ScalarType::Date, &Value::from(s)).map_err(bad)?;
                checked.sql.insert(arg.name, sql_literal(&date));
            }
            (ArgKind::Customer | ArgKind::Vendor, Some(s)) => {
                sql_scalar(ScalarType::String, &Value::from(s)).map_err(bad)?;
                checked.sql.insert(arg.name, contains_pattern(s));
            }
        }
    }
    // Both are checked YYYY-MM-DD dates by now, which compare as text.
    let date = |name| arguments.get(name).and_then(Value::as_str).map(str::trim);
    if let (Some(start), Some(end)) = (date("start_date"), date("end_date"))
        && !start.is_empty()
        && !end.is_empty()
        && start > end
    {
        return Err(format!(
            "argument `start_date` ({start}) is after `end_date` ({end}): the period would be empty; swap them"
        ));
    }
    Ok(checked)
}

/// `'%TEXT%'` for `UPPER(column) LIKE … ESCAPE '\'`: the text upper-cased, its `%` and `_` escaped (they match
/// themselves, as in completions), quoted as one literal.
fn contains_pattern(s: &str) -> String {
    sql_literal(&Scalar::String(format!(
        "%{}%",
        super::completions::like_escaped(&s.to_uppercase())
    )))
}

fn ar_aging(a: &Checked) -> (String, String) {
    let d = a.date_or_today("as_of");
    let bucket = |cond: &str, name: &str| {
        format!(
            "       SUM(CASE WHEN {d} - t.duedate {cond} THEN t.foreigntotal ELSE 0 END) AS {name},\n"
        )
    };
    let sql = format!(
        "SELECT BUILTIN.DF(t.entity) AS customer,\n{}{}{}{}       SUM(t.foreigntotal) AS total_open\n\
         FROM transaction t\n\
         WHERE t.type = 'CustInvc' AND {OPEN_INVOICE} AND t.trandate <= {d}\n\
         GROUP BY BUILTIN.DF(t.entity)\nORDER BY total_open DESC\nFETCH FIRST {} ROWS ONLY",
        bucket("<= 0", "current_amount"),
        bucket("BETWEEN 1 AND 30", "days_1_30"),
        bucket("BETWEEN 31 AND 60", "days_31_60"),
        bucket("> 60", "over_60"),
        a.limit
    );
    (
        format!(
            "Show accounts receivable aging by customer as of {d}: open invoice amounts per customer in buckets by days past due."
        ),
        sql,
    )
}

fn overdue_vendor_bills(a: &Checked) -> (String, String) {
    let d = a.date_or_today("as_of");
    let (join, filter) = match a.get("vendor") {
        Some(p) => (
            "\nJOIN vendor v ON v.id = t.entity",
            format!("\n  AND UPPER(v.companyname) LIKE {p} ESCAPE '\\'"),
        ),
        None => ("", String::new()),
    };
    let sql = format!(
        "SELECT t.tranid, BUILTIN.DF(t.entity) AS vendor, t.trandate, t.duedate, {d} - t.duedate AS days_overdue, \
         t.foreigntotal\nFROM transaction t{join}\n\
         WHERE t.type = 'VendBill' AND {OPEN_BILL} AND t.duedate < {d}{filter}\n\
         ORDER BY t.duedate, t.id\nFETCH FIRST {} ROWS ONLY",
        a.limit
    );
    (
        format!(
            "Which vendor bills are open and past due as of {d}, oldest first, and how much is owed in total?"
        ),
        sql,
    )
}

fn top_items_by_revenue(a: &Checked) -> (String, String) {
    let (start, end) = (a.date_or_today("start_date"), a.date_or_today("end_date"));
    let sql = format!(
        "SELECT i.itemid, i.displayname, SUM(tl.quantity) AS quantity, SUM(tl.netamount) AS revenue\n\
         FROM transaction t\nJOIN transactionline tl ON tl.transaction = t.id\nJOIN item i ON i.id = tl.item\n\
         WHERE t.type = 'CustInvc' AND tl.mainline = 'F' AND tl.taxline = 'F'\n  \
         AND t.trandate BETWEEN {start} AND {end}\n\
         GROUP BY i.itemid, i.displayname\nORDER BY revenue DESC\nFETCH FIRST {} ROWS ONLY",
        a.limit
    );
    (
        format!(
            "What were the top {} items by invoiced revenue between {start} and {end}?",
            a.limit
        ),
        sql,
    )
}

fn customer_history(a: &Checked) -> (String, String) {
    let pattern = a.get("customer").unwrap_or("'%'");
    let since = a
        .get("since")
        .map(|d| format!(" AND t.trandate >= {d}"))
        .unwrap_or_default();
    let sql = format!(
        "SELECT c.companyname, t.trandate, BUILTIN.DF(t.type) AS type, t.tranid, BUILTIN.DF(t.status) AS status, \
         t.foreigntotal\nFROM transaction t\nJOIN customer c ON c.id = t.entity\n\
         WHERE UPPER(c.companyname) LIKE {pattern} ESCAPE '\\'{since}\n\
         ORDER BY t.trandate DESC, t.id DESC\nFETCH FIRST {} ROWS ONLY",
        a.limit
    );
    (
        format!(
            "Summarize the transaction history of the customer matching {pattern}: orders, invoices and payments, newest first, and what is still open."
        ),
        sql,
    )
}

fn open_sales_orders(a: &Checked) -> (String, String) {
    let (join, filter) = match a.get("customer") {
        Some(p) => (
            "\nJOIN customer c ON c.id = t.entity",
            format!("\n  AND UPPER(c.companyname) LIKE {p} ESCAPE '\\'"),
        ),
        None => ("", String::new()),
    };
    let sql = format!(
        "SELECT t.tranid, t.trandate, BUILTIN.DF(t.entity) AS customer, BUILTIN.DF(t.status) AS status, \
         t.foreigntotal\nFROM transaction t{join}\n\
         WHERE t.type = 'SalesOrd' AND {OPEN_SALES_ORDER}{filter}\n\
         ORDER BY t.trandate, t.id\nFETCH FIRST {} ROWS ONLY",
        a.limit
    );
    (
        "Which sales orders are still open (to fulfil or bill), oldest first, and what is their total value?".to_owned(),
        sql,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> JsonObject {
        v.as_object().cloned().unwrap()
    }

    fn text(r: &GetPromptResult) -> String {
        serde_json::to_value(&r.messages[0].content).unwrap()["text"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn arguments_become_checked_literals_and_quotes_are_doubled() {
        let r = get(
            true,
            "customer_history",
            Some(&args(json!({"customer": "O'Brien", "since": "2025-01-31"}))),
        )
        .unwrap();
        let t = text(&r);
        assert!(t.contains("LIKE '%O''BRIEN%'"), "{t}");
        assert!(t.contains("TO_DATE('2025-01-31', 'YYYY-MM-DD')"), "{t}");
        assert!(t.contains("FETCH FIRST 50 ROWS ONLY"), "{t}");
    }

    #[test]
    fn like_wildcards_typed_in_a_name_match_themselves() {
        for (name, arg) in [
            ("customer_history", "customer"),
            ("open_sales_orders", "customer"),
            ("overdue_vendor_bills", "vendor"),
        ] {
            let r = get(true, name, Some(&args(json!({arg: "5%_a"})))).unwrap();
            let t = text(&r);
            assert!(t.contains(r"LIKE '%5\%\_A%' ESCAPE '\'"), "{t}");
        }
    }

    #[test]
    fn bad_arguments_are_refused_with_the_argument_named() {
        for (name, a, needle) in [
            (
                "top_items_by_revenue",
                json!({"start_date": "2025-01-01"}),
                "`end_date` is required",
            ),
            (
                "top_items_by_revenue",
                json!({"start_date": "2025-02-30", "end_date": "2025-03-01"}),
                "`start_date`",
            ),
            (
                "top_items_by_revenue",
                json!({"start_date": "2025-12-31", "end_date": "2025-01-01"}),
                "`start_date` (2025-12-31) is after `end_date`",
            ),
            ("ar_aging", json!({"limit": "0"}), "`limit`"),
            ("ar_aging", json!({"limit": "5; DROP"}), "`limit`"),
            (
                "ar_aging",
                json!({"asof": "2025-01-01"}),
                "no argument \"asof\"",
            ),
            (
                "customer_history",
                json!({"customer": "a\u{0}b"}),
                "`customer`",
            ),
        ] {
            let e = get(true, name, Some(&args(a))).unwrap_err();
            assert_eq!(e.code.0, -32602);
            assert!(e.message.contains(needle), "{}", e.message);
        }
        assert!(
            get(true, "nope", None)
                .unwrap_err()
                .message
                .contains("ar_aging")
        );
    }
}
