//! Signing keys of the software authenticator.

use p256::elliptic_curve::Generate as _;
use rand_core::CryptoRng;
use rsa::traits::PublicKeyParts as _;
use sha2::Digest as _;

use crate::cose::CoseAlgorithm;

/// The kind of key a [`SoftCredential`](super::SoftCredential) holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// ECDSA P-256 with SHA-256 (-7).
    Es256,
    /// ECDSA P-384 with SHA-384 (-35).
    Es384,
    /// Ed25519 (-8).
    EdDsa,
    /// RSA-2048 PKCS#1 v1.5 with SHA-256 (-257).
    Rs256,
    /// RSA-2048 PSS with SHA-256 (-37).
    Ps256,
}

pub(super) enum Signer {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(CoseAlgorithm, Box<rsa::PrivateKey>),
}

fn int(i: i64) -> ciborium::Value {
    ciborium::Value::Integer(i.into())
}

impl Signer {
    pub(super) fn generate(kind: KeyKind, rng: &mut impl CryptoRng) -> Self {
        match kind {
            KeyKind::Es256 => Self::P256(p256::ecdsa::SigningKey::generate_from_rng(rng)),
            KeyKind::Es384 => Self::P384(p384::ecdsa::SigningKey::generate_from_rng(rng)),
            KeyKind::EdDsa => {
                let mut secret = [0u8; 32];
                rng.fill_bytes(&mut secret);
                Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(&secret))
            }
            KeyKind::Rs256 | KeyKind::Ps256 => {
                let alg = if kind == KeyKind::Rs256 { CoseAlgorithm::Rs256 } else { CoseAlgorithm::Ps256 };
                #[allow(clippy::expect_used)]
                let key = rsa::PrivateKey::new(rng, 2048).expect("RSA key generation");
                Self::Rsa(alg, Box::new(key))
            }
        }
    }

    pub(super) fn alg(&self) -> CoseAlgorithm {
        match self {
            Self::P256(_) => CoseAlgorithm::Es256,
            Self::P384(_) => CoseAlgorithm::Es384,
            Self::Ed25519(_) => CoseAlgorithm::EdDsa,
            Self::Rsa(alg, _) => *alg,
        }
    }

    pub(super) fn cose_public_key(&self) -> Vec<u8> {
        let ec2 = |crv: i64, point: &[u8]| {
            let half = (point.len() - 1) / 2;
            vec![
                (int(1), int(2)),
                (int(3), int(self.alg().id())),
                (int(-1), int(crv)),
                (int(-2), ciborium::Value::Bytes(point[1..=half].to_vec())),
                (int(-3), ciborium::Value::Bytes(point[half + 1..].to_vec())),
            ]
        };
        let entries = match self {
            Self::P256(k) => ec2(1, k.verifying_key().to_sec1_point(false).as_bytes()),
            Self::P384(k) => ec2(2, k.verifying_key().to_sec1_point(false).as_bytes()),
            Self::Ed25519(k) => vec![
                (int(1), int(1)),
                (int(3), int(-8)),
                (int(-1), int(6)),
                (int(-2), ciborium::Value::Bytes(k.verifying_key().to_bytes().to_vec())),
            ],
            Self::Rsa(alg, k) => vec![
                (int(1), int(3)),
                (int(3), int(alg.id())),
                (int(-1), ciborium::Value::Bytes(k.n_bytes().into())),
                (int(-2), ciborium::Value::Bytes(k.e_bytes().into())),
            ],
        };
        super::builders::cbor(&ciborium::Value::Map(entries))
    }

    pub(super) fn sign(&self, message: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        #[allow(clippy::expect_used)]
        match self {
            Self::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_der().as_bytes().to_vec()
            }
            Self::P384(k) => {
                let sig: p384::ecdsa::Signature = k.sign(message);
                sig.to_der().as_bytes().to_vec()
            }
            Self::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            Self::Rsa(CoseAlgorithm::Ps256, k) => k
                .sign_with_rng(
                    &mut rand_core::UnwrapErr(getrandom::SysRng),
                    rsa::Pss::<sha2::Sha256>::new(),
                    &sha2::Sha256::digest(message),
                )
                .expect("RSA-PSS signing"),
            Self::Rsa(_, k) => {
                k.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &sha2::Sha256::digest(message)).expect("RSA signing")
            }
        }
    }
}
