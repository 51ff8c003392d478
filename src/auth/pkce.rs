//! The pieces of NetSuite's authorization code grant that need no network (netsuite-api.md §2.1): PKCE (S256
//! only), `state`, the authorize URL, and reading the redirect NetSuite sends back. Knows nothing about MCP.

use std::fmt;

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::SecretString;
use url::Url;

/// Random bytes behind a verifier: 32 bytes make the 43-character verifier RFC 7636 recommends.
const VERIFIER_BYTES: usize = 32;
/// Random bytes behind a `state`: 24 bytes make 32 characters (NetSuite wants 22–1024).
const STATE_BYTES: usize = 24;
/// NetSuite's bounds on `state` (printable ASCII).
pub const STATE_CHARS: std::ops::RangeInclusive<usize> = 22..=1024;
/// RFC 7636 bounds on a code verifier.
pub const VERIFIER_CHARS: std::ops::RangeInclusive<usize> = 43..=128;

/// Why a PKCE value or a redirect could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// The system's random source failed.
    #[error("the system's secure random source failed")]
    Random,
    /// The redirect's `state` is not the one sent: another browser tab, an old link, or a forgery.
    #[error(
        "the redirect's state does not match this sign-in (an old or foreign link); start the sign-in again"
    )]
    StateMismatch,
    /// NetSuite redirected with `error=…`.
    #[error("NetSuite refused the sign-in: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Denied {
        /// `access_denied`, `invalid_request`, `unauthorized_client`, `unsupported_response_type` or `invalid_scope`.
        error: String,
        /// `error_description`, when NetSuite sent one.
        description: Option<String>,
    },
    /// The redirect is not a URL with a `code`.
    #[error("{0}")]
    Malformed(String),
}

/// A PKCE pair for one sign-in. `Debug` hides the verifier.
pub struct Pkce {
    verifier: SecretString,
    challenge: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

impl Pkce {
    /// A fresh verifier from the system's secure random source, and its S256 challenge.
    pub fn generate() -> Result<Self, PkceError> {
        Ok(Self::from_verifier(random_token(VERIFIER_BYTES)?))
    }

    /// The pair for a given verifier (RFC 7636 test vectors; a verifier kept across a paste round-trip).
    pub fn from_verifier(verifier: String) -> Self {
        let challenge = s256(&verifier);
        Pkce {
            verifier: SecretString::from(verifier),
            challenge,
        }
    }

    /// `code_verifier`, sent only to the token endpoint.
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }

    /// `code_challenge` (method S256), sent in the authorize URL.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// `BASE64URL(SHA-256(verifier))` without padding (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// Whether `verifier` has RFC 7636's length and alphabet (`[A-Za-z0-9-._~]`, 43–128 characters).
pub fn is_valid_verifier(verifier: &str) -> bool {
    VERIFIER_CHARS.contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A fresh `state` for one sign-in.
pub fn new_state() -> Result<String, PkceError> {
    random_token(STATE_BYTES)
}

/// `n` random bytes as unpadded base64url.
pub fn random_token(n: usize) -> Result<String, PkceError> {
    let mut bytes = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| PkceError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What goes into NetSuite's authorize URL.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest<'a> {
    /// The integration's client id.
    pub client_id: &'a str,
    /// Must equal one of the integration record's redirect URIs, byte for byte.
    pub redirect_uri: &'a str,
    /// Scopes, sent space-separated (`rest_webservices restlets`).
    pub scopes: &'a [&'a str],
    /// This sign-in's `state`.
    pub state: &'a str,
    /// This sign-in's S256 challenge.
    pub challenge: &'a str,
}

impl AuthorizeRequest<'_> {
    /// `<authorize endpoint>?response_type=code&client_id=…&redirect_uri=…&scope=…&state=…&code_challenge=…&code_challenge_method=S256`.
    pub fn url(&self, authorize_endpoint: &Url) -> Url {
        let mut url = authorize_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", self.client_id)
            .append_pair("redirect_uri", self.redirect_uri)
            .append_pair("scope", &self.scopes.join(" "))
            .append_pair("state", self.state)
            .append_pair("code_challenge", self.challenge)
            .append_pair("code_challenge_method", "S256");
        url
    }
}

/// A successful redirect: the code, and who signed in (NetSuite adds `entity`, `role` and `company`).
pub struct Redirect {
    /// The authorization code (single use, short-lived).
    pub code: SecretString,
    /// The signed-in person's entity (employee) id.
    pub entity: Option<String>,
    /// The role they chose.
    pub role: Option<String>,
    /// The account (company) id.
    pub company: Option<String>,
}

impl fmt::Debug for Redirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redirect")
            .field("entity", &self.entity)
            .field("role", &self.role)
            .field("company", &self.company)
            .finish_non_exhaustive()
    }
}

