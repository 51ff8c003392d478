//! The M2M access token shared by every instance serving one account (scale-out, design.md §1.9): one sealed
//! value in a store all instances reach (Redis), and a mint lock so that one instance asks NetSuite for a token
//! while the others wait and read it. The store is a trait: `auth` knows nothing of Redis.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::seal::Sealer;

/// A boxed future, so that the store trait can be used as `dyn`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// The mint lock expires after this even if its holder died; a token request takes far less.
pub const MINT_LOCK_TTL: Duration = Duration::from_secs(30);
/// Longest wait for another instance's token before giving up with an error.
pub const MINT_WAIT: Duration = Duration::from_secs(40);
/// Binds sealed tokens to their purpose.
const SEAL_CONTEXT: &str = "netsuite-mcp shared netsuite token v1";

/// One shared slot holding an opaque (sealed) value, and its mint lock. Errors are plain text naming the store
/// and the fix; they never hold a secret.
pub trait TokenSlot: Send + Sync {
    /// The stored value, if any.
    fn get(&self) -> StoreFuture<'_, Option<String>>;
    /// Stores `value` for `ttl`.
    fn put(&self, value: String, ttl: Duration) -> StoreFuture<'_, ()>;
    /// Takes the mint lock for `ttl`; `Some(owner)` when taken, `None` when another holds it.
    fn try_lock(&self, ttl: Duration) -> StoreFuture<'_, Option<String>>;
    /// Releases the mint lock if `owner` still holds it.
    fn unlock(&self, owner: String) -> StoreFuture<'_, ()>;
    /// Stores `value` for `ttl` only while `owner` holds the lock; `false` (nothing stored) when it does not —
    /// the lock expired, or the slot was removed with its lock.
    fn put_locked(&self, value: String, ttl: Duration, owner: String) -> StoreFuture<'_, bool>;
    /// Deletes the value if it is still `value` (a token NetSuite refused; a newer one is kept).
    fn remove_if(&self, value: String) -> StoreFuture<'_, ()>;
}

#[derive(Serialize, Deserialize)]
struct Stored {
    token: String,
    /// Unix milliseconds when NetSuite expires it.
    expires_ms: u64,
    lifetime_ms: u64,
}

/// A token read from the shared slot.
pub(super) struct SharedToken {
    pub(super) secret: SecretString,
    pub(super) expires_at: Instant,
    pub(super) lifetime: Duration,
    /// The stored (sealed) value, to delete exactly this one if NetSuite refuses it.
    pub(super) stored: String,
}

/// The shared token slot with its sealing key.
#[derive(Clone)]
pub struct SharedTokens {
    slot: Arc<dyn TokenSlot>,
    sealer: Arc<Sealer>,
}

impl std::fmt::Debug for SharedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedTokens").finish_non_exhaustive()
    }
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl SharedTokens {
    /// Tokens in `slot`, sealed with a key derived from `state_key` (the same on every instance) and bound to
    /// `identity` (the integration the slot is for), so a sealed token copied into another identity's slot does
    /// not open there.
    pub fn new(
        slot: Arc<dyn TokenSlot>,
        state_key: &SecretString,
        identity: &str,
    ) -> Result<Self, String> {
        let sealer = Sealer::new(state_key, &format!("{SEAL_CONTEXT}\n{identity}"))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            slot,
            sealer: Arc::new(sealer),
        })
    }

    /// The shared token, if one is stored and opens. One that does not open was stored by an instance with
    /// another `NETSUITE_MCP_STATE_KEY` (or is damaged): it counts as none, so this instance gets a token of its
    /// own and stores it over that one, and says so loudly. (Were it an error, one misconfigured instance would
    /// stop the well-configured ones for the token's lifetime; an M2M token is not single-use, so replacing it
    /// harms nobody.)
    pub(super) async fn load(&self) -> Result<Option<SharedToken>, String> {
        let Some(stored) = self.slot.get().await? else {
            return Ok(None);
        };
        let opened = self
            .sealer
            .open(&stored)
            .ok()
            .and_then(|plain| serde_json::from_slice::<Stored>(&plain).ok());
        let Some(value) = opened else {
            tracing::warn!(
                "the shared NetSuite token in Redis does not open with this instance's NETSUITE_MCP_STATE_KEY: \
                 most likely an instance with another key shares this Redis and prefix (every instance needs \
                 the same key), else the value is damaged; getting a token of its own and storing it instead"
            );
            return Ok(None);
        };
        let now = unix_ms(SystemTime::now());
        let left = Duration::from_millis(value.expires_ms.saturating_sub(now));
        Ok(Some(SharedToken {
            secret: SecretString::from(value.token),
            expires_at: Instant::now() + left,
            lifetime: Duration::from_millis(value.lifetime_ms),
            stored,
        }))
    }

    /// Stores a token that has `remaining` of its `lifetime` left; returns the stored value.
    pub(super) async fn store(
        &self,
        token: &SecretString,
        remaining: Duration,
        lifetime: Duration,
    ) -> Result<String, String> {
        let value = Stored {
            token: token.expose_secret().to_owned(),
            expires_ms: unix_ms(SystemTime::now() + remaining),
            lifetime_ms: lifetime.as_millis() as u64,
        };
        let plain = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
        let sealed = self.sealer.seal(&plain).map_err(|e| e.to_string())?;
        if !remaining.is_zero() {
            self.slot.put(sealed.clone(), remaining).await?;
        }
        Ok(sealed)
    }

    /// The mint lock, if this instance got it.
    pub(super) async fn try_lock(&self) -> Result<Option<SlotGuard>, String> {
        SlotGuard::try_take(&self.slot, MINT_LOCK_TTL).await
    }

    pub(super) async fn remove(&self, stored: String) {
        if let Err(e) = self.slot.remove_if(stored).await {
            tracing::warn!("could not drop the refused token from the shared cache: {e}");
        }
    }
}

