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

use base64::engine::general_purpose::GeneralPurpose;
use base64::Engine as _;

use crate::error::{Error, Input, Result};

/// The canonical encoder: base64url without padding.
const URL_NO_PAD: GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Set in a table entry for a byte outside both alphabets (`=` included: padding is removed
/// before the table is used).
const INVALID: u32 = 1 << 24;
/// Set for `-` and `_`, the characters only base64url has.
const URL_ONLY: u32 = 1 << 25;
/// Set for `+` and `/`, the characters only the standard alphabet has.
const STANDARD_ONLY: u32 = 1 << 26;

/// The six bits a character stands for in either alphabet, with the flags above.
const fn sextet(c: u8) -> (u32, u32) {
    match c {
        b'A'..=b'Z' => ((c - b'A') as u32, 0),
        b'a'..=b'z' => ((c - b'a' + 26) as u32, 0),
        b'0'..=b'9' => ((c - b'0' + 52) as u32, 0),
        b'-' => (62, URL_ONLY),
        b'_' => (63, URL_ONLY),
        b'+' => (62, STANDARD_ONLY),
        b'/' => (63, STANDARD_ONLY),
        _ => (0, INVALID),
    }
}

/// `TABLES[i][c]`: the bits of character `c` at position `i` of a group of four, already
/// shifted into place in the group's 24 bits, with its flags above them. Decoding a group is
/// four lookups and three ORs; the flags of all groups are ORed together and tested once.
const TABLES: [[u32; 256]; 4] = {
    let mut tables = [[0u32; 256]; 4];
    let mut c = 0;
    while c < 256 {
        #[allow(clippy::cast_possible_truncation)] // c < 256
        let (bits, flags) = sextet(c as u8);
        let mut i = 0;
        while i < 4 {
            tables[i][c] = (bits << (18 - 6 * i)) | flags;
            i += 1;
        }
        c += 1;
    }
    tables
};

/// The 24 bits and flags of a group of up to four characters (missing ones count as `A`).
#[inline(always)]
fn group(chars: &[u8]) -> u32 {
    let [t0, t1, t2, t3] = &TABLES;
    let at = |t: &[u32; 256], i: usize| chars.get(i).map_or(0, |&c| t[usize::from(c)]);
    at(t0, 0) | at(t1, 1) | at(t2, 2) | at(t3, 3)
}

/// An upper bound of the decoded length of `text` (exact for unpadded input).
#[must_use]
pub fn decoded_len_bound(text: impl AsRef<[u8]>) -> usize {
    text.as_ref().len() / 4 * 3 + 3
}

/// Decodes `text` under the crate's policy into `out`, returning the decoded length.
///
/// One pass over the text: every character is looked up once, and whether it was outside
/// both alphabets, or the two alphabets were mixed, is decided once at the end.
///
/// # Errors
///
/// [`Input::Base64`] malformed when `text` is not base64 under the policy or `out` is too
/// short for it.
pub fn decode_slice(text: impl AsRef<[u8]>, out: &mut [u8]) -> Result<usize> {
    let text = text.as_ref();
    let malformed = || Error::malformed(Input::Base64, "not base64url");
    // Padding, when present, completes the last group of four: one `=` after three
    // characters, two after two (a third `=` is left in the body, where it is invalid).
    let body = if text.last() == Some(&b'=') {
        if text.len() % 4 != 0 {
            return Err(Error::malformed(Input::Base64, "wrong base64 padding"));
        }
        let padding = if text.ends_with(b"==") { 2 } else { 1 };
        text.get(..text.len() - padding).unwrap_or_default()
    } else {
        text
    };
    let (groups, tail) = body.split_at(body.len() - body.len() % 4);
    let tail_bytes = match tail.len() {
        0 => 0,
        1 => return Err(malformed()),
        n => n - 1,
    };
    let len = groups.len() / 4 * 3 + tail_bytes;
    let Some(out) = out.get_mut(..len) else {
        return Err(malformed());
    };
    let (out_groups, out_tail) = out.split_at_mut(groups.len() / 4 * 3);
    let mut flags = 0;
    for (chars, bytes) in groups.chunks_exact(4).zip(out_groups.chunks_exact_mut(3)) {
        let bits = group(chars);
        flags |= bits;
        let [_, b0, b1, b2] = bits.to_be_bytes();
        bytes.copy_from_slice(&[b0, b1, b2]);
    }
    // A partial group: its bits beyond the last whole byte are ignored (the policy accepts
    // non-zero trailing bits).
    let bits = group(tail);
    flags |= bits;
    let [_, b0, b1, _] = bits.to_be_bytes();
    if let Some(dst) = [b0, b1].get(..tail_bytes) {
        out_tail.copy_from_slice(dst);
    }
    if flags & INVALID != 0 || flags & (URL_ONLY | STANDARD_ONLY) == URL_ONLY | STANDARD_ONLY {
        return Err(malformed());
    }
    Ok(len)
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

    /// The policy as the `base64` crate implements it, the reference the decoder must agree
    /// with on every input.
    fn reference(text: &[u8]) -> Option<Vec<u8>> {
        use base64::alphabet;
        use base64::engine::general_purpose::GeneralPurposeConfig;
        use base64::engine::DecodePaddingMode;
        const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent);
        if text.last() == Some(&b'=') && text.len() % 4 != 0 {
            return None;
        }
        GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT).decode(text).ok().or_else(|| {
            if text.iter().any(|&b| b == b'-' || b == b'_') {
                return None;
            }
            GeneralPurpose::new(&alphabet::STANDARD, LENIENT).decode(text).ok()
        })
    }

    #[test]
    fn agrees_with_the_reference_on_every_short_text_and_random_long_ones() {
        let symbols = b"AQgw_-+/=* \"\x00\xff";
        let mut texts: Vec<Vec<u8>> = vec![vec![]];
        for _ in 0..6 {
            let longer: Vec<Vec<u8>> = texts
                .iter()
                .filter(|t| t.len() == texts.last().map_or(0, Vec::len))
                .flat_map(|t| symbols.iter().map(move |&c| [t.as_slice(), &[c]].concat()))
                .collect();
            texts.extend(longer);
        }
        // Long texts: encodings of pseudo-random bytes in both alphabets, padded or not, with
        // one character replaced.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in 0..200usize {
            let bytes: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
            let url = encode(&bytes);
            let standard = base64::engine::general_purpose::STANDARD.encode(&bytes);
            for text in [url.clone(), standard.clone(), standard.trim_end_matches('=').to_owned()] {
                texts.push(text.clone().into_bytes());
                let mut altered = text.into_bytes();
                if !altered.is_empty() {
                    let at = usize::try_from(next()).unwrap() % altered.len();
                    altered[at] = symbols[usize::try_from(next()).unwrap() % symbols.len()];
                    texts.push(altered);
                }
            }
        }
        for text in &texts {
            let mut out = vec![0u8; decoded_len_bound(text)];
            let ours = decode_slice(text, &mut out).ok().map(|n| out[..n].to_vec());
            assert_eq!(ours, reference(text), "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn refuses_an_output_buffer_too_short_for_the_bytes() {
        assert_eq!(decode_slice("AQID", &mut [0u8; 3]).unwrap(), 3);
        assert!(decode_slice("AQID", &mut [0u8; 2]).is_err());
        assert_eq!(decode_slice("AQI", &mut [0u8; 2]).unwrap(), 2);
    }

    #[test]
    fn encodes_unpadded_url_safe() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }
}
