//! The sandbox's start and shutdown: certificates NetSuite would refuse stop the start, and shutdown stops the
//! server even with an idle keep-alive connection open.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod sandbox_support;

use netsuite_sandbox::{Sandbox, SandboxConfig, SandboxError};
use reqwest::StatusCode;
use sandbox_support::*;

#[tokio::test]
async fn certificates_netsuite_would_refuse_stop_the_start() {
    let start_with = |certs| Sandbox::start(SandboxConfig::new(ACCOUNT, CLIENT_ID, certs));

    let rsa2048 = rsa_key(rcgen::RsaKeySize::_2048);
    let err = start_with(vec![cert("k", &rsa2048)]).await.unwrap_err();
    assert!(
        matches!(err, SandboxError::RsaKeySize { bits: 2048, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("3072"), "{err}");

    let ed = ec_key(&rcgen::PKCS_ED25519);
    let err = start_with(vec![cert("k", &ed)]).await.unwrap_err();
    assert!(
        matches!(err, SandboxError::UnsupportedKeyType { .. }),
        "{err}"
    );

    let mut garbage = cert("k", p256());
    garbage.certificate_pem =
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n".into();
    let err = start_with(vec![garbage]).await.unwrap_err();
    assert!(
        matches!(err, SandboxError::InvalidCertificate { .. }),
        "{err}"
    );

    let mut private_key = cert("k", p256());
    private_key.certificate_pem = p256().key_pem.clone();
    let err = start_with(vec![private_key]).await.unwrap_err();
    assert!(
        matches!(err, SandboxError::InvalidCertificate { .. }),
        "{err}"
    );

    let mut expired_params = rcgen::CertificateParams::new(vec!["x".to_owned()]).unwrap();
    expired_params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(30);
    expired_params.not_after = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut expired = cert("k", p256());
    expired.certificate_pem = expired_params.self_signed(&kp).unwrap().pem();
    let err = start_with(vec![expired]).await.unwrap_err();
    assert!(
        matches!(err, SandboxError::InvalidCertificate { .. }),
        "{err}"
    );

    let err = start_with(vec![]).await.unwrap_err();
    assert!(matches!(err, SandboxError::InvalidConfig(_)), "{err}");
    let err = start_with(vec![cert("same", p256()), cert("same", p384())])
        .await
        .unwrap_err();
    assert!(matches!(err, SandboxError::InvalidConfig(_)), "{err}");

    // RSA 4096 and every accepted curve start fine.
    let rsa4096 = rsa_key(rcgen::RsaKeySize::_4096);
    let sb = start_with(vec![
        cert("a", &rsa4096),
        cert("b", p256()),
        cert("c", p384()),
        cert("d", p521()),
    ])
    .await
    .unwrap();
    sb.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let sb = start().await;
    let url = sb.token_url();
    // An idle keep-alive connection must not hold the shutdown up.
    let client = reqwest::Client::new();
    let first = client.post(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::BAD_REQUEST);
    sb.shutdown().await;
    let result = client.post(&url).send().await;
    assert!(result.is_err(), "server still answering after shutdown");
}
