//! Authenticator data (WebAuthn L3 §6.1), parsed strictly.

use crate::encoding::cbor::{Decoder, Value};
use crate::encoding::reader::Reader;
use crate::error::{Error, ErrorKind, Input, Result};

/// The longest credential ID WebAuthn allows (§6.1.3: at most 1023 bytes).
pub const MAX_CREDENTIAL_ID_LEN: usize = 1023;

/// The flags byte of authenticator data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u8);

impl Flags {
    /// User present.
    pub const UP: u8 = 0x01;
    /// User verified.
    pub const UV: u8 = 0x04;
    /// Backup eligible.
    pub const BE: u8 = 0x08;
    /// Backup state (backed up).
    pub const BS: u8 = 0x10;
    /// Attested credential data included.
    pub const AT: u8 = 0x40;
    /// Extension data included.
    pub const ED: u8 = 0x80;

    /// Wraps a raw flags byte.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Self {
        Self(bits)
    }

    /// The raw flags byte.
    #[must_use]
    pub const fn bits(self) -> u8 {
        self.0
    }

    const fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// UP: the user was present.
    #[must_use]
    pub const fn user_present(self) -> bool {
        self.has(Self::UP)
    }

    /// UV: the user was verified.
    #[must_use]
    pub const fn user_verified(self) -> bool {
        self.has(Self::UV)
    }

    /// BE: the credential may be backed up (a synced passkey).
    #[must_use]
    pub const fn backup_eligible(self) -> bool {
        self.has(Self::BE)
    }

    /// BS: the credential is currently backed up.
    #[must_use]
    pub const fn backup_state(self) -> bool {
        self.has(Self::BS)
    }

    /// AT: attested credential data follows.
    #[must_use]
    pub const fn attested_credential_data(self) -> bool {
        self.has(Self::AT)
    }

    /// ED: extension data follows.
    #[must_use]
    pub const fn extension_data(self) -> bool {
        self.has(Self::ED)
    }
}

/// Attested credential data (§6.5.1): AAGUID, credential ID and the COSE public key. `Debug`
/// shows the AAGUID and lengths only.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AttestedCredentialData<'a> {
    aaguid: [u8; 16],
    credential_id: &'a [u8],
    public_key: &'a [u8],
}

impl core::fmt::Debug for AttestedCredentialData<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AttestedCredentialData")
            .field("aaguid", &self.aaguid)
            .field("credential_id_len", &self.credential_id.len())
            .field("public_key_len", &self.public_key.len())
            .finish()
    }
}

impl<'a> AttestedCredentialData<'a> {
    /// The authenticator's AAGUID.
    #[must_use]
    pub const fn aaguid(&self) -> [u8; 16] {
        self.aaguid
    }

    /// The credential ID (1 to 1023 bytes).
    #[must_use]
    pub const fn credential_id(&self) -> &'a [u8] {
        self.credential_id
    }

    /// The credential public key, as the exact COSE_Key bytes.
    #[must_use]
    pub const fn public_key(&self) -> &'a [u8] {
        self.public_key
    }
}

/// A parsed view of authenticator data that keeps the raw bytes. `Debug` shows flags, count
/// and lengths, never the bytes (they hold the credential ID and key).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatorData<'a> {
    raw: &'a [u8],
    rp_id_hash: [u8; 32],
    flags: Flags,
    sign_count: u32,
    attested: Option<AttestedCredentialData<'a>>,
    extensions: Option<&'a [u8]>,
}

impl core::fmt::Debug for AuthenticatorData<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthenticatorData")
            .field("len", &self.raw.len())
            .field("flags", &self.flags)
            .field("sign_count", &self.sign_count)
            .field("attested", &self.attested)
            .field("extensions_len", &self.extensions.map(<[u8]>::len))
            .finish_non_exhaustive()
    }
}

impl<'a> AuthenticatorData<'a> {
    /// Parses authenticator data.
    ///
    /// AT and ED must agree with the bytes present, BS requires BE, a credential ID is 1 to
    /// 1023 bytes, the public key and extensions are single CBOR maps, and no byte may follow.
    ///
    /// # Errors
    ///
    /// Malformed [`Input::AuthenticatorData`] naming the defect.
    pub fn parse(raw: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(raw, Input::AuthenticatorData);
        let rp_id_hash = r.take_array::<32>("truncated before flags")?;
        let flags = Flags(r.u8("truncated before flags")?);
        let sign_count = r.u32("truncated signCount")?;
        if flags.backup_state() && !flags.backup_eligible() {
            return Err(Error::malformed(Input::AuthenticatorData, "BS flag set without BE"));
        }
        let attested = if flags.attested_credential_data() {
            let aaguid = r.take_array::<16>("AT flag set but attested credential data missing")?;
            let id_len = usize::from(r.u16("truncated credential ID length")?);
            // A length past the end of the data is a structural failure; an ID that is there
            // but empty or longer than §7.1 step 25 allows is a credential failure.
            let credential_id = r.take(id_len, "truncated credential ID")?;
            if id_len == 0 || id_len > MAX_CREDENTIAL_ID_LEN {
                return Err(Error::new(ErrorKind::CredentialId, "credential ID length out of range"));
            }
            let public_key = take_cbor_map(&mut r, "credential public key is not a valid CBOR map")?;
            Some(AttestedCredentialData { aaguid, credential_id, public_key })
        } else {
            None
        };
        let extensions = if flags.extension_data() {
            Some(take_cbor_map(&mut r, "ED flag set but extensions are not a valid CBOR map")?)
        } else {
            None
        };
        r.finish()?;
        Ok(Self { raw, rp_id_hash, flags, sign_count, attested, extensions })
    }

