//! The Lua scripts of the authorization server's Redis store: each check-and-change runs as one script, so two
//! instances never both spend a code or a refresh token.
//!
//! Keys are built inside the scripts from the prefix (`ARGV[1]`) because a grant's keys are only known once its
//! entries are read; this is fine on one Redis server (what the deployment uses) and not meant for Redis
//! Cluster, where a script may only touch the keys it declares.
//!
//! Layout under `<prefix>oauth:<ACCOUNT>:` (the prefix is `ARGV[1]`; one account's sign-ins never meet another's):
//! `client:<id>` (+ zset `clients`, by last use; hash `client_grants` counts each client's grants),
//! `pending:<digest>` (+ zset `pending`, by expiry), `grant:<id>` (hash: client, subject, vouch, spent), its
//! `:keys` (set of the code and token keys issued for it) and `:login` (the person's sealed NetSuite tokens),
//! zset `grants` (by creation; grant ids are random, so an id cannot be predicted or steered), `code:<digest>`,
//! `access:<digest>`, `refresh:<digest>`, list `ended` (sealed tokens of ended grants, to revoke at NetSuite).

use redis::Script;

/// The scripts, loaded once (Redis caches them by digest).
pub struct Scripts {
    pub register: Script,
    pub add_pending: Script,
    pub take_pending: Script,
    pub add_grant: Script,
    pub take_code: Script,
    pub end_grant: Script,
    pub issue: Script,
    pub spend_refresh: Script,
    pub access: Script,
    pub revoke: Script,
}

impl Scripts {
    pub fn load() -> Self {
        Scripts {
            register: Script::new(REGISTER),
            add_pending: Script::new(ADD_PENDING),
            take_pending: Script::new(TAKE_PENDING),
            add_grant: Script::new(&add_grant()),
            take_code: Script::new(&take_code()),
            end_grant: Script::new(&end_grant()),
            issue: Script::new(ISSUE),
            spend_refresh: Script::new(&spend_refresh()),
            access: Script::new(ACCESS),
            revoke: Script::new(&revoke()),
        }
    }
}

/// Removes a grant and everything issued for it; its NetSuite tokens go to the `ended` list (bounded).
const REMOVE_GRANT: &str = r#"
local function remove_grant(p, id)
  local g = p .. 'grant:' .. id
  local login = redis.call('GET', g .. ':login')
  local subject = redis.call('HGET', g, 'subject')
  local client = redis.call('HGET', g, 'client')
  for _, k in ipairs(redis.call('SMEMBERS', g .. ':keys')) do
    redis.call('DEL', k)
  end
  -- The login's lock goes too: a refresh still running for this grant then cannot store its tokens again.
  redis.call('DEL', g, g .. ':keys', g .. ':login', g .. ':login:lock')
  redis.call('ZREM', p .. 'grants', id)
  if client and redis.call('HINCRBY', p .. 'client_grants', client, -1) <= 0 then
    redis.call('HDEL', p .. 'client_grants', client)
  end
  if login then
    redis.call('RPUSH', p .. 'ended', cjson.encode({id = id, subject = subject or '', login = login}))
    redis.call('LTRIM', p .. 'ended', -1000, -1)
  end
end
"#;

/// The script `body` with [`REMOVE_GRANT`] in front.
fn with_remove(body: &str) -> String {
    format!("{REMOVE_GRANT}\n{body}")
}

/// ARGV: prefix, client id, value, ttl ms, now s, max. Drops registrations unused for longer than the TTL; when
/// full, the least recently used client nobody is signed in through (`oauth:client_grants` counts each client's
/// grants) makes room, so a flood of registrations cannot push out the clients people use. 1 when registered,
/// 0 when no room can be made.
pub const REGISTER: &str = r#"
local p, id, value, ttl, now, max = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local z, counts = p .. 'clients', p .. 'client_grants'
for _, old in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', now - math.floor(ttl / 1000))) do
  redis.call('ZREM', z, old)
  redis.call('HDEL', counts, old)
