//! WebAuthn extensions (§9, §10, and the CTAP 2.1 extensions passkey deployments use):
//! inputs the relying party requests, and outputs checked against that request.
//!
//! A ceremony's state records what was requested. At verification (§7.1 step 18, §7.2
//! step 19) every output of a requested extension is parsed, checked for its shape and
//! against the request (a second PRF result when one salt was sent, `written` after a
//! read, a `credProtect` level below an enforced one) and returned typed in
//! [`ExtensionOutputs`]. Outputs of extensions that were not requested are passed over by
//! default and refused under [`UnsolicitedExtensions::Reject`]. Failures have the
//! `extension` category.
//!
//! | extension | ceremony | input | output |
//! |---|---|---|---|
//! | `credProps` | registration | [`RegistrationExtensions::cred_props`] | [`ExtensionOutputs::discoverable`] |
//! | `credProtect` | registration | [`RegistrationExtensions::credential_protection_policy`] | [`ExtensionOutputs::credential_protection`] |
//! | `prf` | both | [`PrfInputs`] | [`PrfOutputs`] |
//! | `largeBlob` | both | [`LargeBlobInputs`] | [`LargeBlobOutputs`] |
//! | `appid` | sign-in | [`AuthenticationExtensions::appid`] | [`ExtensionOutputs::appid`] |
//! | `appidExclude` | registration | [`RegistrationExtensions::appid_exclude`] | [`ExtensionOutputs::appid_exclude`] |
//! | `minPinLength` | registration | [`RegistrationExtensions::min_pin_length`] | [`ExtensionOutputs::min_pin_length`] |
//!
//! ```
//! use passkey_verifier::extensions::{CredentialProtectionPolicy, RegistrationExtensions};
//! let extensions = RegistrationExtensions::default() // credProps
//!     .with_credential_protection(CredentialProtectionPolicy::UserVerificationRequired, true);
//! let json = serde_json::to_value(&extensions).unwrap();
//! assert_eq!(json["credentialProtectionPolicy"], "userVerificationRequired");
//! assert_eq!(json["credProps"], true);
//! ```

mod authenticator;
mod client;
mod inputs;
mod outputs;
mod requested;

use serde::{Deserialize, Serialize};

pub use inputs::{
    AuthenticationExtensions, CredentialProtectionPolicy, LargeBlobInputs, LargeBlobSupport, PrfInputs, PrfValues,
    RegistrationExtensions,
};
pub(crate) use outputs::{check, Ceremony, Received};
pub use outputs::{ExtensionOutputs, LargeBlobOutputs, PrfOutputs};
pub(crate) use requested::Requested;

/// What to do with an extension output that was not requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnsolicitedExtensions {
    /// Pass it over (the default: clients and authenticators add outputs of their own).
    #[default]
    Ignore,
    /// Fail the ceremony with the `extension` category.
    Reject,
}
