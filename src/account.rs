//! NetSuite account ids and every URL derived from them — the one place that knows NetSuite's host names.

use std::fmt;
use std::net::IpAddr;

use url::Url;

/// Path of the OAuth 2.0 token endpoint on the REST host.
pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";
/// Path of the OAuth 2.0 revoke endpoint on the REST host (netsuite-api.md §2.3).
pub const REVOKE_PATH: &str = "/services/rest/auth/oauth2/v1/revoke";
/// Path of the authorize page on the UI host (netsuite-api.md §2.1).
pub const AUTHORIZE_PATH: &str = "/app/login/oauth2/authorize.nl";

/// A NetSuite account id such as `1234567`, `1234567_SB1` or `TSTDRV1234567`.
///
/// Kept in NetSuite's canonical upper-case form (the realm); [`AccountId::host_id`] gives the form used in
/// host names (`1234567-sb1`).
#[derive(Clone, PartialEq, Eq)]
pub struct AccountId(String);

/// Why an account id or URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "account id {0:?} is not valid: use the id from Setup > Company > Company Information, e.g. 1234567 or 1234567_SB1"
    )]
    InvalidAccountId(String),
    #[error("{name} {value:?} is not a valid URL: {reason}")]
    InvalidUrl {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error(
        "{name} {value:?} uses plain http:// to a non-loopback host: a bearer token must never cross a network \
         unencrypted; use https:// (http:// is accepted only for 127.0.0.1, ::1 and localhost)"
    )]
    InsecureUrl { name: &'static str, value: String },
}

impl AccountId {
    /// Parses an account id. Letters, digits and `_` only; case-insensitive (`1234567_sb1` is `1234567_SB1`).
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let trimmed = raw.trim();
        let valid = !trimmed.is_empty()
            && trimmed.len() <= 64
            && trimmed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && trimmed.starts_with(|c: char| c.is_ascii_alphanumeric());
        if !valid {
            return Err(AccountError::InvalidAccountId(raw.to_owned()));
        }
        // People copy the host form (`1234567-sb1`) as often as the realm form; both mean the same account.
        Ok(Self(trimmed.to_ascii_uppercase().replace('-', "_")))
    }

    /// The realm form, e.g. `1234567_SB1`.
    pub fn realm(&self) -> &str {
        &self.0
    }

    /// The host form: lower case, `_` replaced by `-` (`1234567_SB1` → `1234567-sb1`).
    pub fn host_id(&self) -> String {
        self.0.to_ascii_lowercase().replace('_', "-")
    }

    /// `https://<host-id>.suitetalk.api.netsuite.com`
    pub fn default_rest_base(&self) -> Url {
        // The host id contains only [a-z0-9-], so this URL always parses.
        Url::parse(&format!(
            "https://{}.suitetalk.api.netsuite.com",
            self.host_id()
        ))
        .unwrap_or_else(|_| unreachable!("host id is validated"))
    }

    /// `https://<host-id>.app.netsuite.com`, the UI host of the authorize page.
    pub fn default_app_base(&self) -> Url {
        Url::parse(&format!("https://{}.app.netsuite.com", self.host_id()))
            .unwrap_or_else(|_| unreachable!("host id is validated"))
    }

    /// The authorize page: on `app_base_url` (`NETSUITE_APP_BASE_URL`) when given, else on the account's UI host.
    pub fn authorize_url(&self, app_base_url: Option<&str>) -> Result<Url, AccountError> {
        let base = match app_base_url {
            Some(raw) => parse_base("NETSUITE_APP_BASE_URL", raw)?,
            None => self.default_app_base(),
        };
        Url::parse(&format!("{}{AUTHORIZE_PATH}", base_str(&base))).map_err(|e| {
            AccountError::InvalidUrl {
                name: "NETSUITE_APP_BASE_URL",
                value: base.to_string(),
                reason: e.to_string(),
            }
        })
    }

    /// `https://<host-id>.restlets.api.netsuite.com`
    pub fn default_restlet_base(&self) -> Url {
        Url::parse(&format!(
            "https://{}.restlets.api.netsuite.com",
            self.host_id()
        ))
        .unwrap_or_else(|_| unreachable!("host id is validated"))
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The base URLs this process talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    rest_base: Url,
    restlet_base: Url,
}

