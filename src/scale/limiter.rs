//! The account's concurrency limit: how many NetSuite requests may be in flight at once. In-process it is a
//! semaphore; with Redis it is a counting semaphore every instance shares, with expiring leases and a FIFO
//! queue:
//!
//! - `holders` (sorted set: lease id → expiry, Redis server time in ms) are the slots in use. A lease is renewed
//!   while its request runs; a crashed instance stops renewing, and its slots come back after the lease time.
//! - `queue` (sorted set: ticket → arrival number) orders the waiters; a slot goes to the first waiters only, so
//!   no instance starves. `waiting` (ticket → expiry) drops tickets whose waiter stopped asking.
//! - Acquire, renew and release are Lua scripts: each runs atomically in Redis, with Redis's clock.
//!
//! A waiter asks again when a slot is released anywhere (release publishes on a channel each instance listens
//! to), and at the latest after a pause that grows from 5 ms to 100 ms (with jitter), in case a message is lost
//! or a lease expired instead of being released.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::Script;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;

use super::{Redis, ScaleError};

/// What [`AccountLimiter::acquire`] returns.
pub type AcquireFuture<'a> = Pin<Box<dyn Future<Output = Result<Permit, ScaleError>> + Send + 'a>>;

/// One slot of the account's limit; dropping it gives the slot back.
pub struct Permit {
    _held: Box<dyn Send + Sync>,
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Permit")
    }
}

/// The account's limit of requests in flight, wherever it is kept.
pub trait AccountLimiter: Send + Sync + fmt::Debug {
    /// Waits for a slot. Fails only when the shared store cannot be reached.
    fn acquire(&self) -> AcquireFuture<'_>;
}

/// The in-process limit: a semaphore.
#[derive(Debug)]
pub struct LocalLimiter {
    slots: Arc<Semaphore>,
}

impl LocalLimiter {
    /// At most `limit` (at least 1) requests in flight.
    pub fn new(limit: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(limit.max(1))),
        }
    }

    async fn take(&self) -> Permit {
        // The semaphore is never closed, so acquiring cannot fail; if it ever did, run unlimited rather than
        // not at all.
        match Arc::clone(&self.slots).acquire_owned().await {
            Ok(p) => Permit { _held: Box::new(p) },
            Err(_) => Permit {
                _held: Box::new(()),
            },
        }
    }
}

impl AccountLimiter for LocalLimiter {
    fn acquire(&self) -> AcquireFuture<'_> {
        Box::pin(async move { Ok(self.take().await) })
    }
}

/// KEYS: holders, queue, waiting, seq. ARGV: ticket, limit, lease ms, waiting ms. Returns 1 when the ticket now
/// holds a slot, 0 when it must wait.
const ACQUIRE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ticket, limit = ARGV[1], tonumber(ARGV[2])
local lease, wait = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, w in ipairs(gone) do
  redis.call('ZREM', KEYS[2], w)
  redis.call('ZREM', KEYS[3], w)
end
if redis.call('ZSCORE', KEYS[1], ticket) then
  redis.call('ZADD', KEYS[1], now + lease, ticket)
  return 1
end
if not redis.call('ZSCORE', KEYS[2], ticket) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ticket)
end
redis.call('ZADD', KEYS[3], now + wait, ticket)
local free = limit - redis.call('ZCARD', KEYS[1])
if free > 0 and redis.call('ZRANK', KEYS[2], ticket) < free then
  redis.call('ZREM', KEYS[2], ticket)
  redis.call('ZREM', KEYS[3], ticket)
  redis.call('ZADD', KEYS[1], now + lease, ticket)
  return 1
end
return 0
"#;

/// KEYS: holders. ARGV: ticket, lease ms. Returns 1 when renewed, 0 when the lease was already gone.
const RENEW: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  return 1
end
return 0
"#;

/// KEYS: holders, queue, waiting, released channel. ARGV: ticket. Gives back a slot (and tells the waiters),
/// or leaves the queue.
const RELEASE: &str = r#"
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local freed = redis.call('ZREM', KEYS[1], ARGV[1])
if freed == 1 then
  redis.call('PUBLISH', KEYS[4], '1')
end
return freed
"#;

/// First pause between two asks for a slot.
const FIRST_PAUSE: Duration = Duration::from_millis(5);
/// Longest pause between two asks for a slot.
const MAX_PAUSE: Duration = Duration::from_millis(100);
/// After Redis failed, calls fail (or use the fallback) at once for this long before Redis is asked again.
const RECHECK_AFTER: Duration = Duration::from_millis(500);

