//! Private keys and the JWS algorithms NetSuite accepts for client-credentials assertions.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING,
    ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair as _,
    RSA_PSS_SHA256, RSA_PSS_SHA384, RSA_PSS_SHA512,
};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

/// The algorithms NetSuite accepts for the assertion (netsuite-api.md §1.2). RS256 is deliberately absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
}

impl Algorithm {
    pub const ALL: [Algorithm; 6] = [
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
    ];

    /// The JWS `alg` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
        }
    }

    /// The EC curve this algorithm requires, or `None` for the RSA-PSS family.
    pub fn curve(self) -> Option<Curve> {
        match self {
            Algorithm::ES256 => Some(Curve::P256),
            Algorithm::ES384 => Some(Curve::P384),
            Algorithm::ES512 => Some(Curve::P521),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, KeyError> {
        let upper = s.trim().to_ascii_uppercase();
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == upper)
            .ok_or(KeyError::UnsupportedAlgorithm(s.trim().to_owned()))
    }
}

/// NIST curves NetSuite accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    fn signing(self) -> &'static EcdsaSigningAlgorithm {
        match self {
            Curve::P256 => &ECDSA_P256_SHA256_FIXED_SIGNING,
            Curve::P384 => &ECDSA_P384_SHA384_FIXED_SIGNING,
            Curve::P521 => &ECDSA_P521_SHA512_FIXED_SIGNING,
        }
    }

    /// The algorithm that goes with this curve.
    pub fn algorithm(self) -> Algorithm {
        match self {
            Curve::P256 => Algorithm::ES256,
            Curve::P384 => Algorithm::ES384,
            Curve::P521 => Algorithm::ES512,
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        })
    }
}

/// RSA sizes NetSuite accepts for M2M certificates (netsuite-api.md §1.3).
pub const RSA_BITS_ACCEPTED: [usize; 2] = [3072, 4096];

/// A private key could not be used. Messages say how to fix it and never contain key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "algorithm {0:?} is not accepted by NetSuite for client credentials: use PS256, PS384, PS512, ES256, ES384 or ES512{rs256}",
        rs256 = rs256_note(.0)
    )]
    UnsupportedAlgorithm(String),
    #[error(
        "the private key is encrypted; netsuite-mcp needs an unencrypted PKCS#8 PEM. Decrypt it with \
         `openssl pkcs8 -in key.pem -out private_key.pem` or make a new pair with `netsuite-mcp cert generate`"
    )]
    Encrypted,
    #[error(
        "this PEM holds a certificate, not a private key: point the key setting at private_key.pem and upload \
         certificate.pem to NetSuite"
    )]
    CertificateNotKey,
    #[error(
        "the private key is not a readable PEM ({0}); expected `-----BEGIN PRIVATE KEY-----` (PKCS#8), \
         `BEGIN RSA PRIVATE KEY` or `BEGIN EC PRIVATE KEY`"
    )]
    Unreadable(String),
    #[error(
        "the private key is neither RSA nor an EC key on P-256, P-384 or P-521, which are the only kinds NetSuite accepts"
    )]
    UnsupportedKeyType,
    #[error(
        "the RSA key has {0} bits; NetSuite accepts only 3072- or 4096-bit RSA keys. Make a new pair with \
         `netsuite-mcp cert generate --algorithm PS256 --rsa-bits 3072` and upload the new certificate"
    )]
    RsaSize(usize),
    #[error(
        "algorithm {algorithm} does not fit a {key}: use {expected} (or leave NETSUITE_ALGORITHM unset to infer it)"
    )]
    AlgorithmMismatch {
        algorithm: Algorithm,
        key: String,
        expected: String,
    },
    #[error("signing failed")]
    Signing,
}

fn rs256_note(alg: &str) -> &'static str {
    if alg.eq_ignore_ascii_case("RS256") {
        " (NetSuite stopped accepting RS256 on 1 March 2025; the same RSA key works with PS256)"
    } else {
        ""
    }
}

enum KeyMaterial {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair, Curve),
}

