//! Every hash and signature primitive the crate uses, behind one interface.
//!
//! The default backend is pure-Rust RustCrypto (`p256`, `p384`, `p521`, `ed25519-dalek`,
//! `rsa`, `sha2`). With the `ring` feature, ECDSA P-256/P-384, every RSA signature and
//! Ed25519 are verified by ring instead; P-521 stays on `p521`, which ring does not offer.
//! Key *validation* at registration (point on the curve, key not of small order, RSA size)
//! always uses RustCrypto, and the Ed25519 encoding rules (canonical points, none of small
//! order) are the crate's own and checked before either backend, so both backends accept
//! exactly the same keys and signatures.

mod ed25519;
#[cfg(feature = "ring")]
mod ring_backend;
mod rustcrypto;
pub mod spki;

pub use spki::{Hash, Scheme, SpkiKey};

use sha2::{Digest, Sha256};

use crate::cose::{CoseAlgorithm, CoseKey};
use crate::error::{Error, ErrorKind, Result};

/// SHA-256 of `data`.
#[must_use]
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SHA-1 of `data`: only as an identifier (certificate key identifiers of FIDO metadata),
/// never for a signature unless the relying party allows SHA-1.
#[must_use]
pub fn sha1(data: &[u8]) -> [u8; 20] {
    use sha1::Digest as _;
    sha1::Sha1::digest(data).into()
}

/// The digest under `hash` of the concatenation of `parts`.
#[must_use]
pub fn digest(hash: Hash, parts: &[&[u8]]) -> Vec<u8> {
    fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
        let mut d = D::new();
        for part in parts {
            d.update(part);
        }
        d.finalize().to_vec()
    }
    match hash {
        Hash::Sha1 => run::<sha1::Sha1>(parts),
        Hash::Sha256 => run::<Sha256>(parts),
        Hash::Sha384 => run::<sha2::Sha384>(parts),
        Hash::Sha512 => run::<sha2::Sha512>(parts),
    }
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
mod tests;
