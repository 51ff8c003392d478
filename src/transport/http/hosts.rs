//! Allowed `Host` and `Origin` values: parsing the configured entries and the request headers, and matching
//! one against the other (DNS-rebinding and cross-origin protection).

use std::net::Ipv6Addr;

use axum::http::Uri;

/// Host names always accepted: the loopback ones.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A request's host: lower case, without brackets, with its port if it had one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RequestHost {
    host: String,
    port: Option<u16>,
}

pub(super) fn parse_request_host(value: &str) -> Option<RequestHost> {
    if value.contains('@') {
        return None;
    }
    let authority: axum::http::uri::Authority = value.trim().parse().ok()?;
    Some(RequestHost {
        host: normalize_host(authority.host()),
        port: authority.port_u16(),
    })
}

fn normalize_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// An allowed `Host`: a name, optionally with the one port it is accepted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    pub(super) fn matches(&self, request: &RequestHost) -> bool {
        self.host == request.host && self.port.is_none_or(|p| request.port == Some(p))
    }

    /// The form rmcp's `allowed_hosts` understands.
    pub(super) fn to_rmcp(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", bracket(&self.host)),
            None => self.host.clone(),
        }
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

pub(super) fn parse_allowed_host(entry: &str) -> Result<AllowedHost, String> {
    let entry = entry.trim();
    let bad = || {
        format!(
            "{entry:?} is not a host name or host:port (write e.g. mcp.example.com or mcp.example.com:8443, \
             without scheme or path)"
        )
    };
    if let Ok(ip) = entry.parse::<Ipv6Addr>() {
        return Ok(AllowedHost {
            host: ip.to_string(),
            port: None,
        });
    }
    if entry.is_empty() || entry.contains('@') || entry.contains('/') || entry.contains('*') {
        return Err(bad());
    }
    let request = parse_request_host(entry).ok_or_else(bad)?;
    if request.host.is_empty() {
        return Err(bad());
    }
    Ok(AllowedHost {
        host: request.host,
        port: request.port,
    })
}

/// A request's `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RequestOrigin {
    Null,
    Tuple {
        scheme: String,
        host: String,
        port: u16,
    },
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

pub(super) fn parse_request_origin(value: &str) -> Option<RequestOrigin> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("null") {
        return Some(RequestOrigin::Null);
    }
    let uri: Uri = value.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?;
    if authority.as_str().contains('@') || !matches!(uri.path(), "" | "/") || uri.query().is_some()
    {
        return None;
    }
    let port = authority.port_u16().or_else(|| default_port(&scheme))?;
    Some(RequestOrigin::Tuple {
        scheme,
        host: normalize_host(authority.host()),
        port,
    })
}

/// An allowed origin: `null`, or scheme + host + one port or any port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AllowedOrigin {
    Null,
    Tuple {
        scheme: String,
        host: String,
        port: Option<u16>,
    },
}

impl AllowedOrigin {
    /// The origins of a page served from an allowed host: http and https, on that host's port (any port when the
    /// host entry has none).
    pub(super) fn for_host(host: &AllowedHost) -> Vec<AllowedOrigin> {
        ["http", "https"]
            .into_iter()
            .map(|scheme| AllowedOrigin::Tuple {
                scheme: scheme.to_owned(),
                host: host.host.clone(),
                port: host.port,
            })
            .collect()
    }

    pub(super) fn matches(&self, origin: &RequestOrigin) -> bool {
        match (self, origin) {
            (AllowedOrigin::Null, RequestOrigin::Null) => true,
            (
                AllowedOrigin::Tuple { scheme, host, port },
                RequestOrigin::Tuple {
                    scheme: o_scheme,
                    host: o_host,
                    port: o_port,
                },
            ) => scheme == o_scheme && host == o_host && port.is_none_or(|p| p == *o_port),
            _ => false,
        }
    }

    /// The form rmcp's `allowed_origins` understands (explicit port or `:*`).
    pub(super) fn to_rmcp(&self) -> String {
        match self {
            AllowedOrigin::Null => "null".to_owned(),
            AllowedOrigin::Tuple { scheme, host, port } => match port {
                Some(port) => format!("{scheme}://{}:{port}", bracket(host)),
                None => format!("{scheme}://{}:*", bracket(host)),
            },
        }
    }
}