/// A parsed private key and the algorithm it signs with. `Debug` never shows key material.
pub struct SigningKey {
    material: KeyMaterial,
    algorithm: Algorithm,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kind", &self.kind_description())
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Parses a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC) and settles the algorithm: the one given, checked
    /// against the key, or the one the key implies (RSA → PS256, P-256 → ES256, P-384 → ES384, P-521 → ES512).
    pub fn from_pem(pem: &str, algorithm: Option<Algorithm>) -> Result<Self, KeyError> {
        let material = parse_pem(pem)?;
        let inferred = match &material {
            KeyMaterial::Rsa(kp) => {
                let bits = kp.public_modulus_len() * 8;
                if !RSA_BITS_ACCEPTED.contains(&bits) {
                    return Err(KeyError::RsaSize(bits));
                }
                Algorithm::PS256
            }
            KeyMaterial::Ec(_, curve) => curve.algorithm(),
        };
        let key = SigningKey {
            material,
            algorithm: inferred,
        };
        let algorithm = match algorithm {
            None => inferred,
            Some(a) => {
                let fits = match &key.material {
                    KeyMaterial::Rsa(_) => a.curve().is_none(),
                    KeyMaterial::Ec(_, curve) => a.curve() == Some(*curve),
                };
                if !fits {
                    let expected = match &key.material {
                        KeyMaterial::Rsa(_) => "PS256, PS384 or PS512".to_owned(),
                        KeyMaterial::Ec(_, curve) => curve.algorithm().to_string(),
                    };
                    return Err(KeyError::AlgorithmMismatch {
                        algorithm: a,
                        key: key.kind_description(),
                        expected,
                    });
                }
                a
            }
        };
        Ok(SigningKey { algorithm, ..key })
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// E.g. "3072-bit RSA key" or "EC P-256 key".
    pub fn kind_description(&self) -> String {
        match &self.material {
            KeyMaterial::Rsa(kp) => format!("{}-bit RSA key", kp.public_modulus_len() * 8),
            KeyMaterial::Ec(_, curve) => format!("EC {curve} key"),
        }
    }

    /// The public key as SubjectPublicKeyInfo-compatible bytes: for EC the uncompressed point, for RSA the
    /// PKCS#1 `RSAPublicKey` DER. Used to check that a certificate belongs to this key.
    pub fn public_key_bytes(&self) -> Vec<u8> {
        match &self.material {
            KeyMaterial::Rsa(kp) => kp.public_key().as_ref().to_vec(),
            KeyMaterial::Ec(kp, _) => kp.public_key().as_ref().to_vec(),
        }
    }

    /// Signs `message` with this key's algorithm; ECDSA signatures come out in JOSE form (raw R||S).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        match &self.material {
            KeyMaterial::Rsa(kp) => {
                let padding = match self.algorithm {
                    Algorithm::PS384 => &RSA_PSS_SHA384,
                    Algorithm::PS512 => &RSA_PSS_SHA512,
                    _ => &RSA_PSS_SHA256,
                };
                let mut sig = vec![0u8; kp.public_modulus_len()];
                kp.sign(padding, &rng, message, &mut sig)
                    .map_err(|_| KeyError::Signing)?;
                Ok(sig)
            }
            KeyMaterial::Ec(kp, _) => kp
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Signing),
        }
    }
}

fn parse_pem(pem: &str) -> Result<KeyMaterial, KeyError> {
    if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(KeyError::Encrypted);
    }
    if pem.contains("-----BEGIN CERTIFICATE-----") && !pem.contains("PRIVATE KEY-----") {
        return Err(KeyError::CertificateNotKey);
    }
    let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
        KeyError::Unreadable(match e {
            rustls_pki_types::pem::Error::NoItemsFound => "no private key block found".to_owned(),
            _ => "the base64 or DER inside is damaged".to_owned(),
        })
    })?;
    match der {
        PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der())
            .map(KeyMaterial::Rsa)
            .map_err(|_| KeyError::Unreadable("not a valid PKCS#1 RSA key".into())),
        PrivateKeyDer::Sec1(k) => ec_from_der(k.secret_sec1_der()).ok_or_else(|| {
            KeyError::Unreadable("not a valid SEC1 EC key on a supported curve".into())
        }),
        PrivateKeyDer::Pkcs8(k) => {
            let der = k.secret_pkcs8_der();
            if let Ok(kp) = RsaKeyPair::from_pkcs8(der) {
                return Ok(KeyMaterial::Rsa(kp));
            }
            ec_from_der(der).ok_or(KeyError::UnsupportedKeyType)
        }
        _ => Err(KeyError::UnsupportedKeyType),
    }
}

