//! Token-based authentication (OAuth 1.0a, HMAC-SHA256) as NetSuite verifies it (netsuite-api.md §11.3): the
//! `Authorization: OAuth …` header is parsed, the signature recomputed from the request (method, the base URL
//! the client used, every query parameter and the `oauth_*` parameters; never the body, never the realm), and
//! the realm, the timestamp's skew and the nonce's uniqueness checked. Every refusal is NetSuite's bare
//! `INVALID_LOGIN`; the reason goes only to the log (NetSuite keeps it in the Login Audit Trail).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// The only signature method NetSuite accepts.
pub const TBA_SIGNATURE_METHOD: &str = "HMAC-SHA256";
/// Consumer key of the sandbox's default TBA integration.
pub const DEFAULT_TBA_CONSUMER_KEY: &str = "sandbox-tba-consumer-key";
/// Consumer secret of the sandbox's default TBA integration.
pub const DEFAULT_TBA_CONSUMER_SECRET: &str = "sandbox-tba-consumer-secret";
/// Token id of the sandbox's default TBA access token.
pub const DEFAULT_TBA_TOKEN_ID: &str = "sandbox-tba-token-id";
/// Token secret of the sandbox's default TBA access token.
pub const DEFAULT_TBA_TOKEN_SECRET: &str = "sandbox-tba-token-secret";
/// How far a TBA timestamp may be from the sandbox's clock, either way. guess: NetSuite does not publish it.
pub const DEFAULT_TBA_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// Shortest nonce NetSuite accepts.
pub const MIN_NONCE_CHARS: usize = 6;
/// Longest nonce NetSuite accepts.
pub const MAX_NONCE_CHARS: usize = 64;

/// RFC 5849 §3.6: everything but `A-Z a-z 0-9 - . _ ~` is percent-encoded.
const RFC5849: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One TBA access token issued to a person (an entity with a role) for the integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxTbaToken {
    /// The token id clients send as `oauth_token`.
    pub token_id: String,
    /// The token secret, half of the signing key.
    pub token_secret: String,
    /// The person (employee) the token acts as.
    pub entity: String,
    /// The role the token acts with.
    pub role: String,
}

/// A TBA integration record and its access tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxTba {
    /// The integration's consumer key (`oauth_consumer_key`).
    pub consumer_key: String,
    /// The integration's consumer secret, half of the signing key.
    pub consumer_secret: String,
    /// Access tokens issued for the integration.
    pub tokens: Vec<SandboxTbaToken>,
    /// How far `oauth_timestamp` may be from the sandbox's clock, either way; nonces are remembered this long.
    pub max_clock_skew: Duration,
}

impl Default for SandboxTba {
    /// The default integration and one token, with the `DEFAULT_TBA_*` values.
    fn default() -> Self {
        Self {
            consumer_key: DEFAULT_TBA_CONSUMER_KEY.into(),
            consumer_secret: DEFAULT_TBA_CONSUMER_SECRET.into(),
            tokens: vec![SandboxTbaToken {
                token_id: DEFAULT_TBA_TOKEN_ID.into(),
                token_secret: DEFAULT_TBA_TOKEN_SECRET.into(),
                entity: "-5".into(),
                role: "3".into(),
            }],
            max_clock_skew: DEFAULT_TBA_CLOCK_SKEW,
        }
    }
}

/// What one TBA request carries besides its `Authorization` header.
pub(crate) struct SignedRequest<'a> {
    pub method: &'a str,
    /// The `Host` header as the client sent it.
    pub host: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
}

/// The verifier: the configured integration plus the nonces seen within the skew window.
#[derive(Debug)]
pub(crate) struct TbaVerifier {
    config: Option<SandboxTba>,
    realm: String,
    /// (token id, nonce) → when it was seen.
    seen: Mutex<HashMap<(String, String), SystemTime>>,
}

impl TbaVerifier {
    pub(crate) fn new(config: Option<SandboxTba>, account_id: &str) -> Self {
        Self {
            config,
            realm: account_id.to_ascii_uppercase().replace('-', "_"),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Verifies an `OAuth …` header value; `Err` carries the reason (for the log only).
    pub(crate) fn verify(&self, header: &str, request: &SignedRequest<'_>) -> Result<(), String> {
        let config = self.config.as_ref().ok_or("TBA is not enabled")?;
        let params = parse_header(header)?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| format!("{name} missing"))
        };
        if get("realm")? != self.realm {
            return Err("wrong realm".into());
        }
        if get("oauth_signature_method")? != TBA_SIGNATURE_METHOD {
            return Err("signature method is not HMAC-SHA256".into());
        }
        if get("oauth_version").is_ok_and(|v| v != "1.0") {
            return Err("oauth_version is not 1.0".into());
        }
        if get("oauth_consumer_key")? != config.consumer_key {
            return Err("unknown consumer key".into());
        }
        let token_id = get("oauth_token")?;
        let token = config
            .tokens
            .iter()
            .find(|t| t.token_id == token_id)
            .ok_or("unknown token")?;
        let nonce = get("oauth_nonce")?;
        if !(MIN_NONCE_CHARS..=MAX_NONCE_CHARS).contains(&nonce.chars().count()) {
            return Err("nonce length outside 6-64".into());
        }
        let timestamp: u64 = get("oauth_timestamp")?
            .parse()
            .map_err(|_| "timestamp is not a number")?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        if now.abs_diff(timestamp) > config.max_clock_skew.as_secs() {
            return Err("timestamp outside the clock skew window".into());
        }
        let signed: Vec<(&str, &str)> = params
            .iter()
            .filter(|(k, _)| k != "realm" && k != "oauth_signature")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let base = base_string(request, &signed);
        let expected = signature(&config.consumer_secret, &token.token_secret, &base);
        let given = get("oauth_signature")?;
        if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Err("signature mismatch".into());
        }
        self.remember_nonce(token_id, nonce, config.max_clock_skew)
    }

    fn remember_nonce(&self, token: &str, nonce: &str, window: Duration) -> Result<(), String> {
        let now = SystemTime::now();
        let mut seen = self.seen.lock().map_err(|_| "nonce store poisoned")?;
        // Twice the window: a timestamp may be `window` behind and the nonce seen `window` later.
        seen.retain(|_, at| now.duration_since(*at).unwrap_or_default() <= window * 2);
        if seen
            .insert((token.to_owned(), nonce.to_owned()), now)
            .is_some()
        {
            return Err("nonce reused".into());
        }
        Ok(())
    }
}

