//! Where the authorization server keeps what it remembers: in this process ([`MemoryStore`]: the maps of
//! [`State`], sealed to disk after each change when a state key is set) or, with scale-out, in Redis where every
//! instance reads and writes it ([`super::redis_store::RedisStore`]). One trait: the endpoints do not know
//! which.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Duration;

use secrecy::SecretString;

use super::grant::People;
use super::persist::Vault;
use super::state::{Client, Code, Grant, Pending, Scopes, State};
use crate::auth::store::StoredLogin;

/// The store could not be reached (Redis down or slow). The text names the store and the fix, never a secret.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

/// A boxed future, so that the store can be used as `dyn`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Unavailable>> + Send + 'a>>;

/// A person just signed in through a client.
pub struct NewGrant {
    pub client_id: String,
    /// For logs: who signed in at NetSuite.
    pub subject: String,
    /// Their NetSuite tokens.
    pub login: StoredLogin,
}

/// Tokens to issue for a grant, for the code or refresh token just spent.
pub struct NewTokens<'a> {
    pub grant: u64,
    pub client_id: &'a str,
    pub scopes: Scopes,
    pub access: &'a str,
    pub refresh: &'a str,
    pub ttl: Duration,
    /// What was spent for them. A store that can fail between spending and issuing (Redis) lets the same
    /// client spend it again for a short while as long as nothing was issued for it, so that a retry after a
    /// 503 does not count as a replay.
    pub redeemed: Redeemed<'a>,
}

/// The code or refresh token spent for new tokens.
#[derive(Clone, Copy)]
pub enum Redeemed<'a> {
    Code(&'a str),
    Refresh(&'a str),
}

/// A grant that ended: its NetSuite sign-in is to be revoked.
pub struct Ended {
    pub subject: String,
    pub refresh_token: SecretString,
}

/// What the authorization server remembers. Codes and tokens are looked up by their digests; every operation
/// that checks and changes (a code's or refresh token's single use, a replay ending a grant) is atomic.
pub trait OAuthStore: Send + Sync {
    /// Registers a client; `false` when no room can be made.
    fn register(&self, client_id: String, client: Client) -> StoreFuture<'_, bool>;
    /// A registered client.
    fn client<'a>(&'a self, client_id: &'a str) -> StoreFuture<'a, Option<Client>>;
    /// Keeps a sign-in sent on to NetSuite under `state`; `Err` (a message for the person) when too many are.
    fn add_pending(&self, state: String, pending: Pending) -> StoreFuture<'_, Result<(), String>>;
    /// The pending sign-in of `state`, removed (single use), if it has not expired and the person consented.
    fn take_pending<'a>(&'a self, state: &'a str) -> StoreFuture<'a, Option<Pending>>;
    /// The person's answer on the consent page: approved, NetSuite's URL; declined or expired, the sign-in
    /// (removed).
    fn decide<'a>(
        &'a self,
        request: &'a str,
        allow: bool,
    ) -> StoreFuture<'a, Option<Result<String, Pending>>>;
    /// Stores a new grant and a code for it; the grant's id.
    fn add_grant_with_code<'a>(
        &'a self,
        grant: NewGrant,
        code: &'a str,
        entry: Code,
    ) -> StoreFuture<'a, u64>;
    /// The code's entry, marked used. A code presented twice, or expired, ends its grant.
    fn take_code<'a>(&'a self, code: &'a str) -> StoreFuture<'a, Result<Code, &'static str>>;
    /// The scopes of a refresh token, without spending it.
    fn refresh_scopes<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<Scopes>>;
    /// Forgets a grant and every token of it.
    fn end_grant(&self, grant: u64) -> StoreFuture<'_, ()>;
    /// Stores a new access and refresh token for their grant; `false` when the grant has ended meanwhile.
    fn issue<'a>(&'a self, new: NewTokens<'a>) -> StoreFuture<'a, bool>;
    /// Spends a refresh token of `client_id`: its grant and scopes. A spent one presented again ends the grant.
    fn spend_refresh<'a>(
        &'a self,
        token: &'a str,
        client_id: &'a str,
    ) -> StoreFuture<'a, Result<(u64, Scopes), &'static str>>;
    /// The grant (id and NetSuite session) and scopes of a live access token.
    fn access<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<(u64, Grant, Scopes)>>;
    /// Revokes whatever `token` is: its whole grant goes. `false` when it belongs to another client than
    /// `client_id` (left alone).
    fn revoke<'a>(&'a self, token: &'a str, client_id: Option<&'a str>) -> StoreFuture<'a, bool>;
    /// Grants ended since the last call (by any instance), whose NetSuite sign-ins are to be revoked.
    fn take_ended(&self) -> StoreFuture<'_, Vec<Ended>>;
    /// Makes the changes durable where the store needs a step for it (the memory store's sealed file).
    fn save(&self) -> Result<(), String>;
}

