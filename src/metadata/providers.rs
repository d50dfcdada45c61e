//! Passkey provider names by AAGUID, for display ("Google Password Manager", "iCloud
//! Keychain") in a user's list of passkeys. Names only: they decide nothing. Trust comes from
//! attestation and FIDO metadata, and an AAGUID the attestation does not vouch for is only a
//! claim (see [`AttestationOutcome::aaguid_attested`](crate::AttestationOutcome::aaguid_attested)).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::entry::parse_aaguid;
use crate::error::{Error, Input, Result};

/// The built-in snapshot: the community "Passkey Provider AAGUIDs" list, names only.
const SNAPSHOT: &str = include_str!("../../data/passkey-provider-aaguids.json");

/// The largest provider list accepted, in bytes.
pub const MAX_PROVIDERS_LEN: usize = 1024 * 1024;
/// The most providers a list may name.
pub const MAX_PROVIDERS: usize = 10_000;
/// The longest provider name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 128;

#[derive(Deserialize)]
struct RawProvider {
    name: String,
}

/// Provider names by AAGUID: the built-in snapshot, or a fresher copy of the same format the
/// host supplies (`{"<aaguid>": {"name": "...", ...}, ...}`; other members, such as icons,
/// are ignored; an empty object is an empty list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderNames {
    names: HashMap<[u8; 16], String>,
}

impl ProviderNames {
    /// The snapshot built into the crate.
    #[must_use]
    pub fn builtin() -> &'static Self {
        static BUILTIN: OnceLock<ProviderNames> = OnceLock::new();
        BUILTIN.get_or_init(|| Self::from_json(SNAPSHOT.as_bytes()).unwrap_or_default())
    }

    /// Reads a list in the community format.
    ///
    /// # Errors
    ///
    /// Malformed [`Input::ProviderNames`] when it is not such a JSON object, is larger than
    /// [`MAX_PROVIDERS_LEN`], names more than [`MAX_PROVIDERS`] providers, has a key that is
    /// not an AAGUID, or a name longer than [`MAX_NAME_LEN`] bytes.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let bad = |context| Error::malformed(Input::ProviderNames, context);
        if json.len() > MAX_PROVIDERS_LEN {
            return Err(bad("provider list too large"));
        }
        let raw: HashMap<String, RawProvider> =
            serde_json::from_slice(json).map_err(|_| bad("provider list is not a JSON object of names"))?;
        if raw.len() > MAX_PROVIDERS {
            return Err(bad("provider list names too many providers"));
        }
        let mut names = HashMap::with_capacity(raw.len());
        for (key, provider) in raw {
            let aaguid = parse_aaguid(&key).ok_or_else(|| bad("provider list key is not an AAGUID"))?;
            if provider.name.len() > MAX_NAME_LEN {
                return Err(bad("provider name too long"));
            }
            names.insert(aaguid, provider.name);
        }
        Ok(Self { names })
    }

    /// The provider's name, when the list knows the AAGUID.
    #[must_use]
    pub fn name(&self, aaguid: &[u8; 16]) -> Option<&str> {
        self.names.get(aaguid).map(String::as_str)
    }

    /// How many providers the list names.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the list names no provider.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn the_snapshot_names_the_common_providers() {
        let builtin = ProviderNames::builtin();
        assert!(builtin.len() >= 50, "{}", builtin.len());
        let windows_hello = parse_aaguid("08987058-cadc-4b81-b6e1-30de50dcbe96").unwrap();
        assert_eq!(builtin.name(&windows_hello), Some("Windows Hello"));
        assert_eq!(builtin.name(&[0; 16]), None);
    }

    #[test]
    fn a_host_list_may_be_empty_or_carry_icons() {
        assert!(ProviderNames::from_json(b"{}").unwrap().is_empty());
        let list =
            br#"{"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": {"name": "Google Password Manager", "icon_dark": "data:x"}}"#;
        let names = ProviderNames::from_json(list).unwrap();
        let aaguid = parse_aaguid("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4").unwrap();
        assert_eq!(names.name(&aaguid), Some("Google Password Manager"));
    }

    #[test]
    fn malformed_lists_are_refused() {
        let long = format!(r#"{{"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": {{"name": "{}"}}}}"#, "x".repeat(129));
        for bad in [
            &b"[]"[..],
            b"",
            b"{\"not-an-aaguid\": {\"name\": \"x\"}}",
            b"{\"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4\": {}}",
            long.as_bytes(),
        ] {
            assert_eq!(ProviderNames::from_json(bad).unwrap_err().kind(), ErrorKind::Malformed(Input::ProviderNames));
        }
        assert!(ProviderNames::from_json(&vec![b' '; MAX_PROVIDERS_LEN + 1]).is_err());
    }
}
