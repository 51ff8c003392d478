//! Mapped M2M certificates: what NetSuite accepts at upload (netsuite-api.md §1.3) and the public keys the
//! token endpoint verifies assertions with.

use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
    OID_PKCS1_RSAENCRYPTION, OID_PKCS1_RSASSAPSS,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::RSAPublicKey;

use super::{SandboxCertificate, SandboxError};

/// RSA modulus sizes NetSuite accepts for M2M certificates (no 2048).
const RSA_BITS_ALLOWED: [usize; 2] = [3072, 4096];

/// The kind of key a certificate carries; it decides which JWT `alg` values can be verified with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa,
    P256,
    P384,
    P521,
}

/// One mapped certificate, reduced to what verification needs.
#[derive(Debug, Clone)]
pub(crate) struct MappedKey {
    pub certificate_id: String,
    pub kind: KeyKind,
    /// RSA: DER `RSAPublicKey`; EC: the uncompressed point. Exactly what aws-lc-rs verifiers take.
    pub public_key: Vec<u8>,
}

/// Parses and vets one certificate the way NetSuite's upload form would.
pub(crate) fn map_certificate(cert: &SandboxCertificate) -> Result<MappedKey, SandboxError> {
    let id = cert.certificate_id.clone();
    let invalid = |reason: String| SandboxError::InvalidCertificate {
        certificate_id: id.clone(),
        reason,
    };
    if cert.certificate_id.trim().is_empty() {
        return Err(invalid("the certificate ID is empty".into()));
    }
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert.certificate_pem.as_bytes())
        .map_err(|e| invalid(format!("not a PEM block: {e}")))?;
    if pem.label != "CERTIFICATE" {
        return Err(invalid(format!(
            "expected a `BEGIN CERTIFICATE` PEM block, found `BEGIN {}`",
            pem.label
        )));
    }
    let x509 = pem
        .parse_x509()
        .map_err(|e| invalid(format!("not an X.509 certificate: {e}")))?;
    if x509.validity().time_to_expiration().is_none() {
        return Err(invalid("the certificate has expired".into()));
    }

    let spki = x509.public_key();
    let key_bytes: &[u8] = &spki.subject_public_key.data;
    let algorithm = &spki.algorithm.algorithm;
    if *algorithm == OID_PKCS1_RSAENCRYPTION || *algorithm == OID_PKCS1_RSASSAPSS {
        let (_, rsa) = RSAPublicKey::from_der(key_bytes)
            .map_err(|_| invalid("malformed RSA public key".into()))?;
        let bits = rsa_modulus_bits(rsa.modulus);
        if !RSA_BITS_ALLOWED.contains(&bits) {
            return Err(SandboxError::RsaKeySize {
                certificate_id: id,
                bits,
            });
        }
        return Ok(MappedKey {
            certificate_id: id,
            kind: KeyKind::Rsa,
            public_key: key_bytes.to_vec(),
        });
    }
    if *algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .ok_or_else(|| invalid("EC key without a named curve".into()))?;
        let kind = if curve == OID_EC_P256 {
            KeyKind::P256
        } else if curve == OID_NIST_EC_P384 {
            KeyKind::P384
        } else if curve == OID_NIST_EC_P521 {
            KeyKind::P521
        } else {
            return Err(SandboxError::UnsupportedCurve {
                certificate_id: id,
                curve: curve.to_id_string(),
            });
        };
        return Ok(MappedKey {
            certificate_id: id,
            kind,
            public_key: key_bytes.to_vec(),
        });
    }
    Err(SandboxError::UnsupportedKeyType {
        certificate_id: id,
        algorithm: algorithm.to_id_string(),
    })
}

/// Bit length of a big-endian unsigned integer (DER integers may carry a leading zero byte).
fn rsa_modulus_bits(modulus: &[u8]) -> usize {
    let trimmed: &[u8] = match modulus.iter().position(|b| *b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    let leading = trimmed.first().map_or(0, |b| b.leading_zeros() as usize);
    trimmed.len() * 8 - leading
}

#[cfg(test)]
mod tests {
    use super::rsa_modulus_bits;

    #[test]
    fn modulus_bits_ignore_leading_zeros() {
        assert_eq!(rsa_modulus_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(rsa_modulus_bits(&[0x01, 0xff]), 9);
        assert_eq!(rsa_modulus_bits(&[0x00]), 0);
        assert_eq!(rsa_modulus_bits(&[]), 0);
    }
}
