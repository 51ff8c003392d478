//! What the authorization server remembers: registered clients, sign-ins waiting for NetSuite, codes, grants
//! (one per person's sign-in, holding their NetSuite session) and the tokens issued for them. Codes and tokens
//! are kept only as SHA-256 digests; every map is bounded, and expired entries are dropped as new ones come.
//!
//! Kept in memory, and (with a state key) sealed to disk after every change by the server (`persist`), so that
//! sign-ins survive a restart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{SHA256, digest};
use secrecy::SecretString;

pub use super::grant::GrantLogin;
use super::persist::{SavedClient, SavedGrant, SavedRefresh, SavedToken, Snapshot};
pub use super::scopes::{SCOPE_READ, SCOPE_WRITE, Scopes};
use crate::auth::session::unix_now;

use crate::netsuite::NetSuiteClient;

/// Most clients kept registered (the oldest goes first).
const MAX_CLIENTS: usize = 10_000;
/// Most sign-ins waiting for NetSuite at once.
const MAX_PENDING: usize = 1_000;
/// Most live grants (signed-in people × clients).
const MAX_GRANTS: usize = 10_000;
/// How long a person has to sign in at NetSuite.
pub const PENDING_TTL: Duration = Duration::from_secs(600);
/// How long an authorization code can be exchanged.
pub const CODE_TTL: Duration = Duration::from_secs(60);

/// A client registered with `/register`.
#[derive(Debug, Clone)]
pub struct Client {
    pub redirect_uris: Vec<String>,
    /// The name it gave (shown on the consent page), if any.
    pub name: Option<String>,
    /// Unix seconds.
    pub created: u64,
}

/// A sign-in sent on to NetSuite, keyed by the `state` we gave NetSuite.
pub struct Pending {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub client_state: Option<String>,
    pub scopes: Scopes,
    /// Our PKCE verifier toward NetSuite.
    pub netsuite_verifier: SecretString,
    /// NetSuite's authorize URL for this sign-in, followed once the person consents.
    pub netsuite_url: String,
    /// The person approved this client on the consent page.
    pub consented: bool,
    pub expires: Instant,
}

/// A code handed to the client, keyed by its digest.
pub struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub scopes: Scopes,
    pub grant: u64,
    pub expires: Instant,
    /// Exchanged already: kept until it expires so that a second exchange is recognised (and ends the grant).
    pub used: bool,
}

/// One person's sign-in through one client.
#[derive(Clone)]
pub struct Grant {
    pub client_id: String,
    /// For logs: who signed in at NetSuite.
    pub subject: String,
    /// NetSuite acting as this person.
    pub netsuite: NetSuiteClient,
    /// Their NetSuite tokens, as the session keeps them.
    pub login: Arc<GrantLogin>,
}

/// An access token, keyed by its digest.
pub struct Access {
    pub grant: u64,
    pub scopes: Scopes,
    /// Unix seconds.
    pub expires: u64,
}

/// A refresh token, keyed by its digest. Single use: a spent one presented again ends the grant.
pub struct Refresh {
    pub grant: u64,
    pub client_id: String,
    pub scopes: Scopes,
    pub spent: bool,
}

#[derive(Default)]
struct Maps {
    clients: HashMap<String, Client>,
    pending: HashMap<String, Pending>,
    codes: HashMap<String, Code>,
    grants: HashMap<u64, Grant>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    next_grant: u64,
    /// Grants ended since the server last looked: their NetSuite sign-ins are to be revoked.
    ended: Vec<Grant>,
}

/// The whole state behind one lock (every operation is a few map lookups).
#[derive(Default)]
pub struct State {
    maps: Mutex<Maps>,
    /// Counts changes worth keeping, so that requests that change nothing write nothing.
    changes: std::sync::atomic::AtomicU64,
}

