//! A sandbox on this machine with credentials made on the spot: behind `netsuite-mcp sandbox` and
//! `serve --sandbox`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use secrecy::SecretString;

use netsuite_sandbox::{Sandbox, SandboxCertificate, SandboxConfig, SandboxError, SandboxHandle};

use crate::auth::Algorithm;
use crate::cert::{CertError, CertOptions, generate};
use crate::config::Settings;

/// The demo account id (NetSuite's docs use `demo123` as their example account).
pub const DEMO_ACCOUNT: &str = "DEMO123";

/// The sandbox's deployment of our saved-search RESTlet (`suitescript/`), as `NETSUITE_MCP_SEARCH_RESTLET`.
pub const SANDBOX_SEARCH_RESTLET: &str =
    "customscript_netsuite_mcp_search,customdeploy_netsuite_mcp_search";

/// A running local sandbox and what a client needs to reach it.
pub struct LocalSandbox {
    pub handle: SandboxHandle,
    /// Settings that point netsuite-mcp at this sandbox (the private key is in memory).
    pub settings: Settings,
    pub client_id: String,
    pub certificate_id: String,
    pub private_key_pem: SecretString,
    pub certificate_pem: String,
}

impl std::fmt::Debug for LocalSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSandbox")
            .field("base_url", &self.handle.base_url())
            .finish_non_exhaustive()
    }
}

/// Why a local sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalSandboxError {
    #[error(transparent)]
    Cert(#[from] CertError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
}

/// Makes an ES256 key pair and an integration, maps the certificate, and starts the sandbox on loopback
/// (`port` 0 picks a free one).
pub async fn start_with_generated_credentials(
    port: u16,
) -> Result<LocalSandbox, LocalSandboxError> {
    let generated = generate(&CertOptions {
        algorithm: Algorithm::ES256,
        rsa_bits: 0,
        days: 30,
        common_name: "netsuite-mcp sandbox".into(),
    })?;
    let client_id = random_hex(32);
    let certificate_id = random_hex(16);
    let mut config = SandboxConfig::new(
        DEMO_ACCOUNT,
        client_id.clone(),
        vec![SandboxCertificate {
            certificate_id: certificate_id.clone(),
            certificate_pem: generated.certificate_pem.clone(),
        }],
    );
    config.bind = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    let handle = Sandbox::start(config).await?;
    let private_key_pem = SecretString::from(generated.private_key_pem);
    let settings = Settings {
        account_id: Some(DEMO_ACCOUNT.into()),
        client_id: Some(client_id.clone()),
        certificate_id: Some(certificate_id.clone()),
        private_key: Some(private_key_pem.clone()),
        base_url: Some(handle.base_url()),
        // The sandbox serves REST saved searches, and our RESTlet for when that route is switched off.
        search_restlet: Some(SANDBOX_SEARCH_RESTLET.into()),
        ..Settings::default()
    };
    Ok(LocalSandbox {
        handle,
        settings,
        client_id,
        certificate_id,
        private_key_pem,
        certificate_pem: generated.certificate_pem,
    })
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}
