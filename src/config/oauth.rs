//! Who may call `/mcp` over HTTP (design.md §1.6): `NETSUITE_MCP_AUTH` and, for the built-in authorization
//! server (`oauth`), its public URL, the redirect URIs clients may register, the token lifetime and the
//! NetSuite integration people sign in with.

use std::time::Duration;

use url::Url;

use super::login::LoginSetup;
use super::{ConfigError, Key, Settings};

/// Default redirect origins: Claude (both domains), ChatGPT, and loopback on any port (CLI and desktop clients).
pub const DEFAULT_REDIRECT_HOSTS: &[&str] = &[
    "https://claude.ai",
    "https://claude.com",
    "https://chatgpt.com",
    "http://127.0.0.1:*",
    "http://localhost:*",
    "http://[::1]:*",
];

/// Default lifetime of the access tokens the authorization server issues.
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(3600);

/// `NETSUITE_MCP_AUTH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McpAuthMode {
    /// No authentication: loopback only.
    None,
    /// The static token of `NETSUITE_MCP_HTTP_TOKEN`.
    Bearer,
    /// The built-in authorization server; each person acts with their own NetSuite identity.
    OAuth,
    /// Access tokens of an existing identity provider.
    Jwt,
}

/// An origin whose redirect URIs clients may register: scheme, host, and a port (`None`: any port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectOrigin {
    /// `https` or `http`.
    pub scheme: String,
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// The port; `None` matches any (written `:*`).
    pub port: Option<u16>,
}

impl RedirectOrigin {
    /// Parses `https://claude.ai`, `http://127.0.0.1:*` or `https://app.example.com:8443`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (text, any_port) = match raw.strip_suffix(":*") {
            Some(rest) => (rest, true),
            None => (raw, false),
        };
        let url = Url::parse(text).map_err(|e| format!("{raw:?} is not an origin ({e})"))?;
        let host = host_of(&url).ok_or_else(|| format!("{raw:?} has no host"))?;
        if !matches!(url.scheme(), "https" | "http") || url.path() != "/" || url.query().is_some() {
            return Err(format!(
                "{raw:?} is not an origin: use scheme://host, scheme://host:port or scheme://host:*"
            ));
        }
        let loopback = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1");
        if url.scheme() == "http" && !loopback {
            return Err(format!(
                "{raw:?}: plain http redirects are accepted only on loopback (127.0.0.1, ::1, localhost)"
            ));
        }
        Ok(RedirectOrigin {
            scheme: url.scheme().to_owned(),
            port: if any_port {
                None
            } else {
                url.port_or_known_default()
            },
            host,
        })
    }

    /// Whether `uri` is on this origin.
    pub fn allows(&self, uri: &Url) -> bool {
        let Some(host) = host_of(uri) else {
            return false;
        };
        uri.scheme() == self.scheme
            && host.eq_ignore_ascii_case(&self.host)
            && self
                .port
                .is_none_or(|p| uri.port_or_known_default() == Some(p))
    }
}

/// A URL's host as compared here: a name, or an IP literal (IPv6 without brackets).
fn host_of(url: &Url) -> Option<String> {
    match url.host()? {
        url::Host::Domain(d) => Some(d.to_owned()),
        url::Host::Ipv4(ip) => Some(ip.to_string()),
        url::Host::Ipv6(ip) => Some(ip.to_string()),
    }
}

/// The built-in authorization server's configuration.
#[derive(Debug, Clone)]
pub struct OAuthServerConfig {
    /// The public base URL, without a trailing slash; the issuer.
    pub public_url: Url,
    /// Origins whose redirect URIs clients may register.
    pub redirect_origins: Vec<RedirectOrigin>,
    /// Lifetime of issued access tokens.
    pub access_ttl: Duration,
    /// The NetSuite integration people sign in with (its redirect URI is `<public url>/oauth/netsuite/callback`).
    pub netsuite: LoginSetup,
    /// Where and with which secret the state is kept; `None`: in memory only.
    pub state: Option<StateConfig>,
    /// Fetch client metadata documents over http from loopback too (tests).
    pub insecure_loopback: bool,
}

/// The authorization server's stored state: a directory (`None`: the default one) and the secret its
/// encryption key is derived from.
#[derive(Clone)]
pub struct StateConfig {
    /// `NETSUITE_MCP_STATE_DIR`.
    pub dir: Option<std::path::PathBuf>,
    /// `NETSUITE_MCP_STATE_KEY` (or its file).
    pub key: secrecy::SecretString,
}

impl std::fmt::Debug for StateConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateConfig")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// Fewest characters of a state key.
pub const MIN_STATE_KEY_CHARS: usize = 32;

