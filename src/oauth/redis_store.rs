//! The authorization server's state in Redis (scale-out, design.md §1.9): every instance behind the load
//! balancer registers clients, signs people in and checks tokens against the same entries, one key per item
//! (layout and atomic steps in [`super::redis_scripts`]).
//!
//! What is stored: registered clients; sign-ins waiting for NetSuite (sealed: they hold our PKCE verifier);
//! grants with each person's NetSuite tokens (sealed, in the slot their sessions refresh under a shared lock);
//! the SHA-256 digests — never the values — of codes and tokens. Entries a script must read stay plain JSON, each
//! with a *vouch*: a value sealed with `NETSUITE_MCP_STATE_KEY` over what the entry says, so that someone who can
//! write to Redis but lacks the key cannot point their own token at another person's grant.
//!
//! Unlike the memory store, entries expire: a grant, its tokens and its client live for [`GRANT_TTL`] after
//! their last use, so nothing piles up in Redis.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::grant::{People, grant_identity};
use super::redis_entries::{
    Seals, StoredAccess, StoredClient, StoredCode, StoredEnded, StoredPending, StoredRefresh,
    access_says, client_says, code_says, grant_says, instant_to_ms, ms, ms_to_instant, now_ms,
    random_id, refresh_says, to_json, unpending,
};
use super::redis_scripts::Scripts;
use super::state::{CODE_TTL, Client, Code, Grant, PENDING_TTL, Pending, Scopes, digest_of};
use super::store::{Ended, NewGrant, NewTokens, OAuthStore, Redeemed, StoreFuture, Unavailable};
use crate::auth::shared_login::{LOGIN_TTL, open_from_slot, seal_for_slot};
use crate::scale::Redis;
use crate::seal::Sealer;

/// How long a grant, its tokens and its client are kept after their last use: as long as the person's NetSuite
/// tokens (netsuite-api.md §2.3).
pub const GRANT_TTL: Duration = LOGIN_TTL;
/// Most registered clients (the least recently used one nobody is signed in through goes first).
const MAX_CLIENTS: usize = 10_000;
/// Most sign-ins waiting for NetSuite at once.
const MAX_PENDING: usize = 1_000;
/// Most live grants (the oldest goes first).
const MAX_GRANTS: usize = 10_000;
/// Most people's NetSuite sessions this instance keeps built (rebuilt from Redis when dropped).
const MAX_LIVE: usize = 1_000;
/// Binds vouches and sealed sign-ins to their purpose.
const SEAL_CONTEXT: &str = "netsuite-mcp oauth state in redis v1";

/// The store.
pub struct RedisStore {
    redis: Redis,
    prefix: String,
    seals: Seals,
    state_key: SecretString,
    people: People,
    scripts: Scripts,
    /// People's NetSuite sessions built on this instance, by grant id, with the client and subject they were
    /// built for (their token caches live here; their tokens live in Redis).
    live: Mutex<HashMap<u64, Grant>>,
}

impl RedisStore {
    /// A store in `redis`, sealing with a key derived from `state_key` (the same on every instance).
    pub fn new(redis: Redis, state_key: SecretString, people: People) -> Result<Self, String> {
        let seals = Seals(Sealer::new(&state_key, SEAL_CONTEXT).map_err(|e| e.to_string())?);
        Ok(RedisStore {
            prefix: redis.key(&format!("oauth:{}:", people.netsuite.account.realm())),
            redis,
            seals,
            state_key,
            people,
            scripts: Scripts::load(),
            live: Mutex::new(HashMap::new()),
        })
    }

    /// Runs `script` with the prefix and `args`.
    async fn run<T: redis::FromRedisValue>(
        &self,
        what: &'static str,
        script: &redis::Script,
        args: &[&str],
    ) -> Result<T, Unavailable> {
        let mut call = script.prepare_invoke();
        call.arg(&self.prefix);
        for a in args {
            call.arg(*a);
        }
        let mut conn = self.redis.connection();
        self.redis
            .run(what, async move { call.invoke_async::<T>(&mut conn).await })
            .await
            .map_err(|e| Unavailable(e.to_string()))
    }

