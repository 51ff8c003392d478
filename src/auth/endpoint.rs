//! NetSuite's OAuth 2.0 token and revoke endpoints as HTTP: one form POST with the client's authentication,
//! and the answer read into a token or an [`AuthError`] with the fix for the grant that was asked for
//! (netsuite-api.md §1.6, §2.2, §2.3).

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::token::{AuthError, DEFAULT_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME, transport_reason};

/// Which grant a token request was for; picks the hint of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Client credentials with a signed assertion (M2M).
    ClientCredentials,
    /// Exchanging the code of a sign-in.
    AuthorizationCode,
    /// Refreshing a signed-in person's access token.
    RefreshToken,
}

/// How the client authenticates at the token endpoint in the authorization code grant.
#[derive(Clone)]
pub struct ClientAuth {
    /// The integration's client ID.
    pub client_id: String,
    /// `Some`: a confidential client (HTTP Basic). `None`: a public client (`client_id` in the body).
    pub secret: Option<SecretString>,
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field("client_id", &self.client_id)
            .field("confidential", &self.secret.is_some())
            .finish()
    }
}

impl ClientAuth {
    /// The form fields and `Authorization` header this client adds to a request (netsuite-api.md §2.2).
    fn apply(&self, form: &mut Vec<(&'static str, String)>) -> Option<String> {
        match &self.secret {
            None => {
                form.push(("client_id", self.client_id.clone()));
                None
            }
            // NetSuite documents `base64(client_id:client_secret)` as is (netsuite-api.md §2.2); its ids and
            // secrets are hex, so RFC 6749's form-encoding of both parts would change nothing.
            Some(secret) => Some(format!(
                "Basic {}",
                STANDARD.encode(format!("{}:{}", self.client_id, secret.expose_secret()))
            )),
        }
    }
}

/// A successful token response. `Debug` shows no token.
pub struct TokenGrant {
    /// The access token.
    pub access_token: SecretString,
    /// Its lifetime (`expires_in`, or NetSuite's documented hour when absent).
    pub lifetime: Duration,
    /// When the request was sent: the lifetime counts from here.
    pub started: Instant,
    /// A new refresh token, when NetSuite issued one (code exchange; refresh of a public client).
    pub refresh_token: Option<SecretString>,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("lifetime", &self.lifetime)
            .field("refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
}

/// POSTs `form` to `url` (adding the client's authentication when given) and returns the status and body.
pub(crate) async fn post_form(
    http: &reqwest::Client,
    url: &str,
    mut form: Vec<(&'static str, String)>,
    client: Option<&ClientAuth>,
) -> Result<(u16, bytes::Bytes), AuthError> {
    let basic = client.and_then(|c| c.apply(&mut form));
    let mut request = http.post(url).form(&form);
    if let Some(basic) = basic {
        request = request.header(reqwest::header::AUTHORIZATION, basic);
    }
    let transport = |e: reqwest::Error| AuthError::Transport {
        url: url.to_owned(),
        reason: transport_reason(&e),
        // Failing to connect means nothing was sent; anything later may have reached NetSuite.
        maybe_sent: !e.is_connect(),
    };
    let response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(transport)?;
    Ok((status, body))
}

/// Sends a token request of `grant` and reads the answer.
pub(crate) async fn request_token(
    http: &reqwest::Client,
    url: &str,
    grant: Grant,
    form: Vec<(&'static str, String)>,
    client: Option<&ClientAuth>,
) -> Result<TokenGrant, AuthError> {
    let started = Instant::now();
    let (status, body) = post_form(http, url, form, client).await?;
    tracing::debug!(
        status,
        ?grant,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "token request"
    );
    parse_token_response(grant, status, &body, started)
}

/// A token endpoint's answer: a token, or the refusal with the fix for `grant`.
pub(crate) fn parse_token_response(
    grant: Grant,
    status: u16,
    body: &[u8],
    started: Instant,
) -> Result<TokenGrant, AuthError> {
    if !(200..300).contains(&status) {
        return Err(refusal(grant, status, body));
    }
    let parsed: TokenResponse =
        serde_json::from_slice(body).map_err(|_| AuthError::BadResponse {
            status,
            snippet: "(not JSON)".into(),
        })?;
    let bad = |what: &str| AuthError::BadResponse {
        status,
        snippet: what.to_owned(),
    };
    let secret = parsed
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("no access_token"))?;
    if let Some(tt) = &parsed.token_type
        && !tt.eq_ignore_ascii_case("bearer")
    {
        return Err(bad(&format!("token_type {tt:?} is not bearer")));
    }
    let lifetime = match parsed.expires_in {
        None | Some(serde_json::Value::Null) => DEFAULT_TOKEN_LIFETIME,
        Some(v) => {
            parse_expires_in(&v).ok_or_else(|| bad("expires_in is not a number of seconds"))?
        }
    };
    Ok(TokenGrant {
        access_token: SecretString::from(secret),
        lifetime,
        started,
        refresh_token: parsed
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
    })
}

/// A non-2xx answer as an error: NetSuite's `error` code with the fix, or a quote of an unexpected body.
pub(crate) fn refusal(grant: Grant, status: u16, body: &[u8]) -> AuthError {
    match serde_json::from_slice::<ErrorResponse>(body) {
        Ok(e) => AuthError::Refused {
            status,
            hint: hint_for(grant, &e.error, status),
            code: e.error,
            grant,
        },
        Err(_) => AuthError::BadResponse {
            status,
            snippet: snippet(body),
        },
    }
}

/// The fix for each token-endpoint error of each grant (netsuite-api.md §1.6, §2.2, §2.3).
pub fn hint_for(grant: Grant, code: &str, status: u16) -> &'static str {
    match grant {
        Grant::ClientCredentials => m2m_hint(code, status),
        Grant::AuthorizationCode => match code {
            "invalid_grant" => {
                "the sign-in code was refused: it expired (codes last minutes), was already used, or the PKCE \
                 verifier or redirect URI did not match the authorize request; run `netsuite-mcp login` again"
            }
            _ => login_hint(code, status),
        },
        Grant::RefreshToken => match code {
            "invalid_grant" => {
                "the sign-in has expired or was revoked (a public client's refresh token lasts 48 hours by \
                 default, and a whole sign-in at most \"Maximum Time For Token Rotation\"); run `netsuite-mcp login`"
            }
            _ => login_hint(code, status),
        },
    }
}

fn login_hint(code: &str, status: u16) -> &'static str {
    match code {
        "unsupported_grant_type" | "unauthorized_client" => {
            "check the box \"Authorization Code Grant\" on the integration record"
        }
        "invalid_client" => {
            "NETSUITE_CLIENT_ID (and NETSUITE_CLIENT_SECRET for a confidential client) do not match the integration record"
        }
        "invalid_scope" => {
            "enable the requested scopes (NETSUITE_SCOPES) on the integration record, or request fewer"
        }
        "invalid_request" => {
            "a required field of the token request is missing or malformed (if it persists with a correct configuration, please report it as a bug)"
        }
        _ if status == 401 => {
            "NETSUITE_CLIENT_ID (and NETSUITE_CLIENT_SECRET for a confidential client) do not match"
        }
        _ => "unexpected error from the token endpoint",
    }
}

fn m2m_hint(code: &str, status: u16) -> &'static str {
    match code {
        "unsupported_grant_type" | "unauthorized_client" => {
            "check the box \"Client Credentials (Machine to Machine) Grant\" on the integration record"
        }
        "invalid_request" => {
            "a required field of the token request is missing or malformed (if it persists with a correct configuration, please report it as a bug)"
        }
        "invalid_client" => {
            "NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID or the private key do not match the integration record and its certificate mapping"
        }
        "invalid_grant" => {
            "the assertion was refused: check that NETSUITE_CERTIFICATE_ID is the certificate ID of the mapping, that the private key belongs to that certificate, that the certificate is neither revoked nor expired, that this machine's clock is right, and that NETSUITE_ACCOUNT_ID (or NETSUITE_BASE_URL) names the right account"
        }
        "invalid_scope" => {
            "enable the requested scopes (NETSUITE_SCOPES) on the integration record, or request fewer"
        }
        _ if status == 401 => {
            "NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID or the private key do not match"
        }
        _ => "unexpected error from the token endpoint",
    }
}

