//! Extension inputs as the relying party requests them, in their WebAuthn JSON form (the
//! `extensions` member of `PublicKeyCredentialCreationOptionsJSON` /
//! `PublicKeyCredentialRequestOptionsJSON`; binary values are base64url).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::encoding::b64;
use crate::error::{Error, ErrorKind, Result};

/// The extensions of a registration (`navigator.credentials.create()`).
///
/// The default requests `credProps` only, so that the record learns whether the new
/// credential is discoverable.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegistrationExtensions {
    /// `credProps` (§10.1.3): ask the client whether the credential is discoverable.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cred_props: bool,
    /// `credentialProtectionPolicy` (CTAP 2.1 `credProtect`): when the authenticator may use
    /// the credential without user verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_protection_policy: Option<CredentialProtectionPolicy>,
    /// `enforceCredentialProtectionPolicy`: the registration must fail unless the
    /// authenticator applies at least that policy (checked again by the relying party).
    #[serde(default, skip_serializing_if = "is_false")]
    pub enforce_credential_protection_policy: bool,
    /// `prf` (§10.1.4): enable the PRF and optionally evaluate it already (`eval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prf: Option<PrfInputs>,
    /// `largeBlob` (§10.1.5): only `support` is allowed at registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large_blob: Option<LargeBlobInputs>,
    /// `appidExclude` (§10.1.2): the FIDO U2F AppID whose credentials must not register again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid_exclude: Option<String>,
    /// `minPinLength` (CTAP 2.1): ask for the authenticator's minimum PIN length.
    #[serde(default, skip_serializing_if = "is_false")]
    pub min_pin_length: bool,
    /// Extensions the crate does not check, passed through as given; their outputs count as
    /// requested and are returned unverified (see `clientExtensionResults`).
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Default for RegistrationExtensions {
    fn default() -> Self {
        Self::none().with_cred_props()
    }
}

impl RegistrationExtensions {
    /// No extension at all (not even `credProps`).
    #[must_use]
    pub fn none() -> Self {
        Self {
            cred_props: false,
            credential_protection_policy: None,
            enforce_credential_protection_policy: false,
            prf: None,
            large_blob: None,
            appid_exclude: None,
            min_pin_length: false,
            other: serde_json::Map::new(),
        }
    }

    /// These extensions and `credProps`.
    #[must_use]
    pub fn with_cred_props(mut self) -> Self {
        self.cred_props = true;
        self
    }

    /// These extensions and `credProtect` at `policy`; `enforce` makes a weaker result fail.
    #[must_use]
    pub fn with_credential_protection(mut self, policy: CredentialProtectionPolicy, enforce: bool) -> Self {
        self.credential_protection_policy = Some(policy);
        self.enforce_credential_protection_policy = enforce;
        self
    }

    /// These extensions and `prf`, evaluated at `eval` when given.
    #[must_use]
    pub fn with_prf(mut self, eval: Option<PrfValues>) -> Self {
        self.prf = Some(PrfInputs { eval, eval_by_credential: BTreeMap::new() });
        self
    }

    /// These extensions and `largeBlob` with `support`.
    #[must_use]
    pub fn with_large_blob(mut self, support: LargeBlobSupport) -> Self {
        self.large_blob = Some(LargeBlobInputs { support: Some(support), read: None, write: None });
        self
    }

    /// These extensions and `appidExclude`.
    #[must_use]
    pub fn with_appid_exclude(mut self, appid: impl Into<String>) -> Self {
        self.appid_exclude = Some(appid.into());
        self
    }

    /// These extensions and `minPinLength`.
    #[must_use]
    pub fn with_min_pin_length(mut self) -> Self {
        self.min_pin_length = true;
        self
    }

    /// Refuses what a client refuses at `create()` (`NotSupportedError`), so that the options
    /// are never ones a browser rejects.
    pub(crate) fn check(&self) -> Result<()> {
        if self.prf.as_ref().is_some_and(|p| !p.eval_by_credential.is_empty()) {
            return Err(Error::new(ErrorKind::Config, "prf evalByCredential is for sign-in only"));
        }
        if self.large_blob.as_ref().is_some_and(|l| l.read.is_some() || l.write.is_some()) {
            return Err(Error::new(ErrorKind::Config, "largeBlob read and write are for sign-in only"));
        }
        Ok(())
    }
}

