//! Token-based authentication (OAuth 1.0a with HMAC-SHA256), NetSuite's legacy scheme (netsuite-api.md §11.3).
//! Pure: a request's method and URL in, an `Authorization` header out. Knows nothing about MCP.
//!
//! Hand-rolled rather than taken from an OAuth 1.0a crate: the maintained ones sign with HMAC-SHA1 only or pull
//! in a second HTTP stack; what NetSuite needs is one base string and one HMAC, which aws-lc-rs (already used for
//! assertions) computes.

use std::fmt;

use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// The only signature method NetSuite still accepts (HMAC-SHA1 ended with 2023.1).
pub const SIGNATURE_METHOD: &str = "HMAC-SHA256";
/// Characters in a fresh nonce (NetSuite accepts 6–64).
pub const NONCE_CHARS: usize = 32;

/// RFC 5849 §3.6: everything but `A-Z a-z 0-9 - . _ ~` is percent-encoded, in upper-case hex.
const RFC5849: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A TBA integration's consumer and one user's access token. `Debug` shows neither secret.
#[derive(Clone)]
pub struct TbaCredentials {
    /// Realm: the account id in its upper-case underscore form, e.g. `1234567_SB1`.
    pub realm: String,
    /// The integration record's consumer key.
    pub consumer_key: String,
    /// The integration record's consumer secret.
    pub consumer_secret: SecretString,
    /// The access token's id.
    pub token_id: String,
    /// The access token's secret.
    pub token_secret: SecretString,
}

impl fmt::Debug for TbaCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TbaCredentials")
            .field("realm", &self.realm)
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &"[redacted]")
            .field("token_id", &self.token_id)
            .field("token_secret", &"[redacted]")
            .finish()
    }
}

impl TbaCredentials {
    /// The `Authorization` header for one request, with a fresh nonce and the current time.
    pub fn authorization(&self, method: &str, url: &Url) -> String {
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        self.authorization_with(method, url, &fresh_nonce(), timestamp)
    }

    /// The `Authorization` header for one request with a given nonce and timestamp (known-answer tests).
    pub fn authorization_with(
        &self,
        method: &str,
        url: &Url,
        nonce: &str,
        timestamp: u64,
    ) -> String {
        let timestamp = timestamp.to_string();
        let oauth = [
            ("oauth_consumer_key", self.consumer_key.as_str()),
            ("oauth_nonce", nonce),
            ("oauth_signature_method", SIGNATURE_METHOD),
            ("oauth_timestamp", timestamp.as_str()),
            ("oauth_token", self.token_id.as_str()),
            ("oauth_version", "1.0"),
        ];
        let signature = self.signature(&base_string(method, url, &oauth));
        let mut header = format!("OAuth realm=\"{}\"", enc(&self.realm));
        for (name, value) in oauth
            .iter()
            .chain([&("oauth_signature", signature.as_str())])
        {
            header.push_str(&format!(", {name}=\"{}\"", enc(value)));
        }
        header
    }

    fn signature(&self, base: &str) -> String {
        let key = format!(
            "{}&{}",
            enc(self.consumer_secret.expose_secret()),
            enc(self.token_secret.expose_secret())
        );
        let tag = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()),
            base.as_bytes(),
        );
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    }
}

/// RFC 5849 §3.4.1: `METHOD&enc(base URL)&enc(sorted, encoded parameters)`. The parameters are every query
/// parameter of the URL plus the `oauth_*` ones; a JSON body is never part of it, and `realm` is not signed.
pub fn base_string(method: &str, url: &Url, oauth: &[(&str, &str)]) -> String {
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (enc(&k), enc(&v)))
        .chain(oauth.iter().map(|(k, v)| (enc(k), enc(v))))
        .collect();
    params.sort();
    let joined = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        enc(&base_url(url)),
        enc(&joined)
    )
}

/// Scheme, host, port only when it is not the scheme's default, and path; no query or fragment.
fn base_url(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("{}://{host}{port}{}", url.scheme(), url.path())
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, RFC5849).to_string()
}

