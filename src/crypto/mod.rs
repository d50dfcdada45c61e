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

/// Constant-time equality of two byte strings (the lengths are not secret), with `subtle`
/// comparing eight bytes at a time: its slice comparison takes one byte at a time, which is
/// most of what the sign-in's comparisons (challenge, credential ID, user handle, RP ID hash)
/// cost.
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::{Choice, ConstantTimeEq as _};
    if a.len() != b.len() {
        return false;
    }
    let (words_a, words_b) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail = words_a.remainder().ct_eq(words_b.remainder());
    let word = |w: &[u8]| u64::from_le_bytes(w.try_into().unwrap_or_default());
    let words = words_a.zip(words_b).fold(Choice::from(1), |equal, (x, y)| equal & word(x).ct_eq(&word(y)));
    bool::from(words & tail)
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

/// The longest message joined on the stack.
const STACK_MESSAGE: usize = 1024;

/// Joins the parts of a signed message on the stack (a sign-in's 37 + 32 bytes fit the small
/// buffer, whose zeroing costs almost nothing) or, past 1 KiB, on the heap.
fn with_message<T>(parts: &[&[u8]], f: impl FnOnce(&[u8]) -> T) -> T {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len <= 128 {
        joined::<128, T>(parts, len, f)
    } else if len <= STACK_MESSAGE {
        joined::<STACK_MESSAGE, T>(parts, len, f)
    } else {
        f(&parts.concat())
    }
}

fn joined<const N: usize, T>(parts: &[&[u8]], len: usize, f: impl FnOnce(&[u8]) -> T) -> T {
    let mut buf = [0u8; N];
    let mut at = 0;
    for part in parts {
        if let Some(dst) = buf.get_mut(at..at + part.len()) {
            dst.copy_from_slice(part);
        }
        at += part.len();
    }
    f(buf.get(..len).unwrap_or_default())
}

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
