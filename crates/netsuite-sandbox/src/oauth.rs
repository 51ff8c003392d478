//! The OAuth 2.0 client-credentials token endpoint (netsuite-api.md §1) and the issued-token store.
//!
//! Every rejection is logged with NetSuite's Login Audit Trail code (e.g. `SignatureValidation`); the HTTP body
//! only carries the OAuth `error` value, as NetSuite does. Assertions, tokens and keys are never logged.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::certs::{KeyKind, MappedKey};
use super::{Shared, login};

/// The only grant NetSuite's M2M flow uses.
const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";
/// RFC 7523 client assertion type.
const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// NetSuite requires `exp` less than 60 minutes after `iat` (netsuite-api.md §1.2).
const MAX_ASSERTION_LIFETIME_SECS: i64 = 3600;

/// The `error` values of NetSuite's token endpoint (netsuite-api.md §1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OAuthError {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    InvalidScope,
}

impl OAuthError {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
        }
    }
}

/// A refused token request: the OAuth error for the client and the audit-trail code for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rejection {
    pub(crate) error: OAuthError,
    pub(crate) audit: &'static str,
}

pub(crate) fn reject(error: OAuthError, audit: &'static str) -> Rejection {
    Rejection { error, audit }
}

impl Rejection {
    pub(crate) fn into_response(self, account_id: &str) -> Response {
        let status = if self.error == OAuthError::InvalidClient {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        let mut resp =
            (status, axum::Json(json!({ "error": self.error.as_str() }))).into_response();
        if self.error == OAuthError::InvalidClient
            && let Some(challenge) = basic_challenge(account_id)
        {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        no_store(&mut resp);
        resp
    }
}

/// `WWW-Authenticate` for a refused client at the token endpoint.
pub(crate) fn basic_challenge(account_id: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("Basic realm=\"{account_id}\"")).ok()
}

/// `WWW-Authenticate` for a refused bearer token on a resource (netsuite-api.md §2.4).
pub(crate) fn bearer_challenge(account_id: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "Bearer realm=\"{account_id}\", error=\"invalid_token\", error_description=\"Invalid login attempt.\""
    ))
    .ok()
}

