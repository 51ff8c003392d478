//! The consent page between `/authorize` and NetSuite (MCP authorization spec: a server that signs people in to
//! a third party with one static client ID must ask them before forwarding each dynamically registered client).
//! It names the client, where the person will be sent back and what it may do; only a click on it (a POST
//! carrying this sign-in's unguessable request id) sends the person on to NetSuite. The page cannot be framed.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::AUTHORIZE_PATH;
use super::AuthorizationServer;
use super::authorize::{back_to_client, error_page, found};

/// What the page shows.
pub(super) struct Page<'a> {
    pub client_name: Option<&'a str>,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub write: bool,
    pub account: &'a str,
    /// The pending sign-in's id (our `state` toward NetSuite).
    pub request: &'a str,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

impl Page<'_> {
    pub(super) fn render(&self) -> Response {
        let back_to = Url::parse(self.redirect_uri)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| self.redirect_uri.to_owned());
        let name = self.client_name.unwrap_or("An MCP client");
        let access = if self.write {
            "read and change NetSuite records, run SuiteQL and call RESTlets"
        } else {
            "read NetSuite records and run SuiteQL (no changes)"
        };
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Allow access to NetSuite?</title>\
             <meta name=\"viewport\" content=\"width=device-width\"></head>\
             <body style=\"font-family:sans-serif;margin:3em;max-width:40em\">\
             <h1>Allow access to NetSuite?</h1>\
             <p><strong>{name}</strong> wants to {access} in NetSuite account <strong>{account}</strong>, as you and \
             with your role, through this netsuite-mcp server.</p>\
             <p>After you sign in at NetSuite you will be sent back to <strong>{back_to}</strong>. Continue only if you \
             started this from that application.</p>\
             <p style=\"color:#555;font-size:90%\">Client ID: {client_id}</p>\
             <form method=\"post\" action=\"{AUTHORIZE_PATH}\">\
             <input type=\"hidden\" name=\"request\" value=\"{request}\">\
             <button type=\"submit\" name=\"decision\" value=\"allow\">Continue to NetSuite</button> \
             <button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button>\
             </form></body></html>",
            name = escape(name),
            access = access,
            account = escape(self.account),
            back_to = escape(&back_to),
            client_id = escape(self.client_id),
            request = escape(self.request),
        );
        (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
                (header::X_FRAME_OPTIONS, "DENY"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                ),
                (header::REFERRER_POLICY, "no-referrer"),
            ],
            body,
        )
            .into_response()
    }
}

/// `POST /authorize`: the person's answer.
pub(super) async fn decide(
    State(server): State<Arc<AuthorizationServer>>,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let (Some(request), Some(decision)) = (form.get("request"), form.get("decision")) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The answer is incomplete; start again from your MCP client.",
        );
    };
    let allow = decision == "allow";
    let decided = match server.state.decide(request, allow).await {
        Ok(decided) => decided,
        Err(e) => return super::authorize::unreachable_page(&e),
    };
    match decided {
        None => error_page(
            StatusCode::BAD_REQUEST,
            "This sign-in is unknown or has expired (sign-ins last 10 minutes). Start again from your MCP client.",
        ),
        Some(Ok(netsuite_url)) => found(netsuite_url),
        Some(Err(pending)) => back_to_client(
            &server,
            &pending.redirect_uri,
            pending.client_state.as_deref(),
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    if allow {
                        "the sign-in expired"
                    } else {
                        "the person declined"
                    },
                ),
            ],
        ),
    }
}