end
if redis.call('ZCARD', z) >= max then
  local evicted = false
  for _, c in ipairs(redis.call('ZRANGE', z, 0, 199)) do
    if not redis.call('HGET', counts, c) then
      redis.call('ZREM', z, c)
      redis.call('DEL', p .. 'client:' .. c)
      evicted = true
      break
    end
  end
  if not evicted then return 0 end
end
redis.call('SET', p .. 'client:' .. id, value, 'PX', ttl)
redis.call('ZADD', z, now, id)
return 1
"#;

/// ARGV: prefix, digest, sealed value, ttl ms, now ms, max. 1 when stored, 0 when too many are waiting.
pub const ADD_PENDING: &str = r#"
local p, d, value, ttl, now, max = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local z = p .. 'pending'
redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
if redis.call('ZCARD', z) >= max then return 0 end
redis.call('SET', p .. 'pending:' .. d, value, 'PX', ttl)
redis.call('ZADD', z, now + ttl, d)
return 1
"#;

/// ARGV: prefix, digest. The pending sign-in's value, removed.
pub const TAKE_PENDING: &str = r#"
local p, d = ARGV[1], ARGV[2]
local k = p .. 'pending:' .. d
local v = redis.call('GET', k)
redis.call('DEL', k)
redis.call('ZREM', p .. 'pending', d)
return v
"#;

/// ARGV: prefix, grant id, client, subject, vouch, sealed login, login ttl ms, code digest, code value, code ttl
/// ms, max grants, now ms. 1 when stored; 0 when the (random) id is taken — nothing is overwritten. The oldest
/// grant makes room when full.
pub fn add_grant() -> String {
    with_remove(
        r#"
local p, id, client, subject, vouch, login, gttl, cd, code, cttl, max, now =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8], ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
local g = p .. 'grant:' .. id
if redis.call('EXISTS', g) == 1 or redis.call('EXISTS', g .. ':login') == 1 then return 0 end
local z = p .. 'grants'
while redis.call('ZCARD', z) >= max do
  remove_grant(p, redis.call('ZRANGE', z, 0, 0)[1])
end
redis.call('HSET', g, 'client', client, 'subject', subject, 'vouch', vouch)
redis.call('HINCRBY', p .. 'client_grants', client, 1)
redis.call('PEXPIRE', g, gttl)
redis.call('SET', g .. ':login', login, 'PX', gttl)
local ck = p .. 'code:' .. cd
redis.call('SET', ck, code, 'PX', cttl)
redis.call('SADD', g .. ':keys', ck)
redis.call('PEXPIRE', g .. ':keys', gttl)
redis.call('ZADD', z, now, id)
return 1
"#,
    )
}

/// Whether a spent code or refresh token (decoded entry `e`) may be spent again: nothing was issued for it yet
/// (the issue after the spend failed, e.g. Redis went away) and it was spent moments ago — the client's retry
/// after a 503, not a replay. Two such spends racing each other still get one issue: [`ISSUE`] marks the entry
/// issued and refuses a second.
const RETRY: &str = r#"
local function is_retry(e, now)
  return not e.issued and e.spent_ms ~= nil and now - e.spent_ms < 60000
end
"#;

/// ARGV: prefix, digest, now ms. `{status, value}`: `ok` (now marked used), `unknown`, `replayed` or `expired`
/// (both end the grant, RFC 6749 §4.1.2).
pub fn take_code() -> String {
    with_remove(&format!(
        "{RETRY}{}",
        r#"
local p, d, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local k = p .. 'code:' .. d
local v = redis.call('GET', k)
if not v then return {'unknown'} end
local c = cjson.decode(v)
if c.used then
  if is_retry(c, now) and c.expires_ms > now then return {'ok', v} end
  remove_grant(p, c.grant)
  return {'replayed'}
end
if c.expires_ms <= now then remove_grant(p, c.grant); return {'expired'} end
c.used = true
c.spent_ms = now
redis.call('SET', k, cjson.encode(c), 'KEEPTTL')
return {'ok', v}
"#
    ))
}

/// ARGV: prefix, grant id.
pub fn end_grant() -> String {
    with_remove("remove_grant(ARGV[1], ARGV[2]) return 1")
}

