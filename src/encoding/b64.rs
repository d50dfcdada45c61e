//! The crate's one base64 decoding policy.
//!
//! WebAuthn Level 3 JSON encodes every binary member as unpadded base64url. Real clients and
//! server libraries are not always that tidy, so every binary field of a response is decoded
//! with one documented policy:
//!
//! * the base64url alphabet (`-`, `_`) **or** the standard alphabet (`+`, `/`), never both in
//!   one field;
//! * padding (`=`) optional, but when present it must be the correct amount;
//! * non-zero trailing bits in the last character are accepted (some authenticators' user
//!   handles have them); they do not change the decoded bytes;
//! * anything else (whitespace, other characters, a lone trailing character) is
//!   [`Category::Malformed`](crate::Category::Malformed).
//!
//! Everything the crate *produces* is unpadded base64url.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use crate::error::{Error, Input, Result};

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(false)
    .with_decode_allow_trailing_bits(true)
    .with_decode_padding_mode(DecodePaddingMode::Indifferent);

const URL: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

/// The canonical encoder: base64url without padding.
const URL_NO_PAD: GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// An upper bound of the decoded length of `text` (exact for unpadded input).
#[must_use]
pub fn decoded_len_bound(text: impl AsRef<[u8]>) -> usize {
    text.as_ref().len() / 4 * 3 + 3
}

/// Decodes `text` under the crate's policy into `out`, returning the decoded length.
///
/// # Errors
///
/// [`Input::Base64`] malformed when `text` is not base64 under the policy or `out` is too
/// short for it.
pub fn decode_slice(text: impl AsRef<[u8]>, out: &mut [u8]) -> Result<usize> {
    let text = text.as_ref();
    let malformed = || Error::malformed(Input::Base64, "not base64url");
    if text.last() == Some(&b'=') && text.len() % 4 != 0 {
        return Err(Error::malformed(Input::Base64, "wrong base64 padding"));
    }
    if let Ok(n) = URL.decode_slice(text, out) {
        return Ok(n);
    }
    let uses_url_alphabet = text.iter().any(|&b| b == b'-' || b == b'_');
    if uses_url_alphabet {
        return Err(malformed());
    }
    STANDARD.decode_slice(text, out).map_err(|_| malformed())
}

/// Decodes `text` under the crate's policy, appending the bytes to `out`.
///
/// # Errors
///
/// [`Input::Base64`] malformed when `text` is not base64 under the policy.
pub fn decode_into(text: impl AsRef<[u8]>, out: &mut Vec<u8>) -> Result<()> {
    let text = text.as_ref();
    let start = out.len();
    out.resize(start + decoded_len_bound(text), 0);
    match decode_slice(text, out.get_mut(start..).unwrap_or_default()) {
        Ok(n) => {
            out.truncate(start + n);
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Decodes `text` under the crate's policy into a new buffer.
///
/// # Errors
///
/// [`Input::Base64`] malformed when `text` is not base64 under the policy.
pub fn decode(text: impl AsRef<[u8]>) -> Result<Vec<u8>> {
    let text = text.as_ref();
    let mut out = Vec::with_capacity(decoded_len_bound(text));
    decode_into(text, &mut out)?;
    Ok(out)
}

/// Whether `text` is exactly the unpadded base64url encoding of `bytes` (the only form
/// browsers give `PublicKeyCredential.id`), compared without allocating.
#[must_use]
pub fn is_encoding_of(text: &[u8], bytes: &[u8]) -> bool {
    if text.len() != (bytes.len() * 4).div_ceil(3) {
        return false;
    }
    let mut buf = [0u8; 64];
    bytes
        .chunks(48)
        .zip(text.chunks(64))
        .all(|(chunk, expected)| URL_NO_PAD.encode_slice(chunk, &mut buf).is_ok_and(|n| buf.get(..n) == Some(expected)))
}

/// A fresh opaque identifier: 16 bytes from `rng`, unpadded base64url (state IDs,
/// correlation IDs).
pub(crate) fn random_id(rng: &mut impl rand_core::CryptoRng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    encode(&bytes)
}

/// Encodes `bytes` as unpadded base64url.
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    URL_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_unpadded_url_safe() {
        assert_eq!(decode("-_8").unwrap(), vec![0xfb, 0xff]);
    }

    #[test]
    fn accepts_padding_and_standard_alphabet() {
        assert_eq!(decode("+/8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("-_8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("AQID").unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn accepts_nonzero_trailing_bits() {
        // "AR" carries 12 bits; only the first 8 are data.
        assert_eq!(decode("AR").unwrap(), vec![1]);
    }

    #[test]
    fn rejects_mixed_alphabets_whitespace_and_bad_padding() {
        for bad in ["-+", "AQ ID", "A", "AQ=", "AQ===", "AQID=", "*", "AQ\n"] {
            let err = decode(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Malformed(Input::Base64), "{bad:?}");
        }
    }

    #[test]
    fn is_encoding_of_accepts_only_the_canonical_unpadded_form() {
        for len in [1usize, 2, 3, 47, 48, 49, 100, 1023] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37).to_le_bytes()[0]).collect();
            let canonical = encode(&bytes);
            assert!(is_encoding_of(canonical.as_bytes(), &bytes), "{len}");
            let padded = format!("{canonical}{}", "=".repeat((4 - canonical.len() % 4) % 4));
            if padded != canonical {
                assert!(!is_encoding_of(padded.as_bytes(), &bytes), "padded, {len}");
            }
            let standard = canonical.replace('-', "+").replace('_', "/");
            if standard != canonical {
                assert!(!is_encoding_of(standard.as_bytes(), &bytes), "standard alphabet, {len}");
            }
            let mut other = bytes.clone();
            other[len - 1] ^= 1;
            assert!(!is_encoding_of(canonical.as_bytes(), &other));
        }
        // Non-zero trailing bits decode to the same byte but are not the canonical form.
        assert!(is_encoding_of(b"AQ", &[1]));
        assert!(!is_encoding_of(b"AR", &[1]));
    }

    #[test]
    fn encodes_unpadded_url_safe() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }
}