impl OAuthServerConfig {
    /// The issuer: the public URL in its normalised form, `https://mcp.example.com/`. The trailing slash is
    /// deliberate: URL libraries (the Python SDK's pydantic among them) render a bare origin that way and
    /// compare the RFC 9207 `iss` parameter with that rendering, so the one string used everywhere (metadata,
    /// protected-resource metadata, `iss`) is the rendered one.
    pub fn issuer(&self) -> String {
        self.public_url.as_str().to_owned()
    }

    /// A URL on this server: `<public url><path>`, `path` starting with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }
}

/// `jwt` mode: tokens of an existing identity provider.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// The exact `iss`.
    pub issuer: String,
    /// The `aud` tokens must name.
    pub audience: String,
    /// The signing keys; `None`: from the issuer's metadata.
    pub jwks_url: Option<Url>,
    /// Scopes every token must carry.
    pub scopes: Vec<String>,
    /// Fetch JWKS and metadata over http from loopback too.
    pub insecure_loopback: bool,
    /// The public base URL (for the protected-resource metadata).
    pub public_url: Url,
}

impl JwtConfig {
    /// The protected resource, `<public url>/mcp`.
    pub fn resource(&self) -> String {
        format!("{}/mcp", self.public_url.as_str().trim_end_matches('/'))
    }
}

impl Settings {
    /// What `jwt` mode needs: the issuer, the audience, the keys' URL, required scopes.
    pub fn jwt_config(&self) -> Result<JwtConfig, ConfigError> {
        let public_url = self.public_base_url()?;
        let issuer = self
            .jwt_issuer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ConfigError::Missing(vec![Key::JwtIssuer.env()]))?
            .to_owned();
        Url::parse(&issuer).map_err(|e| ConfigError::Invalid {
            setting: Key::JwtIssuer.env(),
            reason: format!("{issuer:?} is not a URL ({e})"),
        })?;
        let jwks_url = self
            .jwt_jwks_url
            .as_deref()
            .map(|raw| {
                Url::parse(raw.trim()).map_err(|e| ConfigError::Invalid {
                    setting: Key::JwtJwksUrl.env(),
                    reason: format!("{raw:?} is not a URL ({e})"),
                })
            })
            .transpose()?;
        let scopes = self
            .jwt_scopes
            .as_ref()
            .map(|l| {
                l.items()
                    .iter()
                    .flat_map(|i| i.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
                    .collect()
            })
            .unwrap_or_default();
        let resource = format!("{}/mcp", public_url.as_str().trim_end_matches('/'));
        Ok(JwtConfig {
            issuer,
            audience: self
                .jwt_audience
                .clone()
                .filter(|a| !a.trim().is_empty())
                .unwrap_or(resource),
            jwks_url,
            scopes,
            insecure_loopback: self.oauth_insecure_loopback()?.unwrap_or(false),
            public_url,
        })
    }

    /// `NETSUITE_MCP_AUTH`, or inferred: `bearer` when a token is configured, else none.
    pub fn mcp_auth_mode(&self) -> Result<McpAuthMode, ConfigError> {
        Ok(
            match self.mcp_auth()?.map(|v| v.trim().to_ascii_lowercase()) {
                Some(v) if v == "oauth" => McpAuthMode::OAuth,
                Some(v) if v == "jwt" => McpAuthMode::Jwt,
                Some(_) => McpAuthMode::Bearer,
                None if self.http_token.is_some() || self.http_token_file.is_some() => {
                    McpAuthMode::Bearer
                }
                None => McpAuthMode::None,
            },
        )
    }