/// Reads the query of the URL NetSuite redirected to, checking `state` before anything else.
pub fn parse_redirect(redirected: &Url, expected_state: &str) -> Result<Redirect, PkceError> {
    let get = |name: &str| {
        redirected
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let state = get("state");
    if !state
        .as_deref()
        .is_some_and(|s| constant_time_eq(s, expected_state))
    {
        return Err(PkceError::StateMismatch);
    }
    if let Some(error) = get("error") {
        return Err(PkceError::Denied {
            error,
            description: get("error_description"),
        });
    }
    let code = get("code").filter(|c| !c.is_empty()).ok_or_else(|| {
        PkceError::Malformed("the redirect carries neither a code nor an error".into())
    })?;
    Ok(Redirect {
        code: SecretString::from(code),
        entity: get("entity"),
        role: get("role"),
        company: get("company"),
    })
}

/// Reads what a person pasted: the whole redirected URL (or just its query).
pub fn parse_pasted(
    pasted: &str,
    redirect_uri: &Url,
    expected_state: &str,
) -> Result<Redirect, PkceError> {
    let pasted = pasted.trim();
    let url = if pasted.contains("://") {
        Url::parse(pasted).map_err(|e| PkceError::Malformed(format!("not a URL: {e}")))?
    } else {
        let mut u = redirect_uri.clone();
        u.set_query(Some(pasted.trim_start_matches('?')));
        u
    };
    parse_redirect(&url, expected_state)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn rfc_7636_appendix_b_vector() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn fresh_values_have_the_documented_shape() {
        let p = Pkce::generate().unwrap();
        assert!(
            is_valid_verifier(p.verifier().expose_secret()),
            "{}",
            p.verifier().expose_secret()
        );
        let state = new_state().unwrap();
        assert!(STATE_CHARS.contains(&state.len()));
        assert!(state.bytes().all(|b| b.is_ascii_graphic()));
        assert_ne!(state, new_state().unwrap());
        assert!(!format!("{p:?}").contains(p.verifier().expose_secret()));
    }

    #[test]
    fn verifiers_outside_rfc_7636_are_refused() {
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(42))));
        assert!(is_valid_verifier(&"a-._~".repeat(9)));
    }

    #[test]
    fn the_authorize_url_carries_every_parameter() {
        let base =
            Url::parse("https://123-sb1.app.netsuite.com/app/login/oauth2/authorize.nl").unwrap();
        let url = AuthorizeRequest {
            client_id: "cid",
            redirect_uri: "https://127.0.0.1:8765/callback",
            scopes: &["rest_webservices", "restlets"],
            state: "s".repeat(22).as_str(),
            challenge: "ch",
        }
        .url(&base);
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("scope"), Some("rest_webservices restlets"));
        assert_eq!(get("redirect_uri"), Some("https://127.0.0.1:8765/callback"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert!(url.as_str().contains("scope=rest_webservices+restlets"));
    }

    #[test]
    fn redirects_are_read_after_the_state_check() {
        let state = "abcdefghijklmnopqrstuvwxyz";
        let ok = Url::parse(&format!(
            "https://127.0.0.1:8765/callback?state={state}&role=1000&entity=12&company=1234567&code=00ff"
        ))
        .unwrap();
        let r = parse_redirect(&ok, state).unwrap();
        assert_eq!(r.code.expose_secret(), "00ff");
        assert_eq!(
            (r.entity.as_deref(), r.role.as_deref(), r.company.as_deref()),
            (Some("12"), Some("1000"), Some("1234567"))
        );
        assert!(!format!("{r:?}").contains("00ff"));

        let forged = Url::parse("https://127.0.0.1:8765/callback?state=other&code=00ff").unwrap();
        assert_eq!(
            parse_redirect(&forged, state).unwrap_err(),
            PkceError::StateMismatch
        );
        let missing = Url::parse("https://127.0.0.1:8765/callback?code=00ff").unwrap();
        assert_eq!(
            parse_redirect(&missing, state).unwrap_err(),
            PkceError::StateMismatch
        );

        let denied = Url::parse(&format!(
            "https://127.0.0.1:8765/callback?state={state}&error=access_denied"
        ))
        .unwrap();
        assert!(matches!(
            parse_redirect(&denied, state),
            Err(PkceError::Denied { error, .. }) if error == "access_denied"
        ));
    }

    #[test]
    fn a_pasted_query_or_url_both_work() {
        let state = "abcdefghijklmnopqrstuvwxyz";
        let redirect = Url::parse("https://127.0.0.1:8765/callback").unwrap();
        for pasted in [
            format!("  https://127.0.0.1:8765/callback?state={state}&code=abc\n"),
            format!("?state={state}&code=abc"),
            format!("state={state}&code=abc"),
        ] {
            let r = parse_pasted(&pasted, &redirect, state).unwrap();
            assert_eq!(r.code.expose_secret(), "abc");
        }
        assert!(matches!(
            parse_pasted("https://x/callback?state=zz", &redirect, state),
            Err(PkceError::StateMismatch)
        ));
    }
}
