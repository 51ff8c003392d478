//! The loopback listener `login` waits on for NetSuite's redirect (RFC 8252 §7.3): plain http, or https with a
//! certificate made for this one sign-in (NetSuite accepts only https redirect URIs on an integration record, so
//! https is the default; the browser warns once about the certificate, which lives only as long as the listener).
//!
//! Only the redirect URI's path is answered; anything else (a favicon request) gets 404 and the wait goes on.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use url::Url;

use crate::auth::pkce::{PkceError, Redirect, parse_redirect};

use super::CommandError;

/// Longest wait for the person to finish signing in.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// A bound listener for one redirect.
pub struct Callback {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    redirect_uri: Url,
}

impl Callback {
    /// Binds the redirect URI's loopback address and port (https: with a fresh certificate).
    pub async fn bind(redirect_uri: &Url) -> Result<Self, CommandError> {
        let addr = loopback_addr(redirect_uri)?;
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            CommandError::Io(format!(
                "cannot listen on {addr} for NetSuite's redirect: {e}. Another program may use the port: pass \
                 --port with a port the integration record's redirect URI names, or --redirect paste"
            ))
        })?;
        let tls = match redirect_uri.scheme() {
            "https" => Some(tls_acceptor()?),
            _ => None,
        };
        Ok(Callback {
            listener,
            tls,
            redirect_uri: redirect_uri.clone(),
        })
    }

    /// Serves until a request reaches the redirect path, and returns what it carried (state checked first).
    pub async fn wait(self, state: &str) -> Result<Redirect, CommandError> {
        let (tx, mut rx) = mpsc::channel::<Result<Redirect, PkceError>>(1);
        let page = Arc::new(PageState {
            redirect_uri: self.redirect_uri.clone(),
            state: state.to_owned(),
            tx,
        });
        let accept = async {
            loop {
                let Ok((stream, _)) = self.listener.accept().await else {
                    continue;
                };
                let page = page.clone();
                let tls = self.tls.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let page = page.clone();
                        async move { Ok::<_, Infallible>(page.answer(req).await) }
                    });
                    let builder = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(tls) => {
                            // A browser that refuses the certificate closes the handshake; that is not an error
                            // here: the person may accept it and retry.
                            if let Ok(stream) = tls.accept(stream).await {
                                let _ = builder
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            }
                        }
                        None => {
                            let _ = builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                    }
                });
            }
        };
        tokio::select! {
            result = rx.recv() => match result {
                Some(Ok(redirect)) => Ok(redirect),
                Some(Err(e)) => Err(CommandError::Usage(e.to_string())),
                None => Err(CommandError::Io("the redirect listener stopped".into())),
            },
            () = accept => Err(CommandError::Io("the redirect listener stopped".into())),
            () = tokio::time::sleep(SIGN_IN_TIMEOUT) => Err(CommandError::Usage(format!(
                "no sign-in arrived within {} minutes; run `netsuite-mcp login` again (or use --redirect paste)",
                SIGN_IN_TIMEOUT.as_secs() / 60
            ))),
        }
    }
}

struct PageState {
    redirect_uri: Url,
    state: String,
    tx: mpsc::Sender<Result<Redirect, PkceError>>,
}

impl PageState {
    async fn answer(&self, req: Request<Incoming>) -> Response<Body> {
        if req.uri().path() != self.redirect_uri.path() {
            return page(
                StatusCode::NOT_FOUND,
                "Not found",
                "This is netsuite-mcp's sign-in listener.",
            );
        }
        let mut url = self.redirect_uri.clone();
        url.set_query(req.uri().query());
        let result = parse_redirect(&url, &self.state);
        if let Err(e @ PkceError::StateMismatch) = &result {
            // Any web page can send the browser here; only the redirect of this sign-in may end the wait.
            eprintln!(
                "(ignored a request to the sign-in listener that does not carry this sign-in's state)"
            );
            return page(StatusCode::BAD_REQUEST, "Sign-in failed", &e.to_string());
        }
        let response = match &result {
            Ok(_) => page(
                StatusCode::OK,
                "Signed in",
                "netsuite-mcp received your NetSuite sign-in. You can close this tab and return to the terminal.",
            ),
            Err(e) => page(StatusCode::BAD_REQUEST, "Sign-in failed", &e.to_string()),
        };
        // Only the first answer counts; later ones find the channel full or closed.
        let _ = self.tx.try_send(result);
        response
    }
}

/// A tiny HTML page; `text` is escaped.
fn page(status: StatusCode, title: &str, text: &str) -> Response<Body> {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{t}</h1><p>{x}</p></body></html>",
        t = escape(title),
        x = escape(text)
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The redirect's query holds the code: keep it out of caches and referrers.
    response.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    response.headers_mut().insert(
        hyper::header::REFERRER_POLICY,
        hyper::header::HeaderValue::from_static("no-referrer"),
    );
    response
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The socket address of a loopback redirect URI; anything else cannot be listened on here.
pub fn loopback_addr(uri: &Url) -> Result<SocketAddr, CommandError> {
    let not_loopback = || {
        CommandError::Usage(format!(
            "the redirect URI {uri} is not on this machine (http(s)://127.0.0.1:PORT/…), so netsuite-mcp cannot \
             receive the redirect: use --redirect paste, or set NETSUITE_REDIRECT_URI to a loopback URI the \
             integration record lists"
        ))
    };
    let ip = match uri.host() {
        Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
        Some(url::Host::Domain("localhost")) => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        _ => return Err(not_loopback()),
    };
    if !ip.is_loopback() || !matches!(uri.scheme(), "http" | "https") {
        return Err(not_loopback());
    }
    let port = uri.port_or_known_default().ok_or_else(not_loopback)?;
    Ok(SocketAddr::new(ip, port))
}

/// A TLS acceptor with a self-signed certificate for 127.0.0.1, ::1 and localhost, made now.
fn tls_acceptor() -> Result<TlsAcceptor, CommandError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        CommandError::Io(format!(
            "cannot make the sign-in listener's certificate ({what}): {e}"
        ))
    };
    let names = vec![
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
        "localhost".to_owned(),
    ];
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| fail("generate", &e))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail("protocols", &e))?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .map_err(|e| fail("key", &e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