/// The extensions of a sign-in (`navigator.credentials.get()`).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthenticationExtensions {
    /// `appid` (§10.1.1): the FIDO U2F AppID of credentials registered with the U2F API. When
    /// the client reports `appid: true`, the authenticator data is bound to this AppID
    /// instead of the RP ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// `prf` (§10.1.4): evaluate the PRF (`eval`, or per credential `evalByCredential`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prf: Option<PrfInputs>,
    /// `largeBlob` (§10.1.5): `read` or `write`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large_blob: Option<LargeBlobInputs>,
    /// Extensions the crate does not check, passed through as given.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl AuthenticationExtensions {
    /// These extensions and `appid`.
    #[must_use]
    pub fn with_appid(mut self, appid: impl Into<String>) -> Self {
        self.appid = Some(appid.into());
        self
    }

    /// These extensions and `prf`: `eval` for any credential, `by_credential` for some.
    #[must_use]
    pub fn with_prf(mut self, eval: Option<PrfValues>, by_credential: &[(&[u8], PrfValues)]) -> Self {
        let eval_by_credential = by_credential.iter().map(|(id, v)| (b64::encode(id), v.clone())).collect();
        self.prf = Some(PrfInputs { eval, eval_by_credential });
        self
    }

    /// These extensions and a `largeBlob` read.
    #[must_use]
    pub fn with_large_blob_read(mut self) -> Self {
        self.large_blob = Some(LargeBlobInputs { support: None, read: Some(true), write: None });
        self
    }

    /// These extensions and a `largeBlob` write of `blob`.
    #[must_use]
    pub fn with_large_blob_write(mut self, blob: Vec<u8>) -> Self {
        self.large_blob = Some(LargeBlobInputs { support: None, read: None, write: Some(blob) });
        self
    }

    /// Refuses what a client refuses at `get()`: `largeBlob` with `support` or with both
    /// `read` and `write`; `evalByCredential` without `allowCredentials`, or naming a
    /// credential that is not in it, or with a key that is not base64url.
    pub(crate) fn check(&self, allow_credentials: &[Vec<u8>]) -> Result<()> {
        if let Some(blob) = &self.large_blob {
            if blob.support.is_some() {
                return Err(Error::new(ErrorKind::Config, "largeBlob support is for registration only"));
            }
            if blob.read == Some(true) && blob.write.is_some() {
                return Err(Error::new(ErrorKind::Config, "largeBlob read and write together"));
            }
        }
        if let Some(prf) = &self.prf {
            for id in prf.eval_by_credential.keys() {
                let id =
                    b64::decode(id).map_err(|_| Error::new(ErrorKind::Config, "evalByCredential key not base64url"))?;
                if !allow_credentials.contains(&id) {
                    return Err(Error::new(ErrorKind::Config, "evalByCredential names a credential not allowed"));
                }
            }
        }
        Ok(())
    }
}

/// `credentialProtectionPolicy` and the authenticator's `credProtect` level (CTAP 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CredentialProtectionPolicy {
    /// Level 1: usable with or without user verification.
    #[serde(rename = "userVerificationOptional")]
    UserVerificationOptional,
    /// Level 2: without user verification only when the credential ID is given
    /// (`allowCredentials`), so a discoverable credential is not revealed.
    #[serde(rename = "userVerificationOptionalWithCredentialIDList")]
    UserVerificationOptionalWithCredentialIdList,
    /// Level 3: only with user verification.
    #[serde(rename = "userVerificationRequired")]
    UserVerificationRequired,
}

impl CredentialProtectionPolicy {
    /// The CTAP level (1 to 3).
    #[must_use]
    pub const fn level(self) -> u8 {
        match self {
            Self::UserVerificationOptional => 1,
            Self::UserVerificationOptionalWithCredentialIdList => 2,
            Self::UserVerificationRequired => 3,
        }
    }