/// Accepts PKCS#8 or SEC1 (RFC 5915) DER on any of the three curves.
fn ec_from_der(der: &[u8]) -> Option<KeyMaterial> {
    [Curve::P256, Curve::P384, Curve::P521]
        .into_iter()
        .find_map(|curve| {
            EcdsaKeyPair::from_private_key_der(curve.signing(), der)
                .ok()
                .map(|kp| KeyMaterial::Ec(kp, curve))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{CertOptions, generate};

    fn pem_for(alg: Algorithm, bits: usize) -> String {
        generate(&CertOptions {
            algorithm: alg,
            rsa_bits: bits,
            days: 30,
            common_name: "test".into(),
        })
        .unwrap()
        .private_key_pem
    }

    #[test]
    fn algorithm_is_inferred_from_the_key() {
        for (alg, want) in [
            (Algorithm::PS384, Algorithm::PS256),
            (Algorithm::ES256, Algorithm::ES256),
            (Algorithm::ES384, Algorithm::ES384),
            (Algorithm::ES512, Algorithm::ES512),
        ] {
            let key = SigningKey::from_pem(&pem_for(alg, 3072), None).unwrap();
            assert_eq!(key.algorithm(), want);
        }
    }

    #[test]
    fn algorithm_that_does_not_fit_the_key_is_refused_with_the_right_one() {
        let ec = pem_for(Algorithm::ES256, 0);
        let err = SigningKey::from_pem(&ec, Some(Algorithm::ES384)).unwrap_err();
        assert!(err.to_string().contains("use ES256"), "{err}");
        let err = SigningKey::from_pem(&ec, Some(Algorithm::PS256)).unwrap_err();
        assert!(matches!(err, KeyError::AlgorithmMismatch { .. }));
        let rsa = pem_for(Algorithm::PS256, 3072);
        let err = SigningKey::from_pem(&rsa, Some(Algorithm::ES512)).unwrap_err();
        assert!(err.to_string().contains("PS256, PS384 or PS512"), "{err}");
        assert_eq!(
            SigningKey::from_pem(&rsa, Some(Algorithm::PS512))
                .unwrap()
                .algorithm(),
            Algorithm::PS512
        );
    }

    #[test]
    fn rs256_and_unknown_algorithms_are_refused_with_a_reason() {
        let err = "RS256".parse::<Algorithm>().unwrap_err();
        assert!(err.to_string().contains("1 March 2025"), "{err}");
        assert!("none".parse::<Algorithm>().is_err());
        assert!("HS256".parse::<Algorithm>().is_err());
        assert_eq!("ps256".parse::<Algorithm>().unwrap(), Algorithm::PS256);
    }

    #[test]
    fn rsa_2048_is_refused() {
        let kp =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .unwrap();
        let err = SigningKey::from_pem(&kp.serialize_pem(), None).unwrap_err();
        assert_eq!(err, KeyError::RsaSize(2048));
    }

    #[test]
    fn pkcs1_rsa_and_sec1_ec_pems_are_accepted() {
        use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
        // PKCS#1: wrap the DER of a PKCS#1 key made from a PKCS#8 one.
        let pkcs8 = pem_for(Algorithm::PS256, 3072);
        let der = PrivateKeyDer::from_pem_slice(pkcs8.as_bytes()).unwrap();
        let rsa = RsaKeyPair::from_pkcs8(der.secret_der()).unwrap();
        let _: Pkcs8V1Der = rsa.as_der().unwrap();
        let pkcs1 = rsa_pkcs1_der(&rsa);
        let pem1 = pem_block("RSA PRIVATE KEY", &pkcs1);
        let key = SigningKey::from_pem(&pem1, None).unwrap();
        assert_eq!(key.kind_description(), "3072-bit RSA key");

        // SEC1: aws-lc-rs exports the RFC 5915 form.
        let ec = pem_for(Algorithm::ES384, 0);
        let der = PrivateKeyDer::from_pem_slice(ec.as_bytes()).unwrap();
        let kp =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, der.secret_der()).unwrap();
        let sec1: aws_lc_rs::encoding::EcPrivateKeyRfc5915Der = kp.private_key().as_der().unwrap();
        let pem2 = pem_block("EC PRIVATE KEY", sec1.as_ref());
        let key = SigningKey::from_pem(&pem2, None).unwrap();
        assert_eq!(key.algorithm(), Algorithm::ES384);
    }

    #[test]
    fn encrypted_certificate_and_garbage_pems_get_distinct_errors() {
        assert_eq!(
            SigningKey::from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", None).unwrap_err(),
            KeyError::Encrypted
        );
        assert_eq!(
            SigningKey::from_pem(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                None
            )
            .unwrap_err(),
            KeyError::CertificateNotKey
        );
        assert!(matches!(
            SigningKey::from_pem("hello", None),
            Err(KeyError::Unreadable(_))
        ));
        assert!(matches!(
            SigningKey::from_pem(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                None
            ),
            Err(KeyError::Unreadable(_) | KeyError::UnsupportedKeyType)
        ));
        let ed = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        assert_eq!(
            SigningKey::from_pem(&ed.serialize_pem(), None).unwrap_err(),
            KeyError::UnsupportedKeyType
        );
    }

    #[test]
    fn debug_output_shows_no_key_material() {
        let key = SigningKey::from_pem(&pem_for(Algorithm::ES256, 0), None).unwrap();
        let dbg = format!("{key:?}");
        assert_eq!(
            dbg,
            "SigningKey { kind: \"EC P-256 key\", algorithm: ES256, .. }"
        );
    }

    fn pem_block(label: &str, der: &[u8]) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let body: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            body.join("\n")
        )
    }

    fn rsa_pkcs1_der(kp: &RsaKeyPair) -> Vec<u8> {
        // PKCS#8 PrivateKeyInfo wraps the PKCS#1 RSAPrivateKey in its last OCTET STRING; unwrap it.
        use aws_lc_rs::encoding::AsDer;
        let p8: aws_lc_rs::encoding::Pkcs8V1Der = kp.as_der().unwrap();
        let bytes = p8.as_ref();
        let (_, info) = x509_parser::der_parser::der::parse_der_sequence(bytes).unwrap();
        let items = info.as_sequence().unwrap();
        items[2].as_slice().unwrap().to_vec()
    }
}
