//! Keys from X.509 `SubjectPublicKeyInfo` and signatures of certificates and statements made
//! with them.

use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use rsa::{Pkcs1v15Sign, Pss, PublicKey as RsaPublicKey};
use sha2::Digest as _;
use x509_cert::der::asn1::ObjectIdentifier as Oid;
use x509_cert::der::Decode as _;
use x509_cert::spki::SubjectPublicKeyInfoRef;

use super::bad_signature;
use crate::cose::{CoseAlgorithm, CoseKey, KeyParams, RSA_MAX_BITS, RSA_MIN_BITS};
use crate::error::{Error, ErrorKind, Input, Result};

const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const ED25519: Oid = Oid::new_unwrap("1.3.101.112");

/// A hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-1: refused unless the relying party allows it.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// A signature scheme of a certificate or an attestation statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// ECDSA (DER signature) with a hash; the curve comes from the key.
    Ecdsa(Hash),
    /// ECDSA with the fixed-size `r ‖ s` signature of IEEE P1363 (JWS, RFC 7518 §3.4).
    EcdsaFixed(Hash),
    /// RSASSA-PKCS1-v1_5 with a hash.
    RsaPkcs1(Hash),
    /// RSASSA-PSS with a hash (MGF1 with the same hash, salt length the hash length).
    RsaPss(Hash),
    /// Ed25519.
    Ed25519,
}

impl Scheme {
    /// The scheme a COSE algorithm names.
    #[must_use]
    pub const fn from_cose(alg: CoseAlgorithm) -> Self {
        match alg {
            CoseAlgorithm::Es256 | CoseAlgorithm::Esp256 => Self::Ecdsa(Hash::Sha256),
            CoseAlgorithm::Es384 => Self::Ecdsa(Hash::Sha384),
            CoseAlgorithm::Es512 => Self::Ecdsa(Hash::Sha512),
            CoseAlgorithm::EdDsa | CoseAlgorithm::Ed25519 => Self::Ed25519,
            CoseAlgorithm::Rs256 => Self::RsaPkcs1(Hash::Sha256),
            CoseAlgorithm::Rs384 => Self::RsaPkcs1(Hash::Sha384),
            CoseAlgorithm::Rs512 => Self::RsaPkcs1(Hash::Sha512),
            CoseAlgorithm::Rs1 => Self::RsaPkcs1(Hash::Sha1),
            CoseAlgorithm::Ps256 => Self::RsaPss(Hash::Sha256),
            CoseAlgorithm::Ps384 => Self::RsaPss(Hash::Sha384),
            CoseAlgorithm::Ps512 => Self::RsaPss(Hash::Sha512),
        }
    }

    /// The hash the scheme signs with (`None` for Ed25519, which hashes internally).
    #[must_use]
    pub const fn hash(self) -> Option<Hash> {
        match self {
            Self::Ecdsa(h) | Self::EcdsaFixed(h) | Self::RsaPkcs1(h) | Self::RsaPss(h) => Some(h),
            Self::Ed25519 => None,
        }
    }
}

/// A public key taken from a `SubjectPublicKeyInfo`. `Debug` shows the key type only.
#[derive(Clone, PartialEq, Eq)]
pub enum SpkiKey {
    /// An EC key: curve and uncompressed SEC1 point.
    Ec(crate::cose::Curve, Vec<u8>),
    /// An RSA key.
    Rsa(RsaPublicKey),
    /// An Ed25519 key.
    Ed25519([u8; 32]),
}

impl core::fmt::Debug for SpkiKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Ec(curve, _) => f.debug_tuple("Ec").field(curve).finish_non_exhaustive(),
            Self::Rsa(_) => f.write_str("Rsa(..)"),
            Self::Ed25519(_) => f.write_str("Ed25519(..)"),
        }
    }
}

fn bad_cert(context: &'static str) -> Error {
    Error::malformed(Input::Certificate, context)
}

