//! `netsuite-mcp login` and `logout` (design.md §1.5): sign the person at the keyboard in with OAuth 2.0
//! authorization code + PKCE, keep the tokens for the profile, and revoke them again.

use std::io::{BufRead, Write};

use clap::{Args, ValueEnum};
use url::Url;

use super::callback::Callback;
use super::{CommandError, wiring};
use crate::auth::code_grant::{exchange_code, revoke};
use crate::auth::lock::{self, ProfileLock};
use crate::auth::pkce::{AuthorizeRequest, Pkce, Redirect, new_state, parse_pasted};
use crate::auth::session::{LOCK_WAIT, unix_now};
use crate::auth::store::{StoredLogin, TokenStore};
use crate::auth::{AuthError, ClientAuth};
use crate::config::{ConfigError, LoginSetup, Settings, StoreConfig};
use crate::netsuite::client::{REQUEST_TIMEOUT, http_client_with_timeout};

/// How NetSuite's redirect reaches `login`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RedirectMode {
    /// A listener on https://127.0.0.1:PORT with a certificate made for this sign-in (the browser warns once).
    Https,
    /// A listener on plain http://127.0.0.1:PORT (NetSuite documents https redirect URIs only).
    Http,
    /// Print the sign-in URL and read the URL the browser was sent to from stdin (SSH, headless machines,
    /// scripts).
    Paste,
}

/// Options of `netsuite-mcp login`.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// How the redirect comes back (default: from NETSUITE_REDIRECT_URI, https://127.0.0.1:8765/callback).
    #[arg(long, value_enum)]
    pub redirect: Option<RedirectMode>,
    /// Port of the loopback redirect URI; it must be the port the integration record's redirect URI names.
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Do not open the browser; only print the sign-in URL.
    #[arg(long)]
    pub no_browser: bool,
}

/// Options of `netsuite-mcp logout`.
#[derive(Debug, Clone, Args)]
pub struct LogoutArgs {
    /// Delete the stored tokens even if NetSuite cannot be reached to revoke them (they then stay valid at
    /// NetSuite until they expire).
    #[arg(long)]
    pub forget: bool,
}

