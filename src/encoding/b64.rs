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

/// The base64url alphabet, in value order (the same as `alphabet::URL_SAFE`, tested).
const URL_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The base64url alphabet's values, shifted into place for each of the four characters of a
/// block; every other byte (`=`, `+`, `/`, quotes, whitespace...) sets bit 24.
#[allow(clippy::indexing_slicing)] // constant evaluation: an index out of bounds fails the build
const URL_TABLES: [[u32; 256]; 4] = {
    let mut tables = [[1 << 24; 256]; 4];
    let mut value: u32 = 0;
    while value < 64 {
        let c = URL_ALPHABET[value as usize];
        let mut position = 0;
        while position < 4 {
            tables[position][c as usize] = value << (18 - 6 * position);
            position += 1;
        }
        value += 1;
    }
    tables
};

/// A byte's entry: a `u8` index is always inside a 256-entry table.
#[allow(clippy::indexing_slicing)]
const fn at(table: &[u32; 256], byte: u8) -> u32 {
    table[byte as usize]
}

/// The table entries of a block of two to four characters or'ed together: the block's bits in
/// place, and bit 24 when a character is outside the alphabet (or the block is too short).
fn block(chars: &[u8]) -> u32 {
    let [t0, t1, t2, t3] = &URL_TABLES;
    match *chars {
        [a, b, c, d] => at(t0, a) | at(t1, b) | at(t2, c) | at(t3, d),
        [a, b, c] => at(t0, a) | at(t1, b) | at(t2, c),
        [a, b] => at(t0, a) | at(t1, b),
        _ => 1 << 24,
    }
}

/// Decodes the unpadded base64url run at the start of `text` (up to its first byte outside the
/// alphabet) into `out`, which must have room for `decoded_len_bound(text)` bytes. Returns the
/// characters and the bytes of the run, or `None` when it ends in a lone character, which is
/// not base64. Trailing bits are ignored, as the policy does.
fn decode_run_into(text: &[u8], out: &mut [u8]) -> Option<(usize, usize)> {
    let mut blocks = 0;
    for (chars, bytes) in text.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
        let v = block(chars);
        if v >> 24 != 0 {
            break;
        }
        bytes.copy_from_slice(v.to_be_bytes().get(1..)?);
        blocks += 1;
    }
    let rest = text.get(blocks * 4..)?;
    let tail = rest.iter().take(3).take_while(|&&b| at(&URL_TABLES[0], b) >> 24 == 0).count();
    let tail_bytes = match tail {
        0 => 0,
        1 => return None,
        _ => {
            let decoded = block(rest.get(..tail)?).to_be_bytes();
            out.get_mut(blocks * 3..blocks * 3 + tail - 1)?.copy_from_slice(decoded.get(1..tail)?);
            tail - 1
        }
    };
    Some((blocks * 4 + tail, blocks * 3 + tail_bytes))
}

/// Unpadded base64url, the form browsers send, decoded with lookup tables; `None` for anything
/// else (padding, the standard alphabet, other bytes, a lone trailing character), which the
/// policy's full decoder then judges.
fn decode_unpadded_url(text: &[u8], out: &mut [u8]) -> Option<usize> {
    let (chars, bytes) = decode_run_into(text, out)?;
    (chars == text.len()).then_some(bytes)
}

/// Decodes the unpadded base64url run at the start of `text`, up to its first byte outside the
/// alphabet (a JSON string's closing quote, for one), appending the bytes to `out`. Returns the
/// number of characters decoded, or `None` when the run ends in a lone character, which is not
/// base64. What follows the run is the caller's to check.
pub(crate) fn decode_url_run(text: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    // Room for all of `text` (zeroing it is cheaper than growing the vector block by block).
    let start = out.len();
    out.resize(start + decoded_len_bound(text), 0);
    let run = decode_run_into(text, out.get_mut(start..)?);
    out.truncate(start + run.map_or(0, |(_, bytes)| bytes));
    run.map(|(chars, _)| chars)
}

