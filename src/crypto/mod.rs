//! Every hash and signature primitive the crate uses, behind one interface.
//!
//! The default backend is pure-Rust RustCrypto (`p256`, `p384`, `p521`, `ed25519-dalek`,
//! `rsa`, `sha2`). With the `ring` feature, ECDSA P-256/P-384 and every RSA signature are
//! verified by ring instead; Ed25519 stays on `ed25519-dalek` (strict verification, small-order
//! keys refused) and P-521 on `p521`, which ring does not offer. Key *validation* at
//! registration (point on the curve, key not of small order, RSA size) always uses RustCrypto,
//! so both backends accept exactly the same keys.

#[cfg(feature = "ring")]
mod ring_backend;
mod rustcrypto;
pub mod spki;

use sha2::{Digest, Sha256};

use crate::cose::{CoseAlgorithm, CoseKey};
use crate::error::{Error, ErrorKind, Result};

/// SHA-256 of `data`.
#[must_use]
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SHA-256 of the concatenation of `parts`.
#[must_use]
pub fn sha256_concat(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Constant-time equality of two byte strings (the lengths are not secret).
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Checks that a COSE key is mathematically valid: the EC point is on its curve, the Ed25519
/// key is not of small order, the RSA key is well formed.
///
/// # Errors
///
/// [`ErrorKind::UnsupportedKey`] when the key is invalid.
pub fn validate_key(key: &CoseKey<'_>) -> Result<()> {
    rustcrypto::Key::from_cose(key).map(|_| ())
}

/// Whether the algorithm needs SHA-1 and the caller did not allow it.
fn refuse_sha1(alg: CoseAlgorithm, allow_sha1: bool) -> Result<()> {
    if alg.uses_sha1() && !allow_sha1 {
        return Err(Error::new(ErrorKind::AlgorithmNotAllowed, "SHA-1 is not allowed"));
    }
    Ok(())
}

/// Messages up to this size are assembled on the stack.
const STACK_MESSAGE: usize = 1024;

/// Runs `f` on the concatenation of `parts`, without allocating for small messages.
fn with_message<T>(parts: &[&[u8]], f: impl FnOnce(&[u8]) -> T) -> T {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len <= STACK_MESSAGE {
        let mut buf = [0u8; STACK_MESSAGE];
        let mut at = 0;
        for part in parts {
            if let Some(dst) = buf.get_mut(at..at + part.len()) {
                dst.copy_from_slice(part);
            }
            at += part.len();
        }
        f(buf.get(..len).unwrap_or_default())
    } else {
        f(&parts.concat())
    }
}

/// Verifies `signature` by `key` over the concatenation of `message_parts`.
///
/// ECDSA signatures are ASN.1 DER (as WebAuthn specifies); high-S values are accepted, as
/// authenticators produce them. RSA signatures must be exactly the modulus length.
///
/// # Errors
///
/// [`ErrorKind::Signature`] when the signature does not verify (one opaque failure);
/// [`ErrorKind::AlgorithmNotAllowed`] for SHA-1 without `allow_sha1`;
/// [`ErrorKind::UnsupportedKey`] when the key is invalid.
pub fn verify(key: &CoseKey<'_>, message_parts: &[&[u8]], signature: &[u8], allow_sha1: bool) -> Result<()> {
    refuse_sha1(key.alg(), allow_sha1)?;
    with_message(message_parts, |message| {
        #[cfg(feature = "ring")]
        if let Some(result) = ring_backend::verify(key, message, signature) {
            return result;
        }
        rustcrypto::Key::from_cose(key)?.verify(message, signature)
    })
}

#[cold]
fn bad_signature() -> Error {
    Error::new(ErrorKind::Signature, "")
}

#[cfg(all(test, feature = "testkit"))]
mod tests {
    use super::*;
    use crate::testkit::{KeyKind, SoftCredential};

    /// Both backends must agree on every algorithm: valid signatures pass, tampered ones fail.
    #[test]
    fn backends_agree() {
        for kind in [KeyKind::Es256, KeyKind::Es384, KeyKind::EdDsa, KeyKind::Rs256, KeyKind::Ps256] {
            let cred = SoftCredential::new(kind, b"u", &mut rand_core::UnwrapErr(getrandom::SysRng));
            let cose = cred.cose_public_key();
            let key = CoseKey::parse(&cose).unwrap();
            let message = b"authenticator data and client data hash";
            let good = cred.sign(message);
            let mut bad = good.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(verify(&key, &[&message[..10], &message[10..]], &good, false).is_ok(), "{kind:?}");
            assert_eq!(verify(&key, &[message], &bad, false).unwrap_err().kind(), ErrorKind::Signature);
            let rc = rustcrypto::Key::from_cose(&key).unwrap();
            assert!(rc.verify(message, &good).is_ok());
            assert!(rc.verify(message, &bad).is_err());
            #[cfg(feature = "ring")]
            {
                let expect_ring = !matches!(kind, KeyKind::EdDsa);
                let ring_good = ring_backend::verify(&key, message, &good);
                assert_eq!(ring_good.is_some(), expect_ring, "{kind:?} handled by ring");
                if let Some(result) = ring_good {
                    assert!(result.is_ok());
                    assert!(ring_backend::verify(&key, message, &bad).is_some_and(|r| r.is_err()));
                }
            }
        }
    }

    #[test]
    fn long_messages_are_assembled_on_the_heap() {
        let cred = SoftCredential::new(KeyKind::Es256, b"u", &mut rand_core::UnwrapErr(getrandom::SysRng));
        let cose = cred.cose_public_key();
        let key = CoseKey::parse(&cose).unwrap();
        let message = vec![7u8; STACK_MESSAGE + 100];
        let sig = cred.sign(&message);
        assert!(verify(&key, &[&message[..600], &message[600..]], &sig, false).is_ok());
    }
}