/// Signs in, stores the tokens and returns the summary to print on stdout. Progress goes to stderr; in paste
/// mode the redirected URL is read from `input`.
pub async fn login(
    settings: &Settings,
    args: &LoginArgs,
    input: &mut (dyn BufRead + Send),
) -> Result<String, CommandError> {
    let setup = settings.login_setup(None)?;
    let (mode, redirect_uri) = redirect_for(&setup.redirect_uri, args)?;
    let store = wiring::token_store(&setup.store)?;
    let pkce = Pkce::generate().map_err(|e| CommandError::Io(e.to_string()))?;
    let state = new_state().map_err(|e| CommandError::Io(e.to_string()))?;
    let scopes: Vec<&str> = setup.scopes.iter().map(|s| s.as_str()).collect();
    let authorize = AuthorizeRequest {
        client_id: &setup.client.client_id,
        redirect_uri: redirect_uri.as_str(),
        scopes: &scopes,
        state: &state,
        challenge: pkce.challenge(),
    }
    .url(&setup.authorize_url);

    let redirect = match mode {
        RedirectMode::Paste => {
            eprintln!(
                "Open this URL in a browser and sign in to NetSuite:\n\n  {authorize}\n\n\
                 NetSuite then sends the browser to {redirect_uri}?… — the page may fail to load; that is \
                 expected. Copy the whole address from the address bar and paste it here, then press Enter:"
            );
            read_pasted(input, &redirect_uri, &state)?
        }
        RedirectMode::Https | RedirectMode::Http => {
            let callback = Callback::bind(&redirect_uri).await?;
            eprintln!(
                "Sign in to NetSuite in your browser. If it does not open, visit:\n\n  {authorize}\n\n\
                 Waiting for NetSuite's redirect to {redirect_uri} …"
            );
            if mode == RedirectMode::Https {
                eprintln!(
                    "The browser will warn about the certificate of https://{}: netsuite-mcp made it for this \
                     sign-in on your machine (NetSuite accepts only https redirect URIs). Accept it once to continue.",
                    redirect_uri.host_str().unwrap_or("127.0.0.1")
                );
            }
            if !args.no_browser && webbrowser::open(authorize.as_str()).is_err() {
                eprintln!("(could not open a browser; open the URL above yourself)");
            }
            callback.wait(&state).await?
        }
    };

    let http = http_client(&setup)?;
    let grant = exchange_code(
        &http,
        &setup.endpoints.token_url(),
        &setup.client,
        &redirect.code,
        redirect_uri.as_str(),
        pkce.verifier(),
    )
    .await?;
    let Some(refresh_token) = grant.refresh_token else {
        return Err(CommandError::Io("NetSuite issued no refresh token".into()));
    };
    let now = unix_now();
    let login = StoredLogin {
        account_id: setup.account.realm().to_owned(),
        client_id: setup.client.client_id.clone(),
        refresh_token,
        access_token: Some(grant.access_token),
        access_expires_at: Some(now.saturating_add(grant.lifetime.as_secs())),
        entity: redirect.entity.clone(),
        role: redirect.role.clone(),
        company: redirect.company.clone(),
        signed_in_at: now,
    };
    let profile = &setup.store.profile;
    // A `serve` or `token` refreshing this profile right now would otherwise save the old chain over this one.
    let _turn = profile_lock(&setup.store).await?;
    let previous = store.load(profile).ok().flatten();
    store.save(profile, &login).map_err(|e| {
        CommandError::Io(format!("signed in, but the tokens could not be saved: {e}"))
    })?;
    // A sign-in replaced by this one is of no more use: revoke it, best effort.
    if let Some(old) = previous
        && old.client_id == setup.client.client_id
        && old.account_id == login.account_id
    {
        let _ = revoke(
            &http,
            &setup.endpoints.revoke_url(),
            &setup.client,
            &old.refresh_token,
        )
        .await;
    }
    tracing::info!(profile = %profile, "signed in");
    Ok(summary(&setup, &redirect, store.as_ref()))
}

/// Revokes the profile's sign-in at NetSuite and deletes it; returns the summary to print.
pub async fn logout(settings: &Settings, args: &LogoutArgs) -> Result<String, CommandError> {
    let store_config = settings.store_config()?;
    let store = wiring::token_store(&store_config)?;
    let profile = &store_config.profile;
    // Held until the entry is gone, so no refresh in another process can save it back after the revoke.
    let _turn = profile_lock(&store_config).await?;
    let Some(stored) = store
        .load(profile)
        .map_err(|e| CommandError::Io(e.to_string()))?
    else {
        return Ok(format!(
            "Nobody is signed in for profile {profile:?} ({}); nothing to do.\n",
            store.location(profile)
        ));
    };
    let setup = settings.login_setup(Some(&stored))?;
    // The tokens belong to the integration that issued them.
    let client = ClientAuth {
        client_id: stored.client_id.clone(),
        secret: setup.client.secret.clone(),
    };
    let http = http_client(&setup)?;
    let revoked = revoke(
        &http,
        &setup.endpoints.revoke_url(),
        &client,
        &stored.refresh_token,
    )
    .await;
    let note = match revoked {
        Ok(()) => "revoked at NetSuite".to_owned(),
        Err(e) if args.forget => {
            format!("NOT revoked at NetSuite ({e}); it stays valid there until it expires")
        }
        Err(e) => {
            return Err(CommandError::Auth(match e {
                AuthError::Transport {
                    url,
                    reason,
                    maybe_sent,
                } => AuthError::Transport {
                    url,
                    reason: format!(
                        "{reason}. The sign-in is still stored; run `netsuite-mcp logout` again, or \
                         `netsuite-mcp logout --forget` to delete it without revoking"
                    ),
                    maybe_sent,
                },
                other => other,
            }));
        }
    };
    store
        .delete(profile)
        .map_err(|e| CommandError::Io(e.to_string()))?;
    Ok(format!(
        "Signed out of NetSuite account {} (profile {profile}): the sign-in was {note}, and deleted from {}.\n",
        stored.account_id,
        store.location(profile)
    ))
}

