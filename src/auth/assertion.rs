//! The client-credentials JWT assertion (netsuite-api.md §1.2): pure claims building and JWS signing.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use super::key::{KeyError, SigningKey};

/// Lifetime of one assertion. NetSuite refuses more than 60 minutes; it is used once, seconds after signing.
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// OAuth 2.0 scopes usable with client credentials. (`mcp` is not: NetSuite's own MCP needs auth code + PKCE.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    RestWebservices,
    Restlets,
    SuiteAnalytics,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::RestWebservices => "rest_webservices",
            Scope::Restlets => "restlets",
            Scope::SuiteAnalytics => "suite_analytics",
        }
    }

    /// The default set: REST web services and RESTlets.
    pub fn defaults() -> Vec<Scope> {
        vec![Scope::RestWebservices, Scope::Restlets]
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rest_webservices" => Ok(Scope::RestWebservices),
            "restlets" => Ok(Scope::Restlets),
            "suite_analytics" => Ok(Scope::SuiteAnalytics),
            "mcp" => Err("scope mcp cannot be used with client credentials (NetSuite allows it only with \
                          authorization code + PKCE); use rest_webservices, restlets or suite_analytics"
                .to_owned()),
            other => Err(format!(
                "unknown scope {other:?}: use rest_webservices, restlets or suite_analytics"
            )),
        }
    }
}