/// NetSuite documents a number; some clients have seen `"3600"`. Accept both.
pub(crate) fn parse_expires_in(v: &serde_json::Value) -> Option<Duration> {
    let secs = match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }?;
    // NetSuite grants 60 minutes; anything beyond a day is nonsense, and clamping keeps `Instant` maths safe.
    (secs > 0).then(|| Duration::from_secs(secs.min(MAX_TOKEN_LIFETIME.as_secs())))
}

/// A short, single-line excerpt of an unexpected body for an error message.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    // A misbehaving proxy could echo the request form back: never quote anything JWT-shaped (an assertion, a
    // NetSuite refresh token) or anything that follows a token-ish field name.
    let mut redact_next = false;
    let one_line: String = text
        .split_whitespace()
        .map(|word| {
            let secretish = redact_next || word.contains("eyJ") || is_token_field(word);
            redact_next = word.ends_with(':') && is_token_field(word);
            if secretish { "[redacted]" } else { word }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut out: String = one_line.chars().take(200).collect();
    if one_line.chars().count() > 200 {
        out.push('…');
    }
    if out.is_empty() {
        "(empty body)".into()
    } else {
        out
    }
}

fn is_token_field(word: &str) -> bool {
    ["token", "code", "secret", "assertion", "verifier"]
        .iter()
        .any(|k| word.to_ascii_lowercase().contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expires_in_accepts_numbers_and_numeric_strings_only() {
        assert_eq!(
            parse_expires_in(&json!(3600)),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            parse_expires_in(&json!("3600")),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            parse_expires_in(&json!(" 60 ")),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_expires_in(&json!(0)), None);
        assert_eq!(parse_expires_in(&json!(u64::MAX)), Some(MAX_TOKEN_LIFETIME));
        assert_eq!(parse_expires_in(&json!(-5)), None);
        assert_eq!(parse_expires_in(&json!("soon")), None);
        assert_eq!(parse_expires_in(&json!(1.5)), None);
    }

    #[test]
    fn every_documented_error_gets_its_own_hint_per_grant() {
        let codes = [
            "unsupported_grant_type",
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "invalid_scope",
        ];
        let hints: std::collections::HashSet<_> = codes
            .iter()
            .map(|c| hint_for(Grant::ClientCredentials, c, 400))
            .collect();
        assert_eq!(hints.len(), codes.len());
        let err = AuthError::Refused {
            status: 400,
            code: "invalid_grant".into(),
            hint: hint_for(Grant::ClientCredentials, "invalid_grant", 400),
            grant: Grant::ClientCredentials,
        };
        assert!(err.to_string().contains("View Login Audit Trail"), "{err}");
        assert!(hint_for(Grant::ClientCredentials, "invalid_grant", 400).contains("clock"));
        assert!(
            hint_for(Grant::ClientCredentials, "invalid_scope", 400).contains("NETSUITE_SCOPES")
        );
        assert!(
            hint_for(Grant::ClientCredentials, "unsupported_grant_type", 400)
                .contains("Client Credentials")
        );
        assert!(hint_for(Grant::RefreshToken, "invalid_grant", 400).contains("netsuite-mcp login"));
        assert!(hint_for(Grant::AuthorizationCode, "invalid_grant", 400).contains("verifier"));
        assert!(
            hint_for(Grant::RefreshToken, "unauthorized_client", 400)
                .contains("Authorization Code Grant")
        );
    }

    #[test]
    fn unexpected_bodies_are_quoted_without_anything_token_shaped() {
        let body = b"<html>bad gateway grant_type=client_credentials&client_assertion=eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.sig</html>";
        let s = snippet(body);
        assert!(!s.contains("eyJ"), "{s}");
        assert!(s.starts_with("<html>bad gateway [redacted]"), "{s}");
        let echoed = snippet(b"echo refresh_token=abc123 then refresh_token: xyz789 done");
        assert!(
            !echoed.contains("abc123") && !echoed.contains("xyz789"),
            "{echoed}"
        );
        assert!(echoed.ends_with("done"), "{echoed}");
    }

    #[test]
    fn public_clients_send_their_id_in_the_body_and_confidential_ones_use_basic() {
        let mut form = Vec::new();
        let public = ClientAuth {
            client_id: "cid".into(),
            secret: None,
        };
        assert!(public.apply(&mut form).is_none());
        assert_eq!(form, [("client_id", "cid".to_owned())]);

        let mut form = Vec::new();
        let confidential = ClientAuth {
            client_id: "cid".into(),
            secret: Some(SecretString::from("s3cret".to_owned())),
        };
        let header = confidential.apply(&mut form).unwrap();
        assert!(form.is_empty());
        let decoded = STANDARD
            .decode(header.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "cid:s3cret");
        assert!(!format!("{confidential:?}").contains("cret"));
    }

    #[test]
    fn a_rotated_refresh_token_is_read_and_an_empty_one_ignored() {
        let body =
            br#"{"access_token":"a","refresh_token":"r2","expires_in":3600,"token_type":"bearer"}"#;
        let g = parse_token_response(Grant::RefreshToken, 200, body, Instant::now()).unwrap();
        assert_eq!(g.refresh_token.unwrap().expose_secret(), "r2");
        let body = br#"{"access_token":"a","refresh_token":"","expires_in":3600}"#;
        let g = parse_token_response(Grant::RefreshToken, 200, body, Instant::now()).unwrap();
        assert!(g.refresh_token.is_none());
        assert!(!format!("{g:?}").contains("\"a\""));
    }
}
