//! The files `export_suiteql` makes: kept in memory under unguessable ids (UUID v4), readable as
//! `netsuite://exports/{id}` with `resources/read` only by whoever made them, until they expire. The store is
//! bounded in number and bytes, and each owner in number; when a new file does not fit, the oldest go first.
//!
//! Who "whoever made them" is ([`owner_of`]): over HTTP with sessions, the MCP session; without sessions, the
//! authenticated person (subject and client); over stdio, the one local client. Exports are not listed in
//! `resources/list`: the tool result links to the file, and a list would only ever show the caller's own files
//! while costing every client a store scan.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::RoleServer;
use rmcp::model::{
    CallToolResult, ContentBlock, ProgressNotificationParam, ProgressToken, ReadResourceResult,
    Resource, ResourceContents,
};
use rmcp::service::{Peer, RequestContext};
use serde_json::Value;

use crate::catalog::export::{ExportFile, ExportSink, SavedExport};
use crate::catalog::progress::ProgressSink;
use crate::config::ExportsConfig;

/// The URI prefix of export files.
pub const EXPORT_URI_PREFIX: &str = "netsuite://exports/";
/// The tool whose results link to an export file.
const EXPORT_TOOL: &str = "export_suiteql";
/// The setting that bounds the bytes of exports.
const MAX_BYTES_SETTING: &str = "NETSUITE_MCP_EXPORT_MAX_MB";
/// The owner of exports made over stdio (one client per process).
pub const LOCAL_OWNER: &str = "local";

/// One kept file.
struct Entry {
    id: String,
    owner: String,
    mime_type: &'static str,
    text: Arc<String>,
    expires: Instant,
    expires_at: String,
}

/// The export files of one server (shared by all its sessions).
pub struct ExportStore {
    limits: ExportsConfig,
    entries: Mutex<Vec<Entry>>,
}

/// Why an export cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportReadError {
    #[error(
        "The export {uri} expired at {expires_at} (exports are kept {ttl}). Run export_suiteql again to make a \
         new one."
    )]
    Expired {
        uri: String,
        expires_at: String,
        ttl: String,
    },
    #[error(
        "No export {uri} is available to you: it expired (exports are kept {ttl}), was dropped to make room \
         for newer ones, or was made by another connection (exports are readable only by the connection that \
         made them). Run export_suiteql again to make a new one."
    )]
    NotFound { uri: String, ttl: String },
}

