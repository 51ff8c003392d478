//! How a long tool call reports progress, without knowing MCP: the server gives [`super::ToolContext`] a
//! [`ProgressSink`] when the client asked for progress (and none otherwise).

use std::future::Future;
use std::pin::Pin;

/// Receives the progress of one tool call. Callers report strictly increasing `progress` values.
pub trait ProgressSink: Send + Sync {
    /// Reports `progress` (e.g. rows fetched so far) out of `total` when known, with a short message.
    fn report(
        &self,
        progress: u64,
        total: Option<u64>,
        message: String,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}
