//! `netsuite-mcp doctor`: each check on one line with the fix; later checks are skipped once one they need fails.

use std::fmt;
use std::path::Path;

use super::wiring;
use crate::auth::{Scope, SigningKey};
use crate::config::{ConfigError, Key, NetSuiteAuth, NetSuiteConfig, Settings};
use crate::netsuite::{ClientOptions, NetSuiteClient, NetSuiteError};

/// The SuiteQL query doctor runs: tiny, and on a table every account and most roles can read.
pub const DOCTOR_QUERY: &str = "SELECT id FROM currency FETCH FIRST 1 ROWS ONLY";
/// Warn when the certificate expires within this many days.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub message: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.status {
            Status::Pass => "[ ok ]",
            Status::Warn => "[warn]",
            Status::Fail => "[FAIL]",
            Status::Skip => "[skip]",
        };
        write!(f, "{tag} {}: {}", self.name, self.message)
    }
}

fn check(name: &'static str, status: Status, message: impl Into<String>) -> Check {
    Check {
        name,
        status,
        message: message.into(),
    }
}

/// Runs every check in order and returns the report.
pub async fn run(settings: &Settings, certificate: Option<&Path>) -> Vec<Check> {
    let mut report = Vec::new();
    let config = match wiring::netsuite_config(settings) {
        Ok(config) => {
            match &config.auth {
                NetSuiteAuth::M2m(m2m) => {
                    report.push(check(
                        "configuration",
                        Status::Pass,
                        format!(
                            "account {}, token URL {}, scopes {}",
                            config.account,
                            config.endpoints.token_url(),
                            m2m.scopes
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(",")
                        ),
                    ));
                    report.push(check(
                        "private key",
                        Status::Pass,
                        format!(
                            "{}, signs with {}",
                            m2m.key.kind_description(),
                            m2m.key.algorithm()
                        ),
                    ));
                }
                NetSuiteAuth::Tba(creds) => {
                    report.push(check(
                        "configuration",
                        Status::Pass,
                        format!(
                            "account {}, TBA (OAuth 1.0a, HMAC-SHA256) with realm {}, consumer key and token set",
                            config.account, creds.realm
                        ),
                    ));
                    report.push(check(
                        "private key",
                        Status::Skip,
                        "TBA signs with the consumer and token secrets; no private key is used",
                    ));
                }
                NetSuiteAuth::Delegated => {
                    report.push(check(
                        "configuration",
                        Status::Pass,
                        format!(
                            "account {}; people sign in through the HTTP server",
                            config.account
                        ),
                    ));
                    report.push(check(
                        "private key",
                        Status::Skip,
                        "signed-in people's tokens need no private key",
                    ));
                }
                NetSuiteAuth::Login(login) => {
                    report.push(check(
                        "configuration",
                        Status::Pass,
                        format!(
                            "account {}, signed in as a person (profile {}, {} client), token URL {}",
                            config.account,
                            login.store.profile,
                            if login.client.secret.is_some() {
                                "confidential"
                            } else {
                                "public"
                            },
                            config.endpoints.token_url()
                        ),
                    ));
                    report.push(check(
                        "private key",
                        Status::Skip,
                        "a signed-in person's tokens need no private key",
                    ));
                }
            }
            config
        }
        Err(e) if is_key_problem(&e) => {
            report.push(check(
                "configuration",
                Status::Pass,
                "all required settings are present",
            ));
            report.push(check("private key", Status::Fail, e.to_string()));
            skip_rest(
                &mut report,
                certificate.is_some(),
                "the private key is not usable",
            );
            return report;
        }
        Err(e) => {
            report.push(check("configuration", Status::Fail, e.to_string()));
            report.push(check(
                "private key",
                Status::Skip,
                "configuration incomplete",
            ));
            skip_rest(
                &mut report,
                certificate.is_some(),
                "configuration incomplete",
            );
            return report;
        }
    };
    match (&config.auth, certificate) {
        (NetSuiteAuth::M2m(m2m), Some(path)) => report.push(certificate_check(path, &m2m.key)),
        (NetSuiteAuth::Tba(_) | NetSuiteAuth::Login(_) | NetSuiteAuth::Delegated, Some(_)) => {
            report.push(check(
                "certificate",
                Status::Skip,
                "only machine-to-machine sign-in uses a certificate",
            ))
        }
        (_, None) => {}
    }
    // TBA tokens may call REST web services and RESTlets, and a sign-in's scopes were fixed at `login`: there
    // are no scopes to check.
    let wants_rest = match &config.auth {
        NetSuiteAuth::M2m(m2m) => m2m.scopes.contains(&Scope::RestWebservices),
        NetSuiteAuth::Tba(_) | NetSuiteAuth::Login(_) | NetSuiteAuth::Delegated => true,
    };
    run_network_checks(config, wants_rest, &mut report).await;
    report
}

