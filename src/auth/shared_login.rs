//! A signed-in person's NetSuite tokens shared by every instance serving the account (scale-out, design.md §1.9).
//!
//! NetSuite's public-client refresh tokens are single use (netsuite-api.md §2.3): two instances refreshing with
//! the same one end the person's whole chain. So the tokens live sealed in one slot all instances reach (Redis),
//! and a refresh happens under the slot's lock after reading the slot — the same rules the lock file gives
//! processes on one machine ([`super::session`]), across machines. The store is a [`TokenSlot`]: `auth` knows
//! nothing of Redis.

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::shared::{SlotGuard, TokenSlot};
use super::store::StoredLogin;
use super::token::AuthError;
use crate::seal::Sealer;

/// The lock is held across one refresh request and expires this long after the request's own time limit even if
/// its holder died: a refresh is never running when the lock runs out (the refresh runs in a task of its own, so
/// a cancelled call does not cut it short either).
pub const LOCK_MARGIN: Duration = Duration::from_secs(30);
/// Why storing under the lock failed when the lock was no longer this instance's.
pub(super) const LOCK_LOST: &str = "the shared sign-in's lock was lost before the new tokens were stored (it \
                                    expired, or the sign-in was ended meanwhile)";
/// Tries to store rotated tokens before giving up (while holding the lock).
const SAVE_ATTEMPTS: u32 = 3;
/// How long the stored tokens are kept after their last change: NetSuite's longest refresh-token life and
/// rotation window is 720 h (netsuite-api.md §2.3), so a sign-in idle for longer is dead at NetSuite anyway.
pub const LOGIN_TTL: Duration = Duration::from_secs(31 * 24 * 3600);
/// Binds sealed logins to their purpose.
const SEAL_CONTEXT: &str = "netsuite-mcp shared netsuite login v1";

/// What to do when the slot is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenEmpty {
    /// The sign-in is the local token store's (`netsuite-mcp login` on this machine): the first instance puts it
    /// in the slot.
    SeedFromLocal,
    /// The slot is the only copy (a person signed in through the authorization server): empty means the sign-in
    /// has ended.
    Ended,
}

/// One person's shared slot and its sealing key. Cheap to clone.
#[derive(Clone)]
pub struct SharedLogin {
    slot: Arc<dyn TokenSlot>,
    sealer: Arc<Sealer>,
    pub(super) when_empty: WhenEmpty,
    /// The lock's TTL: the token request's time limit plus [`LOCK_MARGIN`].
    lock_ttl: Duration,
}

impl std::fmt::Debug for SharedLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedLogin")
            .field("when_empty", &self.when_empty)
            .finish_non_exhaustive()
    }
}

impl SharedLogin {
    /// The login in `slot`, sealed with a key derived from `state_key` and bound to `identity` (who the slot is
    /// for), so a sealed login copied into another person's slot does not open there. `request_timeout` is the
    /// time limit of a token request.
    pub fn new(
        slot: Arc<dyn TokenSlot>,
        state_key: &SecretString,
        identity: &str,
        when_empty: WhenEmpty,
        request_timeout: Duration,
    ) -> Result<Self, String> {
        let sealer = sealer_for(state_key, identity).map_err(|e| e.to_string())?;
        Ok(Self {
            slot,
            sealer: Arc::new(sealer),
            when_empty,
            lock_ttl: request_timeout + LOCK_MARGIN,
        })
    }

    /// Waits for the slot's lock (another instance may be refreshing): at most as long as a holder may keep it.
    pub(super) async fn lock(&self) -> Result<SlotGuard, AuthError> {
        let wait = self.lock_ttl + Duration::from_secs(5);
        let started = Instant::now();
        let mut pause = Duration::from_millis(20);
        loop {
            if let Some(guard) = SlotGuard::try_take(&self.slot, self.lock_ttl)
                .await
                .map_err(AuthError::Shared)?
            {
                return Ok(guard);
            }
            if started.elapsed() > wait {
                return Err(AuthError::Shared(
                    "another instance has been refreshing this person's NetSuite sign-in for too long (its lock \
                     in Redis is still held); try again shortly"
                        .into(),
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }

    /// The lock this instance kept (see [`SlotGuard::keep`]), held again.
    pub(super) fn resume(&self, owner: String) -> SlotGuard {
        SlotGuard::resume(&self.slot, owner)
    }

    /// The stored login, if any. One that does not open (another key) is an error: instances must share
    /// `NETSUITE_MCP_STATE_KEY`.
    pub(super) async fn load(&self) -> Result<Option<StoredLogin>, AuthError> {
        let Some(stored) = self.slot.get().await.map_err(AuthError::Shared)? else {
            return Ok(None);
        };
        let plain = self
            .sealer
            .open(&stored)
            .map_err(|e| AuthError::Shared(e.to_string()))?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|_| AuthError::Shared("the shared sign-in has an unexpected format".into()))
    }

    /// Stores `login` for the other instances while `guard` still holds the lock, trying a few times: rotated
    /// tokens that are not stored here are spent tokens to everyone else.
    pub(super) async fn save(
        &self,
        login: &StoredLogin,
        guard: &SlotGuard,
    ) -> Result<(), AuthError> {
        let sealed = seal_login(&self.sealer, login)?;
        let mut last = String::new();
        for attempt in 0..SAVE_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            match self
                .slot
                .put_locked(sealed.clone(), LOGIN_TTL, guard.owner().to_owned())
                .await
            {
                Ok(true) => return Ok(()),
                Ok(false) => return Err(AuthError::Shared(LOCK_LOST.into())),
                Err(e) => last = e,
            }
        }
        Err(AuthError::Shared(last))
    }
}

/// The sealer of `identity`'s slot: bound to its purpose and to whom it is for, so a sealed login copied into
/// another person's slot does not open there.
fn sealer_for(state_key: &SecretString, identity: &str) -> Result<Sealer, crate::seal::SealError> {
    Sealer::new(state_key, &format!("{SEAL_CONTEXT}\n{identity}"))
}

fn seal_login(sealer: &Sealer, login: &StoredLogin) -> Result<String, AuthError> {
    let plain = serde_json::to_vec(login).map_err(|e| AuthError::Shared(e.to_string()))?;
    sealer
        .seal(&plain)
        .map_err(|e| AuthError::Shared(e.to_string()))
}

/// `login` sealed as [`SharedLogin`] stores it for `identity`, for a store that writes the first copy itself
/// (the authorization server, when a person signs in).
pub fn seal_for_slot(
    state_key: &SecretString,
    identity: &str,
    login: &StoredLogin,
) -> Result<String, String> {
    let sealer = sealer_for(state_key, identity).map_err(|e| e.to_string())?;
    seal_login(&sealer, login).map_err(|e| e.to_string())
}

/// The login in a value [`seal_for_slot`] made (to revoke an ended sign-in at NetSuite).
pub fn open_from_slot(
    state_key: &SecretString,
    identity: &str,
    sealed: &str,
) -> Result<StoredLogin, String> {
    let sealer = sealer_for(state_key, identity).map_err(|e| e.to_string())?;
    let plain = sealer.open(sealed).map_err(|e| e.to_string())?;
    serde_json::from_slice(&plain).map_err(|_| "the shared sign-in has an unexpected format".into())
}
