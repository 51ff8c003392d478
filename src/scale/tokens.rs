//! The shared NetSuite token's slot in Redis: the sealed token under one key (expiring with the token), and the
//! mint lock (`SET NX PX`, released only by its owner).

use std::time::Duration;

use redis::Script;

use super::Redis;
use crate::auth::{StoreFuture, TokenSlot};

/// KEYS: key. ARGV: expected value. Deletes the key only if it still holds that value (a lock's owner, or the
/// token NetSuite refused).
const DELETE_IF: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// KEYS: value key, lock key. ARGV: value, ttl ms, owner. Stores the value only while the owner holds the lock.
const PUT_LOCKED: &str = r#"
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"#;

/// One token slot, named for the identity whose tokens it holds.
#[derive(Debug, Clone)]
pub struct RedisTokenSlot {
    redis: Redis,
    key: String,
    lock: String,
}

impl RedisTokenSlot {
    /// The slot for `identity` (e.g. account, client ID and certificate ID): instances configured for the same
    /// integration share it; another integration gets another slot.
    pub fn new(redis: Redis, identity: &str) -> Self {
        Self::of_kind(redis, "token", identity)
    }

    /// A slot of `kind` (`token`, `login`, `grant:<id>:login`…) for `identity`.
    pub fn of_kind(redis: Redis, kind: &str, identity: &str) -> Self {
        use aws_lc_rs::digest::{SHA256, digest};
        let id: String = digest(&SHA256, identity.as_bytes())
            .as_ref()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect();
        Self::at(redis, &format!("{kind}:{id}"))
    }

    /// The slot at key `name` (under the prefix), its lock at `name:lock`.
    pub fn at(redis: Redis, name: &str) -> Self {
        Self {
            key: redis.key(name),
            lock: redis.key(&format!("{name}:lock")),
            redis,
        }
    }

    async fn delete_if(&self, key: &str, value: String, what: &'static str) -> Result<(), String> {
        let mut conn = self.redis.connection();
        let script = Script::new(DELETE_IF);
        let mut call = script.prepare_invoke();
        call.key(key).arg(value);
        self.redis
            .run(
                what,
                async move { call.invoke_async::<i64>(&mut conn).await },
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

impl TokenSlot for RedisTokenSlot {
    fn get(&self) -> StoreFuture<'_, Option<String>> {
        Box::pin(async move {
            let mut conn = self.redis.connection();
            let key = self.key.clone();
            self.redis
                .run("reading the shared NetSuite token", async move {
                    redis::cmd("GET")
                        .arg(key)
                        .query_async::<Option<String>>(&mut conn)
                        .await
                })
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn put(&self, value: String, ttl: Duration) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut conn = self.redis.connection();
            let key = self.key.clone();
            let ms = ttl.as_millis().max(1) as u64;
            self.redis
                .run("storing the shared NetSuite token", async move {
                    redis::cmd("SET")
                        .arg(key)
                        .arg(value)
                        .arg("PX")
                        .arg(ms)
                        .query_async::<()>(&mut conn)
                        .await
                })
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn try_lock(&self, ttl: Duration) -> StoreFuture<'_, Option<String>> {
        Box::pin(async move {
            let owner = uuid::Uuid::new_v4().to_string();
            let mut conn = self.redis.connection();
            let (lock, value) = (self.lock.clone(), owner.clone());
            let ms = ttl.as_millis().max(1) as u64;
            let taken: Option<String> = self
                .redis
                .run("taking the shared token lock", async move {
                    redis::cmd("SET")
                        .arg(lock)
                        .arg(value)
                        .arg("NX")
                        .arg("PX")
                        .arg(ms)
                        .query_async::<Option<String>>(&mut conn)
                        .await
                })
                .await
                .map_err(|e| e.to_string())?;
            Ok(taken.map(|_| owner))
        })
    }

    fn unlock(&self, owner: String) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.delete_if(&self.lock, owner, "releasing the shared token lock")
                .await
        })
    }

    fn put_locked(&self, value: String, ttl: Duration, owner: String) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let mut conn = self.redis.connection();
            let script = Script::new(PUT_LOCKED);
            let mut call = script.prepare_invoke();
            call.key(&self.key)
                .key(&self.lock)
                .arg(value)
                .arg(ttl.as_millis().max(1) as u64)
                .arg(owner);
            self.redis
                .run("storing shared tokens", async move {
                    call.invoke_async::<i64>(&mut conn).await
                })
                .await
                .map(|stored| stored == 1)
                .map_err(|e| e.to_string())
        })
    }

    fn remove_if(&self, value: String) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.delete_if(&self.key, value, "dropping a refused NetSuite token")
                .await
        })
    }
}
