//! `netsuite-mcp token`: fetch an access token and print it.

use serde_json::json;

use super::{CommandError, wiring};
use crate::config::{ConfigError, Key, Settings};

/// Fetches a token and returns what to print: the bare token, or the JSON form.
pub async fn run(settings: &Settings, as_json: bool) -> Result<String, CommandError> {
    let client = wiring::client_from_settings(settings)?;
    let Some(tokens) = client.tokens() else {
        return Err(ConfigError::Invalid {
            setting: Key::Auth.env(),
            reason:
                "TBA signs every request with the token secret; there is no access token to print \
                     (`token` works with NETSUITE_AUTH=m2m or login)"
                    .into(),
        }
        .into());
    };
    let token = tokens.access_token().await?;
    Ok(if as_json {
        json!({
            "access_token": token.expose(),
            "expires_in": token.remaining().as_secs(),
            "token_type": "Bearer",
        })
        .to_string()
    } else {
        token.expose().to_owned()
    })
}
