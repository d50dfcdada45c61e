//! The optional ring backend, for the algorithms ring verifies: ECDSA P-256 and P-384, RSA
//! (PKCS #1 v1.5 and PSS) and Ed25519.

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm};

use super::rustcrypto::uncompressed_point;
use super::{bad_signature, ed25519};
use crate::cose::{CoseAlgorithm, CoseKey, KeyParams};
use crate::error::Result;

/// Verifies with ring, or returns `None` when ring does not handle this algorithm.
pub(super) fn verify(key: &CoseKey<'_>, message: &[u8], sig: &[u8]) -> Option<Result<()>> {
    let ok = match *key.params() {
        KeyParams::Ec2 { x, y, .. } => {
            let algorithm: &dyn VerificationAlgorithm = match key.alg() {
                CoseAlgorithm::Es256 | CoseAlgorithm::Esp256 => &signature::ECDSA_P256_SHA256_ASN1,
                CoseAlgorithm::Es384 => &signature::ECDSA_P384_SHA384_ASN1,
                _ => return None,
            };
            let (point, len) = uncompressed_point(x, y);
            UnparsedPublicKey::new(algorithm, point.get(..len).unwrap_or_default()).verify(message, sig).is_ok()
        }
        KeyParams::Rsa { n, e } => {
            let params = match key.alg() {
                CoseAlgorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                CoseAlgorithm::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                CoseAlgorithm::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                CoseAlgorithm::Rs1 => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                CoseAlgorithm::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
                CoseAlgorithm::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
                CoseAlgorithm::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
                _ => return None,
            };
            RsaPublicKeyComponents { n, e }.verify(params, message, sig).is_ok()
        }
        // The crate's encoding rules first: ring alone accepts keys and `R` of small order.
        KeyParams::Ed25519 { x } => {
            if let Err(e) = ed25519::check_key(x) {
                return Some(Err(e));
            }
            ed25519::acceptable_signature(sig)
                && UnparsedPublicKey::new(&signature::ED25519, x).verify(message, sig).is_ok()
        }
    };
    Some(if ok { Ok(()) } else { Err(bad_signature()) })
}