struct Shared {
    redis: Redis,
    keys: [String; 4],
    /// Where releases are announced.
    released: String,
    /// Woken at every release heard on `released`.
    wake: Arc<Notify>,
    /// The task listening on `released`, started with the first wait.
    listener: std::sync::OnceLock<JoinHandle<()>>,
    limit: usize,
    lease: Duration,
    acquire: Script,
    renew: Script,
    release: Script,
    /// Used while Redis is unreachable, when configured.
    fallback: Option<LocalLimiter>,
    /// When Redis last failed, and how.
    failed: std::sync::Mutex<Option<(std::time::Instant, ScaleError)>>,
}

impl Shared {
    /// How long a waiter's ticket stays in the queue without being asked about again.
    fn waiting_ttl(&self) -> Duration {
        self.redis.timeout() * 2 + Duration::from_secs(1)
    }

    async fn try_acquire(&self, ticket: &str) -> Result<bool, ScaleError> {
        let mut conn = self.redis.connection();
        let mut call = self.acquire.prepare_invoke();
        call.key(&self.keys[0])
            .key(&self.keys[1])
            .key(&self.keys[2])
            .key(&self.keys[3])
            .arg(ticket)
            .arg(self.limit)
            .arg(self.lease.as_millis() as u64)
            .arg(self.waiting_ttl().as_millis() as u64);
        let got: i64 = self
            .redis
            .run("waiting for a NetSuite concurrency slot", async move {
                call.invoke_async(&mut conn).await
            })
            .await?;
        Ok(got == 1)
    }

    async fn renew(&self, ticket: &str) -> Result<bool, ScaleError> {
        let mut conn = self.redis.connection();
        let mut call = self.renew.prepare_invoke();
        call.key(&self.keys[0])
            .arg(ticket)
            .arg(self.lease.as_millis() as u64);
        let kept: i64 = self
            .redis
            .run("renewing a NetSuite concurrency slot", async move {
                call.invoke_async(&mut conn).await
            })
            .await?;
        Ok(kept == 1)
    }

    async fn release(&self, ticket: &str) -> Result<(), ScaleError> {
        let mut conn = self.redis.connection();
        let mut call = self.release.prepare_invoke();
        call.key(&self.keys[0])
            .key(&self.keys[1])
            .key(&self.keys[2])
            .key(&self.released)
            .arg(ticket);
        self.redis
            .run("giving back a NetSuite concurrency slot", async move {
                call.invoke_async::<i64>(&mut conn).await
            })
            .await
            .map(|_| ())
    }

    /// Starts listening for releases (once).
    fn listen(&self) {
        self.listener.get_or_init(|| {
            tokio::spawn(wake_on_release(
                self.redis.clone(),
                self.released.clone(),
                Arc::clone(&self.wake),
            ))
        });
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(task) = self.listener.get() {
            task.abort();
        }
    }
}

