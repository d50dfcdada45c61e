//! The `android-key` attestation statement format (WebAuthn L3 §8.4).
//!
//! The credential key itself lives in Android Keystore; `x5c[0]` certifies it and carries the
//! key description extension (OID 1.3.6.1.4.1.11129.2.1.17, schema in the Android key
//! attestation documentation), whose fields say how the key was made and what it may do.
//!
//! Which authorization list establishes `origin` and `purpose`: §8.4 says to use only
//! `teeEnforced` when the relying party accepts only keys from a trusted execution environment,
//! otherwise the union of `teeEnforced` and `softwareEnforced`. The policy has no switch for
//! software-enforced keys yet, so the stricter reading applies ([`ACCEPT_SOFTWARE_ENFORCED`]).

use super::packed::as_attestation;
use super::stmt::AttStmt;
use super::{AttestationType, Inputs, Statement};
use crate::cert::parse_x5c;
use crate::cose::CoseAlgorithm;
use crate::crypto::spki::Scheme;
use crate::error::AttestationError;
use crate::error::{Error, ErrorKind, Result};

/// The Android key attestation extension (KeyDescription).
const KEY_DESCRIPTION: &str = "1.3.6.1.4.1.11129.2.1.17";

/// Whether `softwareEnforced` may establish `origin` and `purpose` (the union of both lists,
/// §8.4). Off: only `teeEnforced` counts.
const ACCEPT_SOFTWARE_ENFORCED: bool = false;

/// `KeyOrigin` of a key generated inside Keystore.
const KM_ORIGIN_GENERATED: u64 = 0;
/// `KeyPurpose` SIGN.
const KM_PURPOSE_SIGN: u64 = 2;

/// AuthorizationList tags (context-specific, EXPLICIT).
const TAG_PURPOSE: u32 = 1;
const TAG_ALL_APPLICATIONS: u32 = 600;
const TAG_ORIGIN: u32 = 702;

/// The most entries accepted in one AuthorizationList (KeyMint defines about 60 tags).
const MAX_AUTHORIZATIONS: usize = 128;
/// The most purposes accepted in one `purpose` set (KeyMint defines 7).
const MAX_PURPOSES: usize = 16;

pub(super) fn verify<'a>(inputs: &Inputs<'a, '_>) -> Result<Statement<'a>> {
    let stmt = AttStmt::parse(inputs.att_stmt, &["alg", "sig", "x5c"])?;
    let alg_id = stmt.int("alg")?;
    let sig = stmt.bytes("sig")?;
    let x5c = stmt
        .x5c()?
        .ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "android-key statement without x5c"))?;
    let chain = parse_x5c(&x5c)?;
    let leaf = chain.first().ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "empty x5c"))?;
    let alg = CoseAlgorithm::from_id(alg_id)
        .ok_or_else(|| Error::new(ErrorKind::AlgorithmNotAllowed, "attestation alg unsupported"))?;

    // sig over authenticatorData || clientDataHash, by the key in x5c[0], with alg.
    let signed = [inputs.auth_data.raw(), &inputs.client_data_hash[..]].concat();
    leaf.key()
        .verify(Scheme::from_cose(alg), &signed, sig, inputs.allow_sha1())
        .map_err(|e| as_attestation(e, "android-key attestation signature does not verify"))?;

    // The certified key is the credential public key.
    if !leaf.key().matches_cose(inputs.credential_key) {
        return Err(Error::attestation(
            AttestationError::KeyMismatch,
            "android-key certificate key differs from the credential public key",
        ));
    }

    let extension = leaf.extension(KEY_DESCRIPTION).ok_or_else(|| {
        Error::attestation(
            AttestationError::CertificateRequirements,
            "android-key certificate lacks the key description",
        )
    })?;
    let description = KeyDescription::parse(extension)?;
    check_description(&description, inputs.client_data_hash, ACCEPT_SOFTWARE_ENFORCED)?;

    Ok(Statement { kind: AttestationType::Basic, chain })
}