pub(super) fn parse_allowed_origin(entry: &str) -> Result<AllowedOrigin, String> {
    let entry = entry.trim();
    let bad = || {
        format!(
            "{entry:?} is not an origin (write e.g. https://app.example.com, https://app.example.com:8443 or \
             http://localhost:*)"
        )
    };
    if entry.eq_ignore_ascii_case("null") {
        return Ok(AllowedOrigin::Null);
    }
    let (base, any_port) = match entry.strip_suffix(":*") {
        Some(base) => (base, true),
        None => (entry, false),
    };
    let uri: Uri = base.parse().map_err(|_| bad())?;
    let scheme = uri.scheme_str().ok_or_else(bad)?.to_ascii_lowercase();
    let authority = uri.authority().ok_or_else(bad)?;
    if authority.as_str().contains('@') || !matches!(uri.path(), "" | "/") || uri.query().is_some()
    {
        return Err(bad());
    }
    let port = match (any_port, authority.port_u16()) {
        (true, Some(_)) => return Err(bad()),
        (true, None) => None,
        (false, Some(port)) => Some(port),
        (false, None) => Some(default_port(&scheme).ok_or_else(bad)?),
    };
    Ok(AllowedOrigin::Tuple {
        scheme,
        host: normalize_host(authority.host()),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(entry: &str) -> AllowedHost {
        parse_allowed_host(entry).unwrap()
    }

    fn req_host(value: &str) -> RequestHost {
        parse_request_host(value).unwrap()
    }

    #[test]
    fn host_entries_without_port_accept_any_port_and_with_port_only_that_one() {
        assert!(host("Example.COM").matches(&req_host("example.com:8080")));
        assert!(host("example.com").matches(&req_host("EXAMPLE.com")));
        assert!(host("example.com:8443").matches(&req_host("example.com:8443")));
        assert!(!host("example.com:8443").matches(&req_host("example.com:8080")));
        assert!(!host("example.com:8443").matches(&req_host("example.com")));
        assert!(!host("example.com").matches(&req_host("example.com.evil.net")));
        assert!(host("::1").matches(&req_host("[::1]:9000")));
        assert!(host("[::1]:9000").matches(&req_host("[::1]:9000")));
    }

    #[test]
    fn malformed_host_entries_and_headers_are_refused() {
        for entry in [
            "https://example.com",
            "example.com/mcp",
            "",
            "a b",
            "*",
            "u@example.com",
        ] {
            assert!(parse_allowed_host(entry).is_err(), "{entry:?}");
        }
        assert!(parse_request_host("user@localhost").is_none());
        assert!(parse_request_host("local host").is_none());
    }

    #[test]
    fn origins_match_scheme_host_and_port() {
        let any = parse_allowed_origin("http://localhost:*").unwrap();
        let exact = parse_allowed_origin("https://app.example.com").unwrap();
        let origin = |v: &str| parse_request_origin(v).unwrap();
        assert!(any.matches(&origin("http://localhost:6274")));
        assert!(any.matches(&origin("http://LOCALHOST")));
        assert!(!any.matches(&origin("https://localhost:6274")));
        assert!(exact.matches(&origin("https://app.example.com")));
        assert!(exact.matches(&origin("https://app.example.com:443")));
        assert!(!exact.matches(&origin("https://app.example.com:8443")));
        assert!(!exact.matches(&origin("http://app.example.com")));
        assert!(!exact.matches(&origin("null")));
        assert!(
            parse_allowed_origin("null")
                .unwrap()
                .matches(&origin("null"))
        );
        for bad in [
            "app.example.com",
            "https://app.example.com/x",
            "ftp://x",
            "https://a:1:*",
        ] {
            assert!(parse_allowed_origin(bad).is_err(), "{bad:?}");
        }
        assert!(parse_request_origin("http://evil.example/path").is_none());
    }

    #[test]
    fn allowed_hosts_imply_their_origins() {
        let origins = AllowedOrigin::for_host(&host("mcp.example.com"));
        let rmcp: Vec<String> = origins.iter().map(AllowedOrigin::to_rmcp).collect();
        assert_eq!(
            rmcp,
            ["http://mcp.example.com:*", "https://mcp.example.com:*"]
        );
        let v6: Vec<String> = AllowedOrigin::for_host(&host("::1"))
            .iter()
            .map(AllowedOrigin::to_rmcp)
            .collect();
        assert_eq!(v6[0], "http://[::1]:*");
        assert_eq!(host("[::1]:9000").to_rmcp(), "[::1]:9000");
    }
}
