//! The crate's own Ed25519 encoding rules, checked before either backend verifies, so that
//! `ed25519-dalek` and ring reach the same verdict on every input.
//!
//! A public key `A` and the signature's `R` must each be the canonical encoding of a point
//! (`y < p`) that is not of small order. Both rules are decided on the 32 encoded bytes,
//! without decompressing the point: the small-order points of edwards25519 are eight, with
//! five distinct `y` coordinates. `S < L` is checked by both backends themselves.

use crate::error::{Error, ErrorKind, Result};

/// `p = 2^255 - 19`, little-endian.
const P: [u8; 32] = {
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};

/// The `y` coordinates of the eight small-order points (the sign bit of `x` left out):
/// 0 (order 4), 1 (the identity), p - 1 (order 2) and the two of order 8.
const SMALL_ORDER_Y: [[u8; 32]; 5] = [
    [0; 32],
    {
        let mut one = [0; 32];
        one[0] = 1;
        one
    },
    {
        let mut p_minus_1 = P;
        p_minus_1[0] = 0xec;
        p_minus_1
    },
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf,
        0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20,
        0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
    ],
];

/// The `y` coordinate of an encoded point: the encoding with the sign bit of `x` cleared.
fn y_of(encoded: &[u8; 32]) -> [u8; 32] {
    let mut y = *encoded;
    y[31] &= 0x7f;
    y
}

/// Whether little-endian `a < b`.
fn less_than(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().rev().cmp(b.iter().rev()) == core::cmp::Ordering::Less
}

/// Whether `encoded` is a canonical point encoding (`y < p`) of a point not of small order.
/// Public data only, so the comparisons need not be constant-time.
#[must_use]
pub(super) fn acceptable_point(encoded: &[u8; 32]) -> bool {
    let y = y_of(encoded);
    less_than(&y, &P) && !SMALL_ORDER_Y.contains(&y)
}

/// The key rule, as the error both backends report.
///
/// # Errors
///
/// [`ErrorKind::UnsupportedKey`] when the key is of small order or not canonical.
pub(super) fn check_key(key: &[u8; 32]) -> Result<()> {
    if acceptable_point(key) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::UnsupportedKey, "Ed25519 key of small order or not canonical"))
    }
}

/// Whether a signature satisfies the encoding rules: exactly 64 bytes, its `R` an acceptable
/// point. (The key passed [`check_key`] when it was imported.)
#[must_use]
pub(super) fn acceptable_signature(signature: &[u8]) -> bool {
    let Some(r) = signature.get(..32).and_then(|r| <&[u8; 32]>::try_from(r).ok()) else {
        return false;
    };
    signature.len() == 64 && acceptable_point(r)
}

#[cfg(test)]
mod tests {
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::edwards::CompressedEdwardsY;

    use super::*;

    #[test]
    fn the_small_order_table_is_the_eight_torsion_points() {
        let mut from_dalek: Vec<[u8; 32]> = EIGHT_TORSION.iter().map(|p| y_of(&p.compress().to_bytes())).collect();
        from_dalek.sort_unstable();
        from_dalek.dedup();
        let mut table = SMALL_ORDER_Y.to_vec();
        table.sort_unstable();
        assert_eq!(table, from_dalek);
        for point in EIGHT_TORSION {
            let encoded = point.compress().to_bytes();
            assert!(!acceptable_point(&encoded));
            let mut flipped = encoded;
            flipped[31] ^= 0x80;
            assert!(!acceptable_point(&flipped), "small order with the other sign bit");
        }
    }

    #[test]
    fn non_canonical_encodings_are_refused_and_ordinary_points_pass() {
        // y = p + k for k in 0..19 (the only non-canonical values), both signs.
        for k in 0u8..19 {
            let mut y = P;
            y[0] = 0xed + k;
            for sign in [0, 0x80] {
                let mut encoded = y;
                encoded[31] |= sign;
                assert!(!acceptable_point(&encoded), "y = p + {k}");
            }
        }
        // A canonical encoding of an ordinary point passes, and so does the basepoint.
        let base = curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.to_bytes();
        assert!(acceptable_point(&base));
        assert!(CompressedEdwardsY(base).decompress().is_some());
    }

    #[test]
    fn signatures_must_be_64_bytes() {
        let base = curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.to_bytes();
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&base);
        assert!(acceptable_signature(&signature));
        assert!(!acceptable_signature(&signature[..63]));
        assert!(!acceptable_signature(&[&signature[..], &[0]].concat()));
        signature[..32].copy_from_slice(&[0; 32]);
        assert!(!acceptable_signature(&signature), "R of small order");
    }
}