/// §8.4 checks of the key description.
fn check_description(kd: &KeyDescription<'_>, client_data_hash: &[u8; 32], accept_software: bool) -> Result<()> {
    if kd.challenge != client_data_hash {
        return Err(Error::attestation(
            AttestationError::NotThisCeremony,
            "android-key attestationChallenge differs from clientDataHash",
        ));
    }
    // The credential must be scoped to the RP ID: never usable by every application.
    if kd.software.all_applications || kd.tee.all_applications {
        return Err(Error::attestation(
            AttestationError::AuthenticatorProperties,
            "android-key key is usable by all applications",
        ));
    }
    let lists: &[&AuthorizationList] = if accept_software { &[&kd.tee, &kd.software] } else { &[&kd.tee] };
    // origin: present in a considered list, and KM_ORIGIN_GENERATED wherever present.
    let origins = || lists.iter().filter_map(|l| l.origin);
    let origin_ok = origins().next().is_some() && origins().all(|o| o == Some(KM_ORIGIN_GENERATED));
    if !origin_ok {
        return Err(Error::attestation(
            AttestationError::AuthenticatorProperties,
            "android-key key origin is not KM_ORIGIN_GENERATED",
        ));
    }
    if !lists.iter().any(|l| l.purpose_sign) {
        return Err(Error::attestation(
            AttestationError::AuthenticatorProperties,
            "android-key key purpose is not KM_PURPOSE_SIGN",
        ));
    }
    Ok(())
}

/// The fields of the KeyDescription this verifier reads.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct KeyDescription<'a> {
    challenge: &'a [u8],
    software: AuthorizationList,
    tee: AuthorizationList,
}

/// The fields of an AuthorizationList this verifier reads.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct AuthorizationList {
    /// `allApplications` [600] is present.
    all_applications: bool,
    /// `origin` [702] when present: `Some(value)`, or `Some(None)` for a value that is not a
    /// small non-negative integer.
    origin: Option<Option<u64>>,
    /// `purpose` [1] is present and contains KM_PURPOSE_SIGN.
    purpose_sign: bool,
}

fn bad_description() -> Error {
    Error::attestation(AttestationError::MalformedStatement, "android-key key description does not parse")
}

impl<'a> KeyDescription<'a> {
    /// Parses the extension value:
    ///
    /// ```text
    /// KeyDescription ::= SEQUENCE {
    ///     attestationVersion INTEGER, attestationSecurityLevel ENUMERATED,
    ///     keymasterVersion INTEGER, keymasterSecurityLevel ENUMERATED,
    ///     attestationChallenge OCTET STRING, uniqueId OCTET STRING,
    ///     softwareEnforced AuthorizationList, teeEnforced AuthorizationList }
    /// ```
    ///
    /// Fields after `teeEnforced` (later schema versions) are ignored.
    pub(super) fn parse(der: &'a [u8]) -> Result<Self> {
        let mut outer = Reader::new(der);
        let seq = outer.expect(UNIVERSAL, true, SEQUENCE)?;
        if !outer.is_empty() {
            return Err(bad_description());
        }
        let mut r = Reader::new(seq);
        r.expect(UNIVERSAL, false, INTEGER)?;
        r.expect(UNIVERSAL, false, ENUMERATED)?;
        r.expect(UNIVERSAL, false, INTEGER)?;
        r.expect(UNIVERSAL, false, ENUMERATED)?;
        let challenge = r.expect(UNIVERSAL, false, OCTET_STRING)?;
        r.expect(UNIVERSAL, false, OCTET_STRING)?;
        let software = AuthorizationList::parse(r.expect(UNIVERSAL, true, SEQUENCE)?)?;
        let tee = AuthorizationList::parse(r.expect(UNIVERSAL, true, SEQUENCE)?)?;
        Ok(Self { challenge, software, tee })
    }
}

impl AuthorizationList {
    /// Parses the content of an AuthorizationList SEQUENCE: `[n] EXPLICIT` entries. The tags this
    /// verifier reads may each appear once.
    fn parse(content: &[u8]) -> Result<Self> {
        let mut list = Self::default();
        let mut seen = [false; 3];
        let mut r = Reader::new(content);
        let mut count = 0usize;
        while !r.is_empty() {
            count += 1;
            if count > MAX_AUTHORIZATIONS {
                return Err(bad_description());
            }
            let entry = r.next()?;
            if entry.class != CONTEXT || !entry.constructed {
                return Err(bad_description());
            }
            // EXPLICIT tagging: exactly one inner element.
            let mut inner = Reader::new(entry.value);
            let value = inner.next()?;
            if !inner.is_empty() {
                return Err(bad_description());
            }
            let slot = match entry.number {
                TAG_PURPOSE => 0,
                TAG_ALL_APPLICATIONS => 1,
                TAG_ORIGIN => 2,
                _ => continue,
            };
            let first = seen.get_mut(slot).ok_or_else(bad_description)?;
            if *first {
                return Err(Error::attestation(
                    AttestationError::MalformedStatement,
                    "android-key authorization list repeats a tag",
                ));
            }
            *first = true;
            match entry.number {
                TAG_PURPOSE => list.purpose_sign = purposes_include_sign(value)?,
                TAG_ALL_APPLICATIONS => list.all_applications = true,
                _ => {
                    if !value.is(UNIVERSAL, false, INTEGER) {
                        return Err(bad_description());
                    }
                    list.origin = Some(small_uint(value.value));
                }
            }
        }
        Ok(list)
    }
}