async fn run_network_checks(config: NetSuiteConfig, wants_rest: bool, report: &mut Vec<Check>) {
    let client = match wiring::netsuite_client(config, ClientOptions::default()) {
        Ok(c) => c,
        Err(e) => {
            report.push(check("token", Status::Fail, e.to_string()));
            return;
        }
    };
    let Some(tokens) = client.tokens() else {
        report.push(check(
            "token",
            Status::Skip,
            "TBA signs every request; there is no token exchange to check",
        ));
        report.push(rest_check(&client).await);
        report.push(suiteql_check(&client).await);
        return;
    };
    match tokens.access_token().await {
        Ok(t) => report.push(check(
            "token",
            Status::Pass,
            format!(
                "token endpoint issued an access token valid for {} s",
                t.lifetime().as_secs()
            ),
        )),
        Err(e) => {
            report.push(check("token", Status::Fail, e.to_string()));
            report.push(check("REST", Status::Skip, "no access token"));
            report.push(check("SuiteQL", Status::Skip, "no access token"));
            return;
        }
    }
    if !wants_rest {
        let why = "NETSUITE_SCOPES lacks rest_webservices, which REST and SuiteQL need; add it (and enable it on the integration record)";
        report.push(check("REST", Status::Fail, why));
        report.push(check("SuiteQL", Status::Skip, "no rest_webservices scope"));
        return;
    }
    report.push(rest_check(&client).await);
    report.push(suiteql_check(&client).await);
}

async fn rest_check(client: &NetSuiteClient) -> Check {
    match client.metadata_catalog("customer").await {
        Ok(_) => check(
            "REST",
            Status::Pass,
            "record service answered (metadata catalog)",
        ),
        Err(e) => check(
            "REST",
            Status::Fail,
            format!("{}{}", e, permission_note(&e, "REST Web Services (Full)")),
        ),
    }
}

async fn suiteql_check(client: &NetSuiteClient) -> Check {
    match client.suiteql_page(DOCTOR_QUERY, 1, 0).await {
        Ok(_) => check("SuiteQL", Status::Pass, format!("ran `{DOCTOR_QUERY}`")),
        Err(e) => check(
            "SuiteQL",
            Status::Fail,
            format!(
                "{}{}",
                e,
                permission_note(
                    &e,
                    "REST Web Services and the record permissions the queries need (here: Currency)"
                )
            ),
        ),
    }
}

fn permission_note(e: &NetSuiteError, permission: &str) -> String {
    match e {
        NetSuiteError::Api(api) if api.tba && api.status == 401 => String::new(),
        NetSuiteError::Api(api)
            if matches!(api.status, 401 | 403) || api.code() == Some("USER_ERROR") =>
        {
            format!(". Fix: give the role of the certificate mapping the permission {permission}")
        }
        _ => String::new(),
    }
}

fn skip_rest(report: &mut Vec<Check>, with_certificate: bool, why: &str) {
    let mut names = vec![];
    if with_certificate {
        names.push("certificate");
    }
    names.extend(["token", "REST", "SuiteQL"]);
    report.extend(names.into_iter().map(|n| check(n, Status::Skip, why)));
}

fn is_key_problem(e: &ConfigError) -> bool {
    match e {
        ConfigError::Key { .. } => true,
        ConfigError::Invalid { setting, .. } => {
            [Key::PrivateKey, Key::PrivateKeyPath, Key::Algorithm]
                .iter()
                .any(|k| k.env() == *setting)
        }
        _ => false,
    }
}

fn certificate_check(path: &Path, key: &SigningKey) -> Check {
    const NAME: &str = "certificate";
    let pem = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return check(
                NAME,
                Status::Fail,
                format!("cannot read {}: {e}", path.display()),
            );
        }
    };
    let parsed = x509_parser::pem::parse_x509_pem(&pem);
    let Ok((_, pem)) = parsed else {
        return check(
            NAME,
            Status::Fail,
            format!("{} is not a PEM certificate", path.display()),
        );
    };
    let Ok(cert) = pem.parse_x509() else {
        return check(
            NAME,
            Status::Fail,
            format!("{} holds no readable X.509 certificate", path.display()),
        );
    };
    if cert.public_key().subject_public_key.data.as_ref() != key.public_key_bytes().as_slice() {
        return check(
            NAME,
            Status::Fail,
            format!(
                "{} does not belong to the private key: upload the certificate generated with this key, or point the key setting at the matching key",
                path.display()
            ),
        );
    }
    let validity = cert.validity();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let not_after = validity.not_after.timestamp();
    if now < validity.not_before.timestamp() {
        return check(
            NAME,
            Status::Fail,
            "the certificate is not valid yet (check this machine's clock)",
        );
    }
    if now > not_after {
        return check(
            NAME,
            Status::Fail,
            format!(
                "the certificate expired on {}: generate a new pair with `netsuite-mcp cert generate` and map it in NetSuite",
                validity.not_after
            ),
        );
    }
    let days_left = (not_after - now) / 86_400;
    let span_days = (not_after - validity.not_before.timestamp()) / 86_400;
    if days_left < EXPIRY_WARNING_DAYS {
        return check(
            NAME,
            Status::Warn,
            format!(
                "matches the key but expires in {days_left} days: generate a new pair and map it before then"
            ),
        );
    }
    if span_days > 731 {
        return check(
            NAME,
            Status::Warn,
            format!(
                "matches the key; its validity of {span_days} days exceeds NetSuite's two years, so NetSuite treats it as expiring two years after upload"
            ),
        );
    }
    check(
        NAME,
        Status::Pass,
        format!("matches the key; valid for {days_left} more days"),
    )
}

/// True when no check failed.
pub fn all_passed(report: &[Check]) -> bool {
    // A skip follows a failure, or is by design (TBA has no token exchange): only failures count.
    !report.iter().any(|c| matches!(c.status, Status::Fail))
}