/// A slot's lock while this instance holds it: released by [`SlotGuard::release`], or, when the holder is dropped
/// first (a cancelled call, an HTTP deadline), by a task spawned on drop, so the other instances do not wait out
/// the lock's TTL.
pub(super) struct SlotGuard {
    slot: Arc<dyn TokenSlot>,
    owner: Option<String>,
}

impl SlotGuard {
    /// The lock of `slot` for `ttl`, if it is free.
    pub(super) async fn try_take(
        slot: &Arc<dyn TokenSlot>,
        ttl: Duration,
    ) -> Result<Option<SlotGuard>, String> {
        Ok(slot.try_lock(ttl).await?.map(|owner| SlotGuard {
            slot: Arc::clone(slot),
            owner: Some(owner),
        }))
    }

    /// The owner token of the lock held.
    pub(super) fn owner(&self) -> &str {
        self.owner.as_deref().unwrap_or_default()
    }

    /// Keeps the lock instead of releasing it, returning its owner token so that this instance can take it up
    /// again ([`SlotGuard::resume`]): the others must not read the slot before this instance has written what it
    /// holds (a rotated token it could not store yet). It expires by itself otherwise.
    pub(super) fn keep(mut self) -> String {
        self.owner.take().unwrap_or_default()
    }

    /// The lock kept by [`SlotGuard::keep`], held again (it may have expired meanwhile: writes under it then
    /// fail, and it is released as usual).
    pub(super) fn resume(slot: &Arc<dyn TokenSlot>, owner: String) -> SlotGuard {
        SlotGuard {
            slot: Arc::clone(slot),
            owner: Some(owner),
        }
    }

    pub(super) async fn release(mut self) {
        if let Some(owner) = self.owner.take() {
            unlock(&self.slot, owner).await;
        }
    }
}

async fn unlock(slot: &Arc<dyn TokenSlot>, owner: String) {
    if let Err(e) = slot.unlock(owner).await {
        // The lock expires by itself; the others wait at most its TTL.
        tracing::warn!("could not release a shared lock: {e}");
    }
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let slot = Arc::clone(&self.slot);
            runtime.spawn(async move { unlock(&slot, owner).await });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A slot in memory that records lock and unlock calls.
    #[derive(Default)]
    struct MemorySlot {
        value: Mutex<Option<String>>,
        lock: Mutex<Option<String>>,
    }

    impl TokenSlot for MemorySlot {
        fn get(&self) -> StoreFuture<'_, Option<String>> {
            let v = self.value.lock().unwrap().clone();
            Box::pin(async move { Ok(v) })
        }
        fn put(&self, value: String, _ttl: Duration) -> StoreFuture<'_, ()> {
            *self.value.lock().unwrap() = Some(value);
            Box::pin(async { Ok(()) })
        }
        fn try_lock(&self, _ttl: Duration) -> StoreFuture<'_, Option<String>> {
            let mut lock = self.lock.lock().unwrap();
            let got = lock.is_none().then(|| "owner-1".to_owned());
            if got.is_some() {
                *lock = got.clone();
            }
            Box::pin(async move { Ok(got) })
        }
        fn unlock(&self, owner: String) -> StoreFuture<'_, ()> {
            let mut lock = self.lock.lock().unwrap();
            if lock.as_deref() == Some(owner.as_str()) {
                *lock = None;
            }
            Box::pin(async { Ok(()) })
        }
        fn remove_if(&self, _value: String) -> StoreFuture<'_, ()> {
            Box::pin(async { Ok(()) })
        }
        fn put_locked(
            &self,
            value: String,
            _ttl: Duration,
            owner: String,
        ) -> StoreFuture<'_, bool> {
            let held = self.lock.lock().unwrap().as_deref() == Some(owner.as_str());
            if held {
                *self.value.lock().unwrap() = Some(value);
            }
            Box::pin(async move { Ok(held) })
        }
    }

    fn key() -> SecretString {
        SecretString::from("0123456789abcdefghijklmnopqrstuvwxyz".to_owned())
    }

    #[tokio::test]
    async fn a_mint_lock_dropped_by_a_cancelled_call_is_released_for_the_others() {
        let slot = Arc::new(MemorySlot::default());
        let tokens = SharedTokens::new(slot.clone(), &key(), "account-a").unwrap();
        let held = tokens.try_lock().await.unwrap().expect("the lock is free");
        assert!(
            tokens.try_lock().await.unwrap().is_none(),
            "the lock is held"
        );
        drop(held); // what happens to the holder's future when its call is cancelled
        tokio::task::yield_now().await;
        let again = tokens.try_lock().await.unwrap();
        assert!(
            again.is_some(),
            "the dropped holder's lock was not released"
        );
        again.unwrap().release().await;
        assert!(slot.lock.lock().unwrap().is_none());
    }

    #[tokio::test]
    async fn a_token_sealed_for_one_identity_does_not_open_in_anothers_slot() {
        let slot_a = Arc::new(MemorySlot::default());
        let a = SharedTokens::new(slot_a.clone(), &key(), "account-a").unwrap();
        let sealed = a
            .store(
                &SecretString::from("tok".to_owned()),
                Duration::from_secs(60),
                Duration::from_secs(3600),
            )
            .await
            .unwrap();
        assert!(a.load().await.unwrap().is_some());
        let slot_b = Arc::new(MemorySlot::default());
        *slot_b.value.lock().unwrap() = Some(sealed);
        let b = SharedTokens::new(slot_b, &key(), "account-b").unwrap();
        assert!(
            matches!(b.load().await, Ok(None)),
            "a copied token opened for another identity"
        );
    }
}