impl Endpoints {
    /// Derives the hosts from the account id, or takes the overrides (`NETSUITE_BASE_URL`,
    /// `NETSUITE_RESTLET_BASE_URL`). Plain `http://` is refused unless the host is loopback.
    pub fn new(
        account: &AccountId,
        base_url: Option<&str>,
        restlet_base_url: Option<&str>,
    ) -> Result<Self, AccountError> {
        let rest_base = match base_url {
            Some(raw) => parse_base("NETSUITE_BASE_URL", raw)?,
            None => account.default_rest_base(),
        };
        let restlet_base = match restlet_base_url {
            Some(raw) => parse_base("NETSUITE_RESTLET_BASE_URL", raw)?,
            // With a REST override (a proxy or the sandbox) RESTlets go through the same place unless told otherwise.
            None if base_url.is_some() => rest_base.clone(),
            None => account.default_restlet_base(),
        };
        Ok(Self {
            rest_base,
            restlet_base,
        })
    }

    /// Base of the REST web services host, without a trailing slash.
    pub fn rest_base(&self) -> &Url {
        &self.rest_base
    }

    /// Base of the RESTlet host, without a trailing slash.
    pub fn restlet_base(&self) -> &Url {
        &self.restlet_base
    }

    /// The exact token URL in use; also the JWT `aud`.
    pub fn token_url(&self) -> String {
        format!("{}{}", base_str(&self.rest_base), TOKEN_PATH)
    }

    /// The revoke endpoint, beside the token endpoint.
    pub fn revoke_url(&self) -> String {
        format!("{}{}", base_str(&self.rest_base), REVOKE_PATH)
    }

    /// A URL on the REST host: `fixed_path` is a constant of ours (e.g. `/services/rest/record/v1`), `segments`
    /// are percent-encoded one by one, so nothing in them can change which endpoint is called.
    pub fn rest_url(&self, fixed_path: &str, segments: &[&str]) -> String {
        build_url(&self.rest_base, fixed_path, segments)
    }

    /// A URL on the RESTlet host (see [`Endpoints::rest_url`]).
    pub fn restlet_url(&self, fixed_path: &str, segments: &[&str]) -> String {
        build_url(&self.restlet_base, fixed_path, segments)
    }
}

/// Characters left as they are in a path segment: RFC 3986 unreserved, plus `:` so that NetSuite's `eid:` ids
/// stay readable. Everything else — `/`, `?`, `#`, `%`, spaces, unicode — is percent-encoded.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b':');

