//! Client ID Metadata Documents: a client whose `client_id` is an https URL needs no registration; the
//! authorization server fetches that document and takes its redirect URIs from it (what the MCP authorization
//! spec prefers over dynamic registration).
//!
//! Fetching a URL a stranger chose is a server-side request forgery risk, so: https only (plain http on loopback
//! only with `NETSUITE_MCP_OAUTH_INSECURE_LOOPBACK`), the host's addresses are resolved first and must all be public
//! (never private, loopback, link-local or unique-local unless that flag allows loopback), the connection is
//! pinned to the checked address, no redirects, a 5 s timeout and a 64 KiB limit. Documents are cached for an hour
//! (fewer entries than [`MAX_CACHED`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use super::state::Client;
use crate::config::RedirectOrigin;

/// Largest document read.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// How long a fetched document is trusted.
const CACHE_TTL: Duration = Duration::from_secs(3600);
/// Most documents cached.
const MAX_CACHED: usize = 1_000;
/// Time one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Deserialize)]
struct Document {
    client_id: String,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
}

/// Fetches and caches client metadata documents.
pub struct ClientDocuments {
    insecure_loopback: bool,
    cache: Mutex<HashMap<String, (Client, Instant)>>,
}

/// Whether `client_id` names a metadata document (an http(s) URL) rather than a registered client.
pub fn is_document_id(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

impl ClientDocuments {
    /// Fetches over https only, or also http on loopback with `insecure_loopback`.
    pub fn new(insecure_loopback: bool) -> Self {
        ClientDocuments {
            insecure_loopback,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The client the document at `client_id` describes, its redirect URIs limited to `origins`.
    pub async fn resolve(
        &self,
        client_id: &str,
        origins: &[RedirectOrigin],
    ) -> Result<Client, String> {
        {
            let cache = self.cache.lock().await;
            if let Some((client, at)) = cache.get(client_id)
                && at.elapsed() < CACHE_TTL
            {
                return Ok(client.clone());
            }
        }
        let client = self.fetch(client_id, origins).await?;
        let mut cache = self.cache.lock().await;
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(client_id.to_owned(), (client.clone(), Instant::now()));
        Ok(client)
    }

    async fn fetch(&self, client_id: &str, origins: &[RedirectOrigin]) -> Result<Client, String> {
        let url = Url::parse(client_id).map_err(|e| format!("the client_id is not a URL: {e}"))?;
        let host = url
            .host_str()
            .ok_or("the client_id URL has no host")?
            .to_owned();
        if url.path() == "/"
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(
                "a client metadata URL needs a path, and no fragment or credentials".into(),
            );
        }
        let port = url
            .port_or_known_default()
            .ok_or("the client_id URL has no port")?;
        let addrs: Vec<SocketAddr> = tokio::time::timeout(
            FETCH_TIMEOUT,
            tokio::net::lookup_host((host.trim_matches(['[', ']']), port)),
        )
        .await
        .map_err(|_| {
            format!(
                "resolving {host} took longer than {} s",
                FETCH_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
        let all_loopback = !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback());
        let loopback_ok = self.insecure_loopback && all_loopback;
        match url.scheme() {
            "https" => {}
            "http" if loopback_ok => {}
            _ => return Err("client metadata documents are fetched over https only".into()),
        }
        let Some(addr) = addrs
            .iter()
            .copied()
            .find(|a| loopback_ok || is_public(a.ip()))
        else {
            return Err(format!(
                "{host} resolves to no public address; client metadata is never fetched from private networks"
            ));
        };
        if !loopback_ok && addrs.iter().any(|a| !is_public(a.ip())) {
            return Err(format!(
                "{host} resolves to a private address; client metadata is never fetched from private networks"
            ));
        }
        // Pinned to the checked address: a second DNS answer cannot point the request elsewhere.
        let http = reqwest::Client::builder()
            .no_proxy()
            .resolve(&host, addr)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        let mut response = http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| format!("cannot fetch {url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered HTTP {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_DOCUMENT_BYTES {
                return Err(format!("{url} is larger than {MAX_DOCUMENT_BYTES} bytes"));
            }
        }
        let doc: Document = serde_json::from_slice(&body)
            .map_err(|e| format!("{url} is not client metadata: {e}"))?;
        if doc.client_id != client_id {
            return Err("the document's client_id is not its own URL".into());
        }
        if doc
            .token_endpoint_auth_method
            .as_deref()
            .is_some_and(|m| m != "none")
        {
            return Err(
                "only public clients (token_endpoint_auth_method none) are supported".into(),
            );
        }
        if doc.redirect_uris.is_empty() {
            return Err("the document lists no redirect_uris".into());
        }
        for uri in &doc.redirect_uris {
            let ok = Url::parse(uri)
                .is_ok_and(|u| u.fragment().is_none() && origins.iter().any(|o| o.allows(&u)));
            if !ok {
                return Err(format!(
                    "redirect URI {uri:?} is not on an allowed origin (NETSUITE_MCP_OAUTH_REDIRECT_HOSTS)"
                ));
            }
        }
        tracing::info!(client_id, "fetched a client metadata document");
        Ok(Client {
            redirect_uris: doc.redirect_uris,
            name: doc.client_name.map(|n| n.chars().take(200).collect()),
            created: crate::auth::session::unix_now(),
        })
    }
}

/// A globally routable address: not loopback, private, link-local, unique-local, CGNAT, unspecified, multicast or
/// documentation space.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240
                || o[0] == 0)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            // Only global unicast (2000::/3) can be public; within it, NAT64, 6to4 and documentation
            // prefixes can reach or stand for private IPv4 space.
            (s[0] & 0xe000) == 0x2000
                && !(s[0] == 0x2001 && s[1] == 0x0db8)
                && s[0] != 0x2002
                && !(s[0] == 0x0064 && s[1] == 0xff9b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_globally_routable_addresses_count_as_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn private_and_plain_http_documents_are_refused_before_any_request() {
        let docs = ClientDocuments::new(false);
        let origins = [RedirectOrigin::parse("https://claude.ai").unwrap()];
        for id in [
            "http://127.0.0.1:9/client.json",
            "https://127.0.0.1:9/client.json",
            "https://localhost:9/c",
            "https://example.com/",
        ] {
            assert!(docs.resolve(id, &origins).await.is_err(), "{id}");
        }
    }
}