/// ARGV: prefix, grant id, access digest, access value, access ttl ms, refresh digest, refresh value, grant ttl
/// ms, client id, now s, key of the code or refresh token spent for them. 1 when stored, 0 when the grant has
/// ended (or the spent entry is gone with it), -1 when tokens were already issued for what was spent (two
/// requests raced with one token). Each issue keeps the grant, its tokens and its client alive for another grant
/// TTL, and marks the spent entry issued (from then on, spending it again is a replay).
pub const ISSUE: &str = r#"
local p, id, ad, av, attl, rd, rv, gttl, client, now, spent =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], tonumber(ARGV[8]), ARGV[9], tonumber(ARGV[10]), ARGV[11]
local g = p .. 'grant:' .. id
if redis.call('EXISTS', g) == 0 then return 0 end
local sv = redis.call('GET', spent)
if not sv then return 0 end
local se = cjson.decode(sv)
if se.issued then return -1 end
se.issued = true
redis.call('SET', spent, cjson.encode(se), 'KEEPTTL')
local keys = g .. ':keys'
for _, k in ipairs(redis.call('SMEMBERS', keys)) do
  if redis.call('EXISTS', k) == 0 then redis.call('SREM', keys, k) end
end
local ak, rk = p .. 'access:' .. ad, p .. 'refresh:' .. rd
redis.call('SET', ak, av, 'PX', attl)
redis.call('SET', rk, rv, 'PX', gttl)
redis.call('SADD', keys, ak, rk)
redis.call('PEXPIRE', keys, gttl)
redis.call('PEXPIRE', g, gttl)
redis.call('PEXPIRE', g .. ':login', gttl)
local ck = p .. 'client:' .. client
if redis.call('PEXPIRE', ck, gttl) == 1 then redis.call('ZADD', p .. 'clients', now, client) end
return 1
"#;

/// ARGV: prefix, digest, client id, now ms. `{status, value}`: `ok` (now spent; the grant's previously spent token is
/// dropped), `unknown`, `other_client`, `ended`, or `replayed` (a spent token again: the grant ends).
pub fn spend_refresh() -> String {
    with_remove(&format!(
        "{RETRY}{}",
        r#"
local p, d, client, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local k = p .. 'refresh:' .. d
local v = redis.call('GET', k)
if not v then return {'unknown'} end
local r = cjson.decode(v)
if r.client_id ~= client then return {'other_client'} end
if r.spent then
  if is_retry(r, now) then return {'ok', v} end
  remove_grant(p, r.grant)
  return {'replayed'}
end
local g = p .. 'grant:' .. r.grant
if redis.call('EXISTS', g) == 0 then return {'ended'} end
r.spent = true
r.spent_ms = now
redis.call('SET', k, cjson.encode(r), 'KEEPTTL')
local previous = redis.call('HGET', g, 'spent')
if previous and previous ~= k then
  redis.call('DEL', previous)
  redis.call('SREM', g .. ':keys', previous)
end
redis.call('HSET', g, 'spent', k)
return {'ok', v}
"#
    ))
}

/// ARGV: prefix, digest. `{access value, client, subject, vouch}` of a live access token and its grant, or nil.
pub const ACCESS: &str = r#"
local p, d = ARGV[1], ARGV[2]
local v = redis.call('GET', p .. 'access:' .. d)
if not v then return nil end
local a = cjson.decode(v)
local g = redis.call('HMGET', p .. 'grant:' .. a.grant, 'client', 'subject', 'vouch')
if not g[1] then return nil end
return {v, g[1], g[2], g[3]}
"#;

/// ARGV: prefix, digest, client id or ''. 1 revoked (the whole grant), 0 unknown token, -1 another client's.
pub fn revoke() -> String {
    with_remove(
        r#"
local p, d, client = ARGV[1], ARGV[2], ARGV[3]
local k = p .. 'access:' .. d
local v = redis.call('GET', k)
if not v then
  k = p .. 'refresh:' .. d
  v = redis.call('GET', k)
end
if not v then return 0 end
local e = cjson.decode(v)
local owner = redis.call('HGET', p .. 'grant:' .. e.grant, 'client')
if client ~= '' and owner and owner ~= client then return -1 end
redis.call('DEL', k)
remove_grant(p, e.grant)
return 1
"#,
    )
}
