//! Issued access tokens, from every grant: opaque random strings with an expiry, their granted scopes and, for
//! tokens of a signed-in person, the refresh chain and entity they belong to.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Who an access token of the authorization code grant acts as, and the refresh chain it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner {
    pub chain: u64,
    pub entity: i64,
}

/// The store. No `Debug`: it would print live tokens.
#[derive(Default)]
pub(crate) struct TokenStore {
    tokens: Mutex<HashMap<String, IssuedToken>>,
    calls_by_entity: Mutex<BTreeMap<i64, u64>>,
}

#[derive(Debug)]
struct IssuedToken {
    expires_at: Instant,
    scopes: Vec<String>,
    owner: Option<Owner>,
}

/// A fresh secret: two v4 UUIDs, 244 random bits from the OS generator, 64 hex characters.
pub(crate) fn random_hex64() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Locks a map whose every operation is a single insert, remove or read, so a poisoned one is still consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TokenStore {
    /// A client-credentials token: scopes only, no person behind it.
    pub(crate) fn issue(&self, scopes: Vec<String>, lifetime: Duration) -> String {
        self.insert(scopes, lifetime, None)
    }

    /// A token of a signed-in person, revoked with its refresh chain.
    pub(crate) fn issue_for(
        &self,
        scopes: Vec<String>,
        lifetime: Duration,
        owner: Owner,
    ) -> String {
        self.insert(scopes, lifetime, Some(owner))
    }

    fn insert(&self, scopes: Vec<String>, lifetime: Duration, owner: Option<Owner>) -> String {
        let token = random_hex64();
        let now = Instant::now();
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, t| t.expires_at > now);
        tokens.insert(
            token.clone(),
            IssuedToken {
                expires_at: now + lifetime,
                scopes,
                owner,
            },
        );
        token
    }

    /// The scopes of a live token, or `None` when it is unknown, expired or revoked.
    pub(crate) fn scopes(&self, token: &str) -> Option<Vec<String>> {
        let tokens = lock(&self.tokens);
        let issued = tokens.get(token)?;
        (issued.expires_at > Instant::now()).then(|| issued.scopes.clone())
    }

    /// Counts an authorized API call for the person the token acts as (client-credentials tokens have none).
    pub(crate) fn record_call(&self, token: &str) {
        let entity = lock(&self.tokens)
            .get(token)
            .and_then(|t| t.owner)
            .map(|o| o.entity);
        if let Some(entity) = entity {
            *lock(&self.calls_by_entity).entry(entity).or_default() += 1;
        }
    }

    /// Authorized API calls so far, per entity of the signed-in person.
    pub(crate) fn calls_by_entity(&self) -> BTreeMap<i64, u64> {
        lock(&self.calls_by_entity).clone()
    }

    /// Forgets every access token of a refresh chain.
    pub(crate) fn revoke_chain(&self, chain: u64) {
        lock(&self.tokens).retain(|_, t| t.owner.is_none_or(|o| o.chain != chain));
    }

    /// Every issued token is treated as expired from now on.
    pub(crate) fn expire_all(&self) {
        let now = Instant::now();
        for token in lock(&self.tokens).values_mut() {
            token.expires_at = now;
        }
    }

    /// Forgets every issued token.
    pub(crate) fn revoke_all(&self) {
        lock(&self.tokens).clear();
    }
}
