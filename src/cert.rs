//! `cert generate`: a private key and a self-signed X.509 certificate to upload to NetSuite's M2M setup.

use rcgen::{
    CertificateParams, DistinguishedName, DnType, KeyPair, RsaKeySize, SignatureAlgorithm,
};
use time::{Duration, OffsetDateTime};

use crate::auth::Algorithm;

/// NetSuite cuts certificates to two years (netsuite-api.md §1.3); we never issue longer ones.
pub const MAX_CERT_DAYS: u32 = 730;

/// What to generate.
#[derive(Debug, Clone)]
pub struct CertOptions {
    pub algorithm: Algorithm,
    /// 3072 or 4096; ignored for EC algorithms.
    pub rsa_bits: usize,
    /// 1..=730.
    pub days: u32,
    pub common_name: String,
}

/// A generated pair, both in PEM. The key is PKCS#8.
pub struct GeneratedCert {
    pub private_key_pem: String,
    pub certificate_pem: String,
}

impl std::fmt::Debug for GeneratedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedCert").finish_non_exhaustive()
    }
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("--rsa-bits {0} is not accepted by NetSuite: use 3072 or 4096")]
    RsaBits(usize),
    #[error("--days {0} is out of range: NetSuite accepts certificates valid for 1 to 730 days")]
    Days(u32),
    #[error("key or certificate generation failed: {0}")]
    Generation(#[from] rcgen::Error),
}

/// Generates a key pair for `options.algorithm` and a self-signed certificate valid from now for `days`.
pub fn generate(options: &CertOptions) -> Result<GeneratedCert, CertError> {
    if options.days == 0 || options.days > MAX_CERT_DAYS {
        return Err(CertError::Days(options.days));
    }
    let key = match options.algorithm.curve() {
        Some(curve) => {
            let alg: &'static SignatureAlgorithm = match curve {
                crate::auth::Curve::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
                crate::auth::Curve::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
                crate::auth::Curve::P521 => &rcgen::PKCS_ECDSA_P521_SHA512,
            };
            KeyPair::generate_for(alg)?
        }
        None => {
            let size = match options.rsa_bits {
                3072 => RsaKeySize::_3072,
                4096 => RsaKeySize::_4096,
                other => return Err(CertError::RsaBits(other)),
            };
            // The certificate's own signature uses PKCS#1 v1.5 (universally readable); the JWT uses PSS.
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size)?
        }
    };
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, options.common_name.clone());
    params.distinguished_name = dn;
    let now = OffsetDateTime::now_utc();
    // Back-date a little so a NetSuite clock slightly behind ours does not see a not-yet-valid certificate.
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(i64::from(options.days));
    let cert = params.self_signed(&key)?;
    Ok(GeneratedCert {
        private_key_pem: key.serialize_pem(),
        certificate_pem: cert.pem(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(algorithm: Algorithm, rsa_bits: usize, days: u32) -> CertOptions {
        CertOptions {
            algorithm,
            rsa_bits,
            days,
            common_name: "netsuite-mcp".into(),
        }
    }

    #[test]
    fn generated_certificate_carries_the_requested_validity() {
        let g = generate(&opts(Algorithm::ES256, 0, 730)).unwrap();
        let (_, pem) = x509_parser::pem::parse_x509_pem(g.certificate_pem.as_bytes()).unwrap();
        let cert = pem.parse_x509().unwrap();
        let v = cert.validity();
        let days = (v.not_after.timestamp() - v.not_before.timestamp()) / 86_400;
        assert_eq!(days, 730, "5 minutes of back-dating do not make a day");
        assert!(g.private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn out_of_range_days_and_rsa_sizes_are_refused() {
        assert!(matches!(
            generate(&opts(Algorithm::ES256, 0, 731)),
            Err(CertError::Days(731))
        ));
        assert!(matches!(
            generate(&opts(Algorithm::ES256, 0, 0)),
            Err(CertError::Days(0))
        ));
        assert!(matches!(
            generate(&opts(Algorithm::PS256, 2048, 30)),
            Err(CertError::RsaBits(2048))
        ));
    }
}
