//! The sandbox's OAuth 2.0 client-credentials token endpoint: what it accepts, what it refuses and how.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod sandbox_support;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P256_SHA256_FIXED_SIGNING,
    ECDSA_P384_SHA384_FIXED_SIGNING, ECDSA_P521_SHA512_FIXED_SIGNING,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use netsuite_sandbox::Sandbox;
use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use sandbox_support::*;
use serde_json::{Value, json};

/// An assertion built by jsonwebtoken, a second independent JWS implementation.
fn jsonwebtoken_assertion(alg: Algorithm, kid: &str, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

async fn assert_token_works(sandbox: &netsuite_sandbox::SandboxHandle, a: &Answer) {
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let body = a.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(
        body["expires_in"],
        json!(3600),
        "expires_in must be a number"
    );
    let token = body["access_token"].as_str().expect("access_token string");
    assert!(token.len() >= 32, "token too short to be random: {token:?}");
    assert_eq!(body.as_object().map(|o| o.len()), Some(3), "{body}");
    assert_eq!(
        a.headers.get("cache-control").map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    let with = get(&rest_probe(sandbox), Some(token)).await;
    assert_eq!(with.status, StatusCode::NOT_FOUND, "{}", with.text);
    let without = get(&rest_probe(sandbox), None).await;
    assert_eq!(without.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn pss_assertions_from_jsonwebtoken_are_accepted() {
    let sb = start().await;
    let key = EncodingKey::from_rsa_pem(rsa3072().key_pem.as_bytes()).unwrap();
    for alg in [Algorithm::PS256, Algorithm::PS384, Algorithm::PS512] {
        let jwt =
            jsonwebtoken_assertion(alg, RSA_KID, &key, &claims(&sb, json!("rest_webservices")));
        assert_token_works(&sb, &request_token(&sb, &jwt).await).await;
    }
    let c = sb.counters();
    assert_eq!((c.token_requests, c.tokens_issued), (3, 3));
}

#[tokio::test]
async fn ecdsa_assertions_from_jsonwebtoken_are_accepted() {
    let sb = start().await;
    let p256_key = EncodingKey::from_ec_pem(p256().key_pem.as_bytes()).unwrap();
    let jwt = jsonwebtoken_assertion(
        Algorithm::ES256,
        P256_KID,
        &p256_key,
        &claims(&sb, json!(["rest_webservices"])),
    );
    assert_token_works(&sb, &request_token(&sb, &jwt).await).await;
    let p384_key = EncodingKey::from_ec_pem(p384().key_pem.as_bytes()).unwrap();
    let jwt = jsonwebtoken_assertion(
        Algorithm::ES384,
        P384_KID,
        &p384_key,
        &claims(&sb, json!(["rest_webservices"])),
    );
    assert_token_works(&sb, &request_token(&sb, &jwt).await).await;
}

#[tokio::test]
async fn every_allowed_algorithm_signed_with_aws_lc_is_accepted() {
    let sb = start().await;
    let cases: [(&str, &str, Signer); 6] = [
        ("PS256", RSA_KID, Signer::Pss(rsa3072(), 256)),
        ("PS384", RSA_KID, Signer::Pss(rsa3072(), 384)),
        ("PS512", RSA_KID, Signer::Pss(rsa3072(), 512)),
        (
            "ES256",
            P256_KID,
            Signer::Ecdsa(p256(), &ECDSA_P256_SHA256_FIXED_SIGNING),
        ),
        (
            "ES384",
            P384_KID,
            Signer::Ecdsa(p384(), &ECDSA_P384_SHA384_FIXED_SIGNING),
        ),
        (
            "ES512",
            P521_KID,
            Signer::Ecdsa(p521(), &ECDSA_P521_SHA512_FIXED_SIGNING),
        ),
    ];
    for (alg, kid, signer) in cases {
        let jwt = raw_jwt(
            &header(alg, kid),
            &claims(&sb, json!("rest_webservices")),
            signer,
        );
        let a = request_token(&sb, &jwt).await;
        assert_eq!(a.status, StatusCode::OK, "{alg}: {}", a.text);
        assert_token_works(&sb, &a).await;
    }
}

#[tokio::test]
async fn malformed_requests_are_invalid_request() {
    let sb = start().await;
    let jwt = good_assertion(&sb, json!("rest_webservices"));
    let full = form(&jwt);
    let without = |name: &str| -> Vec<(&'static str, String)> {
        full.iter().filter(|(k, _)| *k != name).cloned().collect()
    };
    let with = |name: &'static str, value: &str| -> Vec<(&'static str, String)> {
        let mut f: Vec<_> = full.iter().filter(|(k, _)| *k != name).cloned().collect();
        f.push((name, value.to_owned()));
        f
    };

    for name in ["grant_type", "client_assertion_type", "client_assertion"] {
        let a = post_form(&sb, &without(name)).await;
        assert_oauth_error(&a, 400, "invalid_request");
    }
    let a = post_form(
        &sb,
        &with(
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
        ),
    )
    .await;
    assert_oauth_error(&a, 400, "invalid_request");
    // A second client authentication method.
    let a = post_form(&sb, &with("client_secret", "s3cret")).await;
    assert_oauth_error(&a, 400, "invalid_request");
    let resp = reqwest::Client::new()
        .post(sb.token_url())
        .basic_auth(CLIENT_ID, Some("s3cret"))
        .form(&full)
        .send()
        .await
        .unwrap();
    assert_oauth_error(&answer(resp).await, 400, "invalid_request");
    // A repeated parameter.
    let mut twice = full.clone();
    twice.push(("grant_type", "client_credentials".to_owned()));
    assert_oauth_error(&post_form(&sb, &twice).await, 400, "invalid_request");
    // Not form-encoded.
    let as_json: serde_json::Map<String, Value> = full
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let resp = reqwest::Client::new()
        .post(sb.token_url())
        .json(&as_json)
        .send()
        .await
        .unwrap();
    assert_oauth_error(&answer(resp).await, 400, "invalid_request");
    // Assertions that are not a JWS.
    let not_json = format!("{}.{}.{}", b64(b"not json"), b64(b"{}"), b64(b"sig"));
    for bad in ["abc", "a.b", "a.b.c.d", "!!!.@@@.###", not_json.as_str()] {
        let a = request_token(&sb, bad).await;
        assert_oauth_error(&a, 400, "invalid_request");
    }
    // Padded base64 is not base64url-without-padding.
    let (h, rest) = jwt.split_once('.').unwrap();
    let padded = format!("{h}==.{rest}");
    assert_oauth_error(&request_token(&sb, &padded).await, 400, "invalid_request");

    let c = sb.counters();
    assert_eq!(c.tokens_issued, 0);
    assert_eq!(c.token_requests, c.token_rejections);
}

#[tokio::test]
async fn other_grant_types_are_unsupported() {
    let sb = start().await;
    let mut f = form(&good_assertion(&sb, json!("rest_webservices")));
    for grant in ["password", "urn:ietf:params:oauth:grant-type:jwt-bearer"] {
        f[0].1 = grant.to_owned();
        assert_oauth_error(&post_form(&sb, &f).await, 400, "unsupported_grant_type");
    }
    // The authorization code grant exists, but a client assertion is not how its clients authenticate.
    f[0].1 = "authorization_code".to_owned();
    assert_oauth_error(&post_form(&sb, &f).await, 400, "invalid_request");
}

#[tokio::test]
async fn unknown_issuer_is_invalid_client_with_basic_challenge() {
    let sb = start().await;
    let mut c = claims(&sb, json!("rest_webservices"));
    c["iss"] = json!("0000000000000000000000000000000000000000000000000000000000000000");
    let a = request_token(
        &sb,
        &raw_jwt(&header("PS256", RSA_KID), &c, Signer::Pss(rsa3072(), 256)),
    )
    .await;
    assert_oauth_error(&a, 401, "invalid_client");
    assert_eq!(
        a.headers.get(WWW_AUTHENTICATE).map(|v| v.to_str().unwrap()),
        Some("Basic realm=\"1234567_SB1\"")
    );
    // A missing issuer cannot name the client either.
    c.as_object_mut().unwrap().remove("iss");
    let a = request_token(
        &sb,
        &raw_jwt(&header("PS256", RSA_KID), &c, Signer::Pss(rsa3072(), 256)),
    )
    .await;
    assert_oauth_error(&a, 401, "invalid_client");
}

#[tokio::test]
async fn key_id_and_algorithm_problems_are_invalid_grant() {
    let sb = start().await;
    let c = claims(&sb, json!("rest_webservices"));
    let pss = Signer::Pss(rsa3072(), 256);
    let stranger = ec_key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let es256 = Signer::Ecdsa(p256(), &ECDSA_P256_SHA256_FIXED_SIGNING);

    let mut no_kid = header("PS256", RSA_KID);
    no_kid.as_object_mut().unwrap().remove("kid");
    let mut no_typ = header("PS256", RSA_KID);
    no_typ.as_object_mut().unwrap().remove("typ");
    let cases: Vec<(&str, Value, Signer)> = vec![
        ("missing kid", no_kid, pss),
        ("empty kid", header("PS256", ""), pss),
        (
            "unknown kid",
            header("PS256", "some-other-certificate"),
            pss,
        ),
        ("missing typ", no_typ, pss),
        ("alg none", header("none", RSA_KID), Signer::Empty),
        ("EdDSA", header("EdDSA", RSA_KID), pss),
        (
            "PS256 with an EC certificate",
            header("PS256", P256_KID),
            pss,
        ),
        (
            "ES256 with an RSA certificate",
            header("ES256", RSA_KID),
            es256,
        ),
        (
            "ES256 with a P-384 certificate",
            header("ES256", P384_KID),
            es256,
        ),
        // ES256 signed by a P-256 key that is not the mapped one.
        (
            "signature by another key",
            header("ES256", P256_KID),
            Signer::Ecdsa(&stranger, &ECDSA_P256_SHA256_FIXED_SIGNING),
        ),
        // JOSE wants R||S; a DER signature from the right key must still fail.
        (
            "DER-encoded ECDSA signature",
            header("ES256", P256_KID),
            Signer::Ecdsa(p256(), &ECDSA_P256_SHA256_ASN1_SIGNING),
        ),
        // The header says PS384 but the signature is PS256.
        (
            "alg header does not match signature",
            header("PS384", RSA_KID),
            pss,
        ),
    ];
    for (what, h, signer) in cases {
        let a = request_token(&sb, &raw_jwt(&h, &c, signer)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{what}: {}", a.text);
        assert_eq!(a.json(), json!({"error": "invalid_grant"}), "{what}");
    }

    // RS256 (PKCS#1 v1.5) and HS256 keyed with the public certificate, both made by jsonwebtoken.
    let rs256 = jsonwebtoken_assertion(
        Algorithm::RS256,
        RSA_KID,
        &EncodingKey::from_rsa_pem(rsa3072().key_pem.as_bytes()).unwrap(),
        &c,
    );
    assert_oauth_error(&request_token(&sb, &rs256).await, 400, "invalid_grant");
    let hs256 = jsonwebtoken_assertion(
        Algorithm::HS256,
        RSA_KID,
        &EncodingKey::from_secret(rsa3072().cert_pem.as_bytes()).unwrap(),
        &c,
    );
    assert_oauth_error(&request_token(&sb, &hs256).await, 400, "invalid_grant");

    // A valid signature over different claims: tamper with the payload after signing.
    let good = good_assertion(&sb, json!("rest_webservices"));
    let parts: Vec<&str> = good.split('.').collect();
    let mut tampered_claims = c.clone();
    tampered_claims["scope"] = json!("rest_webservices,restlets");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(tampered_claims.to_string().as_bytes()),
        parts[2]
    );
    assert_oauth_error(&request_token(&sb, &tampered).await, 400, "invalid_grant");

    assert_eq!(sb.counters().tokens_issued, 0);
}

#[tokio::test]
async fn claim_problems_are_invalid_grant_and_boundaries_pass() {
    let sb = start().await;
    let now = now();
    let sign = |c: &Value| {
        raw_jwt(
            &header("ES256", P256_KID),
            c,
            Signer::Ecdsa(p256(), &ECDSA_P256_SHA256_FIXED_SIGNING),
        )
    };
    let base = claims(&sb, json!("rest_webservices"));
    let with = |k: &str, v: Value| {
        let mut c = base.clone();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = base.clone();
        c.as_object_mut().unwrap().remove(k);
        c
    };
    let with_times = |iat: i64, exp: i64| with("iat", json!(iat)).tap_set("exp", json!(exp));

    let refused: Vec<(&str, Value)> = vec![
        ("expired", with_times(now - 600, now - 10)),
        ("missing exp", without("exp")),
        (
            "exp as a string",
            with("exp", json!((now + 300).to_string())),
        ),
        ("missing iat", without("iat")),
        ("lifetime over 3600 s", with_times(now - 5, now - 5 + 3601)),
        (
            "iat beyond the clock skew",
            with_times(now + 300, now + 600),
        ),
        ("exp before iat", with_times(now + 10, now + 5)),
        ("nbf in the future", with("nbf", json!(now + 600))),
        ("missing aud", without("aud")),
        (
            "aud of the real NetSuite host",
            with(
                "aud",
                json!(
                    "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
                ),
            ),
        ),
        (
            "aud with a trailing slash",
            with("aud", json!(format!("{}/", sb.token_url()))),
        ),
        (
            "aud as an array of another URL",
            with("aud", json!(["https://example.com/token"])),
        ),
    ];
    for (what, c) in refused {
        let a = request_token(&sb, &sign(&c)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{what}: {}", a.text);
        assert_eq!(a.json(), json!({"error": "invalid_grant"}), "{what}");
    }
    assert_eq!(sb.counters().tokens_issued, 0);

    let accepted: Vec<(&str, Value)> = vec![
        (
            "lifetime exactly 3600 s",
            with_times(now - 5, now - 5 + 3600),
        ),
        ("iat within the clock skew", with_times(now + 30, now + 300)),
        (
            "aud as an array naming the endpoint",
            with("aud", json!([sb.token_url()])),
        ),
        ("no jti", without("jti")),
    ];
    for (what, c) in accepted {
        let a = request_token(&sb, &sign(&c)).await;
        assert_eq!(a.status, StatusCode::OK, "{what}: {}", a.text);
    }
    assert_eq!(sb.counters().tokens_issued, 4);
}

/// Small helper so claim variations read as one expression.
trait TapSet {
    fn tap_set(self, key: &str, value: Value) -> Self;
}

impl TapSet for Value {
    fn tap_set(mut self, key: &str, value: Value) -> Self {
        self[key] = value;
        self
    }
}

#[tokio::test]
async fn scope_forms_and_scope_problems() {
    let mut cfg = config();
    cfg.enabled_scopes = vec!["rest_webservices".into(), "restlets".into()];
    let sb = Sandbox::start(cfg).await.unwrap();

    for scope in [
        json!("rest_webservices"),
        json!("rest_webservices,restlets"),
        json!("restlets, rest_webservices"),
        json!("restlets rest_webservices"),
        json!(["restlets", "rest_webservices"]),
        json!(["rest_webservices"]),
    ] {
        let a = request_token(&sb, &good_assertion(&sb, scope.clone())).await;
        assert_eq!(a.status, StatusCode::OK, "{scope}: {}", a.text);
    }
    for scope in [json!(""), json!(" , "), json!([]), json!([7]), json!(null)] {
        let a = request_token(&sb, &good_assertion(&sb, scope.clone())).await;
        assert_eq!(a.json(), json!({"error": "invalid_scope"}), "{scope}");
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
    }
    let mut no_scope = claims(&sb, json!("x"));
    no_scope.as_object_mut().unwrap().remove("scope");
    let a = request_token(
        &sb,
        &raw_jwt(
            &header("PS256", RSA_KID),
            &no_scope,
            Signer::Pss(rsa3072(), 256),
        ),
    )
    .await;
    assert_oauth_error(&a, 400, "invalid_scope");
    // Not enabled on this integration, unknown, or not usable with client credentials.
    for scope in [
        json!("suite_analytics"),
        json!(["rest_webservices", "suite_analytics"]),
        json!("mcp"),
        json!("email"),
    ] {
        let a = request_token(&sb, &good_assertion(&sb, scope.clone())).await;
        assert_eq!(a.json(), json!({"error": "invalid_scope"}), "{scope}");
    }
    assert_eq!(sb.counters().tokens_issued, 6);
}
