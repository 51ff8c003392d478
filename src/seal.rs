//! Sealing small secrets for storage outside the process (AES-256-GCM under a key derived with HKDF-SHA256
//! from a configured secret, bound to a context string). Knows nothing of what it seals; used by the shared
//! NetSuite token cache (`auth`) and kept low so that any layer may use it.

pub use aws_lc_rs::aead::NONCE_LEN;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::hkdf::{HKDF_SHA256, Salt};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

/// Sealing failed, or a sealed value could not be opened (wrong key, damaged, or sealed for another context).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct SealError(String);

/// Seals and opens values under one key and context.
pub struct Sealer {
    key: LessSafeKey,
    context: Vec<u8>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("context", &String::from_utf8_lossy(&self.context))
            .finish_non_exhaustive()
    }
}

impl Sealer {
    /// A sealer whose key derives from `secret`; `context` names the purpose (it salts the derivation and is
    /// authenticated with every value), so a value sealed for one purpose does not open for another.
    pub fn new(secret: &SecretString, context: &str) -> Result<Self, SealError> {
        let prk =
            Salt::new(HKDF_SHA256, context.as_bytes()).extract(secret.expose_secret().as_bytes());
        let okm = prk
            .expand(&[b"aes-256-gcm"], &AES_256_GCM)
            .map_err(|_| SealError("cannot derive the sealing key".into()))?;
        Ok(Sealer {
            key: LessSafeKey::new(UnboundKey::from(okm)),
            context: context.as_bytes().to_vec(),
        })
    }

    /// `plain` sealed as base64 text: a fresh random nonce, then the ciphertext and tag.
    pub fn seal(&self, plain: &[u8]) -> Result<String, SealError> {
        let (nonce, data) = self.seal_parts(plain.to_vec())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// `plain` sealed: the fresh random nonce, and the ciphertext with its tag (for formats that keep them apart).
    pub fn seal_parts(&self, mut plain: Vec<u8>) -> Result<([u8; NONCE_LEN], Vec<u8>), SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealError("the secure random source failed".into()))?;
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.context.as_slice()),
                &mut plain,
            )
            .map_err(|_| SealError("cannot seal".into()))?;
        Ok((nonce, plain))
    }

    /// The plain bytes of [`Sealer::seal_parts`]'s output; `None` when they do not open.
    pub fn open_parts(&self, nonce: [u8; NONCE_LEN], mut data: Vec<u8>) -> Option<Vec<u8>> {
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.context.as_slice()),
                &mut data,
            )
            .ok()?;
        Some(plain.to_vec())
    }

    /// The plain bytes of a value from [`Sealer::seal`] with the same secret and context.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SealError> {
        let bad = || {
            SealError(
                "a sealed value does not open: the key differs between instances (NETSUITE_MCP_STATE_KEY), or \
                 the value is damaged"
                    .into(),
            )
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|_| bad())?;
        if bytes.len() < NONCE_LEN {
            return Err(bad());
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| bad())?;
        self.open_parts(nonce, data.to_vec()).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn sealed_values_open_with_the_same_key_and_context_only() {
        let a = Sealer::new(&secret("k1-0123456789abcdef0123456789"), "ctx").unwrap();
        let sealed = a.seal(b"token").unwrap();
        assert!(!sealed.contains("token"));
        assert_eq!(a.open(&sealed).unwrap(), b"token");
        assert_ne!(a.seal(b"token").unwrap(), sealed, "fresh nonce each time");
        let other_key = Sealer::new(&secret("k2-0123456789abcdef0123456789"), "ctx").unwrap();
        assert!(other_key.open(&sealed).is_err());
        let other_ctx = Sealer::new(&secret("k1-0123456789abcdef0123456789"), "other").unwrap();
        assert!(other_ctx.open(&sealed).is_err());
        assert!(a.open("not base64!").is_err());
    }
}
