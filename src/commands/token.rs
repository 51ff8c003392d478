//! `netsuite-mcp token`: fetch an access token and print it.

use serde_json::json;

use super::CommandError;
use crate::config::Settings;
use crate::netsuite::ClientOptions;

/// Fetches a token and returns what to print: the bare token, or the JSON form.
pub async fn run(settings: &Settings, as_json: bool) -> Result<String, CommandError> {
    let client = settings.netsuite()?.into_client(ClientOptions::default())?;
    let token = client.tokens().access_token().await?;
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