impl ExportStore {
    pub fn new(limits: ExportsConfig) -> Self {
        Self {
            limits,
            entries: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // A plain list behind the lock: a panic elsewhere cannot leave it half-written.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `file` for `owner`, dropping expired files and then the oldest ones until it fits.
    pub fn save(&self, owner: &str, file: ExportFile) -> Result<SavedExport, String> {
        let bytes = file.text.len() as u64;
        if bytes > self.limits.max_bytes {
            return Err(format!(
                "the export is {} and this server keeps at most {} of exports ({MAX_BYTES_SETTING}); \
                 select fewer columns, lower max_rows, or split the export with a WHERE clause",
                human_bytes(bytes),
                human_bytes(self.limits.max_bytes)
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let expires_at = rfc3339_in(self.limits.ttl);
        let mut entries = self.lock();
        let now = Instant::now();
        entries.retain(|e| e.expires > now);
        // An owner over its share loses its own oldest file rather than getting an error: nothing can delete an
        // export before it expires, so an error would block that owner for up to the TTL, while someone exporting
        // again almost always wants the newest result and can re-run an old export if needed. The bound keeps one
        // busy session from pushing everyone else's files out of the shared store.
        let max_own = self.limits.max_per_owner.max(1);
        while entries.iter().filter(|e| e.owner == owner).count() >= max_own {
            let Some(at) = entries.iter().position(|e| e.owner == owner) else {
                break;
            };
            let dropped = entries.remove(at);
            tracing::info!(export = %dropped.id, "dropped the owner's oldest export (NETSUITE_MCP_EXPORT_MAX_PER_OWNER)");
        }
        // Oldest first: the list is in the order files were made.
        while !entries.is_empty()
            && (entries.len() >= self.limits.max_count.max(1)
                || total_bytes(&entries) + bytes > self.limits.max_bytes)
        {
            let dropped = entries.remove(0);
            tracing::info!(export = %dropped.id, "dropped the oldest export to make room");
        }
        entries.push(Entry {
            id: id.clone(),
            owner: owner.to_owned(),
            mime_type: file.format.mime_type(),
            text: Arc::new(file.text),
            expires: now + self.limits.ttl,
            expires_at: expires_at.clone(),
        });
        tracing::info!(export = %id, rows = file.row_count, bytes, "export kept");
        Ok(SavedExport {
            uri: format!("{EXPORT_URI_PREFIX}{id}"),
            expires_at,
        })
    }

    /// The file at `uri` (an export URI) for `owner`: its MIME type and text.
    pub fn read(
        &self,
        owner: &str,
        uri: &str,
    ) -> Result<(&'static str, Arc<String>), ExportReadError> {
        let ttl = human_duration(self.limits.ttl);
        let not_found = || ExportReadError::NotFound {
            uri: uri.to_owned(),
            ttl: ttl.clone(),
        };
        let id = uri.strip_prefix(EXPORT_URI_PREFIX).ok_or_else(not_found)?;
        let mut entries = self.lock();
        let Some(at) = entries.iter().position(|e| e.id == id && e.owner == owner) else {
            return Err(not_found());
        };
        if entries[at].expires <= Instant::now() {
            let gone = entries.remove(at);
            return Err(ExportReadError::Expired {
                uri: uri.to_owned(),
                expires_at: gone.expires_at,
                ttl,
            });
        }
        Ok((entries[at].mime_type, Arc::clone(&entries[at].text)))
    }

    /// The `resources/read` result for `uri` and `owner`.
    pub fn read_resource(
        &self,
        owner: &str,
        uri: &str,
    ) -> Result<ReadResourceResult, ExportReadError> {
        let (mime_type, text) = self.read(owner, uri)?;
        Ok(ReadResourceResult::new(vec![
            ResourceContents::TextResourceContents {
                uri: uri.to_owned(),
                mime_type: Some(mime_type.to_owned()),
                text: text.as_ref().clone(),
                meta: None,
            },
        ]))
    }
}

fn total_bytes(entries: &[Entry]) -> u64 {
    entries.iter().map(|e| e.text.len() as u64).sum()
}

/// [`ExportStore`] bound to one caller: what a tool call gets as its [`ExportSink`].
pub struct OwnedExports {
    pub store: Arc<ExportStore>,
    pub owner: String,
}

impl OwnedExports {
    /// The sink of calls made without an MCP request context (the Rust API, stdio): owner [`LOCAL_OWNER`].
    pub fn local(store: &Arc<ExportStore>) -> Arc<dyn ExportSink> {
        Arc::new(OwnedExports {
            store: Arc::clone(store),
            owner: LOCAL_OWNER.to_owned(),
        })
    }
}

impl ExportSink for OwnedExports {
    fn save(&self, file: ExportFile) -> Result<SavedExport, String> {
        self.store.save(&self.owner, file)
    }

    fn max_bytes(&self) -> u64 {
        self.store.limits.max_bytes
    }

    fn max_bytes_setting(&self) -> &'static str {
        MAX_BYTES_SETTING
    }
}

/// Who owns the exports a request makes and may read: the MCP session when the HTTP transport has one, else
/// the authenticated principal, else (HTTP without sessions or authentication) everyone using that server,
/// and over stdio the one local client.
pub fn owner_of(context: &RequestContext<RoleServer>) -> String {
    let Some(parts) = context.extensions.get::<axum::http::request::Parts>() else {
        return LOCAL_OWNER.to_owned();
    };
    if let Some(session) = parts
        .headers
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
    {
        return format!("session:{session}");
    }
    match parts.extensions.get::<super::Principal>() {
        Some(p) => format!(
            "principal:{}\u{0}{}",
            p.subject,
            p.client_id.as_deref().unwrap_or_default()
        ),
        None => "http:anonymous".to_owned(),
    }
}

/// Sends `notifications/progress` for one request: only values above the last one sent.
pub struct McpProgress {
    peer: Peer<RoleServer>,
    token: ProgressToken,
    last: Mutex<Option<u64>>,
}

impl McpProgress {
    /// The reporter for this request, when it carried `_meta.progressToken`.
    pub fn of(context: &RequestContext<RoleServer>) -> Option<Arc<dyn ProgressSink>> {
        let token = context.meta.get_progress_token()?;
        Some(Arc::new(McpProgress {
            peer: context.peer.clone(),
            token,
            last: Mutex::new(None),
        }))
    }
}

impl ProgressSink for McpProgress {
    fn report(
        &self,
        progress: u64,
        total: Option<u64>,
        message: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        let increases = {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            let increases = last.is_none_or(|l| progress > l);
            if increases {
                *last = Some(progress);
            }
            increases
        };
        Box::pin(async move {
            if !increases {
                return;
            }
            let mut param = ProgressNotificationParam::new(self.token.clone(), progress as f64)
                .with_message(message);
            if let Some(total) = total {
                param = param.with_total(total as f64);
            }
            if let Err(e) = self.peer.notify_progress(param).await {
                tracing::debug!(error = %e, "could not send a progress notification");
            }
        })
    }
}

/// Adds a `resource_link` to the file to a successful `export_suiteql` result.
pub fn link_result(tool: &str, mut result: CallToolResult) -> CallToolResult {
    if tool != EXPORT_TOOL || result.is_error == Some(true) {
        return result;
    }
    let Some(structured) = &result.structured_content else {
        return result;
    };
    let text = |key: &str| structured.get(key).and_then(Value::as_str);
    let Some(uri) = text("uri").filter(|u| u.starts_with(EXPORT_URI_PREFIX)) else {
        return result;
    };
    let format = text("format").unwrap_or("csv");
    let id = uri.trim_start_matches(EXPORT_URI_PREFIX);
    let mut link = Resource::new(uri, format!("export-{id}.{format}"));
    link.title = Some("SuiteQL export".to_owned());
    link.mime_type = text("mime_type").map(str::to_owned);
    link.size = structured.get("bytes").and_then(Value::as_u64);
    link.description = structured
        .get("row_count")
        .and_then(Value::as_u64)
        .map(|n| format!("{n} rows of a SuiteQL query"));
    result.content.insert(0, ContentBlock::resource_link(link));
    result
}

/// Now + `ttl` as RFC 3339 UTC, e.g. `2026-11-29T15:04:05Z`.
fn rfc3339_in(ttl: Duration) -> String {
    let t = time::OffsetDateTime::now_utc()
        + time::Duration::seconds(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn human_bytes(b: u64) -> String {
    if b >= 1024 * 1024 {
        format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
    } else {
        format!("{b} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::export_format::ExportFormat;

    fn file(text: &str) -> ExportFile {
        ExportFile {
            format: ExportFormat::Csv,
            text: text.to_owned(),
            row_count: 1,
        }
    }

    fn store(max_count: usize, max_bytes: u64, ttl: Duration) -> ExportStore {
        ExportStore::new(ExportsConfig {
            ttl,
            max_count,
            max_per_owner: max_count,
            max_bytes,
        })
    }

    #[test]
    fn only_the_owner_reads_an_export_and_a_stranger_learns_nothing_about_it() {
        let s = store(10, 1000, Duration::from_secs(60));
        let saved = s.save("a", file("id\r\n1\r\n")).unwrap();
        assert!(saved.uri.starts_with(EXPORT_URI_PREFIX));
        let (mime, text) = s.read("a", &saved.uri).unwrap();
        assert_eq!((mime, text.as_str()), ("text/csv", "id\r\n1\r\n"));
        let foreign = s.read("b", &saved.uri).unwrap_err();
        let unknown = s
            .read("b", &format!("{EXPORT_URI_PREFIX}{}", uuid::Uuid::new_v4()))
            .unwrap_err();
        assert!(matches!(foreign, ExportReadError::NotFound { .. }));
        assert_eq!(
            foreign.to_string().replace(&saved.uri, "U"),
            unknown
                .to_string()
                .replace(unknown_uri(&unknown).as_str(), "U")
        );
    }

    fn unknown_uri(e: &ExportReadError) -> String {
        match e {
            ExportReadError::NotFound { uri, .. } | ExportReadError::Expired { uri, .. } => {
                uri.clone()
            }
        }
    }

    #[test]
    fn ids_are_random_uuids() {
        let s = store(10, 1000, Duration::from_secs(60));
        let a = s.save("a", file("x")).unwrap().uri;
        let b = s.save("a", file("x")).unwrap().uri;
        assert_ne!(a, b);
        let id = a.trim_start_matches(EXPORT_URI_PREFIX);
        assert_eq!(
            uuid::Uuid::parse_str(id).unwrap().get_version_num(),
            4,
            "{id}"
        );
    }

    #[test]
    fn an_expired_export_says_so() {
        let s = store(10, 1000, Duration::ZERO);
        let saved = s.save("a", file("x")).unwrap();
        let err = s.read("a", &saved.uri).unwrap_err();
        assert!(matches!(err, ExportReadError::Expired { .. }), "{err}");
        assert!(err.to_string().contains("export_suiteql again"));
    }

    #[test]
    fn the_oldest_exports_make_room_within_the_count_and_byte_bounds() {
        let s = store(2, 10, Duration::from_secs(60));
        let one = s.save("a", file("1111")).unwrap().uri;
        let two = s.save("a", file("2222")).unwrap().uri;
        let three = s.save("a", file("3333")).unwrap().uri;
        assert!(s.read("a", &one).is_err(), "count bound");
        assert!(s.read("a", &two).is_ok() && s.read("a", &three).is_ok());
        let four = s.save("a", file("444444")).unwrap().uri;
        assert!(s.read("a", &two).is_err(), "byte bound: 4 + 4 + 6 > 10");
        assert!(s.read("a", &three).is_ok() && s.read("a", &four).is_ok());
        let too_big = s.save("a", file("12345678901")).unwrap_err();
        assert!(too_big.contains("NETSUITE_MCP_EXPORT_MAX_MB"), "{too_big}");
    }

    #[test]
    fn an_owner_over_its_share_loses_its_own_oldest_export_and_no_one_elses() {
        let s = ExportStore::new(ExportsConfig {
            ttl: Duration::from_secs(60),
            max_count: 10,
            max_per_owner: 2,
            max_bytes: 1000,
        });
        let other = s.save("b", file("b1")).unwrap().uri;
        let one = s.save("a", file("a1")).unwrap().uri;
        let two = s.save("a", file("a2")).unwrap().uri;
        let three = s.save("a", file("a3")).unwrap().uri;
        assert!(
            matches!(s.read("a", &one), Err(ExportReadError::NotFound { .. })),
            "the owner's oldest goes"
        );
        assert!(s.read("a", &two).is_ok() && s.read("a", &three).is_ok());
        assert!(s.read("b", &other).is_ok(), "another owner's file stays");
    }
}
