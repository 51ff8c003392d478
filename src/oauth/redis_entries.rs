//! The entries of the authorization server's Redis store as they are stored, and what each one's vouch says
//! (the text sealed with the state key that an entry must match to be believed).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::state::{Pending, Scopes};
use super::store::Unavailable;
use crate::seal::Sealer;

#[derive(Serialize, Deserialize)]
pub(super) struct StoredClient {
    pub(super) redirect_uris: Vec<String>,
    pub(super) name: Option<String>,
    pub(super) created: u64,
    pub(super) vouch: String,
}

#[derive(Serialize, Deserialize)]
pub(super) struct StoredPending {
    pub(super) digest: String,
    pub(super) client_id: String,
    pub(super) redirect_uri: String,
    pub(super) challenge: String,
    pub(super) client_state: Option<String>,
    pub(super) write: bool,
    pub(super) verifier: String,
    pub(super) netsuite_url: String,
    pub(super) consented: bool,
    pub(super) expires_ms: u64,
}

#[derive(Serialize, Deserialize)]
pub(super) struct StoredCode {
    pub(super) client_id: String,
    pub(super) redirect_uri: String,
    pub(super) challenge: String,
    pub(super) write: bool,
    pub(super) grant: String,
    pub(super) expires_ms: u64,
    pub(super) used: bool,
    pub(super) vouch: String,
}

#[derive(Serialize, Deserialize)]
pub(super) struct StoredAccess {
    pub(super) grant: String,
    pub(super) write: bool,
    pub(super) vouch: String,
}

#[derive(Serialize, Deserialize)]
pub(super) struct StoredRefresh {
    pub(super) grant: String,
    pub(super) client_id: String,
    pub(super) write: bool,
    pub(super) spent: bool,
    pub(super) vouch: String,
}

#[derive(Deserialize)]
pub(super) struct StoredEnded {
    pub(super) id: String,
    pub(super) subject: String,
    pub(super) login: String,
}

pub(super) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub(super) fn ms(d: Duration) -> u64 {
    d.as_millis().max(1) as u64
}

/// An `Instant` as Unix milliseconds and back (entries outlive this process).
pub(super) fn instant_to_ms(at: std::time::Instant) -> u64 {
    now_ms().saturating_add(
        at.saturating_duration_since(std::time::Instant::now())
            .as_millis() as u64,
    )
}

pub(super) fn ms_to_instant(at: u64) -> std::time::Instant {
    std::time::Instant::now() + Duration::from_millis(at.saturating_sub(now_ms()))
}

pub(super) fn unpending(p: StoredPending) -> Pending {
    Pending {
        client_id: p.client_id,
        redirect_uri: p.redirect_uri,
        challenge: p.challenge,
        client_state: p.client_state,
        scopes: Scopes { write: p.write },
        netsuite_verifier: SecretString::from(p.verifier),
        netsuite_url: p.netsuite_url,
        consented: p.consented,
        expires: ms_to_instant(p.expires_ms),
    }
}

pub(super) fn code_says(digest: &str, c: &StoredCode) -> String {
    format!(
        "code\n{digest}\n{}\n{}\n{}\n{}\n{}\n{}",
        c.grant, c.client_id, c.redirect_uri, c.challenge, c.write, c.expires_ms
    )
}

pub(super) fn refresh_says(digest: &str, r: &StoredRefresh) -> String {
    format!(
        "refresh\n{digest}\n{}\n{}\n{}",
        r.grant, r.client_id, r.write
    )
}

pub(super) fn access_says(digest: &str, a: &StoredAccess) -> String {
    format!("access\n{digest}\n{}\n{}", a.grant, a.write)
}

pub(super) fn grant_says(id: &str, client: &str, subject: &str) -> String {
    format!("grant\n{id}\n{client}\n{subject}")
}

pub(super) fn client_says(id: &str, c: &StoredClient) -> String {
    format!(
        "client\n{id}\n{}\n{:?}\n{}",
        c.redirect_uris.join("\n"),
        c.name,
        c.created
    )
}

/// A random grant id (never 0).
pub(super) fn random_id() -> Result<u64, Unavailable> {
    let mut bytes = [0u8; 8];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| Unavailable("the secure random source failed".into()))?;
    Ok(u64::from_le_bytes(bytes).max(1))
}

/// `value` as JSON.
pub(super) fn to_json<T: Serialize>(value: &T) -> Result<String, Unavailable> {
    serde_json::to_string(value).map_err(|e| Unavailable(e.to_string()))
}

/// The store's sealing key: vouches, and the sealed sign-ins in progress.
pub(super) struct Seals(pub(super) Sealer);

impl Seals {
    pub(super) fn vouch(&self, says: &str) -> Result<String, Unavailable> {
        self.0
            .seal(says.as_bytes())
            .map_err(|_| Unavailable("cannot seal the OAuth state".into()))
    }

    /// Whether `vouch` was made with our key for exactly `says`. A failure is logged: it means an entry was
    /// written without the state key (or with another one).
    pub(super) fn vouched(&self, vouch: &str, says: &str) -> bool {
        let ok = self
            .0
            .open(vouch)
            .is_ok_and(|plain| plain == says.as_bytes());
        if !ok {
            tracing::warn!(
                "an OAuth entry in Redis is not vouched for by NETSUITE_MCP_STATE_KEY (written by an instance with \
                 another key, or tampered with); it is ignored"
            );
        }
        ok
    }

    pub(super) fn seal_pending(&self, p: &StoredPending) -> Result<String, Unavailable> {
        let plain = serde_json::to_vec(p).map_err(|e| Unavailable(e.to_string()))?;
        self.0
            .seal(&plain)
            .map_err(|_| Unavailable("cannot seal the OAuth state".into()))
    }

    /// The sign-in sealed in `sealed`, if it opens and is the one stored under `digest`.
    pub(super) fn open_pending(&self, digest: &str, sealed: &str) -> Option<StoredPending> {
        let plain = self.0.open(sealed).ok()?;
        let p: StoredPending = serde_json::from_slice(&plain).ok()?;
        (p.digest == digest).then_some(p)
    }
}