/// The SHA-256 of a token, hex: what the maps are keyed by.
pub fn digest_of(token: &str) -> String {
    digest(&SHA256, token.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Maps> {
        // Plain maps behind the lock: a panic elsewhere cannot leave one half-written.
        self.maps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes a change worth keeping (one made by a caller, e.g. a person's rotated NetSuite token).
    pub fn touch(&self) {
        self.changes
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// How many changes worth keeping there have been.
    pub fn changes(&self) -> u64 {
        self.changes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Registers a client. When full, the oldest client nobody is signed in through makes room (so a flood of
    /// registrations cannot push out the clients people use); `false` when every client has sign-ins.
    pub fn register(&self, client_id: String, client: Client) -> bool {
        let mut m = self.lock();
        if m.clients.len() >= MAX_CLIENTS {
            let in_use: std::collections::HashSet<&String> =
                m.grants.values().map(|g| &g.client_id).collect();
            let Some(oldest) = m
                .clients
                .iter()
                .filter(|(id, _)| !in_use.contains(id))
                .min_by_key(|(_, c)| c.created)
                .map(|(id, _)| id.clone())
            else {
                return false;
            };
            m.clients.remove(&oldest);
        }
        m.clients.insert(client_id, client);
        self.touch();
        true
    }

    pub fn client(&self, client_id: &str) -> Option<Client> {
        self.lock().clients.get(client_id).cloned()
    }

    pub fn add_pending(&self, state: String, pending: Pending) -> Result<(), String> {
        let mut m = self.lock();
        let now = Instant::now();
        m.pending.retain(|_, p| p.expires > now);
        if m.pending.len() >= MAX_PENDING {
            return Err("too many sign-ins in progress; try again in a few minutes".into());
        }
        m.pending.insert(state, pending);
        Ok(())
    }

    /// The pending sign-in of `state`, removed (single use), if it has not expired and the person consented.
    pub fn take_pending(&self, state: &str) -> Option<Pending> {
        let p = self.lock().pending.remove(state)?;
        (p.expires > Instant::now() && p.consented).then_some(p)
    }

    /// The person's answer on the consent page for `request`: approved, it is marked and NetSuite's URL comes
    /// back; declined (or expired), the sign-in is removed and returned for the refusal to the client.
    pub fn decide(&self, request: &str, allow: bool) -> Option<Result<String, Pending>> {
        let mut m = self.lock();
        let expired = m.pending.get(request)?.expires <= Instant::now();
        if allow && !expired {
            let p = m.pending.get_mut(request)?;
            p.consented = true;
            return Some(Ok(p.netsuite_url.clone()));
        }
        m.pending.remove(request).map(Err)
    }

    /// Stores a new grant and a code for it.
    pub fn add_grant_with_code(&self, grant: Grant, code: &str, mut entry: Code) -> u64 {
        let mut m = self.lock();
        let now = Instant::now();
        m.codes.retain(|_, c| c.expires > now);
        if m.grants.len() >= MAX_GRANTS
            && let Some(&oldest) = m.grants.keys().min()
        {
            remove_grant(&mut m, oldest);
        }
        m.next_grant += 1;
        self.touch();
        let id = m.next_grant;
        m.grants.insert(id, grant);
        entry.grant = id;
        m.codes.insert(digest_of(code), entry);
        id
    }

    /// The code's entry, removed. A code presented twice ends its grant (RFC 6749 §4.1.2).
    pub fn take_code(&self, code: &str) -> Result<Code, &'static str> {
        let mut m = self.lock();
        let key = digest_of(code);
        let Some(entry) = m.codes.get_mut(&key) else {
            return Err("unknown authorization code");
        };
        if entry.used {
            // RFC 6749 §4.1.2: a code presented twice revokes what was issued from it.
            let grant = entry.grant;
            remove_grant(&mut m, grant);
            self.touch();
            return Err("the authorization code was already used; the sign-in is ended");
        }
        if entry.expires <= Instant::now() {
            let grant = entry.grant;
            remove_grant(&mut m, grant);
            self.touch();
            return Err("the authorization code has expired");
        }
        entry.used = true;
        Ok(Code {
            client_id: entry.client_id.clone(),
            redirect_uri: entry.redirect_uri.clone(),
            challenge: entry.challenge.clone(),
            scopes: entry.scopes,
            grant: entry.grant,
            expires: entry.expires,
            used: true,
        })
    }

    /// The scopes of a refresh token, without spending it.
    pub fn refresh_scopes(&self, token: &str) -> Option<Scopes> {
        self.lock().refresh.get(&digest_of(token)).map(|r| r.scopes)
    }

    /// The grants ended since the last call (revoked, replayed, or refused by NetSuite).
    pub fn take_ended(&self) -> Vec<Grant> {
        std::mem::take(&mut self.lock().ended)
    }

    /// Forgets a grant and every token of it.
    pub fn end_grant(&self, grant: u64) {
        remove_grant(&mut self.lock(), grant);
        self.touch();
    }

    /// Stores a new access and refresh token for `grant`; `false` (nothing stored) when the grant has ended
    /// meanwhile.
    pub fn issue(
        &self,
        grant: u64,
        client_id: &str,
        scopes: Scopes,
        access: &str,
        refresh: &str,
        ttl: Duration,
    ) -> bool {
        let mut m = self.lock();
        if !m.grants.contains_key(&grant) {
            return false;
        }
        self.touch();
        let now = unix_now();
        m.access.retain(|_, a| a.expires > now);
        m.access.insert(
            digest_of(access),
            Access {
                grant,
                scopes,
                expires: now.saturating_add(ttl.as_secs()),
            },
        );
        m.refresh.insert(
            digest_of(refresh),
            Refresh {
                grant,
                client_id: client_id.to_owned(),
                scopes,
                spent: false,
            },
        );
        true
    }

    /// Spends a refresh token of `client_id`: its grant and scopes. A spent token presented again ends the
    /// whole grant (it may have been stolen).
    pub fn spend_refresh(
        &self,
        token: &str,
        client_id: &str,
    ) -> Result<(u64, Scopes), &'static str> {
        let mut m = self.lock();
        let key = digest_of(token);
        let Some(entry) = m.refresh.get_mut(&key) else {
            return Err("unknown or revoked refresh token");
        };
        if entry.client_id != client_id {
            return Err("the refresh token was issued to another client");
        }
        if entry.spent {
            let grant = entry.grant;
            remove_grant(&mut m, grant);
            self.touch();
            return Err("the refresh token was already used; the sign-in is ended, sign in again");
        }
        entry.spent = true;
        self.touch();
        let out = (entry.grant, entry.scopes);
        // Only the token spent last is kept to recognise a replay (the likely one: a duplicate or a stolen copy
        // of the latest); older spent tokens are dropped, so a long sign-in does not grow without bound.
        m.refresh
            .retain(|k, r| !(r.grant == out.0 && r.spent && *k != key));
        if !m.grants.contains_key(&out.0) {
            return Err("the sign-in has ended; sign in again");
        }
        Ok(out)
    }

    /// The grant (id and value) and scopes of a live access token.
    pub fn access(&self, token: &str) -> Option<(u64, Grant, Scopes)> {
        let m = self.lock();
        let a = m.access.get(&digest_of(token))?;
        if a.expires <= unix_now() {
            return None;
        }
        let grant = m.grants.get(&a.grant)?.clone();
        Some((a.grant, grant, a.scopes))
    }

    /// Revokes whatever `token` is (access or refresh): the whole grant goes (RFC 7009 §2.1). A token of another
    /// client than `client_id` (when given) is left alone.
    pub fn revoke(&self, token: &str, client_id: Option<&str>) -> bool {
        let mut m = self.lock();
        let key = digest_of(token);
        let grant = m
            .access
            .get(&key)
            .map(|a| a.grant)
            .or_else(|| m.refresh.get(&key).map(|r| r.grant));
        let Some(grant) = grant else {
            return false;
        };
        let owner_matches = match (client_id, m.grants.get(&grant)) {
            (Some(id), Some(g)) => g.client_id == id,
            _ => true,
        };
        if owner_matches {
            remove_grant(&mut m, grant);
            self.touch();
        }
        owner_matches
    }

    /// The grant, if it is still live.
    #[cfg(test)]
    pub fn grant(&self, id: u64) -> Option<Grant> {
        self.lock().grants.get(&id).cloned()
    }
}

impl State {
    /// Everything worth keeping across a restart.
    pub fn snapshot(&self) -> Snapshot {
        let m = self.lock();
        Snapshot {
            version: 1,
            next_grant: m.next_grant,
            clients: m
                .clients
                .iter()
                .map(|(id, c)| SavedClient {
                    id: id.clone(),
                    redirect_uris: c.redirect_uris.clone(),
                    name: c.name.clone(),
                    created: c.created,
                })
                .collect(),
            grants: m
                .grants
                .iter()
                .filter_map(|(id, g)| {
                    Some(SavedGrant {
                        id: *id,
                        client_id: g.client_id.clone(),
                        subject: g.subject.clone(),
                        login: g.login.current()?,
                    })
                })
                .collect(),
            access: m
                .access
                .iter()
                .map(|(digest, a)| SavedToken {
                    digest: digest.clone(),
                    grant: a.grant,
                    write: a.scopes.write,
                    expires: a.expires,
                })
                .collect(),
            refresh: m
                .refresh
                .iter()
                .map(|(digest, r)| SavedRefresh {
                    digest: digest.clone(),
                    grant: r.grant,
                    client_id: r.client_id.clone(),
                    write: r.scopes.write,
                    spent: r.spent,
                })
                .collect(),
        }
    }

    /// Takes back a snapshot; `grant` rebuilds each grant's NetSuite session.
    pub fn restore(&self, snapshot: Snapshot, grant: impl Fn(&SavedGrant) -> Grant) {
        let mut m = self.lock();
        m.next_grant = snapshot.next_grant;
        for c in snapshot.clients {
            m.clients.insert(
                c.id,
                Client {
                    redirect_uris: c.redirect_uris,
                    name: c.name,
                    created: c.created,
                },
            );
        }
        for g in &snapshot.grants {
            m.grants.insert(g.id, grant(g));
        }
        for a in snapshot.access {
            m.access.insert(
                a.digest,
                Access {
                    grant: a.grant,
                    scopes: Scopes { write: a.write },
                    expires: a.expires,
                },
            );
        }
        for r in snapshot.refresh {
            m.refresh.insert(
                r.digest,
                Refresh {
                    grant: r.grant,
                    client_id: r.client_id,
                    scopes: Scopes { write: r.write },
                    spent: r.spent,
                },
            );
        }
    }
}

fn remove_grant(m: &mut Maps, grant: u64) {
    if let Some(ended) = m.grants.remove(&grant) {
        m.ended.push(ended);
    }
    m.access.retain(|_, a| a.grant != grant);
    m.refresh.retain(|_, r| r.grant != grant);
    m.codes.retain(|_, c| c.grant != grant);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::store::StoredLogin;

    #[test]
    fn a_replayed_refresh_token_ends_the_grant_and_old_spent_ones_are_not_kept() {
        let state = State::default();
        let both = Scopes { write: true };
        assert!(
            !state.issue(1, "c", both, "a0", "r0", Duration::from_secs(60)),
            "no grant yet"
        );
        state.lock().grants.insert(1, placeholder_grant());
        assert!(state.issue(1, "c", both, "a1", "r1", Duration::from_secs(60)));
        assert_eq!(state.spend_refresh("r1", "c"), Ok((1, both)));
        state.issue(1, "c", both, "a2", "r2", Duration::from_secs(60));
        assert!(state.spend_refresh("r2", "other-client").is_err());
        assert_eq!(state.spend_refresh("r2", "c"), Ok((1, both)));
        state.issue(1, "c", both, "a3", "r3", Duration::from_secs(60));
        // r1 is gone (only the last spent token is kept); r2, the last spent, is a replay that ends the grant.
        assert_eq!(state.lock().refresh.len(), 2);
        assert!(state.spend_refresh("r2", "c").is_err());
        assert!(state.grant(1).is_none());
        assert!(state.access("a3").is_none());
        assert!(state.spend_refresh("r3", "c").is_err());
    }

    fn placeholder_grant() -> Grant {
        let endpoints = crate::account::Endpoints::new(
            &crate::account::AccountId::parse("1").unwrap(),
            None,
            None,
        )
        .unwrap();
        let netsuite = NetSuiteClient::with_auth(
            reqwest::Client::new(),
            crate::auth::RequestAuth::Unauthenticated,
            endpoints,
            crate::netsuite::ClientOptions::default(),
        );
        Grant {
            client_id: "c".into(),
            subject: "s".into(),
            netsuite,
            login: GrantLogin::new(StoredLogin {
                account_id: "1".into(),
                client_id: "n".into(),
                refresh_token: SecretString::from("x".to_owned()),
                access_token: None,
                access_expires_at: None,
                entity: None,
                role: None,
                company: None,
                signed_in_at: 0,
            }),
        }
    }

    #[test]
    fn digests_are_hex_sha256() {
        assert_eq!(
            digest_of("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