/// Everything that goes into an assertion except the time and the key.
#[derive(Clone)]
pub struct AssertionParams {
    /// Integration record's client ID (`iss`).
    pub client_id: String,
    /// Certificate ID from the M2M setup (`kid`).
    pub certificate_id: String,
    /// The exact token URL in use (`aud`).
    pub audience: String,
    pub scopes: Vec<Scope>,
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ScopeClaim<'a> {
    One(&'a str),
    Many(Vec<&'a str>),
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: ScopeClaim<'a>,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

/// Signs a fresh assertion: `typ` JWT, `alg`, `kid`; `iss`, `scope` (a string for one scope, an array for
/// several — both doc examples send an array), `aud`, `iat` = `now`, `exp` = `iat` + [`ASSERTION_LIFETIME`],
/// and a random `jti`.
pub fn sign_assertion(
    params: &AssertionParams,
    key: &SigningKey,
    now: SystemTime,
) -> Result<String, KeyError> {
    let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let scope_names: Vec<&str> = params.scopes.iter().map(|s| s.as_str()).collect();
    let scope = match scope_names.as_slice() {
        [one] => ScopeClaim::One(one),
        _ => ScopeClaim::Many(scope_names),
    };
    let header = Header {
        alg: key.algorithm().as_str(),
        typ: "JWT",
        kid: &params.certificate_id,
    };
    let claims = Claims {
        iss: &params.client_id,
        scope,
        aud: &params.audience,
        iat,
        exp: iat + ASSERTION_LIFETIME.as_secs(),
        jti: uuid::Uuid::new_v4().to_string(),
    };
    let mut jws = String::new();
    jws.push_str(
        &URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).map_err(|_| KeyError::Signing)?),
    );
    jws.push('.');
    jws.push_str(
        &URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).map_err(|_| KeyError::Signing)?),
    );
    let signature = key.sign(jws.as_bytes())?;
    jws.push('.');
    jws.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(jws)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Algorithm;
    use crate::cert::{CertOptions, generate};
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
    use serde_json::Value;

    fn params(scopes: Vec<Scope>) -> AssertionParams {
        AssertionParams {
            client_id: "a".repeat(64),
            certificate_id: "HRril7VwkkW2y0wAzFR9GKk1LVTHSZPeq5EeWT2Fgks".into(),
            audience:
                "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
                    .into(),
            scopes,
        }
    }

    fn payload(jwt: &str) -> Value {
        let part = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn assertions_of_every_algorithm_verify_against_the_certificate() {
        for alg in Algorithm::ALL {
            let g = generate(&CertOptions {
                algorithm: alg,
                rsa_bits: 3072,
                days: 30,
                common_name: "t".into(),
            })
            .unwrap();
            let key = SigningKey::from_pem(&g.private_key_pem, Some(alg)).unwrap();
            let now = SystemTime::now();
            let jwt = sign_assertion(&params(Scope::defaults()), &key, now).unwrap();
            let parts: Vec<&str> = jwt.split('.').collect();
            assert_eq!(parts.len(), 3);
            assert!(parts.iter().all(|p| !p.contains('=')), "no padding");
            let header: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
            assert_eq!(header["typ"], "JWT");
            assert_eq!(header["alg"], alg.as_str());
            assert_eq!(header["kid"], "HRril7VwkkW2y0wAzFR9GKk1LVTHSZPeq5EeWT2Fgks");
            let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
            match alg {
                // JOSE form: raw R||S, twice the field size — not DER.
                Algorithm::ES256 => assert_eq!(sig.len(), 64),
                Algorithm::ES384 => assert_eq!(sig.len(), 96),
                Algorithm::ES512 => assert_eq!(sig.len(), 132),
                _ => assert_eq!(sig.len(), 384),
            }
            // Independent verification with the certificate's public key (jsonwebtoken has no ES512; aws-lc-rs does).
            let message = format!("{}.{}", parts[0], parts[1]);
            verify_with_certificate(alg, &g.certificate_pem, message.as_bytes(), &sig);
            if alg != Algorithm::ES512 {
                let dk = if alg.curve().is_some() {
                    DecodingKey::from_ec_pem(g.certificate_pem.as_bytes()).unwrap()
                } else {
                    DecodingKey::from_rsa_pem(g.certificate_pem.as_bytes()).unwrap()
                };
                let jalg = decode_header(&jwt).unwrap().alg;
                let mut v = Validation::new(jalg);
                v.set_audience(&[params(vec![]).audience]);
                v.set_issuer(&["a".repeat(64)]);
                decode::<Value>(&jwt, &dk, &v).unwrap();
            }
        }
    }

    fn verify_with_certificate(alg: Algorithm, cert_pem: &str, msg: &[u8], sig: &[u8]) {
        use aws_lc_rs::signature::{self as s, UnparsedPublicKey};
        let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()).unwrap();
        let cert = pem.parse_x509().unwrap();
        let spki = cert.public_key().subject_public_key.data.to_vec();
        let verifier: &dyn s::VerificationAlgorithm = match alg {
            Algorithm::PS256 => &s::RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &s::RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &s::RSA_PSS_2048_8192_SHA512,
            Algorithm::ES256 => &s::ECDSA_P256_SHA256_FIXED,
            Algorithm::ES384 => &s::ECDSA_P384_SHA384_FIXED,
            Algorithm::ES512 => &s::ECDSA_P521_SHA512_FIXED,
        };
        UnparsedPublicKey::new(verifier, spki)
            .verify(msg, sig)
            .unwrap();
    }

    #[test]
    fn claims_carry_issuer_audience_and_a_short_lifetime() {
        let g = generate(&CertOptions {
            algorithm: Algorithm::ES256,
            rsa_bits: 0,
            days: 30,
            common_name: "t".into(),
        })
        .unwrap();
        let key = SigningKey::from_pem(&g.private_key_pem, None).unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let jwt = sign_assertion(
            &params(vec![Scope::RestWebservices, Scope::Restlets]),
            &key,
            now,
        )
        .unwrap();
        let p = payload(&jwt);
        assert_eq!(p["iss"], "a".repeat(64));
        assert_eq!(p["aud"], params(vec![]).audience);
        assert_eq!(p["iat"], 1_800_000_000u64);
        assert_eq!(p["exp"], 1_800_000_300u64);
        assert_eq!(
            p["scope"],
            serde_json::json!(["rest_webservices", "restlets"])
        );
        assert_eq!(p["jti"].as_str().unwrap().len(), 36);
        let again = sign_assertion(&params(Scope::defaults()), &key, now).unwrap();
        assert_ne!(payload(&again)["jti"], p["jti"], "jti is fresh each time");
    }

    #[test]
    fn a_single_scope_is_sent_as_a_string() {
        let g = generate(&CertOptions {
            algorithm: Algorithm::ES256,
            rsa_bits: 0,
            days: 30,
            common_name: "t".into(),
        })
        .unwrap();
        let key = SigningKey::from_pem(&g.private_key_pem, None).unwrap();
        let jwt = sign_assertion(
            &params(vec![Scope::RestWebservices]),
            &key,
            SystemTime::now(),
        )
        .unwrap();
        assert_eq!(payload(&jwt)["scope"], "rest_webservices");
    }

    #[test]
    fn scope_parsing_refuses_mcp_and_unknown_names() {
        assert_eq!(
            "REST_WEBSERVICES".parse::<Scope>().unwrap(),
            Scope::RestWebservices
        );
        assert!("mcp".parse::<Scope>().unwrap_err().contains("PKCE"));
        assert!(
            "email"
                .parse::<Scope>()
                .unwrap_err()
                .contains("unknown scope")
        );
    }
}
