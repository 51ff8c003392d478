//! First-run help: what `serve` prints when nothing is configured, and where `doctor` sends each failed check.

use super::CommandError;
use crate::config::ConfigError;

/// The settings whose absence together means "not configured at all" (rather than "configured halfway").
const CORE_SETTINGS: [&str; 2] = ["NETSUITE_ACCOUNT_ID", "NETSUITE_CLIENT_ID"];

/// Turns "nothing is configured" into the first-run screen (a usage error: exit 2); other errors pass through.
pub fn explain(e: CommandError) -> CommandError {
    match &e {
        CommandError::Config(ConfigError::Missing(missing))
            if CORE_SETTINGS.iter().all(|s| missing.contains(s)) =>
        {
            CommandError::Usage(screen())
        }
        _ => e,
    }
}

/// The three ways to configure netsuite-mcp, on one screen.
pub fn screen() -> String {
    "netsuite-mcp is not configured yet. Three ways to start:\n\
         \n\
         \x20 1. Try it now, no NetSuite account: the embedded demo NetSuite\n\
         \x20      netsuite-mcp serve --sandbox\n\
         \x20      netsuite-mcp install --client cursor --sandbox   # or vscode, claude-desktop, claude-code, codex\n\
         \n\
         \x20 2. Sign in as yourself (OAuth 2.0 authorization code + PKCE)\n\
         \x20      export NETSUITE_ACCOUNT_ID=… NETSUITE_CLIENT_ID=…   # an integration with \"Authorization Code Grant\"\n\
         \x20      netsuite-mcp login                # opens NetSuite's sign-in page; --redirect paste over SSH\n\
         \x20      netsuite-mcp install --client <yours>\n\
         \n\
         \x20 3. Machine to machine (OAuth 2.0 client credentials with a certificate)\n\
         \x20      netsuite-mcp cert generate --out ~/.netsuite-mcp   # upload certificate.pem in NetSuite\n\
         \x20      put account_id, client_id, certificate_id, private_key_path in a TOML file\n\
         \x20      netsuite-mcp --config FILE doctor\n\
         \x20      netsuite-mcp --config FILE install --client <yours>\n\
         \n\
         Step by step: docs/install.md (settings: docs/configuration.md)."
        .to_owned()
}

/// The docs section that fixes a failed `doctor` check.
pub fn doctor_link(check: &str) -> &'static str {
    match check {
        "configuration" => "docs/install.md#doctor-configuration",
        "private key" => "docs/install.md#doctor-private-key",
        "certificate" => "docs/install.md#doctor-certificate",
        "token" => "docs/install.md#doctor-token",
        "REST" | "SuiteQL" => "docs/install.md#doctor-rest-and-suiteql",
        _ => "docs/install.md#a-real-account",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bare_configuration_gets_the_screen() {
        let bare = CommandError::Config(ConfigError::Missing(vec![
            "NETSUITE_ACCOUNT_ID",
            "NETSUITE_CLIENT_ID",
            "NETSUITE_CERTIFICATE_ID",
        ]));
        assert!(matches!(explain(bare), CommandError::Usage(s) if s.contains("serve --sandbox")));
        let half = CommandError::Config(ConfigError::Missing(vec!["NETSUITE_CERTIFICATE_ID"]));
        assert!(matches!(explain(half), CommandError::Config(_)));
    }
}
