//! The REST record service (netsuite-api.md §3): list with `q` and paging, get with `fields` and
//! `expandSubResources`, create, update, upsert by `eid:`, delete — all on the same SQLite tables SuiteQL reads.

mod body;
mod defaults;
mod handlers;
mod read;
mod write;

#[cfg(test)]
mod tests;

use axum::http::StatusCode;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::super::error::NsError;
use super::internal;
use super::schema::{RecordType, record_type};

pub use body::NameValidation;
pub(super) use handlers::{
    create_handler, delete_handler, get_handler, list_handler, patch_handler, put_handler,
    sublist_handler,
};

const SINGULAR_TYPE: &str = "application/vnd.oracle.resource+json; type=singular";

/// Finds a record type or answers NetSuite-style.
pub(super) fn lookup_type(name: &str) -> Result<&'static RecordType, NsError> {
    // guess: NetSuite's answer for an unknown record type is not in the fact sheet; 404 NONEXISTENT_ID.
    record_type(name).ok_or_else(|| {
        NsError::new(
            StatusCode::NOT_FOUND,
            "NONEXISTENT_ID",
            format!("Record type '{name}' does not exist."),
        )
    })
}

/// A record id in a URL: an internal id or `eid:<external id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdRef {
    /// Internal id.
    Internal(i64),
    /// External id (after `eid:`).
    External(String),
}

impl IdRef {
    /// Parses a URL id segment.
    pub fn parse(s: &str) -> Result<IdRef, NsError> {
        if let Some(e) = s.strip_prefix("eid:") {
            if !e.is_empty() && e.len() <= 255 && !e.chars().any(char::is_control) {
                return Ok(IdRef::External(e.to_owned()));
            }
        } else if !s.is_empty()
            && s.len() <= 18
            && s.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = s.parse()
        {
            return Ok(IdRef::Internal(n));
        }
        // guess: a malformed id is answered like a missing record.
        Err(NsError::nonexistent_id())
    }
}

fn disc(rt: &RecordType) -> (String, Vec<SqlValue>) {
    match rt.discriminator {
        Some((col, v)) => (
            format!(" AND \"{col}\" = ?"),
            vec![SqlValue::Text(v.into())],
        ),
        None => (String::new(), Vec::new()),
    }
}

fn sql_err(e: rusqlite::Error) -> NsError {
    internal(e)
}

fn resolve(conn: &Connection, rt: &RecordType, id: &IdRef) -> Result<Option<i64>, NsError> {
    let (d, dparams) = disc(rt);
    let (col, key) = match id {
        IdRef::Internal(n) => ("id", SqlValue::Integer(*n)),
        IdRef::External(e) => ("externalid", SqlValue::Text(e.clone())),
    };
    let sql = format!("SELECT id FROM \"{}\" WHERE \"{col}\" = ?{d}", rt.table);
    let mut params = vec![key];
    params.extend(dparams);
    conn.query_row(&sql, params_from_iter(params), |r| r.get::<_, i64>(0))
        .optional()
        .map_err(sql_err)
}
