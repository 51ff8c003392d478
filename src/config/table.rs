//! THE settings table (design.md §1.2): every setting once, with its env var, CLI flag (where one exists),
//! default (as documented), whether it is secret, a one-line doc and the check its value must pass.
//!
//! The TOML key is the field name, which is the env var in lower case without `NETSUITE_` / `NETSUITE_MCP_`
//! (a unit test holds every entry to that). The value type picks the parser ([`EnvValue`] for the environment,
//! serde for the file). Adding a setting is one entry here, plus the code that uses its typed value.
//!
//! Checks here are those that need nothing but the value; they run when a layer config asks for the value
//! (not at load time), so a command only fails on the settings it uses. Checks that need other settings or
//! files (the key, the bearer token) live with the layer config that reads them.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use super::values::{EnvValue, ListSetting, at_least};
use super::{ConfigError, MAX_POLL_INTERVAL, MIN_MAX_RESULT_CHARS, MIN_POLL_INTERVAL, SettingInfo};

settings! {
    /// Account id, e.g. `1234567` or `1234567_SB1`.
    AccountId => account_id: String { env: "NETSUITE_ACCOUNT_ID", default: "required", }
    /// The integration record's client ID (JWT `iss`).
    ClientId => client_id: String { env: "NETSUITE_CLIENT_ID", default: "required", }
    /// Sign-in as a person: a confidential integration's client secret (HTTP Basic); unset for a public client.
    ClientSecret => client_secret: SecretString {
        env: "NETSUITE_CLIENT_SECRET", default: "unset: a public client", secret: true,
    }
    /// Sign-in as a person: file holding the client secret, e.g. a mounted secret.
    ClientSecretFile => client_secret_file: PathBuf { env: "NETSUITE_CLIENT_SECRET_FILE", default: "unset", }
    /// Sign-in as a person: the redirect URI, equal to one on the integration record.
    RedirectUri => redirect_uri: String {
        env: "NETSUITE_REDIRECT_URI", default: "https://127.0.0.1:8765/callback",
    }
    /// Replaces `https://<host-id>.app.netsuite.com`, the host of the authorize page (proxies, tests).
    AppBaseUrl => app_base_url: String { env: "NETSUITE_APP_BASE_URL", default: "derived from the account", }
    /// Where `login` keeps a person's tokens: `keyring` or `file`.
    TokenStore => token_store: String {
        env: "NETSUITE_MCP_TOKEN_STORE", default: "keyring where the OS has one, else file",
        check: |v: &String| v
            .parse::<crate::auth::store_choice::StoreKind>()
            .map(|_| ())
            .map_err(|e| e.to_string()),
    }
    /// Directory of the file token store (one file per profile, mode 0600) and of the refresh lock files.
    TokenDir => token_dir: PathBuf {
        env: "NETSUITE_MCP_TOKEN_DIR", default: "the user's config dir + netsuite-mcp/tokens",
    }
    /// Certificate ID from the M2M setup (JWT `kid`).
    CertificateId => certificate_id: String { env: "NETSUITE_CERTIFICATE_ID", default: "required", }
    /// PEM private key file (PKCS#8; PKCS#1 RSA and SEC1 EC accepted too).
    PrivateKeyPath => private_key_path: PathBuf {
        env: "NETSUITE_PRIVATE_KEY_PATH", default: "this or NETSUITE_PRIVATE_KEY",
    }
    /// The PEM private key itself (literal `\n` accepted for line breaks).
    PrivateKey => private_key: SecretString {
        env: "NETSUITE_PRIVATE_KEY", default: "this or NETSUITE_PRIVATE_KEY_PATH", secret: true,
    }
    /// How to authenticate toward NetSuite: `m2m`, `login` or `tba`.
    Auth => auth: String {
        env: "NETSUITE_AUTH",
        default: "tba if NETSUITE_TOKEN_ID is set, m2m if NETSUITE_CERTIFICATE_ID is set, else login",
    }
    /// TBA: the integration record's consumer key.
    ConsumerKey => consumer_key: String { env: "NETSUITE_CONSUMER_KEY", default: "required for tba", }
    /// TBA: the integration record's consumer secret.
    ConsumerSecret => consumer_secret: SecretString {
        env: "NETSUITE_CONSUMER_SECRET", default: "this or NETSUITE_CONSUMER_SECRET_FILE for tba", secret: true,
    }
    /// TBA: file holding the consumer secret, e.g. a mounted secret.
    ConsumerSecretFile => consumer_secret_file: PathBuf {
        env: "NETSUITE_CONSUMER_SECRET_FILE", default: "unset",
    }
    /// TBA: the access token's id.
    TokenId => token_id: String { env: "NETSUITE_TOKEN_ID", default: "required for tba", }
    /// TBA: the access token's secret.
    TokenSecret => token_secret: SecretString {
        env: "NETSUITE_TOKEN_SECRET", default: "this or NETSUITE_TOKEN_SECRET_FILE for tba", secret: true,
    }
    /// TBA: file holding the token secret, e.g. a mounted secret.
    TokenSecretFile => token_secret_file: PathBuf { env: "NETSUITE_TOKEN_SECRET_FILE", default: "unset", }
    /// Signing algorithm: PS256, PS384, PS512, ES256, ES384 or ES512.
    Algorithm => algorithm: String { env: "NETSUITE_ALGORITHM", default: "from the key", }
    /// Comma list of OAuth scopes: rest_webservices, restlets, suite_analytics.
    Scopes => scopes: ListSetting { env: "NETSUITE_SCOPES", default: "rest_webservices,restlets", }
    /// Replaces `https://<host-id>.suitetalk.api.netsuite.com` (proxies, tests; `http://` only for loopback).
    BaseUrl => base_url: String { env: "NETSUITE_BASE_URL", default: "derived from the account", }
    /// Replaces `https://<host-id>.restlets.api.netsuite.com`.
    RestletBaseUrl => restlet_base_url: String {
        env: "NETSUITE_RESTLET_BASE_URL", default: "derived from the account",
    }
    /// Our saved-search RESTlet as `<script>,<deploy>` (suitescript/, docs/analytics.md), used where the account has
    /// no REST saved-search endpoint.
    SearchRestlet => search_restlet: String {
        env: "NETSUITE_MCP_SEARCH_RESTLET", default: "unset: REST saved searches only",
        check: |v: &String| {
            let id = |p: &str| !p.is_empty() && p.len() <= 64
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            match v.split_once(',') {
                Some((s, d)) if id(s.trim()) && id(d.trim()) => Ok(()),
                _ => Err(format!(
                    "{v:?} is not <script>,<deploy>, e.g. customscript_netsuite_mcp_search,customdeploy_netsuite_mcp_search"
                )),
            }
        },
    }
    /// `Content-Language` sent on writes (non-English accounts).
    ContentLanguage => content_language: String { env: "NETSUITE_CONTENT_LANGUAGE", default: "unset", }
    /// In-flight NetSuite requests allowed: this process's, or with `NETSUITE_MCP_REDIS_URL` the whole account's,
    /// shared by every instance.
    MaxConcurrency => max_concurrency: usize {
        env: "NETSUITE_MAX_CONCURRENCY", default: "5",
        check: at_least(1, "must be at least 1 (NetSuite accounts allow 5 or more concurrent requests)"),
    }
    /// Milliseconds one NetSuite request may take before it is abandoned.
    RequestTimeoutMs => request_timeout_ms: u64 {
        env: "NETSUITE_REQUEST_TIMEOUT_MS", default: "120000",
        check: at_least(1, "must be at least 1 millisecond"),
    }
    /// Sends of one NetSuite request at most, the first included.
    RetryMaxAttempts => retry_max_attempts: u32 {
        env: "NETSUITE_RETRY_MAX_ATTEMPTS", default: "the client's retry policy",
        check: at_least(1, "must be at least 1 (the first send counts)"),
    }
    /// Milliseconds before the first retry, doubled after each.
    RetryBaseDelayMs => retry_base_delay_ms: u64 {
        env: "NETSUITE_RETRY_BASE_DELAY_MS", default: "the client's retry policy",
    }
    /// Cap in milliseconds on one retry delay, `Retry-After` included.
    RetryMaxDelayMs => retry_max_delay_ms: u64 {
        env: "NETSUITE_RETRY_MAX_DELAY_MS", default: "the client's retry policy",
    }
    /// `true` hides and refuses every tool that writes; wins over everything.
    ReadOnly => read_only: bool { env: "NETSUITE_MCP_READ_ONLY", flag: "--read-only", default: "false", }
    /// Comma list of toolsets to enable, or `all`.
    Toolsets => toolsets: ListSetting {
        env: "NETSUITE_MCP_TOOLSETS", flag: "--toolsets", default: "the default toolsets",
    }
    /// Comma list of tools to enable on top of the toolsets; alone, exactly these tools.
    Tools => tools: ListSetting { env: "NETSUITE_MCP_TOOLS", flag: "--tools", default: "unset", }
    /// Comma list of tools to hide; beats the toolsets and the tools list.
    ExcludeTools => exclude_tools: ListSetting {
        env: "NETSUITE_MCP_EXCLUDE_TOOLS", flag: "--exclude-tools", default: "unset",
    }
    /// Which writes the user confirms before they are sent (clients that can ask): `destructive`, `all` or `off`.
    ConfirmWrites => confirm_writes: String {
        env: "NETSUITE_MCP_CONFIRM_WRITES", default: "destructive",
        check: |v: &String| v.parse::<super::ConfirmMode>().map(|_| ()),
    }
    /// Allow-list of record types the record tools may touch.
    RecordTypes => record_types: ListSetting { env: "NETSUITE_MCP_RECORD_TYPES", default: "all", }
    /// Directory of custom tool files.
    ToolsDir => tools_dir: PathBuf {
        env: "NETSUITE_MCP_TOOLS_DIR", flag: "--tools-dir", default: "./tools when it exists",
    }
    /// Milliseconds between checks of the tools directory for changes; 0 turns hot reload off.
    ToolsPollMs => tools_poll_ms: u64 {
        env: "NETSUITE_MCP_TOOLS_POLL_MS", flag: "--tools-poll-ms", default: "1000",
        check: |ms: &u64| {
            let d = Duration::from_millis(*ms);
            if d.is_zero() || (MIN_POLL_INTERVAL..=MAX_POLL_INTERVAL).contains(&d) {
                Ok(())
            } else {
                Err(format!(
                    "must be 0 (no hot reload) or from {} to {} ms",
                    MIN_POLL_INTERVAL.as_millis(),
                    MAX_POLL_INTERVAL.as_millis()
                ))
            }
        },
    }
    /// Seconds an `export_suiteql` file stays readable.
    ExportTtl => export_ttl: u64 {
        env: "NETSUITE_MCP_EXPORT_TTL", default: "3600",
        check: |n: &u64| if (1..=604_800).contains(n) {
            Ok(())
        } else {
            Err(format!("must be from 1 to 604800 seconds (a week) (got {n})"))
        },
    }
    /// Most `export_suiteql` files kept at once (in memory); the oldest is dropped first.
    ExportMaxCount => export_max_count: usize {
        env: "NETSUITE_MCP_EXPORT_MAX_COUNT", default: "100",
        check: at_least(1, "must be at least 1"),
    }
    /// Most `export_suiteql` files one owner (MCP session, else signed-in person) keeps at once; the owner's
    /// oldest is dropped first.
    ExportMaxPerOwner => export_max_per_owner: usize {
        env: "NETSUITE_MCP_EXPORT_MAX_PER_OWNER", default: "10",
        check: at_least(1, "must be at least 1"),
    }
    /// Most MiB of `export_suiteql` files kept at once (in memory), also the largest one file.
    ExportMaxMb => export_max_mb: u64 {
        env: "NETSUITE_MCP_EXPORT_MAX_MB", default: "256",
        check: at_least(1, "must be at least 1 (MiB)"),
    }
    /// Bearer token MCP clients must send in HTTP mode.
    HttpToken => http_token: SecretString {
        env: "NETSUITE_MCP_HTTP_TOKEN", default: "required unless bound to loopback", secret: true,
    }
    /// Who may call `/mcp` over HTTP: `bearer` (the static token), `oauth` (our authorization server) or `jwt`.
    McpAuth => mcp_auth: String {
        env: "NETSUITE_MCP_AUTH", default: "bearer when a token is set, else none (loopback only)",
        check: |v: &String| match v.trim().to_ascii_lowercase().as_str() {
            "bearer" | "oauth" | "jwt" => Ok(()),
            other => Err(format!("{other:?} is not one of bearer, oauth, jwt")),
        },
    }
    /// The server's public base URL (`https://mcp.example.com`); the protected resource is `<url>/mcp`.
    PublicUrl => public_url: String { env: "NETSUITE_MCP_PUBLIC_URL", default: "required for oauth and jwt", }
    /// Hosts whose redirect URIs MCP clients may register with the authorization server.
    OauthRedirectHosts => oauth_redirect_hosts: ListSetting {
        env: "NETSUITE_MCP_OAUTH_REDIRECT_HOSTS",
        default: "https://claude.ai, https://claude.com, https://chatgpt.com and loopback",
    }
    /// Lifetime in seconds of the access tokens the authorization server issues.
    OauthAccessTtl => oauth_access_ttl: u64 {
        env: "NETSUITE_MCP_OAUTH_ACCESS_TTL", default: "3600",
        check: |n: &u64| if (60..=86_400).contains(n) {
            Ok(())
        } else {
            Err(format!("must be from 60 to 86400 seconds (got {n})"))
        },
    }
    /// `jwt`: the identity provider's issuer (`iss`), e.g. `https://login.example.com/realms/acme`.
    JwtIssuer => jwt_issuer: String { env: "NETSUITE_MCP_JWT_ISSUER", default: "required for jwt", }
    /// `jwt`: the audience tokens must name (`aud`).
    JwtAudience => jwt_audience: String {
        env: "NETSUITE_MCP_JWT_AUDIENCE", default: "the resource URL, <public url>/mcp",
    }
    /// `jwt`: where the identity provider publishes its signing keys.
    JwtJwksUrl => jwt_jwks_url: String {
        env: "NETSUITE_MCP_JWT_JWKS_URL", default: "from the issuer's metadata",
    }
    /// `jwt`: scopes every token must carry (comma- or space-separated).
    JwtScopes => jwt_scopes: ListSetting { env: "NETSUITE_MCP_JWT_SCOPES", default: "none", }
    /// Let JWKS (and client metadata) be fetched over plain http from loopback: development and tests only.
    OauthInsecureLoopback => oauth_insecure_loopback: bool {
        env: "NETSUITE_MCP_OAUTH_INSECURE_LOOPBACK", default: "false",
    }
    /// Directory where the authorization server keeps its state, encrypted (sign-ins survive a restart).
    StateDir => state_dir: PathBuf {
        env: "NETSUITE_MCP_STATE_DIR", default: "the user's config dir + netsuite-mcp/state, when a key is set",
    }
    /// Secret (at least 32 characters) the authorization server's stored state is encrypted with.
    StateKey => state_key: SecretString {
        env: "NETSUITE_MCP_STATE_KEY", default: "unset: sign-ins last until a restart", secret: true,
    }
    /// File holding the state key, e.g. a mounted secret.
    StateKeyFile => state_key_file: PathBuf { env: "NETSUITE_MCP_STATE_KEY_FILE", default: "unset", }
    /// Extra Host names accepted in HTTP mode.
    AllowedHosts => allowed_hosts: ListSetting { env: "NETSUITE_MCP_ALLOWED_HOSTS", default: "loopback only", }
    /// File holding the HTTP bearer token, e.g. a mounted secret.
    HttpTokenFile => http_token_file: PathBuf {
        env: "NETSUITE_MCP_HTTP_TOKEN_FILE", default: "unset",
    }
    /// Extra browser origins accepted in HTTP mode.
    AllowedOrigins => allowed_origins: ListSetting {
        env: "NETSUITE_MCP_ALLOWED_ORIGINS", default: "those of the allowed hosts",
    }
    /// Seconds one HTTP request may take.
    HttpRequestTimeout => http_request_timeout: u64 {
        env: "NETSUITE_MCP_HTTP_REQUEST_TIMEOUT", default: "120",
        check: at_least(1, "must be at least 1 (seconds)"),
    }
    /// Largest HTTP request body accepted, in bytes.
    HttpMaxBodyBytes => http_max_body_bytes: usize {
        env: "NETSUITE_MCP_HTTP_MAX_BODY_BYTES", default: "1048576",
        check: at_least(1, "must be at least 1"),
    }
    /// Redis shared by every instance serving one account (`redis://host:6379/0`, `rediss://` for TLS): the account's concurrency
    /// limit, the NetSuite token cache and tools-list-changed fan-out move there. Unset: all in-process.
    RedisUrl => redis_url: SecretString {
        env: "NETSUITE_MCP_REDIS_URL", default: "unset: one instance, everything in-process", secret: true,
    }
    /// `rediss://` only: PEM file of the certificate authority Redis's certificate is checked against, instead of
    /// the system's roots (a self-hosted Redis with its own CA).
    RedisCaFile => redis_ca_file: PathBuf { env: "NETSUITE_MCP_REDIS_CA_FILE", default: "the system's roots", }
    /// Prefix of every Redis key and channel, separating deployments that share one Redis.
    RedisPrefix => redis_prefix: String { env: "NETSUITE_MCP_REDIS_PREFIX", default: "netsuite-mcp:", }
    /// Milliseconds a shared concurrency slot is held without renewal; a crashed instance's slots return after it.
    RedisLeaseMs => redis_lease_ms: u64 {
        env: "NETSUITE_MCP_REDIS_LEASE_MS", default: "30000",
        check: at_least(100, "must be at least 100 milliseconds"),
    }
    /// Milliseconds one Redis command may take before the request fails with a Redis error.
    RedisTimeoutMs => redis_timeout_ms: u64 {
        env: "NETSUITE_MCP_REDIS_TIMEOUT_MS", default: "2000",
        check: at_least(1, "must be at least 1 millisecond"),
    }
    /// While Redis is unreachable, limit this instance to the account limit divided by this many instances.
    RedisFallbackInstances => redis_fallback_instances: usize {
        env: "NETSUITE_MCP_REDIS_FALLBACK_INSTANCES", default: "unset: calls fail while Redis is unreachable",
        check: at_least(1, "must be at least 1"),
    }
    /// Character budget of one tool result.
    MaxResultChars => max_result_chars: usize {
        env: "NETSUITE_MCP_MAX_RESULT_CHARS", flag: "--max-result-chars", default: "50000",
        check: |n: &usize| if *n < MIN_MAX_RESULT_CHARS {
            Err(format!("must be at least {MIN_MAX_RESULT_CHARS} (got {n})"))
        } else {
            Ok(())
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_toml_key_is_its_env_var_in_lower_case_without_the_prefix() {
        for s in SETTINGS {
            // `auth` is NETSUITE_AUTH's key; the MCP-side mode keeps its prefix.
            if s.env == "NETSUITE_MCP_AUTH" {
                assert_eq!(s.key, "mcp_auth");
                continue;
            }
            let bare = s
                .env
                .strip_prefix("NETSUITE_MCP_")
                .or_else(|| s.env.strip_prefix("NETSUITE_"))
                .unwrap_or(s.env);
            assert_eq!(s.key, bare.to_ascii_lowercase(), "{}", s.env);
            assert!(!s.doc.trim().is_empty(), "{} has no doc", s.env);
        }
    }

    #[test]
    fn names_and_flags_are_unique_and_flags_mirror_netsuite_mcp_variables() {
        let mut seen = std::collections::BTreeSet::new();
        for s in SETTINGS {
            assert!(seen.insert(s.env), "{} twice", s.env);
            assert!(seen.insert(s.key), "{} twice", s.key);
            if let Some(flag) = s.flag {
                assert!(seen.insert(flag), "{flag} twice");
                assert_eq!(flag, format!("--{}", s.key.replace('_', "-")), "{}", s.env);
                assert!(s.env.starts_with("NETSUITE_MCP_"), "{}", s.env);
                assert!(!s.secret, "secrets are never taken from argv: {}", s.env);
            }
        }
        assert_eq!(SETTINGS.len(), Key::ALL.len());
    }

    #[test]
    fn secrets_are_exactly_the_client_secret_the_key_the_tba_secrets_the_bearer_token_the_state_key_and_the_redis_url()
     {
        let secret: Vec<&str> = SETTINGS
            .iter()
            .filter(|s| s.secret)
            .map(|s| s.env)
            .collect();
        assert_eq!(
            secret,
            [
                "NETSUITE_CLIENT_SECRET",
                "NETSUITE_PRIVATE_KEY",
                "NETSUITE_CONSUMER_SECRET",
                "NETSUITE_TOKEN_SECRET",
                "NETSUITE_MCP_HTTP_TOKEN",
                "NETSUITE_MCP_STATE_KEY",
                // It may hold Redis's password.
                "NETSUITE_MCP_REDIS_URL"
            ]
        );
    }
}
