//! The binary's commands as a user runs them: cert generate, token, doctor; exit codes; nothing secret printed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use common::*;
use netsuite_mcp::auth::Algorithm;
use netsuite_sandbox::{Sandbox, SandboxCertificate, SandboxConfig};

#[tokio::test]
async fn generated_certificate_is_accepted_by_the_sandbox_and_token_prints_a_working_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keys");
    let generated = run_bin(
        &[
            "cert",
            "generate",
            "--algorithm",
            "ES384",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let key_path = out.join("private_key.pem");
    let cert_pem = std::fs::read_to_string(out.join("certificate.pem")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(text(&generated.stdout).contains("NETSUITE_PRIVATE_KEY_PATH="));

    let sandbox = Sandbox::start(SandboxConfig::new(
        ACCOUNT,
        CLIENT_ID,
        vec![SandboxCertificate {
            certificate_id: CERT_ID.into(),
            certificate_pem: cert_pem,
        }],
    ))
    .await
    .unwrap();
    let env = vec![
        ("NETSUITE_ACCOUNT_ID".to_owned(), ACCOUNT.to_owned()),
        ("NETSUITE_CLIENT_ID".to_owned(), CLIENT_ID.to_owned()),
        ("NETSUITE_CERTIFICATE_ID".to_owned(), CERT_ID.to_owned()),
        (
            "NETSUITE_PRIVATE_KEY_PATH".to_owned(),
            key_path.to_str().unwrap().to_owned(),
        ),
        ("NETSUITE_BASE_URL".to_owned(), sandbox.base_url()),
        ("RUST_LOG".to_owned(), "trace".to_owned()),
    ];
    let token = run_bin(&["token"], &env).await;
    assert!(token.status.success(), "{}", text(&token.stderr));
    let value = text(&token.stdout).trim().to_owned();
    assert!(!value.is_empty());
    let key_pem = std::fs::read_to_string(&key_path).unwrap();
    assert_no_secrets(&text(&token.stderr), &key_pem, &[&value]);

    // The printed token works on the REST API, as it would from curl.
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/services/rest/record/v1/metadata-catalog",
            sandbox.base_url()
        ))
        .bearer_auth(&value)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let json = run_bin(&["token", "--json"], &env).await;
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["expires_in"].as_u64().unwrap() > 3500);
    assert!(v["access_token"].as_str().unwrap().len() > 10);
}

#[tokio::test]
async fn cert_generate_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("certificate.pem"), "keep me").unwrap();
    let out = run_bin(
        &[
            "cert",
            "generate",
            "--algorithm",
            "ES256",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("refusing to overwrite"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("certificate.pem")).unwrap(),
        "keep me"
    );
    assert!(
        !dir.path().join("private_key.pem").exists(),
        "nothing half-written"
    );
}

#[tokio::test]
async fn cert_generate_refuses_sizes_and_validity_netsuite_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for args in [
        vec!["cert", "generate", "--rsa-bits", "2048", "--out", d],
        vec!["cert", "generate", "--days", "731", "--out", d],
        vec!["cert", "generate", "--algorithm", "RS256", "--out", d],
    ] {
        let out = run_bin(&args, &[]).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[tokio::test]
async fn doctor_passes_against_the_sandbox_with_one_line_per_check() {
    let account = start(Algorithm::PS256).await;
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("certificate.pem");
    std::fs::write(&cert, &account.cert_pem).unwrap();
    let mut env = account.env();
    env.push(("RUST_LOG".into(), "trace".into()));
    let out = run_bin(&["doctor", "--certificate", cert.to_str().unwrap()], &env).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    let names = [
        "configuration",
        "private key",
        "certificate",
        "token",
        "REST",
        "SuiteQL",
    ];
    assert_eq!(lines.len(), names.len(), "{stdout}");
    for (line, name) in lines.iter().zip(names) {
        assert!(line.starts_with(&format!("[ ok ] {name}:")), "{line}");
    }
    assert_no_secrets(&(stdout + &text(&out.stderr)), &account.key_pem, &[]);
}

#[tokio::test]
async fn doctor_names_the_failing_check_and_its_fix() {
    let account = start(Algorithm::ES256).await;
    let mut env = account.env();
    env.retain(|(k, _)| k != "NETSUITE_CERTIFICATE_ID");
    env.push(("NETSUITE_CERTIFICATE_ID".into(), "wrong-certificate".into()));
    let out = run_bin(&["doctor"], &env).await;
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("[ ok ] private key"), "{stdout}");
    let token_line = stdout.lines().find(|l| l.contains("token:")).unwrap();
    assert!(
        token_line.starts_with("[FAIL]") && token_line.contains("invalid_grant"),
        "{token_line}"
    );
    assert!(
        token_line.contains("NETSUITE_CERTIFICATE_ID"),
        "the fix names the setting: {token_line}"
    );
    assert!(stdout.contains("[skip] REST"), "{stdout}");
}