/// The state in this process, sealed to `vault` after changes.
pub struct MemoryStore {
    inner: Arc<MemoryInner>,
    people: People,
}

struct MemoryInner {
    state: State,
    vault: Option<Vault>,
}

impl MemoryInner {
    fn save(&self) -> Result<(), String> {
        match &self.vault {
            Some(vault) => vault.save_snapshot(self.state.changes(), || self.state.snapshot()),
            None => Ok(()),
        }
    }
}

impl MemoryStore {
    /// A store that keeps its state in `vault` (when given), starting from what is there.
    pub fn new(people: People, vault: Option<Vault>) -> Result<Self, String> {
        let snapshot = match &vault {
            Some(v) => v.load()?,
            None => None,
        };
        let store = MemoryStore {
            inner: Arc::new(MemoryInner {
                state: State::default(),
                vault,
            }),
            people,
        };
        if let Some(snapshot) = snapshot {
            let grants = snapshot.grants.len();
            store.inner.state.restore(snapshot, |saved| {
                store.person(
                    saved.client_id.clone(),
                    saved.subject.clone(),
                    saved.login.clone(),
                )
            });
            let path = store
                .inner
                .vault
                .as_ref()
                .map(|v| v.path().display().to_string());
            tracing::info!(grants, path = ?path, "restored the OAuth state");
        }
        Ok(store)
    }

    /// A person's grant whose rotated tokens are sealed to disk before they are used.
    fn person(&self, client_id: String, subject: String, login: StoredLogin) -> Grant {
        let grant = self.people.local(client_id, subject, login);
        let inner: Weak<MemoryInner> = Arc::downgrade(&self.inner);
        grant
            .login
            .on_change(Arc::new(move || match inner.upgrade() {
                Some(inner) => {
                    inner.state.touch();
                    inner.save()
                }
                None => Ok(()),
            }));
        grant
    }

    fn state(&self) -> &State {
        &self.inner.state
    }
}

/// An answer at once: the memory store never waits.
fn ready<'a, T: Send + 'a>(value: T) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(Ok(value)))
}

impl OAuthStore for MemoryStore {
    fn register(&self, client_id: String, client: Client) -> StoreFuture<'_, bool> {
        ready(self.state().register(client_id, client))
    }

    fn client<'a>(&'a self, client_id: &'a str) -> StoreFuture<'a, Option<Client>> {
        ready(self.state().client(client_id))
    }

    fn add_pending(&self, state: String, pending: Pending) -> StoreFuture<'_, Result<(), String>> {
        ready(self.state().add_pending(state, pending))
    }

    fn take_pending<'a>(&'a self, state: &'a str) -> StoreFuture<'a, Option<Pending>> {
        ready(self.state().take_pending(state))
    }

    fn decide<'a>(
        &'a self,
        request: &'a str,
        allow: bool,
    ) -> StoreFuture<'a, Option<Result<String, Pending>>> {
        ready(self.state().decide(request, allow))
    }

    fn add_grant_with_code<'a>(
        &'a self,
        grant: NewGrant,
        code: &'a str,
        entry: Code,
    ) -> StoreFuture<'a, u64> {
        let grant = self.person(grant.client_id, grant.subject, grant.login);
        ready(self.state().add_grant_with_code(grant, code, entry))
    }

    fn take_code<'a>(&'a self, code: &'a str) -> StoreFuture<'a, Result<Code, &'static str>> {
        ready(self.state().take_code(code))
    }

    fn refresh_scopes<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<Scopes>> {
        ready(self.state().refresh_scopes(token))
    }

    fn end_grant(&self, grant: u64) -> StoreFuture<'_, ()> {
        self.state().end_grant(grant);
        ready(())
    }

    fn issue<'a>(&'a self, new: NewTokens<'a>) -> StoreFuture<'a, bool> {
        ready(self.state().issue(
            new.grant,
            new.client_id,
            new.scopes,
            new.access,
            new.refresh,
            new.ttl,
        ))
    }

    fn spend_refresh<'a>(
        &'a self,
        token: &'a str,
        client_id: &'a str,
    ) -> StoreFuture<'a, Result<(u64, Scopes), &'static str>> {
        ready(self.state().spend_refresh(token, client_id))
    }

    fn access<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<(u64, Grant, Scopes)>> {
        ready(self.state().access(token))
    }

    fn revoke<'a>(&'a self, token: &'a str, client_id: Option<&'a str>) -> StoreFuture<'a, bool> {
        ready(self.state().revoke(token, client_id))
    }

    fn take_ended(&self) -> StoreFuture<'_, Vec<Ended>> {
        ready(
            self.state()
                .take_ended()
                .into_iter()
                .filter_map(|g| {
                    Some(Ended {
                        refresh_token: g.login.current()?.refresh_token,
                        subject: g.subject,
                    })
                })
                .collect(),
        )
    }

    fn save(&self) -> Result<(), String> {
        self.inner.save()
    }
}
