//! The bearer token clients must present, and reading it from an `Authorization` header.

use std::fmt;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA256, digest};
use axum::http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// The bearer token clients must present. Only its SHA-256 digest is kept, and it is compared in constant time
/// against the digest of what the client sent (so neither the content nor the length of the token leaks through
/// timing). `Debug` shows nothing.
#[derive(Clone)]
pub struct BearerToken {
    digest: [u8; 32],
}

impl BearerToken {
    /// Keeps the digest of `token`.
    pub fn new(token: &SecretString) -> Self {
        Self {
            digest: sha256(token.expose_secret().as_bytes()),
        }
    }

    /// True when `presented` is the token.
    pub fn matches(&self, presented: &[u8]) -> bool {
        verify_slices_are_equal(&self.digest, &sha256(presented)).is_ok()
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, bytes).as_ref());
    out
}

/// The token of `Bearer <token>` (scheme case-insensitive), as bytes; `None` for anything else.
pub(super) fn bearer_credentials(value: &HeaderValue) -> Option<&[u8]> {
    let bytes = value.as_bytes();
    let space = bytes.iter().position(|b| *b == b' ')?;
    let (scheme, rest) = bytes.split_at(space);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_token_matches_only_itself_and_never_prints() {
        let token = BearerToken::new(&SecretString::from("s3cret-token-0123456789".to_owned()));
        assert!(token.matches(b"s3cret-token-0123456789"));
        assert!(!token.matches(b"s3cret-token-012345678"));
        assert!(!token.matches(b"s3cret-token-0123456789x"));
        assert!(!token.matches(b""));
        assert!(!format!("{token:?}").contains("s3cret"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_other_schemes_are_not_tokens() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(bearer_credentials(&v("Bearer abc")), Some(&b"abc"[..]));
        assert_eq!(bearer_credentials(&v("bearer   abc ")), Some(&b"abc"[..]));
        assert_eq!(bearer_credentials(&v("Basic abc")), None);
        assert_eq!(bearer_credentials(&v("Bearer")), None);
        assert_eq!(bearer_credentials(&v("Bearer ")), None);
        assert_eq!(bearer_credentials(&v("abc")), None);
    }
}