/// The profile's refresh lock (the one `serve`, `token` and `doctor` take before they refresh).
async fn profile_lock(store: &StoreConfig) -> Result<ProfileLock, CommandError> {
    crate::auth::store::check_profile(&store.profile)
        .map_err(|e| CommandError::Usage(e.to_string()))?;
    let dir = wiring::token_dir(store)?;
    lock::acquire(&dir, &store.profile, LOCK_WAIT)
        .await
        .map_err(CommandError::Io)
}

/// The redirect mode and the exact redirect URI for this run.
fn redirect_for(configured: &Url, args: &LoginArgs) -> Result<(RedirectMode, Url), CommandError> {
    let loopback = super::callback::loopback_addr(configured).is_ok();
    let mode = match (args.redirect, configured.scheme()) {
        (Some(mode), _) => mode,
        (None, "https") if loopback => RedirectMode::Https,
        (None, "http") if loopback => RedirectMode::Http,
        // A custom scheme or a web page: only the person can carry the redirect back.
        (None, _) => RedirectMode::Paste,
    };
    let mut uri = configured.clone();
    if mode != RedirectMode::Paste {
        if !loopback {
            // Names the URI and both ways out.
            super::callback::loopback_addr(configured)?;
        }
        let scheme = if mode == RedirectMode::Https {
            "https"
        } else {
            "http"
        };
        if uri.scheme() != scheme && uri.set_scheme(scheme).is_err() {
            return Err(CommandError::Usage(format!(
                "cannot use {scheme} for {configured}"
            )));
        }
    }
    if let Some(port) = args.port {
        if port == 0 {
            return Err(CommandError::Usage(
                "--port 0 cannot work: NetSuite matches the redirect URI's port exactly".into(),
            ));
        }
        uri.set_port(Some(port))
            .map_err(|()| CommandError::Usage(format!("{configured} cannot take a port")))?;
    }
    Ok((mode, uri))
}

fn read_pasted(
    input: &mut (dyn BufRead + Send),
    redirect_uri: &Url,
    state: &str,
) -> Result<Redirect, CommandError> {
    let mut line = String::new();
    loop {
        line.clear();
        let n = input
            .read_line(&mut line)
            .map_err(|e| CommandError::Io(format!("cannot read the pasted URL: {e}")))?;
        if n == 0 {
            return Err(CommandError::Usage(
                "no URL was pasted (stdin closed); run `netsuite-mcp login` again".into(),
            ));
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let _ = std::io::stderr().flush();
    parse_pasted(&line, redirect_uri, state).map_err(|e| CommandError::Usage(e.to_string()))
}

fn http_client(setup: &LoginSetup) -> Result<reqwest::Client, CommandError> {
    http_client_with_timeout(setup.tuning.request_timeout.unwrap_or(REQUEST_TIMEOUT)).map_err(|e| {
        CommandError::Config(ConfigError::Invalid {
            setting: "TLS",
            reason: format!("cannot initialise the HTTP client: {e}"),
        })
    })
}

fn summary(setup: &LoginSetup, redirect: &Redirect, store: &dyn TokenStore) -> String {
    let who = match (&redirect.entity, &redirect.role) {
        (Some(e), Some(r)) => format!("entity {e} with role {r}"),
        (Some(e), None) => format!("entity {e}"),
        _ => "the person who approved the sign-in".to_owned(),
    };
    let company = redirect
        .company
        .as_deref()
        .map(|c| format!(" (company {c})"))
        .unwrap_or_default();
    format!(
        "Signed in to NetSuite account {account} as {who}{company}.\n\
         Tokens saved to {location} (profile {profile}).\n\
         `netsuite-mcp serve`, `token` and `doctor` now act as this person; `netsuite-mcp logout` signs out.\n",
        account = setup.account,
        location = store.location(&setup.store.profile),
        profile = setup.store.profile,
    )
}