impl SpkiKey {
    /// Parses a DER `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    ///
    /// Malformed [`Input::Certificate`] when it does not parse; [`ErrorKind::UnsupportedKey`]
    /// for another key type or curve, or an RSA key outside 2048..=8192 bits.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(|_| bad_cert("SubjectPublicKeyInfo"))?;
        let bits = spki.subject_public_key.as_bytes().ok_or_else(|| bad_cert("public key bit string"))?;
        let oid = spki.algorithm.oid;
        if oid == EC_PUBLIC_KEY {
            let curve_oid: Oid = spki
                .algorithm
                .parameters
                .and_then(|p| p.decode_as().ok())
                .ok_or_else(|| bad_cert("EC key without named curve"))?;
            let curve = match curve_oid {
                c if c == P256 => crate::cose::Curve::P256,
                c if c == P384 => crate::cose::Curve::P384,
                c if c == P521 => crate::cose::Curve::P521,
                _ => return Err(Error::new(ErrorKind::UnsupportedKey, "unsupported certificate curve")),
            };
            let key = Self::Ec(curve, bits.to_vec());
            key.check()?;
            Ok(key)
        } else if oid == RSA {
            // The components first, so that a size outside the accepted range is reported as
            // an unsupported key rather than as malformed DER.
            let parts = rsa::pkcs1::RsaPublicKeyRef::from_der(bits).map_err(|_| bad_cert("RSA public key"))?;
            let (n, e) = (parts.modulus.as_bytes(), parts.public_exponent.as_bytes());
            let size = (n.len() * 8).saturating_sub(n.first().map_or(8, |b| b.leading_zeros() as usize));
            if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&size) {
                return Err(Error::new(ErrorKind::UnsupportedKey, "certificate RSA key size"));
            }
            Ok(Self::Rsa(super::rustcrypto::rsa_key(n, e)?))
        } else if oid == ED25519 {
            Ok(Self::Ed25519(bits.try_into().map_err(|_| bad_cert("Ed25519 key length"))?))
        } else {
            Err(Error::new(ErrorKind::UnsupportedKey, "unsupported certificate key type"))
        }
    }

    fn check(&self) -> Result<()> {
        let ok = match self {
            Self::Ec(crate::cose::Curve::P256, p) => p256::ecdsa::VerifyingKey::from_sec1_bytes(p).is_ok(),
            Self::Ec(crate::cose::Curve::P384, p) => p384::ecdsa::VerifyingKey::from_sec1_bytes(p).is_ok(),
            Self::Ec(crate::cose::Curve::P521, p) => p521::ecdsa::VerifyingKey::from_sec1_bytes(p).is_ok(),
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::UnsupportedKey, "EC point not on the curve"))
        }
    }

    /// Whether this is the same key as the COSE credential key.
    #[must_use]
    pub fn matches_cose(&self, key: &CoseKey<'_>) -> bool {
        use rsa::traits::PublicKeyParts as _;
        match (self, key.params()) {
            (Self::Ec(curve, point), KeyParams::Ec2 { curve: c, x, y }) => {
                curve == c && point.first() == Some(&0x04) && point.get(1..) == Some(&[*x, *y].concat()[..])
            }
            (Self::Rsa(k), KeyParams::Rsa { n, e }) => *k.n_bytes() == **n && *k.e_bytes() == **e,
            (Self::Ed25519(a), KeyParams::Ed25519 { x }) => a == *x,
            _ => false,
        }
    }

    /// Verifies `signature` over `message` with this key under `scheme`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Signature`] when it does not verify or the scheme does not fit the key;
    /// [`ErrorKind::AlgorithmNotAllowed`] for SHA-1 without `allow_sha1`.
    pub fn verify(&self, scheme: Scheme, message: &[u8], signature: &[u8], allow_sha1: bool) -> Result<()> {
        if scheme.hash() == Some(Hash::Sha1) && !allow_sha1 {
            return Err(Error::new(ErrorKind::AlgorithmNotAllowed, "SHA-1 is not allowed"));
        }
        let digest = |h: Hash| -> Vec<u8> {
            match h {
                Hash::Sha1 => sha1::Sha1::digest(message).to_vec(),
                Hash::Sha256 => sha2::Sha256::digest(message).to_vec(),
                Hash::Sha384 => sha2::Sha384::digest(message).to_vec(),
                Hash::Sha512 => sha2::Sha512::digest(message).to_vec(),
            }
        };
        let ok = match (self, scheme) {
            (Self::Ec(curve, point), Scheme::Ecdsa(h) | Scheme::EcdsaFixed(h)) => {
                let prehash = digest(h);
                let fixed = matches!(scheme, Scheme::EcdsaFixed(_));
                macro_rules! ecdsa {
                    ($curve:ident) => {
                        $curve::ecdsa::VerifyingKey::from_sec1_bytes(point).is_ok_and(|k| {
                            let sig = if fixed {
                                $curve::ecdsa::Signature::from_slice(signature)
                            } else {
                                $curve::ecdsa::Signature::from_der(signature)
                            };
                            sig.is_ok_and(|s| k.verify_prehash(&prehash, &s).is_ok())
                        })
                    };
                }
                match curve {
                    crate::cose::Curve::P256 => ecdsa!(p256),
                    crate::cose::Curve::P384 => ecdsa!(p384),
                    crate::cose::Curve::P521 => ecdsa!(p521),
                }
            }
            (Self::Rsa(key), Scheme::RsaPkcs1(h)) => {
                let prehash = digest(h);
                let padding = match h {
                    Hash::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                    Hash::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                    Hash::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                    Hash::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                key.verify(padding, &prehash, signature).is_ok()
            }
            (Self::Rsa(key), Scheme::RsaPss(h)) => {
                let prehash = digest(h);
                match h {
                    Hash::Sha1 => key.verify(Pss::<sha1::Sha1>::new(), &prehash, signature),
                    Hash::Sha256 => key.verify(Pss::<sha2::Sha256>::new(), &prehash, signature),
                    Hash::Sha384 => key.verify(Pss::<sha2::Sha384>::new(), &prehash, signature),
                    Hash::Sha512 => key.verify(Pss::<sha2::Sha512>::new(), &prehash, signature),
                }
                .is_ok()
            }
            (Self::Ed25519(bytes), Scheme::Ed25519) => ed25519_dalek::VerifyingKey::from_bytes(bytes).is_ok_and(|k| {
                !k.is_weak()
                    && ed25519_dalek::Signature::from_slice(signature)
                        .is_ok_and(|s| k.verify_strict(message, &s).is_ok())
            }),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(bad_signature())
        }
    }
}