    async fn get(&self, what: &'static str, key: String) -> Result<Option<String>, Unavailable> {
        let mut conn = self.redis.connection();
        self.redis
            .run(what, async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await
            .map_err(|e| Unavailable(e.to_string()))
    }

    /// The session of grant `id` for `client` and `subject`: the one built here before, else a new one.
    fn live_grant(&self, id: u64, client: &str, subject: &str) -> Result<Grant, String> {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(g) = live.get(&id)
            && g.client_id == client
            && g.subject == subject
        {
            return Ok(g.clone());
        }
        if live.len() >= MAX_LIVE {
            // Dropping them all is simple and cheap: a dropped session reads its tokens from Redis again.
            live.clear();
        }
        let grant = self
            .people
            .shared(id, client.to_owned(), subject.to_owned())?;
        live.insert(id, grant.clone());
        Ok(grant)
    }

    fn forget_live(&self, id: u64) {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    fn pending_key(&self, digest: &str) -> String {
        format!("{}pending:{digest}", self.prefix)
    }
}

impl OAuthStore for RedisStore {
    fn register(&self, client_id: String, client: Client) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let mut stored = StoredClient {
                redirect_uris: client.redirect_uris,
                name: client.name,
                created: client.created,
                vouch: String::new(),
            };
            stored.vouch = self.seals.vouch(&client_says(&client_id, &stored))?;
            let value = to_json(&stored)?;
            let (ttl, now, max) = (
                ms(GRANT_TTL).to_string(),
                (now_ms() / 1000).to_string(),
                MAX_CLIENTS.to_string(),
            );
            let registered: i64 = self
                .run(
                    "registering an OAuth client",
                    &self.scripts.register,
                    &[&client_id, &value, &ttl, &now, &max],
                )
                .await?;
            Ok(registered == 1)
        })
    }

    fn client<'a>(&'a self, client_id: &'a str) -> StoreFuture<'a, Option<Client>> {
        Box::pin(async move {
            let key = format!("{}client:{client_id}", self.prefix);
            let Some(value) = self.get("reading an OAuth client", key).await? else {
                return Ok(None);
            };
            let Ok(stored) = serde_json::from_str::<StoredClient>(&value) else {
                return Ok(None);
            };
            if !self
                .seals
                .vouched(&stored.vouch, &client_says(client_id, &stored))
            {
                return Ok(None);
            }
            Ok(Some(Client {
                redirect_uris: stored.redirect_uris,
                name: stored.name,
                created: stored.created,
            }))
        })
    }

    fn add_pending(&self, state: String, pending: Pending) -> StoreFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let digest = digest_of(&state);
            let stored = StoredPending {
                digest: digest.clone(),
                client_id: pending.client_id,
                redirect_uri: pending.redirect_uri,
                challenge: pending.challenge,
                client_state: pending.client_state,
                write: pending.scopes.write,
                verifier: pending.netsuite_verifier.expose_secret().to_owned(),
                netsuite_url: pending.netsuite_url,
                consented: pending.consented,
                expires_ms: instant_to_ms(pending.expires),
            };
            let sealed = self.seals.seal_pending(&stored)?;
            let (ttl, now, max) = (
                ms(PENDING_TTL).to_string(),
                now_ms().to_string(),
                MAX_PENDING.to_string(),
            );
            let stored: i64 = self
                .run(
                    "keeping a sign-in",
                    &self.scripts.add_pending,
                    &[&digest, &sealed, &ttl, &now, &max],
                )
                .await?;
            Ok(if stored == 1 {
                Ok(())
            } else {
                Err("too many sign-ins in progress; try again in a few minutes".into())
            })
        })
    }

    fn take_pending<'a>(&'a self, state: &'a str) -> StoreFuture<'a, Option<Pending>> {
        Box::pin(async move {
            let digest = digest_of(state);
            let sealed: Option<String> = self
                .run("taking a sign-in", &self.scripts.take_pending, &[&digest])
                .await?;
            let Some(p) = sealed.and_then(|s| self.seals.open_pending(&digest, &s)) else {
                return Ok(None);
            };
            Ok((p.expires_ms > now_ms() && p.consented).then(|| unpending(p)))
        })
    }

    fn decide<'a>(
        &'a self,
        request: &'a str,
        allow: bool,
    ) -> StoreFuture<'a, Option<Result<String, Pending>>> {
        Box::pin(async move {
            let digest = digest_of(request);
            let key = self.pending_key(&digest);
            let Some(sealed) = self.get("reading a sign-in", key.clone()).await? else {
                return Ok(None);
            };
            let Some(mut p) = self.seals.open_pending(&digest, &sealed) else {
                return Ok(None);
            };
            if allow && p.expires_ms > now_ms() {
                p.consented = true;
                let sealed = self.seals.seal_pending(&p)?;
                let mut conn = self.redis.connection();
                self.redis
                    .run("keeping a consent", async move {
                        redis::cmd("SET")
                            .arg(key)
                            .arg(sealed)
                            .arg("KEEPTTL")
                            .arg("XX")
                            .query_async::<Option<String>>(&mut conn)
                            .await
                    })
                    .await
                    .map_err(|e| Unavailable(e.to_string()))?;
                return Ok(Some(Ok(p.netsuite_url)));
            }
            let taken: Option<String> = self
                .run("taking a sign-in", &self.scripts.take_pending, &[&digest])
                .await?;
            match taken.and_then(|s| self.seals.open_pending(&digest, &s)) {
                Some(p) => Ok(Some(Err(unpending(p)))),
                None => Ok(None),
            }
        })
    }

    fn add_grant_with_code<'a>(
        &'a self,
        grant: NewGrant,
        code: &'a str,
        entry: Code,
    ) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            let digest = digest_of(code);
            // Random ids: what a vouch binds a token to cannot be predicted, and the script never overwrites a
            // grant (a taken id, vanishingly unlikely, just draws another).
            for _ in 0..3 {
                let id = random_id()?;
                let id_text = id.to_string();
                let login = seal_for_slot(&self.state_key, &grant_identity(id), &grant.login)
                    .map_err(Unavailable)?;
                let vouch =
                    self.seals
                        .vouch(&grant_says(&id_text, &grant.client_id, &grant.subject))?;
                let mut stored = StoredCode {
                    client_id: entry.client_id.clone(),
                    redirect_uri: entry.redirect_uri.clone(),
                    challenge: entry.challenge.clone(),
                    write: entry.scopes.write,
                    grant: id_text.clone(),
                    expires_ms: instant_to_ms(entry.expires),
                    used: false,
                    vouch: String::new(),
                };
                stored.vouch = self.seals.vouch(&code_says(&digest, &stored))?;
                let code_value = to_json(&stored)?;
                // The code's entry outlives its use by its TTL, so that a second exchange is recognised.
                let code_ttl = ms(CODE_TTL * 2).to_string();
                let added: i64 = self
                    .run(
                        "storing a sign-in",
                        &self.scripts.add_grant,
                        &[
                            &id_text,
                            &grant.client_id,
                            &grant.subject,
                            &vouch,
                            &login,
                            &ms(GRANT_TTL).to_string(),
                            &digest,
                            &code_value,
                            &code_ttl,
                            &MAX_GRANTS.to_string(),
                            &now_ms().to_string(),
                        ],
                    )
                    .await?;
                if added == 1 {
                    return Ok(id);
                }
            }
            Err(Unavailable("could not find a free grant id".into()))
        })
    }

    fn take_code<'a>(&'a self, code: &'a str) -> StoreFuture<'a, Result<Code, &'static str>> {
        Box::pin(async move {
            let digest = digest_of(code);
            let now = now_ms().to_string();
            let answer: Vec<String> = self
                .run("spending a code", &self.scripts.take_code, &[&digest, &now])
                .await?;
            let refusal = match answer.first().map(String::as_str) {
                Some("ok") => None,
                Some("replayed") => {
                    Some("the authorization code was already used; the sign-in is ended")
                }
                Some("expired") => Some("the authorization code has expired"),
                _ => Some("unknown authorization code"),
            };
            if let Some(why) = refusal {
                return Ok(Err(why));
            }
            let stored = answer
                .get(1)
                .and_then(|v| serde_json::from_str::<StoredCode>(v).ok())
                .filter(|c| self.seals.vouched(&c.vouch, &code_says(&digest, c)));
            let Some(c) = stored else {
                return Ok(Err("unknown authorization code"));
            };
            let Ok(grant) = c.grant.parse::<u64>() else {
                return Ok(Err("unknown authorization code"));
            };
            Ok(Ok(Code {
                client_id: c.client_id,
                redirect_uri: c.redirect_uri,
                challenge: c.challenge,
                scopes: Scopes { write: c.write },
                grant,
                expires: ms_to_instant(c.expires_ms),
                used: true,
            }))
        })
    }

    fn refresh_scopes<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<Scopes>> {
        Box::pin(async move {
            let digest = digest_of(token);
            let key = format!("{}refresh:{digest}", self.prefix);
            let value = self.get("reading a refresh token", key).await?;
            Ok(value
                .and_then(|v| serde_json::from_str::<StoredRefresh>(&v).ok())
                .filter(|r| self.seals.vouched(&r.vouch, &refresh_says(&digest, r)))
                .map(|r| Scopes { write: r.write }))
        })
    }

    fn end_grant(&self, grant: u64) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.forget_live(grant);
            self.run::<i64>(
                "ending a sign-in",
                &self.scripts.end_grant,
                &[&grant.to_string()],
            )
            .await
            .map(|_| ())
        })
    }

    fn issue<'a>(&'a self, new: NewTokens<'a>) -> StoreFuture<'a, bool> {
        let NewTokens {
            grant,
            client_id,
            scopes,
            access,
            refresh,
            ttl,
            redeemed,
        } = new;
        Box::pin(async move {
            let id = grant.to_string();
            let (ad, rd) = (digest_of(access), digest_of(refresh));
            let redeemed_key = match redeemed {
                Redeemed::Code(code) => format!("{}code:{}", self.prefix, digest_of(code)),
                Redeemed::Refresh(token) => {
                    format!("{}refresh:{}", self.prefix, digest_of(token))
                }
            };
            let mut a = StoredAccess {
                grant: id.clone(),
                write: scopes.write,
                vouch: String::new(),
            };
            a.vouch = self.seals.vouch(&access_says(&ad, &a))?;
            let mut r = StoredRefresh {
                grant: id.clone(),
                client_id: client_id.to_owned(),
                write: scopes.write,
                spent: false,
                vouch: String::new(),
            };
            r.vouch = self.seals.vouch(&refresh_says(&rd, &r))?;
            let av = to_json(&a)?;
            let rv = to_json(&r)?;
            let stored: i64 = self
                .run(
                    "issuing tokens",
                    &self.scripts.issue,
                    &[
                        &id,
                        &ad,
                        &av,
                        &ms(ttl).to_string(),
                        &rd,
                        &rv,
                        &ms(GRANT_TTL).to_string(),
                        client_id,
                        &(now_ms() / 1000).to_string(),
                        &redeemed_key,
                    ],
                )
                .await?;
            Ok(stored == 1)
        })
    }

    fn spend_refresh<'a>(
        &'a self,
        token: &'a str,
        client_id: &'a str,
    ) -> StoreFuture<'a, Result<(u64, Scopes), &'static str>> {
        Box::pin(async move {
            let digest = digest_of(token);
            let answer: Vec<String> = self
                .run(
                    "spending a refresh token",
                    &self.scripts.spend_refresh,
                    &[&digest, client_id, &now_ms().to_string()],
                )
                .await?;
            let refusal = match answer.first().map(String::as_str) {
                Some("ok") => None,
                Some("other_client") => Some("the refresh token was issued to another client"),
                Some("replayed") => {
                    Some("the refresh token was already used; the sign-in is ended, sign in again")
                }
                Some("ended") => Some("the sign-in has ended; sign in again"),
                _ => Some("unknown or revoked refresh token"),
            };
            if let Some(why) = refusal {
                return Ok(Err(why));
            }
            let stored = answer
                .get(1)
                .and_then(|v| serde_json::from_str::<StoredRefresh>(v).ok())
                .filter(|r| self.seals.vouched(&r.vouch, &refresh_says(&digest, r)));
            match stored.and_then(|r| Some((r.grant.parse::<u64>().ok()?, r.write))) {
                Some((grant, write)) => Ok(Ok((grant, Scopes { write }))),
                None => Ok(Err("unknown or revoked refresh token")),
            }
        })
    }

    fn access<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<(u64, Grant, Scopes)>> {
        Box::pin(async move {
            let digest = digest_of(token);
            let found: Option<Vec<Option<String>>> = self
                .run("checking an access token", &self.scripts.access, &[&digest])
                .await?;
            let Some([Some(value), Some(client), Some(subject), Some(vouch)]) =
                found.and_then(|f| <[Option<String>; 4]>::try_from(f).ok())
            else {
                return Ok(None);
            };
            let Ok(a) = serde_json::from_str::<StoredAccess>(&value) else {
                return Ok(None);
            };
            if !self.seals.vouched(&a.vouch, &access_says(&digest, &a))
                || !self
                    .seals
                    .vouched(&vouch, &grant_says(&a.grant, &client, &subject))
            {
                return Ok(None);
            }
            let Ok(id) = a.grant.parse::<u64>() else {
                return Ok(None);
            };
            let grant = self
                .live_grant(id, &client, &subject)
                .map_err(Unavailable)?;
            Ok(Some((id, grant, Scopes { write: a.write })))
        })
    }

    fn revoke<'a>(&'a self, token: &'a str, client_id: Option<&'a str>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let digest = digest_of(token);
            let revoked: i64 = self
                .run(
                    "revoking a token",
                    &self.scripts.revoke,
                    &[&digest, client_id.unwrap_or("")],
                )
                .await?;
            Ok(revoked == 1)
        })
    }

    fn take_ended(&self) -> StoreFuture<'_, Vec<Ended>> {
        Box::pin(async move {
            let key = format!("{}ended", self.prefix);
            let mut conn = self.redis.connection();
            let popped: Option<Vec<String>> = self
                .redis
                .run("reading ended sign-ins", async move {
                    redis::cmd("LPOP")
                        .arg(key)
                        .arg(100)
                        .query_async::<Option<Vec<String>>>(&mut conn)
                        .await
                })
                .await
                .map_err(|e| Unavailable(e.to_string()))?;
            let mut ended = Vec::new();
            for raw in popped.unwrap_or_default() {
                let Ok(e) = serde_json::from_str::<StoredEnded>(&raw) else {
                    continue;
                };
                let Ok(id) = e.id.parse::<u64>() else {
                    continue;
                };
                self.forget_live(id);
                match open_from_slot(&self.state_key, &grant_identity(id), &e.login) {
                    Ok(login) => ended.push(Ended {
                        subject: e.subject,
                        refresh_token: login.refresh_token,
                    }),
                    Err(why) => tracing::warn!(
                        subject = %e.subject,
                        "cannot revoke an ended sign-in at NetSuite: its tokens do not open ({why})"
                    ),
                }
            }
            Ok(ended)
        })
    }

    fn save(&self) -> Result<(), String> {
        Ok(())
    }
}