/// `purpose [1] EXPLICIT SET OF INTEGER`: whether the set holds KM_PURPOSE_SIGN.
fn purposes_include_sign(set: Tlv<'_>) -> Result<bool> {
    if !set.is(UNIVERSAL, true, SET) {
        return Err(bad_description());
    }
    let mut r = Reader::new(set.value);
    let mut found = false;
    let mut count = 0usize;
    while !r.is_empty() {
        count += 1;
        if count > MAX_PURPOSES {
            return Err(bad_description());
        }
        let item = r.expect(UNIVERSAL, false, INTEGER)?;
        found |= small_uint(item) == Some(KM_PURPOSE_SIGN);
    }
    Ok(found)
}

/// The value of INTEGER content octets when it is non-negative and fits in a `u64`.
fn small_uint(content: &[u8]) -> Option<u64> {
    let (&first, _) = content.split_first()?;
    if first & 0x80 != 0 {
        return None;
    }
    let digits = match content {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => content,
    };
    if digits.len() > 8 {
        return None;
    }
    Some(digits.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

// A minimal, bounded DER reader. der 0.7 handles tag numbers up to 30 only; AuthorizationList
// uses numbers up to about 720, in the high-tag-number form.

const UNIVERSAL: u8 = 0;
const CONTEXT: u8 = 2;
const INTEGER: u32 = 2;
const OCTET_STRING: u32 = 4;
const ENUMERATED: u32 = 10;
const SEQUENCE: u32 = 16;
const SET: u32 = 17;

/// The largest tag number accepted (four base-128 digits).
const MAX_TAG_NUMBER: u32 = (1 << 28) - 1;

/// One TLV: class (0 universal, 1 application, 2 context-specific, 3 private), constructed bit,
/// tag number and content octets.
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    class: u8,
    constructed: bool,
    number: u32,
    value: &'a [u8],
}

impl Tlv<'_> {
    fn is(&self, class: u8, constructed: bool, number: u32) -> bool {
        self.class == class && self.constructed == constructed && self.number == number
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    const fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    const fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn byte(&mut self) -> Result<u8> {
        let (&b, rest) = self.rest.split_first().ok_or_else(bad_description)?;
        self.rest = rest;
        Ok(b)
    }

    /// Reads the next TLV (definite lengths only).
    fn next(&mut self) -> Result<Tlv<'a>> {
        let first = self.byte()?;
        let class = first >> 6;
        let constructed = first & 0x20 != 0;
        let mut number = u32::from(first & 0x1f);
        if number == 0x1f {
            number = 0;
            for i in 0..4 {
                let b = self.byte()?;
                if i == 0 && b == 0x80 {
                    return Err(bad_description()); // leading zero digit
                }
                number = (number << 7) | u32::from(b & 0x7f);
                if b & 0x80 == 0 {
                    break;
                }
                if i == 3 {
                    return Err(bad_description());
                }
            }
            if !(0x1f..=MAX_TAG_NUMBER).contains(&number) {
                return Err(bad_description());
            }
        }
        let len_byte = self.byte()?;
        let len = if len_byte < 0x80 {
            usize::from(len_byte)
        } else {
            let n = len_byte & 0x7f;
            if n == 0 || n > 4 {
                return Err(bad_description()); // indefinite or absurd length
            }
            let mut len = 0usize;
            for _ in 0..n {
                len = (len << 8) | usize::from(self.byte()?);
            }
            len
        };
        let value = self.rest.get(..len).ok_or_else(bad_description)?;
        self.rest = self.rest.get(len..).ok_or_else(bad_description)?;
        Ok(Tlv { class, constructed, number, value })
    }

    /// Reads the next TLV, which must have this class, form and number; returns its content.
    fn expect(&mut self, class: u8, constructed: bool, number: u32) -> Result<&'a [u8]> {
        let tlv = self.next()?;
        if tlv.is(class, constructed, number) {
            Ok(tlv.value)
        } else {
            Err(bad_description())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::cast_possible_truncation)]
    use super::*;

    fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
        let mut out = tag.to_vec();
        match content.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n < 0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(content);
        out
    }

    /// `[n] EXPLICIT` in the form the tag number needs.
    fn explicit(n: u32, inner: &[u8]) -> Vec<u8> {
        let tag = if n < 31 {
            vec![0xa0 | n as u8]
        } else if n < 128 {
            vec![0xbf, n as u8]
        } else {
            vec![0xbf, 0x80 | (n >> 7) as u8, (n & 0x7f) as u8]
        };
        tlv(&tag, inner)
    }

    fn int(v: u8) -> Vec<u8> {
        tlv(&[0x02], &[v])
    }

    fn tee_list(origin: u8, purposes: &[u8], all_apps: bool) -> Vec<u8> {
        let set: Vec<u8> = purposes.iter().flat_map(|&p| int(p)).collect();
        let mut content = explicit(1, &tlv(&[0x31], &set));
        content.extend(explicit(2, &int(3)));
        if all_apps {
            content.extend(explicit(600, &[0x05, 0x00]));
        }
        content.extend(explicit(702, &int(origin)));
        tlv(&[0x30], &content)
    }

    fn description(challenge: &[u8], software: &[u8], tee: &[u8]) -> Vec<u8> {
        let mut content = int(3);
        content.extend(tlv(&[0x0a], &[1]));
        content.extend(int(4));
        content.extend(tlv(&[0x0a], &[1]));
        content.extend(tlv(&[0x04], challenge));
        content.extend(tlv(&[0x04], &[]));
        content.extend_from_slice(software);
        content.extend_from_slice(tee);
        tlv(&[0x30], &content)
    }

    const EMPTY: [u8; 2] = [0x30, 0x00];

    #[test]
    fn parses_and_checks_a_tee_key() {
        let cdh = [7u8; 32];
        let der = description(&cdh, &EMPTY, &tee_list(0, &[2], false));
        let kd = KeyDescription::parse(&der).unwrap();
        assert_eq!(kd.challenge, &cdh[..]);
        assert_eq!(kd.tee.origin, Some(Some(0)));
        assert!(kd.tee.purpose_sign && !kd.tee.all_applications);
        assert!(check_description(&kd, &cdh, false).is_ok());
        assert!(check_description(&kd, &[8u8; 32], false).is_err());
    }

    #[test]
    fn refuses_wrong_origin_purpose_and_all_applications() {
        let cdh = [7u8; 32];
        for tee in [tee_list(2, &[2], false), tee_list(0, &[3], false), tee_list(0, &[2], true)] {
            let der = description(&cdh, &EMPTY, &tee);
            let kd = KeyDescription::parse(&der).unwrap();
            assert!(check_description(&kd, &cdh, false).is_err());
        }
        // allApplications in softwareEnforced counts too.
        let der = description(&cdh, &tee_list(0, &[2], true), &tee_list(0, &[2], false));
        let kd = KeyDescription::parse(&der).unwrap();
        assert!(check_description(&kd, &cdh, false).is_err());
    }

    #[test]
    fn software_enforced_counts_only_when_accepted() {
        let cdh = [7u8; 32];
        let der = description(&cdh, &tee_list(0, &[2], false), &EMPTY);
        let kd = KeyDescription::parse(&der).unwrap();
        assert!(check_description(&kd, &cdh, false).is_err());
        assert!(check_description(&kd, &cdh, true).is_ok());
        // Empty lists (the §16 vector) never pass.
        let der = description(&cdh, &EMPTY, &EMPTY);
        let kd = KeyDescription::parse(&der).unwrap();
        assert!(check_description(&kd, &cdh, true).is_err());
    }

    #[test]
    fn refuses_truncated_and_trailing_input() {
        let der = description(&[7u8; 32], &EMPTY, &tee_list(0, &[2], false));
        for len in 0..der.len() {
            assert!(KeyDescription::parse(&der[..len]).is_err(), "{len}");
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(KeyDescription::parse(&trailing).is_err());
    }

    #[test]
    fn refuses_repeated_tags_and_bad_tag_encodings() {
        let mut content = explicit(702, &int(0));
        content.extend(explicit(702, &int(3)));
        assert!(AuthorizationList::parse(&content).is_err());
        // High-tag form for a low number, a leading zero digit, five digits.
        for bad in [
            &[0xbf, 0x01, 0x03, 0x02, 0x01, 0x00][..],
            &[0xbf, 0x80, 0x01, 0x00],
            &[0xbf, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00],
            &[0x02, 0x80, 0x00, 0x00],
        ] {
            assert!(Reader::new(bad).next().is_err() || AuthorizationList::parse(bad).is_err());
        }
    }

    #[test]
    fn small_uint_reads_non_negative_integers() {
        assert_eq!(small_uint(&[0]), Some(0));
        assert_eq!(small_uint(&[0, 0x80]), Some(128));
        assert_eq!(small_uint(&[0x80]), None);
        assert_eq!(small_uint(&[]), None);
        assert_eq!(small_uint(&[1; 9]), None);
    }
}
