//! COSE_Key parsing (RFC 9052 §7, RFC 9053) for WebAuthn credential public keys.
//!
//! [`CoseKey::parse`] checks the structure and the agreement of `kty`, `alg` and `crv`, and the
//! coordinate and modulus sizes, without any arithmetic. [`crate::crypto`] then checks the key
//! mathematically (point on the curve, Ed25519 not of small order) before it is used.

use crate::encoding::cbor::{Decoder, Value};
use crate::error::{Error, ErrorKind, Input, Result};

/// A COSE algorithm identifier this crate verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "i64", into = "i64")]
#[non_exhaustive]
pub enum CoseAlgorithm {
    /// ECDSA with SHA-256 (-7), on P-256 in WebAuthn.
    Es256,
    /// ECDSA with SHA-384 (-35), on P-384.
    Es384,
    /// ECDSA with SHA-512 (-36), on P-521.
    Es512,
    /// ECDSA P-256 with SHA-256, fully specified (-9).
    Esp256,
    /// EdDSA (-8), Ed25519 in WebAuthn.
    EdDsa,
    /// Ed25519, fully specified (-19).
    Ed25519,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (-257).
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384 (-258).
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512 (-259).
    Rs512,
    /// RSASSA-PSS with SHA-256 (-37).
    Ps256,
    /// RSASSA-PSS with SHA-384 (-38).
    Ps384,
    /// RSASSA-PSS with SHA-512 (-39).
    Ps512,
    /// RSASSA-PKCS1-v1_5 with SHA-1 (-65535): refused unless the relying party allows SHA-1.
    Rs1,
}

impl CoseAlgorithm {
    /// Every algorithm the crate supports, strongest-first within each family.
    pub const ALL: [Self; 13] = [
        Self::Es256,
        Self::EdDsa,
        Self::Ed25519,
        Self::Esp256,
        Self::Es384,
        Self::Es512,
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
        Self::Rs1,
    ];

    /// The algorithms a relying party accepts when it configures nothing: all but SHA-1.
    pub const DEFAULT: [Self; 12] = [
        Self::Es256,
        Self::EdDsa,
        Self::Ed25519,
        Self::Esp256,
        Self::Es384,
        Self::Es512,
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
    ];

    /// The COSE identifier.
    #[must_use]
    pub const fn id(self) -> i64 {
        match self {
            Self::Es256 => -7,
            Self::Es384 => -35,
            Self::Es512 => -36,
            Self::Esp256 => -9,
            Self::EdDsa => -8,
            Self::Ed25519 => -19,
            Self::Rs256 => -257,
            Self::Rs384 => -258,
            Self::Rs512 => -259,
            Self::Ps256 => -37,
            Self::Ps384 => -38,
            Self::Ps512 => -39,
            Self::Rs1 => -65535,
        }
    }

    /// The algorithm with COSE identifier `id`, if supported.
    #[must_use]
    pub fn from_id(id: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    /// Whether the algorithm hashes with SHA-1.
    #[must_use]
    pub const fn uses_sha1(self) -> bool {
        matches!(self, Self::Rs1)
    }

    const fn kty(self) -> i64 {
        match self {
            Self::Es256 | Self::Es384 | Self::Es512 | Self::Esp256 => KTY_EC2,
            Self::EdDsa | Self::Ed25519 => KTY_OKP,
            _ => KTY_RSA,
        }
    }
}

impl TryFrom<i64> for CoseAlgorithm {
    type Error = Error;

    fn try_from(id: i64) -> Result<Self> {
        Self::from_id(id).ok_or_else(|| unsupported("unsupported algorithm"))
    }
}

impl From<CoseAlgorithm> for i64 {
    fn from(alg: CoseAlgorithm) -> Self {
        alg.id()
    }
}

/// An elliptic curve of an EC2 key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (COSE crv 1).
    P256,
    /// NIST P-384 (COSE crv 2).
    P384,
    /// NIST P-521 (COSE crv 3).
    P521,
}

impl Curve {
    /// The length of one coordinate in bytes.
    #[must_use]
    pub const fn coordinate_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
            Self::P521 => 66,
        }
    }
}

/// The smallest RSA modulus accepted, in bits.
pub const RSA_MIN_BITS: usize = 2048;
/// The largest RSA modulus accepted, in bits; a larger one is refused before any arithmetic.
pub const RSA_MAX_BITS: usize = 8192;

/// The key material of a COSE key, borrowed from its encoding. `Debug` shows the key type
/// and sizes, not the key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeyParams<'a> {
    /// An EC2 key (uncompressed point).
    Ec2 {
        /// The curve.
        curve: Curve,
        /// The x coordinate, exactly `curve.coordinate_len()` bytes.
        x: &'a [u8],
        /// The y coordinate, exactly `curve.coordinate_len()` bytes.
        y: &'a [u8],
    },
    /// An Ed25519 OKP key.
    Ed25519 {
        /// The 32-byte public key.
        x: &'a [u8; 32],
    },
    /// An RSA key.
    Rsa {
        /// The modulus, big-endian, without leading zero bytes.
        n: &'a [u8],
        /// The public exponent, big-endian, without leading zero bytes.
        e: &'a [u8],
    },
}