/// Wakes the waiters of this instance at every release announced by any instance; resubscribes after a lost
/// connection (waiters fall back to their pauses meanwhile).
async fn wake_on_release(redis: Redis, channel: String, wake: Arc<Notify>) {
    loop {
        let (client, name) = (redis.client().clone(), channel.clone());
        let subscribed = redis
            .run("listening for released slots", async move {
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.subscribe(name).await?;
                Ok(pubsub)
            })
            .await;
        match subscribed {
            Ok(mut pubsub) => {
                let mut messages = pubsub.on_message();
                while messages.next().await.is_some() {
                    wake.notify_waiters();
                }
            }
            Err(e) => tracing::debug!("{e}"),
        }
        wake.notify_waiters();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The account's limit in Redis, shared by every instance with the same prefix and account.
#[derive(Clone)]
pub struct RedisLimiter {
    shared: Arc<Shared>,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("redis", &self.shared.redis)
            .field("limit", &self.shared.limit)
            .field("lease", &self.shared.lease)
            .finish_non_exhaustive()
    }
}

impl RedisLimiter {
    /// At most `limit` requests in flight across every instance; a slot unrenewed for `lease` comes back.
    /// With `fallback_instances`, while Redis is unreachable this instance runs alone with `limit ÷ n` slots
    /// (at least 1) instead of failing.
    ///
    /// The keys name the `account` (its realm, e.g. `1234567_SB1`): NetSuite's limit is the account's, so
    /// instances of two accounts sharing one Redis and prefix each get their own, and instances of one account
    /// share it whatever else differs (integration, role, signed-in person).
    pub fn new(
        redis: Redis,
        account: &str,
        limit: usize,
        lease: Duration,
        fallback_instances: Option<usize>,
    ) -> Self {
        let key = |name: &str| redis.key(&format!("limiter:{account}:{name}"));
        let keys = [key("holders"), key("queue"), key("waiting"), key("seq")];
        let released = key("released");
        let limit = limit.max(1);
        Self {
            shared: Arc::new(Shared {
                released,
                wake: Arc::new(Notify::new()),
                listener: std::sync::OnceLock::new(),
                redis,
                keys,
                limit,
                lease,
                acquire: Script::new(ACQUIRE),
                renew: Script::new(RENEW),
                release: Script::new(RELEASE),
                fallback: fallback_instances.map(|n| LocalLimiter::new(limit / n.max(1))),
                failed: std::sync::Mutex::new(None),
            }),
        }
    }

    async fn acquire_shared(&self) -> Result<Permit, ScaleError> {
        let ticket = uuid::Uuid::new_v4().to_string();
        // Leaves the queue if this future is dropped (the call was cancelled) or fails while waiting.
        let mut queued = Queued {
            shared: Some(Arc::clone(&self.shared)),
            ticket: ticket.clone(),
        };
        let mut pause = FIRST_PAUSE;
        loop {
            // Registered before asking, so a release between the answer and the wait is not missed.
            let released = self.shared.wake.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if self.shared.try_acquire(&ticket).await? {
                queued.shared = None;
                return Ok(Permit {
                    _held: Box::new(Lease::start(Arc::clone(&self.shared), ticket)),
                });
            }
            self.shared.listen();
            let half = pause / 2;
            tokio::select! {
                _ = released => {}
                _ = tokio::time::sleep(half + half.mul_f64(fastrand::f64())) => {}
            }
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }
}

impl AccountLimiter for RedisLimiter {
    fn acquire(&self) -> AcquireFuture<'_> {
        Box::pin(async move {
            // Right after a failure Redis is not asked again for a moment: a Redis that does not answer would
            // otherwise cost every call the whole time limit.
            let recent = self.shared.failed.lock().ok().and_then(|f| {
                f.as_ref()
                    .filter(|(at, _)| at.elapsed() < RECHECK_AFTER)
                    .map(|(_, e)| e.clone())
            });
            let result = match recent {
                Some(e) => Err(e),
                None => {
                    let result = self.acquire_shared().await;
                    if let Ok(mut failed) = self.shared.failed.lock() {
                        *failed = result
                            .as_ref()
                            .err()
                            .map(|e| (std::time::Instant::now(), e.clone()));
                    }
                    result
                }
            };
            match result {
                Ok(permit) => Ok(permit),
                Err(e) => match &self.shared.fallback {
                    Some(local) => {
                        tracing::warn!("{e}; using this instance's fallback share of the limit");
                        Ok(local.take().await)
                    }
                    None => Err(e),
                },
            }
        })
    }
}

/// A ticket in the queue; dropped before it got a slot, it leaves the queue.
struct Queued {
    shared: Option<Arc<Shared>>,
    ticket: String,
}

impl Drop for Queued {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            give_back(shared, std::mem::take(&mut self.ticket));
        }
    }
}

/// A held slot: renewed while held, given back when dropped.
struct Lease {
    shared: Arc<Shared>,
    ticket: String,
    renewing: JoinHandle<()>,
}

impl Lease {
    fn start(shared: Arc<Shared>, ticket: String) -> Self {
        let (s, t) = (Arc::clone(&shared), ticket.clone());
        let renewing = tokio::spawn(async move {
            let every = s.lease / 3;
            loop {
                tokio::time::sleep(every).await;
                match s.renew(&t).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(
                            "a NetSuite concurrency slot's lease ran out before renewal (Redis was restarted or \
                             unreachable); the request goes on"
                        );
                        return;
                    }
                    Err(e) => tracing::warn!("{e}"),
                }
            }
        });
        Self {
            shared,
            ticket,
            renewing,
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewing.abort();
        give_back(Arc::clone(&self.shared), std::mem::take(&mut self.ticket));
    }
}

/// Releases `ticket` in the background (drop cannot wait); if that fails the lease or queue entry expires.
fn give_back(shared: Arc<Shared>, ticket: String) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            if let Err(e) = shared.release(&ticket).await {
                tracing::debug!("{e}; the slot comes back when its lease expires");
            }
        });
    }
}
