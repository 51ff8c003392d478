//! The clients to tell when the tool list changes. A legacy session (protocol ≤ 2025-11-25) registers its peer
//! when the client sends `notifications/initialized`; a 2026-07-28 client opens a `subscriptions/listen` request
//! for `toolsListChanged`, and its sink is registered until the request ends. Closed sessions are dropped when
//! they are found closed (at registration and at every notification). Stateless HTTP has no channel to push on:
//! such clients re-list the tools.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rmcp::service::SubscriptionSink;
use rmcp::{Peer, RoleServer};

/// How long one client may take to accept a notification before it is skipped (and dropped).
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
enum Listener {
    Session(Peer<RoleServer>),
    Subscription(SubscriptionSink),
}

impl Listener {
    fn is_closed(&self) -> bool {
        match self {
            Listener::Session(peer) => peer.is_transport_closed(),
            Listener::Subscription(_) => false,
        }
    }

    async fn notify_tool_list_changed(&self) -> Result<(), String> {
        match self {
            Listener::Session(peer) => peer
                .notify_tool_list_changed()
                .await
                .map_err(|e| e.to_string()),
            Listener::Subscription(sink) => sink
                .notify_tool_list_changed()
                .await
                .map_err(|e| e.to_string()),
        }
    }
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    entries: Vec<(u64, Listener)>,
}

/// A shared registry of connected clients; clones share it.
#[derive(Clone, Default)]
pub struct Listeners {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners")
            .field("count", &self.len())
            .finish()
    }
}

impl Listeners {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock; if something did, the list is still consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn add(&self, listener: Listener) -> u64 {
        let mut inner = self.lock();
        inner.entries.retain(|(_, l)| !l.is_closed());
        inner.next_id += 1;
        let id = inner.next_id;
        inner.entries.push((id, listener));
        id
    }

    /// Registers a legacy session's peer; returns its id.
    pub fn add_session(&self, peer: Peer<RoleServer>) -> u64 {
        self.add(Listener::Session(peer))
    }

    /// Registers a `subscriptions/listen` sink; returns its id for [`Listeners::remove`].
    pub fn add_subscription(&self, sink: SubscriptionSink) -> u64 {
        self.add(Listener::Subscription(sink))
    }

    /// Forgets one listener.
    pub fn remove(&self, id: u64) {
        self.lock().entries.retain(|(i, _)| *i != id);
    }

    /// Clients currently registered.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no client is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends `notifications/tools/list_changed` to every registered client and drops those that are gone.
    /// Returns how many clients got it.
    pub async fn notify_tool_list_changed(&self) -> usize {
        let entries: Vec<(u64, Listener)> = self.lock().entries.clone();
        let mut gone = Vec::new();
        let mut delivered = 0;
        for (id, listener) in entries {
            if listener.is_closed() {
                gone.push(id);
                continue;
            }
            match tokio::time::timeout(NOTIFY_TIMEOUT, listener.notify_tool_list_changed()).await {
                Ok(Ok(())) => delivered += 1,
                Ok(Err(e)) => {
                    tracing::debug!(listener = id, "dropping a client that is gone: {e}");
                    gone.push(id);
                }
                Err(_) => {
                    tracing::warn!(
                        listener = id,
                        "a client did not accept tools/list_changed in time; dropped"
                    );
                    gone.push(id);
                }
            }
        }
        if !gone.is_empty() {
            self.lock().entries.retain(|(id, _)| !gone.contains(id));
        }
        delivered
    }
}
