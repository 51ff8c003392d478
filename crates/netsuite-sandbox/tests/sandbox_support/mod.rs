//! Test-side keys, certificates and client assertions for the sandbox tests. Independent of the project's own
//! client code on purpose: assertions are built here with rcgen, jsonwebtoken and aws-lc-rs directly.
#![allow(dead_code)] // each test binary uses a different subset

pub mod login;

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, EcdsaSigningAlgorithm, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use netsuite_sandbox::{Sandbox, SandboxCertificate, SandboxConfig, SandboxHandle};
use rcgen::{CertificateParams, KeyPair, RsaKeySize, SignatureAlgorithm};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const ACCOUNT: &str = "1234567_SB1";
pub const CLIENT_ID: &str = "f3b1c0ffee0ddba11f3b1c0ffee0ddba11f3b1c0ffee0ddba11f3b1c0ffee0dd";
pub const RSA_KID: &str = "kid-rsa-3072";
pub const P256_KID: &str = "kid-p256";
pub const P384_KID: &str = "kid-p384";
pub const P521_KID: &str = "kid-p521";

/// A generated key pair and its self-signed certificate.
pub struct TestKey {
    pub key_pkcs8_der: Vec<u8>,
    pub key_pem: String,
    pub cert_pem: String,
}

pub fn make_key(key_pair: KeyPair) -> TestKey {
    let params = CertificateParams::new(vec!["netsuite-mcp-test".to_owned()]).unwrap();
    let cert = params.self_signed(&key_pair).unwrap();
    TestKey {
        key_pkcs8_der: key_pair.serialize_der(),
        key_pem: key_pair.serialize_pem(),
        cert_pem: cert.pem(),
    }
}

pub fn rsa_key(size: RsaKeySize) -> TestKey {
    make_key(KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size).unwrap())
}

pub fn ec_key(alg: &'static SignatureAlgorithm) -> TestKey {
    make_key(KeyPair::generate_for(alg).unwrap())
}

/// RSA key generation is slow in debug builds: one key per test binary.
pub fn rsa3072() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| rsa_key(RsaKeySize::_3072))
}

pub fn p256() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| ec_key(&rcgen::PKCS_ECDSA_P256_SHA256))
}

pub fn p384() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| ec_key(&rcgen::PKCS_ECDSA_P384_SHA384))
}

pub fn p521() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| ec_key(&rcgen::PKCS_ECDSA_P521_SHA512))
}

pub fn cert(id: &str, key: &TestKey) -> SandboxCertificate {
    SandboxCertificate {
        certificate_id: id.to_owned(),
        certificate_pem: key.cert_pem.clone(),
    }
}

/// A config mapping the RSA 3072, P-256, P-384 and P-521 test certificates.
pub fn config() -> SandboxConfig {
    SandboxConfig::new(
        ACCOUNT,
        CLIENT_ID,
        vec![
            cert(RSA_KID, rsa3072()),
            cert(P256_KID, p256()),
            cert(P384_KID, p384()),
            cert(P521_KID, p521()),
        ],
    )
}