/// `OAuth realm="…", oauth_consumer_key="…", …` → decoded (name, value) pairs. The scheme is case-insensitive.
fn parse_header(header: &str) -> Result<Vec<(String, String)>, String> {
    let (scheme, rest) = header.trim().split_once(' ').ok_or("no OAuth parameters")?;
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return Err("not an OAuth header".into());
    }
    let mut out = Vec::new();
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, value) = part.split_once('=').ok_or("malformed OAuth parameter")?;
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or("OAuth parameter value not quoted")?;
        let value = percent_decode_str(value)
            .decode_utf8()
            .map_err(|_| "OAuth parameter not UTF-8")?;
        let name = name.trim().to_owned();
        if out.iter().any(|(n, _): &(String, String)| *n == name) {
            return Err(format!("{name} given twice"));
        }
        out.push((name, value.into_owned()));
    }
    Ok(out)
}

/// RFC 5849 §3.4.1 over what the sandbox received: the base URL is `http://` + the `Host` header + the path.
fn base_string(request: &SignedRequest<'_>, oauth: &[(&str, &str)]) -> String {
    let query = request.query.unwrap_or_default();
    let mut params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (enc(&k), enc(&v)))
        .chain(oauth.iter().map(|(k, v)| (enc(k), enc(v))))
        .collect();
    params.sort();
    let joined = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let host = request.host.to_ascii_lowercase();
    let host = host.strip_suffix(":80").unwrap_or(&host);
    let base_url = format!("http://{host}{}", request.path);
    format!(
        "{}&{}&{}",
        request.method.to_ascii_uppercase(),
        enc(&base_url),
        enc(&joined)
    )
}

fn signature(consumer_secret: &str, token_secret: &str, base: &str) -> String {
    let key = format!("{}&{}", enc(consumer_secret), enc(token_secret));
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()),
        base.as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, RFC5849).to_string()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Signs a request as a TBA client would, for tests that need to forge or replay headers: `url` is the full
/// URL the request goes to (its query parameters are signed), `realm` the account id in upper case.
#[allow(clippy::too_many_arguments)]
pub fn tba_authorization(
    method: &str,
    url: &url::Url,
    realm: &str,
    consumer: (&str, &str),
    token: (&str, &str),
    nonce: &str,
    timestamp: u64,
) -> String {
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let request = SignedRequest {
        method,
        host: &host,
        path: url.path(),
        query: url.query(),
    };
    let timestamp = timestamp.to_string();
    let oauth = [
        ("oauth_consumer_key", consumer.0),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", TBA_SIGNATURE_METHOD),
        ("oauth_timestamp", timestamp.as_str()),
        ("oauth_token", token.0),
        ("oauth_version", "1.0"),
    ];
    let sig = signature(consumer.1, token.1, &base_string(&request, &oauth));
    let mut header = format!("OAuth realm=\"{}\"", enc(realm));
    for (name, value) in oauth.iter().chain([&("oauth_signature", sig.as_str())]) {
        header.push_str(&format!(", {name}=\"{}\"", enc(value)));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oracles_example_verifies_through_the_sandbox_signer() {
        let url = url::Url::parse(
            "http://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40",
        )
        .unwrap();
        let h = tba_authorization(
            "GET",
            &url,
            "123456",
            (
                "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4",
                "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5",
            ),
            (
                "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
                "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295",
            ),
            "fjaLirsIcCGVZWzBX0pg",
            1_508_242_306,
        );
        // Oracle's vector is for https; the sandbox signs http, so only the shape is checked here.
        assert!(
            h.starts_with("OAuth realm=\"123456\", oauth_consumer_key=\"ef40"),
            "{h}"
        );
        let parsed = parse_header(&h).unwrap();
        assert_eq!(parsed.len(), 8);
    }

    #[test]
    fn header_parsing_refuses_duplicates_and_unquoted_values() {
        assert!(parse_header("OAuth a=\"1\", a=\"2\"").is_err());
        assert!(parse_header("OAuth a=1").is_err());
        assert!(parse_header("Bearer x").is_err());
        assert_eq!(
            parse_header("oauth a=\"x%2By\"").unwrap(),
            vec![("a".to_owned(), "x+y".to_owned())]
        );
    }
}