#[tokio::test]
async fn doctor_spots_a_certificate_that_does_not_belong_to_the_key() {
    let account = start(Algorithm::ES256).await;
    let (_, other_cert) = key_pair(Algorithm::ES256, 0);
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("other.pem");
    std::fs::write(&cert, other_cert).unwrap();
    let out = run_bin(
        &["doctor", "--certificate", cert.to_str().unwrap()],
        &account.env(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("[FAIL] certificate:")
            && stdout.contains("does not belong to the private key"),
        "{stdout}"
    );
}

#[tokio::test]
async fn missing_configuration_exits_2_naming_every_variable() {
    let out = run_bin(&["token"], &[("NETSUITE_ACCOUNT_ID".into(), "123".into())]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for var in [
        "NETSUITE_CLIENT_ID",
        "NETSUITE_CERTIFICATE_ID",
        "NETSUITE_PRIVATE_KEY_PATH",
    ] {
        assert!(err.contains(var), "{err}");
    }
    assert!(
        !err.contains("NETSUITE_ACCOUNT_ID"),
        "the one that is set is not reported: {err}"
    );
    let doctor = run_bin(&["doctor"], &[]).await;
    assert_eq!(
        doctor.status.code(),
        Some(1),
        "doctor reports instead of failing on config"
    );
    assert!(text(&doctor.stdout).starts_with("[FAIL] configuration"));
}

#[tokio::test]
async fn a_2048_bit_key_is_refused_before_anything_is_sent() {
    let kp = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .unwrap();
    let env = vec![
        ("NETSUITE_ACCOUNT_ID".to_owned(), "123".to_owned()),
        ("NETSUITE_CLIENT_ID".to_owned(), "c".to_owned()),
        ("NETSUITE_CERTIFICATE_ID".to_owned(), "k".to_owned()),
        ("NETSUITE_PRIVATE_KEY".to_owned(), kp.serialize_pem()),
        // Unroutable on purpose: the key check must fail first.
        (
            "NETSUITE_BASE_URL".to_owned(),
            "http://127.0.0.1:9".to_owned(),
        ),
    ];
    let out = run_bin(&["token"], &env).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("2048 bits"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn profiles_of_a_config_file_are_selected_with_profile() {
    let account = start(Algorithm::ES256).await;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    std::fs::write(&key, &account.key_pem).unwrap();
    let file = dir.path().join("netsuite-mcp.toml");
    std::fs::write(
        &file,
        format!(
            "client_id = \"{CLIENT_ID}\"\ncertificate_id = \"{CERT_ID}\"\nprivate_key_path = \"{}\"\n\n\
             [profiles.production]\naccount_id = \"7654321\"\n\n\
             [profiles.sandbox]\naccount_id = \"{ACCOUNT}\"\nbase_url = \"{}\"\n",
            key.display(),
            account.sandbox.base_url()
        ),
    )
    .unwrap();
    let out = run_bin(
        &[
            "--config",
            file.to_str().unwrap(),
            "--profile",
            "sandbox",
            "token",
        ],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bad = run_bin(
        &[
            "--config",
            file.to_str().unwrap(),
            "--profile",
            "staging",
            "token",
        ],
        &[],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("production, sandbox"),
        "{}",
        text(&bad.stderr)
    );
}

/// A binary built with `--no-default-features` keeps `serve --sandbox` and `sandbox` on the command line and says
/// how to get them: `cargo test --no-default-features --test cli`.
#[cfg(not(feature = "sandbox"))]
#[tokio::test]
async fn without_the_sandbox_feature_sandbox_commands_exit_2_with_the_fix() {
    for args in [&["serve", "--sandbox"][..], &["sandbox", "--port", "0"][..]] {
        let out = run_bin(args, &[]).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(
                "this binary was built without the sandbox feature; rebuild with default features"
            ),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}