/// RFC 6749 §5.1: token responses must not be cached.
pub(crate) fn no_store(resp: &mut Response) {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// `POST /services/rest/auth/oauth2/v1/token`.
pub(crate) async fn token_endpoint(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match parse_form(&headers, &body) {
        Ok(form) => form,
        Err(rejection) => return refused(&shared, rejection),
    };
    if let Some(login::GRANT_AUTHORIZATION_CODE | login::GRANT_REFRESH_TOKEN) =
        form.get("grant_type").map(String::as_str)
    {
        return login::grant::token(&shared, &headers, &form);
    }
    match verify_request(&shared, &headers, &form, unix_now()) {
        Ok(scopes) => {
            let token = shared.tokens.issue(scopes, shared.token_lifetime);
            shared.governance.token_issued();
            tracing::debug!("sandbox token endpoint: access token issued");
            let mut resp = axum::Json(json!({
                "access_token": token,
                "expires_in": shared.token_lifetime.as_secs(),
                "token_type": "Bearer",
            }))
            .into_response();
            no_store(&mut resp);
            resp
        }
        Err(rejection) => refused(&shared, rejection),
    }
}

/// Counts, logs (audit code only) and answers a refused token request.
pub(crate) fn refused(shared: &Shared, rejection: Rejection) -> Response {
    shared.governance.token_rejected();
    tracing::info!(
        audit = rejection.audit,
        error = rejection.error.as_str(),
        "sandbox token endpoint: request rejected"
    );
    rejection.into_response(&shared.account_id)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Checks a token request the way NetSuite does and returns the scopes to grant.
/// A token or revoke request's form: `application/x-www-form-urlencoded`, no repeated parameter, empty values
/// dropped.
pub(crate) fn parse_form(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<HashMap<String, String>, Rejection> {
    use OAuthError::*;

    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(reject(InvalidRequest, "InvalidContentType"));
    }

    let mut form: HashMap<String, String> = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        // RFC 6749 §3.1: a parameter without a value counts as omitted; none may be repeated.
        if value.is_empty() {
            continue;
        }
        if form.insert(key.into_owned(), value.into_owned()).is_some() {
            return Err(reject(InvalidRequest, "RepeatedParameter"));
        }
    }
    Ok(form)
}

fn verify_request(
    shared: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    now: i64,
) -> Result<Vec<String>, Rejection> {
    use OAuthError::*;

    // The assertion is the client authentication; a second method is an error (RFC 6749 §2.3).
    if headers.contains_key(header::AUTHORIZATION) || form.contains_key("client_secret") {
        return Err(reject(InvalidRequest, "MultipleClientAuthentication"));
    }
    match form.get("grant_type").map(String::as_str) {
        None => return Err(reject(InvalidRequest, "MissingGrantType")),
        Some(GRANT_CLIENT_CREDENTIALS) => {}
        Some(_) => return Err(reject(UnsupportedGrantType, "UnsupportedGrantType")),
    }
    if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER_ASSERTION) {
        return Err(reject(InvalidRequest, "InvalidClientAssertionType"));
    }
    let assertion = form
        .get("client_assertion")
        .ok_or(reject(InvalidRequest, "MissingClientAssertion"))?;
    let jwt = CompactJws::parse(assertion).ok_or(reject(InvalidRequest, "MalformedJwt"))?;

    // guess: RFC 7521 §4.2 allows an optional client_id; NetSuite's docs never send it. Accept it only when
    // it names this integration.
    if let Some(client_id) = form.get("client_id")
        && *client_id != shared.client_id
    {
        return Err(reject(InvalidClient, "InvalidIssuer"));
    }

    let claims = &jwt.claims;
    if claims.get("iss").and_then(Value::as_str) != Some(shared.client_id.as_str()) {
        return Err(reject(InvalidClient, "InvalidIssuer"));
    }
    // guess: NetSuite documents `typ` as always "JWT" but no audit code for it.
    let typ_ok = jwt
        .header
        .get("typ")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("JWT"));
    if !typ_ok {
        return Err(reject(InvalidGrant, "InvalidTokenType"));
    }
    // RFC 7515 §4.1.11: extensions we do not understand must be refused.
    if jwt.header.contains_key("crit") {
        return Err(reject(InvalidGrant, "UnsupportedCriticalHeader"));
    }
    let alg = jwt
        .header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(JwsAlg::parse)
        .ok_or(reject(InvalidGrant, "UnsupportedAlgo"))?;
    let kid = match jwt.header.get("kid").and_then(Value::as_str) {
        Some(kid) if !kid.is_empty() => kid,
        _ => return Err(reject(InvalidGrant, "MissingKeyId")),
    };
    let key = shared
        .keys
        .iter()
        .find(|k| k.certificate_id == kid)
        .ok_or(reject(InvalidGrant, "MissingKey"))?;
    // guess: an algorithm that does not fit the certificate's key (PS256 on an EC key, ES256 on P-384) is
    // logged as UnsupportedAlgo.
    if !alg.fits(key.kind) {
        return Err(reject(InvalidGrant, "UnsupportedAlgo"));
    }
    if !verify_signature(key, alg, jwt.signing_input.as_bytes(), &jwt.signature) {
        return Err(reject(InvalidGrant, "SignatureValidation"));
    }

    // No leeway on `exp`: client and sandbox share a clock, and a client that sends an expired assertion is
    // broken.
    let exp = numeric_date(claims.get("exp")).ok_or(reject(InvalidGrant, "TokenExpired"))?;
    if exp <= now {
        return Err(reject(InvalidGrant, "TokenExpired"));
    }
    // guess: a missing `iat` or one not before `exp` is logged as TokenNotAcceptable.
    let iat = numeric_date(claims.get("iat")).ok_or(reject(InvalidGrant, "TokenNotAcceptable"))?;
    if exp <= iat {
        return Err(reject(InvalidGrant, "TokenNotAcceptable"));
    }
    if exp.saturating_sub(iat) > MAX_ASSERTION_LIFETIME_SECS {
        return Err(reject(InvalidGrant, "TokenValidityTooBroad"));
    }
    let skew = i64::try_from(shared.max_clock_skew.as_secs()).unwrap_or(i64::MAX);
    if iat > now.saturating_add(skew) {
        return Err(reject(InvalidGrant, "TokenNotAcceptable"));
    }
    // guess: NetSuite never mentions `nbf`; honour it when present, with the same skew as `iat`.
    if let Some(nbf) = claims.get("nbf") {
        match numeric_date(Some(nbf)) {
            Some(nbf) if nbf <= now.saturating_add(skew) => {}
            _ => return Err(reject(InvalidGrant, "TokenNotAcceptable")),
        }
    }
    // guess: `aud` may also be an array (RFC 7519 §4.1.3) as long as it names this token endpoint.
    let aud_ok = match claims.get("aud") {
        Some(Value::String(aud)) => *aud == shared.token_url,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(&shared.token_url)),
        _ => false,
    };
    if !aud_ok {
        return Err(reject(InvalidGrant, "InvalidAudience"));
    }

    let requested = parse_scopes(claims.get("scope"))?;
    if requested
        .iter()
        .any(|s| !shared.enabled_scopes.iter().any(|e| e == s))
    {
        return Err(reject(InvalidScope, "ScopeMismatched"));
    }
    Ok(requested)
}

/// `scope` as a string (comma- or space-separated) or an array of strings; empty is `InvalidScope`.
fn parse_scopes(value: Option<&Value>) -> Result<Vec<String>, Rejection> {
    let invalid = reject(OAuthError::InvalidScope, "InvalidScope");
    let mut scopes: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        for part in s.split(|c: char| c == ',' || c.is_whitespace()) {
            if !part.is_empty() && !scopes.iter().any(|x| x == part) {
                scopes.push(part.to_owned());
            }
        }
    };
    match value {
        Some(Value::String(s)) => add(s),
        Some(Value::Array(items)) => {
            for item in items {
                add(item.as_str().ok_or(invalid)?);
            }
        }
        _ => return Err(invalid),
    }
    if scopes.is_empty() {
        return Err(invalid);
    }
    Ok(scopes)
}

