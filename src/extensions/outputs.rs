//! The extension outputs of a response, checked against the request (§7.1 step 18, §7.2
//! step 19) and returned typed.

use serde::Deserialize;

use super::authenticator::{unsigned, AuthenticatorOutputs};
use super::client::{member, ClientOutputs};
use super::inputs::{base64url_option, CredentialProtectionPolicy, PrfValues};
use super::requested::{LargeBlobRequested, PrfRequested, Requested};
use super::UnsolicitedExtensions;
use crate::encoding::cbor::Value;
use crate::error::{Error, ExtensionError, Result};

/// The verified extension outputs of a ceremony: each field is `Some` only when the extension
/// was requested and its output was present (and passed the checks).
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExtensionOutputs {
    /// `credProps.rk`: whether the new credential is discoverable (a passkey).
    pub discoverable: Option<bool>,
    /// The `credProtect` level the authenticator applied.
    pub credential_protection: Option<CredentialProtectionPolicy>,
    /// `prf` outputs.
    pub prf: Option<PrfOutputs>,
    /// `largeBlob` outputs.
    pub large_blob: Option<LargeBlobOutputs>,
    /// `appid`: whether the assertion was made for the FIDO U2F AppID (and its rpIdHash was
    /// checked against the AppID).
    pub appid: Option<bool>,
    /// `appidExclude`: whether the client checked the AppID's credentials.
    pub appid_exclude: Option<bool>,
    /// `minPinLength`: the authenticator's minimum PIN length.
    pub min_pin_length: Option<u8>,
}

impl core::fmt::Debug for ExtensionOutputs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExtensionOutputs")
            .field("discoverable", &self.discoverable)
            .field("credential_protection", &self.credential_protection)
            .field("prf", &self.prf)
            .field("large_blob", &self.large_blob)
            .field("appid", &self.appid)
            .field("appid_exclude", &self.appid_exclude)
            .field("min_pin_length", &self.min_pin_length)
            .finish()
    }
}

/// `prf` outputs. The results are secrets: hand them to the code that derives keys from
/// them, never to a log (`Debug` redacts them).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrfOutputs {
    /// Registration: whether the credential supports the PRF.
    pub enabled: Option<bool>,
    /// The evaluated values (32 bytes each).
    pub results: Option<PrfValues>,
}

/// `largeBlob` outputs. `Debug` shows a read blob's length only.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LargeBlobOutputs {
    /// Registration: whether the credential can store a large blob.
    pub supported: Option<bool>,
    /// Sign-in after a read: the blob.
    pub blob: Option<Vec<u8>>,
    /// Sign-in after a write: whether it was written.
    pub written: Option<bool>,
}

impl core::fmt::Debug for LargeBlobOutputs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LargeBlobOutputs")
            .field("supported", &self.supported)
            .field("blob_len", &self.blob.as_ref().map(Vec::len))
            .field("written", &self.written)
            .finish()
    }
}

/// Which ceremony the outputs answer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ceremony {
    Registration,
    Authentication,
}

/// What the response carried.
pub(crate) struct Received<'a> {
    /// `clientExtensionResults`, raw JSON.
    pub client: Option<&'a str>,
    /// The authenticator data's extension map, raw CBOR.
    pub authenticator: Option<&'a [u8]>,
    /// The credential that answered (for `evalByCredential`).
    pub credential_id: &'a [u8],
}

/// Checks the outputs against `requested`. An output of an extension that was not requested
/// is passed over (not even parsed) unless `unsolicited` rejects it.
pub(crate) fn check(
    requested: &Requested,
    ceremony: Ceremony,
    received: &Received<'_>,
    unsolicited: UnsolicitedExtensions,
) -> Result<ExtensionOutputs> {
    let reject = unsolicited == UnsolicitedExtensions::Reject;
    let mut out = ExtensionOutputs::default();
    if requested.is_empty() && !reject {
        return Ok(out);
    }
    let refuse = |name: &'static str| -> Result<()> {
        if reject {
            Err(Error::extension(ExtensionError::Unsolicited, name))
        } else {
            Ok(())
        }
    };
    if let Some(json) = received.client {
        let client = ClientOutputs::parse(json)?;
        if let Some(raw) = client.cred_props {
            if requested.cred_props && ceremony == Ceremony::Registration {
                out.discoverable = member::<CredPropsWire>(raw, "credProps")?.rk;
            } else {
                refuse("credProps")?;
            }
        }
        if let Some(raw) = client.appid {
            if requested.appid.is_some() {
                out.appid = Some(member(raw, "appid")?);
            } else {
                refuse("appid")?;
            }
        }
        if let Some(raw) = client.appid_exclude {
            if requested.appid_exclude {
                out.appid_exclude = Some(member(raw, "appidExclude")?);
            } else {
                refuse("appidExclude")?;
            }
        }
        if let Some(raw) = client.prf {
            match &requested.prf {
                Some(prf) => out.prf = Some(prf_outputs(member(raw, "prf")?, prf, ceremony, received.credential_id)?),
                None => refuse("prf")?,
            }
        }
        if let Some(raw) = client.large_blob {
            match requested.large_blob {
                Some(asked) => out.large_blob = Some(large_blob_outputs(member(raw, "largeBlob")?, asked)?),
                None => refuse("largeBlob")?,
            }
        }
        for name in &client.unknown {
            if !requested.other.iter().any(|o| o == name) {
                refuse("clientExtensionResults")?;
            }
        }
    }
    if let Some(bytes) = received.authenticator {
        authenticator_outputs(&AuthenticatorOutputs::parse(bytes)?, requested, ceremony, &mut out, &refuse)?;
    }
    if let Some((policy, true)) = requested.cred_protect {
        if out.credential_protection.is_none_or(|applied| applied < policy) {
            return Err(Error::extension(ExtensionError::ProtectionTooWeak, "credProtect"));
        }
    }
    Ok(out)
}

