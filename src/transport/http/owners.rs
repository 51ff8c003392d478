//! Who owns each MCP session when tokens are checked per person (delegated authentication): a session created
//! with one person's token answers only requests with that person's tokens (same subject and client), so a
//! session id that leaks to someone else signed in to the same server opens nothing. Fail-closed: a session id
//! this map does not know is refused.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::server::Principal;

/// Most sessions remembered; the oldest is forgotten first (its session then answers 404 and the client starts
/// a new one).
const MAX_SESSIONS: usize = 100_000;

/// The owner of each session.
#[derive(Default)]
pub(super) struct SessionOwners {
    inner: Mutex<Owners>,
}

#[derive(Default)]
struct Owners {
    by_session: HashMap<String, String>,
    order: VecDeque<String>,
}

/// The identity a session is bound to: subject and client.
fn owner(principal: &Principal) -> String {
    format!(
        "{}\u{0}{}",
        principal.subject,
        principal.client_id.as_deref().unwrap_or_default()
    )
}

impl SessionOwners {
    fn lock(&self) -> std::sync::MutexGuard<'_, Owners> {
        // Plain maps behind the lock: a panic elsewhere cannot leave them half-written.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `principal` may use `session`.
    pub(super) fn allows(&self, session: &str, principal: &Principal) -> bool {
        self.lock()
            .by_session
            .get(session)
            .is_some_and(|o| *o == owner(principal))
    }

    /// Binds a new session to `principal`.
    pub(super) fn bind(&self, session: &str, principal: &Principal) {
        let mut o = self.lock();
        if o.by_session.contains_key(session) {
            return;
        }
        if o.order.len() >= MAX_SESSIONS
            && let Some(oldest) = o.order.pop_front()
        {
            o.by_session.remove(&oldest);
        }
        o.by_session.insert(session.to_owned(), owner(principal));
        o.order.push_back(session.to_owned());
    }

    /// Forgets an ended session.
    pub(super) fn forget(&self, session: &str) {
        let mut o = self.lock();
        if o.by_session.remove(session).is_some() {
            o.order.retain(|s| s != session);
        }
    }
}
