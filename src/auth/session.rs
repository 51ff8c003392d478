//! A signed-in person's tokens at work (design.md §1.5, netsuite-api.md §2.3): the [`TokenManager`] asks a
//! [`LoginSession`] for each new access token; the session takes the stored one while it lasts, else spends
//! the stored refresh token.
//!
//! The rules that keep a sign-in alive:
//! - one refresh at a time, in this process (the token manager's single flight) and across processes (a lock
//!   file per profile);
//! - the store is read under that lock, so a token another process rotated is the one used;
//! - a rotated refresh token is saved *before* the new access token is handed out; if saving fails it is kept
//!   in memory and saved first on the next call;
//! - a refresh that may have reached NetSuite is never sent again automatically: NetSuite's public-client refresh
//!   tokens are single-use, and presenting a spent one can revoke the whole chain.
//!
//! [`TokenManager`]: super::TokenManager

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};

use super::endpoint::{ClientAuth, Grant, TokenGrant, request_token};
use super::lock;
use super::shared::SlotGuard;
use super::shared_login::{LOCK_LOST, SharedLogin, WhenEmpty};
use super::store::{StoredLogin, TokenStore};
use super::token::{AuthError, REFRESH_BUFFER};

/// How long a process waits for another one's refresh (a refresh is one HTTP request, bounded by its timeout).
pub const LOCK_WAIT: Duration = Duration::from_secs(150);

/// Who the session acts for and where its tokens are.
#[derive(Debug, Clone)]
pub struct SessionParams {
    /// The token endpoint.
    pub token_url: String,
    /// The revoke endpoint: tokens a refresh got after the sign-in ended are revoked there.
    pub revoke_url: String,
    /// The integration (public or confidential).
    pub client: ClientAuth,
    /// The configured account, in the form stored at sign-in (`1234567_SB1`).
    pub account_id: String,
    /// The profile whose entry holds the tokens.
    pub profile: String,
    /// Directory of the cross-process lock file; `None` only where one process is sure to be alone (tests).
    pub lock_dir: Option<PathBuf>,
}

#[derive(Default)]
struct Memory {
    /// A rotated login NetSuite issued that could not be saved yet.
    unsaved: Option<StoredLogin>,
    /// The shared lock kept while `unsaved` could not be shared: its owner, to take it up again.
    held: Option<String>,
    /// The lock under which `unsaved` was to be shared turned out not to be ours any more: not worth keeping.
    lock_lost: bool,
    /// The last access token NetSuite refused: never taken from the store again.
    refused: Option<SecretString>,
}

/// The refresh-token side of the token manager.
pub struct LoginSession {
    params: SessionParams,
    store: Arc<dyn TokenStore>,
    memory: Mutex<Memory>,
    /// The copy every instance shares (scale-out), when configured: read under its lock before each use.
    shared: Option<SharedLogin>,
    /// One use of the stored tokens at a time in this process. The token manager's single flight is not enough:
    /// a refresh runs in a task of its own and outlives a cancelled caller, whose successor must wait for it.
    turn: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for LoginSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginSession")
            .field("params", &self.params)
            .field("store", &self.store.location(&self.params.profile))
            .finish_non_exhaustive()
    }
}

