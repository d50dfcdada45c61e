//! What a ceremony requested, as its server-side state keeps it: only what checking the
//! outputs needs (no PRF salt, no blob), so the state stays small.

use serde::{Deserialize, Serialize};

use super::inputs::{AuthenticationExtensions, CredentialProtectionPolicy, LargeBlobSupport, RegistrationExtensions};
use crate::encoding::b64;

/// The requested extensions of one ceremony.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct Requested {
    #[serde(default)]
    pub cred_props: bool,
    #[serde(default)]
    pub cred_protect: Option<(CredentialProtectionPolicy, bool)>,
    #[serde(default)]
    pub prf: Option<PrfRequested>,
    #[serde(default)]
    pub large_blob: Option<LargeBlobRequested>,
    #[serde(default)]
    pub appid: Option<String>,
    #[serde(default)]
    pub appid_exclude: bool,
    #[serde(default)]
    pub min_pin_length: bool,
    /// Names of pass-through extensions.
    #[serde(default)]
    pub other: Vec<String>,
}

/// Which PRF evaluations were asked for: `Some(two)` says whether a second salt was sent.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct PrfRequested {
    pub eval: Option<bool>,
    pub by_credential: Vec<(Vec<u8>, bool)>,
}

impl PrfRequested {
    /// Whether results may come back for `credential_id`, and whether with a second value.
    pub fn expected_for(&self, credential_id: &[u8]) -> Option<bool> {
        self.by_credential.iter().find(|(id, _)| id.as_slice() == credential_id).map(|(_, two)| *two).or(self.eval)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum LargeBlobRequested {
    Support(LargeBlobSupport),
    Read,
    Write,
}

impl Requested {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    pub fn registration(inputs: &RegistrationExtensions) -> Self {
        Self {
            cred_props: inputs.cred_props,
            cred_protect: inputs
                .credential_protection_policy
                .map(|policy| (policy, inputs.enforce_credential_protection_policy)),
            prf: inputs
                .prf
                .as_ref()
                .map(|p| PrfRequested { eval: p.eval.as_ref().map(|v| v.second.is_some()), by_credential: Vec::new() }),
            large_blob: inputs.large_blob.as_ref().and_then(|l| l.support).map(LargeBlobRequested::Support),
            appid: None,
            appid_exclude: inputs.appid_exclude.is_some(),
            min_pin_length: inputs.min_pin_length,
            other: inputs.other.keys().cloned().collect(),
        }
    }

    pub fn authentication(inputs: &AuthenticationExtensions) -> Self {
        let prf = inputs.prf.as_ref().map(|p| PrfRequested {
            eval: p.eval.as_ref().map(|v| v.second.is_some()),
            by_credential: p
                .eval_by_credential
                .iter()
                .filter_map(|(id, v)| Some((b64::decode(id).ok()?, v.second.is_some())))
                .collect(),
        });
        let large_blob = inputs.large_blob.as_ref().and_then(|l| {
            if l.write.is_some() {
                Some(LargeBlobRequested::Write)
            } else if l.read == Some(true) {
                Some(LargeBlobRequested::Read)
            } else {
                None
            }
        });
        Self {
            cred_props: false,
            cred_protect: None,
            prf,
            large_blob,
            appid: inputs.appid.clone(),
            appid_exclude: false,
            min_pin_length: false,
            other: inputs.other.keys().cloned().collect(),
        }
    }

    /// The names of the requested extensions, for `Debug`.
    pub fn names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        let known = [
            (self.cred_props, "credProps"),
            (self.cred_protect.is_some(), "credProtect"),
            (self.prf.is_some(), "prf"),
            (self.large_blob.is_some(), "largeBlob"),
            (self.appid.is_some(), "appid"),
            (self.appid_exclude, "appidExclude"),
            (self.min_pin_length, "minPinLength"),
        ];
        names.extend(known.iter().filter(|(on, _)| *on).map(|(_, name)| *name));
        names.extend(self.other.iter().map(String::as_str));
        names
    }
}

impl core::fmt::Debug for Requested {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}
