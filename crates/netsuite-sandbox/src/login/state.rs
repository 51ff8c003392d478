//! What the sign-in flow remembers: pending codes, refresh chains and their refresh tokens, the test switches
//! and the counters. No `Debug` on anything holding a code or token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::{LoginConfig, SandboxUser};
use crate::tokens::{lock, random_hex64};

/// A snapshot of the sign-in counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginCounters {
    /// Codes handed out by the authorize page.
    pub codes_issued: u64,
    /// Authorizations refused with `error=access_denied`.
    pub denials: u64,
    /// Codes exchanged for tokens.
    pub code_exchanges: u64,
    /// Refresh grants that issued an access token.
    pub refreshes: u64,
    /// Spent refresh tokens presented again (each refused with `invalid_grant`).
    pub refresh_reuse_rejections: u64,
    /// Refresh chains revoked at the revoke endpoint.
    pub revocations: u64,
    /// Revoke requests answered 200, whether their token was live, spent, revoked already or unknown.
    pub revoke_requests: u64,
}

/// A code waiting for its exchange.
pub(crate) struct PendingCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: Option<String>,
    pub scopes: Vec<String>,
    pub user: SandboxUser,
    pub expires_at: Instant,
    /// Set at the first exchange attempt; a code is never good twice.
    pub spent: bool,
    /// The chain the code's exchange started, revoked if the code is presented again.
    pub chain: Option<u64>,
}

/// One sign-in: the refresh tokens that follow from one code.
#[derive(Clone)]
pub(crate) struct Chain {
    pub client_id: String,
    pub user: SandboxUser,
    pub scopes: Vec<String>,
    pub started: Instant,
    pub public: bool,
}

pub(crate) struct RefreshEntry {
    pub chain: u64,
    pub expires_at: Instant,
    pub used: bool,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub codes: HashMap<String, PendingCode>,
    pub chains: HashMap<u64, Chain>,
    pub refresh: HashMap<String, RefreshEntry>,
    next_chain: u64,
    approve_next: Option<usize>,
    deny_next: bool,
}

impl Inner {
    pub(crate) fn new_chain(&mut self, chain: Chain) -> u64 {
        self.next_chain += 1;
        self.chains.insert(self.next_chain, chain);
        self.next_chain
    }

    pub(crate) fn new_refresh_token(&mut self, chain: u64, expires_at: Instant) -> String {
        let token = random_hex64();
        let now = Instant::now();
        self.refresh.retain(|_, r| r.expires_at > now);
        self.refresh.insert(
            token.clone(),
            RefreshEntry {
                chain,
                expires_at,
                used: false,
            },
        );
        token
    }

    /// Forgets the chain and its refresh tokens; the caller revokes its access tokens.
    pub(crate) fn revoke_chain(&mut self, chain: u64) {
        self.chains.remove(&chain);
        self.refresh.retain(|_, r| r.chain != chain);
    }
}

/// The flow's state, shared by the three endpoints and the handle.
pub(crate) struct LoginState {
    pub config: LoginConfig,
    pub inner: Mutex<Inner>,
    pub codes_issued: AtomicU64,
    pub denials: AtomicU64,
    pub code_exchanges: AtomicU64,
    pub refreshes: AtomicU64,
    pub refresh_reuse_rejections: AtomicU64,
    pub revocations: AtomicU64,
    pub revoke_requests: AtomicU64,
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::SeqCst);
}

impl LoginState {
    pub(crate) fn new(config: LoginConfig) -> Self {
        Self {
            config,
            inner: Mutex::new(Inner::default()),
            codes_issued: AtomicU64::new(0),
            denials: AtomicU64::new(0),
            code_exchanges: AtomicU64::new(0),
            refreshes: AtomicU64::new(0),
            refresh_reuse_rejections: AtomicU64::new(0),
            revocations: AtomicU64::new(0),
            revoke_requests: AtomicU64::new(0),
        }
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    pub(crate) fn approve_next_as(&self, entity_id: i64) -> bool {
        let Some(i) = self
            .config
            .users
            .iter()
            .position(|u| u.entity_id == entity_id)
        else {
            return false;
        };
        self.lock().approve_next = Some(i);
        true
    }

    pub(crate) fn deny_next(&self) {
        self.lock().deny_next = true;
    }

    /// The person at the keyboard for this authorization, or `None` when they refuse; consumes the switches.
    pub(crate) fn take_decision(&self) -> (Option<SandboxUser>, SandboxUser) {
        let mut inner = self.lock();
        let index = inner.approve_next.take().unwrap_or(0);
        let deny = std::mem::take(&mut inner.deny_next);
        // validate() guarantees at least one user.
        let user = self
            .config
            .users
            .get(index)
            .or(self.config.users.first())
            .cloned()
            .unwrap_or(SandboxUser {
                entity_id: 0,
                role_id: 0,
                name: String::new(),
            });
        ((!deny).then(|| user.clone()), user)
    }

    pub(crate) fn expire_all_codes(&self) {
        let now = Instant::now();
        for code in self.lock().codes.values_mut() {
            code.expires_at = now;
        }
    }

    pub(crate) fn expire_all_refresh_tokens(&self) {
        let now = Instant::now();
        for entry in self.lock().refresh.values_mut() {
            entry.expires_at = now;
        }
    }

    pub(crate) fn counters(&self) -> LoginCounters {
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        LoginCounters {
            codes_issued: get(&self.codes_issued),
            denials: get(&self.denials),
            code_exchanges: get(&self.code_exchanges),
            refreshes: get(&self.refreshes),
            refresh_reuse_rejections: get(&self.refresh_reuse_rejections),
            revocations: get(&self.revocations),
            revoke_requests: get(&self.revoke_requests),
        }
    }
}