impl core::fmt::Debug for KeyParams<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Ec2 { curve, .. } => f.debug_struct("Ec2").field("curve", curve).finish_non_exhaustive(),
            Self::Ed25519 { .. } => f.debug_struct("Ed25519").finish_non_exhaustive(),
            Self::Rsa { n, .. } => f.debug_struct("Rsa").field("modulus_len", &n.len()).finish_non_exhaustive(),
        }
    }
}

/// A structurally valid COSE_Key with a supported algorithm. `Debug` shows the algorithm and
/// key type, not the key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CoseKey<'a> {
    raw: &'a [u8],
    alg: CoseAlgorithm,
    params: KeyParams<'a>,
}

impl core::fmt::Debug for CoseKey<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CoseKey").field("alg", &self.alg).field("params", &self.params).finish_non_exhaustive()
    }
}

const KTY_OKP: i64 = 1;
const KTY_EC2: i64 = 2;
const KTY_RSA: i64 = 3;

fn malformed(context: &'static str) -> Error {
    Error::malformed(Input::CoseKey, context)
}

fn unsupported(context: &'static str) -> Error {
    Error::new(ErrorKind::UnsupportedKey, context)
}

/// The members of a COSE key map this crate reads.
#[derive(Default)]
struct Members<'a> {
    kty: Option<Value<'a>>,
    alg: Option<Value<'a>>,
    /// Label -1: `crv` for EC2/OKP, `n` for RSA.
    m1: Option<Value<'a>>,
    /// Label -2: `x` for EC2/OKP, `e` for RSA.
    m2: Option<Value<'a>>,
    /// Label -3: `y` for EC2.
    m3: Option<Value<'a>>,
}