/// The scheme of an X.509 `signatureAlgorithm` (OID and parameters as DER).
///
/// # Errors
///
/// [`ErrorKind::UnsupportedKey`] for an algorithm the crate does not verify.
pub fn scheme_from_x509(oid: &str, pss_hash: Option<Hash>) -> Result<Scheme> {
    Ok(match oid {
        "1.2.840.10045.4.1" => Scheme::Ecdsa(Hash::Sha1),
        "1.2.840.10045.4.3.2" => Scheme::Ecdsa(Hash::Sha256),
        "1.2.840.10045.4.3.3" => Scheme::Ecdsa(Hash::Sha384),
        "1.2.840.10045.4.3.4" => Scheme::Ecdsa(Hash::Sha512),
        "1.2.840.113549.1.1.5" => Scheme::RsaPkcs1(Hash::Sha1),
        "1.2.840.113549.1.1.11" => Scheme::RsaPkcs1(Hash::Sha256),
        "1.2.840.113549.1.1.12" => Scheme::RsaPkcs1(Hash::Sha384),
        "1.2.840.113549.1.1.13" => Scheme::RsaPkcs1(Hash::Sha512),
        "1.2.840.113549.1.1.10" => {
            Scheme::RsaPss(pss_hash.ok_or_else(|| Error::new(ErrorKind::UnsupportedKey, "RSA-PSS parameters"))?)
        }
        "1.3.101.112" => Scheme::Ed25519,
        _ => return Err(Error::new(ErrorKind::UnsupportedKey, "unsupported certificate signature algorithm")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER TLV with a definite length.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let len = content.len();
        let mut out = vec![tag];
        match len {
            0..=0x7f => out.push(u8::try_from(len).unwrap()),
            0x80..=0xff => out.extend_from_slice(&[0x81, u8::try_from(len).unwrap()]),
            _ => out.extend_from_slice(&[0x82, u8::try_from(len >> 8).unwrap(), u8::try_from(len & 0xff).unwrap()]),
        }
        out.extend_from_slice(content);
        out
    }

    /// The `SubjectPublicKeyInfo` of an RSA key with an all-ones modulus of `bits` bits (odd,
    /// which is all the public-key checks require) and exponent 65537.
    fn rsa_spki(bits: usize) -> Vec<u8> {
        let mut n = vec![0u8]; // the modulus's top bit is set: a leading zero keeps it positive
        n.extend(std::iter::repeat_n(0xff, bits / 8));
        let key = tlv(0x30, &[tlv(0x02, &n), tlv(0x02, &[0x01, 0x00, 0x01])].concat());
        let rsa_encryption = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
        let algorithm = tlv(0x30, &rsa_encryption);
        tlv(0x30, &[algorithm, tlv(0x03, &[&[0u8][..], &key].concat())].concat())
    }

    #[test]
    fn certificate_rsa_keys_from_2048_to_8192_bits() {
        for bits in [2048, 4096, 8192] {
            assert!(matches!(SpkiKey::from_der(&rsa_spki(bits)), Ok(SpkiKey::Rsa(_))), "{bits} bits");
        }
        for bits in [1024, 8200] {
            assert_eq!(
                SpkiKey::from_der(&rsa_spki(bits)).unwrap_err().kind(),
                ErrorKind::UnsupportedKey,
                "{bits} bits"
            );
        }
    }
}
