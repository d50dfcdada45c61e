//! The pure-Rust backend: RustCrypto curves, `ed25519-dalek` and `rsa`.

use p256::ecdsa::signature::Verifier as _;
use rsa::{BoxedUint, Pkcs1v15Sign, Pss, PublicKey as RsaPublicKey};
use sha2::Digest as _;

use super::{bad_signature, ed25519};
use crate::cose::{CoseAlgorithm, CoseKey, Curve, KeyParams, RSA_MAX_BITS, RSA_MIN_BITS};
use crate::error::{Error, ErrorKind, Result};

/// A validated verification key.
pub(super) enum Key {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(CoseAlgorithm, RsaPublicKey),
}

fn invalid(context: &'static str) -> Error {
    Error::new(ErrorKind::UnsupportedKey, context)
}

/// The uncompressed SEC1 encoding `04 || x || y` of a point (at most 133 bytes, for P-521),
/// assembled on the stack.
pub(super) fn uncompressed_point(x: &[u8], y: &[u8]) -> ([u8; 133], usize) {
    let mut point = [0u8; 133];
    let len = 1 + x.len() + y.len();
    if let Some(dst) = point.get_mut(..len) {
        let (tag, coordinates) = dst.split_at_mut(1);
        tag.copy_from_slice(&[0x04]);
        let (dx, dy) = coordinates.split_at_mut(x.len());
        dx.copy_from_slice(x);
        dy.copy_from_slice(y);
    }
    (point, len)
}

impl Key {
    pub(super) fn from_cose(key: &CoseKey<'_>) -> Result<Self> {
        const NOT_ON_CURVE: &str = "EC point not on the curve";
        Ok(match *key.params() {
            KeyParams::Ec2 { curve, x, y } => {
                let (point, len) = uncompressed_point(x, y);
                let sec1 = point.get(..len).unwrap_or_default();
                match curve {
                    Curve::P256 => {
                        Self::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|_| invalid(NOT_ON_CURVE))?)
                    }
                    Curve::P384 => {
                        Self::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|_| invalid(NOT_ON_CURVE))?)
                    }
                    Curve::P521 => {
                        Self::P521(p521::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|_| invalid(NOT_ON_CURVE))?)
                    }
                }
            }
            KeyParams::Ed25519 { x } => {
                ed25519::check_key(x)?;
                let vk = ed25519_dalek::VerifyingKey::from_bytes(x)
                    .map_err(|_| invalid("Ed25519 key is not a curve point"))?;
                Self::Ed25519(vk)
            }
            KeyParams::Rsa { n, e } => Self::Rsa(key.alg(), rsa_key(n, e)?),
        })
    }

    pub(super) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let ok = match self {
            Self::P256(vk) => {
                p256::ecdsa::Signature::from_der(signature).is_ok_and(|sig| vk.verify(message, &sig).is_ok())
            }
            Self::P384(vk) => {
                p384::ecdsa::Signature::from_der(signature).is_ok_and(|sig| vk.verify(message, &sig).is_ok())
            }
            Self::P521(vk) => {
                p521::ecdsa::Signature::from_der(signature).is_ok_and(|sig| vk.verify(message, &sig).is_ok())
            }
            // The encoding rules decide what `verify_strict` decides by decompressing `R` and
            // multiplying both points by the cofactor; what remains is its equation.
            Self::Ed25519(vk) => {
                use ed25519_dalek::Verifier as _;
                ed25519::acceptable_signature(signature)
                    && ed25519_dalek::Signature::from_slice(signature).is_ok_and(|sig| vk.verify(message, &sig).is_ok())
            }
            Self::Rsa(alg, key) => verify_rsa(*alg, key, message, signature),
        };
        if ok {
            Ok(())
        } else {
            Err(bad_signature())
        }
    }
}

/// An RSA key from its big-endian modulus and exponent, 2048..=8192 bits.
pub(super) fn rsa_key(n: &[u8], e: &[u8]) -> Result<RsaPublicKey> {
    let (n, e) = (BoxedUint::from_be_slice_vartime(n), BoxedUint::from_be_slice_vartime(e));
    RsaPublicKey::new_with_size_limits(n, e, RSA_MIN_BITS..=RSA_MAX_BITS).map_err(|_| invalid("invalid RSA public key"))
}

fn verify_rsa(alg: CoseAlgorithm, key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    use rsa::traits::PublicKeyParts as _;
    if signature.len() != key.size() {
        return false;
    }
    let result = match alg {
        CoseAlgorithm::Rs256 => {
            key.verify(Pkcs1v15Sign::new::<sha2::Sha256>(), &sha2::Sha256::digest(message), signature)
        }
        CoseAlgorithm::Rs384 => {
            key.verify(Pkcs1v15Sign::new::<sha2::Sha384>(), &sha2::Sha384::digest(message), signature)
        }
        CoseAlgorithm::Rs512 => {
            key.verify(Pkcs1v15Sign::new::<sha2::Sha512>(), &sha2::Sha512::digest(message), signature)
        }
        CoseAlgorithm::Rs1 => key.verify(Pkcs1v15Sign::new::<sha1::Sha1>(), &sha1::Sha1::digest(message), signature),
        CoseAlgorithm::Ps256 => key.verify(Pss::<sha2::Sha256>::new(), &sha2::Sha256::digest(message), signature),
        CoseAlgorithm::Ps384 => key.verify(Pss::<sha2::Sha384>::new(), &sha2::Sha384::digest(message), signature),
        CoseAlgorithm::Ps512 => key.verify(Pss::<sha2::Sha512>::new(), &sha2::Sha512::digest(message), signature),
        _ => return false,
    };
    result.is_ok()
}