/// What the table decoder made of `text`, against the `base64` crate under the policy's
/// configuration (differential tests, fuzzing).
#[cfg(any(test, feature = "testkit"))]
pub(crate) fn table_decoder_verdict(text: &[u8]) -> super::fast_path::Scanned {
    let mut out = vec![0; decoded_len_bound(text)];
    let fast = decode_unpadded_url(text, &mut out).map(|n| out.get(..n).unwrap_or_default().to_vec());
    super::fast_path::verdict(fast, || {
        let mut slow = vec![0; decoded_len_bound(text)];
        URL.decode_slice(text, &mut slow).map(|n| slow.get(..n).unwrap_or_default().to_vec())
    })
}

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
    if let Some(n) = decode_unpadded_url(text, out) {
        return Ok(n);
    }
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

    /// Whenever the table decoder decodes, the `base64` crate decodes the same bytes.
    fn agrees_with_the_crate(text: &[u8]) -> bool {
        table_decoder_verdict(text) != crate::encoding::fast_path::Scanned::Disagrees
    }

    #[test]
    fn the_table_alphabet_is_the_crate_s() {
        assert_eq!(&URL_ALPHABET[..], alphabet::URL_SAFE.as_str().as_bytes());
    }

    #[test]
    fn the_table_decoder_agrees_with_the_crate_on_every_short_text() {
        let chars: Vec<u8> = alphabet::URL_SAFE.as_str().bytes().chain(*b"=+/\"\0\xff ").collect();
        let mut decoded = 0;
        for a in &chars {
            assert!(agrees_with_the_crate(&[*a]));
            assert_eq!(decode_unpadded_url(&[*a], &mut [0; 3]), None, "a lone character");
            for b in &chars {
                assert!(agrees_with_the_crate(&[*a, *b]));
                for c in &chars {
                    assert!(agrees_with_the_crate(&[*a, *b, *c]));
                    for d in [b'A', b'_', b'-', b'9', b'=', b'+', b'"'] {
                        let text = [*a, *b, *c, d];
                        assert!(agrees_with_the_crate(&text), "{text:?}");
                        decoded += usize::from(decode_unpadded_url(&text, &mut [0; 3]).is_some());
                    }
                }
            }
        }
        assert_eq!(decoded, 64 * 64 * 64 * 4, "every block of the alphabet decodes");
    }

    #[test]
    fn the_table_decoder_agrees_with_the_crate_on_long_texts() {
        // A deterministic walk over lengths and contents, with one byte changed in some.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
            let text = encode(&bytes).into_bytes();
            let mut out = vec![0; decoded_len_bound(&text)];
            assert_eq!(decode_unpadded_url(&text, &mut out), Some(len), "{len}");
            assert_eq!(&out[..len], &bytes[..]);
            for _ in 0..8 {
                let mut changed = text.clone();
                if let Some(byte) = changed.get_mut(usize::try_from(next() % 256).unwrap_or(0)) {
                    *byte = next().to_le_bytes()[0];
                }
                assert!(agrees_with_the_crate(&changed), "{changed:?}");
            }
        }
    }

    #[test]
    fn the_run_decoder_stops_at_the_first_byte_outside_the_alphabet() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i: usize| (i * 89 + 7).to_le_bytes()[0]).collect();
            let text = encode(&bytes);
            for end in ["\"", "=", "+", "/", "\\", "\0", ""] {
                let input = format!("{text}{end}AQID");
                let mut out = vec![9];
                let taken = decode_url_run(input.as_bytes(), &mut out);
                if end.is_empty() {
                    // The run goes on into "AQID".
                    let whole = decode(format!("{text}AQID")).ok();
                    assert_eq!(taken.map(|_| out[1..].to_vec()), whole, "{input}");
                } else {
                    assert_eq!(taken, Some(text.len()), "{input}");
                    assert_eq!(out, [&[9][..], &bytes].concat(), "{input}");
                }
            }
        }
        assert_eq!(decode_url_run(b"AQIDB\"", &mut Vec::new()), None, "a lone character");
    }

    #[test]
    fn encodes_unpadded_url_safe() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }
}