impl LoginSession {
    /// A session over `store`'s entry for `params.profile`.
    pub fn new(params: SessionParams, store: Arc<dyn TokenStore>) -> Self {
        LoginSession {
            params,
            store,
            memory: Mutex::new(Memory::default()),
            shared: None,
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// Shares the tokens with the other instances serving the account through `shared`: each refresh happens
    /// under its lock, after reading the newest tokens from it, and the rotated ones are written back before
    /// the lock is released.
    pub fn with_shared(mut self, shared: SharedLogin) -> Self {
        self.shared = Some(shared);
        self
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &str {
        &self.params.token_url
    }

    /// NetSuite refused `access_token`: do not take it from the store again.
    pub(crate) fn refused(&self, access_token: &str) {
        self.memory().refused = Some(SecretString::from(access_token.to_owned()));
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        // The lock guards two plain values; a panic elsewhere cannot leave them half-written.
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A usable access token: the stored one while it lasts (and was not refused), else a refresh.
    pub(crate) async fn access_token(
        &self,
        http: &reqwest::Client,
    ) -> Result<TokenGrant, AuthError> {
        let _turn = self.turn.lock().await;
        let _lock = match &self.params.lock_dir {
            Some(dir) => Some(
                lock::acquire(dir, &self.params.profile, LOCK_WAIT)
                    .await
                    .map_err(AuthError::Store)?,
            ),
            None => None,
        };
        let (guard, login) = match &self.shared {
            Some(shared) => {
                let held = self.memory().held.take();
                let guard = match held {
                    Some(owner) => shared.resume(owner),
                    None => shared.lock().await?,
                };
                match self.pull(http, shared, &guard).await {
                    // The shared copy is the one used: this machine's store may have failed to take it.
                    Ok(login) => (Some(guard), login),
                    Err(e) => {
                        self.keep_if_unsaved(guard);
                        return Err(e);
                    }
                }
            }
            None => (None, self.current()?),
        };
        self.check_matches(&login)?;
        let now = unix_now();
        let refused = self.memory().refused.clone();
        if let Some(token) = login.access_token_fresh(now, REFRESH_BUFFER.as_secs())
            && refused.is_none_or(|r| r.expose_secret() != token.expose_secret())
        {
            let left = login.access_expires_at.unwrap_or(now).saturating_sub(now);
            return Ok(TokenGrant {
                access_token: token.clone(),
                lifetime: Duration::from_secs(left),
                started: Instant::now(),
                refresh_token: None,
            });
        }
        let result = self.refresh(http, login, now, guard.as_ref()).await;
        if let Some(guard) = guard {
            self.keep_if_unsaved(guard);
        }
        result
    }

    /// Rotated tokens the others cannot read yet: the lock is kept (they wait rather than spend the old refresh
    /// token) and this instance's next call takes it up again and stores them first. Otherwise it is released.
    fn keep_if_unsaved(&self, guard: SlotGuard) {
        let mut memory = self.memory();
        let lost = std::mem::take(&mut memory.lock_lost);
        if memory.unsaved.is_some() && self.shared.is_some() && !lost {
            memory.held = Some(guard.keep());
        }
    }

    async fn refresh(
        &self,
        http: &reqwest::Client,
        login: StoredLogin,
        now: u64,
        guard: Option<&SlotGuard>,
    ) -> Result<TokenGrant, AuthError> {
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            (
                "refresh_token",
                login.refresh_token.expose_secret().to_owned(),
            ),
        ];
        let grant = request_token(
            http,
            &self.params.token_url,
            Grant::RefreshToken,
            form,
            Some(&self.params.client),
        )
        .await
        .map_err(|e| match e {
            AuthError::Transport {
                url,
                reason,
                maybe_sent: true,
            } => AuthError::Transport {
                url,
                reason: format!(
                    "{reason}. The refresh may have reached NetSuite, so it is not sent again automatically \
                     (a spent refresh token must not be reused); the next call tries once more, and if NetSuite \
                     then answers invalid_grant, run `netsuite-mcp login`"
                ),
                maybe_sent: true,
            },
            other => other,
        })?;
        tracing::info!(
            profile = %self.params.profile,
            rotated = grant.refresh_token.is_some(),
            "refreshed the signed-in person's access token"
        );
        let rotated = grant.refresh_token.is_some();
        let updated = StoredLogin {
            refresh_token: grant
                .refresh_token
                .clone()
                .unwrap_or_else(|| login.refresh_token.clone()),
            access_token: Some(grant.access_token.clone()),
            access_expires_at: Some(now.saturating_add(grant.lifetime.as_secs())),
            ..login
        };
        // The shared copy first: it is the one every other instance reads. Then this machine's store, whose
        // failure only matters when it is the only copy.
        let shared = match (&self.shared, guard) {
            (Some(shared), Some(guard)) => Some(shared.save(&updated, guard).await),
            _ => None,
        };
        if let (Some(Err(AuthError::Shared(lost))), Some(slot)) = (&shared, &self.shared)
            && lost == LOCK_LOST
            && slot.when_empty == WhenEmpty::Ended
            && matches!(slot.load().await, Ok(None))
        {
            // Ending a sign-in removes its slot and lock: it ended while this refresh ran.
            return Err(if rotated {
                self.revoke_orphan(http, &updated).await
            } else {
                self.not_signed_in()
            });
        }
        let local = self.store.save(&self.params.profile, &updated);
        let failure = match (shared, local) {
            (Some(Err(e)), _) => {
                if matches!(&e, AuthError::Shared(m) if m == LOCK_LOST) {
                    self.memory().lock_lost = true;
                }
                Some(e.to_string())
            }
            (None, Err(e)) => Some(e.to_string()),
            (Some(Ok(())), Err(e)) => {
                tracing::warn!(profile = %self.params.profile, error = %e, "the rotated sign-in is shared but could not be saved in this machine's token store");
                None
            }
            (_, Ok(())) => None,
        };
        if let Some(e) = failure {
            if rotated {
                self.memory().unsaved = Some(updated);
            }
            return Err(AuthError::Store(format!(
                "NetSuite issued new tokens but they could not be saved: {e}. They are kept in memory and saved \
                 before the next call uses them"
            )));
        }
        Ok(TokenGrant {
            refresh_token: None,
            ..grant
        })
    }

    /// The login to use, from the shared copy (held under its lock): a rotation this instance could not share yet
    /// goes out first; else the shared tokens come in (another instance may have rotated them) and are copied
    /// into this machine's store, best effort. An empty slot is seeded from the local store, or means the
    /// sign-in has ended.
    async fn pull(
        &self,
        http: &reqwest::Client,
        shared: &SharedLogin,
        guard: &SlotGuard,
    ) -> Result<StoredLogin, AuthError> {
        let unsaved = self.memory().unsaved.clone();
        if let Some(login) = unsaved {
            if shared.when_empty == WhenEmpty::Ended && shared.load().await?.is_none() {
                // The sign-in ended while its refresh ran (revoked, replayed): its tokens are not brought back.
                self.memory().unsaved = None;
                return Err(self.revoke_orphan(http, &login).await);
            }
            shared.save(&login, guard).await.map_err(|e| {
                if matches!(&e, AuthError::Shared(m) if m == LOCK_LOST) {
                    self.memory().lock_lost = true;
                }
                AuthError::Store(format!(
                    "the rotated sign-in still cannot be shared: {e}; it is kept in memory and shared first \
                     on the next call"
                ))
            })?;
            // Shared: the copy every instance reads is current. This machine's store is best effort.
            self.memory().unsaved = None;
            if let Err(e) = self.store.save(&self.params.profile, &login) {
                tracing::warn!(profile = %self.params.profile, error = %e, "the rotated sign-in is shared but could not be saved in this machine's token store");
            }
            return Ok(login);
        }
        match (shared.load().await?, shared.when_empty) {
            (Some(login), _) => {
                let local = self.store.load(&self.params.profile).ok().flatten();
                if local.as_ref().is_none_or(|l| !same_tokens(l, &login))
                    && let Err(e) = self.store.save(&self.params.profile, &login)
                {
                    // The shared copy is the one used; this machine's copy only matters without Redis.
                    tracing::warn!(profile = %self.params.profile, error = %e, "could not copy the shared sign-in into this machine's token store");
                }
                Ok(login)
            }
            (None, WhenEmpty::SeedFromLocal) => {
                let local = self.current()?;
                shared.save(&local, guard).await?;
                Ok(local)
            }
            (None, WhenEmpty::Ended) => Err(self.not_signed_in()),
        }
    }

    /// NetSuite issued `login` after its sign-in ended (revoked or replayed while the refresh ran): nobody may use
    /// it, so it is revoked at NetSuite rather than left alive until it expires. Revoking the ended sign-in's
    /// older refresh token need not end it: netsuite-api.md §2.3 says a revoke ends "the refresh token and its
    /// access tokens", not the tokens rotated from it (the sandbox ends the whole chain; NetSuite may not).
    /// Best effort: rotated tokens that could not be stored for another reason (Redis failing) stay in memory and
    /// are revoked here only if a later call finds the sign-in ended.
    async fn revoke_orphan(&self, http: &reqwest::Client, login: &StoredLogin) -> AuthError {
        let revoked = super::code_grant::revoke(
            http,
            &self.params.revoke_url,
            &self.params.client,
            &login.refresh_token,
        )
        .await;
        match revoked {
            Ok(()) => {
                tracing::info!(profile = %self.params.profile, "revoked the tokens NetSuite issued after the sign-in ended")
            }
            Err(e) => {
                tracing::warn!(profile = %self.params.profile, error = %e, "could not revoke the tokens NetSuite issued after the sign-in ended")
            }
        }
        self.not_signed_in()
    }

    fn not_signed_in(&self) -> AuthError {
        AuthError::NotSignedIn {
            profile: self.params.profile.clone(),
            location: self.store.location(&self.params.profile),
        }
    }

    /// The login to use: one not saved yet (saved now), else the stored one.
    fn current(&self) -> Result<StoredLogin, AuthError> {
        let unsaved = self.memory().unsaved.take();
        if let Some(login) = unsaved {
            if let Err(e) = self.store.save(&self.params.profile, &login) {
                let message = format!(
                    "the rotated sign-in still cannot be saved: {e}; fix the token store (or run `netsuite-mcp login` again)"
                );
                self.memory().unsaved = Some(login);
                return Err(AuthError::Store(message));
            }
            return Ok(login);
        }
        match self.store.load(&self.params.profile) {
            Ok(Some(login)) => Ok(login),
            Ok(None) => Err(self.not_signed_in()),
            Err(e) => Err(AuthError::Store(e.to_string())),
        }
    }

    fn check_matches(&self, login: &StoredLogin) -> Result<(), AuthError> {
        let p = &self.params;
        let same_account = login.account_id.eq_ignore_ascii_case(&p.account_id);
        if same_account && login.client_id == p.client.client_id {
            return Ok(());
        }
        Err(AuthError::LoginMismatch {
            profile: p.profile.clone(),
            stored_account: login.account_id.clone(),
            stored_client: short_id(&login.client_id),
            account: p.account_id.clone(),
            client: short_id(&p.client.client_id),
        })
    }
}

/// Whether two logins hold the same tokens.
fn same_tokens(a: &StoredLogin, b: &StoredLogin) -> bool {
    a.refresh_token.expose_secret() == b.refresh_token.expose_secret()
        && a.access_token.as_ref().map(|t| t.expose_secret())
            == b.access_token.as_ref().map(|t| t.expose_secret())
}

/// A client ID shortened for messages (they are 64 hex characters; the start tells them apart).
fn short_id(id: &str) -> String {
    if id.chars().count() > 12 {
        format!("{}…", id.chars().take(12).collect::<String>())
    } else {
        id.to_owned()
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