/// A nonce of [`NONCE_CHARS`] letters and digits from the system's secure random source.
pub fn fresh_nonce() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; NONCE_CHARS];
    // The system source does not fail on supported platforms; were it to, a nonce from the process's generator
    // still does its job (NetSuite checks uniqueness, not secrecy).
    if SystemRandom::new().fill(&mut bytes).is_err() {
        fastrand::fill(&mut bytes);
    }
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle's published example ("The Signature for Web Services and RESTlets", REST web services variant).
    fn oracle_example() -> TbaCredentials {
        TbaCredentials {
            realm: "123456".into(),
            consumer_key: "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4".into(),
            consumer_secret: "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5"
                .into(),
            token_id: "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc".into(),
            token_secret: "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295".into(),
        }
    }

    #[test]
    fn oracles_rest_example_gives_oracles_signature() {
        let url = Url::parse(
            "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40",
        )
        .unwrap();
        let header =
            oracle_example().authorization_with("GET", &url, "fjaLirsIcCGVZWzBX0pg", 1_508_242_306);
        assert!(header.starts_with("OAuth realm=\"123456\", "), "{header}");
        assert!(
            header.ends_with(
                "oauth_signature=\"B5OIWznZ2YP0OB7VrJrGkYsTh%2B8H%2B5T9Hag%2Bo92q0zY%3D\""
            ),
            "{header}"
        );
        for part in [
            "oauth_signature_method=\"HMAC-SHA256\"",
            "oauth_version=\"1.0\"",
            "oauth_nonce=\"fjaLirsIcCGVZWzBX0pg\"",
            "oauth_timestamp=\"1508242306\"",
        ] {
            assert!(header.contains(part), "{part} missing from {header}");
        }
    }

    #[test]
    fn query_parameters_are_signed_sorted_and_encoded() {
        let url = Url::parse(
            "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=6&deploy=1&q=a%20b%2Bc&A=z",
        )
        .unwrap();
        let base = base_string("post", &url, &[("oauth_nonce", "n"), ("oauth_token", "t")]);
        assert_eq!(
            base,
            "POST&https%3A%2F%2F1234567-sb1.restlets.api.netsuite.com%2Fapp%2Fsite%2Fhosting%2Frestlet.nl&\
             A%3Dz%26deploy%3D1%26oauth_nonce%3Dn%26oauth_token%3Dt%26q%3Da%2520b%252Bc%26script%3D6"
        );
    }

    #[test]
    fn a_different_query_changes_the_signature() {
        let creds = oracle_example();
        let a = Url::parse("https://h.example/services/rest/query/v1/suiteql?limit=10&offset=0")
            .unwrap();
        let b = Url::parse("https://h.example/services/rest/query/v1/suiteql?limit=10&offset=10")
            .unwrap();
        assert_ne!(
            creds.authorization_with("POST", &a, "nonce1", 1),
            creds.authorization_with("POST", &b, "nonce1", 1)
        );
    }

    #[test]
    fn non_default_ports_are_part_of_the_base_url_and_default_ones_are_not() {
        let with = Url::parse("http://127.0.0.1:8080/services/rest/record/v1/customer").unwrap();
        let without = Url::parse("https://h.example:443/x").unwrap();
        assert_eq!(
            base_url(&with),
            "http://127.0.0.1:8080/services/rest/record/v1/customer"
        );
        assert_eq!(base_url(&without), "https://h.example/x");
    }

    #[test]
    fn nonces_are_fresh_and_of_the_documented_length() {
        let a = fresh_nonce();
        assert_eq!(a.len(), NONCE_CHARS);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, fresh_nonce());
    }

    #[test]
    fn debug_shows_no_secret() {
        let shown = format!("{:?}", oracle_example());
        assert!(
            !shown.contains("d26ad321") && !shown.contains("c29a677d"),
            "{shown}"
        );
    }
}