impl<'a> CoseKey<'a> {
    /// Parses the exact bytes of one COSE_Key map.
    ///
    /// # Errors
    ///
    /// Malformed [`Input::CoseKey`] for structural defects (not a map, non-integer `kty` or
    /// `alg`, duplicate or missing members, wrong member types, trailing bytes);
    /// [`ErrorKind::UnsupportedKey`] for an unknown algorithm, a `kty`/`alg`/`crv` disagreement,
    /// wrong coordinate sizes or an RSA modulus outside 2048..=8192 bits.
    pub fn parse(raw: &'a [u8]) -> Result<Self> {
        // One pass over the map: keys checked unique, the members read kept as decoded.
        let mut m = Members::default();
        let mut repeated = false;
        let is_map = Decoder::single_map(raw, Input::CoseKey, |label, value| {
            let slot = match label.as_i64() {
                Some(1) => &mut m.kty,
                Some(3) => &mut m.alg,
                Some(-1) => &mut m.m1,
                Some(-2) => &mut m.m2,
                Some(-3) => &mut m.m3,
                _ => return,
            };
            repeated |= slot.replace(value).is_some();
        })?;
        if !is_map {
            return Err(malformed("not a CBOR map"));
        }
        if repeated {
            return Err(malformed("duplicate label"));
        }
        let integer = |v: Option<Value<'a>>, missing: &'static str, not_integer: &'static str| {
            v.ok_or_else(|| malformed(missing))?.as_i64().ok_or_else(|| malformed(not_integer))
        };
        let kty = integer(m.kty, "missing kty", "kty is not an integer")?;
        let alg_id = integer(m.alg, "missing alg", "alg is not an integer")?;
        let alg = CoseAlgorithm::from_id(alg_id).ok_or_else(|| unsupported("unsupported algorithm"))?;
        if alg.kty() != kty {
            return Err(unsupported("kty does not match alg"));
        }
        let bytes = |v: Option<Value<'a>>, what: &'static str| {
            v.ok_or_else(|| malformed(what))?.as_bytes().ok_or_else(|| malformed(what))
        };
        let params = match kty {
            KTY_EC2 => {
                let crv = m.m1.and_then(|v| v.as_i64()).ok_or_else(|| malformed("missing or non-integer crv"))?;
                let curve = match (alg, crv) {
                    (CoseAlgorithm::Es256 | CoseAlgorithm::Esp256, 1) => Curve::P256,
                    (CoseAlgorithm::Es384, 2) => Curve::P384,
                    (CoseAlgorithm::Es512, 3) => Curve::P521,
                    _ => return Err(unsupported("crv does not match alg")),
                };
                let x = bytes(m.m2, "missing or non-bytes x")?;
                let y = bytes(m.m3, "EC2 key without an uncompressed y coordinate")?;
                if x.len() != curve.coordinate_len() || y.len() != curve.coordinate_len() {
                    return Err(unsupported("EC2 coordinate of the wrong size"));
                }
                KeyParams::Ec2 { curve, x, y }
            }
            KTY_OKP => {
                let crv = m.m1.and_then(|v| v.as_i64()).ok_or_else(|| malformed("missing or non-integer crv"))?;
                if crv != 6 {
                    return Err(unsupported("OKP curve is not Ed25519"));
                }
                let x = bytes(m.m2, "missing or non-bytes x")?;
                let x = x.try_into().map_err(|_| unsupported("Ed25519 key is not 32 bytes"))?;
                KeyParams::Ed25519 { x }
            }
            _ => {
                let n = strip_leading_zeros(bytes(m.m1, "missing or non-bytes n")?);
                let e = strip_leading_zeros(bytes(m.m2, "missing or non-bytes e")?);
                let bits = (n.len() * 8).saturating_sub(n.first().map_or(8, |b| b.leading_zeros() as usize));
                if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
                    return Err(unsupported("RSA modulus size outside 2048..=8192 bits"));
                }
                if e.is_empty() || e.len() > 8 {
                    return Err(unsupported("RSA exponent out of range"));
                }
                KeyParams::Rsa { n, e }
            }
        };
        Ok(Self { raw, alg, params })
    }

    /// The exact COSE_Key bytes.
    #[must_use]
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The key's algorithm.
    #[must_use]
    pub const fn alg(&self) -> CoseAlgorithm {
        self.alg
    }

    /// The key material.
    #[must_use]
    pub const fn params(&self) -> &KeyParams<'a> {
        &self.params
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    /// Every label at most once, including labels the parser does not read.
    #[test]
    fn duplicate_labels_are_refused_even_unread_ones() {
        let mut key = es256_key(1, 32);
        key[0] += 2; // two more pairs
        key.extend_from_slice(&[0x38, 0x62, 0x01, 0x38, 0x62, 0x02]); // -99: 1, -99: 2
        let err = CoseKey::parse(&key).unwrap_err();
        assert_eq!((err.kind(), err.context()), (ErrorKind::Malformed(Input::CoseKey), "duplicate CBOR map key"));
    }

    use super::*;

    /// `{1: 2, 3: -7, -1: 1, -2: x, -3: y}` with 32-byte coordinates.
    fn es256_key(crv: u8, coordinate_len: u8) -> Vec<u8> {
        let mut v = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, crv, 0x21, 0x58, coordinate_len];
        v.extend(std::iter::repeat_n(1, coordinate_len.into()));
        v.extend_from_slice(&[0x22, 0x58, coordinate_len]);
        v.extend(std::iter::repeat_n(2, coordinate_len.into()));
        v
    }

    #[test]
    fn parses_an_es256_key() {
        let raw = es256_key(1, 32);
        let key = CoseKey::parse(&raw).unwrap();
        assert_eq!(key.alg(), CoseAlgorithm::Es256);
        assert!(matches!(key.params(), KeyParams::Ec2 { curve: Curve::P256, x, y } if x.len() == 32 && y.len() == 32));
    }

    #[test]
    fn refuses_curve_and_size_mismatches() {
        assert_eq!(CoseKey::parse(&es256_key(2, 32)).unwrap_err().context(), "crv does not match alg");
        assert_eq!(CoseKey::parse(&es256_key(1, 31)).unwrap_err().context(), "EC2 coordinate of the wrong size");
        assert_eq!(CoseKey::parse(&es256_key(1, 32)).unwrap().raw().len(), 77);
    }

    #[test]
    fn refuses_text_kty_and_missing_alg() {
        // {1: "OKP", 3: -8}
        let text_kty = [0xa2, 0x01, 0x63, b'O', b'K', b'P', 0x03, 0x27];
        assert_eq!(CoseKey::parse(&text_kty).unwrap_err().kind(), ErrorKind::Malformed(Input::CoseKey));
        let no_alg = [0xa1, 0x01, 0x02];
        assert_eq!(CoseKey::parse(&no_alg).unwrap_err().context(), "missing alg");
        let unknown_alg = [0xa2, 0x01, 0x02, 0x03, 0x38, 0x63]; // alg -100
        assert_eq!(CoseKey::parse(&unknown_alg).unwrap_err().kind(), ErrorKind::UnsupportedKey);
    }

    #[test]
    fn refuses_oversized_rsa_modulus_before_arithmetic() {
        // {1: 3, 3: -257, -1: n (8193 bits), -2: 65537}
        let mut v = vec![0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20, 0x59, 0x04, 0x01, 0x01];
        v.extend(std::iter::repeat_n(0xff, 1024));
        v.extend_from_slice(&[0x21, 0x43, 0x01, 0x00, 0x01]);
        assert_eq!(CoseKey::parse(&v).unwrap_err().context(), "RSA modulus size outside 2048..=8192 bits");
    }
}