    /// The policy of a CTAP level.
    #[must_use]
    pub const fn from_level(level: u64) -> Option<Self> {
        match level {
            1 => Some(Self::UserVerificationOptional),
            2 => Some(Self::UserVerificationOptionalWithCredentialIdList),
            3 => Some(Self::UserVerificationRequired),
            _ => None,
        }
    }
}

/// `prf` inputs (`AuthenticationExtensionsPRFInputs`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PrfInputs {
    /// Salts evaluated for whichever credential is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval: Option<PrfValues>,
    /// Salts per credential, keyed by base64url credential ID (sign-in only; every key must
    /// be in `allowCredentials`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub eval_by_credential: BTreeMap<String, PrfValues>,
}

/// PRF salts (inputs) or results (outputs): `first` and an optional `second`. `Debug` shows
/// neither: results are secrets (keys derived from them encrypt user data).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrfValues {
    /// The first value.
    #[serde(with = "base64url")]
    pub first: Vec<u8>,
    /// The second value, when two were asked for.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "base64url_option")]
    pub second: Option<Vec<u8>>,
}

impl PrfValues {
    /// One value.
    #[must_use]
    pub fn one(first: impl Into<Vec<u8>>) -> Self {
        Self { first: first.into(), second: None }
    }

    /// Two values.
    #[must_use]
    pub fn two(first: impl Into<Vec<u8>>, second: impl Into<Vec<u8>>) -> Self {
        Self { first: first.into(), second: Some(second.into()) }
    }
}

impl core::fmt::Debug for PrfValues {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrfValues")
            .field("first", &"<redacted>")
            .field("second", &self.second.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// `largeBlob` inputs (`AuthenticationExtensionsLargeBlobInputs`). `Debug` shows the length
/// of a blob to write, not its bytes.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LargeBlobInputs {
    /// Registration: whether large-blob support is required or preferred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<LargeBlobSupport>,
    /// Sign-in: read the blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
    /// Sign-in: write this blob.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "base64url_option")]
    pub write: Option<Vec<u8>>,
}

impl core::fmt::Debug for LargeBlobInputs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LargeBlobInputs")
            .field("support", &self.support)
            .field("read", &self.read)
            .field("write_len", &self.write.as_ref().map(Vec::len))
            .finish()
    }
}

/// `largeBlob.support`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LargeBlobSupport {
    /// Only an authenticator with large-blob storage may create the credential.
    Required,
    /// Large-blob storage is wanted where available.
    Preferred,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
const fn is_false(b: &bool) -> bool {
    !*b
}

/// Bytes as unpadded base64url text, the WebAuthn JSON form of a `BufferSource`.
pub(crate) mod base64url {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::encoding::b64::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        crate::encoding::b64::decode(text.as_bytes()).map_err(|_| serde::de::Error::custom("not base64url"))
    }
}

/// [`base64url`] for an optional value.
pub(crate) mod base64url_option {
    use serde::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`
    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => super::base64url::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        text.map(|t| crate::encoding::b64::decode(t.as_bytes()).map_err(|_| serde::de::Error::custom("not base64url")))
            .transpose()
    }
}

impl core::fmt::Debug for RegistrationExtensions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RegistrationExtensions")
            .field("cred_props", &self.cred_props)
            .field("credential_protection_policy", &self.credential_protection_policy)
            .field("enforce_credential_protection_policy", &self.enforce_credential_protection_policy)
            .field("prf", &self.prf)
            .field("large_blob", &self.large_blob)
            .field("appid_exclude", &self.appid_exclude)
            .field("min_pin_length", &self.min_pin_length)
            .field("other", &self.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl core::fmt::Debug for AuthenticationExtensions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthenticationExtensions")
            .field("appid", &self.appid)
            .field("prf", &self.prf.as_ref().map(|p| (p.eval.is_some(), p.eval_by_credential.len())))
            .field("large_blob", &self.large_blob)
            .field("other", &self.other.keys().collect::<Vec<_>>())
            .finish()
    }
}