fn authenticator_outputs(
    outputs: &AuthenticatorOutputs<'_>,
    requested: &Requested,
    ceremony: Ceremony,
    out: &mut ExtensionOutputs,
    refuse: &dyn Fn(&'static str) -> Result<()>,
) -> Result<()> {
    let registration = ceremony == Ceremony::Registration;
    if let Some(value) = outputs.cred_protect {
        if requested.cred_protect.is_some() && registration {
            let level = unsigned(value, 3, "credProtect")?;
            out.credential_protection = Some(
                CredentialProtectionPolicy::from_level(level)
                    .ok_or_else(|| Error::extension(ExtensionError::InvalidOutput, "credProtect"))?,
            );
        } else {
            refuse("credProtect")?;
        }
    }
    if let Some(value) = outputs.min_pin_length {
        if requested.min_pin_length && registration {
            out.min_pin_length = u8::try_from(unsigned(value, 255, "minPinLength")?).ok();
        } else {
            refuse("minPinLength")?;
        }
    }
    if let Some(value) = outputs.hmac_secret {
        // Registration answers whether it is enabled; a sign-in carries the encrypted output
        // that the client decrypted into `prf.results`.
        let shaped = matches!(
            (ceremony, value),
            (Ceremony::Registration, Value::Bool(_)) | (Ceremony::Authentication, Value::Bytes(_))
        );
        if requested.prf.is_none() {
            refuse("hmac-secret")?;
        } else if !shaped {
            return Err(Error::extension(ExtensionError::InvalidOutput, "hmac-secret"));
        }
    }
    for name in &outputs.unknown {
        if !name.is_some_and(|n| requested.other.iter().any(|o| o == n)) {
            refuse("authenticator extensions")?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct CredPropsWire {
    #[serde(default)]
    rk: Option<bool>,
}

#[derive(Deserialize)]
struct PrfWire {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    results: Option<PrfValues>,
}

const PRF_OUTPUT_LEN: usize = 32;

fn prf_outputs(wire: PrfWire, asked: &PrfRequested, ceremony: Ceremony, credential_id: &[u8]) -> Result<PrfOutputs> {
    let contradicts = || Error::extension(ExtensionError::Contradicts, "prf");
    if ceremony == Ceremony::Authentication && wire.enabled.is_some() {
        return Err(contradicts());
    }
    if let Some(results) = &wire.results {
        let expected = match ceremony {
            Ceremony::Registration => asked.eval,
            Ceremony::Authentication => asked.expected_for(credential_id),
        };
        let two = expected.ok_or_else(contradicts)?;
        if results.second.is_some() != two || wire.enabled == Some(false) {
            return Err(contradicts());
        }
        let lengths_ok =
            results.first.len() == PRF_OUTPUT_LEN && results.second.as_ref().is_none_or(|s| s.len() == PRF_OUTPUT_LEN);
        if !lengths_ok {
            return Err(Error::extension(ExtensionError::InvalidOutput, "prf"));
        }
    }
    Ok(PrfOutputs { enabled: wire.enabled, results: wire.results })
}

#[derive(Deserialize)]
struct LargeBlobWire {
    #[serde(default)]
    supported: Option<bool>,
    #[serde(default, with = "base64url_option")]
    blob: Option<Vec<u8>>,
    #[serde(default)]
    written: Option<bool>,
}

fn large_blob_outputs(wire: LargeBlobWire, asked: LargeBlobRequested) -> Result<LargeBlobOutputs> {
    let consistent = match asked {
        LargeBlobRequested::Support(support) => {
            wire.blob.is_none()
                && wire.written.is_none()
                && !(support == super::LargeBlobSupport::Required && wire.supported == Some(false))
        }
        LargeBlobRequested::Read => wire.supported.is_none() && wire.written.is_none(),
        LargeBlobRequested::Write => wire.supported.is_none() && wire.blob.is_none(),
    };
    if !consistent {
        return Err(Error::extension(ExtensionError::Contradicts, "largeBlob"));
    }
    Ok(LargeBlobOutputs { supported: wire.supported, blob: wire.blob, written: wire.written })
}
