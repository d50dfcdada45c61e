//! `PublicKeyCredentialCreationOptionsJSON` and `PublicKeyCredentialRequestOptionsJSON`
//! (WebAuthn Level 3 §5.1.9, §5.1.10): every member of the dictionaries, so that what
//! `PublicKeyCredential.parseCreationOptionsFromJSON()` / `parseRequestOptionsFromJSON()`
//! read is exactly what the relying party chose. Both serialize and deserialize (a host may
//! keep or forward them).

use serde::{Deserialize, Serialize};

use super::{AttestationConveyance, AuthenticatorAttachment, Hint, ResidentKey};
use crate::challenge::{Mediation, UserVerification};
use crate::extensions::{AuthenticationExtensions, RegistrationExtensions};

/// `PublicKeyCredentialCreationOptionsJSON`; serialize it with `serde_json` (or
/// [`CreationOptionsJson::to_json`]) and hand it to the browser. `Debug` redacts the
/// challenge, the user and the excluded credential IDs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationOptionsJson {
    pub(crate) rp: RpJson,
    pub(crate) user: UserJson,
    pub(crate) challenge: String,
    pub(crate) pub_key_cred_params: Vec<ParamJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) timeout: Option<u64>,
    #[serde(default)]
    pub(crate) exclude_credentials: Vec<DescriptorJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) authenticator_selection: Option<SelectionJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) hints: Vec<Hint>,
    #[serde(default)]
    pub(crate) attestation: AttestationConveyance,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) attestation_formats: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) extensions: Option<RegistrationExtensions>,
    /// Not a member of the dictionary: `navigator.credentials.create({ mediation, publicKey })`.
    #[serde(skip)]
    pub(crate) mediation: Mediation,
}

/// `PublicKeyCredentialRequestOptionsJSON`; serialize it and hand it to the browser. `Debug`
/// redacts the challenge and the allowed credential IDs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestOptionsJson {
    pub(crate) challenge: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rp_id: Option<String>,
    #[serde(default)]
    pub(crate) allow_credentials: Vec<DescriptorJson>,
    #[serde(default)]
    pub(crate) user_verification: UserVerification,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) hints: Vec<Hint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) extensions: Option<AuthenticationExtensions>,
    /// Not a member of the dictionary: `navigator.credentials.get({ mediation, publicKey })`.
    #[serde(skip)]
    pub(crate) mediation: Mediation,
}

impl CreationOptionsJson {
    /// The options as a JSON string.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The `mediation` to pass beside the options: `Some("conditional")` for a conditional
    /// create (`navigator.credentials.create({ mediation: "conditional", publicKey })`).
    #[must_use]
    pub const fn mediation(&self) -> Option<&'static str> {
        mediation_member(self.mediation)
    }
}

impl RequestOptionsJson {
    /// The options as a JSON string.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The `mediation` to pass beside the options: `Some("conditional")` for an autofill
    /// sign-in (`navigator.credentials.get({ mediation: "conditional", publicKey })`, with
    /// `autocomplete="username webauthn"` on the username field).
    #[must_use]
    pub const fn mediation(&self) -> Option<&'static str> {
        mediation_member(self.mediation)
    }
}

const fn mediation_member(mediation: Mediation) -> Option<&'static str> {
    match mediation {
        Mediation::Modal => None,
        Mediation::Conditional => Some("conditional"),
    }
}

impl core::fmt::Debug for CreationOptionsJson {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CreationOptionsJson")
            .field("rp", &self.rp)
            .field("user", &"<redacted>")
            .field("challenge", &"<redacted>")
            .field("pub_key_cred_params", &self.pub_key_cred_params)
            .field("timeout", &self.timeout)
            .field("exclude_credentials", &self.exclude_credentials.len())
            .field("authenticator_selection", &self.authenticator_selection)
            .field("hints", &self.hints)
            .field("attestation", &self.attestation)
            .field("attestation_formats", &self.attestation_formats)
            .field("extensions", &self.extensions)
            .field("mediation", &self.mediation)
            .finish()
    }
}

impl core::fmt::Debug for RequestOptionsJson {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RequestOptionsJson")
            .field("challenge", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("rp_id", &self.rp_id)
            .field("allow_credentials", &self.allow_credentials.len())
            .field("user_verification", &self.user_verification)
            .field("hints", &self.hints)
            .field("extensions", &self.extensions)
            .field("mediation", &self.mediation)
            .finish()
    }
}

/// `PublicKeyCredentialRpEntity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RpJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
}

/// `PublicKeyCredentialUserEntityJSON`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserJson {
    pub id: String,
    pub name: String,
    pub display_name: String,
}

/// `PublicKeyCredentialParameters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ParamJson {
    #[serde(rename = "type")]
    pub ty: String,
    pub alg: i64,
}

/// `PublicKeyCredentialDescriptorJSON`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DescriptorJson {
    #[serde(rename = "type")]
    pub ty: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transports: Vec<String>,
}

/// `AuthenticatorSelectionCriteria`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SelectionJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_key: Option<ResidentKey>,
    #[serde(default)]
    pub require_resident_key: bool,
    #[serde(default)]
    pub user_verification: UserVerification,
}