    /// The public URL, checked: absolute, https (http only on loopback), no path, query or fragment.
    pub fn public_base_url(&self) -> Result<Url, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            setting: Key::PublicUrl.env(),
            reason,
        };
        let raw = self
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ConfigError::Missing(vec![Key::PublicUrl.env()]))?;
        let url = Url::parse(raw).map_err(|e| invalid(format!("{raw:?} is not a URL ({e})")))?;
        let loopback = matches!(
            url.host(),
            Some(url::Host::Ipv4(ip)) if ip.is_loopback()
        ) || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
            || url.host_str() == Some("localhost");
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(invalid(format!(
                    "{raw:?} must be https:// (http:// only for loopback): OAuth clients send tokens to it"
                )));
            }
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(format!(
                "{raw:?} must be a bare origin like https://mcp.example.com (no path)"
            )));
        }
        Ok(url)
    }

    /// What the built-in authorization server needs.
    pub fn oauth_server(&self) -> Result<OAuthServerConfig, ConfigError> {
        let public_url = self.public_base_url()?;
        let redirect_origins = match &self.oauth_redirect_hosts {
            Some(list) => list
                .items()
                .iter()
                .map(|s| RedirectOrigin::parse(s))
                .collect::<Result<Vec<_>, _>>(),
            None => DEFAULT_REDIRECT_HOSTS
                .iter()
                .map(|s| RedirectOrigin::parse(s))
                .collect(),
        }
        .map_err(|reason| ConfigError::Invalid {
            setting: Key::OauthRedirectHosts.env(),
            reason,
        })?;
        let access_ttl = self
            .oauth_access_ttl()?
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_ACCESS_TTL);
        Ok(OAuthServerConfig {
            public_url,
            redirect_origins,
            access_ttl,
            netsuite: self.login_setup(None)?,
            state: self.state_config()?,
            insecure_loopback: self.oauth_insecure_loopback()?.unwrap_or(false),
        })
    }

    /// The state key, checked (long and varied enough); `None` when neither it nor its file is set. Everything
    /// the server seals (the authorization server's state, write confirmations, shared tokens) derives its key
    /// from it.
    pub(crate) fn sealing_key(&self) -> Result<Option<secrecy::SecretString>, ConfigError> {
        if self.state_key.is_none() && self.state_key_file.is_none() {
            return Ok(None);
        }
        let key = super::auth::secret(
            (Key::StateKey, self.state_key.as_ref()),
            (Key::StateKeyFile, self.state_key_file.as_deref()),
        )?;
        use secrecy::ExposeSecret;
        let text = key.expose_secret();
        let distinct: std::collections::HashSet<char> = text.chars().collect();
        if text.chars().count() < MIN_STATE_KEY_CHARS || distinct.len() < 8 {
            return Err(ConfigError::Invalid {
                setting: Key::StateKey.env(),
                reason: format!(
                    "use a random secret of at least {MIN_STATE_KEY_CHARS} characters, e.g. `openssl rand -base64 32`"
                ),
            });
        }
        Ok(Some(key))
    }

    /// The state key and directory; `None` when no key is set (and then no directory may be set either).
    pub(super) fn state_config(&self) -> Result<Option<StateConfig>, ConfigError> {
        if self.state_key.is_none() && self.state_key_file.is_none() {
            if self.state_dir.is_some() {
                return Err(ConfigError::Invalid {
                    setting: Key::StateDir.env(),
                    reason: format!(
                        "the state is kept encrypted: set {} (or {}) too",
                        Key::StateKey.env(),
                        Key::StateKeyFile.env()
                    ),
                });
            }
            return Ok(None);
        }
        let Some(key) = self.sealing_key()? else {
            return Ok(None);
        };
        Ok(Some(StateConfig {
            dir: self.state_dir.clone(),
            key,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::file::tests::env;

    #[test]
    fn redirect_origins_match_scheme_host_and_port() {
        let claude = RedirectOrigin::parse("https://claude.ai").unwrap();
        let ok = |s: &str| Url::parse(s).unwrap();
        assert!(claude.allows(&ok("https://claude.ai/api/mcp/auth_callback")));
        assert!(!claude.allows(&ok("https://claude.ai:8443/cb")));
        assert!(!claude.allows(&ok("http://claude.ai/cb")));
        assert!(!claude.allows(&ok("https://evil.claude.ai.example.com/cb")));
        let loopback = RedirectOrigin::parse("http://127.0.0.1:*").unwrap();
        assert!(loopback.allows(&ok("http://127.0.0.1:33418/callback")));
        assert!(!loopback.allows(&ok("http://127.0.0.2:33418/callback")));
        let v6 = RedirectOrigin::parse("http://[::1]:*").unwrap();
        assert!(v6.allows(&ok("http://[::1]:9/cb")));
        for bad in [
            "http://example.com",
            "https://claude.ai/path",
            "claude.ai",
            "ftp://x",
        ] {
            assert!(RedirectOrigin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_mode_and_the_public_url_are_checked() {
        let s = |pairs: &[(&str, &str)]| Settings::from_env(env(pairs)).unwrap();
        assert_eq!(s(&[]).mcp_auth_mode().unwrap(), McpAuthMode::None);
        assert_eq!(
            s(&[("NETSUITE_MCP_HTTP_TOKEN", "x".repeat(20).as_str())])
                .mcp_auth_mode()
                .unwrap(),
            McpAuthMode::Bearer
        );
        assert_eq!(
            s(&[("NETSUITE_MCP_AUTH", "OAuth")])
                .mcp_auth_mode()
                .unwrap(),
            McpAuthMode::OAuth
        );
        assert!(s(&[("NETSUITE_MCP_AUTH", "saml")]).mcp_auth_mode().is_err());
        let url = |u: &str| s(&[("NETSUITE_MCP_PUBLIC_URL", u)]).public_base_url();
        assert!(url("https://mcp.example.com").is_ok());
        assert!(url("http://127.0.0.1:8080").is_ok());
        for bad in [
            "http://mcp.example.com",
            "https://mcp.example.com/mcp",
            "mcp",
        ] {
            let e = url(bad).unwrap_err().to_string();
            assert!(e.starts_with("NETSUITE_MCP_PUBLIC_URL"), "{e}");
        }
        let e = s(&[]).public_base_url().unwrap_err().to_string();
        assert!(e.contains("NETSUITE_MCP_PUBLIC_URL"), "{e}");
    }
}