    /// The raw bytes as received.
    #[must_use]
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// SHA-256 of the RP ID the authenticator scoped the credential to.
    #[must_use]
    pub const fn rp_id_hash(&self) -> &[u8; 32] {
        &self.rp_id_hash
    }

    /// The flags.
    #[must_use]
    pub const fn flags(&self) -> Flags {
        self.flags
    }

    /// The signature counter.
    #[must_use]
    pub const fn sign_count(&self) -> u32 {
        self.sign_count
    }

    /// Attested credential data, present exactly when AT is set.
    #[must_use]
    pub const fn attested_credential_data(&self) -> Option<&AttestedCredentialData<'a>> {
        self.attested.as_ref()
    }

    /// The raw CBOR map of authenticator extension outputs, present exactly when ED is set.
    #[must_use]
    pub const fn extensions(&self) -> Option<&'a [u8]> {
        self.extensions
    }
}

fn take_cbor_map<'a>(r: &mut Reader<'a>, context: &'static str) -> Result<&'a [u8]> {
    let rest = r.rest();
    let mut decoder = Decoder::new(rest, Input::AuthenticatorData);
    let Ok((Value::Map(_), unique_keys)) = decoder.value_checking_keys() else {
        return Err(Error::malformed(Input::AuthenticatorData, context));
    };
    // The credential public key and the extension outputs: every key at most once.
    unique_keys?;
    let used = rest.len() - decoder.rest().len();
    r.take(used, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(flags: u8) -> Vec<u8> {
        let mut v = vec![7u8; 32];
        v.push(flags);
        v.extend_from_slice(&5u32.to_be_bytes());
        v
    }

    #[test]
    fn parses_a_minimal_assertion() {
        let raw = base(Flags::UP | Flags::UV);
        let ad = AuthenticatorData::parse(&raw).unwrap();
        assert_eq!(ad.rp_id_hash(), &[7u8; 32]);
        assert!(ad.flags().user_present() && ad.flags().user_verified());
        assert_eq!(ad.sign_count(), 5);
        assert!(ad.attested_credential_data().is_none());
        assert_eq!(ad.raw(), &raw[..]);
    }

    /// Extension outputs name each extension at most once.
    #[test]
    fn duplicate_extension_outputs_are_refused() {
        let mut raw = base(Flags::UP | Flags::ED);
        raw.extend_from_slice(&[0xa2, 0x61, b'x', 0xf5, 0x61, b'x', 0xf4]); // {"x": true, "x": false}
        let err = AuthenticatorData::parse(&raw).unwrap_err();
        assert_eq!(
            (err.kind(), err.context()),
            (ErrorKind::Malformed(Input::AuthenticatorData), "duplicate CBOR map key")
        );
    }

    #[test]
    fn parses_attested_credential_data_and_extensions() {
        let mut raw = base(Flags::UP | Flags::AT | Flags::ED);
        raw.extend_from_slice(&[9u8; 16]);
        raw.extend_from_slice(&[0, 2, 0xaa, 0xbb]);
        raw.extend_from_slice(&[0xa1, 0x01, 0x02]); // {1: 2}
        raw.extend_from_slice(&[0xa1, 0x61, b'x', 0xf5]); // {"x": true}
        let ad = AuthenticatorData::parse(&raw).unwrap();
        let acd = ad.attested_credential_data().unwrap();
        assert_eq!(acd.aaguid(), [9u8; 16]);
        assert_eq!(acd.credential_id(), &[0xaa, 0xbb]);
        assert_eq!(acd.public_key(), &[0xa1, 0x01, 0x02]);
        assert_eq!(ad.extensions(), Some(&[0xa1, 0x61, b'x', 0xf5][..]));
    }

    #[test]
    fn refuses_inconsistent_flags_truncation_and_trailing_bytes() {
        let cases: [(Vec<u8>, &str); 5] = [
            (base(Flags::UP)[..36].to_vec(), "truncated signCount"),
            (base(Flags::UP | Flags::AT), "AT flag set but attested credential data missing"),
            (base(Flags::UP | Flags::ED), "ED flag set but extensions are not a valid CBOR map"),
            (base(Flags::UP | Flags::BS), "BS flag set without BE"),
            ([base(Flags::UP), vec![0]].concat(), "trailing bytes"),
        ];
        for (raw, context) in cases {
            let err = AuthenticatorData::parse(&raw).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Malformed(Input::AuthenticatorData));
            assert_eq!(err.context(), context);
        }
    }

    #[test]
    fn refuses_oversized_credential_id() {
        let mut raw = base(Flags::UP | Flags::AT);
        raw.extend_from_slice(&[0u8; 16]);
        raw.extend_from_slice(&1024u16.to_be_bytes());
        raw.extend_from_slice(&[0u8; 1024]);
        raw.extend_from_slice(&[0xa0]);
        let err = AuthenticatorData::parse(&raw).unwrap_err();
        assert_eq!((err.kind(), err.category()), (ErrorKind::CredentialId, crate::Category::Credential));
    }
}