/// Percent-encodes one path segment. URL parsers treat `%2E` like `.`, so the dot-only segments `.` and `..`
/// are encoded twice (`%252E`): they then name a (non-existent) resource instead of moving up the path.
pub fn encode_segment(segment: &str) -> String {
    if segment == "." || segment == ".." {
        return segment.replace('.', "%252E");
    }
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

fn build_url(base: &Url, fixed_path: &str, segments: &[&str]) -> String {
    let mut out = String::from(base_str(base));
    out.push_str(fixed_path);
    for segment in segments {
        out.push('/');
        out.push_str(&encode_segment(segment));
    }
    out
}

fn base_str(url: &Url) -> &str {
    url.as_str().trim_end_matches('/')
}

fn parse_base(name: &'static str, raw: &str) -> Result<Url, AccountError> {
    let invalid = |reason: &str| AccountError::InvalidUrl {
        name,
        value: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials do not belong in the URL"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(AccountError::InsecureUrl {
                name,
                value: raw.to_owned(),
            });
        }
        other => return Err(invalid(&format!("scheme {other} is not http(s)"))),
    }
    if url.host().is_none() {
        return Err(invalid("it has no host"));
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_account_ids_become_lowercase_dashed_host_ids() {
        for (raw, realm, host) in [
            ("1234567", "1234567", "1234567"),
            ("1234567_SB1", "1234567_SB1", "1234567-sb1"),
            ("1234567_sb2", "1234567_SB2", "1234567-sb2"),
            ("1234567_RP", "1234567_RP", "1234567-rp"),
            ("tstdrv1234567", "TSTDRV1234567", "tstdrv1234567"),
            ("1234567-sb1", "1234567_SB1", "1234567-sb1"),
        ] {
            let id = AccountId::parse(raw).unwrap();
            assert_eq!(id.realm(), realm, "{raw}");
            assert_eq!(id.host_id(), host, "{raw}");
        }
    }

    #[test]
    fn derived_urls_use_suitetalk_and_restlets_hosts() {
        let id = AccountId::parse("1234567_SB1").unwrap();
        let ep = Endpoints::new(&id, None, None).unwrap();
        assert_eq!(
            ep.token_url(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        );
        assert_eq!(
            ep.restlet_url("/app/site/hosting/restlet.nl", &[]),
            "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl"
        );
    }

    #[test]
    fn account_ids_with_other_characters_are_refused() {
        for bad in [
            "",
            " ",
            "123/456",
            "123.sb1",
            "1234567?x",
            "acct@host",
            "ü123",
            "_123",
        ] {
            assert!(AccountId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn base_url_override_replaces_both_hosts_and_drops_trailing_slash() {
        let id = AccountId::parse("1").unwrap();
        let ep = Endpoints::new(&id, Some("http://127.0.0.1:9000/"), None).unwrap();
        assert_eq!(
            ep.token_url(),
            "http://127.0.0.1:9000/services/rest/auth/oauth2/v1/token"
        );
        assert_eq!(
            ep.restlet_url("/x", &[]),
            "http://127.0.0.1:9000/x",
            "RESTlets follow the REST override"
        );
    }

    #[test]
    fn plain_http_is_refused_unless_loopback() {
        let id = AccountId::parse("1").unwrap();
        for ok in [
            "http://localhost:1",
            "http://127.0.0.5",
            "http://[::1]:8",
            "https://proxy.example.com",
        ] {
            assert!(Endpoints::new(&id, Some(ok), None).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1",
            "http://proxy.example.com",
            "ftp://x",
            "https://u:p@x",
            "https://x?q=1",
        ] {
            assert!(Endpoints::new(&id, Some(bad), None).is_err(), "{bad}");
        }
        let err = Endpoints::new(&id, None, Some("http://example.com")).unwrap_err();
        assert!(
            err.to_string().contains("NETSUITE_RESTLET_BASE_URL"),
            "{err}"
        );
    }

    #[test]
    fn segments_cannot_escape_their_path() {
        let id = AccountId::parse("1").unwrap();
        let ep = Endpoints::new(&id, None, None).unwrap();
        let base = "https://1.suitetalk.api.netsuite.com/services/rest/record/v1/";
        for (seg, want) in [
            ("../../auth", "..%2F..%2Fauth"),
            ("..", "%252E%252E"),
            (".", "%252E"),
            ("%2e%2e", "%252e%252e"),
            ("a?b=c", "a%3Fb%3Dc"),
            ("a#b", "a%23b"),
            ("a b", "a%20b"),
            ("é", "%C3%A9"),
            ("eid:X-1", "eid:X-1"),
        ] {
            let built = ep.rest_url("/services/rest/record/v1", &[seg]);
            assert_eq!(built, format!("{base}{want}"));
            // What an HTTP client actually requests, after URL parsing and dot-segment removal.
            let parsed = url::Url::parse(&built).unwrap();
            assert!(
                parsed.path().starts_with("/services/rest/record/v1/"),
                "{seg:?} escaped: {parsed}"
            );
            assert_eq!(
                parsed.path().matches('/').count(),
                5,
                "{seg:?} added a segment: {parsed}"
            );
        }
    }
}