/// A JWT NumericDate: integer or fractional seconds since the epoch.
fn numeric_date(value: Option<&Value>) -> Option<i64> {
    let value = value?;
    if let Some(i) = value.as_i64() {
        return Some(i);
    }
    // `as` saturates for out-of-range floats, which is the intent here.
    value
        .as_f64()
        .filter(|f| f.is_finite())
        .map(|f| f.floor() as i64)
}

/// The algorithms NetSuite accepts for client assertions; RS256, HS256 and `none` are not among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JwsAlg {
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    Es512,
}

impl JwsAlg {
    fn parse(alg: &str) -> Option<Self> {
        Some(match alg {
            "PS256" => Self::Ps256,
            "PS384" => Self::Ps384,
            "PS512" => Self::Ps512,
            "ES256" => Self::Es256,
            "ES384" => Self::Es384,
            "ES512" => Self::Es512,
            _ => return None,
        })
    }

    fn fits(self, kind: KeyKind) -> bool {
        matches!(
            (self, kind),
            (Self::Ps256 | Self::Ps384 | Self::Ps512, KeyKind::Rsa)
                | (Self::Es256, KeyKind::P256)
                | (Self::Es384, KeyKind::P384)
                | (Self::Es512, KeyKind::P521)
        )
    }

    /// ES signatures are JOSE's fixed-size R||S, never DER (netsuite-api.md §1.2).
    fn verifier(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Self::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
            Self::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
            Self::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
            Self::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
            Self::Es384 => &signature::ECDSA_P384_SHA384_FIXED,
            Self::Es512 => &signature::ECDSA_P521_SHA512_FIXED,
        }
    }
}

fn verify_signature(key: &MappedKey, alg: JwsAlg, signing_input: &[u8], sig: &[u8]) -> bool {
    UnparsedPublicKey::new(alg.verifier(), &key.public_key)
        .verify(signing_input, sig)
        .is_ok()
}

/// A JWS in compact serialization, decoded but not yet verified.
struct CompactJws<'a> {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

impl<'a> CompactJws<'a> {
    /// Three base64url (unpadded) parts; header and payload JSON objects.
    fn parse(token: &'a str) -> Option<Self> {
        let (signing_input, sig_b64) = token.rsplit_once('.')?;
        let (header_b64, claims_b64) = signing_input.split_once('.')?;
        if claims_b64.contains('.') {
            return None;
        }
        let object = |part: &str| -> Option<Map<String, Value>> {
            let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
            match serde_json::from_slice(&bytes).ok()? {
                Value::Object(map) => Some(map),
                _ => None,
            }
        };
        // An empty signature is well-formed (`alg: none` tokens look like that); verification refuses it.
        let signature = URL_SAFE_NO_PAD.decode(sig_b64).ok()?;
        Some(Self {
            header: object(header_b64)?,
            claims: object(claims_b64)?,
            signing_input,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_accept_string_list_and_array() {
        let s = |v: Value| parse_scopes(Some(&v));
        assert_eq!(
            s(json!("restlets, rest_webservices")).ok(),
            Some(vec!["restlets".to_owned(), "rest_webservices".to_owned()])
        );
        assert_eq!(
            s(json!("restlets rest_webservices restlets")).ok(),
            Some(vec!["restlets".to_owned(), "rest_webservices".to_owned()])
        );
        assert_eq!(
            s(json!(["rest_webservices"])).ok(),
            Some(vec!["rest_webservices".to_owned()])
        );
        assert!(s(json!("")).is_err());
        assert!(s(json!(" , ")).is_err());
        assert!(s(json!([])).is_err());
        assert!(s(json!([1])).is_err());
        assert!(s(json!(3)).is_err());
        assert!(parse_scopes(None).is_err());
    }

    #[test]
    fn compact_jws_rejects_malformed_input() {
        assert!(CompactJws::parse("").is_none());
        assert!(CompactJws::parse("a.b").is_none());
        assert!(CompactJws::parse("a.b.c.d").is_none());
        assert!(CompactJws::parse("!!!.@@@.###").is_none());
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"PS256"}"#);
        let p = URL_SAFE_NO_PAD.encode(br#"{"iss":"x"}"#);
        assert!(CompactJws::parse(&format!("{h}.{p}.")).is_some());
        assert!(CompactJws::parse(&format!(".{p}.AAAA")).is_none());
        assert!(CompactJws::parse(&format!("{h}.{p}.AAAA")).is_some());
        assert!(CompactJws::parse(&format!("{h}=.{p}.AAAA")).is_none());
        let not_object = URL_SAFE_NO_PAD.encode(b"[1]");
        assert!(CompactJws::parse(&format!("{h}.{not_object}.AAAA")).is_none());
    }

    #[test]
    fn numeric_dates() {
        assert_eq!(numeric_date(Some(&json!(10))), Some(10));
        assert_eq!(numeric_date(Some(&json!(10.7))), Some(10));
        assert_eq!(numeric_date(Some(&json!("10"))), None);
        assert_eq!(numeric_date(None), None);
    }
}
