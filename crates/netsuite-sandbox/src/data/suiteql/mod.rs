//! SuiteQL → SQLite: a tokenizer that never looks inside string literals or quoted identifiers, a paren tree,
//! and rewrites of the Oracle dialect people write in SuiteQL (`FETCH FIRST`, `ROWNUM`, `TOP`, `NVL`, `NVL2`,
//! `DECODE`, `BUILTIN.DF`, `TO_CHAR`, `TO_DATE`, `SYSDATE`, date arithmetic, `EXTRACT`, `MINUS`). Then
//! execution with NetSuite's row shape: lowercase keys, every value a string, null columns omitted.

pub mod cache;
mod execute;
mod lex;
mod rewrite;

#[cfg(test)]
mod tests;

use super::super::error::NsError;

pub use execute::{SuiteqlPage, execute};
use lex::{render, tokenize, word};
use rewrite::{Ctx, alias_expressions, transform};

/// NetSuite's error for a query it can't run (netsuite-api.md §4).
pub fn search_error(msg: impl AsRef<str>) -> NsError {
    NsError::invalid_parameter(
        "q",
        format!(
            "Invalid search query. Detailed unprocessed description follows. Search error occurred: {}",
            msg.as_ref()
        ),
    )
}

/// Translates a SuiteQL statement into the SQLite statement that gives the same rows.
pub fn translate(q: &str) -> Result<String, NsError> {
    let nodes = tokenize(q)?;
    match word(nodes.first()).as_deref() {
        Some("SELECT" | "WITH") => {}
        Some(w) => {
            return Err(search_error(format!(
                "Only SELECT statements are supported; '{w}' is not allowed."
            )));
        }
        None if nodes.is_empty() => return Err(search_error("The query is empty.")),
        None => {
            return Err(search_error(
                "Syntax error: a query must start with SELECT or WITH.",
            ));
        }
    }
    let mut ctx = Ctx { df_counter: 0 };
    let mut out = transform(nodes, &mut ctx, true)?;
    alias_expressions(&mut out);
    Ok(render(&out))
}