pub async fn start() -> SandboxHandle {
    Sandbox::start(config()).await.unwrap()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims a correct client sends, valid for 5 minutes.
pub fn claims(sandbox: &SandboxHandle, scope: Value) -> Value {
    let now = now();
    json!({
        "iss": CLIENT_ID,
        "aud": sandbox.token_url(),
        "scope": scope,
        "iat": now,
        "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

pub fn header(alg: &str, kid: &str) -> Value {
    json!({ "typ": "JWT", "alg": alg, "kid": kid })
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How to sign the JWS signing input.
#[derive(Clone, Copy)]
pub enum Signer<'a> {
    /// RSASSA-PSS with SHA-256/384/512.
    Pss(&'a TestKey, u16),
    /// ECDSA, JOSE fixed-size R||S.
    Ecdsa(&'a TestKey, &'static EcdsaSigningAlgorithm),
    /// No signature at all (empty third part).
    Empty,
}

pub fn sign(signer: Signer<'_>, input: &[u8]) -> Vec<u8> {
    let rng = SystemRandom::new();
    match signer {
        Signer::Pss(key, bits) => {
            let kp = RsaKeyPair::from_pkcs8(&key.key_pkcs8_der).unwrap();
            let padding: &'static dyn signature::RsaEncoding = match bits {
                256 => &signature::RSA_PSS_SHA256,
                384 => &signature::RSA_PSS_SHA384,
                _ => &signature::RSA_PSS_SHA512,
            };
            let mut sig = vec![0; kp.public_modulus_len()];
            kp.sign(padding, &rng, input, &mut sig).unwrap();
            sig
        }
        Signer::Ecdsa(key, alg) => {
            let kp = EcdsaKeyPair::from_pkcs8(alg, &key.key_pkcs8_der).unwrap();
            kp.sign(&rng, input).unwrap().as_ref().to_vec()
        }
        Signer::Empty => Vec::new(),
    }
}

/// A compact JWS with exactly this header and these claims, signed by `signer`.
pub fn raw_jwt(header: &Value, claims: &Value, signer: Signer<'_>) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = sign(signer, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// A correct PS256 assertion (RSA 3072 key), for tests about what happens after the token endpoint.
pub fn good_assertion(sandbox: &SandboxHandle, scope: Value) -> String {
    raw_jwt(
        &header("PS256", RSA_KID),
        &claims(sandbox, scope),
        Signer::Pss(rsa3072(), 256),
    )
}

pub fn form(assertion: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".to_owned()),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
        ),
        ("client_assertion", assertion.to_owned()),
    ]
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
}

pub async fn answer(resp: reqwest::Response) -> Answer {
    Answer {
        status: resp.status(),
        headers: resp.headers().clone(),
        text: resp.text().await.unwrap(),
    }
}

pub async fn post_form(sandbox: &SandboxHandle, form: &[(&str, String)]) -> Answer {
    let resp = reqwest::Client::new()
        .post(sandbox.token_url())
        .form(form)
        .send()
        .await
        .unwrap();
    answer(resp).await
}

/// Posts a well-formed token request carrying `assertion`.
pub async fn request_token(sandbox: &SandboxHandle, assertion: &str) -> Answer {
    post_form(sandbox, &form(assertion)).await
}

/// A fresh access token with `scope`, asserting success.
pub async fn token(sandbox: &SandboxHandle, scope: Value) -> String {
    let a = request_token(sandbox, &good_assertion(sandbox, scope)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.json()["access_token"].as_str().unwrap().to_owned()
}

/// Asserts an OAuth error answer: status, and a body of exactly `{"error": error}`.
#[track_caller]
pub fn assert_oauth_error(a: &Answer, status: u16, error: &str) {
    assert_eq!(a.status.as_u16(), status, "body: {}", a.text);
    assert_eq!(a.json(), json!({ "error": error }));
}

pub async fn get(url: &str, bearer: Option<&str>) -> Answer {
    // As our client does: RESTlets need a Content-Type on every method, REST ignores it on a GET.
    let mut req = reqwest::Client::new()
        .get(url)
        .header("Content-Type", "application/json");
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    answer(req.send().await.unwrap()).await
}

/// A REST path the data router does not serve: with a valid token the router answers 404.
pub fn rest_probe(sandbox: &SandboxHandle) -> String {
    format!(
        "{}/services/rest/shell-test/v1/nothing-here",
        sandbox.base_url()
    )
}

/// The demo echo RESTlet.
pub fn restlet_probe(sandbox: &SandboxHandle) -> String {
    format!(
        "{}/app/site/hosting/restlet.nl?script=customscript_echo&deploy=customdeploy_echo",
        sandbox.base_url()
    )
}
