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
    /// Tokens in `slot`, sealed with a key derived from `state_key` (the same on every instance).
    pub fn new(slot: Arc<dyn TokenSlot>, state_key: &SecretString) -> Result<Self, String> {
        let sealer = Sealer::new(state_key, SEAL_CONTEXT).map_err(|e| e.to_string())?;
        Ok(Self {
            slot,
            sealer: Arc::new(sealer),
        })
    }

    /// The shared token, if one is stored and opens. A value that does not open (another key) is an error:
    /// instances must share `NETSUITE_MCP_STATE_KEY`.
    pub(super) async fn load(&self) -> Result<Option<SharedToken>, String> {
        let Some(stored) = self.slot.get().await? else {
            return Ok(None);
        };
        let plain = self.sealer.open(&stored).map_err(|e| e.to_string())?;
        let value: Stored = serde_json::from_slice(&plain)
            .map_err(|_| "the shared NetSuite token has an unexpected format".to_owned())?;
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

    pub(super) async fn try_lock(&self) -> Result<Option<String>, String> {
        self.slot.try_lock(MINT_LOCK_TTL).await
    }

    pub(super) async fn unlock(&self, owner: String) {
        if let Err(e) = self.slot.unlock(owner).await {
            // The lock expires by itself; the others wait at most its TTL.
            tracing::warn!("could not release the shared token lock: {e}");
        }
    }

    pub(super) async fn remove(&self, stored: String) {
        if let Err(e) = self.slot.remove_if(stored).await {
            tracing::warn!("could not drop the refused token from the shared cache: {e}");
        }
    }
}
